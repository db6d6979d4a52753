"""Workspace chores for editors: make a new workspace, list and copy the built-in templates."""

from __future__ import annotations

import difflib
import filecmp
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import BriefgenError, InputError
from .load import display_path
from .paths import TEMPLATE_DIR
from .workspace import Workspace

SCAFFOLD_DIR = Path(__file__).resolve().parent / "scaffold"

PARTIALS = {
    "base.md.j2": "base of every document (blocks: cover, body, sources)",
    "signature.md.j2": "signature block (included)",
    "legal-basis.md.j2": "legal references on one line (included)",
    "logo.md.j2": "the union's logo (included)",
    "layout.html.j2": "page layout (blocks: styles, page_boxes, branding)",
    "print.css": "print stylesheet",
}


@dataclass(frozen=True)
class TemplateEntry:
    """One file a document can be made from, and where it comes from."""

    name: str
    kind: str
    origin: str


def _kind(name: str) -> str:
    from .build import DOCUMENTS

    documents = {kind.template: kind.name for kind in DOCUMENTS.values()}
    if name in documents:
        return f"document ({documents[name]})"
    if name in PARTIALS:
        return PARTIALS[name]
    if name.startswith("labels/"):
        return f"labels ({Path(name).stem})"
    if name.startswith("fonts/"):
        return "font" if not name.endswith(".txt") else "font licence"
    if name in ("reference.odt", "reference.docx"):
        return f"styles of the {Path(name).suffix[1:].upper()} files (open it in a word processor)"
    return "template file"


def _files(folder: Path) -> set[str]:
    if not folder.is_dir():
        return set()
    return {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}


def list_templates(workspace: Workspace) -> list[TemplateEntry]:
    """Every built-in and workspace template file, with its kind and origin."""
    builtin = _files(TEMPLATE_DIR)
    own = _files(workspace.templates) if workspace.template_dirs[0] != TEMPLATE_DIR else set()
    entries = []
    for name in sorted(builtin | own):
        if name in own and name in builtin:
            origin = "workspace (replaces the built-in)"
        elif name in own:
            origin = "workspace"
        else:
            origin = "built-in"
        entries.append(TemplateEntry(name, _kind(name), origin))
    return entries


def builtin_template(name: str) -> Path:
    """The built-in template file `name` names: a document's name (tract, note…) or a file
    name (tract.md.j2, labels/fr.yaml)."""
    from .build import DOCUMENTS

    documents = {kind.name: kind.template for kind in DOCUMENTS.values()}
    filename = documents.get(name, name)
    builtin = sorted(_files(TEMPLATE_DIR))
    if Path(filename).as_posix() in builtin:
        return TEMPLATE_DIR / filename
    known = [*documents, *builtin]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    raise InputError.at(f"no built-in template '{name}' (known: {', '.join(known)}){hint}")


def copy_template(workspace: Workspace, name: str, force: bool = False) -> Path:
    """Copy built-in template `name` (a document's name or a file name, see
    `builtin_template`) into the workspace for editing; never clobber an edit."""
    source = builtin_template(name)
    name = source.relative_to(TEMPLATE_DIR).as_posix()
    target = workspace.templates / name
    if target.resolve() == source.resolve():
        raise InputError.at("this workspace's templates are the built-in ones", name)
    if target.exists() and not force:
        if filecmp.cmp(source, target, shallow=False):
            return target
        raise BriefgenError.at(
            "already in the workspace and edited; use --force to replace it with the built-in",
            display_path(target),
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def init_workspace(folder: Path) -> list[Path]:
    """Make a new workspace in `folder` (new or empty) with an example dossier."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError.at(
            "already exists and is not an empty folder; choose a new one", display_path(folder)
        )
    shutil.copytree(SCAFFOLD_DIR, folder, dirs_exist_ok=True)
    for name in ("templates", "output"):
        (folder / name).mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("/output/\n/.briefgen/\n", encoding="utf-8")
    return sorted(p for p in folder.rglob("*") if p.is_file())
