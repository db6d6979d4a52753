"""Language typography applied to the text of an HTML body (never to its tags).

French: a narrow no-break space before ; ! ? and inside « », a no-break
space before :, a typographic apostrophe.  Text inside code, pre, style and
script is left alone, and so are URLs and times (a colon with no space after).
"""

from __future__ import annotations

import html
import re

NBSP = "\u00a0"
NNBSP = "\u202f"

_TAG = re.compile(r"(<[^>]*>)")
_RAW_ELEMENTS = re.compile(r"^<(/?)(code|pre|style|script)\b", re.IGNORECASE)

_FRENCH_RULES = [
    (re.compile(r"(?<=[^\s;!?])[ \u00a0\u202f]*([;!?])(?=\s|$|[)»\"’.,;!?])"), NNBSP + r"\1"),
    (re.compile(r"(?<=[\w)»\]])[ \u00a0\u202f]*:(?=\s|$)"), NBSP + ":"),
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NNBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NNBSP + "»"),
    (re.compile(r"(?<=\w)'(?=\w)"), "’"),
]


def _french(text: str) -> str:
    for pattern, replacement in _FRENCH_RULES:
        text = pattern.sub(replacement, text)
    return text


def text(value: str, lang: str) -> str:
    """Plain text with the typography of `lang` (for titles, metadata, page furniture)."""
    return _french(value) if lang == "fr" else value


def apply(body: str, lang: str) -> str:
    """Return `body` with the typography of `lang` applied to its text nodes."""
    if lang != "fr":
        return body
    pieces = _TAG.split(body)
    raw_depth = 0
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            match = _RAW_ELEMENTS.match(piece)
            if match:
                raw_depth += -1 if match.group(1) else 1
                raw_depth = max(raw_depth, 0)
        elif piece and not raw_depth:
            pieces[index] = html.escape(_french(html.unescape(piece)), quote=False)
    return "".join(pieces)
