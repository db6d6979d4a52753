"""The lists of a dossier as the page shows them: their items in order, moving one up or
down, and deleting one after saying what mentions it (the mentions go with it)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request
from flask import url_for as url

from ..i18n import Message, _, lazy
from ..store import DossierFiles, Edit, Plan, StaleError, file_version, save_planned
from .editing import (
    ITEM,
    REFERRED,
    Edits,
    after_save,
    assess,
    files_of,
    fingerprint,
    item_index,
    item_version,
    part_of,
    position,
    stale_message,
)
from .findings import who
from .parts import Part, dossier_data, item_text, named, raw_items, shorten
from .references import described, mentions, reference_edits
from .security import check_csrf
from .state import State, state

bp = Blueprint("lists", __name__)


MENTIONS = "mentions"
"""The version a delete form carries of what mentions the item (a fingerprint)."""


@dataclass
class Refused(Exception):
    """A change of a list refused, and why, in words."""

    reason: str


def _back(dossier_id: str, table: str) -> Response:
    return redirect(url("lists.table_page", dossier_id=dossier_id, table=table), code=303)  # type: ignore[return-value]


def _saved(app_state: State, files: DossierFiles, plan: Plan, table: str) -> Response:
    """Make a list's change, decided by `plan` on the files as they are under the dossier's
    lock (refused if it would bring an error, or if what the rep saw changed), say so, and
    go back to the list."""
    dossier_id = files.folder.name
    try:
        saved = save_planned(files, plan)
    except StaleError:
        flash(stale_message(), "error")
        return _back(dossier_id, table)
    except Refused as refused:
        flash(refused.reason, "error")
        return _back(dossier_id, table)
    after_save(app_state, saved.summary, [files.folder / name for name in saved.files])
    return _back(dossier_id, table)


def _posted(dossier_id: str, table: str) -> tuple[State, Part, DossierFiles]:
    """What a form about one item of a list acts on, once its token is checked: the
    application's state, the list and its files."""
    check_csrf()
    part = part_of(table)
    app_state = state()
    return app_state, part, files_of(app_state, dossier_id)


def _now(files: DossierFiles, part: Part, key: str) -> tuple[list[dict[str, Any]], int]:
    """The items of the list as the file holds them now, and the position of the item `key`
    (refused when it is gone: another rep deleted it)."""
    items = raw_items(files, part)
    index = position(part, items, key)
    if index is None:
        raise Refused(_("This item was deleted meanwhile (by another rep): nothing was changed."))
    return items, index


def _mentioned(files: DossierFiles, part: Part, key: str) -> str:
    """What mentions the item `key`, as a fingerprint."""
    data = dossier_data(files)
    users = [described(data, path) for path in mentions(data, part.key, key)]
    return fingerprint(sorted((str(m.table), m.key) for m in users))


@bp.get("/d/<dossier_id>/edit/<table>")
def table_page(dossier_id: str, table: str) -> str:
    part = part_of(table)
    files = files_of(state(), dossier_id)
    items = raw_items(files, part)
    rows = [
        (str(item.get("id")) if part.by_id else str(i), shorten(item_text(part, item), 200))
        for i, item in enumerate(items)
    ]
    versions = files.versions([files.target(part.key, is_list=True)])
    return render_template(
        "edit_list.html", dossier_id=dossier_id, part=part, rows=rows, versions=versions
    )


@bp.get("/d/<dossier_id>/edit/<table>/item/<key>/delete")
def confirm_delete(dossier_id: str, table: str, key: str) -> str:
    """Ask before deleting, and say what mentions the item (those mentions go with it)."""
    part = part_of(table)
    files = files_of(state(), dossier_id)
    items = raw_items(files, part)
    item = items[item_index(part, items, key)]
    data = dossier_data(files)
    users = [described(data, path) for path in mentions(data, part.key, key)] if part.by_id else []
    versions = files.versions([files.target(part.key, is_list=True)])
    versions[ITEM] = item_version(part.model, item)
    if part.by_id:
        versions[MENTIONS] = _mentioned(files, part, key)
    return render_template(
        "confirm_delete.html",
        dossier_id=dossier_id,
        part=part,
        key=key,
        named=named(part, item, 120),
        users=users,
        versions=versions,
    )


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>/delete")
def delete_item(dossier_id: str, table: str, key: str) -> Response:
    """Delete an item, as the confirmation page showed it: refused when it changed since,
    when something new mentions it, or when a mention cannot do without it."""
    app_state, part, files = _posted(dossier_id, table)
    shown = {name[2:]: value for name, value in request.form.items() if name.startswith("v:")}

    def plan() -> tuple[Edits, dict[Path, bytes | None], Message]:
        items, index = _now(files, part, key)
        item, version = named(part, items[index], 60), item_version(part.model, items[index])
        if shown.get(ITEM, version) != version:
            raise Refused(
                _(
                    "Nothing was deleted: someone changed %(item)s meanwhile. Look at the "
                    "list again, then delete again if you still want to.",
                    item=item,
                )
            )
        if part.by_id and shown.get(MENTIONS, "") not in ("", _mentioned(files, part, key)):
            raise Refused(
                _(
                    "Nothing was deleted: another part of the dossier now mentions %(item)s. "
                    "Look again at what mentions it, then delete again if you still want to.",
                    item=item,
                )
            )
        edits = [(files.target(part.key, is_list=True), Edit(part.key, "delete", index))]
        if part.key in REFERRED:
            edits += reference_edits(files, part.key, key, None)
        found = assess(app_state, files.folder, edits, f"{part.key}[{index}]")
        if found.blocking:
            users = sorted({who(files, problem.field or "") for problem in found.blocking})
            raise Refused(
                _(
                    "%(item)s was not deleted: %(users)s would be left incomplete without it. "
                    "Change them first.",
                    item=item,
                    users=", ".join(users),
                )
            )
        return edits, {}, lazy("Deleted: %(item)s", item=item)

    return _saved(app_state, files, plan, table)


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>/move")
def move_item(dossier_id: str, table: str, key: str) -> Response:
    """Move an item one place up or down its list (the documents follow the list's order):
    the list as it is now, for lists with ids; as the page showed it, for the others."""
    app_state, part, files = _posted(dossier_id, table)
    path = files.target(part.key, is_list=True)
    shown = request.form.get(f"v:{path.name}")
    up = request.form.get("direction") == "up"

    def plan() -> tuple[Edits, dict[Path, bytes | None], Message]:
        if not part.by_id and shown not in (None, file_version(path)):
            raise StaleError(path)
        items, index = _now(files, part, key)
        other = index - 1 if up else index + 1
        if not 0 <= other < len(items):
            raise Refused(_("This item is already at that end of the list: nothing was moved."))
        edits = [
            (path, Edit(part.key, "set", index, items[other])),
            (path, Edit(part.key, "set", other, items[index])),
        ]
        if assess(app_state, files.folder, edits, "").blocking:
            raise Refused(_("This move would leave the dossier with an error: nothing was moved."))
        return edits, {}, lazy("Moved: %(item)s", item=named(part, items[index], 60))

    return _saved(app_state, files, plan, table)
