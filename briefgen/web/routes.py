"""The viewer: the workspace's dossiers, what `check` finds, previews, builds, downloads."""

from __future__ import annotations

import datetime as dt
import io
import secrets
import threading
import zipfile
from concurrent.futures import Future
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from http import HTTPStatus
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from .. import i18n
from ..build import (
    DOCUMENTS,
    Built,
    Job,
    Options,
    plan,
    render_all,
    runnable_kinds,
    write_built,
)
from ..errors import BriefgenError, Problem
from ..i18n import _, lazy
from ..load import read_dossier
from ..models import Dossier
from ..press import Printed, PrintJob
from ..provenance import dossier_hash
from ..store import DossierFiles
from .findings import Finding, present
from .jobs import (
    KEPT_AFTER_FETCH,
    KEPT_UNFETCHED,
    BuildJob,
    Choices,
    Made,
    prepared,
    print_soon,
)
from .parts import SECTIONS, TABLES, dossier_data
from .security import check_csrf
from .state import State, state
from .thread import awaiting_answer, due_list

bp = Blueprint("view", __name__)

LONGEST_WAIT = 10.0
"""Seconds a build's status may be held waiting for news (the progress page asks again)."""

DOWNLOADS = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
"""The formats a build from the page can produce, with their media types."""
KIND_LABELS = {
    "note": lazy("Briefing note (reps)"),
    "tract": lazy("Tract (all staff)"),
    "declaration": lazy("Opening statement"),
    "questions": lazy("Written questions"),
    "avis": lazy("Draft reasoned opinion"),
    "registre": lazy("Register of questions and answers"),
}
FORMAT_NAMES = {"pdf": lazy("PDF"), "odt": lazy("ODT"), "docx": lazy("DOCX")}
"""The formats' names as the page says them (a language may write them otherwise)."""
ERRORS = {
    400: (lazy("The request could not be understood"), lazy("Go back and try again.")),
    403: (lazy("Not allowed"), lazy("Reload the page you came from, then try again.")),
    404: (lazy("Page not found"), lazy("This page does not exist, or no longer does.")),
    405: (lazy("Not allowed"), lazy("Go back and try again.")),
    413: (
        lazy("Too large"),
        lazy("The file or the form is too large: nothing was saved."),
    ),
    500: (
        lazy("Something went wrong"),
        lazy("Nothing was saved. Go back and try again; if it happens again, restart briefgen."),
    ),
}
"""The page shown for an HTTP error: its title and what to do."""


@bp.app_context_processor
def page_globals() -> dict[str, Any]:
    """What every page shows: its language, and the title of the dossier it is about."""
    found: dict[str, Any] = {"ui_lang": i18n.language()}
    dossier_id = (request.view_args or {}).get("dossier_id")
    app_state = state()
    if isinstance(dossier_id, str) and dossier_id in app_state.workspace.dossiers():
        files = DossierFiles.in_workspace(
            app_state.workspace.root, app_state.workspace.seeds / dossier_id
        )
        found["dossier_title"] = str(dossier_data(files).get("title") or dossier_id)
    return found


@bp.app_errorhandler(HTTPException)
def http_error(error: HTTPException) -> Response:
    """Every HTTP error as a page in the rep's language, with a way back."""
    code = error.code or 500
    title, advice = ERRORS.get(code, ERRORS[500 if code >= 500 else 400])
    page = render_template("error.html", title=title, advice=advice, code=code)
    return Response(page, status=code)


def choices_from(values: Any) -> Choices:
    asked = values.getlist("doc")
    docs = tuple(d for d in DOCUMENTS if d in asked) or tuple(DOCUMENTS)
    raw_date = values.get("meeting_date") or ""
    try:
        meeting_date = dt.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        abort(400)
    lang = values.get("lang") if values.get("lang") in ("fr", "en") else None
    formats = tuple(f for f in DOWNLOADS if f in values.getlist("format")) or ("pdf",)
    establishment = values.get("establishment") or None
    return Choices(docs, establishment, meeting_date, lang, formats, i18n.language())


STEPS = {
    "sources": lazy("Import a first article, or add a source by hand"),
    "facts": lazy("Add a first fact drawn from a source"),
    "key_points": lazy("Write a first key point of « The essentials »"),
    "meeting": lazy("Complete the meeting: body, date, agenda item and unions"),
}
"""What a new dossier lacks before it can make documents, as next steps."""


