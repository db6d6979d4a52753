"""Orchestration: which documents, from which dossier, written where.

Every file of a build is rendered in memory first, then written beside its
target and renamed into place: a failed build leaves earlier output intact.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import office, provenance, typography
from .atomic import PRIVATE, write_all
from .context import DocView, build_context
from .errors import InputError
from .i18n import Text, lazy
from .layout import PageMeta, page, standalone
from .load import display_path
from .markdown import to_html
from .models import Audience, Dossier, Establishment, KeyPoint, Visibility
from .paths import find_template_file
from .press import Budget, Memo, Printed, PrintJob, Resolver, TypeFit, fit, scale_point
from .press import run as press
from .templating import load_labels, markdown_environment, render, tagged_labels
from .workspace import Workspace

BODY_PT = 9.3
"""Body type size, in points, that print.css gives every document (`html { font-size }`)."""
DECLARATION_PT = BODY_PT * 1.1
"""The opening statement's body size: print.css sets its text 1.1 times the body size."""
TRACT_PT = BODY_PT * 1.3
"""The tract's body size at scale 1: print.css sets its text 1.3 times the body size."""


TRACT_FIT = TypeFit(TRACT_PT, smallest=DECLARATION_PT, largest=18.0)
"""The tract fills its page, in type never smaller than the opening statement's (read by
everyone, it is not the small print) nor larger than 18 pt (beyond, a poster)."""
DECLARATION_FIT = TypeFit(DECLARATION_PT, smallest=0.8 * DECLARATION_PT, largest=DECLARATION_PT)
"""The opening statement keeps to its pages in type down to 0.8 times its own, never larger."""


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document briefgen makes from a dossier."""

    name: str
    template: str
    filename: str
    audience: Audience
    max_pages: int | None = None
    requires: str | None = None
    """Dossier section the document cannot be made without (tract, declaration…)."""
    fit: TypeFit | None = None
    """The type sizes that keep the document to `max_pages` (None: scale 1 only)."""
    asked: bool = False
    """Whether only the questions asked by the meeting's date count (the register)."""


DOCUMENTS = {
    kind.name: kind
    for kind in (
        DocumentKind("note", "note-de-briefing.md.j2", "note-de-briefing", Audience.reps),
        DocumentKind("tract", "tract.md.j2", "tract", Audience.public, 1, "tract", TRACT_FIT),
        DocumentKind(
            "declaration",
            "declaration-liminaire.md.j2",
            "declaration-liminaire",
            Audience.public,
            2,
            "declaration",
            DECLARATION_FIT,
        ),
        DocumentKind(
            "questions",
            "questions-ecrites.md.j2",
            "questions-ecrites",
            Audience.public,
            None,
            "questions",
        ),
        DocumentKind("avis", "projet-avis.md.j2", "projet-avis", Audience.public, None, "opinion"),
        DocumentKind(
            "registre", "registre.md.j2", "registre", Audience.public, None, "questions", asked=True
        ),
    )
}

CHANGES = DocumentKind("changes", "changes.md.j2", "ce-qui-a-change", Audience.reps)
"""What changed since the last meeting: made by `briefgen diff --doc changes`, from two
versions of a dossier, not by `build`."""


@dataclass(frozen=True)
class Options:
    """How to build: formats, language of the labels, PDF variant, creation date."""

    formats: tuple[str, ...] = ("pdf",)
    lang: str | None = None
    """Language of the labels; None: the dossier's.  The dossier's text keeps its own."""
    pdf_variant: str = "pdf/ua-1"
    created: str | None = None
    """Creation date stamped in the documents (ISO 8601); default: see `creation_date`."""
    trace: bool | None = None
    """Print the trace line in the footer; None: as briefgen.toml's [output] trace says."""


