"""Text is text, and files stay as they were (briefgen.store, briefgen.atomic), on copies of a
small dossier: any text a person can type or paste saves and reads back identically; lists
of text are written in block style; a file keeps its mode and its Windows line ends; a
write never follows a symbolic link out of the dossier."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.atomic import PRIVATE, write_all
from briefgen.errors import BriefgenError
from briefgen.load import load_dossier, read_mapping
from briefgen.store import DossierFiles, Edit
from conftest import MINIMAL


@pytest.fixture
def folder(minimal: Path) -> Path:
    return minimal


@pytest.fixture
def files(folder: Path, tmp_path: Path) -> DossierFiles:
    return DossierFiles(folder, tmp_path / "history")


@pytest.fixture
def umask() -> Iterator[None]:
    """Run under umask 077, as a rep who keeps the dossier to themselves."""
    before = os.umask(0o077)
    yield
    os.umask(before)


def set_item(files: DossierFiles, key: str, index: int, **changes: Any) -> Path:
    """Save the item `index` of the list `key` with `changes`, as a form opened just now."""
    item = {**files.raw(key)[index], **changes}
    path = files.holder(key)
    assert path is not None
    files.save([(path, Edit(key, "set", index, item))], files.versions([path]), "test")
    return path


def set_field(files: DossierFiles, key: str, value: Any) -> Path:
    path = files.holder(key)
    assert path is not None
    files.save([(path, Edit(key, "field", value=value))], files.versions([path]), "test")
    return path


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


TYPED = [
    "a\x85b",  # NEL, pasted from a Windows document
    "avant\u2028après",
    "§ un\u2029§ deux",
    "une ligne\rune autre",
    "ligne un\r\nligne deux\nligne trois",
    "x" * 90 + "\x85" + " y" * 10,
    "? Pourquoi ce silence",
    "Pourquoi ce silence ?",
    "- une liste ? non",
    "a: b # c",
    "  deux espaces devant",
    "fin d’une ligne  \n\n",
    "\ttabulation",
    "yes",
    "12:30",
    "'guillemets' et \"doubles\"",
]


@pytest.mark.parametrize("text", TYPED)
def test_text_typed_or_pasted_saves_and_reads_back_identically(
    files: DossierFiles, text: str
) -> None:
    path = set_item(files, "facts", 1, statement=text)
    assert read_mapping(path)["facts"][1]["statement"] == text
    assert load_dossier(files.folder).facts[1].statement == text.strip()  # the model trims


def test_a_nel_in_a_multi_line_text_is_written_as_an_escape(files: DossierFiles) -> None:
    path = set_item(files, "facts", 1, statement="Le test\na lieu\x85sur trois sites.")
    lines = path.read_text(encoding="utf-8").splitlines()
    assert '    statement: "Le test\\na lieu\\Nsur trois sites."' in lines
    assert "  - id: outil-teste" in lines  # the other items are left as they were


def test_short_french_questions_in_a_list_are_written_in_block_style(
    files: DossierFiles,
) -> None:
    declaration = files.raw("declaration")
    opening = ["Pourquoi ce silence ?", "FSU ?", "? Et après"]
    path = set_field(files, "declaration", {**declaration, "opening": opening})
    text = path.read_text(encoding="utf-8")
    assert "  opening:\n    - Pourquoi ce silence ?\n    - FSU ?\n" in text
    assert read_mapping(path)["declaration"]["opening"] == opening
    assert "  closing: [Nous demandons la consultation du CSE.]\n" in text  # untouched


def test_a_list_of_ids_stays_on_one_line(files: DossierFiles) -> None:
    path = set_item(files, "facts", 1, sources=["direction", "journal"])
    assert "    sources: [direction, journal]\n" in path.read_text(encoding="utf-8")


SAFE_TEXT = st.text(
    st.characters(blacklist_categories=["Cs"], blacklist_characters="\x00"), max_size=120
)


@settings(
    max_examples=200,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    field=st.sampled_from(
        [("facts", 1, "statement"), ("facts", 0, "label"), ("questions", 0, "text")]
    ),
    text=SAFE_TEXT.filter(lambda t: t.strip()),
)
def test_any_text_in_any_text_field_saves_and_reads_back(
    files: DossierFiles, field: tuple[str, int, str], text: str
) -> None:
    key, index, name = field
    path = set_item(files, key, index, **{name: text})
    assert read_mapping(path)[key][index][name] == text


@settings(
    max_examples=100,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(texts=st.lists(SAFE_TEXT, min_size=1, max_size=4))
def test_any_list_of_texts_saves_and_reads_back(files: DossierFiles, texts: list[str]) -> None:
    declaration = files.raw("declaration")
    path = set_field(files, "declaration", {**declaration, "opening": texts})
    assert read_mapping(path)["declaration"]["opening"] == texts


def test_a_file_keeps_its_mode_and_its_history_copy_too(files: DossierFiles, umask: None) -> None:
    facts = files.folder / "facts.yaml"
    facts.chmod(0o600)
    dossier = files.folder / "dossier.yaml"
    dossier.chmod(0o640)
    set_item(files, "facts", 1, statement="Le test a lieu sur quatre sites.")
    set_field(files, "tract", {**files.raw("tract"), "headline": "Un outil à l’essai, sans avis"})
    assert mode(facts) == 0o600
    assert mode(dossier) == 0o640
    assert mode(files.history / "0001" / "facts.yaml") == 0o600
    assert mode(files.history / "0002" / "dossier.yaml") == 0o600  # 640 less the umask


def test_new_files_follow_the_umask_and_private_outputs_are_not_world_readable(
    tmp_path: Path, umask: None
) -> None:
    os.umask(0o022)
    public, note = tmp_path / "out" / "tract.pdf", tmp_path / "out" / "note.pdf"
    write_all({public: b"%PDF tract", note: b"%PDF note"}, {note: PRIVATE})
    assert (mode(public), mode(note)) == (0o644, 0o640)
    note.chmod(0o644)  # written world-readable by an earlier version
    write_all({note: b"%PDF note 2"}, {note: PRIVATE})
    assert mode(note) == 0o640
    os.umask(0o077)
    fresh = tmp_path / "out" / "other.pdf"
    write_all({fresh: b"%PDF"})
    assert mode(fresh) == 0o600
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "note.pdf",
        "other.pdf",
        "tract.pdf",
    ]


def test_a_windows_file_keeps_its_line_ends_and_only_the_item_changes(
    files: DossierFiles,
) -> None:
    facts = files.folder / "facts.yaml"
    before = facts.read_bytes().replace(b"\n", b"\r\n")
    facts.write_bytes(before)
    set_item(files, "facts", 1, statement="Le test a lieu sur quatre sites.")
    after = facts.read_bytes()
    old, new = before.split(b"\r\n"), after.split(b"\r\n")
    assert b"\n" not in after.replace(b"\r\n", b"")
    changed = [line for line in new if line not in old]
    assert changed == [b"    statement: Le test a lieu sur quatre sites."]
    assert len(new) == len(old)
    assert load_dossier(files.folder).facts[1].statement == "Le test a lieu sur quatre sites."


def test_a_write_through_a_symlink_out_of_the_dossier_is_refused(
    files: DossierFiles, tmp_path: Path
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (files.folder / "sources").symlink_to(outside, target_is_directory=True)
    target = files.folder / "sources" / "note.txt"
    path = files.folder / "sources.yaml"
    with pytest.raises(BriefgenError) as caught:
        files.save([], files.versions([target]), "import", extra={target: b"text"})
    assert "symbolic link" in str(caught.value)
    assert list(outside.iterdir()) == []
    assert files.entries() == []
    assert path.read_bytes() == (MINIMAL / "sources.yaml").read_bytes()
