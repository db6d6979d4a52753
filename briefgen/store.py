"""Writing a dossier back into its YAML files, the way an editor of the YAML would.

A save replaces the lines of one item (or of one top-level field) and leaves
every other line of the file as it was: the item is cut out of the text,
edited in ruamel.yaml's round-trip mode (its comments, key order and quoting
kept), dumped in the file's own indentation and put back.  The result is
read again and compared with what was meant; if the file's layout defeats the
cut, the whole file goes through the round trip instead.

Every save is refused when a file changed on disk since the form was opened
(`StaleError`), is written atomically, and is recorded in the dossier's
history with the previous bytes, so that it can be undone.  A caller may vet
what a save or an undo would write, under the same lock as the write.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import datetime as dt
import fcntl
import functools
import hashlib
import io
import json
import re
import stat
import subprocess
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from .atomic import refuse_outside, write_all
from .errors import InputError, Problem
from .i18n import Message, Text, lazy
from .load import display_path, dossier_files

ABSENT = "absent"
"""The version of a file that does not exist (yet)."""

FOLD_WIDTH = 84
"""Longer text is written as a folded block (>-), in lines of about this many characters."""
FLOW_WIDTH = 72
"""A list of short values is written on one line ([a, b]) when it fits in this many characters."""
FLOW_ITEM = re.compile(r"[^\W_](?:[\w.'’ -]*\w)?\Z")
"""A value that may stand in a one-line list: an id, a number, a name; text goes in a block."""
ESCAPED = re.compile(
    r"[\r\x85\u2028\u2029\ufeff]|[^\t\n\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)
"""Characters written as escapes in double quotes: line breaks other than a line feed (a
YAML reader folds them) and characters YAML does not allow as they are."""

Vet = Callable[[Mapping[str, bytes | None]], None]
"""Sees every file a save or an undo would write (its name in the dossier folder → its new
bytes, None: removed), under the save lock, before anything is written; raises to refuse."""


def file_version(path: Path) -> str:
    """A short fingerprint of a file's bytes, or ABSENT."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:16]
    except FileNotFoundError:
        return ABSENT


class StaleError(InputError):
    """A file changed on disk since the form was opened: nothing was written."""

    def __init__(self, path: Path) -> None:
        super().__init__(
            Problem(
                lazy(
                    "changed on disk since the form was opened (another rep or an editor "
                    "saved it): nothing was written"
                ),
                display_path(path),
            )
        )
        self.path = path


@dataclass(frozen=True)
class Saved:
    """One save, as the history records it."""

    number: int
    when: str
    summary: Text
    """What the save did: a Message (shown in the reader's language) or text."""
    files: dict[str, tuple[str, str]]
    """File name → (version before, version after)."""
    undo_of: int | None = None

    def to_json(self) -> bytes:
        """The entry as the history keeps it (entry.json)."""
        record = {**self.__dict__, "summary": _message_json(self.summary)}
        return json.dumps(record, ensure_ascii=False, default=str).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Saved:
        record = json.loads(data)
        record["files"] = {name: tuple(v) for name, v in record["files"].items()}
        record["summary"] = _message_from_json(record["summary"])
        return cls(**record)


def _message_json(text: Any) -> Any:
    """A Message as plain data (msgid, plural form, count and parameters), so that the
    history shows it in the language of whoever reads it; text as it is."""
    if not isinstance(text, Message):
        return text
    params = {name: _message_json(value) for name, value in text.params.items()}
    return {"msgid": text.msgid, "plural": text.plural, "num": text.num, "params": params}


def _message_from_json(data: Any) -> Any:
    if not (isinstance(data, dict) and "msgid" in data):
        return data
    params = {name: _message_from_json(value) for name, value in data["params"].items()}
    return Message(data["msgid"], data.get("plural"), data.get("num"), **params)


def _yaml(indent: int = 2, offset: int = 2) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never re-wrap a line the editor wrote
    yaml.indent(mapping=2, sequence=max(indent, offset + 2), offset=offset)
    return yaml


