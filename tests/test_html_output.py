"""`-f html`: a page that shows its logo and fonts wherever it is opened from, and labels in
another language with no empty element (on the `briefgen init` example, whose logo is an
SVG in its assets, and on the first dossier)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.cli import main
from conftest import FIRST_DOSSIER

REFERENCE = re.compile(r"""url\((?!\s*["']?data:)[^)]*\)|\ssrc="(?!data:)[^"]*\"""")


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("html") / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    return root


def build(workspace: Path, dossier: str, *args: str) -> Path:
    out = workspace / "output"
    result = CliRunner().invoke(
        main,
        ["--workspace", str(workspace), "build", dossier, "-f", "html", "--out", str(out), *args],
    )
    assert result.exit_code == 0, result.output
    return out / Path(dossier).name


@pytest.mark.parametrize("dossier", ["exemple", str(FIRST_DOSSIER)])
def test_the_html_file_carries_its_fonts_and_logo(workspace: Path, dossier: str) -> None:
    """Opened from output/ (or sent by mail), the page shows its fonts and logo: it refers
    to nothing outside itself."""
    folder = build(workspace, dossier, "--doc", "tract")
    inside = (folder / "tract.html").read_text(encoding="utf-8")
    assert REFERENCE.findall(inside) == []
    assert inside.count('url("data:font/ttf;base64,') == 4
    if dossier == "exemple":
        assert '<img class="logo" src="data:image/svg+xml;base64,' in inside
    assert len(inside) < 2_000_000  # subset fonts: the four whole faces are 2.7 MB


@pytest.mark.parametrize("dossier", ["exemple", str(FIRST_DOSSIER)])
def test_english_labels_leave_no_empty_element(workspace: Path, dossier: str) -> None:
    folder = build(workspace, dossier, "--lang", "en", "--doc", "avis", "--force")
    page = (folder / "projet-avis.html").read_text(encoding="utf-8")
    assert '<span lang="en">Whereas</span>' in page
    assert re.findall(r'<span lang="en">\s*</span>', page) == []


def test_the_html_file_made_beside_the_pdf_has_no_break_opportunity(workspace: Path) -> None:
    """The PDF's web addresses get invisible break opportunities; the HTML file, whose
    addresses a reader copies, does not."""
    out = workspace / "output"
    result = CliRunner().invoke(
        main,
        ["--workspace", str(workspace), "build", "exemple", "-f", "pdf", "-f", "html",
         "--doc", "note", "--out", str(out), "--force"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    page = (out / "exemple" / "note-de-briefing.html").read_text(encoding="utf-8")
    assert "https://example.org/journal/outil" in page and "\u200b" not in page
