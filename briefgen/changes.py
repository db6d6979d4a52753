"""What changed between two versions of a dossier: every item of every list, the meeting,
the documents' own sections and the dossier's title, added, removed or changed, with the
old and the new value of every field that changed.

The older version is a folder, or a git revision of the newer one's folder
(`briefgen diff HEAD~3 seeds/x`).  The changes are shown on the terminal, as
JSON, or as a one-page document for the reps ("Ce qui a changé depuis la
dernière séance").
"""

from __future__ import annotations

import datetime as dt
import difflib
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import InputError, Problem
from .i18n import _, lazy, long_date
from .load import display_path, load_dossier
from .models import REFERENCED, Audience, Dossier, Visibility

LISTS = {
    "facts": "statement",
    "sources": "title",
    "key_points": "text",
    "divergences": "subject",
    "themes": "title",
    "timeline": "what",
    "stakeholders": "name",
    "legal": "article",
    "questions": "text",
    "demands": "text",
    "establishments": "name",
    "commitments": "text",
    "consultations": "subject",
}
"""The lists compared item by item, each with the field that says what an item is.  Items
are matched by id; timeline events by date, key points by position (they have no id)."""
SECTIONS = ("meeting", "tract", "declaration", "opinion", "dossier")
"""The parts compared field by field; "dossier" is the dossier's own title and subtitle."""
DOSSIER_FIELDS = frozenset({"title", "subtitle", "organisation", "lang"})
TABLES = (*LISTS, *SECTIONS)
DATE_FIELDS = frozenset(
    {
        "date",
        "as_of",
        "questions_by",
        "meeting_date",
        "when",
        "asked_on",
        "made_on",
        "due",
        "informed_on",
        "opinion_on",
    }
)
CHOICE_FIELDS = frozenset(
    {
        "audience",
        "status",
        "kind",
        "lang",
        "union_position",
        "judgement",
        "state",
        "levels",
        "central",
        "expert",
        "expert_both_levels",
    }
)
LONG_TEXT = 8
"""A text of more words than this is shown in full twice, its changed words marked."""


@dataclass(frozen=True)
class FieldChange:
    """One field that changed: its name (`quote.text`, `considerations[2].facts`) and both
    values (None when the field was absent)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    """One item added, removed or changed."""

    table: str
    id: str | None
    kind: str
    """added, removed or changed."""
    text: str
    """What the item says now (or said, when removed)."""
    fields: list[FieldChange] = field(default_factory=list)
    """For a change: each field that differs, with its old and new value."""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    audience: str = "public"


def _flat(value: Any, prefix: str = "") -> dict[str, Any]:
    """A dumped item as one value per field; nested objects and lists of objects or of
    paragraphs become dotted and numbered names, so that a changed quotation or opening
    statement says which of its parts."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, inner in value.items():
            out.update(_flat(inner, f"{prefix}.{key}" if prefix else key))
        return out
    if isinstance(value, list) and any(_is_text(inner) for inner in value):
        out = {}
        for number, inner in enumerate(value, 1):
            out.update(_flat(inner, f"{prefix}[{number}]"))
        return out
    return {prefix: value}


def _is_text(value: Any) -> bool:
    """An object, or a paragraph: each one of a list is compared on its own."""
    return isinstance(value, dict) or (isinstance(value, str) and len(value.split()) > LONG_TEXT)


def field_changes(then: dict[str, Any], now: dict[str, Any]) -> list[FieldChange]:
    """The fields that differ between two dumped items, in the order the item lists them."""
    before, after = _flat(then), _flat(now)
    names = [*after, *(name for name in before if name not in after)]
    return [
        FieldChange(name, before.get(name), after.get(name))
        for name in names
        if before.get(name) != after.get(name)
    ]


