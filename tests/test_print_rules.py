"""Print rules of issue 19: web addresses never hyphenated nor cut with an added hyphen,
reference calls never at a line's start, and French typography that fires around
reference calls, quotations, percentages, units and dates, with labels punctuated in
their own language."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

from briefgen import typography
from briefgen.load import load_dossier
from conftest import BUILT_IN, EXAMPLE, FIRST_DOSSIER, Builds, invoke_in

NBSP, NNBSP, ZWSP = "\u00a0", "\u202f", "\u200b"
CALL = '<sup class="ref">[<a href="#source-1">1</a>]</sup>'
LONG_URL = (
    "https://www.example-journal.org/economie/2026/11/10/la_direction_annonce_un_outil_de_"
    "planification_a_32_millions_euros_pour_les_agences_regionales_f863d2a7b1c9e4f0a8b7c6d5"
    "e4f3a2b1.html?utm_source=lettre&utm_medium=courriel"
)
STATEMENT_URL = "https://www.example.org/planification/2026/outil-des-horaires-des-agences.html"
ADDRESS = re.compile(r"https?://[^\s<>«»\"']*[^\s<>«»\"'.,;:!?)]")
CALL_AT_START = re.compile(r"^\[\d+(?:, \d+)*\]")
needs_pdftotext = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="pdftotext is not installed"
)


def test_space_before_a_closing_guillemet_followed_by_a_call_is_no_break() -> None:
    html = typography.apply(f"<p>selon « la note »{CALL} de mars</p>", "fr")
    assert f"{NNBSP}»<sup" in html
    assert " »" not in html
    assert re.search(r'<span class="nowrap">[^<]*»<sup', html)


def test_apostrophe_before_a_guillemet_or_an_element_is_typographic() -> None:
    assert "d’«" in typography.apply("<p>l’avis d'« experts »</p>", "fr")
    assert "d’<em>" in typography.apply("<p>le titre d'<em>Ouest-France</em></p>", "fr")


@pytest.mark.parametrize("before", ["2,8 %", "32 M€", "7 500 euros", "(voir plus bas)"])
def test_colon_after_a_percentage_or_a_unit_gets_a_no_break_space(before: str) -> None:
    html = typography.apply(f"<p>{before} : la hausse</p>", "fr")
    assert f"{NBSP}: la hausse" in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_a_badge_stays_with_the_word_before_it(lang: str) -> None:
    html = typography.apply('<p>le chiffre\n<span class="tag">sources divergentes</span></p>', lang)
    assert '<span class="nowrap">chiffre <span class="tag">' in html
    called = typography.apply(f'<p>le chiffre{CALL} <span class="tag">analyse</span></p>', lang)
    assert f'<span class="nowrap"><span class="nowrap">chiffre{CALL}</span> <span' in called
    after = typography.apply(f'<p>le chiffre{CALL} ; <span class="tag">analyse</span></p>', lang)
    if lang == "fr":
        assert f'<span class="nowrap">{NNBSP}; <span class="tag">' in after


def test_a_large_number_before_a_call_keeps_its_groups_together() -> None:
    html = typography.apply(f"<p>voire à 2 400{CALL}.</p>", "fr")
    assert f'<span class="nowrap">2{NNBSP}400<sup' in html


@pytest.mark.parametrize("area", ["9 000 m²", "3 km²", "12 ha"])
def test_an_area_keeps_its_unit(area: str) -> None:
    number, unit = area.rsplit(" ", 1)
    assert f"{number.replace(' ', NNBSP)}{NBSP}{unit}" in typography.apply(f"<p>{area}</p>", "fr")


@pytest.mark.parametrize(
    "date", ["23 janvier 2024", "1er mars 2026", "1ᵉʳ mars 2026", "5 décembre 2025"]
)
def test_a_french_date_is_never_broken(date: str) -> None:
    html = typography.apply(f"<p>le {date}, la direction</p>", "fr")
    assert f"le {date.replace('1er', '1ᵉʳ').replace(' ', NBSP)}," in html


def test_a_label_in_another_language_keeps_its_own_punctuation() -> None:
    english = typography.apply('<p><span lang="en">Sources</span> : [1] Le Monde</p>', "fr")
    assert '<span lang="en">Sources</span>: [1]' in english
    french = typography.apply('<p><span lang="fr">Sources</span> : [1] The Times</p>', "en")
    assert f'<span lang="fr">Sources</span>{NBSP}: [1]' in french


def test_a_web_address_is_printed_as_written_in_french_text() -> None:
    url = "https://example.org/2%20ans/l'outil?a=1&b=2"
    html = typography.apply(f"<p>voir {url} : la note</p>", "fr")
    assert url.replace("&", "&amp;") in html
    assert f"{NBSP}: la note" in html


def test_the_shared_body_has_no_break_opportunity_for_print() -> None:
    """The ODT, DOCX and the grammar check read `apply`'s body: no zero-width space."""
    html = typography.apply(f'<p>voir {LONG_URL}. <a class="url" href="{LONG_URL}">x</a></p>', "fr")
    assert ZWSP not in html


