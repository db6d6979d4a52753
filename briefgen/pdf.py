"""HTML page → PDF bytes.  The only module that imports WeasyPrint.

The renderer fetches nothing but `data:` URLs and regular files of the
workspace's templates (or the built-in ones) and assets: no network, no other
file, no device.  A refused or failed fetch stops the build with a message naming
the resource, rather than printing a document with a hole in it.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from .errors import Problem, RenderError
from .i18n import Message, Text, lazy
from .images import NOT_AN_ASSET, read_asset
from .paths import file_stamp


def make_fetcher(
    base: Path,
    resolve: Callable[[str], Path | None],
    refusals: list[Message],
    served: dict[str, str] | None = None,
) -> Any:
    """A WeasyPrint URL fetcher that serves data: URLs and the files `resolve` allows.

    A file URL is taken relative to `base` and handed to `resolve`, which
    says which file (if any) it stands for.  Each refusal is appended to
    `refusals` as well as raised, since WeasyPrint turns fetch errors into log
    warnings and goes on.  Each file served is entered in `served`, if given: its
    path relative to `base` and the SHA-256 of its content.
    """
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    root = base.resolve()

    class AllowListFetcher(URLFetcher):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.files: dict[str, tuple[Path, str | None, str]] = {}
            """Each file URL served: its file, its path relative to `base`, its SHA-256."""

        def note(self, relative: str | None, digest: str) -> None:
            """Enter a file in `served` (one the layout uses without fetching it again)."""
            if served is not None and relative is not None:
                served[relative] = digest

        def fetch(self, url: str, headers: Any = None) -> Any:
            if url.startswith("data:"):
                return super().fetch(url, headers)
            parts = urlsplit(url)
            reason: Text
            if parts.scheme != "file":
                reason = lazy("only the workspace's templates and assets can be used")
            else:
                path = Path(unquote(parts.path))
                relative = path.relative_to(root) if path.is_relative_to(root) else None
                target = resolve(relative.as_posix()) if relative else None
                found = read_asset(target) if target is not None else NOT_AN_ASSET
                if isinstance(found, Message):
                    reason = found
                elif target is not None:
                    digest = hashlib.sha256(found).hexdigest()
                    named = relative.as_posix() if relative is not None else None
                    self.files[url] = target, named, digest
                    self.note(named, digest)
                    return URLFetcherResponse(target.as_uri(), found)
            refusals.append(lazy("resource refused: %(url)s (%(reason)s)", url=url, reason=reason))
            raise ValueError(f"refused: {url}")

    return AllowListFetcher()


_FONTS: list[Any] = []
"""This process's font configuration (at most one), kept from one layout to the next of
one workspace: each font face is copied and registered with fontconfig once."""


def _font_config(base: Path) -> Any:
    """The font configuration for a layout of the workspace at `base`: the last one, unless
    it was made for another workspace (whose fonts would compete with these), or a font
    file it registered changed or vanished since (an editor replaced it)."""
    if _FONTS and (_FONTS[0].base != base or _FONTS[0].stale()):
        _FONTS.pop().close()
    if not _FONTS:
        _FONTS.append(_font_configuration()(base))
    return _FONTS[0]


def forget_fonts() -> None:
    """Remove this process's font copies now (before it leaves without its clean-up)."""
    for fonts in _FONTS:
        fonts.close()
    _FONTS.clear()


def _forget_inherited() -> None:
    """In a process just forked: the parent's font configuration is the parent's.  Its
    folder of font copies is left to the parent (two processes writing one copy while the
    other reads it killed a worker with SIGBUS); this process makes its own."""
    for fonts in _FONTS:
        fonts._folder = None
        fonts.finalizer.cancel()
    _FONTS.clear()


os.register_at_fork(after_in_child=_forget_inherited)