class _Reader:
    """The two dossiers as one audience may read them (see `Visibility`): an item it may not
    read in one version is absent from that version, and so are, from the other items and
    the sections of that version, the ids and the nested items it may not read."""

    def __init__(self, old: Dossier, new: Dossier, audience: Audience) -> None:
        self.old, self.new = Visibility(old, audience), Visibility(new, audience)
        self.public = Visibility(old, Audience.public), Visibility(new, Audience.public)

    def dump(self, model: BaseModel | None, visible: Visibility) -> dict[str, Any]:
        """The item's fields, without what these readers may not see of it."""
        if model is None:
            return {}
        return dict(
            self._scrub(model.model_dump(mode="json", exclude_defaults=True), model, visible)
        )

    def _scrub(self, value: Any, model: Any, visible: Visibility) -> Any:
        """`value`, the dump of `model`, without the ids nor the nested items (an opinion's
        considerations) `visible` hides."""
        if isinstance(value, dict) and isinstance(model, BaseModel):
            return {
                key: _ids(inner, visible.ids(key))
                if key in REFERENCED and not visible.everything
                else self._scrub(inner, getattr(model, key), visible)
                for key, inner in value.items()
            }
        if isinstance(value, list) and isinstance(model, list):
            return [
                self._scrub(inner, item, visible)
                for inner, item in zip(value, model, strict=True)
                if not isinstance(item, BaseModel) or visible(item)
            ]
        return value

    def marked(self, old: BaseModel | None, new: BaseModel | None) -> str:
        """How the change is marked for tools: reps when staff may not read the item in
        either version."""
        seen = [
            visible(item)
            for visible, item in zip(self.public, (old, new), strict=True)
            if item is not None
        ]
        return "public" if all(seen) else "reps"


def _ids(ids: Any, seen: frozenset[str]) -> Any:
    """A list of ids without those not `seen`; the dossier's own tables of that name, lists
    of items, are kept as they are (only its title and the like are compared)."""
    if not isinstance(ids, list):
        return ids
    return [i for i in ids if not isinstance(i, str) or i in seen]


def _keyed(table: str, items: list[Any]) -> dict[str, Any]:
    """The items of a list by what matches them across versions."""
    if table == "key_points":
        return {str(number): item for number, item in enumerate(items, 1)}
    if table != "timeline":
        return {item.id: item for item in items}
    keyed: dict[str, Any] = {}
    for item in items:
        key, seen = item.when, 1
        while key in keyed:
            seen += 1
            key = f"{item.when}#{seen}"
        keyed[key] = item
    return keyed


def _compare_list(table: str, old: Dossier, new: Dossier, reader: _Reader) -> list[Change]:
    before, after = _keyed(table, getattr(old, table)), _keyed(table, getattr(new, table))
    summary = LISTS[table]
    changes: list[Change] = []
    # An item the reader may not read in one version is, for that reader, absent from it.
    before = {key: item for key, item in before.items() if reader.old(item)}
    after = {key: item for key, item in after.items() if reader.new(item)}
    for key, item in after.items():
        now, audience = reader.dump(item, reader.new), reader.marked(before.get(key), item)
        if key not in before:
            added = Change(table, key, "added", getattr(item, summary), after=now)
            changes.append(replace(added, audience=audience))
            continue
        then = reader.dump(before[key], reader.old)
        if then != now:
            fields = field_changes(then, now)
            changes.append(
                Change(table, key, "changed", getattr(item, summary), fields, then, now, audience)
            )
    for key, item in before.items():
        if key not in after:
            then = reader.dump(item, reader.old)
            removed = Change(table, key, "removed", getattr(item, summary), before=then)
            changes.append(replace(removed, audience=reader.marked(item, None)))
    return changes


def _compare_section(table: str, old: Dossier, new: Dossier, reader: _Reader) -> list[Change]:
    def dumps(old_visible: Visibility, new_visible: Visibility) -> tuple[dict[str, Any], ...]:
        if table == "dossier":
            return tuple(
                {k: v for k, v in reader.dump(d, seen).items() if k in DOSSIER_FIELDS}
                for d, seen in ((old, old_visible), (new, new_visible))
            )
        return reader.dump(getattr(old, table), old_visible), reader.dump(
            getattr(new, table), new_visible
        )

    then, now = dumps(reader.old, reader.new)
    if then == now:
        return []
    fields = field_changes(then, now)
    text = "; ".join(f"{f.field}: {shown(f.old)} → {shown(f.new)}" for f in fields)
    public_then, public_now = dumps(*reader.public)
    audience = "public" if public_then != public_now else "reps"
    return [Change(table, None, "changed", text, fields, then or None, now or None, audience)]


