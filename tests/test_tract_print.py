"""The tract as a printed handout, and unverified figures: what a rep checks before printing.

The tract carries its date, who publishes and prints it and "Ne pas jeter sur la voie
publique", on its one page; an unverified figure is never a key figure, and is marked
wherever it still appears.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen.build import DOCUMENTS
from briefgen.context import build_context
from briefgen.load import load_dossier
from briefgen.models import Audience
from briefgen.paths import TEMPLATE_DIR
from conftest import FIRST_DOSSIER, invoke_in, pdf_text

UNVERIFIED = "insee-70-non-verifie"


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty workspace, worked in: built-in templates, no briefgen.toml (the defaults)."""
    folder = tmp_path / "ws"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def build_first(workspace: Path, *args: str) -> Path:
    code, out, err = invoke_in(workspace, "build", str(FIRST_DOSSIER), *args)
    assert code == 0, out + err
    return workspace / "output" / "france-travail-linkedin"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tract and the note of the first dossier, as PDF and Markdown."""
    workspace = tmp_path_factory.mktemp("ws")
    return build_first(workspace, "--doc", "tract", "--doc", "note", "-f", "pdf", "-f", "md")


def imprint(markdown: str) -> str:
    """The foot line of a tract's Markdown, as text."""
    found = re.search(r'<p class="tract-imprint">(.*?)</p>', markdown)
    assert found, "no imprint line"
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_tract_carries_its_date_publisher_printer_and_the_usual_mention(built: Path) -> None:
    text = pdf_text(built / "tract.pdf")
    for expected in [
        "20 novembre 2026",
        "CGT · FSU",
        "Imprimé par nos soins",
        "Ne pas jeter sur la voie publique",
    ]:
        assert expected in text, expected
    markdown = (built / "tract.md").read_text(encoding="utf-8")
    assert imprint(markdown) == (
        "20 novembre 2026 — CGT · FSU — Imprimé par nos soins — Ne pas jeter sur la voie publique"
    )
    # At its foot: after the call to action and the sources.
    assert markdown.index("tract-imprint") > markdown.index("tract-sources")


def test_tract_is_still_one_page(built: Path) -> None:
    assert len(PdfReader(built / "tract.pdf").pages) == 1


def test_briefgen_toml_sets_the_publisher_and_printer(ws: Path) -> None:
    (ws / "briefgen.toml").write_text(
        '[union]\nname = "Union locale Exemple"\naddress = "12 rue du Port, 59000 Lille"\n'
        '[tract]\nprinted_by = "Imprimerie du Nord, Lille"\n',
        encoding="utf-8",
    )
    folder = build_first(ws, "--doc", "tract", "-f", "md", "-f", "pdf")
    assert imprint((folder / "tract.md").read_text(encoding="utf-8")) == (
        "20 novembre 2026 — Union locale Exemple, 12 rue du Port, 59000 Lille — "
        "Imprimerie du Nord, Lille — Ne pas jeter sur la voie publique"
    )
    text = pdf_text(folder / "tract.pdf")
    assert "Imprimerie du Nord, Lille" in text and "Imprimé par nos soins" not in text
    assert len(PdfReader(folder / "tract.pdf").pages) == 1


def test_the_mentions_are_labels(ws: Path) -> None:
    (ws / "templates" / "labels").mkdir(parents=True)
    (ws / "templates" / "labels" / "fr.yaml").write_text(
        "tract_no_litter: Merci de ne pas jeter ce tract\n"
        "tract_printed_by: Imprimé par la section\n",
        encoding="utf-8",
    )
    folder = build_first(ws, "--doc", "tract", "-f", "md")
    assert imprint((folder / "tract.md").read_text(encoding="utf-8")).endswith(
        "— Imprimé par la section — Merci de ne pas jeter ce tract"
    )
    folder = build_first(ws, "--doc", "tract", "-f", "md", "--lang", "en")
    assert imprint((folder / "tract.md").read_text(encoding="utf-8")) == (
        "20 novembre 2026 — CGT · FSU — Printed by the union — Do not litter"  # a French date
    )


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            '[tract]\nprinted_bye = "Imprimerie"\n',
            "briefgen.toml:2: tract.printed_bye: unknown setting",
        ),
        (
            '[union]\nname = "X"\nadress = "1 rue"\n',
            "briefgen.toml:3: union.adress: unknown setting",
        ),
        ('[print]\nprinted_by = "Imprimerie"\n', "briefgen.toml:1: print: unknown setting"),
        (
            '[tract]\nprinted_by = ""\n',
            "briefgen.toml:2: tract.printed_by: is empty; remove the setting to use the default",
        ),
        (
            '[tract]\nprinted_by = """Imprimerie\ndu Nord"""\n',
            "briefgen.toml:2: tract.printed_by: must be one line",
        ),
    ],
)
def test_a_wrong_setting_is_one_line_with_file_and_line(
    ws: Path, config: str, expected: str
) -> None:
    (ws / "briefgen.toml").write_text(config, encoding="utf-8")
    code, _, err = invoke_in(ws, "check", str(FIRST_DOSSIER))
    assert (code, err) == (2, f"error: {expected}\n")


