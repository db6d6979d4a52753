"""The five documents of the first dossier, checked as the people who use them would."""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from briefgen.build import DOCUMENTS
from briefgen.cli import main
from briefgen.load import load_dossier
from conftest import FIRST_DOSSIER, ROOT, pdf_text, run

FILES = {kind.name: f"{kind.filename}.pdf" for kind in DOCUMENTS.values()}


def build(out: Path, *args: str, env: dict[str, str] | None = None) -> Path:
    result = CliRunner(env=env).invoke(
        main, ["build", str(FIRST_DOSSIER), "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return out / "france-travail-linkedin"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("docs"))


def text_of(folder: Path, kind: str) -> str:
    return pdf_text(folder / FILES[kind])


def test_build_makes_the_five_documents(folder: Path) -> None:
    assert sorted(p.name for p in folder.iterdir()) == sorted(FILES.values())


@pytest.mark.parametrize(
    ("kind", "low", "high"),
    [("note", 3, 8 + 1), ("tract", 1, 1), ("declaration", 1, 2), ("avis", 1, 3)],
)
def test_page_budgets(folder: Path, kind: str, low: int, high: int) -> None:
    assert low <= len(PdfReader(folder / FILES[kind]).pages) <= high


def test_note_has_a_table_of_contents_with_page_numbers(folder: Path) -> None:
    reader = PdfReader(folder / FILES["note"])
    first_page = reader.pages[0].extract_text() or ""
    assert "SOMMAIRE" in first_page.upper()
    entries = dict(re.findall(r"^(.+?) ?\.{5,} ?(\d+)$", first_page, re.M))
    assert list(entries)[-2:] == ["Nos revendications", "Sources"]
    for title, number in entries.items():
        page = reader.pages[int(number) - 1].extract_text() or ""
        assert title.split()[-1] in page, f"{title!r} is not on page {number}"


def test_tract_speaks_to_staff(folder: Path) -> None:
    text = text_of(folder, "tract")
    dossier = load_dossier(FIRST_DOSSIER)
    assert dossier.tract is not None
    for expected in [
        "CGT · FSU",
        "pas sans nous, pas sans garanties",
        "Ce que nous exigeons",
        "Nous contacter",
        "500 conseillers",
        "310 M€",
        "Parlez-en à vos élus",
    ]:
        assert expected in text, expected
    assert "note de briefing" not in text.lower()


def test_declaration_is_the_unions_voice_and_is_signed(folder: Path) -> None:
    text = text_of(folder, "declaration")
    assert text.startswith("DÉCLARATION LIMINAIRE")
    assert "Madame la Présidente, Monsieur le Président" in text
    assert "Nos exigences" in text
    assert "Fait le 10 décembre 2026. Les organisations signataires : CGT · FSU" in text


def test_written_questions_are_numbered_motivated_grounded_and_dated(folder: Path) -> None:
    text = text_of(folder, "questions")
    assert "À transmettre au plus tard le 2 décembre 2026" in text
    count = len(load_dossier(FIRST_DOSSIER).questions)
    for number in range(1, count + 1):
        assert f"Question {number}. " in text
    assert text.count("Ce qui motive la question :") == count
    assert text.count("Fondement :") == count


def test_draft_opinion_has_grounds_and_a_conclusion(folder: Path) -> None:
    text = text_of(folder, "avis")
    for expected in [
        "Projet d’avis motivé du CSE central",
        "Vu",
        "Considérant",
        "que le CSE central n’a pas été consulté",
        "Le CSE demande",
        "refuse de rendre un avis",
        "voix pour",
    ]:
        assert expected in text, expected


@pytest.mark.parametrize("kind", list(FILES))
def test_metadata_and_tagging(folder: Path, kind: str) -> None:
    path = folder / FILES[kind]
    info = run("pdfinfo", str(path)).stdout
    dossier = load_dossier(FIRST_DOSSIER)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    assert re.search(r"^Author:\s+CGT · FSU$", info, re.M)
    reader = PdfReader(path)
    assert reader.metadata is not None
    assert reader.metadata.title.endswith(f" · {dossier.title}")
    assert reader.metadata.subject == dossier.meeting.agenda_item
    assert "France Travail" in reader.metadata["/Keywords"]
    assert reader.trailer["/Root"]["/Lang"] == "fr"


@pytest.mark.parametrize("kind", list(FILES))
def test_fonts_embedded_and_structure_valid(folder: Path, kind: str) -> None:
    path = folder / FILES[kind]
    fonts = run("pdffonts", str(path)).stdout.splitlines()[2:]
    assert fonts and all(row.split()[-5] == "yes" and "Lato" in row for row in fonts)
    assert run("qpdf", "--check", str(path)).returncode == 0


@pytest.mark.parametrize("kind", list(FILES))
def test_pdfua_check_reports_no_error(folder: Path, kind: str) -> None:
    pdfua = str(Path(sys.executable).with_name("pdfua"))
    result = run(pdfua, "check", str(folder / FILES[kind]))
    assert result.returncode in (0, 1, 2), result.stdout  # 3 would mean an ERROR finding
    # The only warning left is the checker not crediting /Headers on data cells.
    warnings = set(re.findall(r"\[WARN \]\s+(\S+)", result.stdout))
    assert warnings <= {"UA-15-003"}, result.stdout


def test_two_builds_give_identical_files(tmp_path: Path, folder: Path) -> None:
    again = build(tmp_path)

    def digests(where: Path) -> dict[str, str]:
        return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in where.iterdir()}

    assert digests(again) == digests(folder)


def test_source_date_epoch_sets_the_creation_date(tmp_path: Path) -> None:
    out = build(tmp_path, "--doc", "tract", env={"SOURCE_DATE_EPOCH": "1700000000"})
    info = run("pdfinfo", str(out / "tract.pdf")).stdout
    assert re.search(r"^CreationDate:\s+Tue Nov 14 22:13:20 2023 UTC$", info, re.M)


def languages_in_tags(pdf_file: Path) -> dict[str, int]:
    """How many structure elements declare each language (/Lang), and the catalog's."""
    import pikepdf

    counts: dict[str, int] = {}
    with pikepdf.open(pdf_file) as pdf:
        counts["catalog:" + str(pdf.Root.Lang)] = 1
        todo = [pdf.Root.StructTreeRoot]
        while todo:
            element = todo.pop()
            if not isinstance(element, pikepdf.Dictionary):
                continue
            if "/Lang" in element:
                counts[str(element.Lang)] = counts.get(str(element.Lang), 0) + 1
            kids = element.get("/K")
            todo.extend(kids if isinstance(kids, pikepdf.Array) else [kids])
    return counts


def test_english_labels_leave_the_french_text_french(tmp_path: Path) -> None:
    """`--lang en` changes the labels only: the dossier's text keeps its language, its
    typography and its dates; the labels are tagged as English in the HTML and the PDF."""
    out = build(tmp_path, "--doc", "note", "--lang", "en", "-f", "pdf", "-f", "html")
    text = pdf_text(out / "note-de-briefing.pdf")
    for label in ["Key points", "CONTENTS", "Where sources disagree", "Our demands", "page 1 / "]:
        assert label in text
    assert "L’essentiel" not in text
    assert "10 décembre 2026" in text and "December" not in text and "6,000" not in text
    html = (out / "note-de-briefing.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and '<span lang="en">Key points</span>' in html
    assert "quelque 6\u202f000 conseillers" in html and "l’expérimentation" in html
    languages = languages_in_tags(out / "note-de-briefing.pdf")
    assert languages["catalog:fr"] == 1 and languages["en"] > 20


def test_titles_in_another_language_are_tagged_with_it(folder: Path) -> None:
    languages = languages_in_tags(folder / FILES["note"])
    assert languages == {"catalog:fr": 1, "en": 4}  # the four English sources' titles


def test_an_english_dossier_gets_english_text_and_tags(tmp_path: Path) -> None:
    dossier = tmp_path / "dossier"
    shutil.copytree(FIRST_DOSSIER, dossier)
    header = dossier / "dossier.yaml"
    header.write_text(
        header.read_text(encoding="utf-8").replace("lang: fr", "lang: en"), encoding="utf-8"
    )
    result = CliRunner().invoke(
        main, ["build", str(dossier), "--out", str(tmp_path / "out"), "--doc", "tract"]
    )
    assert result.exit_code == 0, result.output
    pdf_file = tmp_path / "out" / "france-travail-linkedin" / "tract.pdf"
    assert languages_in_tags(pdf_file)["catalog:en"] == 1
    text = pdf_text(pdf_file)
    assert "Ce que nous exigeons" not in text and "What we demand" in text
    assert "November 20, 2026" in text and "l'expérimentation" in text  # no French typography


def test_archival_variant(tmp_path: Path) -> None:
    out = build(tmp_path, "--doc", "tract", "--pdf-variant", "pdf/a-3b")
    xmp = run("pdfinfo", "-meta", str(out / "tract.pdf")).stdout
    assert 'pdfaid:part="3" pdfaid:conformance="B"' in xmp


def test_label_catalogues_are_complete() -> None:
    import yaml

    labels = ROOT / "templates" / "labels"
    french = yaml.safe_load((labels / "fr.yaml").read_text(encoding="utf-8"))
    english = yaml.safe_load((labels / "en.yaml").read_text(encoding="utf-8"))
    assert sorted(french) == sorted(english)
    used = set()
    for template in (ROOT / "templates").glob("*.j2"):
        used |= set(re.findall(r"labels\.(\w+)", template.read_text(encoding="utf-8")))
    used |= {f"{kind}_{suffix}" for kind in FILES for suffix in ("title", "kicker")}
    assert used - set(french) == set()


PUBLIC_KINDS = [kind.name for kind in DOCUMENTS.values() if kind.audience.value == "public"]


@pytest.fixture
def secret_dossier(minimal: Path) -> Path:
    """The minimal dossier with one reps-only fact that a key point, a question and a
    consideration also rest on."""

    def replace(name: str, old: str, new: str) -> None:
        path = minimal / name
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")

    replace(
        "facts.yaml",
        "    statement: Le test a lieu sur trois sites.\n    sources: [direction]",
        "    statement: SECRET-INTERNE trois sites.\n    sources: [direction]\n    audience: reps",
    )
    replace("dossier.yaml", "    facts: [outil-teste]\n", "    facts: [outil-teste, sites]\n")
    replace("dossier.yaml", "      facts: [consultation]\n", "      facts: [consultation, sites]\n")
    replace(
        "facts.yaml",
        "    facts: [consultation]\n    legal: [l2312-8]\n",
        "    facts: [consultation, sites]\n    legal: [l2312-8]\n"
        "    asked_on: 2026-11-03\n    answer:\n      date: 2026-11-10\n"
        "      text: REPONSE-SECRETE sur les sites.\n      sources: [direction]\n"
        "  - id: q-bilan\n    text: Quand le bilan de l'essai sera-t-il présenté ?\n"
        "    asked_on: 2026-11-03\n",
    )
    return minimal


HIDDEN = [
    "SECRET-INTERNE",
    "REPONSE-SECRETE",
    "Un outil est testé par 12 agents",
    "Quand le CSE sera-t-il consulté",
    "pas été consulté ;",
    "Note de la direction",
]


@pytest.mark.parametrize("kind", PUBLIC_KINDS)
def test_reps_only_items_never_reach_staff_or_management(
    secret_dossier: Path, tmp_path: Path, kind: str
) -> None:
    result = CliRunner().invoke(
        main,
        [
            "build",
            str(secret_dossier),
            "--doc",
            kind,
            "-f",
            "pdf",
            "-f",
            "md",
            "--out",
            str(tmp_path),
        ],
    )
    filename = DOCUMENTS[kind].filename
    assert result.exit_code == 0, result.output
    markdown = (tmp_path / "minimal" / f"{filename}.md").read_text(encoding="utf-8")
    text = pdf_text(tmp_path / "minimal" / f"{filename}.pdf")
    for hidden in HIDDEN:
        assert hidden not in markdown.replace("&#39;", "'") and hidden not in text, hidden
    if kind in ("questions", "registre"):  # the public question is there, alone
        assert "Quand le bilan de l’essai sera-t-il présenté" in text.replace("'", "’")


def test_the_note_for_reps_keeps_them(secret_dossier: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build", str(secret_dossier), "--doc", "note", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    text = pdf_text(tmp_path / "minimal" / "note-de-briefing.pdf").replace("’", "'")
    for shown in [
        "SECRET-INTERNE",
        "Un outil est testé par 12 agents",
        "Quand le CSE sera-t-il consulté",
        "Note de la direction",
    ]:
        assert shown in text, shown


def test_a_tract_too_long_for_one_page_is_refused(minimal: Path, tmp_path: Path) -> None:
    path = minimal / "dossier.yaml"
    long_text = " ".join(["Un appel très long à lire jusqu'au bout."] * 90)
    path.write_text(
        path.read_text(encoding="utf-8").replace(
            "call_to_action: Venez en parler à vos élus.", f"call_to_action: {long_text}"
        ),
        encoding="utf-8",
    )
    result = CliRunner().invoke(
        main, ["build", str(minimal), "--doc", "tract", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert result.stderr == (
        "error: templates/tract.md.j2: the tract runs to 2 pages even in smaller type "
        "(at most 1); shorten its text in the dossier\n"
    )
    assert not (tmp_path / "out").exists()
