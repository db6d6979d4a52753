"""Undoing a save of a file that was saved again since: only what that save changed is put
back, item by item and field by field; a later change of the same thing refuses the undo."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from briefgen.store import DossierFiles, Edit, StaleError

FACTS = """\
# Les faits du dossier.
facts:
  - id: a
    statement: Premier constat.
    sources: [journal]
  # Le deuxième vient de la direction.
  - id: b
    statement: Deuxième constat.
    sources: [direction]
  - id: c
    statement: Troisième constat.
    union_position: true
key_points:
  - text: L'essentiel.
    facts: [a]
"""


@pytest.fixture
def files(tmp_path: Path) -> DossierFiles:
    folder = tmp_path / "dossier"
    folder.mkdir()
    (folder / "facts.yaml").write_text(FACTS, encoding="utf-8")
    return DossierFiles(folder, tmp_path / "history")


def save(files: DossierFiles, edit: Edit) -> int:
    path = files.folder / "facts.yaml"
    return files.save([(path, edit)], files.versions([path]), "test").number


def text(files: DossierFiles) -> str:
    return (files.folder / "facts.yaml").read_text(encoding="utf-8")


def facts(files: DossierFiles) -> list[dict[str, object]]:
    return list(yaml.safe_load(text(files))["facts"])


def item(files: DossierFiles, fact_id: str) -> dict[str, object]:
    return next(f for f in facts(files) if f["id"] == fact_id)


def changed(files: DossierFiles, fact_id: str, **fields: object) -> Edit:
    index = [f["id"] for f in facts(files)].index(fact_id)
    return Edit("facts", "set", index, {**item(files, fact_id), **fields})


def test_undoing_a_change_keeps_a_later_change_of_another_item(files: DossierFiles) -> None:
    first = save(files, changed(files, "a", statement="Constat revu."))
    save(files, changed(files, "b", statement="Deuxième constat, revu."))
    assert files.undoable(files.entries()[0])
    files.undo(first)
    assert item(files, "a")["statement"] == "Premier constat."
    assert item(files, "b")["statement"] == "Deuxième constat, revu."
    assert text(files) == FACTS.replace("Deuxième constat.", "Deuxième constat, revu.")


def test_undoing_a_change_of_one_field_keeps_a_later_change_of_another(
    files: DossierFiles,
) -> None:
    first = save(files, changed(files, "b", statement="Autre formulation."))
    save(files, changed(files, "b", sources=["journal"]))
    files.undo(first)
    assert item(files, "b") == {"id": "b", "statement": "Deuxième constat.", "sources": ["journal"]}
    assert "# Le deuxième vient de la direction." in text(files)


def test_a_later_change_of_the_same_field_refuses_the_undo(files: DossierFiles) -> None:
    first = save(files, changed(files, "a", statement="Constat revu."))
    save(files, changed(files, "a", statement="Constat revu deux fois."))
    before = text(files)
    assert not files.undoable(files.entries()[0])
    with pytest.raises(StaleError):
        files.undo(first)
    assert text(files) == before


def test_undoing_an_addition_deletes_the_item_only(files: DossierFiles) -> None:
    new = {"id": "d", "statement": "Un ajout.", "union_position": True}
    first = save(files, Edit("facts", "add", None, new))
    save(files, changed(files, "c", statement="Troisième, revu."))
    files.undo(first)
    assert [f["id"] for f in facts(files)] == ["a", "b", "c"]
    assert item(files, "c")["statement"] == "Troisième, revu."


def test_undoing_a_deletion_puts_the_item_back_at_the_end(files: DossierFiles) -> None:
    first = save(files, Edit("facts", "delete", 1))
    save(files, changed(files, "a", statement="Constat revu."))
    files.undo(first)
    assert [f["id"] for f in facts(files)] == ["a", "c", "b"]
    assert item(files, "b") == {
        "id": "b",
        "statement": "Deuxième constat.",
        "sources": ["direction"],
    }
    assert item(files, "a")["statement"] == "Constat revu."


def test_undoing_a_move_puts_the_order_back_and_keeps_later_changes(files: DossierFiles) -> None:
    a, b = facts(files)[0], facts(files)[1]
    path = files.folder / "facts.yaml"
    moved = [(path, Edit("facts", "set", 0, b)), (path, Edit("facts", "set", 1, a))]
    first = files.save(moved, files.versions([path]), "move").number
    save(files, changed(files, "c", statement="Troisième, revu."))
    files.undo(first)
    assert [f["id"] for f in facts(files)] == ["a", "b", "c"]
    assert item(files, "c")["statement"] == "Troisième, revu."


def test_editing_a_deleted_item_or_a_list_without_ids_since_refuses(files: DossierFiles) -> None:
    first = save(files, changed(files, "a", statement="Constat revu."))
    save(files, Edit("facts", "delete", 0))
    assert not files.undoable(files.entries()[0])
    with pytest.raises(StaleError):
        files.undo(first)
    points = Edit("key_points", "set", 0, {"text": "Autre chose.", "facts": ["b"]})
    second = save(files, points)
    save(files, Edit("key_points", "add", None, {"text": "Encore.", "facts": ["c"]}))
    with pytest.raises(StaleError):
        files.undo(second)


def test_an_undone_save_cannot_be_undone_again(files: DossierFiles) -> None:
    first = save(
        files, Edit("facts", "add", None, {"id": "d", "statement": "x.", "union_position": True})
    )
    save(files, changed(files, "a", statement="Constat revu."))
    files.undo(first)
    before = text(files)
    with pytest.raises(StaleError):
        files.undo(first)
    assert text(files) == before