def _steps(dossier_id: str, data: dict[str, Any]) -> list[tuple[str, str]]:
    """The next steps of a dossier that lacks required content, with their links."""
    found = data.get("meeting")
    meeting: dict[str, Any] = found if isinstance(found, dict) else {}
    needed = {"instance", "date", "agenda_item", "unions"}
    missing = {
        "sources": not data.get("sources"),
        "facts": not data.get("facts"),
        "key_points": not data.get("key_points"),
        "meeting": not needed <= {k for k, v in (meeting or {}).items() if v},
    }
    links = {
        "sources": url_for("imports.import_page", dossier_id=dossier_id),
        "facts": url_for("edit.new_item", dossier_id=dossier_id, table="facts"),
        "key_points": url_for("edit.new_item", dossier_id=dossier_id, table="key_points"),
        "meeting": url_for("edit.edit_section", dossier_id=dossier_id, name="dossier"),
    }
    return [(str(STEPS[key]), links[key]) for key, lacking in missing.items() if lacking]


def _covered(problem: Problem, steps: list[tuple[str, str]]) -> bool:
    """Whether a next step already says what `problem` says (a required list is empty)."""
    top = (problem.field or "").split(".")[0].split("[")[0]
    return bool(steps) and problem.code == "E002" and top in STEPS


def _meeting_line(data: dict[str, Any]) -> str:
    """« CSE central · séance du 10 décembre 2026 · CGT · FSU », from the files as they are."""
    found = data.get("meeting")
    meeting: dict[str, Any] = found if isinstance(found, dict) else {}
    parts = [str(meeting.get("instance") or "")]
    if isinstance(meeting.get("date"), dt.date):
        parts.append(_("meeting of %(date)s", date=i18n.long_date(meeting["date"])))
    unions = meeting.get("unions")
    if isinstance(unions, list):
        parts.append(" · ".join(str(u) for u in unions))
    return " · ".join(p for p in parts if p)


