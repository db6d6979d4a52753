"""Files → validated Dossier.  Every YAML and validation error becomes an InputError.

A dossier is a folder of YAML files; each file is a mapping whose top-level
keys are fields of `Dossier`, and a key may be set by one file only.  YAML
is parsed with PyYAML's safe loader into nodes, which keep their line
numbers; those lines are joined to Pydantic's error locations so that each
problem reads ``file:line: field.path: message``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import os
import re
import threading
import types
import typing
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from enum import Enum
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem
from .i18n import Message, Text, lazy, lazy_plural
from .models import (
    ID_PATTERN,
    NOT_A_REAL_DATE,
    NOT_A_WEB_ADDRESS,
    SHA256_PATTERN,
    SNAPSHOT_PATTERN,
    Dossier,
    check_references,
)

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A dossier file larger than this is refused: a briefing is read in minutes, not hours."""

MAX_DEPTH = 20
"""Deepest nesting a dossier file may have (a dossier needs five or six levels)."""

MAX_TEXT_CHARS = 500_000
"""Most characters of text a dossier may hold in all its fields together, checked when it
is read, before any layout: the slowest dossier under it (tests/dossiers/maximal.py's
`write_largest`) builds its briefing note in about 20 s of processor time and 350 MB
(README, « Limits on input »); the lists' and fields' own limits allow twenty times more."""

FieldPath = tuple[str | int, ...]


