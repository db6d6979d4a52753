"""How the page shows what `briefgen check` finds: a sentence a rep understands, the item it
is about with a link to the form that fixes it, and the technical details (rule code, file,
line, field, the terminal's message) one click away."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import url_for

from ..errors import Problem
from ..i18n import Message, lazy
from ..lint import check_dossier
from ..load import dossier_files
from ..store import DossierFiles
from .parts import SECTIONS, TABLES, named, raw_items
from .state import State

RULE_TEXT: dict[str, Message] = {
    "E001": lazy("A file of the dossier cannot be read."),
    "E002": lazy("A piece of information is missing or is not valid."),
    "E101": lazy("It mentions an item that no longer exists (deleted or renamed)."),
    "E102": lazy("Two items have the same internal reference."),
    "E103": lazy("A fact needs at least one source, unless it is the union's own position."),
    "E104": lazy(
        "The union's own position cites no source: remove its sources or untick « the "
        "union's own position »."
    ),
    "W105": lazy("Not used yet."),
    "E106": lazy("Backed only by readers' comments: mark it as unverified."),
    "E107": lazy("The archived text of the source is missing or has changed."),
    "E108": lazy("The quotation is not found word for word in the archived text of its sources."),
    "W201": lazy("The sources disagree: the documents say so."),
    "W202": lazy("Facts on the same subject disagree: declare the divergence."),
    "W301": lazy("An old fact: check that it is still true."),
    "W302": lazy("Dated after the meeting."),
    "W303": lazy("The date of the meeting is past."),
    "W401": lazy("No fact motivates this question."),
    "W402": lazy("This question has no legal basis."),
    "W403": lazy(
        "This figure will not be printed on the tract: it is unverified, for the reps only, "
        "or has no figure."
    ),
    "W404": lazy("The figure's caption starts with its unit, which is printed just before it."),
    "W501": lazy("The source has no archived text: its quotations cannot be checked."),
    "W502": lazy("The archived text of the source has no recorded fingerprint."),
    "W503": lazy("The statement copies a long passage of its source: restate it."),
    "W601": lazy("Management's answer to this question is overdue."),
    "W602": lazy("The CSE will soon be deemed to give a negative opinion: vote a reasoned one."),
    "W603": lazy("A commitment of management is due or overdue."),
    "W604": lazy("The agenda should already have been received."),
}
"""What each rule means, said to a rep (the terminal's message is in the details)."""
DETAILED = frozenset({"E108", "W503", "W301", "W302", "W303", "W601", "W602", "W603", "W604"})
"""Rules whose terminal message helps a rep too (the closest passage, the dates)."""


@dataclass(frozen=True)
class Place:
    """What a finding is about, in words, and the page where it is fixed."""

    text: str
    url: str | None


@dataclass(frozen=True)
class Finding:
    """One finding as the page shows it."""

    code: str
    text: str
    place: Place
    detail: str
    """The terminal's message (it may name ids and values)."""
    where: str
    """File, line and field."""


ITEM = re.compile(r"^(\w+)\[(\d+)\]")


def _located(files: DossierFiles, field: str) -> tuple[str, str, dict[str, str]]:
    """(the item a field path points at in words, the endpoint of its form, its arguments)."""
    match = ITEM.match(field)
    if match and match.group(1) in TABLES:
        part = TABLES[match.group(1)]
        items = raw_items(files, part)
        index = int(match.group(2))
        if index < len(items):
            item = items[index]
            key = str(item.get("id")) if part.by_id else str(index)
            text = str(named(part, item, 70))
            return text, "edit.edit_item", {"table": part.key, "key": key}
        return str(part.title), "lists.table_page", {"table": part.key}
    top = field.split(".")[0].split("[")[0]
    section = top if top in SECTIONS else "dossier"
    return str(SECTIONS[section][0]), "edit.edit_section", {"name": section}


def place(files: DossierFiles, dossier_id: str, field: str) -> Place:
    """The item a field path ('questions[2].facts[0]', 'tract.facts[1]') points at, with
    the page of the form that changes it."""
    text, endpoint, args = _located(files, field)
    return Place(text, url_for(endpoint, dossier_id=dossier_id, **args))  # type: ignore[arg-type]


def who(files: DossierFiles, field: str) -> str:
    """The item a field path points at, in words (« la question « Pourquoi… » »)."""
    return _located(files, field)[0]


def where(problem: Problem, root: Path) -> str:
    """Where a problem is, for the technical details: file, line and field."""
    file = problem.file or ""
    path = Path(file)
    if path.is_absolute() and path.is_relative_to(root):
        file = str(path.relative_to(root))
    parts = [file, str(problem.line or ""), problem.field or "", problem.code or ""]
    return " · ".join(part for part in parts if part)


def present(
    problems: list[Problem], files: DossierFiles, dossier_id: str, root: Path
) -> list[Finding]:
    """The findings as the page shows them, in the order check gives them."""
    return [
        Finding(
            problem.code or "",
            str(RULE_TEXT.get(problem.code or "", problem.message)),
            place(files, dossier_id, problem.field or ""),
            f"{problem.message}: {problem.detail}" if problem.detail else str(problem.message),
            where(problem, root),
        )
        for problem in problems
    ]


def field_message(problem: Problem) -> str:
    """A finding said beside the input it is about."""
    text = str(RULE_TEXT.get(problem.code or "", problem.message))
    if problem.code in DETAILED:
        text = f"{text} {problem.message}"
    return text


def check_after(
    app_state: State, folder: Path, texts: Mapping[str, str | None]
) -> tuple[list[Problem], list[Problem]]:
    """What `briefgen check` would say of the dossier in `folder` once its files named in
    `texts` (a YAML file, or an archived text `sources/….txt`) hold that text (None:
    removed): (the errors it would bring, every finding).

    Run on a copy of the YAML files; the sources' archived texts are read from `folder`,
    or from a copy of them when `texts` changes one.
    """
    _, before = app_state.findings(folder)
    known = {(p.code, str(p.message)) for p in before}
    archives = any("/" in name for name in texts)
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / folder.name
        copy.mkdir()
        for path in dossier_files(folder):
            shutil.copy2(path, copy / path.name)
        if archives and (folder / "sources").is_dir():
            shutil.copytree(folder / "sources", copy / "sources", symlinks=True)
        for name, text in texts.items():
            target = copy / name
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        _, after = check_dossier(copy, app_state.date(), snapshots=copy if archives else folder)
    new = [p for p in after if p.severity == "error" and (p.code, str(p.message)) not in known]
    return new, after
