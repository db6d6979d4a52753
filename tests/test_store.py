"""Writing a dossier back into its YAML files (briefgen.store), on copies of the seeds dossier.

A save must change the lines of the item it edits and nothing else: the section
comments, the blank lines and every other item stay byte for byte as the rep
wrote them.  Every save is refused when the file changed since it was read, is
recorded in a history kept outside the dossier folder, and can be undone.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import shutil
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pytest

from briefgen.load import load_dossier
from briefgen.store import DossierFiles, Edit, StaleError, file_version
from conftest import FIRST_DOSSIER

SECTION_COMMENT = re.compile(r"^  # --- .+ ---$")


@pytest.fixture
def dossier(tmp_path: Path) -> Path:
    """A copy of the seeds dossier, free to be written."""
    folder = tmp_path / "dossiers" / "france-travail-linkedin"
    shutil.copytree(FIRST_DOSSIER, folder)
    return folder


@pytest.fixture
def history(tmp_path: Path) -> Path:
    return tmp_path / "history"


@pytest.fixture
def files(dossier: Path, history: Path) -> DossierFiles:
    return DossierFiles(dossier, history)


def save(
    files: DossierFiles,
    edits: list[tuple[Path, Edit]],
    extra: Mapping[Path, bytes | None] | None = None,
) -> None:
    """Save `edits` as a form opened just now would: with the files' current versions."""
    paths = [path for path, _ in edits]
    files.save(edits, files.versions(paths), "test", extra)


def items(files: DossierFiles, key: str) -> list[dict[str, Any]]:
    raw = files.raw(key)
    assert isinstance(raw, list)
    return raw


def index_of(files: DossierFiles, key: str, item_id: str) -> int:
    return [item["id"] for item in items(files, key)].index(item_id)


def item_lines(lines: list[bytes], item_id: str) -> range:
    """The lines of the item `item_id` of a top-level list: from its `- id:` line to the
    line before the next item, section comment, blank line or end of file."""
    start = lines.index(f"  - id: {item_id}\n".encode())
    end = start + 1
    while end < len(lines) and lines[end].startswith(b"    "):
        end += 1
    return range(start, end)


