"""What every document of every built-in dossier must hold, whoever wrote the dossier
(conftest.BUILT_IN: the repository's seeds, the `briefgen init` example, the minimal and
the maximal dossier): the tract on one page, no word printed twice in a row, and no trace
of the example union in a workspace that names no union.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen.typography import BLOCKS
from conftest import BUILT_IN, Builds, BuiltIn, dossier_params, invoke_in, run

EXAMPLE_UNION = "Syndicat Exemple"
WORD = r"[^\W\d_](?:[\w’'-]*[^\W_])?"
DOUBLED = re.compile(rf"(?<![\w’'-])({WORD})\s+(\1)(?![\w’'-])", re.IGNORECASE)
REFLEXIVE = {"nous", "vous"}
"""A word French repeats on purpose: « nous nous réunissons », « vous vous êtes »."""


def doubled_words(text: str) -> list[str]:
    """Each word printed twice in a row within one line of `text` (« salariés salariés »),
    with what surrounds it, except the reflexive « nous nous » and « vous vous ». A line is
    a block of the page (paragraph, heading, item) or a printed line of a PDF: a heading
    that ends with the word its next paragraph starts with is no doubled word."""
    return [
        line[max(0, m.start() - 30) : m.end() + 30]
        for line in text.splitlines()
        for m in DOUBLED.finditer(line)
        if m.group(1).lower() not in REFLEXIVE
    ]


def html_text(path: Path) -> str:
    """The text an HTML page shows, one line a block (typography's blocks, briefgen's
    paragraphs, headings and items), without tags."""
    import html

    body = path.read_text(encoding="utf-8").split("<body", 1)[-1]
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", body, flags=re.DOTALL)
    body = re.sub(r"\s+", " ", body)
    body = re.sub(rf"</?(?:{'|'.join(BLOCKS)}|br)\b[^>]*>", "\n", body)
    return html.unescape(re.sub(r"<[^>]+>", "", body))


def office_text(path: Path) -> str:
    """Every XML part of an ODT or DOCX file (text, headers, styles, metadata), as text."""
    with zipfile.ZipFile(path) as archive:
        return "\n".join(
            archive.read(name).decode("utf-8")
            for name in archive.namelist()
            if name.endswith(".xml")
        )


def pdf_pages(path: Path) -> list[str]:
    """The text of each page of a PDF as pdftotext reads it, running heads and footers
    included, one printed line a line."""
    text = run("pdftotext", "-enc", "UTF-8", str(path), "-").stdout
    return text.split("\f")[: len(PdfReader(path).pages)]


def pdf_metadata(path: Path) -> str:
    """A PDF's document information, XMP metadata and attachments, as text."""
    reader = PdfReader(path)
    info = " ".join(str(value) for value in (reader.metadata or {}).values())
    xmp = reader.xmp_metadata.stream.get_data().decode("utf-8") if reader.xmp_metadata else ""
    attached = b" ".join(b"".join(data) for data in reader.attachments.values())
    return "\n".join([info, xmp, attached.decode("utf-8")])


def own_text(builds: Builds, dossier: BuiltIn) -> str:
    folder = builds.folder(dossier)
    return "".join(path.read_text(encoding="utf-8") for path in sorted(folder.glob("*.yaml")))


@pytest.mark.parametrize(
    "text",
    [
        "Les salariés salariés du site",
        "Le CSE n’a pas été consulté. Le le projet",
        "Selon la direction, <b>l’outil</b> l’outil arrive",
    ],
)
def test_a_doubled_word_is_found(text: str) -> None:
    assert doubled_words(re.sub(r"<[^>]+>", "", text))


def test_a_heading_ending_with_the_word_its_paragraph_starts_with_is_no_doubled_word(
    tmp_path: Path,
) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html><body><h2>Nos préoccupations, thème par thème</h2>\n"
        "<h3>Thème 1 : les horaires</h3><p>Les salariés\nsalariés du site</p></body></html>",
        encoding="utf-8",
    )
    assert [found.strip() for found in doubled_words(html_text(page))] == [
        "Les salariés salariés du site"
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Nous nous réunissons, vous vous êtes engagés.",
        "Les salariés, salariés du site",
        "1 000 000 salariés",
        "le salarié salariés",
        "tam-tam",
    ],
)
def test_a_legitimate_repeat_is_not_a_doubled_word(text: str) -> None:
    assert doubled_words(text) == []


@pytest.mark.parametrize(
    "dossier",
    [
        pytest.param(d, id=d.name)
        for d in BUILT_IN
        if "tract.pdf" in d.files("pdf") or "tract" in d.unbuildable
    ],
)
def test_the_tract_is_one_page(builds: Builds, dossier: BuiltIn) -> None:
    """One page, or, for a tract that cannot fit even in its smallest type, a build that
    stops with the reason and what to do, and writes no tract."""
    if "tract" in dossier.unbuildable:
        out = builds.root / "too-long"
        code, _, err = invoke_in(
            builds.workspace(dossier), "build", str(builds.folder(dossier)), "--doc", "tract",
            "--out", str(out),
        )  # fmt: skip
        assert code != 0
        assert "the tract runs to" in err and "shorten its text in the dossier" in err, err
        assert not list(out.glob("*/tract.pdf"))
        return
    pages = PdfReader(builds.documents(dossier) / "tract.pdf").pages
    assert len(pages) == 1, f"{dossier.name}: the tract runs to {len(pages)} pages"


@pytest.mark.parametrize("dossier", dossier_params())
def test_no_document_prints_a_word_twice(builds: Builds, dossier: BuiltIn) -> None:
    """In the HTML every format is made from, and on each page of the PDF (running heads,
    footers and what the stylesheet adds)."""
    folder = builds.documents(dossier)
    found = {
        path.name: doubled
        for path in sorted(folder.glob("*.html"))
        if (doubled := doubled_words(html_text(path)))
    }
    for path in sorted(folder.glob("*.pdf")):
        for number, text in enumerate(pdf_pages(path), start=1):
            if doubled := doubled_words(text):
                found[f"{path.name} page {number}"] = doubled
    assert not found, f"{dossier.name}: {found}"


@pytest.mark.parametrize("dossier", [pytest.param(d, id=d.name) for d in BUILT_IN if not d.init])
def test_no_document_names_the_example_union(builds: Builds, dossier: BuiltIn) -> None:
    """Built in this repository's workspace, which names no union: the example union is
    in no document, neither in its text nor in its metadata (the `init` example, whose
    own union it is, is left out)."""
    assert EXAMPLE_UNION not in own_text(builds, dossier)
    folder = builds.documents(dossier)
    readers = {".pdf": lambda p: " ".join(pdf_pages(p)) + pdf_metadata(p), ".html": html_text}
    texts = {
        path.name: readers.get(path.suffix, office_text)(path)
        for path in sorted(folder.iterdir())
        if path.suffix in (".pdf", ".html", ".odt", ".docx")
    }
    assert {suffix[-4:] for suffix in texts} >= {".pdf", "html", ".odt", "docx"}
    named = [name for name, text in texts.items() if EXAMPLE_UNION in text]
    assert not named, f"{dossier.name}: {EXAMPLE_UNION!r} in {named}"