def _guess(text: str) -> tuple[int, int]:
    """(indent, dash offset) of the block sequences in a file; (4, 2) when it has none."""
    match = re.search(r"^( *)- ", text, re.MULTILINE)
    if not match:
        return 4, 2
    offset = len(match.group(1))
    after = re.search(r"^ *- +", text[match.start() :], re.MULTILINE)
    indent = len(after.group(0)) if after else offset + 2
    return indent, offset


def _load(text: str) -> Any:
    from ruamel.yaml.error import YAMLError

    try:
        return _yaml().load(text)
    except YAMLError as exc:
        raise InputError(Problem(lazy("invalid YAML: %(reason)s", reason=str(exc)))) from None


def _read_back(text: str) -> Any:
    """`text` as the dossier's loader (PyYAML, YAML 1.1) reads it; None if it cannot."""
    import yaml

    from .load import FAST_LOADER

    loaders: list[type[Any]] = [FAST_LOADER]
    if FAST_LOADER is not yaml.SafeLoader:
        loaders.append(yaml.SafeLoader)  # Python's, if libyaml refuses the text
    for loader in loaders:
        try:
            return yaml.load(text, Loader=loader)
        except (yaml.YAMLError, RecursionError):
            pass
    return None


def _lines(text: str) -> list[str]:
    """The lines of `text`, each with its line feed: other line breaks (CR, U+2028…) are
    characters of a line here, as in the files this module writes."""
    return re.findall(r"[^\n]*\n|[^\n]+\Z", text)


def _decode(raw: bytes) -> tuple[str, Callable[[str], bytes]]:
    """A file's text with line feeds for line ends, and how to encode an edited text as the
    file was: with its byte order mark, and CRLF line ends if most of its lines had them."""
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    text = raw.decode("utf-8-sig")
    crlf = text.count("\r\n") * 2 > text.count("\n")

    def encode(edited: str) -> bytes:
        return bom + (edited.replace("\n", "\r\n") if crlf else edited).encode("utf-8")

    return (text.replace("\r\n", "\n") if crlf else text), encode


def _quoted(value: Any) -> Any:
    """`value` with every text in double quotes, the style any text can be written in."""
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    if isinstance(value, Mapping):
        return {key: _quoted(v) for key, v in value.items()}
    if isinstance(value, list | tuple):
        return [_quoted(v) for v in value]
    if isinstance(value, str) and not isinstance(value, Enum):
        return DoubleQuotedScalarString(value)
    return value


def _dump(data: Any, indent: int, offset: int) -> str:
    out = io.StringIO()
    _yaml(indent, offset).dump(data, out)
    return out.getvalue()


def plain(node: Any) -> Any:
    """A round-trip node as plain Python data (dicts, lists, str, numbers, dates)."""
    if isinstance(node, Mapping):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, str):
        return str(node)
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return node


def _folds(text: str, width: int) -> list[int]:
    """Positions of the spaces where a folded block breaks its lines."""
    positions, line_start, last_space = [], 0, -1
    for index, char in enumerate(text):
        if (
            char == " "
            and index + 1 < len(text)
            and text[index + 1] != " "
            and text[index - 1] != " "
        ):
            if index - line_start > width and last_space > line_start:
                positions.append(last_space)
                line_start = last_space + 1
            last_space = index
    if len(text) - line_start > width and last_space > line_start:
        positions.append(last_space)
    return positions


def styled(value: Any, old: Any = None) -> Any:
    """Plain data as round-trip nodes, in the style of the YAML files (and of `old`)."""
    from ruamel.yaml.comments import CommentedMap, CommentedSeq
    from ruamel.yaml.scalarstring import (
        DoubleQuotedScalarString,
        FoldedScalarString,
        LiteralScalarString,
        SingleQuotedScalarString,
    )

    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, Mapping):
        node = old if isinstance(old, CommentedMap) else CommentedMap()
        merge(node, value)
        return node
    if isinstance(value, list | tuple):
        seq = CommentedSeq(styled(v) for v in value)
        if all(not isinstance(v, Mapping | list) for v in value):
            short = len(", ".join(str(v) for v in seq)) + 2 <= FLOW_WIDTH
            if short and all(FLOW_ITEM.match(str(v)) for v in seq):
                seq.fa.set_flow_style()
            else:
                seq.fa.set_block_style()
        return seq
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        if isinstance(value, DoubleQuotedScalarString) or ESCAPED.search(value):
            return DoubleQuotedScalarString(value)
        if "\n" in value:
            return LiteralScalarString(value)
        if isinstance(old, DoubleQuotedScalarString | SingleQuotedScalarString):
            return type(old)(value)
        if len(value) > FOLD_WIDTH:
            folded = FoldedScalarString(value)
            folded.fold_pos = _folds(value, FOLD_WIDTH)
            return folded
        if _not_text(value):
            return SingleQuotedScalarString(value)
        return value
    return value


