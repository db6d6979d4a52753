"""The printing end of a build: a page's HTML → the layout that keeps to its page budget →
PDF bytes.

A worker process of `briefgen build` imports this module and WeasyPrint only, not the
pipeline: the main process makes the page (context, Markdown, typography, templates) and
sends it as a `PrintJob`, plain data.  The type scale is a single value in the page (the
style attribute of `class="scaled"`), so the page at any scale is made here from the page
at scale 1 by inserting that attribute (`PrintJob.at`), without the templates.

The fitter's choice is a pure function of its inputs (the page at scale 1, stylesheets
included; the files it fetches; WeasyPrint's version; the variant; the budget): a `Memo`
remembers it under a hash of them, so that the same document built again is laid out once,
at that scale, rather than searched for.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import threading
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .errors import RenderError
from .i18n import Text, lazy
from .warm import Probe, checkpoint, probed, probing, record_probe

if TYPE_CHECKING:
    from .pdf import Layout


FIT_STEP = 0.025
"""The fitter's steps of type scale: the scales it may choose are multiples of it."""


@dataclass(frozen=True)
class TypeFit:
    """The body type sizes, in points, a document may be set in to fill its page budget:
    its size at scale 1 (print.css's), the smallest and the largest the fitter may choose."""

    size: float
    smallest: float
    largest: float

    def scales(self) -> tuple[float, ...]:
        """The scales the fitter may choose, in steps of FIT_STEP, smallest first."""
        low = math.ceil(self.smallest / self.size / FIT_STEP - 1e-9)
        high = math.floor(self.largest / self.size / FIT_STEP + 1e-9)
        return tuple(round(step * FIT_STEP, 3) for step in range(low, high + 1))


class Budgeted(Protocol):
    """What the fitter needs of a kind of document (build.DocumentKind, or a `Budget`)."""

    @property
    def name(self) -> str: ...

    @property
    def max_pages(self) -> int | None: ...

    @property
    def fit(self) -> TypeFit | None: ...


@dataclass(frozen=True)
class Budget:
    """A kind of document's page budget, as plain data a worker process receives."""

    name: str
    max_pages: int | None = None
    fit: TypeFit | None = None


def _next_scale(scales: tuple[float, ...], measured: list[tuple[float, float]], room: float) -> int:
    """The index in `scales` of the largest scale at which the text would just fill `room`
    points, from the points it took (`measured`: scale and room used, latest last).

    The room a text takes grows as a power of its type's size: about the square (lines
    grow longer in words and taller) for a long text, less for a short one whose spacing
    and short lines weigh more.  The power is measured from the last two layouts, or
    taken to be 2 after the first.
    """
    scale, used = measured[-1]
    power = 2.0
    if len(measured) > 1:
        before, used_before = measured[-2]
        if used != used_before:
            power = min(max(math.log(used / used_before) / math.log(scale / before), 0.5), 3.0)
    target = scale * (room / used) ** (1 / power)
    return bisect_right(scales, target + 1e-9) - 1


def fit(
    kind: Budgeted,
    measure: Callable[[float], Layout | Probe],
    template: str,
    start: float | None = None,
) -> tuple[float, Layout, int]:
    """The largest of the kind's type scales that keeps it to its page budget, the layout
    at that scale, and how many layouts it took to find it.

    The first layout is at scale 1, or at `start` (the scale chosen last time) when it is
    one of the kind's; each next one at the scale the layouts so far point to, kept
    strictly between the largest scale known to fit and the smallest known to overflow,
    until they are neighbours: the result is the one trying every scale would give, as
    type set larger never takes fewer pages.  Raises RenderError if even the smallest
    scale overflows.
    """
    if kind.fit is None or kind.max_pages is None:
        only = measure(1.0)
        assert not isinstance(only, Probe)  # a probe stands only for a scale that overflows
        return 1.0, only, 1
    scales = kind.fit.scales()
    fits, overflows = -1, len(scales)
    tried: dict[int, Layout | Probe] = {}
    measured: list[tuple[float, float]] = []
    if start is not None and start in scales:
        index = scales.index(start)
    else:
        index = min(max(bisect_right(scales, 1.0) - 1, 0), len(scales) - 1)
    while overflows - fits > 1:
        layout = tried[index] = measure(scales[index])
        if layout.pages <= kind.max_pages:
            fits = index
        else:
            overflows = index
        measured.append((scales[index], layout.pages * layout.page_height - layout.free))
        guess = _next_scale(scales, measured, kind.max_pages * layout.page_height)
        index = min(max(guess, fits + 1), overflows - 1)
    if fits < 0:
        raise RenderError.at(
            lazy(
                "the %(document)s runs to %(pages)s pages even in smaller type "
                "(at most %(limit)s); shorten its text in the dossier",
                document=kind.name,
                pages=tried[0].pages,
                limit=kind.max_pages,
            ),
            template,
        )
    chosen = tried[fits]
    assert not isinstance(chosen, Probe)  # a probe stands only for a scale that overflows
    return scales[fits], chosen, len(tried)


