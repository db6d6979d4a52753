"""`briefgen serve`: a local web page that does, with buttons, what build and check do.

The page renders through the same pipeline and sandbox as the command line.
It listens on 127.0.0.1 unless told otherwise, names dossiers only from the
workspace's own list, protects its forms against cross-site requests, and
runs at most one build per dossier at a time.
"""

from __future__ import annotations

import datetime as dt
import hmac
import io
import secrets
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, Response, abort, redirect, render_template, request, session, url_for

from .build import DOCUMENTS, Job, Options, plan, render_all, runnable_kinds, variant, write_all
from .errors import BriefgenError, Problem
from .lint import check_dossier
from .load import read_dossier
from .models import Dossier
from .workspace import Workspace

WEB_DIR = Path(__file__).resolve().parent / "webui"

RULES_FR = {
    "E001": "Fichier illisible (syntaxe YAML, encodage, taille, clé en double)",
    "E002": "Champ manquant, mal orthographié ou de mauvais type",
    "E101": "Référence à un identifiant qui n'existe pas",
    "E102": "Identifiant utilisé deux fois",
    "E103": "Fait sans source (et qui n'est pas une position syndicale)",
    "E104": "Position syndicale qui cite des sources",
    "E105": "Élément qui ne sert nulle part (source, fait ou texte de loi)",
    "E106": "Fait qui ne repose que sur des commentaires de lecteurs : à marquer non vérifié",
    "W201": "Les sources divergent : le document le signale",
    "W202": "Des faits sur un même sujet divergent sans que la divergence soit déclarée",
    "W301": "Fait ancien : vérifier qu'il est toujours vrai",
    "W302": "Date postérieure à la séance",
    "W303": "La date de la séance est passée",
    "W401": "Question à la direction sans fait qui la motive",
    "W402": "Question à la direction sans fondement juridique",
}
KIND_LABELS = {
    "note": "Note de briefing (élus)",
    "tract": "Tract (tous les salariés)",
    "declaration": "Déclaration liminaire",
    "questions": "Questions écrites",
    "avis": "Projet d'avis motivé",
}


@dataclass
class BuildJob:
    """One build started from the page, followed by the progress page."""

    id: str
    dossier_id: str
    total: int = 0
    done: int = 0
    status: str = "running"  # running, done, failed
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Choices:
    """What the rep picked in the form."""

    docs: list[str]
    establishment: str | None
    meeting_date: dt.date | None
    lang: str | None
    """fr or en; None for the dossier's own language."""


class Builds:
    """The builds under way and done; at most one running per dossier."""

    def __init__(self) -> None:
        self.jobs: dict[str, BuildJob] = {}
        self.running: dict[str, str] = {}
        self.lock = threading.Lock()

    def start(self, dossier_id: str) -> tuple[BuildJob, bool]:
        """The running build of this dossier, or a new one (and whether it is new)."""
        with self.lock:
            current = self.running.get(dossier_id)
            if current is not None:
                return self.jobs[current], False
            job = BuildJob(secrets.token_urlsafe(8), dossier_id)
            self.jobs[job.id] = job
            self.running[dossier_id] = job.id
            return job, True

    def finish(self, job: BuildJob) -> None:
        with self.lock:
            self.running.pop(job.dossier_id, None)


def _prepared(dossier: Dossier, choices: Choices) -> Dossier:
    """The dossier as the rep asked for it: an establishment's variant, another date."""
    if choices.establishment:
        entries = {e.id: e for e in dossier.establishments}
        if choices.establishment not in entries:
            raise BriefgenError(Problem(f"unknown establishment '{choices.establishment}'"))
        dossier = variant(dossier, entries[choices.establishment])
    if choices.meeting_date:
        meeting = dossier.meeting.model_copy(
            update={"date": choices.meeting_date, "questions_by": None}
        )
        dossier = dossier.model_copy(update={"meeting": meeting})
    return dossier


