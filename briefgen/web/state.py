"""What the web application knows, shared by its routes."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from flask import abort, current_app

from ..errors import Problem
from ..importer import Extracted
from ..lint import check_dossier
from ..load import dossier_files
from ..models import Dossier
from ..paths import file_stamp
from ..press import Memo
from ..provenance import dossier_hash
from ..warm import WarmPool
from ..workspace import Workspace
from .jobs import Builds, Made

KEY_BYTES = 32
"""Length of the key that signs the page's session cookie (its form token)."""


@dataclass(frozen=True)
class Pending:
    """An imported article waiting for the rep to confirm its source entry."""

    draft: Extracted
    sha256: str

    @property
    def text(self) -> str:
        return self.draft.text


@dataclass
class State:
    """One workspace served, with its builds under way."""

    workspace: Workspace
    today: dt.date | None = None
    """The date findings are judged at (tests pin it); None for the real date."""
    commit: bool = False
    """Commit every save when the workspace is a git repository."""
    builds: Builds = field(default_factory=Builds)
    render: WarmPool = field(default_factory=lambda: WarmPool(0))
    """The warm renderer: the page's builds and PDF previews are made by it."""
    memo: Memo = field(default_factory=Memo)
    """The fitter's choices (see `press.Memo`): a document made again is laid out once."""
    made: Made = field(default_factory=Made)
    """The documents made lately, by all they are made from: asked again, they are not."""
    imports: dict[str, Pending] = field(default_factory=dict)
    """Articles read but not yet saved as sources, by the token their form carries."""

    def dossier_dir(self, dossier_id: str) -> Path:
        """The folder of a dossier named in a URL; 404 unless the workspace lists it."""
        if dossier_id not in self.workspace.dossiers():  # never a path from the request
            abort(404)
        return self.workspace.seeds / dossier_id

    def date(self) -> dt.date:
        """The date findings are judged at: the pinned one, else today."""
        return self.today or dt.date.today()

    def findings(self, folder: Path) -> tuple[Dossier | None, list[Problem]]:
        """What `briefgen check` says of a dossier folder today (checked again only when
        one of its files or archived texts changed)."""
        archives = [*dossier_files(folder), *folder.glob("sources/*")]
        dossier, problems = _findings(folder, self.date(), stamp(archives))
        return dossier, list(problems)

    def digest(self, loaded: Dossier | None) -> str:
        """What a document of `loaded` is made from, as a hash: the dossier's content, and
        the workspace's templates and configuration as they are now."""
        workspace = self.workspace
        templates = [p for d in workspace.template_dirs if d.is_dir() for p in d.rglob("*")]
        written = stamp([*templates, workspace.config_file])
        content = dossier_hash(loaded) if loaded else ""
        return hashlib.sha256(f"{content}{written}".encode()).hexdigest()[:16]


Stamp = tuple[tuple[str, int, int, int], ...]


def stamp(paths: Iterable[Path]) -> Stamp:
    """What changes when one of these files is written: names, inodes, sizes, times (a file
    gone meanwhile is left out)."""
    found = []
    for path in sorted(paths):
        known = file_stamp(path)
        if known is not None:
            found.append((path.name, *known))
    return tuple(found)


@lru_cache(maxsize=16)
def _findings(folder: Path, today: dt.date, written: Stamp) -> tuple[Dossier | None, list[Problem]]:
    return check_dossier(folder, today)


def state() -> State:
    """The state of the application serving this request."""
    found: State = current_app.extensions["briefgen"]
    return found


def secret_key(workspace: Workspace) -> bytes:
    """The key that signs the session cookie, kept in the workspace (.briefgen/secret-key) so
    that a form opened before a restart of `briefgen serve` still saves after it.

    Made at random on first use, readable by its owner only, and created whole: of two
    servers starting at once, both keep the key of the first to write it.
    """
    path = workspace.root / ".briefgen" / "secret-key"
    with contextlib.suppress(FileNotFoundError):
        if len(key := path.read_bytes()) >= KEY_BYTES:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".secret-key.{secrets.token_hex(8)}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(KEY_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)  # fails if another server wrote it first: theirs is kept
        except FileExistsError:
            if len(path.read_bytes()) < KEY_BYTES:  # empty or cut short: not a key of ours
                os.replace(temporary, path)
        except OSError:  # a file system without hard links
            os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    return path.read_bytes()
