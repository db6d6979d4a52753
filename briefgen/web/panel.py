"""The « PDF preview » panel beside a form: the document a rep works on, rendered warm.

The server has the dossier checked already and its warm renderer ready (`briefgen.warm`:
worker processes with WeasyPrint imported, or this process for the test client): a
document's PDF is made by the very pipeline `briefgen build` runs (`render_document`).
What was made is kept per document and served again at once while the dossier is
unchanged.  A request for the same document with other content supersedes an older one:
that one stops at its next layout (or never starts), and its result is never served; a
request for the content already being made waits for it rather than starting again.
A save made while a panel of its dossier is open starts the panel's document again in the
warm workers a moment later (`SETTLE` seconds without another save), so that the PDF is
under way before the page that follows the save asks for it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter, OrderedDict
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from ..build import DOCUMENTS, Job, Options, prepare_job, runnable_kinds
from ..errors import BriefgenError, Problem
from ..i18n import _
from ..load import display_path
from ..models import Dossier
from ..store import DossierFiles
from ..warm import Superseded, Ticket, WarmPool
from ..workspace import Workspace
from .findings import present
from .jobs import Made as Kept
from .jobs import print_soon
from .routes import KIND_LABELS
from .state import State, state

bp = Blueprint("panel", __name__)

KEPT = 8
"""Documents whose last PDF is kept (one each): past it, the least lately asked goes."""
DEFAULT_KIND = "tract"
"""The document the panel shows first, when the dossier has what it is made of."""
SETTLE = 0.1
"""Seconds after a save (without another) before the panel's document is made again."""
WATCHED = 15 * 60.0
"""Seconds a panel counts as open after it last asked the server (it asks every 2 s)."""

__all__ = ["CannotMake", "Renderer", "Superseded", "pdf_of", "render"]


class CannotMake(Exception):
    """The dossier cannot make the document; the message says why, to a rep."""


Shown = bytes | str
"""A document's PDF, or why it cannot be made (the message the panel shows)."""
Key = tuple[str, str]
"""A document: (dossier id, kind)."""


@dataclass
class Flight:
    """A render under way: what it is made from, its ticket, and its result to come."""

    digest: str
    ticket: Ticket
    result: Future[Shown] = field(default_factory=Future)


@dataclass
class Renderer:
    """The last PDF of each document by the hash it was made from, the renders under way,
    and the panels open (their dossier, the document they show, when they last asked)."""

    pool: WarmPool = field(default_factory=lambda: WarmPool(0))
    kept: OrderedDict[Key, tuple[str, Shown]] = field(default_factory=OrderedDict)
    flying: dict[Key, Flight] = field(default_factory=dict)
    asked: Counter[Key] = field(default_factory=Counter)
    """Requests that found nothing kept, per document (the tests follow them)."""
    watched: dict[str, tuple[str, float]] = field(default_factory=dict)
    timers: dict[str, threading.Timer] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    turn: Any = None
    """Held while a document renders in this process (without workers, one at a time)."""

    def __post_init__(self) -> None:
        if self.turn is None:
            self.turn = contextlib.nullcontext() if self.pool.workers else threading.Lock()

    def known(self, key: Key, digest: str) -> Shown | None:
        """What was made of this document from this very hash, if it is still kept."""
        with self.lock:
            found = self.kept.get(key)
            if found is None or found[0] != digest:
                return None
            self.kept.move_to_end(key)
            return found[1]

    def render(self, key: Key, digest: str, make: Callable[[Ticket], Shown]) -> Shown:
        """The document made from `digest`: kept, joined while under way, or made now by
        `make` unless a request for other content comes first (then Superseded)."""
        with self.lock:
            found = self.kept.get(key)
            if found is not None and found[0] == digest:
                self.kept.move_to_end(key)
                return found[1]
            self.asked[key] += 1
            flight = self.flying.get(key)
            mine = flight is None or flight.digest != digest
            if mine:
                flight = self.flying[key] = Flight(digest, self.pool.ticket(key))
        assert flight is not None
        if mine:
            self._run(key, flight, make)
        return flight.result.result()

    def _run(self, key: Key, flight: Flight, make: Callable[[Ticket], Shown]) -> None:
        try:
            with self.turn:
                if not self.pool.is_latest(flight.ticket):  # superseded while it waited
                    raise Superseded
                made = make(flight.ticket)
            with self.lock:
                if not self.pool.is_latest(flight.ticket):
                    raise Superseded
                self.kept[key] = (flight.digest, made)
                self.kept.move_to_end(key)
                while len(self.kept) > KEPT:
                    self.kept.popitem(last=False)
            flight.result.set_result(made)
        except BaseException as error:  # handed to whoever waits for it
            flight.result.set_exception(error)
        finally:
            with self.lock:
                if self.flying.get(key) is flight:
                    del self.flying[key]

    def watch(self, dossier_id: str, kind: str) -> None:
        """A panel of this dossier shows `kind`."""
        with self.lock:
            self.watched[dossier_id] = (kind, time.monotonic())

    def shown(self, dossier_id: str) -> str | None:
        """The document an open panel of this dossier shows, if one is open."""
        with self.lock:
            kind, when = self.watched.get(dossier_id, ("", 0.0))
            return kind if kind and time.monotonic() - when < WATCHED else None

    def after_save(self, app: Flask, dossier_id: str) -> None:
        """Make the open panel's document again once saves have settled, in the warm
        workers (without them, WeasyPrint is never run in a thread of its own here: the
        panel's own request makes the document)."""
        kind = self.shown(dossier_id)
        if kind is None or not self.pool.workers:
            return

        def again() -> None:
            with self.lock:
                self.timers.pop(dossier_id, None)
            # Whatever goes wrong here, the panel's own request meets it and says it.
            with app.app_context(), contextlib.suppress(Exception):
                render(dossier_id, kind)

        timer = threading.Timer(SETTLE, again)
        timer.daemon = True
        with self.lock:
            earlier = self.timers.pop(dossier_id, None)
            self.timers[dossier_id] = timer
        if earlier is not None:
            earlier.cancel()
        timer.start()


