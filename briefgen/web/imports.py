"""Importing a saved article (HTML, PDF, text) as a source, its text archived."""

from __future__ import annotations

import secrets
from pathlib import Path

from flask import Blueprint, Response, render_template, request, url_for

from ..errors import InputError
from ..models import Source
from .editing import _files, _item_form
from .forms import form_fields, values_for
from .parts import TABLES
from .security import check_csrf
from .state import Pending, state

bp = Blueprint("imports", __name__)


@bp.get("/d/<dossier_id>/import")
def import_page(dossier_id: str) -> str:
    state().dossier_dir(dossier_id)
    return render_template("import.html", dossier_id=dossier_id, error=None)


@bp.post("/d/<dossier_id>/import")
def import_file(dossier_id: str) -> Response:
    """Read an uploaded article and show the source entry it gives, for the rep to confirm."""
    from ..importer import draft_source, extract, sha256_text

    check_csrf()
    app_state = state()
    files = _files(app_state, dossier_id)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return Response(
            render_template("import.html", dossier_id=dossier_id, error="choisissez un fichier"),
            status=422,
        )
    try:
        draft = extract(upload.read(), Path(upload.filename).name)
    except InputError as error:
        page = render_template("import.html", dossier_id=dossier_id, error=str(error.problems[0]))
        return Response(page, status=422)
    taken = files.ids("sources")
    token = secrets.token_urlsafe(16)
    while len(app_state.imports) >= 20:
        app_state.imports.pop(next(iter(app_state.imports)))
    app_state.imports[token] = Pending(draft, sha256_text(draft.text))
    prefill = values_for(form_fields(Source), draft_source(draft, taken))
    return _item_form(
        dossier_id,
        TABLES["sources"],
        None,
        prefill=prefill,
        import_token=token,
        excerpt=draft.text[:1500],
        action_url=url_for("edit.save_new", dossier_id=dossier_id, table="sources"),
    )


@bp.app_errorhandler(413)
def too_large(_: Exception) -> Response:
    """A request over the size limit: one line on the page it came from, nothing written."""
    from ..importer import MAX_IMPORT_BYTES

    limit = MAX_IMPORT_BYTES // 1024 // 1024
    message = (
        f"fichier ou formulaire trop volumineux : {limit} Mo au plus ; rien n'a été enregistré"
    )
    dossier_id = (request.view_args or {}).get("dossier_id")
    if request.endpoint == "imports.import_file" and dossier_id:
        page = render_template("import.html", dossier_id=dossier_id, error=message)
        return Response(page, status=413)
    return Response(message + "\n", status=413, mimetype="text/plain")
