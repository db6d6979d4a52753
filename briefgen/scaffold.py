"""Workspace chores for editors: make a new workspace, list and copy the built-in templates."""

from __future__ import annotations

import difflib
import filecmp
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import BriefgenError, InputError
from .i18n import _, lazy
from .load import display_path
from .paths import TEMPLATE_DIR
from .workspace import CONFIG_FILE, Workspace

SCAFFOLD_DIR = Path(__file__).resolve().parent / "scaffold"
EXAMPLE_ONLY = {SCAFFOLD_DIR / "seeds" / "exemple", SCAFFOLD_DIR / "assets" / "logo.svg"}
"""What only a workspace made with its example gets: the example dossier and union's logo
(the example union's name and logo are set in its briefgen.toml)."""

PARTIALS = {
    "base.md.j2": lazy("base of every document (blocks: cover, body, sources)"),
    "signature.md.j2": lazy("signature block (included)"),
    "legal-basis.md.j2": lazy("legal references on one line (included)"),
    "logo.md.j2": lazy("the union's logo (included)"),
    "layout.html.j2": lazy("page layout (blocks: styles, page_boxes, branding)"),
    "print.css": lazy("print stylesheet"),
}


@dataclass(frozen=True)
class TemplateEntry:
    """One file a document can be made from, and where it comes from (in the words of the
    language it was listed in)."""

    name: str
    kind: str
    origin: str


def _kind(name: str) -> str:
    from .build import DOCUMENTS

    documents = {kind.template: kind.name for kind in DOCUMENTS.values()}
    if name in documents:
        return _("document (%(name)s)", name=documents[name])
    if name in PARTIALS:
        return str(PARTIALS[name])
    if name.startswith("labels/"):
        return _("labels (%(lang)s)", lang=Path(name).stem)
    if name.startswith("fonts/"):
        return _("font") if not name.endswith(".txt") else _("font licence")
    if name in ("reference.odt", "reference.docx"):
        return _(
            "styles of the %(format)s files (open it in a word processor)",
            format=Path(name).suffix[1:].upper(),
        )
    return _("template file")


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
            origin = _("workspace (replaces the built-in)")
        elif name in own:
            origin = _("workspace")
        else:
            origin = _("built-in")
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
    known = ", ".join([*documents, *builtin])
    close = difflib.get_close_matches(name, [*documents, *builtin], n=1)
    message = (
        lazy(
            "no built-in template '%(name)s' (known: %(known)s); did you mean '%(close)s'?",
            name=name,
            known=known,
            close=close[0],
        )
        if close
        else lazy("no built-in template '%(name)s' (known: %(known)s)", name=name, known=known)
    )
    raise InputError.at(message)


def copy_template(workspace: Workspace, name: str, force: bool = False) -> Path:
    """Copy built-in template `name` (a document's name or a file name, see
    `builtin_template`) into the workspace for editing; never clobber an edit."""
    source = builtin_template(name)
    name = source.relative_to(TEMPLATE_DIR).as_posix()
    target = workspace.templates / name
    if target.resolve() == source.resolve():
        raise InputError.at(lazy("this workspace's templates are the built-in ones"), name)
    if target.exists() and not force:
        if filecmp.cmp(source, target, shallow=False):
            return target
        raise BriefgenError.at(
            lazy(
                "already in the workspace and edited; use --force to replace it with the built-in"
            ),
            display_path(target),
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    return target


def init_workspace(folder: Path, example: bool = True) -> list[Path]:
    """Make a new workspace in `folder` (new or empty): with an example dossier and an example
    union (name, logo), or, without `example`, with an empty seeds/ and no union named yet
    (the documents are then signed by the unions of each dossier's meeting)."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise InputError.at(
            lazy("already exists and is not an empty folder; choose a new one"),
            display_path(folder),
        )

    def leave_out(directory: str, names: list[str]) -> list[str]:
        return [name for name in names if not example and Path(directory, name) in EXAMPLE_ONLY]

    shutil.copytree(SCAFFOLD_DIR, folder, ignore=leave_out, dirs_exist_ok=True)
    if not example:
        config = folder / CONFIG_FILE
        text = config.read_text(encoding="utf-8")
        config.write_text(re.sub(r"^(name|logo) =", r"# \1 =", text, flags=re.M), encoding="utf-8")
    for name in ("templates", "output"):
        (folder / name).mkdir(exist_ok=True)
    (folder / ".gitignore").write_text("/output/\n/.briefgen/\n", encoding="utf-8")
    return sorted(p for p in folder.rglob("*") if p.is_file())
