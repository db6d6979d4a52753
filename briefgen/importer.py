"""Import a saved article (web page, PDF or text file) as a draft source and its archived text.

`extract` reads the file's metadata and main text, reader comments left out;
`suggest_id` proposes an id for the new source; `sha256_text` fingerprints the
archived text.  Every problem is an `InputError` that prints as one line.

Files come from anyone, so they are read in a jail: a child process with a
memory limit (`IMPORT_MEMORY_BYTES`) and a time limit (`IMPORT_SECONDS`), killed
when it goes past either.  What the parsers allocate goes away with the child,
so the server's memory stays where it was after an import.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import logging
import math
import multiprocessing
import re
import unicodedata
import warnings
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn
from urllib.parse import urlsplit

from .errors import InputError, Problem
from .i18n import Text, lazy
from .models import Source

if TYPE_CHECKING:
    from multiprocessing.connection import Connection

    from .store import DossierFiles, Saved

MAX_IMPORT_BYTES = 5 * 1024 * 1024
"""Largest file accepted, in bytes."""
MAX_TEXT_CHARS = 400_000
"""Largest main text accepted, in characters, once extracted and normalised."""
MAX_PDF_PAGES = 300
"""Largest PDF accepted, in pages."""
MAX_HTML_BLOCKS = 20_000
"""Most paragraphs (block tags: p, div, li, td…) a web page may have, counted before it is
parsed: trafilatura's time grows with their square (25,000: 2.4 s; 100,000: 40 s)."""
IMPORT_MEMORY_BYTES = 512 * 1024 * 1024
"""Address space the child process reading a file may use (RLIMIT_AS): a PDF whose streams
inflate to gigabytes is stopped here.  An article needs about 80 MB, a 5 MB web page
about 210 MB."""
IMPORT_SECONDS = 20
"""Time the child process reading a file may take before it is killed."""
JAIL_PRELOAD = ["briefgen.importer", "pypdf", "trafilatura"]
"""Imported once by the fork server, so each child starts in milliseconds."""

UNKNOWN_TYPE = lazy(
    "unknown file type: expected a saved web page (.html), a PDF or a text file (.txt)"
)
UNREADABLE = lazy("cannot read this file; save the article as text or as plain HTML")
HTML_SUFFIXES = (".html", ".htm", ".xhtml")
TEXT_SUFFIXES = (".txt", ".md")
BINARY_SUFFIXES = (
    ".doc",
    ".docx",
    ".odt",
    ".rtf",
    ".epub",
    ".zip",
    ".png",
    ".jpg",
    ".jpeg",
    ".gif",
    ".webp",
)
"""Formats that are never read as text even when their bytes happen to decode."""
META_LINES = 15
"""A text file's metadata lines (author, date, address, publisher) are looked for this far."""
TITLE_MAX_CHARS = 200
"""A text file's first line longer than this is text, not a title."""

_COUNT = r"(?:\(\s*\d+\s*\)|\d+)"
COMMENTS_HEADING = re.compile(
    rf"""
    (?:\d+\s+)?(?:commentaires|comments|réactions)(?:\s*{_COUNT})?
    | \d+\s+(?:commentaire|comment|réaction)
    | (?:votre|vos)\s+(?:réactions?|commentaires?)(?:\s*{_COUNT})?
    | (?:laisser|ajouter|écrire|poster|publier)\s+un\s+commentaire
    | leave\s+a\s+(?:comment|reply)
    """,
    re.IGNORECASE | re.VERBOSE,
)
"""A whole line that opens the reader comments: nothing after it belongs to the article."""

