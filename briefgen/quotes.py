"""Quotes and wording checked against a source's archived text (its snapshot).

Texts are compared normalised, so that typography (French spaces, curly quotes,
apostrophes, dashes, line-end hyphenation, case) never defeats a match; what is
shown to the user is always the original wording.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

COPIED_WORDS = 12
"""A statement sharing this many consecutive words with a snapshot copies it."""

_CHARACTERS = str.maketrans(
    {
        **dict.fromkeys("«»“”„‟″", '"'),
        **dict.fromkeys("’‘ʼ′`", "'"),
        **dict.fromkeys("–—‑‐", "-"),
    }
)
_INVISIBLE = re.compile("[\u00ad\u200b\u200c\u200d\u2060\ufeff]")
_SOFT_HYPHEN_AT_LINE_END = re.compile(r"\u00ad[^\S\n]*\n\s*")
_HYPHEN_AT_LINE_END = re.compile(r"(?<=\w)[-\u2010\u2011][^\S\n]*\n\s*(?=\w)")
_AROUND_QUOTES = re.compile(r' ?" ?')
_BEFORE_PUNCTUATION = re.compile(r" ([;:!?%])")
_WORD = re.compile(r"(?:\S*?\w[-\u2010\u2011\u00ad][^\S\n]*\n\s*(?=\w))*\S+")
_EDGES = re.compile(r"^\W+|\W+$")
_LETTER = re.compile(r"\w")
_LAST_LETTER = re.compile(r"\w(?=\W*$)")
_PAIRS = (("«", "»"), ("“", "”"))


def normalise(text: str) -> str:
    """The text as compared: NFKC, casefolded, quotes, apostrophes and dashes made plain,
    line-end hyphens joined, whitespace collapsed, spaces around quotes and before ; : ! ? %
    dropped (French typography)."""
    text = _SOFT_HYPHEN_AT_LINE_END.sub("", text)
    text = _HYPHEN_AT_LINE_END.sub("", text)
    text = _INVISIBLE.sub("", text).translate(_CHARACTERS)
    text = unicodedata.normalize("NFKC", text).translate(_CHARACTERS).casefold()
    text = " ".join(text.split())
    text = _AROUND_QUOTES.sub('"', text)
    return _BEFORE_PUNCTUATION.sub(r"\1", text)


@functools.lru_cache(maxsize=65536)
def _key(word: str) -> str:
    """A word as compared: normalised, without the punctuation at its ends."""
    return _EDGES.sub("", normalise(word))


@dataclass(frozen=True)
class Words:
    """A text cut into words: each word's comparison key and its span in the text."""

    text: str
    keys: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)

    @classmethod
    def of(cls, text: str) -> Words:
        """The words of `text`; a word hyphenated at a line end is one word."""
        words = cls(text)
        for match in _WORD.finditer(text):
            key = _key(match.group())
            if not key:
                continue  # punctuation alone: « » — ; …
            start, end = match.span()
            first, last = _LETTER.search(text, start, end), _LAST_LETTER.search(text, start, end)
            if first and last:
                start, end = first.start(), last.end()
            words.keys.append(key)
            words.spans.append((start, end))
        return words

    def wording(self, first: int, stop: int) -> str:
        """The original text of words first to stop - 1, with the closing or opening
        guillemet of a quotation it cuts in two."""
        start, end = self.spans[first][0], self.spans[stop - 1][1]
        passage = self.text[start:end]
        for opening, closing in _PAIRS:
            if passage.count(opening) > passage.count(closing):
                found = re.compile(rf"\s{{0,2}}{closing}").match(self.text, end)
                end = found.end() if found else end
            elif passage.count(closing) > passage.count(opening):
                found = re.compile(rf"{opening}\s{{0,2}}$").search(
                    self.text, max(0, start - 3), start
                )
                start = found.start() if found else start
        return self.text[start:end]


class Passages:
    """A text (a snapshot) prepared once for every quote and statement compared with it."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.normalised = normalise(text)
        self.words = Words.of(text)
        self._runs: dict[int, dict[tuple[str, ...], list[int]]] = {}

    def find(self, quote: str) -> bool:
        """Whether the quote occurs in the text, whole words, compared normalised."""
        wanted = normalise(quote).strip(' "')
        if not wanted:
            return False
        before = r"(?<!\w)" if _LETTER.match(wanted[0]) else ""
        after = r"(?!\w)" if _LETTER.match(wanted[-1]) else ""
        return re.search(before + re.escape(wanted) + after, self.normalised) is not None

    def closest(self, quote: str) -> tuple[float, str]:
        """The passage of about the quote's length in words that best matches it, in the
        text's wording, and how well (0 to 1); (0, "") if no passage shares a word."""
        wanted = Words.of(quote).keys
        keys = self.words.keys
        if not wanted or not keys:
            return 0.0, ""
        size = min(len(wanted), len(keys))
        score, start = _best_window(wanted, keys, size)
        if start < 0:
            return 0.0, ""
        first, stop = _aligned(wanted, keys, start, size)
        return score, self.words.wording(first, stop)

    def copied(self, statement: str, words: int = COPIED_WORDS) -> tuple[int, str] | None:
        """The first run of `words` or more consecutive words of the statement found in the
        text: (how many words, in the statement's wording); None if there is none."""
        mine = Words.of(statement)
        keys = self.words.keys
        index = self._runs.get(words)
        if index is None:
            index = {}
            for position in range(len(keys) - words + 1):
                index.setdefault(tuple(keys[position : position + words]), []).append(position)
            self._runs[words] = index
        for start in range(len(mine.keys) - words + 1):
            positions = index.get(tuple(mine.keys[start : start + words]))
            if not positions:
                continue
            longest = words
            for position in positions:
                length = words
                while (
                    start + length < len(mine.keys)
                    and position + length < len(keys)
                    and mine.keys[start + length] == keys[position + length]
                ):
                    length += 1
                longest = max(longest, length)
            return longest, mine.wording(start, start + longest)
        return None


