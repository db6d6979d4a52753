"""Importing a saved article: metadata and main text out, reader comments left behind."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from pathlib import Path

import pytest
from pypdf import PdfWriter

from briefgen import importer
from briefgen.errors import InputError
from briefgen.importer import Extracted, extract, sha256_text, suggest_id

DATA = Path(__file__).resolve().parent / "data" / "import"

PARAGRAPH_STARTS = [
    "France Travail a engagé cet automne une expérimentation avec LinkedIn",
    "La direction présente l'outil comme un moyen",
    "Les organisations syndicales, elles,",
    "La question de la souveraineté numérique",
    "Les représentants du personnel regrettent",
    "Interrogée, la direction indique qu'une évaluation du pilote est prévue en 2026",
]
COMMENT_TRACES = ["Cactus_du_94", "MarcelDuQuai", "lectrice_attentive", "70 %", "guichets"]

PDF_PAGE = """<!DOCTYPE html>
<html lang="fr"><head>
<meta charset="utf-8">
<title>Note sur le pilote LinkedIn</title>
<meta name="author" content="Intersyndicale France Travail">
<meta name="dcterms.created" content="2025-12-18T10:00:00+01:00">
<style>@page { size: A5 } body { font: 10pt sans-serif }</style>
</head><body>
<h1>Note sur le pilote LinkedIn</h1>
<p>Le pilote confie une licence LinkedIn à 500 conseillers France Travail Pro dans cinq
régions. Les élus n'ont reçu aucune informa-<br>tion préalable.</p>
<p>L'intersyndicale qualifie le partenariat de « contre nature » et demande une évaluation
publique en 2026.</p>
<h2>Commentaires (1)</h2>
<p>Cactus_du_94 : 70 % des conseillers ne s'en servent pas.</p>
</body></html>
"""


def problem(data: bytes, name: str) -> str:
    """The one line a user reads when the file cannot be imported."""
    with pytest.raises(InputError) as caught:
        extract(data, name)
    (only,) = caught.value.problems
    message = str(only)
    assert "\n" not in message
    assert message.startswith(f"{name}: ")
    return message


@pytest.fixture(scope="module")
def pdf_bytes() -> bytes:
    """A small text PDF with a title, an author, a creation date and a comment section."""
    import weasyprint

    return bytes(weasyprint.HTML(string=PDF_PAGE).write_pdf())


def assert_normalised(text: str) -> None:
    assert text.endswith("\n") and not text.endswith("\n\n")
    assert "\r" not in text and "\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))


def test_saved_web_page_gives_metadata_and_article_but_no_comments() -> None:
    page = extract((DATA / "politique-france.html").read_bytes(), "politique-france.html")
    assert page.kind == "html"
    assert page.title == (
        "France Travail et LinkedIn : un partenariat qui divise "
        "et interroge sur la souveraineté numérique"
    )
    assert page.publisher == "politique-france.info"
    assert page.author == "Aurélie Lefebvre"
    assert page.date == dt.date(2025, 12, 20)
    assert page.url == "https://politique-france.info/emploi/france-travail-linkedin-partenariat"
    paragraphs = page.text.rstrip("\n").split("\n\n")
    assert [p[: len(start)] for p, start in zip(paragraphs, PARAGRAPH_STARTS, strict=True)] == (
        PARAGRAPH_STARTS
    )
    assert "un partenariat « contre nature »" in page.text
    for trace in [*COMMENT_TRACES, "Commentaires", "S'abonner", "Mentions légales"]:
        assert trace not in page.text
    assert_normalised(page.text)


def test_text_file_gives_its_metadata_lines_and_text_but_no_comments() -> None:
    article = extract((DATA / "article.txt").read_bytes(), "article.txt")
    assert article.kind == "text"
    assert article.title == "LinkedIn chez France Travail : les syndicats demandent des comptes"
    assert article.author == "Aurélie Lefebvre"
    assert article.date == dt.date(2025, 12, 20)
    assert article.url == "https://politique-france.info/emploi/france-travail-linkedin-partenariat"
    assert article.publisher == "politique-france.info"
    assert article.text.startswith("Depuis cet automne, 500 conseillers de France Travail Pro")
    assert "jugent ce partenariat « contre nature »" in article.text
    assert article.text.endswith("toute extension du dispositif.\n")
    for trace in [*COMMENT_TRACES, "Auteur", "Date :", "Source :", "Publié par"]:
        assert trace not in article.text
    assert_normalised(article.text)


def test_text_file_with_other_spellings_of_its_metadata() -> None:
    data = (
        "\ufeffNote de la fédération\r\n\r\n"
        "Author: Camille Roux\r\nDate : 3 décembre 2025\r\nÉditeur : Fédération Emploi\r\n\r\n"
        "Premier paragraphe.   \r\n\r\n\r\n\r\nSecond paragraphe.\r\n"
        "12 comments\r\nUn lecteur : 70 % !\r\n"
    ).encode()
    note = extract(data, "note.md")
    assert (note.title, note.author, note.publisher) == (
        "Note de la fédération",
        "Camille Roux",
        "Fédération Emploi",
    )
    assert note.date == dt.date(2025, 12, 3)
    assert note.url is None
    assert note.text == "Premier paragraphe.\n\nSecond paragraphe.\n"


@pytest.mark.parametrize(
    "heading",
    [
        "Commentaires",
        "Commentaires (5)",
        "5 commentaires",
        "Réactions",
        "Votre réaction",
        "Comments",
        "12 comments",
        "Laisser un commentaire",
        "Leave a comment",
        "## Commentaires :",
    ],
)
def test_text_stops_at_the_comments_heading(heading: str) -> None:
    data = f"Titre\n\nLe texte de l'article.\n\n{heading}\n\nPseudo42 : 70 % !\n".encode()
    assert extract(data, "article.txt").text == "Le texte de l'article.\n"


def test_web_page_stops_at_a_comments_heading_not_marked_up_as_comments() -> None:
    page = (
        "<html><body><article><h1>Le pilote LinkedIn</h1>"
        "<p>Le pilote concerne 500 conseillers France Travail Pro répartis dans cinq régions.</p>"
        "<p>Les syndicats demandent que les instances du personnel soient consultées.</p>"
        "<div class='bloc'><h3>Vos réactions</h3><p>Pseudo42 : 70 % n'en veulent pas.</p></div>"
        "</article></body></html>"
    )
    text = extract(page.encode(), "page.html").text
    assert "instances du personnel soient consultées." in text
    assert "Pseudo42" not in text and "réactions" not in text


def test_pdf_gives_its_title_author_date_and_text(pdf_bytes: bytes) -> None:
    note = extract(pdf_bytes, "note.pdf")
    assert note.kind == "pdf"
    assert note.title == "Note sur le pilote LinkedIn"
    assert note.author == "Intersyndicale France Travail"
    assert note.date == dt.date(2025, 12, 18)
    assert (note.publisher, note.url) == (None, None)
    assert "500 conseillers France Travail Pro dans cinq" in note.text
    assert "aucune information préalable." in note.text
    assert "« contre nature »" in note.text
    for trace in COMMENT_TRACES:
        assert trace not in note.text
    assert_normalised(note.text)


def test_type_comes_from_content_before_name(pdf_bytes: bytes) -> None:
    page = (DATA / "politique-france.html").read_bytes()
    assert extract(page, "sans-extension").kind == "html"
    assert extract(pdf_bytes, "note.html").kind == "pdf"
    assert extract(b"Un titre\n\nUn paragraphe.\n", "notes").kind == "text"


def test_suggested_id_is_publisher_and_year_then_numbered() -> None:
    page = extract((DATA / "politique-france.html").read_bytes(), "politique-france.html")
    assert suggest_id(page, []) == "politique-france-2025"
    assert suggest_id(page, ["politique-france-2025"]) == "politique-france-2025-2"
    assert suggest_id(page, ["politique-france-2025", "politique-france-2025-2"]) == (
        "politique-france-2025-3"
    )


def test_suggested_id_without_publisher_uses_the_title() -> None:
    def draft(**fields: object) -> Extracted:
        values: dict[str, object] = dict.fromkeys(("title", "publisher", "author", "date", "url"))
        return Extracted(**{**values, "text": "x\n", "kind": "text", **fields})  # type: ignore[arg-type]

    assert suggest_id(draft(publisher="www.le-journal.fr"), []) == "le-journal"
    assert suggest_id(draft(title="Égalité : où en est l’accord ?"), []) == "egalite-ou-en-est"
    assert suggest_id(draft(title="«  »"), ["source"]) == "source-2"
    long = suggest_id(draft(title="Mot " * 40, date=dt.date(2026, 1, 5)), [])
    assert long == "mot-mot-mot-mot-mot-2026"


def test_sha256_of_the_text_as_utf8() -> None:
    assert sha256_text("é\n") == hashlib.sha256("é\n".encode()).hexdigest()
    assert len(sha256_text("")) == 64


def test_empty_file() -> None:
    assert problem(b"", "vide.html") == "vide.html: empty file"


def test_file_too_large() -> None:
    data = b"a" * (importer.MAX_IMPORT_BYTES + 1)
    assert problem(data, "gros.txt") == "gros.txt: file too large (5.1 MB, limit 5 MB)"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01", "photo.png"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", "compte-rendu.docx"),
        (b"\xde\xad\xbe\xef\xff\xfe", "donnees"),
    ],
)
def test_unknown_file_type(data: bytes, name: str) -> None:
    assert problem(data, name) == (
        f"{name}: unknown file type: expected a saved web page (.html), a PDF or a text file (.txt)"
    )


def test_broken_pdf(caplog: pytest.LogCaptureFixture) -> None:
    assert problem(b"%PDF-1.7 garbage", "casse.pdf").startswith("casse.pdf: cannot read this PDF: ")
    assert not caplog.records  # nothing but the one line reaches the user


def test_file_named_pdf_that_is_not_one() -> None:
    assert problem(b"<html>", "faux.pdf") == (
        "faux.pdf: not a valid PDF (the file does not start with %PDF-)"
    )


def test_encrypted_pdf() -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    assert problem(out.getvalue(), "protege.pdf") == (
        "protege.pdf: encrypted PDF: save an unprotected copy (print it to PDF) and import that"
    )


def test_pdf_without_text_layer() -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    out = io.BytesIO()
    writer.write(out)
    assert problem(out.getvalue(), "scan.pdf") == (
        "scan.pdf: no text found (a scanned PDF needs OCR first)"
    )


def test_web_page_with_no_article_text() -> None:
    page = (
        b"<!DOCTYPE html><html><head><title>Accueil</title></head><body>"
        b"<nav><ul><li><a href='/'>Accueil</a></li><li><a href='/emploi'>Emploi</a></li></ul></nav>"
        b"<footer>\xc2\xa9 2025</footer></body></html>"
    )
    assert problem(page, "menu.html") == "menu.html: no text found in this web page"


def test_text_file_not_in_utf8() -> None:
    data = "Titre\nLe comité a été réuni.\n".encode("latin-1")
    assert problem(data, "latin1.txt") == (
        "latin1.txt: not valid UTF-8 (byte 0xe9 at offset 14, line 2); save the file as UTF-8"
    )


def test_text_too_long(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_TEXT_CHARS", 100)
    data = ("Titre\n\n" + "Un paragraphe de texte. " * 10).encode()
    assert problem(data, "long.txt") == (
        "long.txt: text too long (240 characters, limit 100); import an excerpt instead"
    )