def create_app(workspace: Workspace, today: dt.date | None = None) -> Flask:
    """The web application for one workspace."""
    app = Flask(__name__, template_folder=str(WEB_DIR), static_folder=str(WEB_DIR / "static"))
    app.secret_key = secrets.token_bytes(32)
    app.config.update(SESSION_COOKIE_SAMESITE="Strict", SESSION_COOKIE_HTTPONLY=True)
    builds = Builds()

    @app.template_filter("where")
    def where(problem: Problem) -> str:
        """Where a problem is, relative to the workspace: file, line and field."""
        file = problem.file or ""
        path = Path(file)
        if path.is_absolute() and path.is_relative_to(workspace.root):
            file = str(path.relative_to(workspace.root))
        parts = [file, f"ligne {problem.line}" if problem.line else "", problem.field or ""]
        return " · ".join(part for part in parts if part)

    def dossier_dir(dossier_id: str) -> Path:
        if dossier_id not in workspace.dossiers():  # never a path from the request
            abort(404)
        return workspace.seeds / dossier_id

    def csrf_token() -> str:
        if "csrf" not in session:
            session["csrf"] = secrets.token_urlsafe(32)
        return str(session["csrf"])

    def check_csrf() -> None:
        sent = request.form.get("csrf", "")
        expected = session.get("csrf", "")
        if not expected or not hmac.compare_digest(sent, expected):
            abort(403, "jeton de formulaire invalide : rechargez la page")
        origin = request.headers.get("Origin")
        if origin and origin.rstrip("/") != request.host_url.rstrip("/"):
            abort(403, "requête venue d'un autre site")

    def choices_from(values: Any) -> Choices:
        docs = [d for d in values.getlist("doc") if d in DOCUMENTS] or list(DOCUMENTS)
        raw_date = values.get("meeting_date") or ""
        try:
            meeting_date = dt.date.fromisoformat(raw_date) if raw_date else None
        except ValueError:
            abort(400, "date de séance invalide")
        lang = values.get("lang") if values.get("lang") in ("fr", "en") else None
        return Choices(docs, values.get("establishment") or None, meeting_date, lang)

    @app.after_request
    def headers(response: Response) -> Response:
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            "script-src 'self'; frame-ancestors 'self'",
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        return response

    @app.get("/")
    def index() -> str:
        return render_template("index.html", dossiers=workspace.dossiers())

    def findings(folder: Path) -> tuple[Dossier | None, list[Problem]]:
        return check_dossier(folder, today or dt.date.today())

    @app.get("/d/<dossier_id>")
    def dossier_page(dossier_id: str) -> str:
        folder = dossier_dir(dossier_id)
        dossier, problems = findings(folder)
        return render_template(
            "dossier.html",
            dossier_id=dossier_id,
            dossier=dossier,
            errors=[p for p in problems if p.severity == "error"],
            divergences=[p for p in problems if p.code == "W201"],
            warnings=[p for p in problems if p.severity == "warning" and p.code != "W201"],
            rules=RULES_FR,
            kinds=KIND_LABELS,
            runnable=runnable_kinds(dossier, [])[0] if dossier else [],
            csrf=csrf_token(),
        )

    @app.get("/d/<dossier_id>/preview/<kind>")
    def preview(dossier_id: str, kind: str) -> Response:
        from .build import render_document

        folder = dossier_dir(dossier_id)
        if kind not in DOCUMENTS:
            abort(404)
        try:
            choices = choices_from(request.args)
            dossier = _prepared(read_dossier(folder)[0], choices)
            built = render_document(
                dossier, DOCUMENTS[kind], Options(formats=("html",), lang=choices.lang), workspace
            )
        except BriefgenError as error:
            return Response(
                render_template(
                    "problems.html", problems=error.problems, rules=RULES_FR, dossier_id=dossier_id
                ),
                status=422,
            )
        return Response(built.files["html"], mimetype="text/html")

    @app.get("/d/<dossier_id>/preview/<path:asset>")
    def preview_asset(dossier_id: str, asset: str) -> Response:
        dossier_dir(dossier_id)
        path = workspace.resolve(asset)
        if path is None:
            abort(404)
        return Response(path.read_bytes(), mimetype=workspace.media_type(path))

    def run_build(job: BuildJob, folder: Path, loaded: Dossier, choices: Choices) -> None:
        try:
            dossier = _prepared(loaded, choices)
            kinds, _ = runnable_kinds(dossier, [k for k in choices.docs if k in DOCUMENTS])
            kinds = [k for k in kinds if k in choices.docs]
            jobs: list[Job] = plan(dossier, kinds)
            suffix = f"-{choices.establishment}" if choices.establishment else ""
            job.total = len(jobs)

            def progress(_: Job, done: int, total: int) -> None:
                job.done = done

            built = render_all(
                jobs,
                Options(formats=("pdf",), lang=choices.lang),
                workspace,
                str(folder / "dossier.yaml"),
                None,
                progress,
            )
            files = {f"{b.filename}{suffix}.pdf": b.files["pdf"] for b in built}
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
            builds.finish(job)

    @app.post("/d/<dossier_id>/build")
    def start_build(dossier_id: str) -> Any:
        check_csrf()
        folder = dossier_dir(dossier_id)
        choices = choices_from(request.form)
        loaded, problems = findings(folder)
        errors = [p for p in problems if p.severity == "error"]
        if loaded is None or errors:
            return Response(
                render_template(
                    "problems.html", problems=errors, rules=RULES_FR, dossier_id=dossier_id
                ),
                status=422,
            )
        job, new = builds.start(dossier_id)
        if new:
            threading.Thread(
                target=run_build, args=(job, folder, loaded, choices), daemon=True
            ).start()
        return redirect(url_for("build_page", dossier_id=dossier_id, job_id=job.id), code=303)

    def get_job(dossier_id: str, job_id: str) -> BuildJob:
        job = builds.jobs.get(job_id)
        if job is None or job.dossier_id != dossier_id:
            abort(404)
        return job

    @app.get("/d/<dossier_id>/build/<job_id>")
    def build_page(dossier_id: str, job_id: str) -> str:
        job = get_job(dossier_id, job_id)
        return render_template("build.html", job=job, dossier_id=dossier_id, rules=RULES_FR)

    @app.get("/d/<dossier_id>/build/<job_id>/status")
    def build_status(dossier_id: str, job_id: str) -> dict[str, Any]:
        job = get_job(dossier_id, job_id)
        return {"status": job.status, "done": job.done, "total": job.total}

    @app.get("/d/<dossier_id>/build/<job_id>/file/<name>")
    def download(dossier_id: str, job_id: str, name: str) -> Response:
        job = get_job(dossier_id, job_id)
        if name not in job.files:
            abort(404)
        return Response(
            job.files[name],
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )

    @app.get("/d/<dossier_id>/build/<job_id>/all.zip")
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

    return app