def diff(old: bytes, new: bytes) -> list[str]:
    """The changed lines of a unified diff ('+…' and '-…'), headers left out."""
    lines = difflib.unified_diff(
        old.decode().splitlines(keepends=True), new.decode().splitlines(keepends=True), n=0
    )
    return [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def section_comments(text: bytes) -> list[str]:
    return [line for line in text.decode().splitlines() if SECTION_COMMENT.match(line)]


def without(files: DossierFiles, fact_id: str) -> list[tuple[Path, Edit]]:
    """The edits that take `fact_id` out of every list of facts that names it."""
    edits = []
    for path in sorted(files.folder.glob("*.yaml")):
        keys = re.findall(r"^(\w+):", path.read_text(encoding="utf-8"), re.MULTILINE)
        for key in keys:
            value = files.raw(key)
            if not isinstance(value, list):
                continue
            for index, item in enumerate(value):
                if isinstance(item, dict) and fact_id in (item.get("facts") or []):
                    changed = {**item, "facts": [f for f in item["facts"] if f != fact_id]}
                    edits.append((path, Edit(key, "set", index, changed)))
    return edits


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def names(paths: Iterable[Path], root: Path) -> set[str]:
    return {path.relative_to(root).as_posix() for path in paths}


# -- one item's lines, and nothing else ----------------------------------------------------


def test_editing_a_statement_changes_only_that_items_lines(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    old = path.read_bytes()
    index = index_of(files, "facts", "insee-70-non-verifie")
    item = items(files, "facts")[index]
    statement = (
        "Un lecteur affirme, sans le moindre appui, que 70 % des demandeurs d'emploi utilisent "
        "LinkedIn ; ce chiffre ne doit pas être repris tel quel dans nos documents."
    )
    save(files, [(path, Edit("facts", "set", index, {**item, "statement": statement}))])

    new = path.read_bytes()
    old_lines = old.splitlines(keepends=True)
    new_lines = new.splitlines(keepends=True)
    before, after = (
        item_lines(old_lines, "insee-70-non-verifie"),
        item_lines(new_lines, "insee-70-non-verifie"),
    )
    assert before.start == after.start
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag != "equal":
            assert before.start <= i1 <= i2 <= before.stop, (tag, old_lines[i1:i2])
            assert after.start <= j1 <= j2 <= after.stop, (tag, new_lines[j1:j2])
    assert old_lines[: before.start] == new_lines[: after.start]
    assert old_lines[before.stop :] == new_lines[after.stop :]
    assert new_lines[after.stop :][:2] == [b"\n", b"  # --- LinkedIn ---\n"]
    assert section_comments(new) == section_comments(old) and len(section_comments(new)) == 9
    assert load_dossier(dossier).facts[index].statement == statement


def test_an_edit_that_changes_nothing_leaves_the_file_byte_identical(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    old = path.read_bytes()
    for fact_id in ("pilote-licences-500", "objectifs-direction", "opposition-cgt-fsu"):
        index = index_of(files, "facts", fact_id)
        save(files, [(path, Edit("facts", "set", index, items(files, "facts")[index]))])
    assert path.read_bytes() == old


def test_adding_an_item_only_appends_lines(files: DossierFiles, dossier: Path) -> None:
    facts, themes = dossier / "facts.yaml", dossier / "themes.yaml"
    old_facts, old_themes = facts.read_bytes(), themes.read_bytes()
    new_fact = {
        "id": "licences-cout",
        "statement": "Le coût des licences n'a pas été rendu public.",
        "sources": ["politique-france-2025"],
        "quote": {"text": "pas été rendu public", "by": "politique-france.info"},
    }
    theme = items(files, "themes")[0]
    save(
        files,
        [
            (facts, Edit("facts", "add", None, new_fact)),
            (
                themes,
                Edit("themes", "set", 0, {**theme, "facts": [*theme["facts"], "licences-cout"]}),
            ),
        ],
    )

    added = diff(old_facts, facts.read_bytes())
    assert added and all(line.startswith("+") for line in added)
    assert facts.read_bytes().startswith(old_facts)
    assert diff(old_themes, themes.read_bytes()) == ["+      - licences-cout\n"]
    loaded = load_dossier(dossier)
    assert loaded.facts[-1].model_dump(exclude_defaults=True) == new_fact


def test_deleting_an_item_removes_only_its_lines_and_keeps_the_comment_after_it(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    old = path.read_bytes()
    old_lines = old.splitlines(keepends=True)
    lines = item_lines(old_lines, "debat-public")
    assert old_lines[lines.stop : lines.stop + 2] == [
        b"\n",
        b"  # --- Consultation des instances ---\n",
    ]
    index = index_of(files, "facts", "debat-public")
    save(files, [(path, Edit("facts", "delete", index)), *without(files, "debat-public")])

    new = path.read_bytes()
    removed = diff(old, new)
    assert removed == ["-" + line.decode() for line in old_lines[lines.start : lines.stop]]
    assert new == b"".join(old_lines[: lines.start] + old_lines[lines.stop :])
    assert b"\n\n  # --- Consultation des instances ---\n  - id: absence-consultation-irp\n" in new
    assert section_comments(new) == section_comments(old)
    assert "debat-public" not in [fact.id for fact in load_dossier(dossier).facts]


# -- comments ----------------------------------------------------------------------------


def test_comments_inside_an_item_survive_an_edit_of_another_field(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    statement = (
        "    statement: Selon politique-france.info, le projet pilote a été lancé dans "
        "cinq régions."
    )
    text = path.read_text(encoding="utf-8")
    assert statement + "\n" in text
    commented = f"{statement}  # vérifié le 3/12\n    # relu par Anne avant la séance\n"
    path.write_text(text.replace(statement + "\n", commented), encoding="utf-8")
    old = path.read_bytes()

    index = index_of(files, "facts", "pilote-cinq-regions")
    item = items(files, "facts")[index]
    save(files, [(path, Edit("facts", "set", index, {**item, "as_of": dt.date(2025, 12, 21)}))])

    new = path.read_text(encoding="utf-8")
    assert commented in new
    assert diff(old, new.encode()) == ["-    as_of: 2025-12-20\n", "+    as_of: 2025-12-21\n"]
    assert load_dossier(dossier).facts[index].as_of == dt.date(2025, 12, 21)


# -- values that YAML would read as something else ------------------------------------------


TRICKY = [
    "2025",
    "yes",
    "no",
    "on",
    "null",
    "true",
    "~",
    "12:30",
    "2025-12-20",
    "3.5",
    "Objectif : 500 conseillers # selon la direction",
    "# pas un commentaire",
    "- pas une liste",
    "[pas, une, liste]",
    "« contre nature » : l'intersyndicale",
]


@pytest.mark.parametrize("value", TRICKY)
def test_a_value_yaml_would_read_as_another_type_is_kept_as_text(
    files: DossierFiles, dossier: Path, value: str
) -> None:
    path = dossier / "facts.yaml"
    index = index_of(files, "facts", "pilote-cinq-departements")
    item = items(files, "facts")[index]
    fields = ("statement", "said_by", "label", "unit")
    save(files, [(path, Edit("facts", "set", index, {**item, **dict.fromkeys(fields, value)}))])

    loaded = load_dossier(dossier).facts[index]  # PyYAML, as `briefgen build` reads it
    assert {field: getattr(loaded, field) for field in fields} == dict.fromkeys(fields, value)
    again = items(files, "facts")[index]  # ruamel.yaml, as the next save reads it
    assert {field: again[field] for field in fields} == dict.fromkeys(fields, value)


def test_long_text_is_written_as_a_folded_block_of_short_lines(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    statement = (
        "Selon les élus du CSE Hauts-de-France : le pilote, lancé sans consultation préalable, "
        "concerne au plus 100 conseillers par établissement # chiffre à confirmer ; "
        "l'extension nationale, prévue de mars 2026 à mars 2028, toucherait environ 6 000 "
        "conseillers de France Travail Pro, soit 2025 agents de plus qu'annoncé en 12:30 "
        "de séance, et la direction n'a transmis aucun document écrit au CSE central."
    )
    index = index_of(files, "facts", "pilote-cinq-departements")
    item = items(files, "facts")[index]
    save(files, [(path, Edit("facts", "set", index, {**item, "statement": statement}))])

    lines = path.read_bytes().splitlines(keepends=True)
    span = item_lines(lines, item["id"])
    written = [line.decode() for line in lines[span.start : span.stop]]
    assert written[1] == "    statement: >-\n"
    body = [line for line in written[2:] if line.startswith("      ")]
    assert len(body) >= 4
    assert all(len(line.rstrip("\n")) <= 100 for line in written)
    assert load_dossier(dossier).facts[index].statement == statement


# -- the dossier still loads --------------------------------------------------------------


def test_the_dossier_loads_after_each_kind_of_save(files: DossierFiles, dossier: Path) -> None:
    facts, meeting = dossier / "facts.yaml", dossier / "dossier.yaml"
    index = index_of(files, "facts", "outil-rh")
    item = items(files, "facts")[index]
    steps: list[list[tuple[Path, Edit]]] = [
        [(facts, Edit("facts", "set", index, {**item, "said_by": "Direction de France Travail"}))],
        [
            (facts, Edit("facts", "delete", index_of(files, "facts", "debat-public"))),
            *without(files, "debat-public"),
        ],
        [
            (
                meeting,
                Edit(
                    "meeting",
                    "field",
                    None,
                    {**files.raw("meeting"), "questions_by": dt.date(2026, 12, 1)},
                ),
            )
        ],
        [(meeting, Edit("subtitle", "field", None, None))],
        [(dossier / "stakeholders.yaml", Edit("stakeholders", "delete", 0))],
    ]
    for edits in steps:
        save(files, edits)
        loaded = load_dossier(dossier)
    assert loaded.meeting.questions_by == dt.date(2026, 12, 1)
    assert loaded.subtitle is None
    assert "debat-public" not in [fact.id for fact in loaded.facts]
    for number in range(len(steps), 0, -1):
        files.undo(number)
        load_dossier(dossier)
    assert snapshot(dossier) == snapshot(FIRST_DOSSIER)


# -- stale saves ---------------------------------------------------------------------------


def test_a_save_from_a_form_opened_before_another_write_is_refused(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    expected = files.versions([path])  # the form is opened
    index = index_of(files, "facts", "outil-rh")
    item = items(files, "facts")[index]

    theirs = path.read_text(encoding="utf-8").replace(
        "  - id: outil-rh\n", "  # relu par un autre élu\n  - id: outil-rh\n"
    )
    path.write_text(theirs, encoding="utf-8")  # another rep saves meanwhile
    written = path.read_bytes()

    edit = Edit("facts", "set", index, {**item, "statement": "Ma version du fait."})
    with pytest.raises(StaleError) as raised:
        files.save([(path, edit)], expected, "mine")
    assert raised.value.path == path
    assert "changed on disk" in str(raised.value)
    assert path.read_bytes() == written
    assert files.entries() == []


def test_a_file_created_since_the_form_was_opened_is_not_overwritten(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "extra.yaml"
    expected = files.versions([path])
    path.write_text("considerations: []\n", encoding="utf-8")
    with pytest.raises(StaleError):
        files.save([(path, Edit("tract", "field", None, {"headline": "x"}))], expected, "mine")
    assert path.read_text(encoding="utf-8") == "considerations: []\n"


# -- history and undo ----------------------------------------------------------------------


def test_undo_of_the_last_save_puts_back_the_bytes_of_the_save_before(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    original, original_version = path.read_bytes(), file_version(path)
    index = index_of(files, "facts", "outil-rh")
    item = items(files, "facts")[index]
    save(files, [(path, Edit("facts", "set", index, {**item, "statement": "Première version."}))])
    first, first_version = path.read_bytes(), file_version(path)
    save(files, [(path, Edit("facts", "set", index, {**item, "statement": "Seconde version."}))])
    assert path.read_bytes() != first

    undone = files.undo(2)
    assert path.read_bytes() == first
    assert undone.undo_of == 2 and undone.number == 3
    assert [entry.number for entry in files.entries()] == [1, 2, 3]
    assert files.entries()[0].files == {"facts.yaml": (original_version, first_version)}

    files.undo(1)  # the first save is undoable again once the second is undone
    assert path.read_bytes() == original


def test_undo_of_a_save_whose_file_changed_since_is_refused(
    files: DossierFiles, dossier: Path
) -> None:
    path = dossier / "facts.yaml"
    index = index_of(files, "facts", "outil-rh")
    item = items(files, "facts")[index]
    save(files, [(path, Edit("facts", "set", index, {**item, "statement": "Première version."}))])
    save(files, [(path, Edit("facts", "set", index, {**item, "statement": "Seconde version."}))])
    current = path.read_bytes()
    entries = files.entries()
    assert not files.undoable(entries[0]) and files.undoable(entries[1])

    with pytest.raises(StaleError):
        files.undo(1)
    assert path.read_bytes() == current
    assert files.entries() == entries

    path.write_bytes(current + "# ajouté dans un éditeur\n".encode())
    with pytest.raises(StaleError):
        files.undo(2)
    assert path.read_bytes() == current + "# ajouté dans un éditeur\n".encode()
    assert files.entries() == entries


def test_undo_of_a_save_that_added_a_file_removes_it(files: DossierFiles, dossier: Path) -> None:
    sources = dossier / "sources.yaml"
    snapshot_file = dossier / "sources" / "x.txt"
    item = items(files, "sources")[0]
    save(
        files,
        [(sources, Edit("sources", "set", 0, {**item, "snapshot": "sources/x.txt"}))],
        {snapshot_file: "Le texte archivé.\n".encode()},
    )
    assert snapshot_file.read_text(encoding="utf-8") == "Le texte archivé.\n"
    assert files.entries()[0].files["sources/x.txt"][0] == "absent"

    files.undo(1)
    assert not snapshot_file.exists()
    assert sources.read_bytes() == (FIRST_DOSSIER / "sources.yaml").read_bytes()
    assert snapshot(dossier) == snapshot(FIRST_DOSSIER)


def test_an_undo_number_not_in_the_history_is_an_input_error(files: DossierFiles) -> None:
    from briefgen.errors import InputError

    with pytest.raises(InputError, match="no save number 4"):
        files.undo(4)


def test_the_history_is_kept_outside_the_dossier_and_no_temporary_is_left(
    files: DossierFiles, dossier: Path, history: Path, tmp_path: Path
) -> None:
    before = snapshot(dossier)
    facts = dossier / "facts.yaml"
    index = index_of(files, "facts", "outil-rh")
    item = items(files, "facts")[index]
    save(files, [(facts, Edit("facts", "set", index, {**item, "statement": "Autre texte."}))])
    save(
        files,
        [
            (facts, Edit("facts", "delete", index_of(files, "facts", "debat-public"))),
            *without(files, "debat-public"),
        ],
    )
    files.undo(2)

    assert set(snapshot(dossier)) == set(before)  # no stray file in the dossier
    assert names(history.rglob("*.yaml"), history) == {
        "0001/facts.yaml",
        "0002/facts.yaml",
        "0002/themes.yaml",
        "0003/facts.yaml",
        "0003/themes.yaml",
    }
    assert not list(tmp_path.rglob("*.tmp"))
    assert not history.is_relative_to(dossier)
    in_workspace = DossierFiles.in_workspace(tmp_path, dossier)
    assert not in_workspace.history.is_relative_to(dossier)
    assert in_workspace.history == tmp_path / ".briefgen" / "history" / "france-travail-linkedin"