def compare(old: Dossier, new: Dossier, audience: Audience = Audience.reps) -> list[Change]:
    """Every change from `old` to `new` that readers of `audience` may see, table by table,
    in the new dossier's order: for the public, nothing about a reps-only item."""
    reader = _Reader(old, new, audience)
    changes: list[Change] = []
    for table in LISTS:
        changes.extend(_compare_list(table, old, new, reader))
    for table in SECTIONS:
        changes.extend(_compare_section(table, old, new, reader))
    return changes


def shown(value: Any) -> str:
    """A field's value on one line of the terminal: lists joined, an absent value a dash."""
    if value is None or value == []:
        return "—"
    if isinstance(value, list):
        return ", ".join(str(inner) for inner in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def document_view(
    changes: list[Change], old: Dossier, new: Dossier, old_name: str, new_name: str
) -> dict[str, Any]:
    """What the changes template shows: the changes by table, each changed field with its
    old and new value, each fact with its sources' publishers."""
    sources = {source.id: source for source in [*old.sources, *new.sources]}
    groups = []
    for table in TABLES:
        entries = []
        for change in changes:
            if change.table != table:
                continue
            cited = (change.after or change.before or {}).get("sources", [])
            named = [sources[s].publisher for s in cited if s in sources]
            said = any(f.field == LISTS.get(table) for f in change.fields)
            entries.append(
                {
                    "kind": change.kind,
                    "text": None if said or change.id is None else change.text,
                    "sources": ", ".join(dict.fromkeys(named)) if table == "facts" else "",
                    "fields": [_field_view(f) for f in change.fields],
                }
            )
        if entries:
            groups.append({"table": table, "entries": entries})
    return {"groups": groups, "old_date": old.date, "old_name": old_name, "new_name": new_name}


def _field_view(change: FieldChange) -> dict[str, Any]:
    """A changed field as the document shows it: its label's parts, and either both values
    on one line or, for a long text, both texts in full with the changed words marked."""
    *_, last = change.field.split(".")
    name = last.split("[")[0]
    label = [
        {"key": f"field_{part.split('[')[0]}", "number": part[part.find("[") + 1 : -1]}
        if "[" in part
        else {"key": f"field_{part}", "number": ""}
        for part in change.field.split(".")
    ]
    old, new = change.old, change.new
    long = (
        isinstance(old, str)
        and isinstance(new, str)
        and name not in DATE_FIELDS | CHOICE_FIELDS
        and max(len(old.split()), len(new.split())) > LONG_TEXT
    )
    if long:
        before, after = _marked(old, new)
        return {"label": label, "long": True, "old": before, "new": after}
    return {"label": label, "long": False, "old": _value(name, old), "new": _value(name, new)}


def _value(name: str, value: Any) -> dict[str, str]:
    """A short value and how the template writes it: a date, a choice (by its label), text."""
    if value is None or value == []:
        return {"kind": "none", "value": ""}
    if name in DATE_FIELDS:
        return {"kind": "date", "value": str(value)}
    if name in CHOICE_FIELDS:
        return {"kind": "choice", "value": str(value).lower()}
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return {"kind": "text", "value": shown(value)}


def _marked(old: str, new: str) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Both texts as runs of words, the runs that differ marked `changed`."""
    a, b = old.split(), new.split()
    before: list[dict[str, Any]] = []
    after: list[dict[str, Any]] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if i2 > i1:
            before.append({"text": " ".join(a[i1:i2]), "changed": op != "equal"})
        if j2 > j1:
            after.append({"text": " ".join(b[j1:j2]), "changed": op != "equal"})
    return before, after


def as_json(changes: list[Change], old: str, new: str) -> dict[str, Any]:
    return {"old": old, "new": new, "changes": [asdict(change) for change in changes]}


TABLE_HEADINGS = {
    "facts": lazy("facts:"),
    "sources": lazy("sources:"),
    "key_points": lazy("key points:"),
    "divergences": lazy("divergences:"),
    "themes": lazy("themes:"),
    "timeline": lazy("timeline:"),
    "stakeholders": lazy("stakeholders:"),
    "legal": lazy("legal framework:"),
    "questions": lazy("questions:"),
    "demands": lazy("demands:"),
    "establishments": lazy("establishments:"),
    "meeting": lazy("meeting:"),
    "tract": lazy("tract:"),
    "declaration": lazy("opening statement:"),
    "opinion": lazy("draft opinion:"),
    "dossier": lazy("dossier:"),
}
"""The heading of each table's changes on the terminal."""


def as_text(changes: list[Change]) -> Iterator[str]:
    """One line per change, then one per field that changed (old → new), grouped by table,
    then a count."""
    signs = {"added": "+", "removed": "-", "changed": "~"}
    table = None
    for change in changes:
        if change.table != table:
            table = change.table
            yield str(TABLE_HEADINGS[table])
        if change.id is None:
            for each in change.fields:
                yield f"  ~ {each.field}: {shown(each.old)} → {shown(each.new)}"
            continue
        yield f"  {signs[change.kind]} {change.id}: {change.text}"
        for each in change.fields:
            yield f"      {each.field}: {shown(each.old)} → {shown(each.new)}"
    counts = {kind: sum(c.kind == kind for c in changes) for kind in signs}
    yield (
        _(
            "%(added)s added, %(removed)s removed, %(changed)s changed",
            added=counts["added"],
            removed=counts["removed"],
            changed=counts["changed"],
        )
        if changes
        else _("no change")
    )


def _git(args: list[str], cwd: Path) -> str:
    try:
        result = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise InputError(Problem(lazy("git cannot be run"), detail=exc.strerror)) from None
    if result.returncode != 0:
        said = (result.stderr.strip().splitlines() or [""])[-1]
        raise InputError(Problem(lazy("git failed"), display_path(cwd), detail=said or None))
    return result.stdout


LAST_MEETING = "last-meeting"
"""`briefgen diff`'s OLD by default: the dossier as it was at its previous meeting."""


def revision_at_last_meeting(dossier: Dossier, folder: Path) -> tuple[str, str]:
    """The last git commit of `folder` made on or before the day of the dossier's previous
    meeting (the latest of its earlier meetings), and that day in words."""
    earlier = [m.date for m in dossier.past_meetings if m.date < dossier.meeting.date]
    if not earlier:
        message = lazy(
            "the dossier has no earlier meeting (past_meetings): give OLD, a folder or a git "
            "revision"
        )
        raise InputError(Problem(message, display_path(folder)))
    day = max(earlier)
    end = (day + dt.timedelta(days=1)).isoformat()
    found = _git(["rev-list", "-1", f"--before={end}T00:00:00", "HEAD", "--", "."], folder)
    if not found.strip():
        message = lazy(
            "no commit of this dossier on or before its previous meeting (%(date)s): give "
            "OLD, a folder or a git revision",
            date=long_date(day),
        )
        raise InputError(Problem(message, display_path(folder)))
    return found.strip(), long_date(day)


def dossier_at(revision: str, folder: Path) -> tuple[Dossier, str]:
    """The dossier in `folder` as it was at a git revision, and that revision's short
    commit id (what names the version on paper: "HEAD~1" no longer does next month)."""
    if not folder.is_dir():
        raise InputError(Problem(lazy("no such dossier folder"), display_path(folder)))
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    relative = folder.resolve().relative_to(top.resolve()).as_posix()
    try:
        verify = ["rev-parse", "--verify", "--quiet", "--short", f"{revision}^{{commit}}"]
        commit = _git(verify, folder).strip()
    except InputError:
        message = lazy(
            "'%(revision)s' is neither a dossier folder nor a git revision", revision=revision
        )
        raise InputError(Problem(message, revision)) from None
    names = _git(["ls-tree", "--name-only", f"{revision}:{relative}"], top).split()
    files = [name for name in names if name.endswith((".yaml", ".yml"))]
    if not files:
        message = lazy(
            "no dossier at %(revision)s in %(folder)s", revision=revision, folder=relative
        )
        raise InputError(Problem(message, display_path(folder)))
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / f"{folder.name}@{revision.replace('/', '-')}"
        copy.mkdir()
        for name in files:
            content = subprocess.run(
                ["git", "show", f"{revision}:{relative}/{name}"],
                cwd=top,
                capture_output=True,
                check=True,
            ).stdout
            (copy / name).write_bytes(content)
        return load_dossier(copy), commit
