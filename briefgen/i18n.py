"""Words people read, in their language: message catalogues (gettext, through Babel).

Every string a person reads in the terminal or in the page is written in
English in the code, wrapped in `_()` (translated now) or `lazy()` (translated
each time it is shown, for module-level text and for problems that may be
shown in another language than the one they were found in), and translated
from the catalogue `briefgen/locale/<lang>/LC_MESSAGES/messages.po`.

Placeholders are named, `%(name)s`, so that a translation may reorder them;
`pybabel compile` checks them (`scripts/i18n check`).

The language is a context variable: the command line sets it once from
`--ui-lang` or the locale (`LANGUAGE`, `LC_ALL`, `LC_MESSAGES`, `LANG`), the page
for each request.  The pseudo-language `PSEUDO` wraps every catalogue string in
⟦ ⟧: a test shows that nothing a person reads escapes the catalogue.
"""

from __future__ import annotations

import datetime as dt
import gettext as _gettext
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT = "en"
"""The language the code is written in: no catalogue needed."""
PSEUDO = "qps"
"""A pseudo-language for tests: every catalogue string shows as ⟦ its English ⟧."""
PSEUDO_OPEN, PSEUDO_CLOSE = "⟦", "⟧"

_current: ContextVar[str] = ContextVar("briefgen_ui_lang", default=DEFAULT)