def creation_date(dossier: Dossier, environ: Mapping[str, str] = os.environ) -> str:
    """The date stamped in the documents: SOURCE_DATE_EPOCH if set, else the dossier's date.

    Fixing it (rather than reading the clock) makes two builds byte-identical.
    """
    epoch = environ.get("SOURCE_DATE_EPOCH")
    if epoch is None:
        return dossier.date.isoformat()
    try:
        moment = datetime.fromtimestamp(int(epoch), tz=UTC)
    except (ValueError, OverflowError, OSError):
        raise InputError.at(
            lazy("SOURCE_DATE_EPOCH must be a number of seconds, not %(value)s", value=repr(epoch))
        ) from None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Built:
    """A rendered document: its files' contents by format, and renderer warnings."""

    kind: DocumentKind
    files: dict[str, bytes]
    warnings: list[Text]
    filename: str = ""
    """File name without extension (the kind's, or the kind's and a variant's)."""
    layouts: int = 0
    """How many times the PDF was laid out to fit its page budget (0: no PDF)."""


def document_context(
    dossier: Dossier,
    kind: DocumentKind,
    labels: Mapping[str, str],
    labels_lang: str,
    workspace: Workspace,
    contact: str | None = None,
) -> dict[str, Any]:
    """What the template of `kind` sees: the dossier's context, the labels (tagged with
    their language when it is not the dossier's), the document and the workspace's branding.

    The tract's contact line is, most specific first: `contact` (an establishment's),
    briefgen.toml's, the dossier's.
    """
    labels = tagged_labels(labels, labels_lang, dossier.lang)
    context = build_context(dossier, kind.audience)
    branding = workspace.branding()
    contact = contact or branding.contact
    if context.tract and contact:
        context = context.model_copy(
            update={"tract": context.tract.model_copy(update={"contact": contact})}
        )
    return {
        **dict(context),
        "labels": labels,
        "branding": branding,
        "doc": DocView.model_construct(
            name=kind.name, title=labels[f"{kind.name}_title"], audience=kind.audience.value
        ),
    }