@lru_cache(maxsize=1)
def _font_configuration() -> type[Any]:
    from multiprocessing.util import Finalize
    from shutil import rmtree
    from tempfile import mkdtemp

    from weasyprint.text.fonts import FontConfiguration

    class Fonts(FontConfiguration):  # type: ignore[misc]
        """WeasyPrint's font configuration, whose folder of font copies is removed when it
        is closed or the process ends (a worker's end included), and which knows the font
        files it registered: a layout that uses one without fetching it again still enters
        it in the files it was made from."""

        def __init__(self, base: Path) -> None:
            super().__init__()
            self.base = base
            self._folder: Path | None = Path(mkdtemp(prefix="briefgen-fonts-"))
            self.finalizer = Finalize(
                self, rmtree, args=(str(self._folder),), kwargs={"ignore_errors": True},
                exitpriority=0,
            )  # fmt: skip
            self.registered: dict[str, tuple[Path, str | None, str, Any]] = {}

        def add_font_face(self, rule_descriptors: Any, url_fetcher: Any) -> Any:
            urls = [url for kind, url in rule_descriptors.get("src", ()) if kind != "local"]
            for url in urls:
                if url in self.registered and hasattr(url_fetcher, "note"):
                    _, relative, digest, _ = self.registered[url]
                    url_fetcher.note(relative, digest)
            added = super().add_font_face(rule_descriptors, url_fetcher)
            for url in urls:
                found = getattr(url_fetcher, "files", {}).get(url)
                if found is not None and url not in self.registered:
                    self.registered[url] = (*found, file_stamp(found[0]))
            return added

        def stale(self) -> bool:
            return any(file_stamp(path) != stamp for path, _, _, stamp in self.registered.values())

        def close(self) -> None:
            self.finalizer()
            self._folder = None

    return Fonts


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextmanager
def _weasyprint_warnings() -> Iterator[list[str]]:
    from weasyprint import LOGGER

    handler = _Collect()
    LOGGER.addHandler(handler)
    try:
        yield handler.messages
    finally:
        LOGGER.removeHandler(handler)


