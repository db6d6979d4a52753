"""Jinja environments: sandboxed, strict, and escaping every value they print.

Two environments share one search path (the built-in templates):
- the Markdown one, for documents: every ``{{ value }}`` is escaped for both
  Markdown and HTML by `finalize`, so dossier text prints literally; only
  `Markup` fragments made by the context (reference marks) pass as they are;
- the HTML one, for the page layout, with Jinja's HTML autoescaping.
"""

from __future__ import annotations

import difflib
import re
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, NoReturn

from jinja2 import (
    ChoiceLoader,
    FileSystemLoader,
    PrefixLoader,
    StrictUndefined,
    TemplateError,
    TemplateSyntaxError,
    UndefinedError,
)
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup
from pydantic import BaseModel

from . import typography
from .errors import InputError, Problem
from .i18n import Message, format_date, format_number, lazy
from .paths import BUILTIN_PREFIX, TEMPLATE_DIR, file_stamp, find_template_file

# Characters that mean something to Markdown or HTML wherever they stand, and
# those that do only at the start of a line.  Each becomes a numeric entity,
# which Markdown and raw HTML blocks both pass through and the reader sees as
# the character; ordinary prose punctuation stays as it is, so the Markdown
# output remains readable.
_ANYWHERE = re.compile(r"[\\`*_{}\[\]|#<>&\"]")
_LINE_START = re.compile(r"^(?:[-+=>]|\d+(?=\.))")


def _entity(match: re.Match[str]) -> str:
    return "".join(f"&#{ord(char)};" for char in match.group())


def escape_text(value: object) -> Markup:
    """Dossier text → Markup that Markdown and HTML both print literally, on one line."""
    if isinstance(value, Markup):
        return value
    if hasattr(value, "__html__"):  # a fragment the context made (a reference mark)
        return Markup(value.__html__())
    text = " ".join(str(value).split())
    text = _ANYWHERE.sub(_entity, text)
    return Markup(_LINE_START.sub(_entity, text))


def foreign(value: object, lang: str) -> Markup:
    """Dossier or label text in another language than the document's, tagged with its own
    (`<span lang="en">`) so that it is read aloud, hyphenated and typeset as such; empty
    text stays empty (an empty element in another language is an accessibility error)."""
    text = escape_text(value)
    if not text.strip():
        return text
    return Markup('<span lang="{}">').format(lang) + text + Markup("</span>")


def tagged_labels(labels: Mapping[str, str], lang: str, text_lang: str) -> dict[str, str]:
    """The labels as the document templates print them: tagged with their language when
    it is not the language of the dossier's text."""
    if lang == text_lang:
        return dict(labels)
    return {key: foreign(value, lang) for key, value in labels.items()}


# French words elided before a vowel: « que aucune » → « qu'aucune », « du établissement »
# → « de l'établissement ».  A word starting with h is left alone (h aspiré or not is a
# matter of the word, which a rule cannot tell).
_ELIDED = {
    "de": "d’", "du": "de l’", "le": "l’", "la": "l’", "que": "qu’", "ne": "n’", "je": "j’",
    "me": "m’", "te": "t’", "se": "s’", "ce": "c’", "lorsque": "lorsqu’", "puisque": "puisqu’",
    "jusque": "jusqu’", "quoique": "quoiqu’",
}  # fmt: skip
_VOWEL = re.compile(r"[aeiouyàâäéèêëîïôöùûüœæ]", re.IGNORECASE)


def elide(words: object, following: object) -> Markup:
    """`words` as they stand before `following`: their last word elided if it is French and
    `following` starts with a vowel, else followed by a space.  Labels tagged with another
    language (see `tagged_labels`) are left as they are."""
    if isinstance(words, Markup):
        return words + Markup(" ")
    head, _, last = str(words).rpartition(" ")
    start = str(following).lstrip()[:1]
    if last.lower() in _ELIDED and _VOWEL.match(start):
        elided = _ELIDED[last.lower()]
        elided = elided[0].upper() + elided[1:] if last[0].isupper() else elided
        return escape_text(f"{head} {elided}" if head else elided)
    return escape_text(words) + Markup(" ")


def css_string(value: object) -> Markup:
    """Text → a CSS string literal, safe inside a <style> element."""
    escaped = "".join(
        f"\\{ord(char):x} " if char in '"\\<>&' or ord(char) < 32 else char for char in str(value)
    )
    return Markup(f'"{escaped}"')