def _best_window(wanted: list[str], keys: list[str], size: int) -> tuple[float, int]:
    """(similarity, start) of the window of `size` words of `keys` most like `wanted`,
    the first of the best; start -1 if no window shares a word with it.

    Windows are tried by how many words they share with `wanted` (a bound on their
    similarity), so that only a few are compared word by word.
    """
    need = Counter(wanted)
    have: Counter[str] = Counter()
    shared = 0
    overlaps: list[tuple[int, int]] = []
    for position, key in enumerate(keys):
        if key in need:
            shared += have[key] < need[key]
            have[key] += 1
        if position >= size:
            gone = keys[position - size]
            if gone in need:
                have[gone] -= 1
                shared -= have[gone] < need[gone]
        if position >= size - 1 and shared:
            overlaps.append((-shared, position - size + 1))
    overlaps.sort()
    best, best_start = 0.0, -1
    for negative, start in overlaps:
        if 2 * -negative / (len(wanted) + size) <= best:
            break
        score = SequenceMatcher(None, wanted, keys[start : start + size], autojunk=False).ratio()
        if score > best:
            best, best_start = score, start
    return best, best_start


def _aligned(wanted: list[str], keys: list[str], start: int, size: int) -> tuple[int, int]:
    """The words of `keys` that line up with `wanted` around the window at `start`: from the
    text word facing its first word to the one facing its last, words added or left out
    in between included."""
    pad = max(3, len(wanted) // 4)
    low, high = max(0, start - pad), min(len(keys), start + size + pad)
    matcher = SequenceMatcher(None, wanted, keys[low:high], autojunk=False)
    blocks = [block for block in matcher.get_matching_blocks() if block.size]
    if not blocks:
        return start, start + size
    first, last = blocks[0], blocks[-1]
    begin = max(0, low + first.b - first.a)
    end = min(len(keys), low + last.b + last.size + len(wanted) - last.a - last.size)
    return begin, max(end, begin + 1)


def one_line(text: str) -> str:
    """A passage as a message shows it: line-end hyphens joined, whitespace collapsed."""
    text = _SOFT_HYPHEN_AT_LINE_END.sub("", text)
    return " ".join(_HYPHEN_AT_LINE_END.sub("", text).replace("\u00ad", "").split())


def find_quote(quote: str, text: str) -> bool:
    """Whether `quote` occurs word for word in `text`, typography aside."""
    return Passages(text).find(quote)


def closest_passage(quote: str, text: str) -> str:
    """The passage of `text`, in its own wording, of about the quote's length that best
    matches `quote` ("" if none shares a word with it)."""
    return Passages(text).closest(quote)[1]


def copied_run(statement: str, text: str, words: int = COPIED_WORDS) -> str | None:
    """The first run of `words` or more consecutive words of `statement` also in `text`
    (compared normalised), in the statement's wording; None if there is none."""
    found = Passages(text).copied(statement, words)
    return found[1] if found else None


def _folded(text: str) -> str:
    """`text` lower-cased and without accents, one character for one, so that a position
    in it is the same position in `text`."""
    return "".join(unicodedata.normalize("NFD", c)[0].lower() for c in text)


def unit_in_label(unit: str | None, label: str | None) -> tuple[str, str] | None:
    """(the unit as the label writes it, the rest of the label) when a figure's caption
    starts with its unit ("salariés en CDI" after "salariés"): the same word, whatever the
    case, the accents or a plural in s or x; None when it does not.  The label's spelling is
    kept (it agrees with the figure), but not a capital the unit does not have."""
    unit = (unit or "").strip()
    if not unit or not label:
        return None
    folded = _folded(unit)
    stem = folded[:-1] if len(folded) > 2 and folded[-1] in "sx" else folded
    found = re.match(re.escape(stem) + r"[sx]?(?=\s|$)", _folded(label))
    if found is None:
        return None
    spelled = label[: found.end()]
    if unit[0].islower():
        spelled = spelled[0].lower() + spelled[1:]
    return spelled, label[found.end() :].strip()