def moment(created: str | None) -> datetime:
    """The time a document is stamped with: `created` (a date or a UTC time), else 1 Jan
    1980 (for attachments here, for the files inside an ODT or DOCX archive)."""
    if not created:
        return datetime(1980, 1, 1, tzinfo=UTC)
    moment = datetime.fromisoformat(created.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


_FONT_CLOCK = threading.Lock()
_WEASYPRINT = threading.Lock()
"""One layout or PDF at a time in a process: WeasyPrint, Pango and fontconfig are not made
for threads (two renders at once in the page's build threads crashed the process).  The
command line renders in parallel in worker processes, each with its own."""


@contextmanager
def _font_clock(moment: datetime) -> Iterator[None]:
    """Stamp subset fonts with the document's date rather than the time of the build.

    Without HarfBuzz's subsetter WeasyPrint subsets fonts with fontTools, which
    writes the current time into each font's `head` table unless
    SOURCE_DATE_EPOCH says otherwise: it is set to the document's date while
    the PDF is written (one PDF at a time), so the bytes do not depend on the
    subsetter the machine has.
    """
    from weasyprint.pdf import fonts

    if fonts.harfbuzz_subset is not None or "SOURCE_DATE_EPOCH" in os.environ:
        yield
        return
    with _FONT_CLOCK:
        os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
        try:
            yield
        finally:
            del os.environ["SOURCE_DATE_EPOCH"]


def _tag_languages() -> None:
    """Give the structure element of every HTML element with a `lang` attribute that
    language (/Lang, ISO 32000-1 14.9.2), as the page's own goes to the catalog.

    WeasyPrint tags elements without their language: a label in English in a French
    document would be read aloud in French.  Its tree builder is wrapped once; a
    WeasyPrint without it leaves the tags as they are (tests/test_documents.py checks
    the /Lang entries).
    """
    import pydyf
    from weasyprint.pdf import tags

    build = getattr(tags, "_build_box_tree", None)
    if build is None or getattr(build, "tags_languages", False):
        return

    def with_language(box: Any, *args: Any) -> Iterator[Any]:
        element = getattr(box, "element", None)
        lang = None
        if element is not None and getattr(box, "element_tag", None) not in ("html", "body"):
            lang = element.get("lang")
        for structure in build(box, *args):
            if lang and isinstance(structure, pydyf.Dictionary):
                structure["Lang"] = pydyf.String(lang)
            yield structure

    with_language.tags_languages = True  # type: ignore[attr-defined]
    tags._build_box_tree = with_language


PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b")
"""Accessible (tagged, PDF/UA-1) by default; PDF/A-3b for archiving, tagged as well and
identified as PDF/UA-1 too."""


@dataclass(frozen=True)
class RenderedPdf:
    """A PDF and what the renderer said while making it."""

    data: bytes
    pages: int
    warnings: list[Text]


PX_TO_PT = 0.75
"""WeasyPrint measures its boxes in CSS pixels (1/96 in); a point is 1/72 in."""


@dataclass(frozen=True)
class Layout:
    """A page laid out by WeasyPrint and not yet written: its pages, the room its last page
    leaves empty, and what the renderer said while laying it out."""

    document: Any
    """The WeasyPrint Document, written to PDF by `write_pdf` without a second layout."""
    pages: int
    page_height: float
    """Height of a page's content area, in points."""
    free: float
    """Room left empty at the foot of the last page, in points."""
    variant: str
    warnings: list[str]
    source_name: str
    refusals: list[Message]
    """Resources refused, laying out or writing (a linked attachment is fetched then)."""


def _bottom(box: Any) -> float:
    """The lowest border edge, in CSS pixels, of `box` and of the boxes inside it."""
    bottom: float = box.border_box_y() + box.border_height()
    for child in getattr(box, "children", ()):
        bottom = max(bottom, _bottom(child))
    return bottom


def _free_at_foot(page: Any) -> float:
    """Points between the last box of `page` and the foot of its content area (the
    margin boxes, the running header and footer, are not content)."""
    from weasyprint.formatting_structure.boxes import MarginBox

    page_box = page._page_box
    content = [box for box in page_box.children if not isinstance(box, MarginBox)]
    foot = page_box.content_box_y() + page_box.height
    used = max((_bottom(box) for box in content), default=page_box.content_box_y())
    return float(max(foot - used, 0.0)) * PX_TO_PT


def _object(pdf: Any, reference: Any) -> Any:
    """The object of `pdf` that an indirect reference (b"12 0 R") points to."""
    return pdf.objects[int(reference.split()[0])]


def _associate(pdf: Any) -> None:
    """Make every embedded file an associated file of the document (catalog /AF), with the
    relationship Data, as PDF/A-3 and Factur-X do; in every variant, not only PDF/A-3."""
    catalog = pdf.catalog
    if "AF" not in catalog:
        import pydyf

        catalog["AF"] = pydyf.Array()
    listed = {str(reference) for reference in catalog["AF"]}
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, dict) and pdf_object.get("Type") == "/Filespec":
            reference: Any = getattr(pdf_object, "reference")  # noqa: B009
            pdf_object["AFRelationship"] = "/Data"
            if str(reference) not in listed:
                catalog["AF"].append(reference)


def _printable_annotations(pdf: Any) -> None:
    """Set the Print flag (/F 4) on every annotation, as PDF/A does, so that the printed
    page and the page on screen have the same links."""
    for pdf_object in pdf.objects:
        if isinstance(pdf_object, dict) and pdf_object.get("Type") == "/Annot":
            pdf_object["F"] = 4