def load_labels(lang: str, dirs: tuple[Path, ...] = (TEMPLATE_DIR,)) -> dict[str, str]:
    """The label catalogue of a language: `labels/LANG.yaml` in the template folders.

    A workspace catalogue may hold only the labels it changes; the others come
    from the built-in catalogue.
    """
    from .load import display_path, read_mapping

    builtin = TEMPLATE_DIR / "labels" / f"{lang}.yaml"
    if not builtin.is_file():
        known = sorted(p.stem for p in (TEMPLATE_DIR / "labels").glob("*.yaml"))
        raise InputError.at(
            lazy(
                "no label catalogue for language '%(lang)s' (known: %(known)s)",
                lang=lang,
                known=", ".join(known),
            )
        )
    path = find_template_file(f"labels/{lang}.yaml", dirs)
    key = (lang, dirs, file_stamp(builtin), path, file_stamp(path) if path is not None else None)
    if key in _LABELS:
        return dict(_LABELS[key])
    labels = read_mapping(builtin)
    if path is not None and path != builtin:
        own = read_mapping(path)
        unknown = sorted(set(own) - set(labels))
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(labels), n=1)
            message = (
                lazy("unknown label (did you mean '%(name)s'?)", name=close[0])
                if close
                else lazy("unknown label")
            )
            raise InputError.at(message, display_path(path), None, unknown[0])
        labels = {**labels, **own}
    wrong = [key for key, value in labels.items() if not isinstance(value, str)]
    if wrong:
        raise InputError.at(lazy("a label must be text"), str(path), None, wrong[0])
    if len(_LABELS) >= 32:
        _LABELS.clear()
    _LABELS[key] = labels
    return dict(labels)


_LABELS: dict[tuple[object, ...], dict[str, str]] = {}
"""The label catalogues read, by language, folders and the files' stamps (`file_stamp`): a
catalogue is read again when either file changes."""


class _UnknownName(UndefinedError):
    """A name a template uses that its context does not have, and a close one it has."""

    def __init__(self, name: str, close: str | None) -> None:
        hint = f" (did you mean '{close}'?)" if close else ""
        super().__init__(f"'{name}' is undefined{hint}")
        self.name, self.close = name, close

    def explained(self, source_line: str | None) -> Message:
        """What the template's author reads: the name as the template's line writes it
        ('titel' → 'dossier.titel'), and the close one."""
        name = self.name
        dotted = source_line and re.search(rf"([A-Za-z_][\w.]*\.{re.escape(name)})\b", source_line)
        name = dotted.group(1) if dotted else name
        if self.close:
            return lazy(
                "'%(name)s' is undefined (did you mean '%(close)s'?)", name=name, close=self.close
            )
        return lazy("'%(name)s' is undefined", name=name)


class _Undefined(StrictUndefined):
    """An undefined name is an error that says which name, and suggests a close one."""

    __slots__ = ()

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        if self._undefined_exception is not UndefinedError or self._undefined_hint:
            super()._fail_with_undefined_error(*args, **kwargs)  # e.g. the sandbox's refusals
        name = self._undefined_name
        owner = self._undefined_obj
        known: list[str] = []
        if isinstance(owner, Mapping):
            known = [str(key) for key in owner]
        elif isinstance(owner, BaseModel):
            known = list(type(owner).model_fields)
        close = difflib.get_close_matches(str(name), known, n=1) if name is not None else []
        raise _UnknownName(str(name), close[0] if close else None)

    __getattr__ = __str__ = __iter__ = __len__ = __bool__ = _fail_with_undefined_error


MAX_OUTPUT_CHARS = 5_000_000
"""A template whose output exceeds this is refused (a briefing is not a book)."""
MAX_RENDER_SECONDS = 20
"""A template still rendering after this long is stopped (a loop without end)."""
MAX_SEQUENCE = 1_000_000
"""Largest string or list a template may build with `*`, and largest `**` result."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with `*` and `**` bounded so a template cannot
    allocate gigabytes in one expression."""

    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for sized, count in ((left, right), (right, left)):
                if (
                    isinstance(sized, str | list | tuple)
                    and isinstance(count, int)
                    and (len(sized) * count > MAX_SEQUENCE)
                ):
                    raise SecurityError(f"`*` would build more than {MAX_SEQUENCE} items")
        if operator == "**" and isinstance(right, int | float) and abs(right) > 64:
            raise SecurityError("`**` with an exponent above 64 is not allowed")
        return super().call_binop(context, operator, left, right)


