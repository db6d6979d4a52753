"""Word-processor files (ODT, DOCX) made from a document's HTML, through pandoc.

The HTML is the one the PDF is made from (the document's Markdown, with the
language's typography), so the content rules are the same: what reps only may
read, source numbering, divergence marks, no-break spaces.  Its classes become
named styles of a reference document (`templates/reference.odt` and
`templates/reference.docx`, which an editor may copy and restyle in a word
processor); the reference's header and footer carry placeholders that get the
document's title, author, trace line and page labels.  pandoc runs sandboxed
(it reads nothing but its input and the reference document); images come in as
data: URLs, from the workspace's templates and assets only (an SVG as a PNG copy
in a DOCX).  The archive is then rewritten with the document's metadata, the
workspace's colours, the reference's font (subset) inside it and fixed
timestamps, so that two builds give the same bytes and the file looks the same
on a machine without the font.
"""

from __future__ import annotations

import base64
import html
import io
import re
import subprocess
import tempfile
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from . import typography
from .errors import Problem, RenderError
from .fonts import font_key, obfuscate, subset
from .i18n import Message, lazy
from .images import NOT_AN_ASSET, raster, read_asset
from .layout import PageMeta
from .paths import TEMPLATE_DIR, find_template_file
from .pdf import moment
from .workspace import Workspace

FORMATS = ("odt", "docx")
REFERENCE = {fmt: f"reference.{fmt}" for fmt in FORMATS}
FACES = ("Regular", "Bold", "Italic", "BoldItalic")
PANDOC_TIMEOUT = 120
ZIP_EPOCH = datetime(1980, 1, 1, tzinfo=UTC)
"""The earliest time a zip archive can record."""

# Classes of the HTML → styles of the reference documents.  Block elements get a
# paragraph style (pandoc's custom-style, on a div around them); inline ones a
# character style; an inline element the stylesheet sets apart (the grounds of a
# question) becomes a paragraph of its own.
PARAGRAPH_STYLES = {
    "cover-kicker": "Kicker",
    "tract-unions": "Kicker",
    "cover-subtitle": "Subtitle",
    "tract-context": "Subtitle",
    "cover-meta": "CoverDetails",
    "letter-meta": "CoverDetails",
    "tract-figure": "KeyFigure",
    "call-to-action": "CallOut",
    "conclusion": "CallOut",
    "grounds": "Grounds",
    "sources": "SourceList",
    "compact-sources": "SmallPrint",
    "tract-sources": "SmallPrint",
    "tract-imprint": "SmallPrint",
    "signature": "Signature",
    "change-sources": "SmallPrint",
    "theme-summary": "Summary",
}
CHARACTER_STYLES = {"tag": "Tag", "change": "Tag"}
STYLES = sorted({*PARAGRAPH_STYLES.values(), *CHARACTER_STYLES.values()})
"""The named styles a reference document should define (others fall back to the defaults)."""

DEFAULT_ACCENT = "9b1c1c"
DEFAULT_INK = "1a1a1a"
"""The colours of the built-in reference documents (print.css's defaults), which the
workspace's `[style] accent` and `ink` replace."""
FONT_FAMILY = "Lato"
FONT_FILES = {face: f"templates/fonts/{FONT_FAMILY}-{face}.ttf" for face in FACES}
"""The files of the reference documents' font, by OOXML's name of their face."""
ODF_SETTINGS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<office:document-settings xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    b'xmlns:config="urn:oasis:names:tc:opendocument:xmlns:config:1.0" office:version="1.3">'
    b'<office:settings><config:config-item-set config:name="ooo:configuration-settings">'
    b'<config:config-item config:name="EmbedFonts" config:type="boolean">true</config:config-item>'
    b'<config:config-item config:name="EmbedOnlyUsedFonts" config:type="boolean">true'
    b"</config:config-item>"
    b"</config:config-item-set></office:settings></office:document-settings>"
)
"""LibreOffice's settings: keep the fonts embedded when the file is saved again."""


@dataclass(frozen=True)
class Dress:
    """What a file gets beyond pandoc's output: the workspace's colours, and the font
    files (OOXML's name of the face, subset TrueType) it carries."""

    accent: str | None = None
    ink: str | None = None
    fonts: tuple[tuple[str, bytes], ...] = ()


