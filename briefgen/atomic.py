"""Writing files so that a reader never sees half of one, and a failure loses nothing."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError
from .i18n import lazy
from .load import display_path


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file beside its target, then rename them all into place.

    Nothing is renamed until every file is fully written, so a failure (a full
    disk, an interruption) leaves the earlier output as it was; each rename is
    atomic, so a reader never sees a half-written file, and two builds at
    once each rename complete files.
    """
    staged: list[tuple[Path, Path]] = []
    current = Path("output")
    try:
        for target, content in files.items():
            current = target
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
            staged.append((Path(name), target))
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(name, 0o644)
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
