"""Orchestration: which documents, from which dossier, written where.

Every file of a build is rendered in memory first, then written beside its
target and renamed into place: a failed build leaves earlier output intact.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .context import build_context
from .errors import InputError, OutputError
from .layout import PageMeta, page
from .load import display_path, load_dossier
from .markdown import to_html
from .models import Audience, Dossier
from .templating import TEMPLATE_DIR, markdown_environment, render, shipped_dir

DEFAULT_DOSSIER = "france-travail-linkedin"
FORMATS = ("pdf", "html", "md")


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document briefgen makes from a dossier."""

    name: str
    template: str
    filename: str
    title: str
    audience: Audience


DOCUMENTS = {
    "note": DocumentKind(
        "note", "note-de-briefing.md.j2", "note-de-briefing", "Note de briefing", Audience.reps
    ),
}


@dataclass(frozen=True)
class Built:
    """A rendered document: its files' contents by format, and renderer warnings."""

    kind: DocumentKind
    files: dict[str, bytes]
    warnings: list[str]


def find_dossier(name: str | None, seeds: Path = Path("seeds")) -> Path:
    """A dossier folder from a path, a name under ./seeds, or a built-in dossier name."""
    name = name or DEFAULT_DOSSIER
    if Path(name).is_dir():
        return Path(name)
    if "/" in name or "\\" in name or name in (".", ".."):
        raise InputError.at("no such dossier folder", name)
    builtin = shipped_dir("seeds")
    for folder in (seeds, builtin):
        if (folder / name).is_dir():
            return folder / name
    known = sorted(
        {
            p.name
            for folder in (seeds, builtin)
            if folder.is_dir()
            for p in folder.iterdir()
            if p.is_dir()
        }
    )
    raise InputError.at(
        f"no dossier named '{name}' in {display_path(seeds)}/ (known: {', '.join(known)})"
    )


def render_document(dossier: Dossier, kind: DocumentKind, formats: tuple[str, ...]) -> Built:
    """Run one document through the pipeline: context → Markdown → HTML → PDF."""
    context = build_context(dossier, kind.audience)
    markdown_text = render(markdown_environment(dossier.lang), kind.template, context)
    meta = PageMeta(
        title=f"{kind.title} · {dossier.title}",
        lang=dossier.lang,
        author=" · ".join(dossier.meeting.unions),
        subject=dossier.meeting.agenda_item,
        keywords=[dossier.organisation, dossier.meeting.instance, *dossier.meeting.unions],
        kind=kind.name,
        running_title=dossier.title,
        created=dossier.date.isoformat(),
    )
    html = page(to_html(markdown_text), meta)
    files = {"md": markdown_text.encode(), "html": html.encode()}
    warnings: list[str] = []
    if "pdf" in formats:
        from .pdf import render_pdf

        files["pdf"], warnings = render_pdf(
            html, TEMPLATE_DIR, [TEMPLATE_DIR], f"templates/{kind.template}"
        )
    return Built(kind, {f: files[f] for f in formats}, warnings)


def write_atomically(target: Path, content: bytes) -> None:
    """Write `content` to `target` through a temporary file renamed into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def build(
    dossier_dir: Path,
    out_dir: Path,
    kinds: list[str],
    formats: tuple[str, ...],
) -> tuple[list[Path], list[str]]:
    """Build the documents of a dossier; return the files written and the warnings."""
    dossier = load_dossier(dossier_dir)
    built = [render_document(dossier, DOCUMENTS[kind], formats) for kind in kinds]
    target_dir = out_dir / dossier.id
    written: list[Path] = []
    for document in built:
        for fmt, content in document.files.items():
            target = target_dir / f"{document.kind.filename}.{fmt}"
            try:
                write_atomically(target, content)
            except OSError as exc:
                raise OutputError.at(
                    f"cannot write: {exc.strerror or exc}", display_path(target)
                ) from None
            written.append(target)
    return written, [w for document in built for w in document.warnings]
