"""End to end on the first dossier: the note a rep would print, checked as a rep would."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from briefgen.cli import main
from briefgen.load import load_dossier
from conftest import FIRST_DOSSIER, pdf_text, run


@pytest.fixture(scope="module")
def note(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    result = CliRunner().invoke(main, ["build", str(FIRST_DOSSIER), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.stderr == ""  # no renderer warning either
    return out / "france-travail-linkedin" / "note-de-briefing.pdf"


@pytest.fixture(scope="module")
def text(note: Path) -> str:
    return pdf_text(note)


def test_first_dossier_checks_clean() -> None:
    result = CliRunner().invoke(main, ["check", str(FIRST_DOSSIER)])
    assert result.exit_code == 0, result.output


def test_note_is_three_to_eight_a4_pages_and_one_more_for_its_follow_up(note: Path) -> None:
    reader = PdfReader(note)
    assert "Suivi" in "".join(page.extract_text() for page in reader.pages)
    assert 3 <= len(reader.pages) <= 8 + 1
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points


def test_note_has_page_x_of_y_footer_and_running_header(note: Path) -> None:
    reader = PdfReader(note)
    total = len(reader.pages)
    title = load_dossier(FIRST_DOSSIER).title.replace("'", "’")
    for number, page in enumerate(reader.pages, start=1):
        text = " ".join((page.extract_text() or "").replace("\u00a0", " ").split())
        assert f"page {number} / {total}" in text
        if number > 1:
            assert title in text and "CGT · FSU" in text, f"no running header on page {number}"


@pytest.mark.parametrize(
    "expected",
    [
        "500",
        "cinq régions",
        "cinq départements",
        "2026",
        "RGPD",
        "CGT",
        "FSU",
        "compte personnel",
        "ancien cadre dirigeant de LinkedIn",
        "consultation",
        "Là où les sources divergent",
        "politique-france.info",
        "infos-it.fr",
        "L2312-8",
        "Les questions à poser à la direction",
        "Nos revendications",
        "Sources",
    ],
)
def test_note_holds_what_a_rep_needs(text: str, expected: str) -> None:
    assert expected.lower() in text.lower()


def test_divergence_names_both_sources(text: str) -> None:
    box = text.rsplit("Là où les sources divergent", 1)[1][:1500]
    assert "politique-france.info" in box and "infos-it.fr" in box
    assert "régions" in box and "départements" in box


def test_no_commenter_pseudonym_and_no_unflagged_reader_claim(text: str) -> None:
    for pseudonym in [
        "ACE 55",
        "veronique-de-saint-etienne",
        "Gradation",
        "ironiste-patente",
        "tregastel",
        "Reminiscence",
    ]:
        assert pseudonym.lower() not in text.lower()
    if "INSEE" in text:
        around = text[text.index("INSEE") - 300 : text.index("INSEE") + 300].lower()
        assert "non vérifié" in around or "non vérifiable" in around


def test_factual_lines_carry_a_source_reference(note: Path) -> None:
    html = CliRunner().invoke(
        main, ["build", str(FIRST_DOSSIER), "-f", "html", "--out", str(note.parent.parent / "html")]
    )
    assert html.exit_code == 0
    page = (
        note.parent.parent / "html" / "france-travail-linkedin" / "note-de-briefing.html"
    ).read_text(encoding="utf-8")
    themes = page.split('id="nos-preoccupations-theme-par-theme"')[1].split("<h2")[0]
    items = re.findall(r"<li>(.*?)</li>", themes, flags=re.S)
    dossier = load_dossier(FIRST_DOSSIER)
    assert len(items) == sum(len(theme.facts) for theme in dossier.themes)  # one item per fact
    for item in items:
        assert 'class="ref"' in item or "analyse syndicale" in item, item


def test_fonts_are_embedded(note: Path) -> None:
    fonts = run("pdffonts", str(note))
    assert fonts.returncode == 0
    rows = fonts.stdout.splitlines()[2:]
    assert rows
    assert all(row.split()[-5] == "yes" for row in rows), fonts.stdout
    assert all("Lato" in row for row in rows), fonts.stdout


def test_pdf_structure_is_valid(note: Path) -> None:
    check = run("qpdf", "--check", str(note))
    assert check.returncode == 0, check.stdout + check.stderr


def test_metadata(note: Path) -> None:
    info = PdfReader(note).metadata
    assert info is not None
    dossier = load_dossier(FIRST_DOSSIER)
    assert info.title == f"Note de briefing · {dossier.title}"
    assert info.author == "CGT · FSU"
    assert info.subject == dossier.meeting.agenda_item
    assert info.creation_date is not None
    assert info.creation_date.date() == dossier.date