def _not_text(value: str) -> bool:
    """True if the dossier's loader (PyYAML, YAML 1.1) would read `value`, written plain, as
    something else than text: yes, on, 12:30… (ruamel.yaml, YAML 1.2, leaves them plain)."""
    import yaml

    resolver = yaml.resolver.Resolver()
    tag = resolver.resolve(yaml.ScalarNode, value, (True, False))  # type: ignore[no-untyped-call]
    return bool(tag != "tag:yaml.org,2002:str")


def merge(node: Any, data: Mapping[str, Any]) -> None:
    """Make the round-trip mapping `node` hold `data`, in place: unchanged values keep their
    style and comments, new keys take their place in `data`'s order."""
    for key in [k for k in node if k not in data]:
        del node[key]
    order = list(data)
    for key, value in data.items():
        if key in node:
            if plain(node[key]) != plain(styled(value)) or isinstance(value, Mapping):
                node[key] = styled(value, node[key])
            continue
        before = order[: order.index(key)]
        position = max((list(node).index(k) + 1 for k in before if k in node), default=0)
        node.insert(position, key, styled(value))


@dataclass(frozen=True)
class _Span:
    """Lines [start, end) of a file that hold one item or one top-level field."""

    start: int
    end: int
    column: int


def _trim(lines: list[str], start: int, end: int, column: int) -> int:
    """End of a span once blank lines and comments at the span's own level are left out."""
    while end > start + 1:
        line = lines[end - 1]
        stripped = line.strip()
        if stripped and not (stripped.startswith("#") and len(line) - len(line.lstrip()) <= column):
            break
        end -= 1
    return end


def _item_spans(root: Any, key: str, lines: list[str]) -> list[_Span]:
    """The span of every item of the top-level list `key`."""
    seq = root[key]
    starts = [seq.lc.item(i)[0] for i in range(len(seq))]
    stop = _next_key_line(root, key, lines)
    spans = []
    for i, start in enumerate(starts):
        column = lines[start].index("-") if "-" in lines[start] else 0
        end = starts[i + 1] if i + 1 < len(starts) else stop
        spans.append(_Span(start, _trim(lines, start, end, column), column))
    return spans


def _key_span(root: Any, key: str, lines: list[str]) -> _Span:
    start = root.lc.key(key)[0]
    return _Span(start, _trim(lines, start, _next_key_line(root, key, lines), 0), 0)


def _next_key_line(root: Any, key: str, lines: list[str]) -> int:
    """The line of the top-level key after `key`, or the end of the file."""
    keys = list(root)
    position = keys.index(key) + 1
    return int(root.lc.key(keys[position])[0]) if position < len(keys) else len(lines)


def _appended(lines: list[str], key: str, value: Any, indent: int, offset: int) -> str:
    """The file with a new top-level `key` at its end (after a blank line if the file
    separates its parts with them)."""
    from ruamel.yaml.comments import CommentedMap

    fragment = _dump(CommentedMap({key: value}), indent, offset)
    gap = "\n" if lines and any(_blank(line) for line in lines) else ""
    return "".join(lines) + gap + fragment


def _shift(text: str, columns: int) -> list[str]:
    pad = " " * columns
    return [pad + line if line.strip() else line for line in _lines(text)]


def _blank(line: str) -> bool:
    return not line.strip()


def _collapse(lines: list[str], at: int) -> list[str]:
    """Remove the blank line left at `at` by a cut when blank or a key's line precedes it."""
    before = lines[at - 1].strip() if at else ""
    follows_gap = not before or before.endswith(":") or before.startswith("#")
    if at < len(lines) and _blank(lines[at]) and follows_gap:
        del lines[at]
    return lines