def _pieces(printed: str) -> list[str]:
    return printed.replace("&amp;", "&").split(ZWSP)


def test_a_printed_address_breaks_only_after_its_separators() -> None:
    printed = typography.for_print(typography.apply(f"<p>voir {LONG_URL}.</p>", "fr"))
    address = re.search(r'<span class="address">(.*?)</span>', printed)
    assert address is not None
    pieces = _pieces(address.group(1))
    assert "".join(pieces) == LONG_URL
    assert len(pieces) > 10 and all(piece[-1] in "/.-_?&=" for piece in pieces[:-1])
    assert printed.endswith("</span>.</p>")
    assert typography.for_print(printed) == printed


def test_a_printed_link_keeps_its_address_and_gets_no_span() -> None:
    link = f'<a class="url" href="{LONG_URL.replace("&", "&amp;")}">'
    body = typography.apply(f"<li>Le Journal.<br>{link}{LONG_URL}</a></li>", "fr")
    printed = typography.for_print(body)
    assert link in printed and "address" not in printed
    text = printed.split(link)[1].split("</a>")[0]
    assert "".join(_pieces(text)) == LONG_URL


def test_a_call_after_an_address_binds_only_its_last_piece() -> None:
    printed = typography.for_print(typography.apply(f"<p>voir {STATEMENT_URL}.{CALL}</p>", "fr"))
    assert f'agences</span>.<span class="nowrap">html{CALL}</span>.' in printed
    assert f"outil-{ZWSP}des-{ZWSP}horaires-" in printed


def _long_address_dossier(folder: Path) -> Path:
    """The `briefgen init` example with a very long address in a source and another in a
    fact's statement, just before its reference call."""
    dossier = folder / "exemple"
    shutil.copytree(EXAMPLE, dossier)
    sources = dossier / "sources.yaml"
    sources.write_text(
        sources.read_text("utf-8").replace("https://example.org/journal/outil", LONG_URL), "utf-8"
    )
    facts = dossier / "facts.yaml"
    facts.write_text(
        facts.read_text("utf-8").replace(
            "pour 120 salariés du site.",
            f"pour 120 salariés du site, selon {STATEMENT_URL}.",
        ),
        "utf-8",
    )
    return dossier


@pytest.fixture(scope="module", params=[*(d.name for d in BUILT_IN), "long-address"], ids=str)
def built(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, builds: Builds
) -> tuple[Path, list[Path]]:
    """A built-in dossier (or the example with long addresses) and its documents' PDFs."""
    named = {d.name: d for d in BUILT_IN}
    if request.param in named:
        dossier = named[request.param]
        return builds.folder(dossier), sorted(builds.documents(dossier).glob("*.pdf"))
    folder = tmp_path_factory.mktemp(request.param)
    dossier_folder = _long_address_dossier(folder)
    code, _, err = invoke_in(folder, "build", str(dossier_folder), "-f", "pdf", "-f", "docx")
    assert code == 0, err
    return dossier_folder, sorted(folder.glob("output/*/*.pdf"))