def _sandbox(autoescape: bool, lang: str, dirs: tuple[Path, ...]) -> ImmutableSandboxedEnvironment:
    env = _Sandbox(
        loader=ChoiceLoader(
            [
                FileSystemLoader([str(d) for d in dirs]),
                PrefixLoader({BUILTIN_PREFIX: FileSystemLoader(str(TEMPLATE_DIR))}, delimiter=":"),
            ]
        ),
        undefined=_Undefined,
        autoescape=autoescape,
        finalize=None if autoescape else escape_text,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    # Filters that would turn dossier text into live markup are replaced or removed.
    for name in ("safe", "tojson", "forceescape"):
        env.filters.pop(name, None)
    if not autoescape:
        env.filters["e"] = env.filters["escape"] = escape_text
    env.globals.pop("lipsum", None)
    env.filters["date"] = lambda value, precision=None: format_date(value, lang, precision)
    env.filters["number"] = lambda value: format_number(value, lang)
    env.filters["typography"] = lambda value: typography.text(str(value), lang)
    env.filters["elide"] = elide
    if autoescape:
        env.filters["css_string"] = css_string
    return env


@lru_cache(maxsize=8)
def markdown_environment(
    lang: str = "fr", dirs: tuple[Path, ...] = (TEMPLATE_DIR,)
) -> ImmutableSandboxedEnvironment:
    """Environment for document templates (`*.md.j2`), which produce Markdown."""
    return _sandbox(autoescape=False, lang=lang, dirs=dirs)


@lru_cache(maxsize=8)
def html_environment(
    lang: str = "fr", dirs: tuple[Path, ...] = (TEMPLATE_DIR,)
) -> ImmutableSandboxedEnvironment:
    """Environment for the page layout (`*.html.j2`), which produces HTML."""
    return _sandbox(autoescape=True, lang=lang, dirs=dirs)


def _template_line(tb: TracebackType | None) -> tuple[str | None, int | None]:
    """The innermost template and its line in a traceback Jinja rewrote."""
    where: tuple[str | None, int | None] = (None, None)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2") or filename == "<template>":
            where = (None if filename == "<template>" else filename, tb.tb_lineno)
        tb = tb.tb_next
    return where


def _template_name(filename: str | None) -> str | None:
    from .load import display_path

    return None if filename is None else display_path(Path(filename))


class _TooSlow(Exception):
    """Raised by the alarm when a template renders for too long."""


@contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after `seconds` (main thread only; elsewhere no limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        raise _TooSlow

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _source_line(
    env: ImmutableSandboxedEnvironment, name: str, filename: str | None, line: int | None
) -> str | None:
    """The text of a template's line, for a message that quotes it; None if unreadable."""
    if line is None:
        return None
    try:
        if filename is not None:
            source = Path(filename).read_text(encoding="utf-8")
        elif env.loader is not None:
            source = env.loader.get_source(env, name)[0]
        else:
            return None
    except (OSError, TemplateError):
        return None
    lines = source.splitlines()
    return lines[line - 1] if line <= len(lines) else None


def render(env: ImmutableSandboxedEnvironment, name: str, context: Mapping[str, Any]) -> str:
    """Render template `name`; a template error becomes an InputError with file and line.

    Templates are bounded: in time, in recursion depth and in output size.
    """
    try:
        with _time_limit(MAX_RENDER_SECONDS):
            output = env.get_template(name).render(context)
    except _TooSlow:
        raise InputError.at(
            lazy(
                "still rendering after %(seconds)s s: a loop without end?",
                seconds=MAX_RENDER_SECONDS,
            ),
            name,
        ) from None
    except RecursionError:
        raise InputError.at(
            lazy("recursion too deep (a macro or include that calls itself?)"), name
        ) from None
    except (OverflowError, MemoryError) as exc:
        raise InputError(Problem(lazy("too large"), name, detail=str(exc))) from None
    except TemplateSyntaxError as exc:
        raise InputError(
            Problem(
                lazy("template syntax error"),
                _template_name(exc.filename),
                exc.lineno,
                detail=exc.message,
            )
        ) from None
    except TemplateError as exc:
        filename, line = _template_line(exc.__traceback__)
        where = _template_name(filename or name)
        if isinstance(exc, _UnknownName):
            explained = exc.explained(_source_line(env, name, filename, line))
            raise InputError(Problem(explained, where, line)) from None
        raise InputError(Problem(lazy("template error"), where, line, detail=exc.message)) from None
    if len(output) > MAX_OUTPUT_CHARS:
        raise InputError.at(
            lazy("produced more than %(limit)s characters", limit=MAX_OUTPUT_CHARS), name
        )
    return output