@dataclass(frozen=True)
class Edit:
    """One change to a YAML file: set, add or delete an item of a top-level list, or set
    (None: remove) a top-level field."""

    key: str
    action: str  # "set", "add", "delete" (an item of the list `key`), "field"
    index: int | None = None
    value: Any = None
    _made: dict[str, str] = dataclasses.field(
        default_factory=dict, init=False, repr=False, compare=False
    )
    """The texts this edit was made on → the result: a save checked, then written under
    the same lock, makes its edits once."""

    def expected(self, data: dict[str, Any]) -> dict[str, Any]:
        """The plain data of the file after the edit."""
        data = dict(data)
        value = plain(styled(self.value)) if self.value is not None else None
        if self.action == "field":
            if value is None:
                data.pop(self.key, None)
            else:
                data[self.key] = value
            return data
        items = list(data.get(self.key) or [])
        if self.action == "add":
            items.append(value)
        elif self.action == "set":
            items[self.index or 0] = value
        else:
            del items[self.index or 0]
        data[self.key] = items
        return data

    def cut(self, root: Any, lines: list[str], indent: int, offset: int) -> str | None:
        """The file with only the lines of the item (or field) replaced; None when the
        layout does not allow it."""
        from ruamel.yaml.comments import CommentedSeq

        if self.action == "field":
            if self.key not in root:
                return _appended(lines, self.key, styled(self.value), indent, offset)
            span = _key_span(root, self.key, lines)
            if self.value is None:
                return "".join(_collapse(lines[: span.start] + lines[span.end :], span.start))
            part = _load("".join(lines[span.start : span.end]))
            part[self.key] = styled(self.value, part[self.key])
            middle = [_dump(part, indent, offset)]
            return "".join(lines[: span.start] + middle + lines[span.end :])
        seq = root.get(self.key)
        if not isinstance(seq, CommentedSeq) or seq.fa.flow_style():
            if self.action == "add" and self.key not in root:
                return _appended(lines, self.key, [styled(self.value)], indent, offset)
            return None
        spans = _item_spans(root, self.key, lines)
        if not spans:
            return None
        if self.action == "delete":
            span = spans[self.index or 0]
            if len(spans) == 1:
                return None
            return "".join(_collapse(lines[: span.start] + lines[span.end :], span.start))
        if self.action == "add":
            last = spans[-1]
            spaced = len(spans) > 1 and any(
                _blank(line) for line in lines[spans[-2].end : last.start]
            )
            item = CommentedSeq([styled(self.value)])
            middle = (["\n"] if spaced else []) + _shift(
                _dump(item, indent, offset), max(0, last.column - offset)
            )
            return "".join(lines[: last.end] + middle + lines[last.end :])
        span = spans[self.index or 0]
        part = _load("".join(lines[span.start : span.end]))
        merge(part[0], self.value)
        middle = _shift(_dump(part, indent, offset), max(0, span.column - offset))
        return "".join(lines[: span.start] + middle + lines[span.end :])

    def whole(self, root: Any) -> None:
        """The same edit on the whole file's round-trip data, in place."""
        from ruamel.yaml.comments import CommentedSeq

        if self.action == "field":
            if self.value is None:
                root.pop(self.key, None)
            else:
                root[self.key] = styled(self.value, root.get(self.key))
            return
        if not isinstance(root.get(self.key), CommentedSeq):
            root[self.key] = CommentedSeq(root.get(self.key) or [])
        seq = root[self.key]
        if self.action == "add":
            seq.append(styled(self.value))
        elif self.action == "set":
            merge(seq[self.index or 0], self.value)
        else:
            del seq[self.index or 0]

    def apply(self, text: str) -> str:
        """`text` with this edit made, every other line kept as it was where possible.

        Each way of writing it is read again, by ruamel.yaml and by the dossier's loader,
        and kept only if both read what was meant: the item's lines replaced, else the
        whole file's round trip, else both again with every new text in double quotes.
        """
        if text in self._made:
            return self._made[text]
        root = _root(text)
        current = plain(root)
        expected = self.expected(current)
        if expected == current:
            return text  # nothing changes: not one byte is rewritten
        loaded = _read_back(text) if text.strip() else {}
        meant = self.expected(loaded) if isinstance(loaded, dict) else None
        for edit in (self, dataclasses.replace(self, value=_quoted(self.value))):
            for result in edit._writings(text, root):
                if _reads_as(result, expected, meant):
                    self._made.clear()
                    self._made[text] = result
                    return result
            root = _root(text)  # the round trip changed it
        raise InputError(
            Problem(lazy("cannot write %(key)s: the file's layout is not supported", key=self.key))
        )

    def _writings(self, text: str, root: Any) -> Iterator[str]:
        """The file with this edit made: by replacing the item's lines (where the layout
        allows it), then by a round trip of the whole file (`root`: the file's round-trip
        mapping, changed by the round trip)."""
        indent, offset = _guess(text)
        lines = _lines(text)
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        result = self.cut(root, lines, indent, offset)
        if result is not None:
            yield result
        self.whole(root)
        yield _dump(root, indent, offset)