FRENCH_MONTHS = {
    "janvier": 1,
    "février": 2,
    "fevrier": 2,
    "mars": 3,
    "avril": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "août": 8,
    "aout": 8,
    "septembre": 9,
    "octobre": 10,
    "novembre": 11,
    "décembre": 12,
    "decembre": 12,
}
META_LINE = re.compile(
    r"""^\s*(?P<key>auteur|autrice|author|date(?:\s+de\s+publication)?|source|url|adresse
    |publié\s+par|publie\s+par|éditeur|editeur|publisher)\s*:\s*(?P<value>\S.*?)\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
WEB_ADDRESS = re.compile(r"^https?://[^\s<>\"]+$")
HTML_BLOCK = re.compile(
    rb"<(?:p|div|li|h[1-6]|br|tr|td|th|dd|dt|blockquote|pre|section|article)[\s/>]",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Extracted:
    """What an imported file says about itself, and its main text to archive."""

    title: str | None
    publisher: str | None
    """Site name, else host name of the url, else None."""
    author: str | None
    date: dt.date | None
    url: str | None
    """Only an http(s) address, else None."""
    text: str
    """Main text, reader comments excluded, normalised (see `normalise`)."""
    kind: str
    """What the file was: "html", "pdf" or "text"."""


def _fail(name: str, message: Text, detail: str | None = None) -> NoReturn:
    raise InputError(Problem(message, file=name, detail=detail))


@contextmanager
def quiet() -> Iterator[None]:
    """Silence the parsers' warnings and log lines: their problems reach the user as errors."""
    loggers = [logging.getLogger(n) for n in ("pypdf", "trafilatura", "htmldate", "courlan")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)


def _check_size(size: int, name: str) -> None:
    if size > MAX_IMPORT_BYTES:
        shown = math.ceil(size * 10 / 1024 / 1024) / 10
        limit = MAX_IMPORT_BYTES // 1024 // 1024
        _fail(
            name, lazy("file too large (%(size)s MB, limit %(limit)s MB)", size=shown, limit=limit)
        )


def extract(data: bytes, name: str) -> Extracted:
    """Read a saved web page, PDF or text file (`name` is shown in errors and picks the type),
    in a child process with a memory and a time limit."""
    if not data:
        _fail(name, lazy("empty file"))
    _check_size(len(data), name)
    kind = detect_kind(data, name)
    if kind == "html":
        _check_blocks(data, name)
    result = _in_jail(kind, data, name)
    if len(result.text) > MAX_TEXT_CHARS:
        _too_long(name, len(result.text))
    return result


def _check_blocks(data: bytes, name: str) -> None:
    """Refuse a web page with more paragraphs than trafilatura reads in reasonable time."""
    count = len(HTML_BLOCK.findall(data))
    if count > MAX_HTML_BLOCKS:
        _fail(
            name,
            lazy(
                "too many paragraphs (%(count)s, limit %(limit)s); "
                "save only the article, as text or as plain HTML",
                count=count,
                limit=MAX_HTML_BLOCKS,
            ),
        )


def _parse(kind: str, data: bytes, name: str) -> Extracted:
    """Read the file with the parser of its kind, in this process."""
    if kind == "pdf":
        return _from_pdf(data, name)
    if kind == "html":
        return _from_html(data, name)
    return _from_text(data, name)


def _jailed(answer: Connection, kind: str, data: bytes, name: str, memory: int) -> None:
    """The child process: limit its address space, read the file, send back the outcome —
    ("done", Extracted), ("error", InputError) or ("memory", None)."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    outcome: tuple[str, object]
    try:
        outcome = ("done", _parse(kind, data, name))
    except MemoryError:
        outcome = ("memory", None)
    except InputError as error:
        outcome = ("error", error)
    except Exception as exc:  # any parser failure is the file's problem, reported on one line
        problem = Problem(UNREADABLE, file=name, detail=_reason(exc))
        outcome = ("error", InputError(problem))
    answer.send(outcome)
    answer.close()


def _in_jail(kind: str, data: bytes, name: str) -> Extracted:
    """`_parse` in a child process limited to IMPORT_MEMORY_BYTES and IMPORT_SECONDS; the
    child is killed past the time limit and always gone when this returns."""
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(JAIL_PRELOAD)
    receive, send = context.Pipe(duplex=False)
    child = context.Process(
        target=_jailed, args=(send, kind, data, name, IMPORT_MEMORY_BYTES), daemon=True
    )
    child.start()
    send.close()
    outcome: tuple[str, object] = ("time", None)
    try:
        if receive.poll(IMPORT_SECONDS):
            outcome = receive.recv()
    except EOFError:  # the child died without a word
        outcome = ("crash", None)
    finally:
        receive.close()
        child.kill()
        child.join()
        exitcode = child.exitcode
        child.close()
    status, value = outcome
    if status == "done" and isinstance(value, Extracted):
        return value
    if isinstance(value, InputError):
        raise value
    _jail_stopped(status, name, exitcode)


def _jail_stopped(status: str, name: str, exitcode: int | None) -> NoReturn:
    """The one line for a child stopped by its memory or time limit, or dead of itself."""
    if status == "memory":
        megabytes = IMPORT_MEMORY_BYTES // 1024 // 1024
        _fail(
            name,
            lazy(
                "this file needs too much memory to be read (more than %(limit)s MB); "
                "save the article as text or as plain HTML",
                limit=megabytes,
            ),
            f"MemoryError under RLIMIT_AS {megabytes} MB",
        )
    if status == "time":
        _fail(
            name,
            lazy(
                "this file takes too long to read (more than %(seconds)s seconds); "
                "save the article as text or as plain HTML",
                seconds=IMPORT_SECONDS,
            ),
            f"killed after {IMPORT_SECONDS} s",
        )
    _fail(name, UNREADABLE, f"reader exited with code {exitcode}")


def detect_kind(data: bytes, name: str) -> str:
    """The file's type, "pdf", "html" or "text": from its content first, its name second."""
    suffix = name.lower().rsplit("/", 1)[-1]
    suffix = suffix[suffix.rfind(".") :] if "." in suffix else ""
    if data.startswith(b"%PDF-") or (suffix == ".pdf" and b"%PDF-" in data[:1024]):
        return "pdf"
    if suffix == ".pdf":
        _fail(name, lazy("not a valid PDF (the file does not start with %PDF-)"))
    if suffix in BINARY_SUFFIXES or b"\x00" in data[:8192]:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")) and suffix not in BINARY_SUFFIXES:
            _fail(name, lazy("text saved as UTF-16; save the file as UTF-8"))
        _fail(name, UNKNOWN_TYPE)
    if suffix in HTML_SUFFIXES:
        return "html"
    head = data[:65536].decode("utf-8", errors="replace").lstrip("\ufeff \t\r\n").lower()
    if head.startswith(("<!doctype html", "<html")) or "<body" in head:
        return "html"
    if suffix in TEXT_SUFFIXES:
        return "text"
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        _fail(name, UNKNOWN_TYPE)
    return "text"


def suggest_id(extracted: Extracted, taken: Iterable[str]) -> str:
    """A new source id, e.g. "politique-france-2025": publisher (else title) and year."""
    base = ""
    if extracted.publisher:
        base = _slug(_site_name(extracted.publisher))
    if not base and extracted.title:
        base = _slug(" ".join(extracted.title.split()[:5]))
    base = _shorten(base, 50)
    if base and extracted.date:
        base = f"{base}-{extracted.date.year}"
    base = base or "source"
    used = set(taken)
    candidate, number = base, 1
    while candidate in used:
        number += 1
        candidate = f"{base}-{number}"
    return candidate


def snapshot_path(source_id: str) -> str:
    """Where a source's archived text is kept, relative to its dossier folder."""
    return f"sources/{source_id}.txt"


def draft_source(extracted: Extracted, taken: Iterable[str]) -> dict[str, Any]:
    """The source entry an article suggests, for the rep to confirm: what was found, an
    unused id, and `press` as its kind."""
    found = {
        "id": suggest_id(extracted, taken),
        "title": extracted.title,
        "publisher": extracted.publisher,
        "author": extracted.author,
        "date": extracted.date,
        "url": extracted.url,
        "kind": "press",
    }
    return {key: value for key, value in found.items() if value is not None}


def sha256_text(text: str) -> str:
    """Hex SHA-256 of the text as UTF-8: fingerprints the archived text of a source."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def normalise(text: str) -> str:
    """NFC, \\n line ends, no trailing spaces, one blank line between paragraphs, one final \\n.

    Returns "" when nothing but whitespace is left.
    """
    text = unicodedata.normalize("NFC", text)
    text = re.sub(r"\r\n?|[\f\v\u2028\u2029\x85]", "\n", text)
    text = re.sub(r"[\x00-\x08\x0e-\x1f\x7f\u200b\ufeff]", "", text)
    lines = [line.rstrip() for line in text.split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")
    return text + "\n" if text.strip() else ""


def cut_comments(lines: list[str]) -> list[str]:
    """The lines before the first reader-comments heading ("Commentaires (3)", "Réactions"…)."""
    for number, line in enumerate(lines):
        heading = line.strip().lstrip("#").strip().rstrip(":").strip()
        if COMMENTS_HEADING.fullmatch(heading):
            return lines[:number]
    return lines


def _reason(exc: BaseException) -> str:
    """A library's exception as a short single line."""
    detail = " ".join(str(exc).split())
    detail = detail if len(detail) <= 200 else detail[:199] + "…"
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


def _too_long(name: str, count: int, more: bool = False) -> NoReturn:
    if more:
        message = lazy(
            "text too long (more than %(count)s characters, limit %(limit)s); "
            "import an excerpt instead",
            count=count,
            limit=MAX_TEXT_CHARS,
        )
    else:
        message = lazy(
            "text too long (%(count)s characters, limit %(limit)s); import an excerpt instead",
            count=count,
            limit=MAX_TEXT_CHARS,
        )
    _fail(name, message)


def _web_address(value: str | None) -> str | None:
    """The value if it is a usable http(s) address, else None."""
    value = (value or "").strip()
    if len(value) <= 2000 and WEB_ADDRESS.match(value):
        return value
    return None


def _host(url: str | None) -> str | None:
    """Host name of an address, without "www."."""
    if not url:
        return None
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    return host.removeprefix("www.") if host else None


def _clean(value: object) -> str | None:
    """A metadata value as one trimmed line, None if empty or not text."""
    if not isinstance(value, str):
        return None
    text = " ".join(unicodedata.normalize("NFC", value).split())
    return text or None


def _site_name(publisher: str) -> str:
    """Publisher as a name: "www.politique-france.info" → "politique-france"."""
    name = publisher.strip().lower()
    if " " not in name and re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", name):
        name = name.removeprefix("www.").rsplit(".", 1)[0]
    return name


def _slug(text: str) -> str:
    """Lower-case ASCII letters and digits joined by single hyphens."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")


def _shorten(slug: str, limit: int) -> str:
    """The slug cut to at most `limit` characters, at a hyphen when possible."""
    if len(slug) <= limit:
        return slug
    cut = slug[: limit + 1].rsplit("-", 1)[0] if "-" in slug[:limit] else slug[:limit]
    return cut[:limit].strip("-")


def _parse_date(value: str) -> dt.date | None:
    """A date written "2025-12-20", "20/12/2025" or "20 décembre 2025"; None otherwise."""
    value = value.strip().lower()
    try:
        if match := re.match(r"^(\d{4})-(\d{2})-(\d{2})", value):
            year, month, day = (int(g) for g in match.groups())
        elif match := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", value):
            day, month, year = (int(g) for g in match.groups())
        elif match := re.fullmatch(r"(\d{1,2})(?:er)?\s+([a-zéû]+)\s+(\d{4})", value):
            if match.group(2) not in FRENCH_MONTHS:
                return None
            day, month, year = int(match.group(1)), FRENCH_MONTHS[match.group(2)], int(match[3])
        else:
            return None
        return dt.date(year, month, day)
    except ValueError:
        return None


def _paragraphs(text: str, name: str, empty: Text) -> str:
    """Comments cut off, normalised, checked for emptiness (`empty` says so); `extract`
    checks the length."""
    text = normalise("\n".join(cut_comments(text.split("\n"))))
    if not text:
        _fail(name, empty)
    return text


def _from_html(data: bytes, name: str) -> Extracted:
    """Main text and metadata of a saved web page, with trafilatura (never fetches anything)."""
    import trafilatura

    page: str | bytes
    try:
        page = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        page = data  # trafilatura guesses the encoding from the bytes
    try:
        with quiet():
            result = trafilatura.bare_extraction(
                page,
                url=None,
                with_metadata=True,
                include_comments=False,
                include_tables=False,
                favor_precision=True,
            )
    except MemoryError:  # the jail's limit: `_jailed` reports it
        raise
    except Exception as exc:  # any parser failure is the page's problem, reported on one line
        _fail(name, lazy("cannot read this web page"), _reason(exc))
    values: dict[str, Any] = {}
    if result is not None:
        values = result if isinstance(result, dict) else result.as_dict()
    # trafilatura gives one paragraph, heading or list item per line.
    lines = [line.strip() for line in str(values.get("text") or "").split("\n")]
    found = "\n\n".join(line for line in lines if line)
    text = _paragraphs(found, name, lazy("no text found in this web page"))
    url = _web_address(values.get("url"))
    date = values.get("date")
    return Extracted(
        title=_clean(values.get("title")),
        publisher=_clean(values.get("sitename")) or _host(url) or _clean(values.get("hostname")),
        author=_clean(values.get("author")),
        date=_parse_date(date) if isinstance(date, str) else None,
        url=url,
        text=text,
        kind="html",
    )


def _unwrap(page: str) -> str:
    """A PDF page's visual lines joined back into paragraphs separated by blank lines.

    A line ends its paragraph when it is clearly shorter than the page's longest
    line and ends a sentence or is followed by a capital; "informa-" + "tion"
    lines are joined back into "information".
    """
    lines = [line.strip() for line in page.replace("\r", "\n").split("\n")]
    width = max((len(line) for line in lines), default=0)
    paragraphs: list[str] = []
    current = ""
    for number, line in enumerate(lines):
        if not line:
            if current:
                paragraphs.append(current)
            current = ""
            continue
        split = bool(re.search(r"[a-zà-ÿ]-$", current)) and line[:1].islower()
        if current.endswith("\xad") or split:
            current = current[:-1] + line
        else:
            current = f"{current} {line}" if current else line
        following = lines[number + 1] if number + 1 < len(lines) else ""
        short = len(line) < 0.8 * width
        ends = bool(re.search(r"[.!?:;…»\"”)]$", line)) or not following[:1].islower()
        if short and ends:
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n\n".join(paragraphs)


def _from_pdf(data: bytes, name: str) -> Extracted:
    """Text layer and metadata of a PDF, with pypdf."""
    from pypdf import PdfReader
    from pypdf.errors import DependencyError, FileNotDecryptedError

    encrypted = lazy("encrypted PDF: save an unprotected copy (print it to PDF) and import that")
    pages: list[str] = []
    try:
        with quiet():
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted:
                try:
                    opened = reader.decrypt("")
                except (DependencyError, NotImplementedError):
                    _fail(name, encrypted)
                if not opened:
                    _fail(name, encrypted)
            count = len(reader.pages)
            if count > MAX_PDF_PAGES:
                _fail(
                    name,
                    lazy(
                        "too many pages (%(count)s, limit %(limit)s)",
                        count=count,
                        limit=MAX_PDF_PAGES,
                    ),
                )
            total = 0
            for page in reader.pages:
                pages.append(_unwrap(page.extract_text() or ""))
                total += len(pages[-1])
                if total > 2 * MAX_TEXT_CHARS:
                    _too_long(name, total, more=True)
            metadata = reader.metadata
            title = _clean(metadata.title) if metadata else None
            author = _clean(metadata.author) if metadata else None
            try:
                created = metadata.creation_date if metadata else None
            except Exception:  # a malformed /CreationDate only loses the date
                created = None
    except (InputError, MemoryError):  # MemoryError is the jail's limit: `_jailed` reports it
        raise
    except (FileNotDecryptedError, DependencyError):
        _fail(name, encrypted)
    except Exception as exc:  # any parser failure is the file's problem, reported on one line
        _fail(name, lazy("cannot read this PDF"), _reason(exc))
    scanned = lazy("no text found (a scanned PDF needs OCR first)")
    text = _paragraphs("\n\n".join(pages), name, scanned)
    return Extracted(
        title=title,
        publisher=None,
        author=author,
        date=created.date() if created else None,
        url=None,
        text=text,
        kind="pdf",
    )


def _from_text(data: bytes, name: str) -> Extracted:
    """A plain text file: title on the first line, metadata lines near the top, then the text."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        _fail(
            name,
            lazy(
                "not valid UTF-8 (byte 0x%(byte)s at offset %(offset)s, line %(line)s); "
                "save the file as UTF-8",
                byte=f"{data[exc.start]:02x}",
                offset=exc.start,
                line=row,
            ),
        )
    if "\x00" in text:
        _fail(name, UNKNOWN_TYPE)
    lines = normalise(text).split("\n")
    found: dict[str, str] = {}
    date: dt.date | None = None
    kept: list[str] = []
    for number, line in enumerate(lines):
        match = META_LINE.match(line) if number < META_LINES else None
        if not match:
            kept.append(line)
            continue
        key, value = match["key"].lower(), match["value"]
        if key.startswith("date"):
            parsed = _parse_date(value)
            if parsed is None:  # an unreadable date stays in the text for the reader
                kept.append(line)
            date = date or parsed
        elif key in ("auteur", "autrice", "author"):
            found.setdefault("author", value)
        elif _web_address(value):
            found.setdefault("url", value)
        elif key in ("url", "adresse"):
            kept.append(line)
        else:
            found.setdefault("publisher", value)
    kept = cut_comments(kept)
    title = None
    for number, line in enumerate(kept):
        if line.strip() and not META_LINE.match(line):
            if len(line.strip()) < TITLE_MAX_CHARS:
                title = line.strip().lstrip("#").strip() or None
                del kept[number]
            break
    url = found.get("url")
    return Extracted(
        title=title,
        publisher=_clean(found.get("publisher")) or _host(url),
        author=_clean(found.get("author")),
        date=date,
        url=url,
        text=_paragraphs("\n".join(kept), name, lazy("no text found in this text file")),
        kind="text",
    )


