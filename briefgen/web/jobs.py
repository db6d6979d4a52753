"""Builds started from the page, keyed by what was asked, followed by a progress page.

Two reps who ask the same thing of the same dossier at the same moment share one build;
two who ask different things (documents, formats, establishment, date, language) never
do.  A finished build keeps its files in memory only until they are fetched, or for a
while if they never are, so that a server left running does not grow with every build.
"""

from __future__ import annotations

import datetime as dt
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from concurrent.futures import Future
from dataclasses import dataclass, field, replace

from .. import press
from ..build import Built, Job, Options, adapted
from ..errors import Problem
from ..models import Dossier
from ..press import Printed, PrintJob
from ..warm import Ticket, WarmPool

KEPT_AFTER_FETCH = 120.0
"""Seconds a build is kept once all its files were fetched: time to fetch one again."""
KEPT_UNFETCHED = 30 * 60.0
"""Seconds a finished build whose files were not all fetched is kept."""
MAX_FINISHED = 16
"""Finished builds kept at most; past it, the oldest are dropped first."""
AT_ONCE = 2
"""Builds rendering at the same time; the others wait their turn (memory grows with each)."""
REMEMBERED_DROPPED = 1000
"""Ids of dropped builds remembered (the latest), to tell a rep who comes back that their
files are gone rather than that the page never existed."""


@dataclass
class BuildJob:
    """One build started from the page, followed by the progress page."""

    id: str
    dossier_id: str
    key: Hashable = None
    """What was asked (see `Choices.key`): two builds with the same key are one."""
    total: int = 0
    done: int = 0
    status: str = "running"  # running, done, failed
    files: dict[str, bytes] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    fetched: set[str] = field(default_factory=set)
    """The names of the files fetched at least once."""
    drop_at: float | None = None
    """When the build is forgotten (None while it runs)."""
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)
    """Told when a document is done and when the build ends."""

    def progressed(self, done: int) -> None:
        """`done` documents are rendered: those who wait for news are told."""
        with self.changed:
            self.done = done
            self.changed.notify_all()

    def wait(self, seen: int, timeout: float) -> None:
        """Return once the build is over or has more than `seen` documents done, or after
        `timeout` seconds (the progress page asks again at once: no time lost polling)."""
        with self.changed:
            self.changed.wait_for(lambda: self.status != "running" or self.done > seen, timeout)


@dataclass(frozen=True)
class Choices:
    """What the rep picked in the form."""

    docs: tuple[str, ...]
    establishment: str | None
    meeting_date: dt.date | None
    lang: str | None
    """Language of the labels: fr or en; None for the dossier's own language."""
    formats: tuple[str, ...] = ("pdf",)
    """pdf, odt, docx: the files to produce."""
    ui_lang: str = "en"
    """The language of the page that asked: a build's messages are in it."""

    def key(self, dossier_id: str, digest: str) -> Hashable:
        """What identifies this request: these choices, of this dossier as it is now."""
        return (dossier_id, digest, self)