def _root(text: str) -> Any:
    """The round-trip mapping of a file's text (empty for an empty file)."""
    from ruamel.yaml.comments import CommentedMap

    root = _load(text) if text.strip() else CommentedMap()
    if not isinstance(root, CommentedMap):
        raise InputError(Problem(lazy("expected a mapping of dossier fields at the top level")))
    return root


def _reads_as(text: str, expected: dict[str, Any], meant: Any) -> bool:
    """True if ruamel.yaml reads `text` as `expected` and the dossier's loader as `meant`
    (unless it could not read the file before the edit: None)."""
    try:
        if plain(_load(text)) != expected:
            return False
    except InputError:
        return False
    return meant is None or _read_back(text) == meant


class DossierFiles:
    """The YAML files of one dossier folder, for editing one item or field at a time."""

    def __init__(self, folder: Path, history: Path) -> None:
        self.folder = folder
        self.history = history

    @classmethod
    def in_workspace(cls, root: Path, folder: Path) -> DossierFiles:
        """A dossier of the workspace at `root`, its history kept in root/.briefgen/history/."""
        return cls(folder, root / ".briefgen" / "history" / folder.name)

    # -- where things are ------------------------------------------------------------

    def holder(self, key: str) -> Path | None:
        """The file that sets the top-level field `key`, if any."""
        pattern = re.compile(rf"^{re.escape(key)}\s*:", re.MULTILINE)
        for path in dossier_files(self.folder):
            if pattern.search(path.read_text(encoding="utf-8-sig")):
                return path
        return None

    def target(self, key: str, is_list: bool) -> Path:
        """Where `key` is written: the file that sets it, else a file of its own for a list,
        else dossier.yaml."""
        found = self.holder(key)
        if found is not None:
            return found
        return self.folder / (f"{key}.yaml" if is_list else "dossier.yaml")

    def versions(self, paths: Iterable[Path]) -> dict[str, str]:
        """The version of each file, by its name in the dossier folder."""
        return {self._name(path): file_version(path) for path in paths}

    def ids(self, key: str) -> list[str]:
        """The ids of the items of the top-level list `key`, as the files hold them."""
        items = self.raw(key)
        if not isinstance(items, list):
            return []
        return [str(item["id"]) for item in items if isinstance(item, dict) and "id" in item]

    def raw(self, key: str) -> Any:
        """The plain value of a top-level field as the files hold it, or None."""
        path = self.holder(key)
        if path is None:
            return None
        root = _load(path.read_text(encoding="utf-8-sig"))
        return plain(root.get(key))

    # -- saving ------------------------------------------------------------------------

    def save(
        self,
        edits: Iterable[tuple[Path, Edit]],
        expected: Mapping[str, str],
        summary: Text,
        extra: Mapping[Path, bytes | None] | None = None,
        vet: Vet | None = None,
    ) -> Saved:
        """Make `edits` (and write or remove the `extra` files) in one atomic save.

        `expected` gives the version of each file (by name) when the form was opened;
        a file that changed since raises StaleError and nothing is written.  `vet`, if
        given, sees the files the save would write and may refuse it by raising.
        """
        with self._locked():
            texts: dict[Path, str] = {}
            encoders: dict[Path, Callable[[str], bytes]] = {}
            for path, edit in edits:
                if path not in texts:
                    self._check(path, expected)
                    raw = path.read_bytes() if path.exists() else b""
                    texts[path], encoders[path] = _decode(raw)
                try:
                    texts[path] = edit.apply(texts[path])
                except InputError as error:
                    problem = error.problems[0]
                    raise InputError(
                        Problem(problem.message, display_path(path), field=edit.key)
                    ) from None
            files: dict[Path, bytes | None] = {p: encoders[p](t) for p, t in texts.items()}
            files.update(extra or {})
            for path in extra or {}:
                self._check(path, expected)
            if vet is not None:
                vet({self._name(path): data for path, data in files.items()})
            return self._write(files, summary)

    def _check(self, path: Path, expected: Mapping[str, str]) -> None:
        if expected.get(self._name(path), ABSENT) != file_version(path):
            raise StaleError(path)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """One save at a time on this dossier, across threads and processes (serve, the
        command line): the versions checked are those written over."""
        self.history.mkdir(parents=True, exist_ok=True)
        with (self.history / ".lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _write(
        self, files: Mapping[Path, bytes | None], summary: Text, undo_of: int | None = None
    ) -> Saved:
        """Record the previous bytes in the history, then write (None: remove) the files;
        refused if a symbolic link takes one of them out of the dossier folder."""
        for path in files:
            refuse_outside(path, self.folder)
        number = sum(1 for _ in self.history.glob("[0-9]*/entry.json")) + 1
        folder = self.history / f"{number:04d}"
        before = {path: path.read_bytes() for path in files if path.exists()}
        record = Saved(
            number,
            dt.datetime.now().isoformat(timespec="seconds"),
            summary,
            {
                self._name(path): (
                    file_version(path),
                    ABSENT if data is None else hashlib.sha256(data).hexdigest()[:16],
                )
                for path, data in files.items()
            },
            undo_of,
        )
        kept = {folder / self._name(path): data for path, data in before.items()}
        kept[folder / "entry.json"] = record.to_json()
        modes = {folder / self._name(path): stat.S_IMODE(path.stat().st_mode) for path in before}
        write_all(kept, modes)
        write_all({path: data for path, data in files.items() if data is not None})
        for path, data in files.items():
            if data is None:
                path.unlink(missing_ok=True)
                if path.parent != self.folder and not any(path.parent.iterdir()):
                    path.parent.rmdir()  # an emptied sources/ goes with its last file
        return record

    def _name(self, path: Path) -> str:
        return path.relative_to(self.folder).as_posix()

    # -- history -----------------------------------------------------------------------

    def entries(self) -> list[Saved]:
        """Every save recorded for this dossier, oldest first."""
        return [
            Saved.from_json(e.read_bytes()) for e in sorted(self.history.glob("[0-9]*/entry.json"))
        ]

    def undoable(self, entry: Saved, entries: list[Saved] | None = None) -> bool:
        """True if save `entry` can be undone: no file of it changed since, or only items
        (and fields of items) it did not change.  `entries`: the history, if already read."""
        try:
            self._undone(entry, entries or self.entries(), _quick_data)
        except StaleError:
            return False
        return True

    def undo(self, number: int, vet: Vet | None = None) -> Saved:
        """Undo save `number`: its files as they were before it, or, in a file saved again
        since, only the items and fields it changed put back (briefgen/undo.py); refused
        (StaleError) if a later save changed the same thing.  `vet`, if given, sees the
        files as the undo would leave them and may refuse it by raising."""
        entry = next((e for e in self.entries() if e.number == number), None)
        if entry is None:
            raise InputError(
                Problem(lazy("no save number %(number)s in the history", number=number))
            )
        with self._locked():
            files = self._undone(entry, self.entries())
            if vet is not None:
                vet({self._name(path): data for path, data in files.items()})
            summary = lazy("undo: %(summary)s", summary=entry.summary)
            return self._write(files, summary, undo_of=number)

    def _undone(
        self, entry: Saved, entries: list[Saved], data: Callable[[str], Any] | None = None
    ) -> dict[Path, bytes | None]:
        """Each file of save `entry` as undoing it leaves it (None: removed); StaleError if a
        later save changed the same thing.  `data` reads a file's text as plain data, to
        decide without writing (the undo itself reads and writes with ruamel.yaml)."""
        folder = self.history / f"{entry.number:04d}"
        files: dict[Path, bytes | None] = {}
        for name, (before, after) in entry.files.items():
            path = self.folder / name
            earlier = None if before == ABSENT else (folder / name).read_bytes()
            if file_version(path) == after:
                files[path] = earlier
                continue
            later = self._after(entry, name, entries) or self._after(
                entry,
                name,
                self.entries(),  # a save since `entries` was read, read after it
            )
            if earlier is None or later is None or path.suffix != ".yaml" or not path.exists():
                raise StaleError(path)
            files[path] = self._merged(path, earlier, later, data)
        return files

    def _after(self, entry: Saved, name: str, entries: list[Saved]) -> bytes | None:
        """The bytes of file `name` just after save `entry`, as the next save of it kept
        them; None when no later save kept them (the file changed outside the page)."""
        after = entry.files[name][1]
        for later in entries:
            if later.number > entry.number and name in later.files:
                copy = self.history / f"{later.number:04d}" / name
                if later.files[name][0] == after and copy.exists():
                    return copy.read_bytes()
                return None
        return None

    def _merged(
        self, path: Path, earlier: bytes, later: bytes, data: Callable[[str], Any] | None
    ) -> bytes | None:
        """The file at `path` with what changed from `earlier` to `later` put back (only
        decided, None, when `data` is given); StaleError if a later save changed the same
        thing."""
        from .undo import undo_edits

        read = data or (lambda text: plain(_root(text)))
        text, encode = _decode(path.read_bytes())
        try:
            was, then = (read(_decode(raw)[0]) for raw in (earlier, later))
            now = read(text)
        except InputError:
            raise StaleError(path) from None
        edits = undo_edits(was, then, now)
        if edits is None:
            raise StaleError(path)
        if data is not None:
            return None
        for edit in edits:
            try:
                text = edit.apply(text)
            except InputError:
                raise StaleError(path) from None
        return encode(text)


