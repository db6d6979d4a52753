"""`briefgen source add`: a saved article becomes a source with its archived text."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from briefgen.cli import main

ARTICLE = Path(__file__).resolve().parent / "data" / "import" / "politique-france.html"


@pytest.fixture
def workspace(init_workspace: Path) -> Path:
    return init_workspace


def add(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["source", "add", *args], input=input)
    return result.exit_code, result.stdout, result.stderr


def test_an_article_becomes_a_source_with_its_snapshot(workspace: Path) -> None:
    sources = workspace / "seeds" / "exemple" / "sources.yaml"
    before = sources.read_text(encoding="utf-8")
    code, out, err = add(str(ARTICLE), "--yes")
    assert (code, err) == (0, "")
    assert "added source 'politique-france-2025' to exemple" in out
    after = sources.read_text(encoding="utf-8")
    assert after.startswith(before)  # the earlier lines, comments included, are untouched
    entry = yaml.safe_load(after)["sources"][-1]
    assert entry["publisher"] == "politique-france.info"
    assert entry["author"] == "Aurélie Lefebvre"
    assert str(entry["date"]) == "2025-12-20"
    snapshot = workspace / "seeds" / "exemple" / entry["snapshot"]
    assert entry["snapshot"] == "sources/politique-france-2025.txt"
    assert hashlib.sha256(snapshot.read_bytes()).hexdigest() == entry["sha256"]
    text = snapshot.read_text(encoding="utf-8")
    assert "contre nature" in text and "70 %" not in text


def test_options_replace_what_was_found_and_a_second_import_gets_a_new_id(
    workspace: Path,
) -> None:
    assert add(str(ARTICLE), "--yes")[0] == 0
    code, out, _ = add(str(ARTICLE), "--yes", "--kind", "union", "--title", "Autre titre")
    assert code == 0 and "'politique-france-2025-2'" in out
    sources = workspace / "seeds" / "exemple" / "sources.yaml"
    entry = yaml.safe_load(sources.read_text(encoding="utf-8"))["sources"][-1]
    assert (entry["kind"], entry["title"]) == ("union", "Autre titre")


@pytest.mark.parametrize("answer", ["n\n", ""])
def test_asks_before_writing_when_not_told_yes(workspace: Path, answer: str) -> None:
    sources = workspace / "seeds" / "exemple" / "sources.yaml"
    before = sources.read_bytes()
    code, out, _ = add(str(ARTICLE), input=answer)
    assert code == 1
    assert "title: France Travail et LinkedIn" in out and "Add this source?" in out
    assert sources.read_bytes() == before
    assert not (workspace / "seeds" / "exemple" / "sources").exists()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "vide.html", "vide.html: empty file"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image.png", "image.png: unknown file type"),
        (b"%PDF-1.7 garbage", "casse.pdf", "casse.pdf: cannot read this PDF"),
    ],
)
def test_bad_files_get_one_line_and_nothing_is_written(
    workspace: Path, tmp_path: Path, content: bytes, name: str, message: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    sources = workspace / "seeds" / "exemple" / "sources.yaml"
    before = sources.read_bytes()
    code, out, err = add(str(bad), "--yes")
    assert code == 2 and out == ""
    assert len(err.splitlines()) == 1 and err.startswith(f"error: {tmp_path / message}")
    assert sources.read_bytes() == before


def test_an_id_already_taken_is_refused(workspace: Path) -> None:
    code, _, err = add(str(ARTICLE), "--yes", "--id", "journal-interne")
    assert code == 2
    assert "seeds/exemple/sources.yaml: id: a source 'journal-interne' already exists" in err
    assert not (workspace / "seeds" / "exemple" / "sources").exists()


def test_a_missing_file_is_one_line(workspace: Path) -> None:
    code, _, err = add("nulle-part.html", "--yes")
    assert code == 2 and err == "error: nulle-part.html: no such file\n"


def test_an_archived_text_is_never_overwritten(workspace: Path) -> None:
    snapshot = workspace / "seeds" / "exemple" / "sources" / "archive.txt"
    snapshot.parent.mkdir()
    snapshot.write_text("texte archivé à la main\n", encoding="utf-8")
    code, _, err = add(str(ARTICLE), "--yes", "--id", "archive")
    assert code == 2
    assert "sources/archive.txt: a snapshot of that name already exists" in err
    assert snapshot.read_text(encoding="utf-8") == "texte archivé à la main\n"
