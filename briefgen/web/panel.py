"""The « PDF preview » panel beside a form: the document a rep works on, rendered warm.

The server has WeasyPrint imported, its fonts configured and the dossier checked already:
a document's PDF is made by the very pipeline `briefgen build` runs (`render_document`),
in a thread of this process, one at a time.  What was made is kept per document and
served again at once while the dossier is unchanged; a request for the same document
made meanwhile supersedes an older one (a render cannot be stopped halfway, but one
superseded before its turn does not start, and its result is never served).
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, current_app, render_template, url_for

from ..build import DOCUMENTS, Options, render_document, runnable_kinds
from ..errors import BriefgenError, Problem
from ..i18n import _
from ..load import display_path
from ..models import Dossier
from ..provenance import dossier_hash
from ..store import DossierFiles
from ..workspace import Workspace
from .findings import present
from .routes import KIND_LABELS
from .state import State, stamp, state

bp = Blueprint("panel", __name__)

KEPT = 8
"""Documents whose last PDF is kept (one each): past it, the least lately asked goes."""
DEFAULT_KIND = "tract"
"""The document the panel shows first, when the dossier has what it is made of."""


class Superseded(Exception):
    """A newer request for the same document came while this one waited or rendered."""


class CannotMake(Exception):
    """The dossier cannot make the document; the message says why, to a rep."""


Made = bytes | str
"""A document's PDF, or why it cannot be made (the message the panel shows)."""


