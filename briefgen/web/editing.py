"""The editor: add and change the parts of a dossier from the page.

Every save goes through the same steps: the form is read back into the part's
model (its messages beside the inputs; an input sent back as it was shown keeps
the file's value).  Then, under the dossier's lock (`store.save_planned`), the
files are read again: the fields the rep changed are made on the item as it is
now (another rep's change to another field or item is kept; a change of the
same field, or an item deleted meanwhile, is a conflict showing both versions);
the dossier as it would be after the save is checked by the rules of `briefgen
check` (an error the save would bring blocks it, warnings are shown); then
`briefgen.store` writes the lines of that item only — or nothing at all when
nothing changed.  A new item's internal reference is made from its text; a
changed one is changed everywhere the dossier mentions it, in the same save.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, jsonify, redirect, render_template, request
from flask import url_for as url
from pydantic import BaseModel

from ..errors import BriefgenError, Problem
from ..i18n import Text, _, lazy
from ..importer import snapshot_path
from ..store import DossierFiles, Edit, StaleError, commit, save_planned
from .findings import check_after, field_message
from .forms import (
    CHOICES,
    READONLY,
    FormField,
    form_fields,
    parse,
    row_fields,
    to_write,
    validate,
    values_for,
)
from .parts import (
    SECTIONS,
    TABLES,
    Part,
    dossier_data,
    item_text,
    make_id,
    named,
    raw_items,
    shorten,
)
from .references import appearances, reference_edits
from .security import FormExpired, check_csrf
from .state import Pending, State, state

bp = Blueprint("edit", __name__)

Edits = list[tuple[Path, Edit]]


def files_of(app_state: State, dossier_id: str) -> DossierFiles:
    return DossierFiles.in_workspace(app_state.workspace.root, app_state.dossier_dir(dossier_id))


def part_of(table: str) -> Part:
    if table not in TABLES:
        abort(404)
    return TABLES[table]


def item_index(part: Part, items: list[dict[str, Any]], key: str) -> int:
    """The position of the item a URL names: by id, or by number for lists without ids."""
    if part.by_id:
        found = [i for i, item in enumerate(items) if item.get("id") == key]
        if found:
            return found[0]
    elif key.isdigit() and 0 <= int(key) < len(items):
        return int(key)
    abort(404)


def _choices(files: DossierFiles) -> dict[str, list[tuple[str, str]]]:
    """For each list a picker draws from: (id, what it is) of every item, most recent first."""
    choices = {}
    for key in ("sources", "facts", "legal"):
        part = TABLES[key]
        items = [item for item in raw_items(files, part) if item.get("id")]
        choices[key] = [
            (str(item["id"]), shorten(item_text(part, item), 140)) for item in reversed(items)
        ]
    return choices


def _sent_versions(form: Mapping[str, str]) -> dict[str, str]:
    return {name[2:]: value for name, value in form.items() if name.startswith("v:")}


def _input_name(field: str, prefix: str) -> str:
    """'facts[3].quote.text' → 'quote.text' for the item at 'facts[3]';
    'opinion.considerations[0].text' → 'considerations.0.text' for the section 'opinion'."""
    rest = field[len(prefix) :].lstrip(".")
    rest = re.sub(r"\[(\d+)\](?=\.)", r".\1", rest)
    return re.sub(r"\[\d+\]", "", rest) or "_"


@dataclass
class Assessment:
    """What `briefgen check` says of the dossier as a save would leave it."""

    errors: dict[str, list[str]] = field(default_factory=dict)
    """Errors the save would bring, by input name ('_' for the rest of the dossier)."""
    warnings: dict[str, list[str]] = field(default_factory=dict)
    """Warnings on the item, by input name."""
    blocking: list[Problem] = field(default_factory=list)
    unchanged: bool = False
    """The save would not change one byte."""


def _texts(edits: Edits) -> tuple[dict[str, str | None], bool]:
    """The files' text once `edits` are made, and whether that is their text now."""
    texts: dict[str, str | None] = {}
    originals: dict[str, str] = {}
    for path, edit in edits:
        name = path.name
        if name not in texts:
            originals[name] = path.read_text(encoding="utf-8-sig") if path.exists() else ""
            texts[name] = originals[name]
        texts[name] = edit.apply(texts[name] or "")
    return texts, all(texts[name] == originals[name] for name in texts)