def _markdown(
    dossier: Dossier,
    kind: DocumentKind,
    lang: str,
    workspace: Workspace,
    contact: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """A document's Markdown, with labels in `lang` and the dossier's text in its own; the
    context it was rendered from, and the labels (untagged, for the page furniture)."""
    labels = load_labels(lang, workspace.template_dirs)
    context = {
        **document_context(dossier, kind, labels, lang, workspace, contact),
        **(extra or {}),
    }
    environment = markdown_environment(dossier.lang, workspace.template_dirs)
    return render(environment, kind.template, context), context, labels


def lacks_section(dossier: Dossier, kind: DocumentKind) -> bool:
    """Whether the dossier lacks what the document is made of: its section (the tract
    without `tract`…), or, for a list (the written questions), an item its audience may
    read."""
    if not kind.requires:
        return False
    value = getattr(dossier, kind.requires)
    if isinstance(value, list):
        visible = Visibility(dossier, kind.audience)
        return not any(visible(item) and _counts(dossier, kind, item) for item in value)
    return value is None


def _counts(dossier: Dossier, kind: DocumentKind, item: object) -> bool:
    """Whether a visible item of the document's list makes it worth making: any, or, for
    the register, a question asked by the meeting's date."""
    if not kind.asked:
        return True
    asked_on: date | None = getattr(item, "asked_on", None)
    return asked_on is not None and asked_on <= dossier.meeting.date


def _require_section(dossier: Dossier, kind: DocumentKind, source: str) -> None:
    """Refuse a document whose section the dossier lacks (see `lacks_section`)."""
    if lacks_section(dossier, kind):
        raise InputError.at(
            lazy(
                "the %(document)s needs a question asked by the meeting's date (asked_on)",
                document=kind.name,
            )
            if kind.asked
            else lazy(
                "the %(document)s needs a '%(section)s' section in the dossier",
                document=kind.name,
                section=kind.requires,
            ),
            source,
            None,
            kind.requires,
        )


def _page_meta(
    dossier: Dossier,
    kind: DocumentKind,
    labels: Mapping[str, str],
    branding_name: str | None,
    created: str,
    options: Options,
    workspace: Workspace,
    digest: str,
    establishment: str | None,
) -> PageMeta:
    """The document's metadata and page furniture: title, author, keywords, and the trace
    line (`digest`, and the establishment's name in its variant) unless the options or
    briefgen.toml turn it off."""
    trace = workspace.config.output.trace if options.trace is None else options.trace
    name = typography.text(dossier.meeting.establishment or "", dossier.lang)
    trace_line = provenance.trace_line(dossier, digest, name if establishment else None)
    title = labels[f"{kind.name}_title"]
    return PageMeta(
        title=f"{title} · {dossier.title}",
        lang=dossier.lang,
        author=branding_name or " · ".join(dossier.meeting.unions),
        subject=dossier.meeting.agenda_item,
        keywords=[dossier.organisation, dossier.meeting.instance, *dossier.meeting.unions, title],
        kind=kind.name,
        running_title=dossier.title,
        created=created,
        trace=trace_line if trace else "",
    )


def render_document(
    dossier: Dossier,
    kind: DocumentKind,
    options: Options,
    workspace: Workspace,
    source: str = "dossier",
    contact: str | None = None,
    establishment: str | None = None,
    extra: Mapping[str, Any] | None = None,
    digest: str | None = None,
    memo: Memo | None = None,
) -> Built:
    """Run one document through the pipeline: context → Markdown → HTML → PDF.

    The PDF embeds the provenance record of the facts the document shows; the
    footer prints the trace line unless the options or briefgen.toml turn it off.
    Both identify the dossier by `digest`: the hash of the dossier as read, of
    which `dossier` may be a variant (default: `dossier`'s own).  `memo` remembers the
    fitter's choices (see `press.Memo`; None: the fitter searches every time).
    """
    prepared = prepare(
        dossier, kind, options, workspace, source, contact, establishment, extra, digest, memo
    )
    printed = None if prepared.job is None else press(prepared.job, fit)
    return prepared.finish(printed)


@dataclass(frozen=True)
class Prepared:
    """A document made up to its page: what is left to print (`job`: None when no PDF or
    fitted type is wanted), and what makes the document of what was printed."""

    job: PrintJob | None
    finish: Callable[[Printed | None], Built]


def prepare(
    dossier: Dossier,
    kind: DocumentKind,
    options: Options,
    workspace: Workspace,
    source: str = "dossier",
    contact: str | None = None,
    establishment: str | None = None,
    extra: Mapping[str, Any] | None = None,
    digest: str | None = None,
    memo: Memo | None = None,
    detached: bool = False,
) -> Prepared:
    """All of `render_document` that needs no WeasyPrint: the Markdown, the HTML and the
    page to print, at scale 1.  `detached`: the print job is plain data for a worker
    process that does not import this module (see `press`)."""
    _require_section(dossier, kind, source)
    lang = options.lang or dossier.lang
    dirs = workspace.template_dirs
    markdown_text, context, labels = _markdown(dossier, kind, lang, workspace, contact, extra)
    branding = context["branding"]
    shown = context["sources"].facts_shown()
    body = typography.apply(to_html(markdown_text), dossier.lang)
    created = options.created or creation_date(dossier)
    digest = digest or provenance.dossier_hash(dossier)
    meta = _page_meta(
        dossier, kind, labels, branding.name, created, options, workspace, digest, establishment
    )
    wanted_office = [fmt for fmt in office.FORMATS if fmt in options.formats]
    job = None
    if "pdf" in options.formats or (wanted_office and kind.fit is not None):
        template = display_path(find_template_file(kind.template, dirs) or Path(kind.template))
        # Web addresses get their break opportunities in the PDF's HTML only, never in the
        # HTML file or the office files.
        printed = typography.for_print(body)
        at_one = page(printed, meta, labels, dirs, branding)
        point: int | None = None
        pages: dict[float, str] = {1.0: at_one}
        if kind.fit is not None and kind.max_pages is not None:
            probe = 0.5
            point = scale_point(
                at_one, page(printed, replace(meta, scale=probe), labels, dirs, branding), probe
            )
            if point is None:  # a layout that shows the scale otherwise: every page made here
                pages = {
                    scale: page(printed, replace(meta, scale=scale), labels, dirs, branding)
                    for scale in kind.fit.scales()
                }
        attachments: list[tuple[str, bytes, str]] = []
        if "pdf" in options.formats:
            settings = {
                "lang": lang,
                "pdf_variant": options.pdf_variant,
                "created": created,
                "establishment": establishment,
                "meeting_date": dossier.meeting.date.isoformat(),
            }
            entry = provenance.record(
                dossier, kind.name, kind.audience.value, shown, settings, digest
            )
            attachments.append(
                (provenance.ATTACHMENT, provenance.to_bytes(entry), "Provenance of the facts")
            )
        document = "/".join([dossier.id, kind.name, establishment or "", options.pdf_variant])
        remembered = memo is not None and os.environ.get(Memo.OFF) != "0"
        job = PrintJob(
            at_one,
            point,
            pages,
            workspace.root,
            Resolver(dirs, workspace.assets) if detached else workspace.resolve,
            template,
            Budget(kind.name, kind.max_pages, kind.fit) if detached else kind,
            options.pdf_variant,
            "pdf" in options.formats,
            attachments,
            created,
            document if memo is not None else "",
            {},
            memo.last.get(document) if memo is not None else None,
        )
        if memo is not None and kind.fit is not None and kind.max_pages is not None:
            key = job.fingerprint()
            job = replace(job, memo_key=key, decisions=memo.known(key) if remembered else {})

    def finish(printed: Printed | None) -> Built:
        files = {"md": markdown_text.encode()}
        warnings: list[Text] = []
        layouts, scale = 0, 1.0
        if printed is not None:
            layouts, scale = printed.layouts, printed.scale
            if printed.pdf is not None:
                files["pdf"], warnings = printed.pdf, printed.warnings
            if memo is not None:
                memo.remember(printed, job.document if job else "")
        scaled = replace(meta, scale=scale)
        if "html" in options.formats:
            shown_as = scaled if "pdf" in options.formats else meta  # the PDF's type, when made
            html_page = page(body, shown_as, labels, dirs, branding)
            files["html"] = standalone(html_page, workspace.resolve, workspace.media_type).encode()
        for fmt in wanted_office:
            files[fmt] = office.render(body, fmt, scaled, labels, workspace)
        return Built(kind, {f: files[f] for f in options.formats}, warnings, layouts=layouts)

    return Prepared(job, finish)


def runnable_kinds(dossier: Dossier, asked: list[str]) -> tuple[list[str], list[Text]]:
    """The document kinds to build and, when none were asked for, a note on each one skipped.

    Asked-for kinds are all built (a missing section is then an error); by
    default every kind is, except those whose section the dossier lacks, and the register
    until a question is asked (without a note: most dossiers have no thread).
    """
    if asked:
        return list(dict.fromkeys(asked)), []
    kinds: list[str] = []
    skipped: list[Text] = []
    for kind in DOCUMENTS.values():
        if lacks_section(dossier, kind):
            if not kind.asked:
                skipped.append(
                    lazy(
                        "no %(document)s: the dossier has no '%(section)s' section",
                        document=kind.name,
                        section=kind.requires,
                    )
                )
        else:
            kinds.append(kind.name)
    return kinds, skipped


@dataclass(frozen=True)
class Job:
    """One document to render: a kind, from a dossier (or one of its variants)."""

    kind: DocumentKind
    dossier: Dossier
    filename: str
    contact: str | None = None
    establishment: str | None = None
    digest: str | None = None
    """Hash of the dossier as read, of which `dossier` may be a variant (None: `dossier`'s)."""


def variant(dossier: Dossier, establishment: Establishment) -> Dossier:
    """The dossier as seen from one establishment: its CSE, meeting date and local facts."""
    meeting = dossier.meeting.model_copy(
        update={
            "instance": establishment.instance,
            "establishment": establishment.name,
            "date": establishment.meeting_date or dossier.meeting.date,
            "questions_by": None if establishment.meeting_date else dossier.meeting.questions_by,
        }
    )
    facts = {fact.id: fact for fact in dossier.facts}
    local = [KeyPoint(text=facts[f].statement, facts=[f]) for f in establishment.facts]
    return dossier.model_copy(
        update={"meeting": meeting, "key_points": [*local, *dossier.key_points]}
    )


EACH = {"establishment": "establishments"}
"""What `--each` can name, and the dossier list it walks."""


def plan(dossier: Dossier, kinds: list[str], each: str | None = None) -> list[Job]:
    """The documents to render: each kind once, or once per establishment with --each (each
    variant identified, like the others, by the hash of `dossier`)."""
    if each is None:
        return [Job(DOCUMENTS[k], dossier, DOCUMENTS[k].filename) for k in kinds]
    entries: list[Establishment] = getattr(dossier, EACH[each])
    if not entries:
        raise InputError.at(
            lazy("--each %(each)s: the dossier lists no %(list)s", each=each, list=EACH[each]),
            None,
            None,
            EACH[each],
        )
    digest = provenance.dossier_hash(dossier)
    return [
        Job(
            DOCUMENTS[k],
            variant(dossier, e),
            f"{DOCUMENTS[k].filename}-{e.id}",
            e.contact,
            e.id,
            digest,
        )
        for e in entries
        for k in kinds
    ]


def _render_job(
    job: Job, options: Options, workspace: Workspace, source: str, memo: Memo | None = None
) -> Built:
    built = render_document(
        job.dossier,
        job.kind,
        options,
        workspace,
        source,
        job.contact,
        job.establishment,
        digest=job.digest,
        memo=memo,
    )
    return replace(built, filename=job.filename)


def prepare_job(
    job: Job, options: Options, workspace: Workspace, source: str, memo: Memo | None
) -> Prepared:
    prepared = prepare(
        job.dossier,
        job.kind,
        options,
        workspace,
        source,
        job.contact,
        job.establishment,
        digest=job.digest,
        memo=memo,
        detached=True,
    )

    def finish(printed: Printed | None) -> Built:
        return replace(prepared.finish(printed), filename=job.filename)

    return Prepared(prepared.job, finish)


def render_all(
    jobs: list[Job],
    options: Options,
    workspace: Workspace,
    source: str,
    pool: Executor | None = None,
    progress: Callable[[Job, int, int], None] | None = None,
    memo: Memo | None = None,
    printer: Callable[[PrintJob], Future[Printed]] | None = None,
) -> list[Built]:
    """Render every job, in this process or, with a `pool`, its pages printed (laid out
    and written, see `press`) in the pool's worker processes while this one makes the
    next job's page (`printer`: how a page is sent to them; default `pool.submit`).

    Results come back in the order of `jobs`, whatever order they finish in, so
    the output does not depend on the number of workers.
    """
    if pool is None:
        results = []
        for job in jobs:
            results.append(_render_job(job, options, workspace, source, memo))
            if progress:
                progress(job, len(results), len(jobs))
        return results
    done: dict[int, Built] = {}
    futures: dict[Future[Printed], tuple[int, Prepared]] = {}

    def finished(index: int, built: Built) -> None:
        done[index] = built
        if progress:
            progress(jobs[index], len(done), len(jobs))

    try:
        for index, job in enumerate(jobs):
            prepared = prepare_job(job, options, workspace, source, memo)
            if prepared.job is None:
                finished(index, prepared.finish(None))
            else:
                sent = printer(prepared.job) if printer else pool.submit(press, prepared.job)
                futures[sent] = index, prepared
        for future in as_completed(futures):
            index, prepared = futures[future]
            finished(index, prepared.finish(future.result()))
    finally:
        for future in futures:
            future.cancel()
    return [done[index] for index in range(len(jobs))]


def build(
    dossier: Dossier,
    dossier_dir: Path,
    out_dir: Path,
    kinds: list[str],
    options: Options,
    workspace: Workspace,
    each: str | None = None,
    pool: Executor | None = None,
    progress: Callable[[Job, int, int], None] | None = None,
    meeting: date | None = None,
) -> tuple[list[Path], list[Text]]:
    """Build the documents of a loaded dossier for its next meeting, or the one on `meeting`
    (see `select_meeting`); return the files written and the warnings.

    Everything is rendered before anything is written, so a failure leaves
    the earlier output as it was.  The fitter's choices are remembered in `out_dir`
    (see `press.Memo`): the same document built again is laid out once.
    """
    source = display_path(dossier_dir / "dossier.yaml")
    selected = select_meeting(dossier, meeting)
    jobs = plan(selected, kinds, each)
    if selected is not dossier:  # identified, like an establishment's, by the dossier read
        digest = provenance.dossier_hash(dossier)
        jobs = [replace(job, digest=digest) for job in jobs]
    memo = Memo.load(out_dir)
    before = replace(memo, decisions=dict(memo.decisions), last=dict(memo.last))
    built = render_all(jobs, options, workspace, source, pool, progress, memo)
    files = write_built(built, out_dir / dossier.id)
    if memo != before:
        memo.save(out_dir)
    return list(files), [w for document in built for w in document.warnings]


def write_built(built: list[Built], folder: Path, suffix: str = "") -> dict[Path, bytes]:
    """Write every file of the `built` documents into `folder` (as one: see `write_all`),
    each named after its document and `suffix`; what only the reps may read (the note)
    is not readable by others on the machine.  Return the files written."""
    files: dict[Path, bytes] = {}
    private: dict[Path, int] = {}
    for document in built:
        for fmt, content in document.files.items():
            target = folder / f"{document.filename}{suffix}.{fmt}"
            files[target] = content
            if document.kind.audience is Audience.reps:
                private[target] = PRIVATE
    write_all(files, private)
    return files


def facts_shown(dossier: Dossier, kind: DocumentKind, lang: str, workspace: Workspace) -> list[str]:
    """The ids of the facts a document of `kind` shows, from its Markdown alone (no PDF)."""
    _, context, _ = _markdown(dossier, kind, lang, workspace)
    shown: list[str] = context["sources"].facts_shown()
    return shown


def adapted(dossier: Dossier, establishment: str | None, meeting_date: date | None) -> Dossier:
    """The dossier as one document is made from it: an establishment's variant, and a
    meeting date other than the dossier's (the written questions' deadline then follows it).
    """
    if establishment:
        entries = {e.id: e for e in dossier.establishments}
        if establishment not in entries and entries:
            raise InputError.at(
                lazy(
                    "unknown establishment '%(id)s' (known: %(known)s)",
                    id=establishment,
                    known=", ".join(entries),
                )
            )
        if establishment not in entries:
            raise InputError.at(
                lazy("unknown establishment '%(id)s' (the dossier lists none)", id=establishment)
            )
        dossier = variant(dossier, entries[establishment])
    if meeting_date and meeting_date != dossier.meeting.date:
        dossier = at_meeting(dossier, meeting_date)
    return dossier


def at_meeting(dossier: Dossier, day: date) -> Dossier:
    """The dossier as the documents of its meeting on `day` see it: one of its past
    meetings (instance, agenda item, minutes), or its own meeting moved to that day (an
    establishment's).  The written questions' deadline then follows the date, and the
    thread is counted to it."""
    past = {m.date: m for m in dossier.past_meetings}
    update: dict[str, Any] = {"date": day, "questions_by": None}
    if day in past:
        update.update(dict(past[day]))
    meeting = dossier.meeting.model_copy(update=update)
    return dossier.model_copy(update={"meeting": meeting})


def select_meeting(dossier: Dossier, day: date | None) -> Dossier:
    """The dossier for the meeting `--meeting` names: its next meeting (the default) or one
    of its past ones; any other date is refused, with the dates it knows."""
    if day is None or day == dossier.meeting.date:
        return dossier
    if day not in {m.date for m in dossier.past_meetings}:
        known = [m.date.isoformat() for m in [*dossier.past_meetings, dossier.meeting]]
        raise InputError.at(
            lazy(
                "no meeting on %(date)s in the dossier (known: %(known)s)",
                date=day.isoformat(),
                known=", ".join(known),
            ),
            None,
            None,
            "meeting",
        )
    return at_meeting(dossier, day)


def as_recorded(dossier: Dossier, document: Mapping[str, Any]) -> Dossier:
    """The dossier as a document's provenance record says it was made."""
    meeting_date = document.get("meeting_date")
    return adapted(
        dossier,
        document.get("establishment"),
        date.fromisoformat(meeting_date) if meeting_date else None,
    )
