"""The lists of a dossier as the page shows them: their items in order, moving one up or
down, and deleting one after saying what mentions it (the mentions go with it)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request
from flask import url_for as url

from ..i18n import Message, _, lazy
from ..store import DossierFiles, Edit, StaleError
from .editing import (
    Edits,
    after_save,
    assess,
    expected_versions,
    files_of,
    item_index,
    part_of,
    stale_message,
)
from .findings import who
from .parts import Part, dossier_data, item_text, named, raw_items, shorten
from .references import described, mentions, reference_edits
from .security import check_csrf
from .state import State, state

bp = Blueprint("lists", __name__)


def _back(dossier_id: str, table: str) -> Response:
    return redirect(url("lists.table_page", dossier_id=dossier_id, table=table), code=303)  # type: ignore[return-value]


def _saved(
    app_state: State, files: DossierFiles, edits: Edits, summary: Message, table: str
) -> Response:
    """Make a list's edits in one save (refused if a file changed since the page was
    shown), say so, and go back to the list."""
    dossier_id = files.folder.name
    try:
        expected = expected_versions(request.form, files, edits)
        saved = files.save(edits, expected, summary)
    except StaleError:
        flash(stale_message(), "error")
        return _back(dossier_id, table)
    after_save(app_state, saved.summary, list(dict.fromkeys(p for p, _edit in edits)))
    return _back(dossier_id, table)


def _posted(
    dossier_id: str, table: str, key: str
) -> tuple[State, Part, DossierFiles, list[dict[str, Any]], int]:
    """What a form about one item of a list acts on, once its token is checked: the
    application's state, the list, its files, its items and the item's position."""
    check_csrf()
    part = part_of(table)
    app_state = state()
    files = files_of(app_state, dossier_id)
    items = raw_items(files, part)
    return app_state, part, files, items, item_index(part, items, key)


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
    return render_template(
        "confirm_delete.html",
        dossier_id=dossier_id,
        part=part,
        key=key,
        named=named(part, item, 120),
        users=users,
        versions=files.versions([files.target(part.key, is_list=True)]),
    )


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>/delete")
def delete_item(dossier_id: str, table: str, key: str) -> Response:
    app_state, part, files, items, index = _posted(dossier_id, table, key)
    path = files.target(part.key, is_list=True)
    edits = [(path, Edit(part.key, "delete", index))]
    if part.key in ("sources", "facts", "legal"):
        edits += reference_edits(files, part.key, key, None)
    found = assess(app_state, files.folder, edits, f"{part.key}[{index}]")
    item = named(part, items[index], 60)
    if found.blocking:
        users = sorted({who(files, problem.field or "") for problem in found.blocking})
        flash(
            _(
                "%(item)s was not deleted: %(users)s would be left incomplete without it. "
                "Change them first.",
                item=item,
                users=", ".join(users),
            ),
            "error",
        )
        return _back(dossier_id, table)
    return _saved(app_state, files, edits, lazy("Deleted: %(item)s", item=item), table)


@bp.post("/d/<dossier_id>/edit/<table>/item/<key>/move")
def move_item(dossier_id: str, table: str, key: str) -> Response:
    """Move an item one place up or down its list (the documents follow the list's order)."""
    app_state, part, files, items, index = _posted(dossier_id, table, key)
    other = index - 1 if request.form.get("direction") == "up" else index + 1
    if not 0 <= other < len(items):
        return _back(dossier_id, table)
    path = files.target(part.key, is_list=True)
    edits = [
        (path, Edit(part.key, "set", index, items[other])),
        (path, Edit(part.key, "set", other, items[index])),
    ]
    item = named(part, items[index], 60)
    return _saved(app_state, files, edits, lazy("Moved: %(item)s", item=item), table)
