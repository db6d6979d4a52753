"""Files → validated Dossier.  Every YAML and validation error becomes an InputError.

A dossier is a folder of YAML files; each file is a mapping whose top-level
keys are fields of `Dossier`, and a key may be set by one file only.  YAML
is parsed with PyYAML's safe loader into nodes, which keep their line
numbers; those lines are joined to Pydantic's error locations so that each
problem reads ``file:line: field.path: message``.
"""

from __future__ import annotations

import difflib
import os
import types
import typing
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, NoReturn

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, Problem
from .models import Dossier, check_references

MAX_FILE_BYTES = 2 * 1024 * 1024
"""A dossier file larger than this is refused: a briefing is read in minutes, not hours."""

MAX_DEPTH = 20
"""Deepest nesting a dossier file may have (a dossier needs five or six levels)."""

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


class _Loader(yaml.SafeLoader):
    """Safe loader that refuses anchors and aliases (no "billion laughs")."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call]
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.MarkedYAMLError(
                problem="anchors and aliases (&, *) are not allowed in a dossier",
                problem_mark=event.start_mark,
            )
        return super().compose_node(parent, index)


class _Document:
    """One parsed YAML file: plain data plus the line of every field path."""

    def __init__(self, path: Path) -> None:
        self.name = display_path(path)
        self.lines: dict[FieldPath, int] = {}
        self.data = self._read(path)

    def _fail(self, message: str, line: int = 1, field: str | None = None) -> NoReturn:
        raise InputError(Problem(message, self.name, line, field, "E001"))

    def _read(self, path: Path) -> dict[str, Any]:
        if not path.is_file():
            self._fail("not a regular file")
        if path.stat().st_size > MAX_FILE_BYTES:
            self._fail(f"file too large ({path.stat().st_size} bytes, limit {MAX_FILE_BYTES})")
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            self._fail(
                f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8", line
            )
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
        except RecursionError:
            self._fail(f"nested more than {MAX_DEPTH} levels deep")
        except yaml.MarkedYAMLError as exc:
            mark = exc.problem_mark or exc.context_mark
            message = " ".join(str(p) for p in (exc.context, exc.problem) if p)
            if "'\\t'" in message:
                message = "a tab character; indent with spaces, not tabs"
            self._fail(f"invalid YAML: {message}", mark.line + 1 if mark else 1)
        except yaml.YAMLError as exc:
            self._fail(f"invalid YAML: {exc}")
        finally:
            loader.dispose()
        if node is None:
            return {}
        data = self._convert(node, (), loader)
        if not isinstance(data, dict):
            self._fail(
                "expected a mapping of dossier fields (key: value) at the top level",
                node.start_mark.line + 1,
            )
        return data

    def _convert(self, node: yaml.Node, path: FieldPath, loader: _Loader) -> Any:
        self.lines[path] = node.start_mark.line + 1
        if len(path) > MAX_DEPTH:
            self._fail(f"nested more than {MAX_DEPTH} levels deep", node.start_mark.line + 1)
        if isinstance(node, yaml.MappingNode):
            result: dict[str, Any] = {}
            for key_node, value_node in node.value:
                line = key_node.start_mark.line + 1
                if key_node.tag == "tag:yaml.org,2002:merge":
                    self._fail("merge keys (<<) are not allowed in a dossier", line)
                try:
                    key = loader.construct_object(key_node)
                except (yaml.YAMLError, ValueError) as exc:
                    self._fail(f"invalid key: {exc}", line)
                if not isinstance(key, str):
                    self._fail(f"a key must be text, not {key!r}", line, format_field(path))
                if key in result:
                    first = self.lines[(*path, key)]
                    self._fail(
                        f"duplicate key '{key}' (first set at line {first})",
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
            self._fail(f"invalid value: {exc}", node.start_mark.line + 1, format_field(path))


def read_mapping(path: Path) -> dict[str, Any]:
    """A YAML file that must hold a mapping, read with the same safety and messages."""
    return _Document(path).data


def _fields_at(path: FieldPath) -> list[str]:
    """Field names of the model that holds the last key of `path` (for suggestions)."""
    model: Any = Dossier
    for part in path[:-1]:
        if isinstance(part, int):
            continue
        is_model = isinstance(model, type) and issubclass(model, BaseModel)
        field = model.model_fields.get(part) if is_model else None
        if field is None:
            return []
        model = field.annotation
        while typing.get_origin(model) in (list, typing.Union, types.UnionType):
            model = next((a for a in typing.get_args(model) if a is not type(None)), None)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return list(model.model_fields)
    return []


def error_message(error: Any) -> str:
    """The message a user reads for one Pydantic validation error."""
    loc = tuple(error["loc"])
    if error["type"] == "extra_forbidden":
        known = _fields_at(loc)
        close = difflib.get_close_matches(str(loc[-1]), known, n=1)
        hint = f"did you mean '{close[0]}'?" if close else f"known: {', '.join(known)}"
        return f"unknown field ({hint})"
    if error["type"] == "missing":
        return "required field is missing"
    return str(error["msg"]).removeprefix("Value error, ")


def dossier_files(folder: Path) -> list[Path]:
    """The YAML files that make up a dossier folder, in a stable order."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))


Locate = Callable[[FieldPath, str, str], Problem]
"""(field path, message, rule code) → a Problem located in the dossier's files."""


def read_dossier(folder: Path) -> tuple[Dossier, Locate]:
    """Read and validate the dossier in `folder`; return it with a way to locate its fields.

    Raises InputError listing every problem (YAML, schema, cross-references).
    """
    name = display_path(folder)
    if not folder.is_dir():
        raise InputError(Problem("no such dossier folder", name, code="E001"))
    files = dossier_files(folder)
    if not files:
        raise InputError(Problem("no .yaml file in this dossier folder", name, code="E001"))

    documents = [_Document(path) for path in files]
    data: dict[str, Any] = {}
    owner: dict[str, _Document] = {}
    problems: list[Problem] = []
    for document in documents:
        for key, value in document.data.items():
            if key in owner:
                problems.append(
                    Problem(
                        f"'{key}' is already set in {owner[key].name}",
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

    def locate(path: FieldPath, message: str, code: str) -> Problem:
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
        raise InputError(
            *(locate(tuple(e["loc"]), error_message(e), "E002") for e in exc.errors())
        ) from None
    problems = [locate(path, message, code) for code, path, message in check_references(dossier)]
    if problems:
        raise InputError(*problems)
    return dossier, locate


def load_dossier(folder: Path) -> Dossier:
    """Read and validate the dossier in `folder`, or raise InputError listing every problem."""
    return read_dossier(folder)[0]