_CLASS = re.compile(r'\sclass="([^"]*)"')
_SRC = re.compile(r'\ssrc="([^"]*)"')
_ID = re.compile(r'\sid="([^"]*)"')
_INLINE = frozenset({"span", "sup", "sub", "a", "strong", "em", "b", "i", "code"})


def pandoc_path() -> str:
    """The pandoc that the pypandoc-binary wheel ships."""
    import pypandoc

    return str(pypandoc.get_pandoc_path())


def styled(body: str, lang: str = "fr") -> str:
    """`body` with its classes turned into pandoc custom styles.

    pandoc applies a custom style to the paragraphs of a div: a styled list hands
    its style to each item, a styled definition list becomes paragraphs (« term :
    definition »), and inline text set apart gets a paragraph of its own.
    """
    colon = "\u00a0: " if lang == "fr" else ": "
    pieces = typography.TAG.split(body)
    # Open elements: tag name, what ends them, the style their items take.
    closing: list[tuple[str, str, str]] = []
    for index in range(1, len(pieces), 2):
        tag = pieces[index]
        if start := typography.START_TAG.match(tag):
            name = start.group(1).lower()
            if name in typography.VOID or start.group(3):
                continue
            found = _CLASS.search(start.group(2))
            classes = found.group(1).split() if found else []
            paragraph = next((PARAGRAPH_STYLES[c] for c in classes if c in PARAGRAPH_STYLES), "")
            character = next((CHARACTER_STYLES[c] for c in classes if c in CHARACTER_STYLES), "")
            handed = closing[-1][2] if closing else ""
            opening, ending, items = tag, f"</{name}>", ""
            if name == "li" and handed:
                # The item's id (a link target) goes inside its paragraph: on the div,
                # the ODT would get a section in a list item, which LibreOffice drops.
                anchor = _ID.search(start.group(2))
                target = f'<span id="{anchor.group(1)}"></span>' if anchor else ""
                opening = f'<li><div data-custom-style="{handed}"><p>{target}'
                ending = "</p></div></li>"
            elif name == "dt" and handed:
                opening, ending = "<p><strong>", f"</strong>{colon}"
            elif name == "dd" and handed:
                opening, ending = "", "</p>"
            elif paragraph and name == "dl":
                opening, ending, items = f'<div data-custom-style="{paragraph}">', "</div>", "dl"
            elif paragraph and name in ("ol", "ul"):
                items = paragraph
            elif paragraph and name == "div":
                # On the div itself: pandoc's ODT writer drops the style of an outer div.
                opening = f'<div data-custom-style="{paragraph}"{start.group(2)}>'
            elif paragraph and name in _INLINE:
                opening = f'<div data-custom-style="{paragraph}"><p>'
                ending = "</p></div>"
            elif paragraph:
                opening = f'<div data-custom-style="{paragraph}">{tag}'
                ending = f"</{name}></div>"
            elif character:
                opening, ending = f'<span data-custom-style="{character}">', "</span>"
            if items == "dl":
                items = paragraph
            pieces[index] = opening
            closing.append((name, ending, items))
        elif (end := typography.END_TAG.match(tag)) and (
            closed := typography.close(closing, end.group(1).lower())
        ):
            pieces[index] = "".join(ending for _, ending, _ in closed)
    return "".join(pieces)


def inline_images(
    body: str,
    resolve: Callable[[str], Path | None],
    media_type: Callable[[Path], str],
    rasterise: bool = False,
) -> tuple[str, list[Message]]:
    """`body` with each image's source as a data: URL, from the workspace's templates and
    assets (an SVG as a PNG copy of the same width if `rasterise`: Word and LibreOffice's
    DOCX reader draw no SVG); a message for each image refused, naming it and saying why."""
    refusals: list[Message] = []

    def inline(match: re.Match[str]) -> str:
        source = html.unescape(match.group(1))
        if source.startswith("data:"):
            return match.group()
        target = resolve(source)
        found = read_asset(target) if target is not None else NOT_AN_ASSET
        kind, width = media_type(target) if target is not None else "", ""
        if rasterise and kind == "image/svg+xml" and not isinstance(found, Message):
            copy = raster(found)
            if not isinstance(copy, Message):
                kind, width = "image/png", f' width="{copy[1]}"'
            found = copy if isinstance(copy, Message) else copy[0]
        if isinstance(found, Message):
            refusals.append(
                lazy("image refused: %(source)s (%(reason)s)", source=source, reason=found)
            )
            return ' src=""'
        return f' src="data:{kind};base64,{base64.b64encode(found).decode()}"{width}'

    return _SRC.sub(inline, body), refusals


