"""Language typography applied to the text of an HTML body (never to its tags).

Each text node gets the typography of its language: the `lang` attribute of
the nearest element that has one, else the page's.  English gets none; French
follows the Imprimerie nationale's rules:

- a narrow no-break space in the digit groups of numbers (6 000) and before
  % ; ! ? and inside « »; a no-break space before : and between a number and
  its unit or currency (310 M€, 7 500 euros), and after n°;
- a typographic apostrophe, also before a quotation or an element (d’« … », d’<em>);
- no-break spaces inside a date (23 janvier 2024, 1ᵉʳ mars 2026, the ordinal raised);
- reference calls before the punctuation they follow (« géographique[1, 2]. »),
  and bound to the word before them, so a call never starts a line;
- no break and no hyphenation inside proper names (LinkedIn, Hauts-de-France),
  site names (politique-france.info), article numbers (L2312-15) and case
  numbers (RG 22/00134).

Text inside code, pre, style and script is left alone, and so are web addresses
and times (a colon with no space after).  Punctuation that a template writes
right after a label in another language (`<span lang="en">Sources</span> :`)
takes that language's spacing.  In headings, every hyphenated word is
kept on one line: a heading broken after a hyphen reads as two words.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

NBSP = "\u00a0"
NNBSP = "\u202f"
ZWSP = "\u200b"
_SPACE = "[ \u00a0\u202f]"

# Tags, as the HTML of a document writes them (Python-Markdown's output and the templates').
TAG = re.compile(r"(<[^>]*>)")
START_TAG = re.compile(r"^<([a-zA-Z][a-zA-Z0-9-]*)([^>]*?)(/?)>$")
END_TAG = re.compile(r"^</([a-zA-Z][a-zA-Z0-9-]*)\s*>$")
_LANG_ATTRIBUTE = re.compile(r"""\blang\s*=\s*["']?([A-Za-z-]+)""")
VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
_RAW = frozenset({"code", "pre", "style", "script"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# Elements whose start or end ends a run of text: the rules look behind no further.
BLOCKS = frozenset(
    [
        "address",
        "blockquote",
        "body",
        "caption",
        "dd",
        "div",
        "dl",
        "dt",
        "figcaption",
        "figure",
        "footer",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "li",
        "ol",
        "p",
        "section",
        "table",
        "td",
        "th",
        "tr",
        "ul",
        "br",
    ]
)

_UNITS = (
    r"(?:[kM]?€|Md€|\$|£|euros?|dollars?|millions?|milliards?"
    r"|km²|m²|m³|ha|km|cm|mm|kg|°C|Go|Mo|ko|To|m|g|h"
    r"|jours?|semaines?|mois|ans|années?|heures?|minutes?)"
)
"""Units kept on the line of their number (a duration too: 30 jours, 6 mois)."""
_MONTHS = "(?:janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre)"
_Open = TypeVar("_Open", bound=tuple[Any, ...])
"""An open element: a tuple whose first item is its tag name."""
_Replacement = str | Callable[[re.Match[str]], str]
_FRENCH_RULES: list[tuple[re.Pattern[str], _Replacement]] = [
    # Digit groups: 6 000, 310 000 000 (never inside a longer figure, a decimal or a year list).
    (
        re.compile(rf"(?<![\d,.])\d{{1,3}}(?:{_SPACE}\d{{3}})+(?![\d])"),
        lambda m: re.sub(_SPACE, NNBSP, m.group()),
    ),
    (re.compile(rf"(?<=\d){_SPACE}?([%‰])"), NNBSP + r"\1"),
    (re.compile(rf"(?<=\d){_SPACE}+({_UNITS})(?![\w])"), NBSP + r"\1"),
    (re.compile(rf"\b([nN]°){_SPACE}*(?=\d)"), r"\1" + NBSP),
    (re.compile(rf"(?<=[^\s;!?]){_SPACE}*([;!?])(?=\s|$|[)»\"’.,;!?])"), NNBSP + r"\1"),
    # After a word, a closing mark, a percentage or a unit (2,8 % :, 32 M€ :).
    (re.compile(rf"(?<=[^\s:]){_SPACE}*:(?=\s|$)"), NBSP + ":"),
    (re.compile(rf"«{_SPACE}*"), "«" + NNBSP),
    (re.compile(rf"{_SPACE}*»"), NNBSP + "»"),
    # An apostrophe before a word, a quotation (d’« … ») or an element (d’<em>…</em>).
    (re.compile(r"(?<=\w)'(?=[\w«]|$)"), "’"),
    # A date is read as one: 23 janvier 2024, 1ᵉʳ mars 2026 (a typed 1er raised).
    (re.compile(rf"(?<![\d,.])1er(?={_SPACE}+{_MONTHS}\b)"), "1ᵉʳ"),
    (re.compile(rf"(?<![\d,.])(1er|1ᵉʳ|\d{{1,2}}){_SPACE}+(?={_MONTHS}\b)"), r"\1" + NBSP),
    (re.compile(rf"\b({_MONTHS}){_SPACE}+(?=\d{{4}}\b)"), r"\1" + NBSP),
    (re.compile(rf"\b([LRD]\.){_SPACE}+(?=\d)"), r"\1" + NBSP),
    (re.compile(rf"\b(RG|art\.|article){_SPACE}+(?=[LRD]?\.?{_SPACE}?\d)"), r"\1" + NBSP),
]

# Tokens that are never broken nor hyphenated, in escaped French text.  Each is
# a whole "word" (no letter, digit, dot, hyphen or slash touching it), so a
# site name inside a URL is left to the URL.
_EDGE_BEFORE = r"(?<![\w./@-])"
_EDGE_AFTER = r"(?![\w/@-]|\.\w)"
_UNBREAKABLE = re.compile(
    _EDGE_BEFORE
    + "(?:"
    + r"RG\u00a0\d[\d/.-]*\d"  # case numbers
    + r"|[LRD]\.?\u00a0?\d{1,4}(?:-\d+)+"  # articles of a code
    + r"|[\w-]+(?:\.[\w-]+)*\.(?:fr|info|news|xyz|ie|com|org|net|eu|gouv|io)"  # site names
    + r"|\w*[a-zà-ÿ]\w*[A-Z]\w*"  # names with inner capitals: LinkedIn
    + r"|[A-ZÀ-Ý]\w+(?:-\w+)+"  # hyphenated names: Hauts-de-France
    + ")"
    + _EDGE_AFTER
)
# A capitalised word of five letters or more (shorter ones are never hyphenated),
# after a letter, comma or closing mark and a space: a proper name in a sentence,
# not the first word of one.
_NAME_IN_SENTENCE = re.compile(r"(?<=[\w,»)’]\s)([A-ZÀ-Ý][a-zà-ÿ]{4,})(?![\w-])")
_HYPHENATED = re.compile(r"\w+(?:-\w+)+")

# A reference call after punctuation moves before it; the call and the word it
# follows are then kept on one line.
_CALL = r'<sup class="ref">(?:(?!</sup>).)*</sup>'
_CALL_AFTER_PUNCTUATION = re.compile(
    rf"({_SPACE}?[.,;:!?…]+)((?:</(?:strong|em|b|i|span)>)*)({_CALL})"
)
# A closing guillemet takes the space before it along, to be made a no-break one; a number
# takes all its digit groups (2 400), to be joined by narrow no-break spaces; a unit takes
# its number (30 jours, 2,5 %), to be joined by a no-break space.
_CALL_AFTER_WORD = re.compile(
    rf"((?:{_SPACE}(?=»))?(?:(?<![\d,.])(?:\d{{1,3}}(?:{_SPACE}\d{{3}})+|\d+)(?:,\d+)?"
    rf"(?:{_SPACE}+{_UNITS}(?!\w)|{_SPACE}?%)"
    rf"|(?<![\d,.])\d{{1,3}}(?:{_SPACE}\d{{3}})+|[^\s<>]+))({_CALL})"
)
# Of a web address before a call, only the piece after its last separator is bound to the
# call (never an entity's &: this runs on escaped HTML).
_ADDRESS_HEAD = re.compile(r"^.*[/.\-_?=](?=.)", re.S)

# A badge (« sources divergentes ») and the word before it (with its call, if any; a
# punctuation mark with the space before it, for its no-break space to be made) are
# kept on one line, whatever space a template put between them: a nowrap span around
# both (a no-break space alone makes WeasyPrint 70 set a paragraph just over a line
# long one word a line, « Der- / rière / les »).
_BADGE_AFTER_WORD = re.compile(
    rf'((?:<span class="nowrap">[^<]*{_CALL}</span>)|[ \t\n]*[.,;:!?…]+|[^\s<>]+)[ \t\n\u00a0]+'
    r'(<span class="tag">[^<]*</span>)'
)

# A web address: never hyphenated (a reader types it from paper), broken only after
# / . - _ ? & = with nothing added.  Punctuation that ends a sentence is not part of it.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>«»\"]*[^\s<>«»\".,;:!?)’]")
_URL_BREAK = re.compile(r"(?<=[/.\-_?&=])(?=[^/.\-_?&=])")
_ADDRESS = '<span class="address">'
# Punctuation that opens a text node right after an element in another language: the
# template wrote it for that element (a label: « Sources : »), so it takes its spacing.
_LEADING_PUNCTUATION = re.compile(rf"^{_SPACE}*([:;!?])")


def _french(text: str) -> str:
    for pattern, replacement in _FRENCH_RULES:
        text = pattern.sub(replacement, text)
    return text


def text(value: str, lang: str) -> str:
    """Plain text with the typography of `lang` (for titles, metadata, page furniture)."""
    return _french(value) if lang == "fr" else value


def _nowrap(match: re.Match[str]) -> str:
    return f'<span class="nowrap">{match.group()}</span>'


def _french_text(text: str, before: str, heading: bool) -> str:
    """One text node (unescaped), typeset and escaped, with `before` (the end of the
    previous text node in the same block) as context for the rules that look behind."""
    typeset = _french(before + text)[len(before) :]
    escaped = html.escape(typeset, quote=False)
    if heading:
        return _HYPHENATED.sub(_nowrap, escaped)
    escaped = _UNBREAKABLE.sub(_nowrap, escaped)
    return _NAME_IN_SENTENCE.sub(_nowrap, escaped)


def apply(body: str, lang: str) -> str:
    """Return `body` with the typography of each text node's language applied."""
    if lang == "fr":
        body = _CALL_AFTER_PUNCTUATION.sub(r"\3\1\2", body)
    body = _CALL_AFTER_WORD.sub(_bind_call, body)
    body = _BADGE_AFTER_WORD.sub(r'<span class="nowrap">\1 \2</span>', body)
    pieces = TAG.split(body)
    stack: list[tuple[str, str | None]] = []
    before = ""
    closed: str | None = None
    for index, piece in enumerate(pieces):
        if index % 2:  # a tag
            before, closed = _follow(stack, piece, before)
            continue
        if not piece or any(name in _RAW for name, _ in stack):
            continue
        text = html.unescape(piece)
        here = _base(next((code for _, code in reversed(stack) if code), lang))
        lead = ""
        if closed and _base(closed) != here:
            lead, text = _leading_punctuation(text, _base(closed))
            before = ")" if lead else before
        if here == "fr":
            heading = any(name in _HEADINGS for name, _ in stack)
            pieces[index] = lead + _french_addresses_apart(text, before, heading)
        elif lead:
            pieces[index] = lead + html.escape(text, quote=False)
        before = _context((lead + text)[-1:])
    return "".join(pieces)


def for_print(body: str) -> str:
    """`body`, typeset by `apply`, for the PDF only: each web address it prints may break
    after / . - _ ? & = and nowhere else, with nothing added (a zero-width space, which
    stays out of the PDF's text), and is never hyphenated (`.address`, or the link that
    holds it: a span inside a link would split the link's PDF/UA tagging).  Never for an
    ODT, DOCX or a text that is checked: the spaces would be in their text.  A body
    already made for print comes back unchanged."""
    pieces = TAG.split(body)
    stack: list[tuple[str, str | None]] = []
    for index, piece in enumerate(pieces):
        if index % 2:
            _follow(stack, piece, "")
        elif piece and not any(name in _RAW for name, _ in stack):
            held = pieces[index - 1] == _ADDRESS or any(name == "a" for name, _ in stack)
            pieces[index] = _URL.sub(partial(_address, held=held), piece)
    return "".join(pieces)


def _address(match: re.Match[str], held: bool) -> str:
    """A web address (escaped) with a zero-width space after each run of separators, in
    `.address` unless an element already `held` it."""
    pieces = _URL_BREAK.split(html.unescape(match.group()).replace(ZWSP, ""))
    joined = ZWSP.join(html.escape(piece, quote=False) for piece in pieces)
    return joined if held else f"{_ADDRESS}{joined}</span>"


def _bind_call(match: re.Match[str]) -> str:
    """A reference call and the word before it, kept on one line (of a web address, only
    its last piece, so that the rest may still break)."""
    word, call = match.groups()
    head = _ADDRESS_HEAD.match(word) if _URL.search(word) else None
    cut = head.end() if head else 0
    return f'{word[:cut]}<span class="nowrap">{word[cut:]}{call}</span>'


def _french_addresses_apart(text: str, before: str, heading: bool) -> str:
    """One French text node (unescaped), typeset and escaped, except its web addresses,
    which are printed as written (a % or an apostrophe in one is not French text)."""
    parts = _URL.split(text)
    addresses = _URL.findall(text)
    out = []
    for index, part in enumerate(parts):
        if part:
            out.append(_french_text(part, before, heading))
            before = _context(part[-1:])
        if index < len(addresses):
            out.append(html.escape(addresses[index], quote=False))
            before = ")"
    return "".join(out)


def _base(code: str) -> str:
    """The language of a language tag: fr for fr-FR."""
    return code.split("-")[0].lower()


def _leading_punctuation(text: str, lang: str) -> tuple[str, str]:
    """Split off the punctuation that opens `text`, spaced as `lang` wants it (escaped),
    from the rest of the text (unescaped)."""
    match = _LEADING_PUNCTUATION.match(text)
    if not match:
        return "", text
    mark = match.group(1)
    space = (NBSP if mark == ":" else NNBSP) if lang == "fr" else ""
    return space + mark, text[match.end() :]


def _context(char: str) -> str:
    """What the rules that look behind need of the previous text node's last character:
    digit, letter, space or other (mapped so that no rule can change it)."""
    if not char:
        return ""
    if char.isdigit():
        return "0"
    if char.isalpha() or char == "_":
        return "a"
    return " " if char.isspace() else ")"


def _follow(stack: list[tuple[str, str | None]], tag: str, before: str) -> tuple[str, str | None]:
    """Update the stack of open elements for `tag`; return the context the next text node
    sees (nothing after the start or end of a block) and, after the end of an inline
    element tagged with a language, that language."""
    if match := START_TAG.match(tag):
        name = match.group(1).lower()
        if name not in VOID and not match.group(3):
            code = _LANG_ATTRIBUTE.search(match.group(2))
            stack.append((name, code.group(1) if code else None))
        return ("" if name in BLOCKS else before), None
    if match := END_TAG.match(tag):
        name = match.group(1).lower()
        ended = close(stack, name)
        if name in BLOCKS:
            return "", None
        return before, (ended[-1][1] if ended else None)
    return before, None


def close(stack: list[_Open], name: str) -> list[_Open]:
    """Pop the innermost open element called `name` and those left open inside it (a
    lenient reading of unbalanced HTML); return them, innermost first.  An end tag
    that closes nothing leaves the stack as it is."""
    for depth in range(len(stack) - 1, -1, -1):
        if stack[depth][0] == name:
            closed = stack[depth:][::-1]
            del stack[depth:]
            return closed
    return []