def display_path(path: Path) -> str:
    """The path as the user should read it: relative to the working directory if inside it."""
    absolute = Path(os.path.abspath(path))  # symbolic links are named, not followed
    try:
        return str(absolute.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def format_field(path: Iterable[str | int]) -> str:
    """('facts', 3, 'sources', 0) → 'facts[3].sources[0]'."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


class _Anchor(Exception):
    """An anchor or an alias, at this line: refused."""

    def __init__(self, line: int) -> None:
        super().__init__(line)
        self.line = line


class _Refusing:
    """Refuses anchors and aliases (no "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[attr-defined]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Anchor(event.start_mark.line + 1)
        return super().compose_node(parent, index)  # type: ignore[misc]


class _Loader(_Refusing, yaml.SafeLoader):
    """PyYAML's safe loader, all in Python: its messages name the character at fault."""


FAST_LOADER: type[Any] = yaml.SafeLoader
"""PyYAML's safe loader, its events read by libyaml where PyYAML was built with it (ten
times faster than in Python); the nodes are composed in Python, so the nesting stays
bounded by Python's recursion limit (a RecursionError), where libyaml's own composer
would run out of C stack."""

_FastLoader: type[Any] | None = None
"""FAST_LOADER refusing anchors and aliases; None without libyaml."""

try:
    from yaml._yaml import CParser
except ImportError:  # PyYAML built without libyaml
    pass
else:

    class _FastSafeLoader(
        yaml.composer.Composer,
        CParser,
        yaml.constructor.SafeConstructor,
        yaml.resolver.Resolver,
    ):
        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            yaml.composer.Composer.__init__(self)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)

    class _FastLoader(_Refusing, _FastSafeLoader):  # type: ignore[no-redef]
        pass

    FAST_LOADER = _FastSafeLoader


class _Parsed:
    """The files parsed lately, by a hash of their bytes: a file that did not change since
    it was last read is not parsed again (a save in the page re-reads only the file it
    wrote).  Each reader gets its own copy of the data.  At most KEPT files, and KEPT_BYTES
    of their text, are kept (the latest read)."""

    KEPT = 256
    KEPT_BYTES = 8 * 1024 * 1024

    def __init__(self) -> None:
        self._found: OrderedDict[bytes, tuple[dict[str, Any], dict[FieldPath, int], int]] = (
            OrderedDict()
        )
        self._bytes = 0
        self._lock = threading.Lock()

    @staticmethod
    def key(raw: bytes) -> bytes:
        return hashlib.sha256(raw).digest()

    def get(self, key: bytes) -> tuple[dict[str, Any], dict[FieldPath, int]] | None:
        with self._lock:
            found = self._found.get(key)
            if found is None:
                return None
            self._found.move_to_end(key)
        return _copied(found[0]), found[1]

    def put(self, key: bytes, size: int, data: dict[str, Any], lines: dict[FieldPath, int]) -> None:
        if size > self.KEPT_BYTES:
            return
        kept = _copied(data), dict(lines), size
        with self._lock:
            if key in self._found:
                self._bytes -= self._found.pop(key)[2]
            self._found[key] = kept
            self._bytes += size
            while len(self._found) > self.KEPT or self._bytes > self.KEPT_BYTES:
                self._bytes -= self._found.popitem(last=False)[1][2]


def _copied(value: Any) -> Any:
    """`value` with its own lists and mappings (the rest of YAML's values are immutable)."""
    if isinstance(value, dict):
        return {key: _copied(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_copied(item) for item in value]
    return value


_PARSED = _Parsed()


class _Document:
    """One parsed YAML file: plain data plus the line of every field path."""

    def __init__(self, path: Path) -> None:
        self.name = display_path(path)
        self.lines: dict[FieldPath, int] = {}
        self.data = self._read(path)

    def _fail(
        self, message: Text, line: int = 1, field: str | None = None, detail: str | None = None
    ) -> NoReturn:
        raise InputError(Problem(message, self.name, line, field, "E001", detail))

    def _read(self, path: Path) -> dict[str, Any]:
        if not path.is_file():
            self._fail(lazy("not a regular file"))
        if path.stat().st_size > MAX_FILE_BYTES:
            size = path.stat().st_size
            self._fail(
                lazy(
                    "file too large (%(size)s bytes, limit %(limit)s)",
                    size=size,
                    limit=MAX_FILE_BYTES,
                )
            )
        raw = path.read_bytes()
        parsed = _PARSED.key(raw)
        known = _PARSED.get(parsed)
        if known is not None:
            kept, lines = known
            self.lines = dict(lines)
            return kept
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            byte = f"{raw[exc.start]:02x}"
            self._fail(
                lazy("not valid UTF-8 (byte 0x%(byte)s); save the file as UTF-8", byte=byte), line
            )
        data: dict[str, Any] | None = None
        if _FastLoader is not None:
            try:
                data = self._parse(text, _FastLoader)
            except InputError:  # said again by the Python reader, with the text at fault
                self.lines = {}
        if data is None:
            data = self._parse(text, _Loader)
        _PARSED.put(parsed, len(raw), data, self.lines)
        return data

    def _parse(self, text: str, loader_class: type[Any]) -> dict[str, Any]:
        loader = None
        try:
            loader = loader_class(text)
            node = loader.get_single_node()
        except yaml.reader.ReaderError as exc:  # Python's reader, before any parsing
            line = text[: exc.position].count("\n") + 1
            code = f"U+{exc.character:04X}" if isinstance(exc.character, int) else "?"
            self._fail(
                lazy(
                    "invalid YAML: an invisible control character (%(code)s); delete it",
                    code=code,
                ),
                line,
            )
        except RecursionError:
            self._fail(lazy("nested more than %(depth)s levels deep", depth=MAX_DEPTH))
        except _Anchor as exc:
            self._fail(
                lazy("invalid YAML: anchors and aliases (&, *) are not allowed in a dossier"),
                exc.line,
            )
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            line = mark.line + 1 if mark else 1
            said = " ".join(str(p) for p in (exc.context, exc.problem) if p)
            if "'\\t'" in said:
                self._fail(
                    lazy("invalid YAML: a tab character; indent with spaces, not tabs"), line
                )
            self._fail(lazy("invalid YAML"), line, detail=said)
        except yaml.YAMLError as exc:
            self._fail(lazy("invalid YAML"), detail=str(exc))
        finally:
            if loader is not None:
                loader.dispose()
        if node is None:
            return {}
        data = self._convert(node, (), loader)
        if not isinstance(data, dict):
            self._fail(
                lazy("expected a mapping of dossier fields (key: value) at the top level"),
                node.start_mark.line + 1,
            )
        return data

    def _convert(self, node: yaml.Node, path: FieldPath, loader: Any) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            self._fail(
                lazy("nested more than %(depth)s levels deep", depth=MAX_DEPTH),
                node.start_mark.line + 1,
            )
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self._fail(lazy("merge keys (<<) are not allowed in a dossier"), line)
                try:
                    key = loader.construct_object(key_node)
                except (yaml.YAMLError, ValueError) as exc:
                    self._fail(lazy("invalid key"), line, detail=str(exc))
                if not isinstance(key, str):
                    self._fail(
                        lazy("a key must be text, not %(key)s", key=repr(key)),
                        line,
                        format_field(path),
                    )
                if key in result:
                    first = self.lines[(*path, key)]
                    self._fail(
                        lazy(
                            "duplicate key '%(key)s' (first set at line %(line)s)",
                            key=key,
                            line=first,
                        ),
                        line,
                        format_field((*path, key)),
                    )
                result[key] = self._convert(value_node, (*path, key), loader)
                self.lines[(*path, key)] = line
            return result
        if isinstance(node, yaml.SequenceNode):
            return [self._convert(item, (*path, i), loader) for i, item in enumerate(node.value)]
        try:
            return loader.construct_object(node)
        except (yaml.YAMLError, ValueError) as exc:
            line, field = node.start_mark.line + 1, format_field(path)
            if node.tag == "tag:yaml.org,2002:timestamp":
                self._fail(lazy(NOT_A_REAL_DATE, value=node.value), line, field)
            self._fail(lazy("invalid value"), line, field, str(exc))


def read_mapping(path: Path) -> dict[str, Any]:
    """A YAML file that must hold a mapping, read with the same safety and messages."""
    return _Document(path).data


def _unwrap(annotation: Any) -> Any:
    """The type a field holds, out of Optional, Annotated and list."""
    while typing.get_origin(annotation) in (
        list,
        typing.Union,
        types.UnionType,
        typing.Annotated,
    ):
        args = typing.get_args(annotation)
        annotation = next((a for a in args if a is not type(None)), None)
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _annotation_at(model: Any, path: FieldPath) -> Any:
    """The type of the field at `path` in `model` (list items unwrapped); None if none."""
    for part in path:
        if isinstance(part, int):
            continue
        model = _unwrap(model)
        field = model.model_fields.get(part) if _is_model(model) else None
        if field is None:
            return None
        model = field.annotation
    return _unwrap(model)


def _unknown_field(error: Mapping[str, Any], model: type[BaseModel]) -> Message:
    loc = tuple(error["loc"])
    holder = _annotation_at(model, loc[:-1])
    known = list(holder.model_fields) if _is_model(holder) else []
    close = difflib.get_close_matches(str(loc[-1]), known, n=1)
    if close:
        return lazy("unknown field (did you mean '%(name)s'?)", name=close[0])
    return lazy("unknown field (known: %(known)s)", known=", ".join(known))


def _choice(error: Mapping[str, Any], model: type[BaseModel]) -> Message | None:
    kind = _annotation_at(model, tuple(error["loc"]))
    if typing.get_origin(kind) is typing.Literal:
        choices = [str(value) for value in typing.get_args(kind)]
    elif isinstance(kind, type) and issubclass(kind, Enum):
        choices = [str(member.value) for member in kind]
    else:
        return None
    return lazy("must be one of: %(choices)s", choices=", ".join(choices))


def _date(error: Mapping[str, Any], model: type[BaseModel]) -> Message:
    typed = error["input"]
    if isinstance(typed, dt.datetime):
        return lazy("must be a date without a time of day")
    if isinstance(typed, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed.strip()):
        return lazy(NOT_A_REAL_DATE, value=typed.strip())
    return lazy("must be a date, written YYYY-MM-DD")


_EMPTY = lazy("must not be empty")


def _text_too_short(error: Mapping[str, Any], model: type[BaseModel]) -> Message:
    least = error["ctx"]["min_length"]
    if least == 1:
        return _EMPTY
    return lazy_plural(
        "must have at least %(num)s character", "must have at least %(num)s characters", least
    )


def _text_too_long(error: Mapping[str, Any], model: type[BaseModel]) -> Message:
    return lazy_plural(
        "must have at most %(num)s character (it has %(actual)s)",
        "must have at most %(num)s characters (it has %(actual)s)",
        error["ctx"]["max_length"],
        actual=len(str(error["input"])),
    )


def _own(error: Mapping[str, Any], model: type[BaseModel]) -> Message | None:
    """The message of one of our own validators (a ValueError holding a Message)."""
    reason = (error.get("ctx") or {}).get("error")
    said = getattr(reason, "args", ())
    return said[0] if said and isinstance(said[0], Message) else None


_PATTERNS = {
    ID_PATTERN: lazy(
        "use only lower-case letters without accents, digits and hyphens, e.g. licences-cost"
    ),
    SNAPSHOT_PATTERN: lazy(
        "must name a .txt file of the dossier's sources/ folder, e.g. sources/le-monde.txt"
    ),
    SHA256_PATTERN: lazy("must be a SHA-256 fingerprint: 64 digits and letters a to f"),
}
"""What a pattern allows, in words, for each pattern a dossier field has."""

Explain = Callable[[Mapping[str, Any], type[BaseModel]], Message | None]
_NUMBER = lazy("must be a number")
_WHOLE = lazy("must be a whole number")
_BOOL = lazy("must be true or false")
_GROUP = lazy("must be a group of fields (key: value)")
_BY_TYPE: dict[str, Explain] = {
    "missing": lambda e, m: lazy("required field is missing"),
    "extra_forbidden": _unknown_field,
    "string_too_short": _text_too_short,
    "string_too_long": _text_too_long,
    "too_short": lambda e, m: lazy_plural(
        "must list at least %(num)s item",
        "must list at least %(num)s items",
        e["ctx"]["min_length"],
    ),
    "too_long": lambda e, m: lazy_plural(
        "at most %(num)s item, %(actual)s given",
        "at most %(num)s items, %(actual)s given",
        e["ctx"]["max_length"],
        actual=e["ctx"]["actual_length"],
    ),
    "string_pattern_mismatch": lambda e, m: _PATTERNS.get(
        e["ctx"]["pattern"], lazy("is not written in the expected form")
    ),
    "greater_than_equal": lambda e, m: lazy("must be %(ge)s or more", ge=e["ctx"]["ge"]),
    "less_than_equal": lambda e, m: lazy("must be %(le)s or less", le=e["ctx"]["le"]),
    "greater_than": lambda e, m: lazy("must be more than %(gt)s", gt=e["ctx"]["gt"]),
    "less_than": lambda e, m: lazy("must be less than %(lt)s", lt=e["ctx"]["lt"]),
    "int_parsing": lambda e, m: _WHOLE,
    "int_type": lambda e, m: _WHOLE,
    "int_from_float": lambda e, m: lazy("must be a whole number, without decimals"),
    "float_parsing": lambda e, m: _NUMBER,
    "float_type": lambda e, m: _NUMBER,
    "finite_number": lambda e, m: lazy("must be a finite number"),
    "bool_parsing": lambda e, m: _BOOL,
    "bool_type": lambda e, m: _BOOL,
    "date_parsing": _date,
    "date_from_datetime_parsing": _date,
    "date_type": _date,
    "date_from_datetime_inexact": _date,
    "literal_error": _choice,
    "enum": _choice,
    "string_type": lambda e, m: lazy(
        "must be text (put it in quotes if it looks like a number or a date)"
    ),
    "list_type": lambda e, m: lazy("must be a list"),
    "dict_type": lambda e, m: _GROUP,
    "model_type": lambda e, m: _GROUP,
    "model_attributes_type": lambda e, m: _GROUP,
    "value_error": _own,
}
"""Pydantic's error types, by `type`, to the message a user reads (made from `ctx`)."""


def explain(
    error: Mapping[str, Any], model: type[BaseModel] = Dossier
) -> tuple[Message, str | None]:
    """The message a user reads for one Pydantic validation error of `model`, chosen by the
    error's type, in the reader's language; and, when briefgen has no words of its own for
    it, Pydantic's English message (for the terminal's details)."""
    kind = str(error["type"])
    how = _BY_TYPE.get(kind)
    if kind.endswith("_type") and error.get("input", "") is None:  # `title:` and nothing after
        return _EMPTY, None
    message = NOT_A_WEB_ADDRESS if kind.startswith("url_") else how(error, model) if how else None
    if message is None:
        return lazy("invalid value"), str(error["msg"])
    return message, None


def error_message(error: Mapping[str, Any], model: type[BaseModel] = Dossier) -> Message:
    """The message a user reads for one Pydantic validation error of `model` (a form shows
    it beside the field)."""
    return explain(error, model)[0]


def dossier_files(folder: Path) -> list[Path]:
    """The YAML files that make up a dossier folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


Locate = Callable[[FieldPath, Text, str], Problem]
"""(field path, message, rule code) → a Problem located in the dossier's files."""


def read_dossier(folder: Path) -> tuple[Dossier, Locate]:
    """Read and validate the dossier in `folder`; return it with a way to locate its fields.

    Raises InputError listing every problem (YAML, schema, cross-references).
    """
    name = display_path(folder)
    if not folder.is_dir():
        raise InputError(Problem(lazy("no such dossier folder"), name, code="E001"))
    files = dossier_files(folder)
    if not files:
        raise InputError(Problem(lazy("no .yaml file in this dossier folder"), name, code="E001"))

    documents = [_Document(path) for path in files]
    data: dict[str, Any] = {}
    owner: dict[str, _Document] = {}
    problems: list[Problem] = []
    for document in documents:
        for key, value in document.data.items():
            if key in owner:
                problems.append(
                    Problem(
                        lazy("'%(key)s' is already set in %(file)s", key=key, file=owner[key].name),
                        document.name,
                        document.lines[(key,)],
                        key,
                        "E001",
                    )
                )
                continue
            owner[key] = document
            data[key] = value
    if problems:
        raise InputError(*problems)
    main = folder / "dossier.yaml"

    def locate(path: FieldPath, message: Text, code: str) -> Problem:
        document = owner.get(str(path[0])) if path else None
        if document is None:  # a top-level field nobody set: point at the main file
            where = display_path(main) if main in files else display_path(files[0])
            return Problem(message, where, 1, format_field(path), code)
        line = next(
            (
                document.lines[path[:end]]
                for end in range(len(path), 0, -1)
                if path[:end] in document.lines
            ),
            1,
        )
        return Problem(message, document.name, line, format_field(path), code)

    try:
        dossier = Dossier.model_validate(data)
    except ValidationError as exc:
        raise InputError(*(_schema_problem(locate, e) for e in exc.errors())) from None
    too_much = _too_much_text(dossier, display_path(main) if main in files else name)
    if too_much is not None:
        raise InputError(too_much)
    problems = [locate(path, message, code) for code, path, message in check_references(dossier)]
    if problems:
        raise InputError(*problems)
    return dossier, locate


def text_chars(value: object) -> int:
    """How many characters of text `value` holds: its own if text (not a choice from a
    list, such as a fact's status), else those of every field of a model, every item of
    a list and every value of a mapping, added up."""
    if isinstance(value, str):
        return 0 if isinstance(value, Enum) else len(value)
    if isinstance(value, BaseModel):
        return sum(text_chars(getattr(value, name)) for name in type(value).model_fields)
    if isinstance(value, list | tuple):
        return sum(text_chars(item) for item in value)
    if isinstance(value, dict):
        return sum(text_chars(item) for item in value.values())
    return 0


def _too_much_text(dossier: Dossier, where: str) -> Problem | None:
    """The problem of a dossier whose text, in all, is more than a build lays out in
    reasonable time; None if it is not."""
    count = text_chars(dossier)
    if count <= MAX_TEXT_CHARS:
        return None
    message = lazy(
        "the dossier holds %(count)s characters of text in all; past %(limit)s, its "
        "documents cannot be produced in reasonable time: split it into several dossiers "
        "or shorten its texts",
        count=f"{count:,}".replace(",", "\u202f"),  # 12 345: no line break inside
        limit=f"{MAX_TEXT_CHARS:,}".replace(",", "\u202f"),
    )
    return Problem(message, where, code="E001")


def _schema_problem(locate: Locate, error: Mapping[str, Any]) -> Problem:
    message, detail = explain(error)
    return replace(locate(tuple(error["loc"]), message, "E002"), detail=detail)


def load_dossier(folder: Path) -> Dossier:
    """Read and validate the dossier in `folder`, or raise InputError listing every problem."""
    return read_dossier(folder)[0]