def assess(
    app_state: State,
    folder: Path,
    edits: Edits,
    prefix: str,
    archives: Mapping[str, str] | None = None,
) -> Assessment:
    """What `briefgen check` would say once `edits` are made (and the `archives`, texts of
    sources by their name in the dossier, written): the errors they bring and the warnings
    on the item at `prefix` ('facts[3]'), by input name, '_' for the rest."""
    texts, unchanged = _texts(edits)
    if unchanged and not archives:
        return Assessment(unchanged=True)
    texts.update(archives or {})
    new, after = check_after(app_state, folder, texts)
    result = Assessment()
    for problem in after:
        where = problem.field or ""
        mine = where == prefix or where.startswith((prefix + ".", prefix + "["))
        name = _input_name(where, prefix) if mine and prefix else "_"
        if problem in new:
            result.errors.setdefault(name, []).append(field_message(problem))
            result.blocking.append(problem)
        elif mine and problem.code != "W105":  # not used yet: normal while writing
            result.warnings.setdefault(name, []).append(field_message(problem))
    return result


def _render_form(
    dossier_id: str,
    title: Text,
    fields: list[FormField],
    values: Mapping[str, Any],
    versions: Mapping[str, str],
    errors: Mapping[str, list[str]] | None = None,
    warnings: Mapping[str, list[str]] | None = None,
    status: int = 200,
    **extra: Any,
) -> Response:
    files = files_of(state(), dossier_id)
    page = render_template(
        "edit_form.html",
        dossier_id=dossier_id,
        title=title,
        fields=fields,
        values=values,
        action=extra.pop("action", request.path),
        versions=versions,
        errors=errors or {},
        warnings=warnings or {},
        choices=_choices(files),
        choice_labels=CHOICES,
        row_fields=row_fields,
        **extra,
    )
    return Response(page, status=status)