def check_reference(path: Path, fmt: str, name: str) -> None:
    """Raise a one-line RenderError naming `name` unless `path` is a usable reference."""
    needed = {"odt": ("mimetype", "styles.xml", "content.xml"), "docx": ("word/styles.xml",)}
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            missing = [part for part in needed[fmt] if part not in names]
            if missing:
                raise RenderError.at(
                    lazy(
                        "not a reference document for %(format)s: it has no %(part)s",
                        format=fmt.upper(),
                        part=missing[0],
                    ),
                    name,
                )
            if fmt == "odt" and archive.read("mimetype").strip() != (
                b"application/vnd.oasis.opendocument.text"
            ):
                raise RenderError.at(lazy("not a text document (ODT): wrong mimetype"), name)
            broken = archive.testzip()
    except (zipfile.BadZipFile, OSError) as error:
        raise RenderError(
            Problem(lazy("unreadable reference document"), name, detail=str(error))
        ) from None
    if broken is not None:
        raise RenderError.at(
            lazy("damaged reference document: %(part)s is corrupt", part=broken), name
        )


def render(
    body: str, fmt: str, meta: PageMeta, labels: Mapping[str, str], workspace: Workspace
) -> bytes:
    """A document's typeset HTML body as an ODT or DOCX file, styled by the first
    `reference.<fmt>` in the template folders, in the workspace's colours and with its
    fonts embedded."""
    from .load import display_path

    name = REFERENCE[fmt]
    reference = find_template_file(name, workspace.template_dirs) or TEMPLATE_DIR / name
    typed, refusals = inline_images(
        body, workspace.resolve, workspace.media_type, rasterise=fmt == "docx"
    )
    if refusals:
        raise RenderError(*(Problem(refusal) for refusal in refusals))
    branding = workspace.branding()
    shown = [html.unescape(typography.TAG.sub("", body)), meta.title, meta.author, meta.trace]
    text = "".join([*shown, *labels.values()])
    fonts = tuple(
        (face, subset(path, text))
        for face, file in FONT_FILES.items()
        if (path := workspace.resolve(file)) is not None
    )
    dress = Dress(accent=branding.accent, ink=branding.ink, fonts=fonts)
    return convert(typed, fmt, meta, labels, reference, display_path(reference), dress)


def convert(
    body: str,
    fmt: str,
    meta: PageMeta,
    labels: Mapping[str, str],
    reference: Path,
    reference_name: str,
    dress: Dress | None = None,
) -> bytes:
    """Run pandoc on a document's typeset HTML body; return the file, with its metadata,
    header and footer filled in, dressed in `dress`, and fixed timestamps."""
    check_reference(reference, fmt, reference_name)
    content = styled(body, meta.lang)
    page = f'<!DOCTYPE html>\n<html lang="{meta.lang}"><body>\n{content}\n</body></html>\n'
    with tempfile.TemporaryDirectory(prefix="briefgen-") as scratch:
        target = Path(scratch) / f"document.{fmt}"
        command = [
            pandoc_path(),
            "--sandbox",
            "--from=html",
            f"--to={fmt}",
            f"--reference-doc={reference}",
            f"--metadata=lang={meta.lang}",
            f"--output={target}",
        ]
        try:
            result = subprocess.run(
                command,
                input=page.encode(),
                capture_output=True,
                timeout=PANDOC_TIMEOUT,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise RenderError.at(
                lazy("pandoc took more than %(seconds)s s", seconds=PANDOC_TIMEOUT)
            ) from None
        if result.returncode != 0:
            lines = result.stderr.decode(errors="replace").strip().splitlines() or [""]
            raise RenderError(
                Problem(
                    lazy("pandoc could not write the %(format)s", format=fmt.upper()),
                    detail=lines[-1] or None,
                )
            )
        data = target.read_bytes()
    fill = {  # the page furniture, in the document's typography as the PDF's
        "{title}": typography.text(meta.title, meta.lang),
        "{author}": typography.text(meta.author, meta.lang),
        "{trace}": meta.trace,
        "{page}": labels["page"],
        "{of}": labels["page_of"],
    }
    return finish(data, fmt, meta, fill, dress or Dress())


def finish(data: bytes, fmt: str, meta: PageMeta, fill: Mapping[str, str], dress: Dress) -> bytes:
    """Rewrite pandoc's archive: metadata, placeholders, colours, embedded fonts, fixed
    timestamps and order."""
    stamp = max(moment(meta.created), ZIP_EPOCH)
    source = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    parts = {
        name: _rewrite(name, content, fmt, meta, fill, dress) for name, content in parts.items()
    }
    parts.update(_font_parts(fmt, dress, set(parts)))
    output = io.BytesIO()
    with zipfile.ZipFile(output, "w") as archive:
        for name, content in parts.items():
            entry = zipfile.ZipInfo(name, date_time=stamp.timetuple()[:6])
            stored = fmt == "odt" and name == "mimetype"
            entry.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, content)
    return output.getvalue()


