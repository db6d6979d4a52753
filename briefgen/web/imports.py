"""Importing a saved article (HTML, PDF, text) as a source, its text archived; or archiving
the text of a source already in the dossier.

An article already in the dossier (the same text, or the same address) is not
imported twice: the rep is taken to its source.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from ..errors import BriefgenError, InputError, Problem
from ..i18n import _, lazy, ngettext
from ..importer import Extracted
from ..models import Source
from ..store import DossierFiles, Edit, Saved
from .editing import after_save, files_of, item_form
from .findings import who
from .forms import form_fields, values_for
from .parts import TABLES, item_text, raw_items, shorten
from .security import check_csrf
from .state import Pending, state

bp = Blueprint("imports", __name__)

SOURCES = TABLES["sources"]


def _page(dossier_id: str, error: BriefgenError | None = None, status: int = 200) -> Response:
    """The import page, with what went wrong with the file sent, if anything."""
    state().dossier_dir(dossier_id)
    problem = error.problems[0] if error is not None else None
    page = render_template(
        "import.html",
        dossier_id=dossier_id,
        error=_said(problem) if problem else None,
        detail=problem.detail if problem else None,
    )
    return Response(page, status=status)


def _said(problem: Problem) -> str:
    """What went wrong with a file sent, for the page: the file's name and why."""
    if problem.file is None:
        return str(problem.message)
    return _("%(file)s: %(message)s", file=problem.file, message=problem.message)


def _upload() -> Extracted:
    """The article the form sent, read; InputError if there is none or it cannot be read."""
    from ..importer import extract

    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise InputError(Problem(lazy("choose a file first")))
    return extract(upload.read(), Path(upload.filename).name)


def _already(files: DossierFiles, draft: Extracted, sha256: str) -> dict[str, Any] | None:
    """The source of the dossier that holds this article: same text, or same address."""
    for item in raw_items(files, SOURCES):
        if item.get("id") and (
            item.get("sha256") == sha256 or (draft.url and item.get("url") == draft.url)
        ):
            return item
    return None


def _source_page(dossier_id: str, source_id: str) -> Response:
    url = url_for("edit.edit_item", dossier_id=dossier_id, table="sources", key=source_id)
    return redirect(url, code=303)  # type: ignore[return-value]


@bp.get("/d/<dossier_id>/import")
def import_page(dossier_id: str) -> Response:
    return _page(dossier_id)


@bp.post("/d/<dossier_id>/import")
def import_file(dossier_id: str) -> Response:
    """Read an uploaded article and show the source entry it gives, for the rep to confirm."""
    from ..importer import draft_source, sha256_text

    check_csrf()
    app_state = state()
    files = files_of(app_state, dossier_id)
    try:
        draft = _upload()
    except InputError as error:
        return _page(dossier_id, error, status=422)
    sha256 = sha256_text(draft.text)
    found = _already(files, draft, sha256)
    if found is not None:
        title = shorten(item_text(SOURCES, found), 120)
        flash(
            _(
                "This article is already in the dossier: « %(title)s ». Here is its source; "
                "nothing was added.",
                title=title,
            ),
            "info",
        )
        return _source_page(dossier_id, str(found["id"]))
    token = secrets.token_urlsafe(16)
    while len(app_state.imports) >= 20:
        app_state.imports.pop(next(iter(app_state.imports)))
    app_state.imports[token] = Pending(draft, sha256)
    prefill = values_for(form_fields(Source), draft_source(draft, files.ids("sources")))
    return item_form(
        dossier_id,
        SOURCES,
        None,
        prefill=prefill,
        import_token=token,
        excerpt=draft.text[:1500],
        action=url_for("edit.save_new", dossier_id=dossier_id, table="sources"),
    )


def _unquoted(files: DossierFiles, source_id: str, text: str) -> list[str]:
    """The facts citing the source whose quotation is not in `text` word for word."""
    from ..quotes import Passages

    passages = Passages(text)
    missing = []
    for index, fact in enumerate(raw_items(files, TABLES["facts"])):
        quote = fact.get("quote")
        said = quote.get("text") if isinstance(quote, dict) else None
        cited = source_id in (fact.get("sources") or [])
        if cited and said and not passages.find(str(said)):
            missing.append(who(files, f"facts[{index}]"))
    return missing


def _attach(files: DossierFiles, index: int, item: dict[str, Any], draft: Extracted) -> Saved:
    """Archive `draft`'s text as the snapshot of the source `item` (at `index`) in one save;
    InputError, nothing written, when it has one already or facts quote it otherwise."""
    from pydantic import ValidationError

    from ..importer import sha256_text, snapshot_path

    source_id = str(item.get("id"))
    had = item.get("snapshot")
    name = snapshot_path(source_id)
    if (had and (files.folder / str(had)).exists()) or (files.folder / name).exists():
        raise InputError(Problem(lazy("This source already has an archived text: it was kept.")))
    updated = {**item, "snapshot": name, "sha256": sha256_text(draft.text)}
    try:
        Source.model_validate(updated)
    except ValidationError:
        raise InputError(
            Problem(lazy("This source's entry is not complete or not valid: correct it first."))
        ) from None

    def vet(_written: object) -> None:
        missing = _unquoted(files, source_id, draft.text)
        if missing:
            raise InputError(
                Problem(
                    ngettext(
                        "The text was not archived: %(facts)s quotes words that are not in "
                        "it. Check that it is the right article.",
                        "The text was not archived: %(facts)s quote words that are not in "
                        "it. Check that it is the right article.",
                        len(missing),
                        facts=", ".join(missing),
                    )
                )
            )

    path = files.target("sources", is_list=True)
    target = files.folder / name
    summary = lazy(
        "Archived text added to the source « %(title)s »",
        title=shorten(item_text(SOURCES, item), 60),
    )
    return files.save(
        [(path, Edit("sources", "set", index, updated))],
        files.versions([path, target]),
        summary,
        {target: draft.text.encode("utf-8")},
        vet=vet,
    )


@bp.post("/d/<dossier_id>/sources/<source_id>/snapshot")
def attach_snapshot(dossier_id: str, source_id: str) -> Response:
    """Archive the text of a saved article as the snapshot of a source that has none."""
    check_csrf()
    app_state = state()
    files = files_of(app_state, dossier_id)
    items = raw_items(files, SOURCES)
    index = next((i for i, item in enumerate(items) if item.get("id") == source_id), None)
    if index is None:
        abort(404)
    try:
        saved = _attach(files, index, items[index], _upload())
    except BriefgenError as error:
        for problem in error.problems:
            flash(_said(problem), "error")
        return _source_page(dossier_id, source_id)
    after_save(app_state, str(saved.summary), [files.folder / name for name in saved.files])
    return _source_page(dossier_id, source_id)


@bp.app_errorhandler(413)
def too_large(_error: Exception) -> Response:
    """A request over the size limit: one line on the page it came from, nothing written."""
    from ..importer import MAX_IMPORT_BYTES

    limit = MAX_IMPORT_BYTES // 1024 // 1024
    message = _("File too large: %(limit)s MB at most; nothing was saved.", limit=limit)
    args = request.view_args or {}
    dossier_id = args.get("dossier_id")
    if request.endpoint == "imports.import_file" and dossier_id:
        return _page(dossier_id, InputError(Problem(message)), status=413)
    if request.endpoint == "imports.attach_snapshot" and dossier_id:
        flash(message, "error")
        return _source_page(dossier_id, str(args.get("source_id")))
    return Response(message + "\n", status=413, mimetype="text/plain")