def _grouped(findings: list[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by what they say, in order: thirteen sources without an archived
    text make one entry, not thirteen."""
    groups: dict[str, list[Finding]] = {}
    for found in findings:
        groups.setdefault(found.text, []).append(found)
    return list(groups.items())


@bp.get("/d/<dossier_id>")
def dossier_page(dossier_id: str) -> str:
    app_state = state()
    folder = app_state.dossier_dir(dossier_id)
    files = DossierFiles.in_workspace(app_state.workspace.root, folder)
    data = dossier_data(files)
    dossier, problems = app_state.findings(folder)
    steps = _steps(dossier_id, data)
    shown = present(
        [p for p in problems if not _covered(p, steps)], files, dossier_id, app_state.workspace.root
    )
    counts = {key: len(value) if isinstance(value, list) else 1 for key, value in data.items()}
    return render_template(
        "dossier.html",
        dossier_id=dossier_id,
        dossier=dossier,
        title=str(data.get("title") or dossier_id),
        meeting=_meeting_line(data),
        steps=steps,
        errors=[f for f in shown if f.code.startswith("E")],
        unused=[f for f in shown if f.code == "W105"],
        divergences=[f for f in shown if f.code == "W201"],
        warnings=_grouped(
            [f for f in shown if f.code.startswith("W") and f.code not in ("W105", "W201")]
        ),
        kinds=KIND_LABELS,
        runnable=runnable_kinds(dossier, [])[0] if dossier else [],
        tables=TABLES,
        sections=SECTIONS,
        counts=counts,
        dues=due_list(dossier, app_state.date()) if dossier else [],
        awaiting=awaiting_answer(files),
    )


def _problems_page(dossier_id: str, problems: list[Problem] | tuple[Problem, ...]) -> Response:
    """The page that says what stops the documents from being produced (status 422)."""
    app_state = state()
    files = DossierFiles.in_workspace(app_state.workspace.root, app_state.dossier_dir(dossier_id))
    findings = present(list(problems), files, dossier_id, app_state.workspace.root)
    title = str(dossier_data(files).get("title") or dossier_id)
    page = render_template(
        "problems.html", findings=findings, dossier_id=dossier_id, dossier_title=title
    )
    return Response(page, status=422)


@bp.get("/d/<dossier_id>/preview/<kind>")
def preview(dossier_id: str, kind: str) -> Response:
    from ..build import render_document

    folder = state().dossier_dir(dossier_id)
    if kind not in DOCUMENTS:
        abort(404)
    try:
        choices = choices_from(request.args)
        read = read_dossier(folder)[0]
        built = render_document(
            prepared(read, choices),
            DOCUMENTS[kind],
            Options(formats=("html",), lang=choices.lang),
            state().workspace,
            digest=dossier_hash(read),  # the dossier's, whatever the variant
        )
    except BriefgenError as error:
        return _problems_page(dossier_id, error.problems)
    return Response(_main_landmark(built.files["html"]), mimetype="text/html")


def _main_landmark(page: bytes) -> bytes:
    """The document's HTML as a page to read on screen: its body in a `main` landmark (the
    PDF is tagged from the same HTML without it, as a document rather than a page)."""
    head, found, rest = page.partition(b"<body")
    opened, tag_end, body = rest.partition(b">")
    if not found or not tag_end or b"</body>" not in body:
        return page
    inside, _end, tail = body.rpartition(b"</body>")
    return head + found + opened + tag_end + b"<main>" + inside + b"</main></body>" + tail


@bp.get("/d/<dossier_id>/preview/<path:asset>")
def preview_asset(dossier_id: str, asset: str) -> Response:
    state().dossier_dir(dossier_id)
    workspace = state().workspace
    path = workspace.resolve(asset)
    if path is None:
        abort(404)
    return Response(path.read_bytes(), mimetype=workspace.media_type(path))


def run_build(
    app_state: State, job: BuildJob, folder: Path, loaded: Dossier, choices: Choices
) -> None:
    """Produce the files of a build started from the page (in a thread of its own), once
    fewer than `jobs.AT_ONCE` builds are rendering."""
    workspace = app_state.workspace
    i18n.set_language(choices.ui_lang)
    try:
        dossier = prepared(loaded, choices)
        kinds, _ = runnable_kinds(dossier, list(choices.docs))
        kinds = [k for k in kinds if k in choices.docs]
        jobs: list[Job] = [
            replace(job, establishment=choices.establishment, digest=dossier_hash(loaded))
            for job in plan(dossier, kinds)
        ]
        suffix = f"-{choices.establishment}" if choices.establishment else ""
        job.total = len(jobs)
        options = Options(formats=choices.formats, lang=choices.lang)
        # A document this server made from the very same inputs is given as it was made.
        digest = app_state.digest(loaded)
        keys = [Made.key(digest, each, options) for each in jobs]
        kept = [app_state.made.get(key) for key in keys]
        missing = [each for each, found in zip(jobs, kept, strict=True) if found is None]
        already = len(jobs) - len(missing)
        job.progressed(already)

        def progress(_: Job, done: int, total: int) -> None:
            job.progressed(already + done)

        made: list[Built] = []
        pool = app_state.render if app_state.render.workers else None

        def printer(page: PrintJob) -> Future[Printed]:
            """Each page printed to its end (a build is never stopped), with a probe."""
            ticket = app_state.render.ticket(("build", secrets.token_hex(8)), stops=False)
            return print_soon(app_state.render, page, ticket)

        if missing:
            with app_state.builds.slots:
                made = render_all(
                    missing,
                    options,
                    workspace,
                    str(folder / "dossier.yaml"),
                    pool,
                    progress,
                    app_state.memo,
                    printer,
                )
        fresh = iter(made)
        built = []
        for key, found in zip(keys, kept, strict=True):
            if found is None:
                found = next(fresh)
                app_state.made.put(key, found)
            built.append(found)
        written = write_built(built, workspace.output / dossier.id, suffix)
        job.files = {path.name: data for path, data in written.items()}
        job.status = "done"
    except BriefgenError as error:
        job.problems = list(error.problems)
        job.status = "failed"
    except BrokenProcessPool:  # a worker died: the next build gets new ones
        app_state.render.forget_broken()
        job.problems = [
            Problem(lazy("the renderer stopped in the middle of this build; produce it again"))
        ]
        job.status = "failed"
    except Exception as exc:  # shown on the page rather than lost in a thread
        job.problems = [
            Problem(lazy("internal error: %(error)s", error=f"{type(exc).__name__}: {exc}"))
        ]
        job.status = "failed"
    finally:
        app_state.builds.finish(job)


@bp.post("/d/<dossier_id>/build")
def start_build(dossier_id: str) -> Any:
    check_csrf()
    app_state = state()
    folder = app_state.dossier_dir(dossier_id)
    choices = choices_from(request.form)
    loaded, problems = app_state.findings(folder)
    errors = [p for p in problems if p.severity == "error"]
    if loaded is None or errors:
        return _problems_page(dossier_id, errors)
    job, new = app_state.builds.start(dossier_id, choices.key(dossier_id, dossier_hash(loaded)))
    if new:
        threading.Thread(
            target=run_build, args=(app_state, job, folder, loaded, choices), daemon=True
        ).start()
    return redirect(url_for("view.build_page", dossier_id=dossier_id, job_id=job.id), code=303)


def get_job(dossier_id: str, job_id: str) -> BuildJob:
    """A build of this dossier still kept; else a page saying its files are no longer kept
    and leading back to « Produce »: 410 for a build this server dropped (it never comes
    back), 404 for one it does not know (lost when the server stopped, or never made)."""
    app_state = state()
    app_state.dossier_dir(dossier_id)  # an unknown dossier is an ordinary 404
    job = app_state.builds.get(job_id)
    if job is None or job.dossier_id != dossier_id:
        page = render_template(
            "build_gone.html",
            dossier_id=dossier_id,
            after=round(KEPT_AFTER_FETCH / 60),
            unfetched=round(KEPT_UNFETCHED / 60),
        )
        dropped = app_state.builds.was_dropped(dossier_id, job_id)
        abort(Response(page, status=HTTPStatus.GONE if dropped else HTTPStatus.NOT_FOUND))
    return job


@bp.get("/d/<dossier_id>/build/<job_id>")
def build_page(dossier_id: str, job_id: str) -> str:
    job = get_job(dossier_id, job_id)
    app_state = state()
    files = DossierFiles.in_workspace(app_state.workspace.root, app_state.dossier_dir(dossier_id))
    findings = present(job.problems, files, dossier_id, app_state.workspace.root)
    return render_template(
        "build.html",
        job=job,
        dossier_id=dossier_id,
        dossier_title=str(dossier_data(files).get("title") or dossier_id),
        findings=findings,
        file_labels={name: _file_label(name) for name in job.files},
    )


def _file_label(name: str) -> str:
    """« Tract (all staff) · PDF » for tract.pdf, with the establishment of a variant."""
    stem, _dot, extension = name.rpartition(".")
    for kind, document in DOCUMENTS.items():
        if stem == document.filename or stem.startswith(f"{document.filename}-"):
            variant = stem[len(document.filename) + 1 :]
            label = f"{KIND_LABELS[kind]} · {FORMAT_NAMES.get(extension, extension)}"
            return f"{label} · {variant}" if variant else label
    return name


@bp.get("/d/<dossier_id>/build/<job_id>/status")
def build_status(dossier_id: str, job_id: str) -> dict[str, Any]:
    """Where the build is; with `wait=S` and `done=N`, once it has more than N documents
    done or is over, or after S seconds (at most LONGEST_WAIT)."""
    job = get_job(dossier_id, job_id)
    wait = request.args.get("wait", 0.0, type=float)
    if wait > 0:
        job.wait(request.args.get("done", -1, type=int), min(wait, LONGEST_WAIT))
    return {"status": job.status, "done": job.done, "total": job.total}


@bp.get("/d/<dossier_id>/build/<job_id>/file/<name>")
def download(dossier_id: str, job_id: str, name: str) -> Response:
    job = get_job(dossier_id, job_id)
    if name not in job.files:
        abort(404)
    state().builds.fetched(job, [name])
    return Response(
        job.files[name],
        mimetype=DOWNLOADS[name.rpartition(".")[2]],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@bp.get("/d/<dossier_id>/build/<job_id>/all.zip")
def download_zip(dossier_id: str, job_id: str) -> Response:
    job = get_job(dossier_id, job_id)
    if job.status != "done":
        abort(404)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in job.files.items():
            archive.writestr(zipfile.ZipInfo(name, (1980, 1, 1, 0, 0, 0)), data)
    state().builds.fetched(job, list(job.files))
    filename = f"{dossier_id}.zip"
    return Response(
        buffer.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