def _margin_boxes_as_artifacts(pdf: Any) -> None:
    """Mark the text of the page margin boxes (running title, author, page number, trace
    line) as pagination artifacts.

    WeasyPrint tags that text as /Span marked content whose structure elements it keeps
    out of the structure tree, so a reader meets it as content with no place in the
    document.  Those marked-content sequences become /Artifact (/Type /Pagination), and
    their entries in the parent tree null.
    """
    import pydyf

    if "StructTreeRoot" not in pdf.catalog:
        return
    root = _object(pdf, pdf.catalog["StructTreeRoot"])
    in_tree: set[int] = set()
    pending = list(root["K"])
    while pending:
        reference = pending.pop()
        if not isinstance(reference, bytes) or not reference.endswith(b" R"):
            continue  # a marked-content identifier
        number = int(reference.split()[0])
        element = pdf.objects[number]
        if number not in in_tree and isinstance(element, dict) and "K" in element:
            in_tree.add(number)
            pending.extend(element["K"])
    nums = _object(pdf, root["ParentTree"])["Nums"]
    pages = pdf.page_references
    for key, value in zip(nums[::2], nums[1::2], strict=True):
        if not isinstance(value, list) or key >= len(pages):
            continue  # an annotation's entry, not a page's
        outside = {
            mcid
            for mcid, reference in enumerate(value)
            if isinstance(reference, bytes) and int(reference.split()[0]) not in in_tree
        }
        if not outside:
            continue
        for mcid in outside:
            value[mcid] = b"null"
        operations = _object(pdf, _object(pdf, pages[key])["Contents"]).stream
        for index, operation in enumerate(operations):
            if isinstance(operation, dict) and operation.get("MCID") in outside:
                operations[index - 1] = "/Artifact"
                operations[index] = pydyf.Dictionary({"Type": "/Pagination"})


_PDFUA_IDENTIFICATION = (
    b'<rdf:Description rdf:about=""'
    b' xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"'
    b' xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"'
    b' xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">'
    b'<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">'
    b"<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>"
    b"<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>"
    b"<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>"
    b'<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">'
    b"<pdfaProperty:name>part</pdfaProperty:name>"
    b"<pdfaProperty:valueType>Integer</pdfaProperty:valueType>"
    b"<pdfaProperty:category>internal</pdfaProperty:category>"
    b"<pdfaProperty:description>Part of ISO 14289 the file conforms to</pdfaProperty:description>"
    b"</rdf:li></rdf:Seq></pdfaSchema:property>"
    b"</rdf:li></rdf:Bag></pdfaExtension:schemas></rdf:Description>"
    b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"'
    b' pdfuaid:part="1"/>'
)
"""XMP saying that a PDF/A file conforms to PDF/UA-1 as well: the PDF/UA identification,
and the extension schema that declares it (PDF/A admits no undeclared XMP property)."""


def _complete_metadata(pdf: Any, lang: str | None, pdfua: bool) -> None:
    """Add the document's language (dc:language) to the XMP metadata, and the PDF/UA-1
    identification if `pdfua`; write the metadata stream unfiltered, readable without
    decoding the PDF (PDF/A-1 requires it; later parts and PDF/UA allow it)."""
    from xml.sax.saxutils import escape

    metadata = _object(pdf, pdf.catalog["Metadata"])
    packet = b"".join(
        part if isinstance(part, bytes) else str(part).encode() for part in metadata.stream
    )
    extra = b""
    if lang and b"<dc:language>" not in packet:
        extra += (
            b'<rdf:Description rdf:about="" xmlns:dc="http://purl.org/dc/elements/1.1/">'
            b"<dc:language><rdf:Bag><rdf:li>"
            + escape(lang).encode()
            + b"</rdf:li></rdf:Bag></dc:language></rdf:Description>"
        )
    if pdfua and b"pdfuaid:part" not in packet:
        extra += _PDFUA_IDENTIFICATION
    metadata.stream = [packet.replace(b"</rdf:RDF>", extra + b"</rdf:RDF>", 1)]
    metadata.compress = False


_END_OF_STREAM = b"\nendstream"
_UNAMBIGUOUS: dict[type, type] = {}