def _readable(fields: list[FormField], data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """An item's data as a rep reads it in the conflict panel: (label, value) pairs."""
    if not data:
        return []
    shown = values_for(fields, data)
    pairs = []
    for each in fields:
        value = shown.get(each.name)
        if each.widget == "group":
            pairs.extend(_readable(list(each.children), data))
        elif value and each.widget not in ("items", "readonly"):
            text = ", ".join(value) if isinstance(value, list) else str(value)
            pairs.append((str(each.label), text))
    return pairs


# -- items of a list ---------------------------------------------------------------------


def item_form(dossier_id: str, part: Part, key: str | None, **extra: Any) -> Response:
    files = files_of(state(), dossier_id)
    items = raw_items(files, part)
    item = items[item_index(part, items, key)] if key is not None else None
    fields = form_fields(part.model)
    values = values_for(fields, item)
    values.update(extra.pop("prefill", {}))
    if part.key == "facts" and item is not None and item.get("id"):
        extra["usage"] = appearances(dossier_data(files), str(item["id"]))
    versions = files.versions([files.target(part.key, is_list=True)])
    if item is not None:
        versions[ITEM] = item_version(part.model, item)
    return _render_form(
        dossier_id,
        part.edit if item else part.add,
        fields,
        values,
        versions,
        part=part,
        item_key=key,
        **extra,
    )


@bp.get("/d/<dossier_id>/edit/<table>/new")
def new_item(dossier_id: str, table: str) -> Response:
    return item_form(dossier_id, part_of(table), None)


@bp.get("/d/<dossier_id>/edit/<table>/item/<key>")
def edit_item(dossier_id: str, table: str, key: str) -> Response:
    return item_form(dossier_id, part_of(table), key)


@dataclass
class Submission:
    """An item form as submitted, read back."""

    files: DossierFiles
    path: Path
    before: dict[str, Any] | None
    data: dict[str, Any]
    prefix: str
    """The item's place in check's field paths ('facts[3]')."""
    pending: Pending | None
    gone: bool = False
    """The item the form was opened on was deleted since."""
    errors: dict[str, list[str]] = field(default_factory=dict)
    edits: Edits = field(default_factory=list)


def _submitted(dossier_id: str, part: Part, key: str | None) -> Submission:
    """Read a submitted item form into the edits it asks for (or the model's messages)."""
    app_state = state()
    files = files_of(app_state, dossier_id)
    items = raw_items(files, part)
    index = position(part, items, key) if key is not None else None
    before = items[index] if index is not None else None
    token = request.form.get("_import", "")
    pending = app_state.imports.get(token) if token else None
    found = Submission(
        files,
        files.target(part.key, is_list=True),
        before,
        parse(form_fields(part.model), request.form, before),
        f"{part.key}[{index if index is not None else len(items)}]",
        pending,
        gone=key is not None and index is None,
    )
    data = found.data
    for name in READONLY:
        if before and name in before:
            data[name] = before[name]
    taken = [str(item.get("id")) for i, item in enumerate(items) if i != index]
    if part.by_id and not data.get("id"):
        data["id"] = make_id(str(data.get(part.summary) or ""), taken, part.key.rstrip("s"))
    if part.by_id and data["id"] in taken:
        found.errors["id"] = [_("This internal reference is already used: choose another.")]
        return found
    if pending is not None and part.key == "sources":
        data["snapshot"] = snapshot_path(str(data["id"]))
        data["sha256"] = pending.sha256
    item, errors = validate(part.model, data)
    if item is None:
        found.errors = errors
        return found
    written = to_write(part.model, item, before)
    found.edits = [(found.path, Edit(part.key, "set" if before else "add", index, written))]
    old_id = str(before.get("id")) if before and part.by_id else None
    if old_id and old_id != data["id"] and part.key in ("sources", "facts", "legal"):
        found.edits += reference_edits(files, part.key, old_id, str(data["id"]))
    return found


def _retry(
    dossier_id: str,
    part: Part,
    key: str | None,
    found: Submission,
    errors: Mapping[str, list[str]],
    warnings: Mapping[str, list[str]] | None = None,
    status: int = 422,
    **extra: Any,
) -> Response:
    """The form again, with what the rep typed and what is wrong with it."""
    fields = form_fields(part.model)
    versions = extra.pop("versions", None) or _sent_versions(request.form)
    return _render_form(
        dossier_id,
        part.edit if key else part.add,
        fields,
        values_for(fields, found.data),
        versions or found.files.versions([found.path]),
        errors,
        warnings,
        status,
        part=part,
        item_key=key,
        import_token=request.form.get("_import", ""),
        **extra,
    )


def _snapshot(found: Submission) -> dict[Path, bytes | None] | str:
    """The archived text an import writes with its source, or why it cannot."""
    if found.pending is None or not found.data.get("snapshot"):
        return {}
    target = found.files.folder / str(found.data["snapshot"])
    if target.exists():
        return _("An archived text of this name exists already: choose another reference.")
    return {target: found.pending.text.encode("utf-8")}


def _token_expired() -> bool:
    """Whether the form came without this session's token (opened before the browser lost
    its session): it is then shown again as typed, with a fresh token, and nothing saved."""
    try:
        check_csrf()
    except FormExpired:
        return True
    return False


EXPIRED = lazy(
    "This page was open for a long time, or briefgen was restarted: nothing was saved yet. "
    "Check what you typed below, then save again."
)


ITEM = "item"
"""The version a form carries of the item it was opened on: a fingerprint of each field."""
REFERRED = ("sources", "facts", "legal")
"""The lists whose items others cite by id."""


def fingerprint(value: Any) -> str:
    """A short fingerprint of plain data (a field, a list of mentions)."""
    text = json.dumps(value, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def item_version(model: type[BaseModel], item: Mapping[str, Any]) -> str:
    """What a form opened on `item` carries: each field's fingerprint ('statement:ab12… …')."""
    return " ".join(f"{name}:{fingerprint(item.get(name))}" for name in model.model_fields)


@dataclass
class Conflict(Exception):
    """Another writer changed what the rep changed (the same field of the same item), or
    deleted the item: nothing is saved, both versions are shown."""

    theirs: dict[str, Any] | None


@dataclass
class Blocked(Exception):
    """The save would leave the dossier with an error `briefgen check` reports."""

    checked: Assessment


class Unchanged(Exception):
    """The save would not change one byte."""


def merged(
    model: type[BaseModel],
    base: str | None,
    theirs: Mapping[str, Any],
    mine: Mapping[str, Any],
    by_id: bool = True,
) -> dict[str, Any]:
    """The rep's item (`mine`, from a form opened on the version `base`) made on the item as
    the file holds it now (`theirs`): each field the rep changed is theirs, the others are
    the file's. Conflict when both changed a field differently, or when an item without id
    changed at all (it may be another item now)."""
    was = dict(pair.split(":", 1) for pair in (base or "").split() if ":" in pair)
    result: dict[str, Any] = {}
    for name in model.model_fields:
        mine_now, theirs_now = fingerprint(mine.get(name)), fingerprint(theirs.get(name))
        started = was.get(name, theirs_now)  # no version sent: as if the file had not moved
        changed, moved_on = mine_now != started, theirs_now != started
        if moved_on and (not by_id or (changed and mine_now != theirs_now)):
            raise Conflict(dict(theirs))
        value = mine.get(name) if changed else theirs.get(name)
        if value is not None:
            result[name] = value
    return result


@dataclass
class ItemPlan:
    """A save of an item decided under the dossier's lock, on the files as they are then:
    the rep's fields merged into today's item, references renamed, and the dossier as it
    would be checked (`Blocked` on an error the save would bring)."""

    app_state: State
    part: Part
    key: str | None
    found: Submission
    sent: Mapping[str, str]
    summary: Text
    extra: Mapping[Path, bytes | None]
    checked: Assessment = field(default_factory=Assessment)

    def __call__(self) -> tuple[Edits, Mapping[Path, bytes | None], Text]:
        part, files, data = self.part, self.found.files, self.found.data
        items = raw_items(files, part)
        index = position(part, items, self.key) if self.key is not None else len(items)
        if index is None:
            raise Conflict(None)
        theirs = items[index] if index < len(items) else None
        if theirs is not None:
            data = merged(part.model, self.sent.get(ITEM), theirs, data, part.by_id)
        taken = [str(item.get("id")) for i, item in enumerate(items) if i != index]
        if part.by_id and data["id"] in taken:
            errors = {"id": [_("This internal reference is already used: choose another.")]}
            raise Blocked(Assessment(errors=errors))
        item, _errors = validate(part.model, data)
        if item is None:
            raise Conflict(theirs)
        action = "add" if theirs is None else "set"
        edits = [
            (self.found.path, Edit(part.key, action, index, to_write(part.model, item, theirs)))
        ]
        if theirs is not None and part.key in REFERRED and theirs.get("id") != data["id"]:
            edits += reference_edits(files, part.key, str(theirs.get("id")), str(data["id"]))
        archives = {
            path.relative_to(files.folder).as_posix(): text.decode("utf-8")
            for path, text in self.extra.items()
            if text is not None
        }
        self.checked = assess(self.app_state, files.folder, edits, f"{part.key}[{index}]", archives)
        if self.checked.unchanged:
            raise Unchanged
        if self.checked.errors:
            raise Blocked(self.checked)
        return edits, self.extra, self.summary


def _conflict(
    dossier_id: str, part: Part, key: str | None, found: Submission, theirs: dict[str, Any] | None
) -> Response:
    """The form again with both versions: the item as the file holds it now (or gone) and
    the rep's, kept in the form; saving it again makes the rep's version today's."""
    fields = form_fields(part.model)
    conflict = {"theirs": _readable(fields, theirs), "mine": _readable(fields, found.data)}
    versions = found.files.versions([found.path])
    extra: dict[str, Any] = {}
    if theirs is not None:
        versions[ITEM] = item_version(part.model, theirs)
        message = stale_message()
    else:
        extra["action"] = url("edit.save_new", dossier_id=dossier_id, table=part.key)
        message = _(
            "Someone else deleted this item since you opened the form: nothing was saved. "
            "Your version is kept below: save it to add it again."
        )
    errors = {"_": [message]}
    return _retry(
        dossier_id,
        part,
        key,
        found,
        errors,
        status=409,
        versions=versions,
        conflict=conflict,
        **extra,
    )


def _save_item(dossier_id: str, table: str, key: str | None) -> Response:
    expired = _token_expired()
    part = part_of(table)
    app_state = state()
    found = _submitted(dossier_id, part, key)
    if expired:
        return _retry(dossier_id, part, key, found, {"_": [str(EXPIRED)]}, status=403)
    if found.gone:
        return _conflict(dossier_id, part, key, found, None)
    if found.errors or not found.edits:
        return _retry(dossier_id, part, key, found, found.errors)
    extra = _snapshot(found)
    if isinstance(extra, str):
        return _retry(dossier_id, part, key, found, {"id": [extra]})
    item = named(part, found.data, 60)
    summary = lazy("Changed: %(item)s", item=item) if key else lazy("Added: %(item)s", item=item)
    plan = ItemPlan(app_state, part, key, found, _sent_versions(request.form), summary, extra)
    try:
        saved = save_planned(found.files, plan)
    except Unchanged:
        flash(_("Nothing was changed: nothing was saved."), "info")
        return redirect(url("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
    except Blocked as blocked:
        return _retry(
            dossier_id, part, key, found, blocked.checked.errors, blocked.checked.warnings
        )
    except Conflict as conflict:
        return _conflict(dossier_id, part, key, found, conflict.theirs)
    except StaleError:
        return _conflict(dossier_id, part, key, found, _current(found.files, part, key))
    except BriefgenError as error:
        return _retry(dossier_id, part, key, found, {"_": [str(p.message) for p in error.problems]})
    if found.pending is not None:
        app_state.imports.pop(request.form.get("_import", ""), None)
    after_save(app_state, saved.summary, [found.files.folder / name for name in saved.files])
    for messages in plan.checked.warnings.values():
        for message in messages:
            flash(_("To check: %(message)s", message=message), "warning")
    if part.key == "key_points" and key is None:
        _tell_if_off_the_tract(found.files)
    return redirect(url("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]


def _tell_if_off_the_tract(files: DossierFiles) -> None:
    """Say so when a new key point lands past those the tract shows, and how to fix it."""
    data = dossier_data(files)
    tract = data.get("tract")
    shown = int(tract.get("points", 4)) if isinstance(tract, dict) else 0
    number = len(data.get("key_points") or [])
    if tract is not None and number > shown:
        flash(
            _(
                "This key point is n° %(number)s, and the tract shows the first %(points)s: "
                "to put it on the tract, move it up in « The essentials ».",
                number=number,
                points=shown,
            ),
            "info",
        )


def position(part: Part, items: list[dict[str, Any]], key: str) -> int | None:
    """Where the item a URL names is in the list now, or None (gone)."""
    if part.by_id:
        return next((i for i, item in enumerate(items) if item.get("id") == key), None)
    return int(key) if key.isdigit() and int(key) < len(items) else None


def _current(files: DossierFiles, part: Part, key: str | None) -> dict[str, Any] | None:
    """The item as the file holds it now, or None (new, or gone)."""
    items = raw_items(files, part)
    index = position(part, items, key) if key is not None else None
    return items[index] if index is not None else None


def stale_message() -> str:
    return _(
        "Someone else (another rep, or an editor of the files) changed this part of the "
        "dossier since you opened the form: nothing was saved. Compare the two versions "
        "below, then save again."
    )


def after_save(app_state: State, summary: Text, paths: list[Path]) -> None:
    """Say that a save was made, and commit it when asked to."""
    flash(_("Saved: %(summary)s. The dossier was checked again.", summary=summary), "ok")
    if app_state.commit:
        reason = commit(app_state.workspace.root, paths, f"briefgen: {summary}")
        if reason:
            flash(_("No git commit: %(reason)s", reason=reason), "warning")


@bp.post("/d/<dossier_id>/edit/<table>/new")
def save_new(dossier_id: str, table: str) -> Response:
    return _save_item(dossier_id, table, None)


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>")
def save_item(dossier_id: str, table: str, key: str) -> Response:
    return _save_item(dossier_id, table, key)


@bp.post("/d/<dossier_id>/edit/<table>/check")
def check_item(dossier_id: str, table: str) -> Response:
    """Validation as the rep types: the messages a save would give, nothing written."""
    check_csrf()
    part = part_of(table)
    key = request.form.get("_item") or None
    found = _submitted(dossier_id, part, key)
    errors, warnings = found.errors, {}
    if found.edits:
        checked = assess(state(), found.files.folder, found.edits, found.prefix)
        errors, warnings = checked.errors, checked.warnings
    return jsonify(errors=errors, warnings=warnings)


@bp.get("/d/<dossier_id>/edit/choices")
def choices(dossier_id: str) -> Response:
    """What the pickers offer now, for a form opened before a new source was added."""
    return jsonify(_choices(files_of(state(), dossier_id)))


# -- parts edited as one form -----------------------------------------------------------


def _section(name: str) -> tuple[Text, type[BaseModel]]:
    if name not in SECTIONS:
        abort(404)
    return SECTIONS[name]


def _section_paths(files: DossierFiles, name: str, model: type[BaseModel]) -> dict[str, Path]:
    keys = list(model.model_fields) if name == "dossier" else [name]
    return {key: files.target(key, is_list=False) for key in keys}


def _section_data(files: DossierFiles, name: str, model: type[BaseModel]) -> dict[str, Any]:
    if name == "dossier":
        data = dossier_data(files)
        return {key: data[key] for key in model.model_fields if data.get(key) is not None}
    raw = dossier_data(files).get(name)
    return raw if isinstance(raw, dict) else {}


@bp.get("/d/<dossier_id>/section/<name>")
def edit_section(dossier_id: str, name: str) -> Response:
    title, model = _section(name)
    files = files_of(state(), dossier_id)
    fields = form_fields(model)
    paths = _section_paths(files, name, model)
    data = _section_data(files, name, model)
    versions = files.versions(list(dict.fromkeys(paths.values())))
    return _render_form(
        dossier_id,
        title,
        fields,
        values_for(fields, data),
        {**versions, ITEM: item_version(model, data)},
    )


def _section_edits(
    name: str, model: type[BaseModel], item: BaseModel, before: dict[str, Any], files: Any
) -> Edits:
    paths = _section_paths(files, name, model)
    written = to_write(model, item, before)
    if name == "dossier":
        return [(paths[k], Edit(k, "field", None, written.get(k))) for k in paths]
    return [(paths[name], Edit(name, "field", None, written))]


def _blank(value: Any) -> bool:
    """True for what a form sends when nothing was typed: no text, no choice, no row."""
    if isinstance(value, Mapping):
        return all(_blank(v) for v in value.values())
    if isinstance(value, list | tuple):
        return all(_blank(v) for v in value)
    return value is None or value == "" or value is False


@bp.post("/d/<dossier_id>/section/<name>")
def save_section(dossier_id: str, name: str) -> Response:
    expired = _token_expired()
    title, model = _section(name)
    app_state = state()
    files = files_of(app_state, dossier_id)
    fields = form_fields(model)
    before = _section_data(files, name, model)
    data = parse(fields, request.form, before)
    item, errors = validate(model, data)
    retry: dict[str, Any] = {
        "dossier_id": dossier_id,
        "title": title,
        "fields": fields,
        "values": values_for(fields, data),
        "versions": _sent_versions(request.form),
    }
    if expired:
        return _render_form(**retry, errors={"_": [str(EXPIRED)]}, status=403)
    if not before and _blank(data):  # a section the dossier lacks, sent back empty
        flash(_("Nothing was changed: nothing was saved."), "info")
        return redirect(url("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
    if item is None:
        return _render_form(**retry, errors=errors, status=422)
    summary = lazy("Changed: %(item)s", item=title)

    def plan() -> tuple[Edits, dict[Path, bytes | None], Text]:
        now = _section_data(files, name, model)
        wanted, _errors = validate(model, merged(model, retry["versions"].get(ITEM), now, data))
        if wanted is None:
            raise Conflict(now)
        edits = _section_edits(name, model, wanted, now, files)
        checked = assess(app_state, files.folder, edits, "" if name == "dossier" else name)
        if checked.unchanged:
            raise Unchanged
        if checked.errors:
            raise Blocked(checked)
        return edits, {}, summary

    try:
        saved = save_planned(files, plan)
    except Unchanged:
        flash(_("Nothing was changed: nothing was saved."), "info")
        return redirect(url("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
    except Blocked as blocked:
        return _render_form(**retry, errors=blocked.checked.errors, status=422)
    except (Conflict, StaleError):
        now = _section_data(files, name, model)
        paths = list(dict.fromkeys(_section_paths(files, name, model).values()))
        retry["versions"] = {**files.versions(paths), ITEM: item_version(model, now)}
        conflict = {"theirs": _readable(fields, now), "mine": _readable(fields, data)}
        errors = {"_": [stale_message()]}
        return _render_form(**retry, errors=errors, status=409, conflict=conflict)
    after_save(app_state, saved.summary, [files.folder / n for n in saved.files])
    return redirect(url("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
