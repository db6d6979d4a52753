"""Language typography applied to the text of an HTML body (never to its tags).

French: a narrow no-break space before ; ! ? and inside « », a no-break
space before :, a typographic apostrophe.  Text inside code, pre, style and
script is left alone, and so are URLs and times (a colon with no space after).
In headings, hyphenated words (parlons-en, Hauts-de-France) are kept on one
line: a heading broken after a hyphen reads as two words.
"""

from __future__ import annotations

import html
import re

NBSP = "\u00a0"
NNBSP = "\u202f"

_TAG = re.compile(r"(<[^>]*>)")
_RAW_ELEMENTS = re.compile(r"^<(/?)(code|pre|style|script)\b", re.IGNORECASE)
_HEADINGS = re.compile(r"^<(/?)h[1-6]\b", re.IGNORECASE)
_HYPHENATED = re.compile(r"\w+(?:-\w+)+")

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
    raw_depth = heading_depth = 0
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            if match := _RAW_ELEMENTS.match(piece):
                raw_depth = max(raw_depth + (-1 if match.group(1) else 1), 0)
            elif match := _HEADINGS.match(piece):
                heading_depth = max(heading_depth + (-1 if match.group(1) else 1), 0)
        elif piece and not raw_depth:
            text = html.escape(_french(html.unescape(piece)), quote=False)
            if heading_depth:
                text = _HYPHENATED.sub(r'<span class="nowrap">\g<0></span>', text)
            pieces[index] = text
    return "".join(pieces)