def _unambiguous(stream_class: type) -> type:
    """`stream_class` (pydyf's stream or WeasyPrint's), ended by CR LF when its data ends
    with a CR: a validator reads the CR LF before `endstream` as the end-of-line marker
    (ISO 32000-1 7.3.8.1), so the data's own last CR would be taken for part of it and
    /Length found one byte too long (PDF/A: ISO 19005-3 6.1.7.1; about 1 compressed
    stream in 256 ends with a CR)."""

    if stream_class in _UNAMBIGUOUS:
        return _UNAMBIGUOUS[stream_class]

    class Unambiguous(stream_class):  # type: ignore[misc]
        @property
        def data(self) -> bytes:
            written: bytes = super().data
            head = written[: -len(_END_OF_STREAM)]
            return head + b"\r" + _END_OF_STREAM if head.endswith(b"\r") else written

    _UNAMBIGUOUS[stream_class] = Unambiguous
    return Unambiguous


def unambiguous_stream_ends(pdf: Any) -> None:
    """Make every stream of `pdf` end unambiguously (see `_unambiguous`)."""
    import pydyf

    for item in pdf.objects:
        if isinstance(item, pydyf.Stream):
            item.__class__ = _unambiguous(type(item))


def _finisher(variant: str, attachments: bool) -> Callable[[Any, Any], None]:
    """What is done to the PDF WeasyPrint has built, before it is written."""

    def finish(document: Any, pdf: Any) -> None:
        if attachments:
            _associate(pdf)
        _printable_annotations(pdf)
        _margin_boxes_as_artifacts(pdf)
        _complete_metadata(pdf, document.metadata.lang, pdfua=variant != "pdf/ua-1")
        unambiguous_stream_ends(pdf)

    return finish


def lay_out(
    html: str,
    base_dir: Path,
    resolve: Callable[[str], Path | None],
    source_name: str,
    variant: str = PDF_VARIANTS[0],
    served: dict[str, str] | None = None,
) -> Layout:
    """Lay `html` out in pages, as the PDF of the given variant will be, without writing it.

    `source_name` names the template in error messages; the files fetched are entered in
    `served` (see `make_fetcher`).  Raises RenderError if a resource was refused or could
    not be read.
    """
    from weasyprint import HTML

    _tag_languages()
    refusals: list[Message] = []
    with _WEASYPRINT, _weasyprint_warnings() as warnings:
        document = HTML(
            string=html,
            base_url=base_dir.resolve().as_uri() + "/",
            url_fetcher=make_fetcher(base_dir, resolve, refusals, served),
        ).render(font_config=_font_config(base_dir.resolve()), pdf_variant=variant, pdf_tags=True)
    if refusals:
        raise RenderError(*(Problem(refusal, source_name) for refusal in refusals))
    last = document.pages[-1]._page_box
    return Layout(
        document,
        len(document.pages),
        last.height * PX_TO_PT,
        _free_at_foot(document.pages[-1]),
        variant,
        warnings,
        source_name,
        refusals,
    )


def write_pdf(
    layout: Layout,
    attachments: Sequence[tuple[str, bytes, str]] = (),
    created: str | None = None,
) -> RenderedPdf:
    """Write a laid-out page to PDF, with `attachments` (name, content, description)
    embedded as associated files dated `created` (ISO 8601)."""
    from weasyprint import Attachment

    stamp = moment(created)
    with _WEASYPRINT, _weasyprint_warnings() as warnings:
        files = [
            Attachment(
                file_obj=io.BytesIO(content),
                name=name,
                description=description,
                created=stamp,
                modified=stamp,
                relationship="Data",
            )
            for name, content, description in attachments
        ]
        with _font_clock(stamp):
            data = layout.document.write_pdf(
                pdf_variant=layout.variant,
                pdf_tags=True,
                attachments=files,
                finisher=_finisher(layout.variant, attachments=bool(files)),
            )
    if layout.refusals:
        raise RenderError(*(Problem(refusal, layout.source_name) for refusal in layout.refusals))
    said: list[Text] = [
        lazy("the PDF renderer reported: %(detail)s", detail=warning)
        for warning in [*layout.warnings, *warnings]
    ]
    return RenderedPdf(data, layout.pages, said)
