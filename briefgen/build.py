"""Orchestration: which documents, from which dossier, written where.

Every file of a build is rendered in memory first, then written beside its
target and renamed into place: a failed build leaves earlier output intact.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from . import office, provenance, typography
from .atomic import write_all
from .context import DocView, build_context
from .errors import InputError, RenderError
from .i18n import Text, lazy
from .layout import PageMeta, page
from .load import display_path
from .markdown import to_html
from .models import Audience, Dossier, Establishment, KeyPoint
from .paths import find_template_file
from .templating import load_labels, markdown_environment, render, tagged_labels
from .workspace import Workspace


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


DOCUMENTS = {
    kind.name: kind
    for kind in (
        DocumentKind("note", "note-de-briefing.md.j2", "note-de-briefing", Audience.reps),
        DocumentKind("tract", "tract.md.j2", "tract", Audience.public, 1, "tract"),
        DocumentKind(
            "declaration",
            "declaration-liminaire.md.j2",
            "declaration-liminaire",
            Audience.public,
            2,
            "declaration",
        ),
        DocumentKind("questions", "questions-ecrites.md.j2", "questions-ecrites", Audience.public),
        DocumentKind("avis", "projet-avis.md.j2", "projet-avis", Audience.public, None, "opinion"),
    )
}

CHANGES = DocumentKind("changes", "changes.md.j2", "ce-qui-a-change", Audience.reps)
"""What changed since the last meeting: made by `briefgen diff --doc changes`, from two
versions of a dossier, not by `build`."""

FIT_SCALES = (1.0, 0.95, 0.9, 0.85, 0.8)
"""Type scales tried, largest first, to fit a document into its page budget."""


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


def _require_section(dossier: Dossier, kind: DocumentKind, source: str) -> None:
    """Refuse a document whose section the dossier lacks (the tract without `tract`…)."""
    if kind.requires and getattr(dossier, kind.requires) is None:
        raise InputError.at(
            lazy(
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
) -> Built:
    """Run one document through the pipeline: context → Markdown → HTML → PDF.

    The PDF embeds the provenance record of the facts the document shows; the
    footer prints the trace line unless the options or briefgen.toml turn it off.
    Both identify the dossier by `digest`: the hash of the dossier as read, of
    which `dossier` may be a variant (default: `dossier`'s own).
    """
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
    files = {"md": markdown_text.encode()}
    warnings: list[Text] = []
    if "pdf" not in options.formats:
        files["html"] = page(body, meta, labels, dirs, branding).encode()
    else:
        from .pdf import render_pdf

        template = display_path(find_template_file(kind.template, dirs) or Path(kind.template))
        settings = {
            "lang": lang,
            "pdf_variant": options.pdf_variant,
            "created": created,
            "establishment": establishment,
            "meeting_date": dossier.meeting.date.isoformat(),
        }
        entry = provenance.record(dossier, kind.name, kind.audience.value, shown, settings, digest)
        attachment = (provenance.ATTACHMENT, provenance.to_bytes(entry), "Provenance of the facts")
        for scale in FIT_SCALES if kind.max_pages else (1.0,):
            html = page(body, replace(meta, scale=scale), labels, dirs, branding)
            pdf = render_pdf(
                html,
                workspace.root,
                workspace.resolve,
                template,
                options.pdf_variant,
                [attachment],
                created,
            )
            if kind.max_pages is None or pdf.pages <= kind.max_pages:
                break
        else:
            raise RenderError.at(
                lazy(
                    "the %(document)s runs to %(pages)s pages even in smaller type "
                    "(at most %(limit)s); shorten its text in the dossier",
                    document=kind.name,
                    pages=pdf.pages,
                    limit=kind.max_pages,
                ),
                template,
            )
        files["pdf"], files["html"], warnings = pdf.data, html.encode(), pdf.warnings
    for fmt in office.FORMATS:
        if fmt in options.formats:
            files[fmt] = office.render(body, fmt, meta, labels, workspace)
    return Built(kind, {f: files[f] for f in options.formats}, warnings)


def runnable_kinds(dossier: Dossier, asked: list[str]) -> tuple[list[str], list[Text]]:
    """The document kinds to build and, when none were asked for, a note on each one skipped.

    Asked-for kinds are all built (a missing section is then an error); by
    default every kind is, except those whose section the dossier lacks.
    """
    if asked:
        return list(dict.fromkeys(asked)), []
    kinds: list[str] = []
    skipped: list[Text] = []
    for kind in DOCUMENTS.values():
        if kind.requires and getattr(dossier, kind.requires) is None:
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


def _render_job(job: Job, options: Options, workspace: Workspace, source: str) -> Built:
    built = render_document(
        job.dossier,
        job.kind,
        options,
        workspace,
        source,
        job.contact,
        job.establishment,
        digest=job.digest,
    )
    return replace(built, filename=job.filename)


def render_all(
    jobs: list[Job],
    options: Options,
    workspace: Workspace,
    source: str,
    pool: Executor | None = None,
    progress: Callable[[Job, int, int], None] | None = None,
) -> list[Built]:
    """Render every job, in the worker processes of `pool` or, without one, in this process.

    Results come back in the order of `jobs`, whatever order they finish in, so
    the output does not depend on the number of workers.
    """
    if pool is None:
        results = []
        for job in jobs:
            results.append(_render_job(job, options, workspace, source))
            if progress:
                progress(job, len(results), len(jobs))
        return results
    futures = {
        pool.submit(_render_job, job, options, workspace, source): index
        for index, job in enumerate(jobs)
    }
    done: dict[int, Built] = {}
    for future in as_completed(futures):
        done[futures[future]] = future.result()
        if progress:
            progress(jobs[futures[future]], len(done), len(jobs))
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
) -> tuple[list[Path], list[Text]]:
    """Build the documents of a loaded dossier; return the files written and the warnings.

    Everything is rendered before anything is written, so a failure leaves
    the earlier output as it was.
    """
    source = display_path(dossier_dir / "dossier.yaml")
    jobs = plan(dossier, kinds, each)
    built = render_all(jobs, options, workspace, source, pool, progress)
    target_dir = out_dir / dossier.id
    files = {
        target_dir / f"{document.filename}.{fmt}": content
        for document in built
        for fmt, content in document.files.items()
    }
    write_all(files)
    return list(files), [w for document in built for w in document.warnings]


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
        meeting = dossier.meeting.model_copy(update={"date": meeting_date, "questions_by": None})
        dossier = dossier.model_copy(update={"meeting": meeting})
    return dossier


def as_recorded(dossier: Dossier, document: Mapping[str, Any]) -> Dossier:
    """The dossier as a document's provenance record says it was made."""
    meeting_date = document.get("meeting_date")
    return adapted(
        dossier,
        document.get("establishment"),
        date.fromisoformat(meeting_date) if meeting_date else None,
    )