class Builds:
    """The builds under way and those finished whose files are still to be fetched."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.jobs: dict[str, BuildJob] = {}
        self.running: dict[Hashable, str] = {}
        """The build under way for each request, by its key."""
        self.lock = threading.Lock()
        self.slots = threading.BoundedSemaphore(AT_ONCE)
        """Held while a build renders."""
        self.clock = clock
        self.dropped: dict[str, str] = {}
        """The dossier of each build dropped lately, by the build's id, oldest first."""

    def start(self, dossier_id: str, key: Hashable) -> tuple[BuildJob, bool]:
        """The build under way for this very request, or a new one (and whether it is new)."""
        with self.lock:
            self._drop_old()
            current = self.running.get(key)
            if current is not None:
                return self.jobs[current], False
            job = BuildJob(secrets.token_urlsafe(8), dossier_id, key)
            self.jobs[job.id] = job
            self.running[key] = job.id
            return job, True

    def finish(self, job: BuildJob) -> None:
        """Mark a build as over: no later request joins it, and it is dropped in time."""
        with self.lock:
            self.running.pop(job.key, None)
            job.drop_at = self.clock() + KEPT_UNFETCHED
            self._shorten(job)
            self._drop_old()
        with job.changed:
            job.changed.notify_all()

    def get(self, job_id: str) -> BuildJob | None:
        """A build still kept, by its id."""
        with self.lock:
            self._drop_old()
            return self.jobs.get(job_id)

    def was_dropped(self, dossier_id: str, job_id: str) -> bool:
        """Whether this dossier had this build and dropped it (since the server started)."""
        with self.lock:
            self._drop_old()
            return self.dropped.get(job_id) == dossier_id

    def fetched(self, job: BuildJob, names: list[str]) -> None:
        """Note that these files of a build were fetched; once all were, it is kept only
        for a short while."""
        with self.lock:
            job.fetched.update(names)
            self._shorten(job)

    def _shorten(self, job: BuildJob) -> None:
        """Keep a finished build only a short while once all its files were fetched."""
        if job.drop_at is not None and job.files and job.fetched >= set(job.files):
            job.drop_at = min(job.drop_at, self.clock() + KEPT_AFTER_FETCH)

    def _drop_old(self) -> None:
        """Forget the finished builds whose time is over, and the oldest past the limit."""
        now = self.clock()
        finished = sorted(
            (job for job in self.jobs.values() if job.drop_at is not None),
            key=lambda job: job.drop_at or 0.0,
        )
        for index, job in enumerate(finished):
            if (job.drop_at or 0.0) <= now or index < len(finished) - MAX_FINISHED:
                del self.jobs[job.id]
                self.dropped[job.id] = job.dossier_id
        while len(self.dropped) > REMEMBERED_DROPPED:
            del self.dropped[next(iter(self.dropped))]


KEPT_DOCUMENTS = 32
"""Documents made lately that are kept, to be given again if asked again unchanged."""
KEPT_DOCUMENT_BYTES = 64 * 1024 * 1024
"""At most this many bytes of them (the least lately asked go first)."""


class Made:
    """The documents this server made lately, by all they are made from (`key`): the
    dossier's content and the workspace's templates (`State.digest`), the document and its
    variant, the options, the meeting.  The pipeline gives the same bytes for the same
    inputs, so a document asked again unchanged (« Produire » twice, or after the panel
    showed it) is given as it was made."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Hashable, tuple[Built, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(digest: str, job: Job, options: Options) -> Hashable:
        """What a document is made from: labels asked in the dossier's own language are
        the labels it has by default, and its meeting is the one its dossier (adapted to
        the establishment and the date asked) holds."""
        asked = replace(options, lang=options.lang or job.dossier.lang)
        meeting = job.dossier.meeting.date
        return (digest, job.kind.name, job.filename, job.establishment, asked, meeting)

    def get(self, key: Hashable) -> Built | None:
        with self._lock:
            found = self._kept.get(key)
            if found is None:
                return None
            self._kept.move_to_end(key)
            return found[0]

    def put(self, key: Hashable, built: Built) -> None:
        size = sum(len(data) for data in built.files.values())
        if size > KEPT_DOCUMENT_BYTES:
            return
        with self._lock:
            if key in self._kept:
                self._bytes -= self._kept.pop(key)[1]
            self._kept[key] = (built, size)
            self._bytes += size
            while len(self._kept) > KEPT_DOCUMENTS or self._bytes > KEPT_DOCUMENT_BYTES:
                self._bytes -= self._kept.popitem(last=False)[1][1]


def print_soon(pool: WarmPool, job: PrintJob, ticket: Ticket | None) -> Future[Printed]:
    """Send a page to be printed as `ticket`'s render.  When its fitter will search from the
    scale the document had last (an edit since), a second worker lays the scale above out
    meanwhile (`press.probe`): the fitter, finding it overflows, need not lay it out too."""
    printing = pool.submit_as(ticket, press.run, job)
    scale = press.next_scale(job)
    if scale is not None and ticket is not None:
        pool.probe(press.probe, job, scale, ticket=ticket)
    return printing


def prepared(dossier: Dossier, choices: Choices) -> Dossier:
    """The dossier as the rep asked for it: an establishment's variant, another date."""
    return adapted(dossier, choices.establishment, choices.meeting_date)