def available() -> list[str]:
    """The languages a person can choose: English and every language with a catalogue."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/messages.po")}
    return sorted({DEFAULT, *found})


def from_environment(environ: Mapping[str, str] | None = None) -> str:
    """The language the locale asks for (gettext's order), if briefgen speaks it; else English."""
    environ = os.environ if environ is None else environ
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        for wanted in environ.get(name, "").split(":"):
            code = wanted.split(".")[0].split("@")[0].split("_")[0].lower()
            if code in ("c", "posix"):
                return DEFAULT
            if code and (code in available() or code == PSEUDO):
                return code
    return DEFAULT


def language() -> str:
    """The language text is shown in now."""
    return _current.get()


def set_language(lang: str) -> None:
    """Show text in `lang` from now on, in this thread or task."""
    _current.set(lang)


@contextmanager
def using(lang: str) -> Iterator[None]:
    """Show text in `lang` inside the block."""
    token = _current.set(lang)
    try:
        yield
    finally:
        _current.reset(token)


def babel_locale() -> str:
    """The locale Babel writes dates in: the language shown (English for the pseudo one)."""
    lang = language()
    return lang if lang in available() else DEFAULT


def long_date(value: dt.date) -> str:
    """A date in words, in the reader's language (« 1ᵉʳ mars 2026 »), as the documents
    write it."""
    return format_date(value, babel_locale())


def format_date(value: dt.date | str, lang: str = "fr", precision: str | None = None) -> str:
    """A date, or a partial date '2026' / '2025-09', written out in the document's language."""
    from babel.dates import format_date as babel_format

    from .models import partial_date

    if isinstance(value, str):
        value, given = partial_date(value)
        precision = precision or given
    precision = precision or "day"
    if precision == "year":
        return str(value.year)
    if precision == "month":
        return babel_format(value, "LLLL y", locale=lang)
    text = babel_format(value, "long", locale=lang)
    if lang == "fr" and value.day == 1:
        text = "1\u1d49\u02b3" + text[1:]  # 1ᵉʳ: the ordinal, raised
    return text


def format_number(value: float, lang: str = "fr") -> str:
    """A figure with the language's digit grouping and decimal sign (310 000 000; 36,8)."""
    from babel.numbers import format_decimal

    return format_decimal(value, locale=lang)


class _Pseudo(_gettext.NullTranslations):
    def gettext(self, message: str) -> str:
        return f"{PSEUDO_OPEN}{message}{PSEUDO_CLOSE}"

    def ngettext(self, msgid1: str, msgid2: str, n: int) -> str:
        return self.gettext(msgid1 if n == 1 else msgid2)


DOMAINS = ("messages", "click")
"""The catalogues of a language: the code's and the page's own (messages), then click's
words — its usage lines, errors and help headings — kept by hand (click)."""


def _catalogue(folder: Path, domain: str, lang: str) -> _gettext.GNUTranslations | None:
    """One catalogue: its compiled .mo when up to date, else its .po compiled in memory."""
    po, mo = folder / f"{domain}.po", folder / f"{domain}.mo"
    if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as handle:
            return _gettext.GNUTranslations(handle)
    if not po.is_file():
        return None
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return _gettext.GNUTranslations(buffer)


@cache
def translations(lang: str) -> _gettext.NullTranslations:
    """The catalogues of `lang`, one falling back on the next; English (no catalogue) for a
    language briefgen does not have."""
    if lang == PSEUDO:
        return _Pseudo()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    found = [c for c in (_catalogue(folder, d, lang) for d in DOMAINS) if c is not None]
    if not found:
        return _gettext.NullTranslations()
    for other in found[1:]:
        found[0].add_fallback(other)
    return found[0]


def _format(text: str, params: Mapping[str, Any]) -> str:
    return text % {k: str(v) if isinstance(v, Message) else v for k, v in params.items()}


def _(message: str, /, **params: Any) -> str:
    """`message` in the current language, its `%(name)s` placeholders filled from `params`."""
    text = translations(language()).gettext(message)
    return _format(text, params) if params else text


def ngettext(singular: str, plural: str, num: int, /, **params: Any) -> str:
    """The singular or plural form for `num`, in the current language; `%(num)s` is `num`."""
    text = translations(language()).ngettext(singular, plural, num)
    return _format(text, {"num": num, **params})


def N_(message: str) -> str:
    """Mark `message` for the catalogue without translating it here (it is translated
    where it is shown, e.g. a model field's description becoming a form's help)."""
    return message


class Message:
    """Text translated each time it is shown, in the language of that moment.

    A problem found in a worker process or at import time reads in the language
    of whoever reads it.  It behaves as the string it shows: `str()`, `in`, `==`,
    formatting, and str's methods.
    """

    __slots__ = ("msgid", "num", "params", "plural")

    def __init__(
        self, msgid: str, plural: str | None = None, num: int | None = None, /, **params: Any
    ) -> None:
        self.msgid = msgid
        self.plural = plural
        self.num = num
        self.params = params

    def __str__(self) -> str:
        if self.plural is not None and self.num is not None:
            return ngettext(self.msgid, self.plural, self.num, **self.params)
        return _(self.msgid, **self.params)

    def __repr__(self) -> str:
        return f"Message({self.msgid!r}, {self.params!r})"

    def __html__(self) -> str:
        from markupsafe import escape

        return str(escape(str(self)))

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __eq__(self, other: object) -> bool:
        return str(self) == str(other) if isinstance(other, str | Message) else NotImplemented

    def __hash__(self) -> int:
        return hash((self.msgid, tuple(sorted(self.params.items(), key=lambda kv: kv[0]))))

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __len__(self) -> int:
        return len(str(self))

    def __mod__(self, params: Mapping[str, Any]) -> str:
        return _format(str(self), params)

    def __add__(self, other: str) -> str:
        return str(self) + str(other)

    def __radd__(self, other: str) -> str:
        return str(other) + str(self)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):  # pickle and copy look for these: never str's
            raise AttributeError(name)
        return getattr(str(self), name)

    def __getstate__(self) -> tuple[str, str | None, int | None, dict[str, Any]]:
        return self.msgid, self.plural, self.num, self.params

    def __setstate__(self, state: tuple[str, str | None, int | None, dict[str, Any]]) -> None:
        self.msgid, self.plural, self.num, self.params = state


def lazy(message: str, /, **params: Any) -> Message:
    """`message`, translated each time it is shown (module-level text, problems)."""
    return Message(message, **params)


def lazy_plural(singular: str, plural: str, num: int, /, **params: Any) -> Message:
    """The singular or plural form for `num`, translated each time it is shown."""
    return Message(singular, plural, num, **params)


Text = str | Message
"""What a message may be: text already in the reader's language, or a Message."""
