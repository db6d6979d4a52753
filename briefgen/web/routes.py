"""The viewer: the workspace's dossiers, what `check` finds, previews, builds, downloads."""

from __future__ import annotations

import datetime as dt
import io
import threading
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..atomic import write_all
from ..build import DOCUMENTS, Job, Options, plan, render_all, runnable_kinds
from ..errors import BriefgenError, Problem
from ..load import read_dossier
from ..models import Dossier
from .findings import RULES_FR
from .jobs import BuildJob, Choices, prepared
from .parts import TABLES
from .security import check_csrf
from .state import State, state

bp = Blueprint("view", __name__)

DOWNLOADS = {
    "pdf": "application/pdf",
    "odt": "application/vnd.oasis.opendocument.text",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
"""The formats a build from the page can produce, with their media types."""
KIND_LABELS = {
    "note": "Note de briefing (élus)",
    "tract": "Tract (tous les salariés)",
    "declaration": "Déclaration liminaire",
    "questions": "Questions écrites",
    "avis": "Projet d'avis motivé",
}


@bp.app_context_processor
def rule_labels() -> dict[str, Any]:
    return {"rules": RULES_FR}


@bp.app_template_filter("where")
def where(problem: Problem) -> str:
    """Where a problem is, relative to the workspace: file, line and field."""
    file = problem.file or ""
    path = Path(file)
    root = state().workspace.root
    if path.is_absolute() and path.is_relative_to(root):
        file = str(path.relative_to(root))
    parts = [file, f"ligne {problem.line}" if problem.line else "", problem.field or ""]
    return " · ".join(part for part in parts if part)


def choices_from(values: Any) -> Choices:
    docs = [d for d in values.getlist("doc") if d in DOCUMENTS] or list(DOCUMENTS)
    raw_date = values.get("meeting_date") or ""
    try:
        meeting_date = dt.date.fromisoformat(raw_date) if raw_date else None
    except ValueError:
        abort(400, "date de séance invalide")
    lang = values.get("lang") if values.get("lang") in ("fr", "en") else None
    formats = tuple(f for f in DOWNLOADS if f in values.getlist("format")) or ("pdf",)
    return Choices(docs, values.get("establishment") or None, meeting_date, lang, formats)


def _by_rule(problems: list[Problem]) -> list[tuple[str, list[Problem]]]:
    """Findings grouped by rule, in the order the rules first appear: thirteen sources
    without an archived text make one entry, not thirteen."""
    groups: dict[str, list[Problem]] = {}
    for problem in problems:
        groups.setdefault(problem.code or "", []).append(problem)
    return list(groups.items())


@bp.get("/d/<dossier_id>")
def dossier_page(dossier_id: str) -> str:
    folder = state().dossier_dir(dossier_id)
    dossier, problems = state().findings(folder)
    return render_template(
        "dossier.html",
        dossier_id=dossier_id,
        dossier=dossier,
        errors=[p for p in problems if p.severity == "error"],
        divergences=[p for p in problems if p.code == "W201"],
        warnings=_by_rule([p for p in problems if p.severity == "warning" and p.code != "W201"]),
        kinds=KIND_LABELS,
        runnable=runnable_kinds(dossier, [])[0] if dossier else [],
        tables=TABLES,
    )


@bp.get("/d/<dossier_id>/preview/<kind>")
def preview(dossier_id: str, kind: str) -> Response:
    from ..build import render_document

    folder = state().dossier_dir(dossier_id)
    if kind not in DOCUMENTS:
        abort(404)
    try:
        choices = choices_from(request.args)
        dossier = prepared(read_dossier(folder)[0], choices)
        built = render_document(
            dossier,
            DOCUMENTS[kind],
            Options(formats=("html",), lang=choices.lang),
            state().workspace,
        )
    except BriefgenError as error:
        return Response(
            render_template("problems.html", problems=error.problems, dossier_id=dossier_id),
            status=422,
        )
    return Response(built.files["html"], mimetype="text/html")


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
    """Produce the PDFs of a build started from the page (in a thread of its own)."""
    workspace = app_state.workspace
    try:
        dossier = prepared(loaded, choices)
        kinds, _ = runnable_kinds(dossier, [k for k in choices.docs if k in DOCUMENTS])
        kinds = [k for k in kinds if k in choices.docs]
        jobs: list[Job] = [
            replace(job, establishment=choices.establishment) for job in plan(dossier, kinds)
        ]
        suffix = f"-{choices.establishment}" if choices.establishment else ""
        job.total = len(jobs)

        def progress(_: Job, done: int, total: int) -> None:
            job.done = done

        built = render_all(
            jobs,
            Options(formats=choices.formats, lang=choices.lang),
            workspace,
            str(folder / "dossier.yaml"),
            None,
            progress,
        )
        files = {
            f"{b.filename}{suffix}.{fmt}": data for b in built for fmt, data in b.files.items()
        }
        write_all({workspace.output / dossier.id / name: data for name, data in files.items()})
        job.files = files
        job.status = "done"
    except BriefgenError as error:
        job.problems = list(error.problems)
        job.status = "failed"
    except Exception as exc:  # shown on the page rather than lost in a thread
        job.problems = [Problem(f"erreur interne : {type(exc).__name__}: {exc}")]
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
        return Response(
            render_template("problems.html", problems=errors, dossier_id=dossier_id),
            status=422,
        )
    job, new = app_state.builds.start(dossier_id)
    if new:
        threading.Thread(
            target=run_build, args=(app_state, job, folder, loaded, choices), daemon=True
        ).start()
    return redirect(url_for("view.build_page", dossier_id=dossier_id, job_id=job.id), code=303)


def get_job(dossier_id: str, job_id: str) -> BuildJob:
    job = state().builds.jobs.get(job_id)
    if job is None or job.dossier_id != dossier_id:
        abort(404)
    return job


@bp.get("/d/<dossier_id>/build/<job_id>")
def build_page(dossier_id: str, job_id: str) -> str:
    job = get_job(dossier_id, job_id)
    return render_template("build.html", job=job, dossier_id=dossier_id)


@bp.get("/d/<dossier_id>/build/<job_id>/status")
def build_status(dossier_id: str, job_id: str) -> dict[str, Any]:
    job = get_job(dossier_id, job_id)
    return {"status": job.status, "done": job.done, "total": job.total}


@bp.get("/d/<dossier_id>/build/<job_id>/file/<name>")
def download(dossier_id: str, job_id: str, name: str) -> Response:
    job = get_job(dossier_id, job_id)
    if name not in job.files:
        abort(404)
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
    filename = f"{dossier_id}.zip"
    return Response(
        buffer.getvalue(),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