@dataclass(frozen=True)
class Resolver:
    """`Workspace.resolve` as plain data, for a worker process that does not import the
    workspace's module: the file a document may use at `relative` (templates/… in the
    template folders, first match wins; assets/… in the assets folder), if any."""

    template_dirs: tuple[Path, ...]
    assets: Path

    def __call__(self, relative: str) -> Path | None:
        parts = Path(relative).parts
        if len(parts) < 2 or ".." in parts or Path(relative).is_absolute():
            return None
        folders = {"templates": self.template_dirs, "assets": (self.assets,)}.get(parts[0], ())
        for folder in folders:
            candidate = (folder / Path(*parts[1:])).resolve()
            if folder.resolve() in candidate.parents and candidate.is_file():
                return candidate
        return None


SCALE_ATTRIBUTE = ' style="font-size: {:.3f}em"'
"""What the layout template adds to `class="scaled"` at a scale other than 1."""


def scale_point(at_one: str, at_probe: str, probe: float) -> int | None:
    """Where in `at_one` (the page at scale 1) the scale's attribute goes, if the page at
    scale `probe` is exactly `at_one` with that attribute there, else None (a workspace's
    layout that shows the scale otherwise: the pages are then made by the templates)."""
    attribute = SCALE_ATTRIBUTE.format(probe)
    point = at_probe.find(attribute)
    if point < 0 or at_probe.count(attribute) != 1:
        return None
    if at_probe[:point] + at_probe[point + len(attribute) :] != at_one:
        return None
    return point


MEMO_KEPT = 64
"""Choices a memo keeps (the latest): every edit of a document makes a new one, and a
server runs for hours."""


