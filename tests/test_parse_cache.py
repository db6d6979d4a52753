"""A dossier file is parsed again only when its bytes change (briefgen/load.py `_PARSED`):
a save in the page re-reads the file it wrote, not the others.  What a reader gets is its
own copy, and a file changed without its size or time changing is still read anew."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from briefgen import load
from briefgen.errors import InputError
from briefgen.load import read_dossier, read_mapping
from conftest import MINIMAL, seeded


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The files parsed (not found in the cache), by name."""
    seen: list[str] = []
    real = load._Document._convert

    def counted(self: load._Document, node: object, path: tuple, loader: object) -> object:
        if path == ():
            seen.append(Path(self.name).name)
        return real(self, node, path, loader)  # type: ignore[arg-type]

    monkeypatch.setattr(load._Document, "_convert", counted)
    return seen


def test_an_unchanged_file_is_not_parsed_again(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("facts:\n  - id: un-fait-unique-42\n    statement: Un.\n", encoding="utf-8")
    first = read_mapping(path)
    second = read_mapping(path)
    assert first == second and parses == ["facts.yaml"]
    first["facts"][0]["statement"] = "changé par un lecteur"
    first["facts"].append({"id": "autre"})
    assert read_mapping(path) == second  # each reader has its own copy
    assert read_mapping(path)["facts"] == [{"id": "un-fait-unique-42", "statement": "Un."}]


def test_a_change_that_keeps_size_and_time_is_read(tmp_path: Path, parses: list[str]) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("title: Dossier A\n", encoding="utf-8")
    assert read_mapping(path) == {"title": "Dossier A"}
    before = path.stat()
    path.write_text("title: Dossier B\n", encoding="utf-8")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert read_mapping(path) == {"title": "Dossier B"}
    assert parses == ["facts.yaml", "facts.yaml"]


def test_a_dossier_read_again_parses_only_the_file_that_changed(
    tmp_path: Path, parses: list[str]
) -> None:
    folder = seeded(tmp_path / "ws", MINIMAL)
    read_dossier(folder)
    files = sorted(p.name for p in folder.glob("*.yaml"))
    del parses[:]
    read_dossier(folder)
    assert parses == []
    target = folder / "dossier.yaml"
    target.write_text(target.read_text(encoding="utf-8") + "\n# relu\n", encoding="utf-8")
    dossier, _locate = read_dossier(folder)
    assert parses == ["dossier.yaml"] and len(files) >= 1
    assert dossier.id


def test_a_broken_file_is_reported_each_time_and_read_once_mended(tmp_path: Path) -> None:
    path = tmp_path / "facts.yaml"
    path.write_text("title: [unclosed\n", encoding="utf-8")
    said = []
    for _ in range(2):
        with pytest.raises(InputError) as raised:
            read_mapping(path)
        said.append(str(raised.value.problems[0].message))
    assert said[0] == said[1] and "YAML" in said[0]
    path.write_text("title: [closed]\n", encoding="utf-8")
    assert read_mapping(path) == {"title": ["closed"]}
