"""Builds started from the page: at most one running per dossier, followed by a progress page."""

from __future__ import annotations

import datetime as dt
import secrets
import threading
from dataclasses import dataclass, field

from ..build import adapted
from ..errors import Problem
from ..models import Dossier


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
    """Language of the labels: fr or en; None for the dossier's own language."""
    formats: tuple[str, ...] = ("pdf",)
    """pdf, odt, docx: the files to produce."""
    ui_lang: str = "en"
    """The language of the page that asked: a build's messages are in it."""


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


def prepared(dossier: Dossier, choices: Choices) -> Dossier:
    """The dossier as the rep asked for it: an establishment's variant, another date."""
    return adapted(dossier, choices.establishment, choices.meeting_date)