def _lines(pdf: Path) -> list[str]:
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return [line.strip() for line in text.replace("\u2010", "-").splitlines()]


@needs_pdftotext
def test_printed_addresses_are_whole_with_no_added_hyphen(built: tuple[Path, list[Path]]) -> None:
    dossier, pdfs = built
    urls = {url for path in dossier.glob("*.yaml") for url in ADDRESS.findall(path.read_text())}
    printed = 0
    for pdf in pdfs:
        joined = "".join(_lines(pdf))
        assert "\u00ad" not in joined and ZWSP not in joined
        for start in (m.start() for m in re.finditer("https?://", joined)):
            assert any(joined.startswith(url, start) for url in urls), joined[start : start + 200]
            printed += 1
    assert printed or not urls


@needs_pdftotext
def test_no_line_starts_with_a_reference_call(built: tuple[Path, list[Path]]) -> None:
    """A line that starts with [n] is a call alone (a key figure's source column) or a
    tract's list of sources ([n] and the publisher), never a call cut from its word."""
    dossier, pdfs = built
    publishers = tuple(source.publisher for source in load_dossier(dossier).sources)
    for pdf in pdfs:
        for line in _lines(pdf):
            if match := CALL_AT_START.match(line):
                rest = line[match.end() :].strip()
                assert not rest or rest.startswith(publishers), f"{pdf.name}: {line}"


def test_the_office_files_have_no_break_opportunity(built: tuple[Path, list[Path]]) -> None:
    _, pdfs = built
    for docx in pdfs[0].parent.glob("*.docx"):
        assert ZWSP not in zipfile.ZipFile(docx).read("word/document.xml").decode()


def test_french_typography_in_a_dossier_that_is_not_the_first(tmp_path: Path) -> None:
    dossier = tmp_path / "exemple"
    shutil.copytree(EXAMPLE, dossier)
    facts = dossier / "facts.yaml"
    text = facts.read_text("utf-8").replace(
        "pour 120 salariés du site.", "pour 120 salariés du site, selon « la note »"
    )
    facts.write_text(
        text.replace(
            "Le CSE n'a pas été consulté avant le déploiement.",
            "\"Le CSE n'a pas été consulté avant le 23 janvier 2027, ni sur l'avis d'« experts »"
            ' ; la hausse de 2,8 % : un coût de 32 M€ : trop."',
        ),
        "utf-8",
    )
    code, _, err = invoke_in(tmp_path, "build", str(dossier), "--doc", "note", "-f", "html")
    assert code == 0, err
    html = next(tmp_path.glob("output/*/note-de-briefing.html")).read_text("utf-8")
    assert f"23{NBSP}janvier{NBSP}2027" in html and "d’«" in html
    text = re.sub(r"<[^>]+>", "", html)
    assert f"2,8{NNBSP}%{NBSP}: un coût de 32{NBSP}M€{NBSP}: trop" in text
    assert f'«{NNBSP}la note<span class="nowrap">{NNBSP}»' in html


@pytest.mark.parametrize("dossier", [FIRST_DOSSIER, EXAMPLE], ids=["first", "example"])
def test_english_labels_are_punctuated_in_english(dossier: Path, tmp_path: Path) -> None:
    code, _, err = invoke_in(
        tmp_path, "build", str(dossier), "--doc", "tract", "--lang", "en", "-f", "html"
    )
    assert code == 0, err
    html = next(tmp_path.glob("output/*/tract.html")).read_text("utf-8")
    assert '<span lang="en">Sources</span>:' in html
    assert f'<span lang="en">Sources</span>{NBSP}:' not in html