@dataclass
class Renderer:
    """The last PDF of each document (dossier, kind), by the hash it was made from, and
    the number of the latest request for each: an older one is superseded."""

    kept: OrderedDict[tuple[str, str], tuple[str, Made]] = field(default_factory=OrderedDict)
    latest: dict[tuple[str, str], int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    turn: threading.Lock = field(default_factory=threading.Lock)
    """Held while a document renders: one at a time (WeasyPrint lays out one at a time)."""

    def known(self, key: tuple[str, str], digest: str) -> Made | None:
        """What was made of this document from this very hash, if it is still kept."""
        with self.lock:
            found = self.kept.get(key)
            if found is None or found[0] != digest:
                return None
            self.kept.move_to_end(key)
            return found[1]

    def render(self, key: tuple[str, str], digest: str, make: Callable[[], Made]) -> Made:
        """The document made from `digest`: kept, or made now by `make` unless a newer
        request for it comes first (then Superseded)."""
        found = self.known(key, digest)
        if found is not None:
            return found
        with self.lock:
            mine = self.latest[key] = self.latest.get(key, 0) + 1
        with self.turn:
            with self.lock:
                waited_out = self.latest[key] != mine
            if waited_out:  # a newer one came while this one waited: it does not start
                raise Superseded
            made = self.known(key, digest)
            made = make() if made is None else made
        with self.lock:
            if self.latest[key] != mine:  # a newer one is under way or finished
                raise Superseded
            self.kept[key] = (digest, made)
            self.kept.move_to_end(key)
            while len(self.kept) > KEPT:
                self.kept.popitem(last=False)
        return made


@bp.record_once
def _install(setup: Any) -> None:
    setup.app.extensions["briefgen.panel"] = Renderer()


def renderer() -> Renderer:
    """The renderer of the application serving this request."""
    found: Renderer = current_app.extensions["briefgen.panel"]
    return found


def pdf_of(dossier: Dossier, kind: str, workspace: Workspace, folder: Path) -> bytes:
    """The document's PDF as `briefgen build --doc KIND` writes it (same options, same
    creation date, same trace line)."""
    source = display_path(folder / "dossier.yaml")
    built = render_document(dossier, DOCUMENTS[kind], Options(), workspace, source)
    return built.files["pdf"]


def current(app_state: State, dossier_id: str) -> tuple[Dossier | None, str, list[Problem]]:
    """The dossier as checked now, the hash the panel's PDFs are kept by (its content, the
    workspace's templates and configuration), and the errors that keep it from printing."""
    folder = app_state.dossier_dir(dossier_id)
    loaded, problems = app_state.findings(folder)
    workspace = app_state.workspace
    templates = [p for d in workspace.template_dirs if d.is_dir() for p in d.rglob("*")]
    written = stamp([*templates, workspace.config_file])
    content = dossier_hash(loaded) if loaded else ""
    digest = hashlib.sha256(f"{content}{written}".encode()).hexdigest()[:16]
    return loaded, digest, [p for p in problems if p.severity == "error"]


def render(dossier_id: str, kind: str = DEFAULT_KIND) -> bytes:
    """One document's PDF for the panel (the tract by default): kept, or made now.

    Raises Superseded when a newer request for it came first, CannotMake when the dossier
    cannot make it."""
    app_state = state()
    loaded, digest, errors = current(app_state, dossier_id)
    if loaded is None or errors:
        raise CannotMake(_cannot(dossier_id, errors))
    folder = app_state.dossier_dir(dossier_id)

    def make() -> Made:
        try:
            return pdf_of(loaded, kind, app_state.workspace, folder)
        except BriefgenError as error:
            return _cannot(dossier_id, error.problems)

    made = renderer().render((dossier_id, kind), digest, make)
    if isinstance(made, str):
        raise CannotMake(made)
    return made


def _cannot(dossier_id: str, problems: list[Problem] | tuple[Problem, ...]) -> str:
    """« The PDF cannot be made: … », with what the first problem means to a rep."""
    app_state = state()
    files = DossierFiles.in_workspace(app_state.workspace.root, app_state.dossier_dir(dossier_id))
    shown = present(list(problems[:1]), files, dossier_id, app_state.workspace.root)
    reason = shown[0].text if shown else ""
    return _("The PDF cannot be made: %(reason)s", reason=reason.rstrip("."))


def _known_kind(kind: str) -> None:
    if kind not in DOCUMENTS:
        abort(404)


@bp.get("/d/<dossier_id>/panel/<kind>.pdf")
def panel_pdf(dossier_id: str, kind: str) -> Response:
    """The document's PDF, to show inline (409 when a newer request superseded this one)."""
    _known_kind(kind)
    try:
        data = render(dossier_id, kind)
    except Superseded:
        return Response(status=HTTPStatus.CONFLICT)
    except CannotMake as cannot:
        advice = _("Open the dossier to see what to correct.")
        page = render_template("error.html", title=str(cannot), advice=advice, code=422)
        return Response(page, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    return Response(
        data,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{DOCUMENTS[kind].filename}.pdf"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/d/<dossier_id>/panel/<kind>/status")
def panel_status(dossier_id: str, kind: str) -> dict[str, Any]:
    """The hash the document would be made from now, and why it cannot be, if it cannot."""
    _known_kind(kind)
    app_state = state()
    _loaded, digest, errors = current(app_state, dossier_id)
    failed = renderer().known((dossier_id, kind), digest)
    message = _cannot(dossier_id, errors) if errors else failed
    if isinstance(message, str):
        return {"hash": digest, "ok": False, "message": message}
    return {"hash": digest, "ok": True, "message": ""}


@bp.app_context_processor
def panel_globals() -> dict[str, Any]:
    """`pdf_panel(dossier_id)`: what the panel of a form shows (the documents to choose
    from, the one shown first, its addresses); defined only while the panel is installed."""
    return {"pdf_panel": panel_view}


def panel_view(dossier_id: str) -> dict[str, Any]:
    app_state = state()
    loaded, _digest, _errors = current(app_state, dossier_id)
    kinds = runnable_kinds(loaded, [])[0] if loaded else list(DOCUMENTS)
    kinds = kinds or [DEFAULT_KIND]
    marker = "__kind__"
    return {
        "kinds": [(kind, str(KIND_LABELS[kind])) for kind in kinds],
        "kind": DEFAULT_KIND if DEFAULT_KIND in kinds else kinds[0],
        "pdf": url_for("panel.panel_pdf", dossier_id=dossier_id, kind=marker),
        "status": url_for("panel.panel_status", dossier_id=dossier_id, kind=marker),
        "preview": url_for("view.preview", dossier_id=dossier_id, kind=marker),
        "dossier": url_for("view.dossier_page", dossier_id=dossier_id),
    }