@dataclass
class Memo:
    """The fitter's choices, by a hash of all they depend on (`decisions`: the scale and the
    digests of the files the layout fetched; the latest MEMO_KEPT), and the scale each
    document had last (`last`, where the fitter starts when the page has changed)."""

    decisions: dict[str, dict[str, Any]] = field(default_factory=dict)
    last: dict[str, float] = field(default_factory=dict)
    lock: threading.Lock = field(
        default_factory=threading.Lock, repr=False, compare=False, init=False
    )

    FILE = Path(".briefgen-fit.json")
    """Where `briefgen build` keeps it, in its output folder (beside the manifest of
    briefgen/cache.py)."""
    OFF = "BRIEFGEN_FIT_MEMO"
    """Environment variable: set to 0 to ignore the remembered choices (not the last scales)."""

    @classmethod
    def load(cls, out_dir: Path) -> Memo:
        """The memo kept in `out_dir`, or an empty one (none, or unreadable)."""
        try:
            data = json.loads((out_dir / cls.FILE).read_text(encoding="utf-8"))
            decisions = {str(k): dict(v) for k, v in data["decisions"].items()}
            last = {str(k): float(v) for k, v in data["last"].items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return cls()
        return cls(decisions, last)

    def save(self, out_dir: Path) -> None:
        """Keep the memo in `out_dir` (written beside, then renamed into place)."""
        target = out_dir / self.FILE
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        with self.lock:
            data = {"decisions": dict(self.decisions), "last": dict(self.last)}
        temporary.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
        temporary.replace(target)

    def remember(self, printed: Printed, document: str) -> None:
        """Add what a print job found (the oldest choices go past MEMO_KEPT)."""
        if printed.decision is None:
            return
        key, decision = printed.decision
        with self.lock:
            self.decisions.pop(key, None)
            self.decisions[key] = decision
            while len(self.decisions) > MEMO_KEPT:
                del self.decisions[next(iter(self.decisions))]
            self.last.pop(document, None)
            self.last[document] = printed.scale
            while len(self.last) > MEMO_KEPT:
                del self.last[next(iter(self.last))]

    def known(self, key: str) -> dict[str, dict[str, Any]]:
        """The choice remembered for `key`, alone (what a print job carries), if any."""
        with self.lock:
            found = self.decisions.get(key)
            return {} if found is None else {key: found}


@dataclass(frozen=True)
class PrintJob:
    """A page to lay out within its budget and, if `write`, to write as a PDF."""

    html: str
    """The page at scale 1."""
    point: int | None
    """Where a scale's attribute goes in `html` (see `scale_point`); None: `pages` holds
    the page at every scale."""
    pages: Mapping[float, str]
    base_dir: Path
    resolve: Callable[[str], Path | None]
    source_name: str
    budget: Budgeted
    variant: str
    write: bool
    attachments: Sequence[tuple[str, bytes, str]] = ()
    created: str | None = None
    document: str = ""
    """Names the document across builds (dossier, kind, variant), for `Memo.last`."""
    decisions: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    """The memo's remembered choice for this page, if any (empty: the fitter searches)."""
    last: float | None = None
    """The scale the document had last time, where the fitter starts."""
    memo_key: str = ""
    """`fingerprint()`, when the job is made with a memo ("" without)."""

    def at(self, scale: float) -> str:
        """The page at `scale`."""
        if self.point is None:
            return self.pages[scale]
        if scale == 1:
            return self.html
        return self.html[: self.point] + SCALE_ATTRIBUTE.format(scale) + self.html[self.point :]

    def fingerprint(self) -> str:
        """Hash of everything the fitter's choice depends on but the fetched files."""
        digest = hashlib.sha256()
        pages = (
            [self.html] if self.point is not None else [self.pages[s] for s in sorted(self.pages)]
        )
        scales = self.budget.fit.scales() if self.budget.fit else ()
        head = [*_versions(), self.variant, self.budget.max_pages]
        digest.update(json.dumps([*head, scales, self.point, len(pages)]).encode())
        for page in pages:
            digest.update(hashlib.sha256(page.encode()).digest())
        return digest.hexdigest()


@lru_cache(maxsize=1)
def _versions() -> tuple[str, str]:
    """WeasyPrint's and pydyf's versions, from their metadata (neither is imported)."""
    from importlib.metadata import version

    return version("weasyprint"), version("pydyf")


@dataclass(frozen=True)
class Printed:
    """What a print job made: the PDF (if asked), its scale, how many layouts it took, and
    the choice to remember (key and decision), if the memo may keep it."""

    pdf: bytes | None
    warnings: list[Text]
    scale: float
    layouts: int
    decision: tuple[str, dict[str, Any]] | None = None


def _unchanged(job: PrintJob, files: object) -> bool:
    """Whether the files a remembered layout fetched (path: SHA-256) are as they were."""
    if not isinstance(files, dict):
        return False
    for relative, digest in files.items():
        target = job.resolve(str(relative))
        try:
            if target is None or hashlib.sha256(target.read_bytes()).hexdigest() != digest:
                return False
        except OSError:
            return False
    return True


def run(job: PrintJob, fitter: Callable[..., tuple[float, Layout, int]] = fit) -> Printed:
    """Lay `job`'s page out at the largest scale that keeps to its budget (the remembered
    one, checked, when the memo knows the page) and write the PDF if asked."""
    from .pdf import lay_out, write_pdf

    served: dict[str, str] = {}
    laid_out = 0

    def measure(scale: float) -> Layout | Probe:
        nonlocal laid_out
        checkpoint()  # a newer request for this document stops it here
        found = probed(scale)
        if found is not None and job.budget.max_pages and found.pages > job.budget.max_pages:
            return found  # another worker found it overflows: never the one written
        laid_out += 1
        return lay_out(
            job.at(scale), job.base_dir, job.resolve, job.source_name, job.variant, served
        )

    budgeted = job.budget.fit is not None and job.budget.max_pages is not None
    key = job.memo_key if budgeted and job.memo_key else None
    known = job.decisions.get(key) if key else None
    found: tuple[float, Layout | Probe, int] | None = None
    scale = known.get("scale") if known is not None else None
    scales = job.budget.fit.scales() if job.budget.fit is not None else ()
    if (
        known is not None
        and isinstance(scale, float)
        and scale in scales  # never a scale the fitter could not have chosen
        and _unchanged(job, known.get("files"))
    ):
        layout = measure(scale)
        assert job.budget.max_pages is not None
        if layout.pages <= job.budget.max_pages:
            found = scale, layout, 1
    if found is None:
        hint = {"start": job.last} if job.last else {}
        found = fitter(job.budget, measure, job.source_name, **hint)
        decision = (key, {"scale": found[0], "files": dict(served)}) if key else None
    else:
        decision = (key, dict(known or {})) if key else None
    scale, layout, _tried = found
    layouts = laid_out
    assert not isinstance(layout, Probe)  # a probe stands only for a scale that overflows
    pdf: bytes | None = None
    warnings: list[Text] = []
    if job.write:
        checkpoint()
        written = write_pdf(layout, job.attachments, job.created)
        pdf, warnings = written.data, written.warnings
    return Printed(pdf, warnings, scale, layouts, decision)


def next_scale(job: PrintJob) -> float | None:
    """The scale above the one the document had last, when its fitter will search (no
    remembered choice): the layout a second worker can make meanwhile (`probe`)."""
    scales = job.budget.fit.scales() if job.budget.fit is not None else ()
    if job.decisions or job.last is None or job.last not in scales:
        return None
    above = scales.index(job.last) + 1
    return scales[above] if above < len(scales) else None


def probe(job: PrintJob, scale: float) -> None:
    """Lay `job`'s page out at `scale` for the worker that prints it (see `warm.Probe`)."""
    from .pdf import lay_out

    checkpoint()
    probing(scale)
    try:
        layout = lay_out(job.at(scale), job.base_dir, job.resolve, job.source_name, job.variant)
    except BaseException:
        record_probe(Probe(scale, 0, 0.0, 0.0))  # no overflow said: the fitter lays it out
        raise
    record_probe(Probe(scale, layout.pages, layout.page_height, layout.free))
