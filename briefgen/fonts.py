"""Font files a document carries with it: subset to what it can show, and obfuscated for
OOXML, so that an editable file or an HTML page looks the same on a machine without the
font."""

from __future__ import annotations

import hashlib
import io
import logging
import uuid
from functools import lru_cache
from pathlib import Path

BASE_CHARACTERS = frozenset(
    chr(code)
    for first, last in (
        (0x20, 0x7E),  # ASCII
        (0xA0, 0x24F),  # Latin-1 and Latin Extended: French, and names from elsewhere
        (0x2000, 0x20CF),  # punctuation, spaces, super- and subscripts, currencies
        (0x2100, 0x22FF),  # letter-like symbols, arrows, mathematical operators
        (0x25A0, 0x25FF),  # geometric shapes (bullets, squares)
    )
    for code in range(first, last + 1)
)
"""What every subset keeps, whatever the text, so that a rep who edits the file types in
the same font, and that the documents of a build share one subset of each face (making
one takes about a second)."""


def subset(path: Path, text: str = "") -> bytes:
    """The font at `path` reduced to `BASE_CHARACTERS` and those of `text` (same bytes for
    the same inputs: no timestamp is recomputed)."""
    extra = frozenset(text) - BASE_CHARACTERS
    stat = path.stat()
    return _subset(path, stat.st_mtime_ns, stat.st_size, extra)


@lru_cache(maxsize=32)
def _subset(path: Path, mtime: int, size: int, extra: frozenset[str]) -> bytes:
    from fontTools import subset as subsetter
    from fontTools.ttLib import TTFont

    # fontTools logs about old 'created' dates and dropped tables: nothing a user acts on.
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    font = TTFont(path, recalcTimestamp=False)
    options = subsetter.Options()
    options.notdef_outline = True
    options.hinting = False  # smaller, and word processors render without it
    tool = subsetter.Subsetter(options)
    tool.populate(unicodes={ord(c) for c in BASE_CHARACTERS | extra})
    tool.subset(font)
    output = io.BytesIO()
    font.save(output)
    return output.getvalue()


def font_key(data: bytes) -> str:
    """The GUID an OOXML package obfuscates a font with, drawn from the font's bytes so that
    two builds give the same file."""
    return "{" + str(uuid.UUID(bytes=hashlib.sha256(data).digest()[:16])).upper() + "}"


def obfuscate(data: bytes, key: str) -> bytes:
    """The font as an OOXML `.odttf` part: its first 32 bytes XORed with the key's bytes,
    read from the GUID's end (ECMA-376 part 2, 'Embedded font obfuscation')."""
    digits = key.strip("{}").replace("-", "")
    mask = bytes(int(digits[i : i + 2], 16) for i in range(30, -2, -2))
    head = bytes(byte ^ mask[i % 16] for i, byte in enumerate(data[:32]))
    return head + data[32:]
