"""What changed between two versions of a dossier: facts, sources, questions, demands and
the meeting, added, removed or changed.

The older version is a folder, or a git revision of the newer one's folder
(`briefgen diff HEAD~3 seeds/x`).  The changes are shown on the terminal, as
JSON, or as a one-page document for the reps ("Ce qui a changé depuis la
dernière séance").
"""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from .errors import InputError, Problem
from .i18n import _, lazy
from .load import display_path, load_dossier
from .models import Audience, Dossier

TABLES = ("facts", "sources", "questions", "demands")
"""The lists compared item by item (by id); the meeting is compared field by field."""
SUMMARY = {"facts": "statement", "sources": "title", "questions": "text", "demands": "text"}


@dataclass(frozen=True)
class Change:
    """One item added, removed or changed."""

    table: str
    id: str | None
    kind: str
    """added, removed or changed."""
    text: str
    """What the item says now (or said, when removed)."""
    fields: list[str] = field(default_factory=list)
    """For a change: the fields that differ."""
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    audience: str = "public"


def _plain(model: BaseModel) -> dict[str, Any]:
    return model.model_dump(mode="json", exclude_defaults=True)


def _audience(item: BaseModel) -> str:
    value = getattr(item, "audience", Audience.public)
    return str(value.value if isinstance(value, Audience) else value)


def compare(old: Dossier, new: Dossier) -> list[Change]:
    """Every change from `old` to `new`, table by table, in the new dossier's order."""
    changes: list[Change] = []
    for table in TABLES:
        before = {item.id: item for item in getattr(old, table)}
        after = {item.id: item for item in getattr(new, table)}
        text = SUMMARY[table]
        for item_id, item in after.items():
            if item_id not in before:
                added = Change(table, item_id, "added", getattr(item, text), after=_plain(item))
                changes.append(replace(added, audience=_audience(item)))
                continue
            then, now = _plain(before[item_id]), _plain(item)
            if then != now:
                fields = sorted(k for k in then.keys() | now.keys() if then.get(k) != now.get(k))
                audience = (
                    "reps" if "reps" in (_audience(item), _audience(before[item_id])) else "public"
                )
                changes.append(
                    Change(table, item_id, "changed", getattr(item, text), fields, then, now,
                           audience)
                )  # fmt: skip
        for item_id, item in before.items():
            if item_id not in after:
                removed = Change(
                    table, item_id, "removed", getattr(item, text), before=_plain(item)
                )
                changes.append(replace(removed, audience=_audience(item)))
    then, now = _plain(old.meeting), _plain(new.meeting)
    if then != now:
        fields = sorted(k for k in then.keys() | now.keys() if then.get(k) != now.get(k))
        text = "; ".join(f"{k}: {then.get(k, '—')} → {now.get(k, '—')}" for k in fields)
        changes.append(Change("meeting", None, "changed", text, fields, then, now))
    return changes


def for_audience(changes: list[Change], audience: Audience) -> list[Change]:
    """The changes readers of `audience` may see: none about a reps-only item for others."""
    if audience is Audience.reps:
        return changes
    return [change for change in changes if change.audience == "public"]


MEETING_LABELS = {
    "instance": "instance",
    "establishment": "instance",
    "date": "meeting_date",
    "agenda_item": "agenda_item",
    "unions": "signed_by",
    "questions_by": "send_by",
}
"""The label each meeting field is shown under in the changes document."""
DATE_FIELDS = frozenset({"date", "questions_by"})


def document_view(changes: list[Change], old: Dossier, new: Dossier) -> dict[str, Any]:
    """What the changes template shows: the changes by table, each fact with its sources."""
    sources = {source.id: source for source in [*old.sources, *new.sources]}
    groups = []
    for table in (*TABLES, "meeting"):
        items = []
        for change in changes:
            if change.table != table:
                continue
            if table == "meeting":
                items.extend(_meeting_entries(change))
                continue
            cited = (change.after or change.before or {}).get("sources", [])
            named = (
                [sources[s].publisher for s in cited if s in sources] if table == "facts" else []
            )
            items.append({**asdict(change), "sources": ", ".join(dict.fromkeys(named))})
        if items:
            groups.append({"table": table, "entries": items})
    return {"groups": groups, "old_date": old.date}


def _meeting_entries(change: Change) -> list[dict[str, Any]]:
    """One entry per meeting field that changed, with its label and both values."""
    entries = []
    for name in change.fields:
        values = [(change.before or {}).get(name), (change.after or {}).get(name)]
        shown = [" · ".join(v) if isinstance(v, list) else v for v in values]
        entries.append(
            {
                "kind": "changed",
                "label": MEETING_LABELS.get(name, name),
                "is_date": name in DATE_FIELDS,
                "before": shown[0],
                "after": shown[1],
            }
        )
    return entries


def as_json(changes: list[Change], old: str, new: str) -> dict[str, Any]:
    return {"old": old, "new": new, "changes": [asdict(change) for change in changes]}


TABLE_HEADINGS = {
    "facts": lazy("facts:"),
    "sources": lazy("sources:"),
    "questions": lazy("questions:"),
    "demands": lazy("demands:"),
    "meeting": lazy("meeting:"),
}
"""The heading of each table's changes on the terminal."""


def as_text(changes: list[Change]) -> Iterator[str]:
    """One line per change, grouped by table, then a count."""
    signs = {"added": "+", "removed": "-", "changed": "~"}
    table = None
    for change in changes:
        if change.table != table:
            table = change.table
            yield str(TABLE_HEADINGS[table])
        name = f"{change.id}: " if change.id else ""
        fields = f" [{', '.join(change.fields)}]" if change.fields and change.id else ""
        yield f"  {signs[change.kind]} {name}{change.text}{fields}"
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


def dossier_at(revision: str, folder: Path) -> Dossier:
    """The dossier in `folder` as it was at a git revision."""
    if not folder.is_dir():
        raise InputError(Problem(lazy("no such dossier folder"), display_path(folder)))
    top = Path(_git(["rev-parse", "--show-toplevel"], folder).strip())
    relative = folder.resolve().relative_to(top.resolve()).as_posix()
    try:
        _git(["rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}"], folder)
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
        return load_dossier(copy)
