"""The history of the saves made from the page, and undoing one."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, url_for

from ..errors import InputError
from ..store import StaleError
from .editing import _after_save, _files
from .security import check_csrf
from .state import state

bp = Blueprint("history", __name__)


@bp.get("/d/<dossier_id>/history")
def history_page(dossier_id: str) -> str:
    files = _files(state(), dossier_id)
    entries = list(reversed(files.entries()))
    return render_template(
        "history.html",
        dossier_id=dossier_id,
        entries=entries,
        undoable={e.number: files.undoable(e) for e in entries},
    )


@bp.post("/d/<dossier_id>/history/<int:number>/undo")
def undo(dossier_id: str, number: int) -> Response:
    check_csrf()
    app_state = state()
    files = _files(app_state, dossier_id)
    try:
        saved = files.undo(number)
    except StaleError as stale:
        flash(
            f"Impossible d'annuler : {stale.path.name} a été modifié depuis cet enregistrement. "
            "Rien n'a été changé.",
            "error",
        )
    except InputError as error:
        flash(str(error.problems[0]), "error")
    else:
        _after_save(app_state, files, saved.summary, [files.folder / n for n in saved.files])
    return redirect(url_for("history.history_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
