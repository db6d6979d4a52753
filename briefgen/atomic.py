"""Writing files so that a reader never sees half of one, and a failure loses nothing."""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from .errors import OutputError
from .i18n import lazy
from .load import display_path

PRIVATE = 0o660
"""The most a reps-only output may allow: never readable by others."""


def write_all(
    files: Mapping[Path, bytes],
    modes: Mapping[Path, int] | None = None,
    within: Path | None = None,
) -> None:
    """Write every file beside its target, then rename them all into place.

    Nothing is renamed until every file is fully written, so a failure (a full
    disk, an interruption) leaves the earlier output as it was; each rename is
    atomic, so a reader never sees a half-written file, and two builds at
    once each rename complete files.

    A file keeps its mode; a new one follows the umask.  `modes` gives the most
    a file may allow (PRIVATE for a reps-only output): a file allowing more
    loses the rest.  With `within`, a target that a symbolic link would take
    out of that folder is refused before anything is written.
    """
    if within is not None:
        for target in files:
            refuse_outside(target, within)
    staged: list[tuple[Path, Path]] = []
    current = Path("output")
    try:
        for folder in {target.parent for target in files}:
            remove_orphans(folder)
        for target, content in files.items():
            current = target
            target.parent.mkdir(parents=True, exist_ok=True)
            staged.append((_stage(target, content, (modes or {}).get(target, 0o7777)), target))
        for temporary, target in staged:
            current = target
            os.replace(temporary, target)
    except OSError as exc:
        raise OutputError.at(
            lazy("cannot write: %(reason)s", reason=exc.strerror or exc), display_path(current)
        ) from None
    finally:
        for temporary, _ in staged:
            temporary.unlink(missing_ok=True)


_STAGED = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]{1,7})-[0-9a-f]{8}\.tmp")
"""A file staged by `_stage`: the target's name, the writing process (a process number has
at most seven digits), a random token."""


def remove_orphans(folder: Path) -> None:
    """Remove the files `_stage` left in `folder` for processes that ended before renaming
    them (a server killed in the middle of a save)."""
    from .warm import alive

    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        found = _STAGED.fullmatch(name)
        if found is None or alive(int(found["pid"])):
            continue
        with contextlib.suppress(OSError):
            (folder / name).unlink()


def _stage(target: Path, content: bytes, most: int) -> Path:
    """`content` in a new file beside `target`, with the mode `target` will have."""
    try:
        mode: int | None = stat.S_IMODE(target.stat().st_mode) & most
    except FileNotFoundError:
        mode = None  # created with `most` less the umask
    while True:
        temporary = target.with_name(f".{target.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")
        try:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW
            fd = os.open(temporary, flags, most & 0o666)
            break
        except FileExistsError:
            continue
    try:
        with os.fdopen(fd, "wb") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return temporary


def refuse_outside(target: Path, folder: Path) -> None:
    """Raise OutputError if `target`, its symbolic links followed, is not inside `folder`."""
    if not target.resolve().is_relative_to(folder.resolve()):
        raise OutputError.at(
            lazy(
                "not written: a symbolic link leads out of the folder %(folder)s",
                folder=display_path(folder),
            ),
            display_path(target),
        )