def read_file(path: Path) -> Extracted:
    """Read a saved article from disk: `extract` on its bytes, the size checked first."""
    name = str(path)
    if not path.is_file():
        _fail(name, lazy("no such file"))
    _check_size(path.stat().st_size, name)
    return extract(path.read_bytes(), name)


def add_source(files: DossierFiles, entry: Mapping[str, Any], text: str) -> tuple[Saved, Source]:
    """Add a source entry and its archived text (sources/<id>.txt, its SHA-256 recorded)
    to a dossier in one save; the dossier's files are otherwise left as they were."""
    from pydantic import ValidationError

    from .load import display_path, error_message
    from .store import Edit

    path = files.target("sources", is_list=True)
    taken = files.ids("sources")
    source_id = str(entry.get("id", ""))
    where = display_path(path)
    if source_id in taken:
        raise InputError(
            Problem(lazy("a source '%(id)s' already exists", id=source_id), where, field="id")
        )
    snapshot = snapshot_path(source_id)
    data = {**entry, "snapshot": snapshot, "sha256": sha256_text(text)}
    try:
        source = Source.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            *(
                Problem(error_message(e), where, field=".".join(str(p) for p in e["loc"]))
                for e in exc.errors()
            )
        ) from None
    target = files.folder / snapshot
    if target.exists():
        raise InputError(
            Problem(lazy("a snapshot of that name already exists"), display_path(target))
        )
    written = source.model_dump(mode="python", exclude_defaults=True)
    saved = files.save(
        [(path, Edit("sources", "add", None, written))],
        files.versions([path, target]),
        lazy("source imported: %(title)s", title=source.title),
        {target: text.encode("utf-8")},
    )
    return saved, source
