"""Where briefgen's own files are, and the template search path (no heavy imports:
the commands that never render use it too)."""

from __future__ import annotations

from pathlib import Path

from .i18n import lazy


def file_stamp(path: Path) -> tuple[int, int, int] | None:
    """What tells that a file changed: its inode, size and modification time (None: gone)."""
    try:
        found = path.stat()
    except OSError:
        return None
    return found.st_ino, found.st_size, found.st_mtime_ns


def shipped_dir(name: str) -> Path:
    """A data folder shipped with briefgen (inside the installed package, or the repo root)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / name, here.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(lazy("briefgen is installed without its '%(name)s' folder", name=name))


TEMPLATE_DIR = shipped_dir("templates")
"""The built-in templates; a workspace's `templates/` comes before them."""

BUILTIN_PREFIX = "default"
"""`{% extends "default:tract.md.j2" %}` names the built-in a workspace template replaces."""


def search_path(workspace_templates: Path | None = None) -> tuple[Path, ...]:
    """Template folders, first match wins: the workspace's, then the built-in ones."""
    if (
        workspace_templates is not None
        and workspace_templates.is_dir()
        and workspace_templates.resolve() != TEMPLATE_DIR
    ):
        return (workspace_templates.resolve(), TEMPLATE_DIR)
    return (TEMPLATE_DIR,)


def find_template_file(name: str, dirs: tuple[Path, ...]) -> Path | None:
    """The first file called `name` (a relative path) in the template folders."""
    return next((d / name for d in dirs if (d / name).is_file()), None)