@functools.lru_cache(maxsize=256)
def _quick_data(text: str) -> Any:
    """A file's plain data, read fast (libyaml when there) to decide whether a save can be
    undone; an InputError when it is no mapping."""
    import yaml

    from .load import FAST_LOADER

    try:
        found = yaml.load(text, Loader=FAST_LOADER)
    except (yaml.YAMLError, RecursionError):
        raise InputError(
            Problem(lazy("expected a mapping of dossier fields at the top level"))
        ) from None
    if found is None:
        return {}
    if not isinstance(found, dict):
        raise InputError(Problem(lazy("expected a mapping of dossier fields at the top level")))
    return found


def commit(root: Path, paths: Iterable[Path], message: str) -> Text | None:
    """Commit `paths` in the git repository at `root`; the reason when it could not."""
    names = [str(p) for p in paths]
    if not (root / ".git").exists():
        return lazy("the workspace is not a git repository")
    for command in (
        ["git", "add", "--", *names],
        ["git", "commit", "-q", "-m", message, "--", *names],
    ):
        try:
            result = subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)
        except OSError as exc:
            return lazy("git: %(reason)s", reason=exc.strerror or str(exc))
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()[-1:]
            return lazy("git: %(reason)s", reason=" ".join(last))
    return None


Plan = Callable[[], tuple[list[tuple[Path, Edit]], Mapping[Path, bytes | None], Text]]
"""Decides a save from the files as they are now: its edits, the other files it writes
(None: removes) and its summary; raises to refuse it."""


@contextlib.contextmanager
def planning(files: DossierFiles) -> Iterator[None]:
    """One decision at a time on this dossier: the page's saves, deletes, moves and undos
    read the files, decide and write under this lock, taken before the save lock."""
    files.history.parent.mkdir(parents=True, exist_ok=True)  # no history until a save
    with files.history.with_name(f".{files.history.name}.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def save_planned(files: DossierFiles, plan: Plan) -> Saved:
    """Make the save `plan` decides on today's files, all under `planning`: the versions of
    the files when it began deciding are those written over (a writer outside the page,
    such as an editor of the files, still makes it stale)."""
    with planning(files):
        expected = files.versions(dossier_files(files.folder))
        edits, extra, summary = plan()
        return files.save(edits, expected, summary, extra)