def _furniture_part(name: str, fmt: str) -> bool:
    if fmt == "odt":
        return name == "styles.xml"
    return re.fullmatch(r"word/(header|footer)\d*\.xml", name) is not None


_PLACEHOLDER = re.compile(r"\{(?:title|author|trace|page|of)\}")


def _rewrite(
    name: str, content: bytes, fmt: str, meta: PageMeta, fill: Mapping[str, str], dress: Dress
) -> bytes:
    if fmt == "docx" and name == "docProps/core.xml":
        return _core_properties(meta)
    if fmt == "odt" and name == "meta.xml":
        return _odf_meta(meta)
    if not name.endswith(".xml"):
        return content
    text = content.decode("utf-8")
    if _furniture_part(name, fmt):
        # One pass: a title that reads "{author}" stays as it is.
        text = _PLACEHOLDER.sub(lambda m: escape(fill[m.group()]), text)
    if name in ("styles.xml", "word/styles.xml"):
        text = _resize(_recolour(text, dress), min(meta.scale, 1.0))
    if dress.fonts:
        text = _declare_fonts(name, text, fmt, dress)
    return text.encode("utf-8")


def _recolour(text: str, dress: Dress) -> str:
    """The reference's accent and ink (print.css's defaults) as the workspace's."""
    for default, colour in ((DEFAULT_ACCENT, dress.accent), (DEFAULT_INK, dress.ink)):
        if colour:
            text = re.sub(re.escape(default), colour.lstrip("#"), text, flags=re.IGNORECASE)
    return text


def _resize(text: str, scale: float) -> str:
    """Every type size of the styles times `scale`, the one that fits the PDF to its pages,
    never above 1: a word processor lays text out its own way, and type enlarged to fill
    the PDF's page would run past the word processor's."""
    if scale == 1:
        return text
    text = re.sub(
        r'(fo:font-size(?:-asian|-complex)?=")([\d.]+)pt"',
        lambda m: f'{m.group(1)}{float(m.group(2)) * scale:.1f}pt"',
        text,
    )
    return re.sub(
        r'(<w:sz(?:Cs)? w:val=")(\d+)"',
        lambda m: f'{m.group(1)}{round(int(m.group(2)) * scale)}"',
        text,
    )


def _font_path(fmt: str, face: str) -> str:
    if fmt == "odt":
        return f"Fonts/{FONT_FAMILY}-{face}.ttf"
    return f"word/fonts/{FONT_FAMILY}-{face}.odttf"