def test_key_figures_leave_out_unverified_facts() -> None:
    dossier = load_dossier(FIRST_DOSSIER)
    context = build_context(dossier, Audience.reps)
    assert UNVERIFIED not in [fact.id for fact in context.key_figures]
    assert context.key_figures and not any(fact.unverified for fact in context.key_figures)
    in_themes = [fact for theme in context.themes for fact in theme.facts if fact.id == UNVERIFIED]
    assert len(in_themes) == 1 and in_themes[0].unverified


def test_an_unverified_fact_outside_any_theme_stays_in_the_note() -> None:
    dossier = load_dossier(FIRST_DOSSIER)
    themes = [
        theme.model_copy(update={"facts": [f for f in theme.facts if f != UNVERIFIED]})
        for theme in dossier.themes
    ]
    context = build_context(dossier.model_copy(update={"themes": themes}), Audience.reps)
    assert UNVERIFIED not in [fact.id for fact in context.key_figures]
    others = [fact for fact in context.other_facts if fact.id == UNVERIFIED]
    assert len(others) == 1 and others[0].unverified


def test_the_tract_skips_an_unverified_figure() -> None:
    dossier = load_dossier(FIRST_DOSSIER)
    assert dossier.tract is not None
    facts = [
        f.model_copy(update={"audience": Audience.public}) if f.id == UNVERIFIED else f
        for f in dossier.facts
    ]
    tract = dossier.tract.model_copy(update={"facts": [UNVERIFIED, *dossier.tract.facts[:2]]})
    context = build_context(
        dossier.model_copy(update={"facts": facts, "tract": tract}), Audience.public
    )
    assert context.tract is not None
    assert [fact.id for fact in context.tract.figures] == dossier.tract.facts[:2]


def test_the_note_lists_the_70_percent_figure_only_as_unverified(built: Path) -> None:
    markdown = (built / "note-de-briefing.md").read_text(encoding="utf-8")
    table = markdown.split("## Chiffres clés", 1)[1].split("\n## ", 1)[0]
    assert "500 conseillers" in table
    assert "70" not in table and "non vérifié" not in table
    line = next(line for line in markdown.splitlines() if "70 %" in line)
    assert line.startswith("- ") and line.endswith('<span class="tag">non vérifié</span>')

    text = pdf_text(built / "note-de-briefing.pdf")
    # The heading comes after its entry in the table of contents.
    figures = text.split("Chiffres clés")[-1].split("Là où les sources divergent")[0]
    assert "500 conseillers" in figures and "70 %" not in figures
    mention = text.index("que 70 % des personnes")
    assert "non vérifié" in text[mention : mention + 400].lower()


@pytest.mark.parametrize("kind", list(DOCUMENTS))
def test_templates_copy_takes_a_documents_name(ws: Path, kind: str) -> None:
    template = DOCUMENTS[kind].template
    code, out, err = invoke_in(ws, "templates", "copy", kind)
    assert (code, err) == (0, "")
    assert out == f"copied to templates/{template}\n"
    assert (ws / "templates" / template).read_bytes() == (TEMPLATE_DIR / template).read_bytes()


def test_templates_copy_of_an_unknown_name_lists_the_known_ones(ws: Path) -> None:
    code, out, err = invoke_in(ws, "templates", "copy", "tracts")
    assert (code, out) == (2, "")
    assert err.count("\n") == 1, err
    assert err.startswith(
        "error: no built-in template 'tracts' (known: note, tract, declaration, questions, "
        "avis, base.md.j2, "
    )
    assert "tract.md.j2" in err and err.endswith("; did you mean 'tract'?\n")
    assert not (ws / "templates").exists()