def install(app: Flask, pool: WarmPool) -> None:
    """Give `app` its panel, rendering with `pool`."""
    app.extensions["briefgen.panel"] = Renderer(pool)

    @app.after_request
    def _saved(response: Response) -> Response:
        """After a save of a dossier (a form sent and answered by a redirection), its
        open panel's document is made again."""
        dossier_id = (request.view_args or {}).get("dossier_id")
        if request.method == "POST" and dossier_id and response.status_code in (302, 303):
            renderer().after_save(app, dossier_id)
        return response


def renderer() -> Renderer:
    """The renderer of the application serving this request."""
    found: Renderer = current_app.extensions["briefgen.panel"]
    return found


def pdf_of(
    dossier: Dossier,
    kind: str,
    workspace: Workspace,
    folder: Path,
    digest: str,
    ticket: Ticket | None = None,
) -> bytes:
    """The document's PDF as `briefgen build --doc KIND` writes it (same options, same
    creation date, same trace line): its page made here, printed by the warm renderer as
    `ticket`'s request, the fitter's choices kept in the server's memo.  `digest`: what
    the dossier is made from now (`State.digest`)."""
    app_state = state()
    source = display_path(folder / "dossier.yaml")
    job = Job(DOCUMENTS[kind], dossier, DOCUMENTS[kind].filename)
    options = Options()
    key = Kept.key(digest, job, options)
    built = app_state.made.get(key)
    if built is None:
        prepared = prepare_job(job, options, workspace, source, app_state.memo)
        printed = None
        if prepared.job is not None:
            pool, page = renderer().pool, prepared.job
            printed = pool.settle(lambda: print_soon(pool, page, ticket))
        built = prepared.finish(printed)
        app_state.made.put(key, built)
    return built.files["pdf"]


def current(app_state: State, dossier_id: str) -> tuple[Dossier | None, str, list[Problem]]:
    """The dossier as checked now, the hash the panel's PDFs are kept by (its content, the
    workspace's templates and configuration), and the errors that keep it from printing."""
    folder = app_state.dossier_dir(dossier_id)
    loaded, problems = app_state.findings(folder)
    return loaded, app_state.digest(loaded), [p for p in problems if p.severity == "error"]


def render(dossier_id: str, kind: str = DEFAULT_KIND) -> bytes:
    """One document's PDF for the panel (the tract by default): kept, or made now.

    Raises Superseded when a newer request for it came first, CannotMake when the dossier
    cannot make it."""
    app_state = state()
    loaded, digest, errors = current(app_state, dossier_id)
    if loaded is None or errors:
        raise CannotMake(_cannot(dossier_id, errors))
    folder = app_state.dossier_dir(dossier_id)

    def make(ticket: Ticket) -> Shown:
        try:
            return pdf_of(loaded, kind, app_state.workspace, folder, digest, ticket)
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
    renderer().watch(dossier_id, kind)
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
    renderer().watch(dossier_id, kind)
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