def _declare_fonts(name: str, text: str, fmt: str, dress: Dress) -> str:
    """Where an archive says which font files it carries: ODF's font face and manifest,
    OOXML's font table, settings and content types."""
    if fmt == "odt" and name == "styles.xml":
        uris = "".join(
            f'<svg:font-face-uri xlink:href="{_font_path(fmt, face)}" xlink:type="simple">'
            '<svg:font-face-format svg:string="truetype"/></svg:font-face-uri>'
            for face, _ in dress.fonts
        )
        face = re.compile(rf'(<style:font-face\b[^>]*\sstyle:name="{FONT_FAMILY}"[^>]*?)\s*/>')
        source = f"<svg:font-face-src>{uris}</svg:font-face-src></style:font-face>"
        return face.sub(lambda m: f"{m.group(1)}>{source}", text)
    if fmt == "odt" and name == "META-INF/manifest.xml":
        entries = "".join(
            f'<manifest:file-entry manifest:full-path="{_font_path(fmt, face)}" '
            'manifest:media-type="application/x-font-ttf"/>'
            for face, _ in dress.fonts
        )
        if "settings.xml" not in text:
            entries += (
                '<manifest:file-entry manifest:full-path="settings.xml" '
                'manifest:media-type="text/xml"/>'
            )
        return text.replace("</manifest:manifest>", entries + "</manifest:manifest>")
    if fmt == "docx" and name == "word/fontTable.xml":
        embeds = "".join(
            f'<w:embed{face} r:id="rIdFont{face}" w:fontKey="{font_key(data)}"/>'
            for face, data in dress.fonts
        )
        lato = re.compile(rf'(<w:font w:name="{FONT_FAMILY}">.*?)(</w:font>)', re.DOTALL)
        return lato.sub(lambda m: m.group(1) + embeds + m.group(2), text, count=1)
    if fmt == "docx" and name == "word/settings.xml":
        return re.sub(r"(<w:zoom[^>]*/>)", r"\1<w:embedTrueTypeFonts/><w:saveSubsetFonts/>", text)
    if fmt == "docx" and name == "[Content_Types].xml":
        default = (
            '<Default Extension="odttf" '
            'ContentType="application/vnd.openxmlformats-officedocument.obfuscatedFont"/>'
        )
        return re.sub(r"(<Types[^>]*>)", lambda m: m.group(1) + default, text, count=1)
    return text


def _font_parts(fmt: str, dress: Dress, present: set[str]) -> dict[str, bytes]:
    """The font files an archive carries, and what points at them."""
    if not dress.fonts:
        return {}
    if fmt == "odt":
        parts = {_font_path(fmt, face): data for face, data in dress.fonts}
        if "settings.xml" not in present:
            parts["settings.xml"] = ODF_SETTINGS
        return parts
    parts = {_font_path(fmt, face): obfuscate(data, font_key(data)) for face, data in dress.fonts}
    relations = "".join(
        f'<Relationship Id="rIdFont{face}" Target="fonts/{FONT_FAMILY}-{face}.odttf" '
        'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/font"/>'
        for face, _ in dress.fonts
    )
    parts["word/_rels/fontTable.xml.rels"] = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f"{relations}</Relationships>"
    ).encode()
    return parts


def _timestamp(meta: PageMeta) -> str:
    return moment(meta.created).strftime("%Y-%m-%dT%H:%M:%SZ")


def _core_properties(meta: PageMeta) -> bytes:
    """docProps/core.xml: title, author, subject, keywords, language, dates."""
    when = _timestamp(meta)
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{escape(meta.title)}</dc:title>"
        f"<dc:subject>{escape(meta.subject)}</dc:subject>"
        f"<dc:creator>{escape(meta.author)}</dc:creator>"
        f"<cp:keywords>{escape(', '.join(meta.keywords))}</cp:keywords>"
        f"<dc:description>{escape(meta.trace)}</dc:description>"
        f"<dc:language>{escape(meta.lang)}</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()


def _odf_meta(meta: PageMeta) -> bytes:
    """meta.xml: the same metadata, in OpenDocument's terms."""
    when = _timestamp(meta)
    keywords = "".join(f"<meta:keyword>{escape(k)}</meta:keyword>" for k in meta.keywords)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.3"><office:meta>'
        "<meta:generator>briefgen</meta:generator>"
        f"<dc:title>{escape(meta.title)}</dc:title>"
        f"<dc:subject>{escape(meta.subject)}</dc:subject>"
        f"<dc:description>{escape(meta.trace)}</dc:description>"
        f"{keywords}"
        f"<meta:initial-creator>{escape(meta.author)}</meta:initial-creator>"
        f"<dc:creator>{escape(meta.author)}</dc:creator>"
        f"<dc:language>{escape(meta.lang)}</dc:language>"
        f"<meta:creation-date>{when}</meta:creation-date>"
        f"<dc:date>{when}</dc:date>"
        "</office:meta></office:document-meta>"
    ).encode()
