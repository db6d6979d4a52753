"""Imports in a jail: a hostile file is read in a child process with a memory and a time
limit, refused on one line when it goes past either, and the process that asked (the
server, `briefgen source add`) keeps its memory where it was.

The cases are those of issue 20: a PDF whose pages inflate to 74 MB of spaces each (under
pypdf's per-stream limit) and a web page of 100,000 paragraphs, both generated here.
"""

from __future__ import annotations

import io
import re
import zlib
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from flask.testing import FlaskClient
from pypdf import PdfWriter
from pypdf.generic import DictionaryObject, NameObject, StreamObject
from test_editing import TODAY, csrf
from test_web_history import visible
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from briefgen import importer
from briefgen.cli import main
from briefgen.errors import InputError, Problem
from briefgen.importer import extract
from briefgen.web import create_app
from briefgen.workspace import find_workspace

ARTICLE = Path(__file__).resolve().parent / "data" / "import" / "politique-france.html"
DOSSIER = "exemple"
"""The `briefgen init` dossier, copied to a temporary workspace."""


def stream_bomb(pages: int = 10, inflated: int = 74_000_000) -> bytes:
    """A PDF whose every page's content stream inflates to `inflated` bytes of spaces."""
    packed = zlib.compress(b" " * inflated, 9)
    writer = PdfWriter()
    font = writer._add_object(
        DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject("/Helvetica"),
            }
        )
    )
    for _ in range(pages):
        page = writer.add_blank_page(200, 200)
        fonts = DictionaryObject({NameObject("/F1"): font})
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): fonts})
        content = StreamObject()
        content._data = packed
        content[NameObject("/Filter")] = NameObject("/FlateDecode")
        page[NameObject("/Contents")] = writer._add_object(content)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    return stream_bomb()


def paragraphs_page(count: int = 100_000) -> bytes:
    """A saved web page of `count` short paragraphs."""
    body = "".join(f"<p>Paragraphe {number} de la page.</p>" for number in range(count))
    page = f"<!DOCTYPE html><html><head><title>Longue</title></head><body><article>{body}"
    return (page + "</article></body></html>").encode()


def refusal(data: bytes, name: str) -> Problem:
    """The one problem a user is told about when the file cannot be imported."""
    with pytest.raises(InputError) as caught:
        extract(data, name)
    (only,) = caught.value.problems
    assert "\n" not in str(only)
    return only


def resident_mb() -> int:
    """This process's resident memory, in MB."""
    status = Path("/proc/self/status").read_text()
    match = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    assert match
    return int(match.group(1)) // 1024


@pytest.fixture
def workspace(init_workspace: Path) -> Path:
    return init_workspace


@pytest.fixture
def client(workspace: Path) -> FlaskClient:
    app = create_app(find_workspace(workspace), today=TODAY)
    app.config["TESTING"] = True
    return app.test_client()


def dossier_files(workspace: Path) -> dict[str, bytes]:
    folder = workspace / "seeds" / DOSSIER
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*")}


# -- memory ---------------------------------------------------------------------------------


def test_a_pdf_stream_bomb_is_stopped_by_the_memory_limit_and_the_memory_given_back(
    bomb: bytes,
) -> None:
    assert len(bomb) < importer.MAX_IMPORT_BYTES
    before = resident_mb()

    problem = refusal(bomb, "bombe.pdf")

    assert str(problem.message) == (
        "this file needs too much memory to be read (more than 512 MB); "
        "save the article as text or as plain HTML"
    )
    assert problem.file == "bombe.pdf"
    assert problem.detail == "MemoryError under RLIMIT_AS 512 MB"  # stopped by its limit
    assert resident_mb() - before < 100  # read here, it takes 800 MB and keeps it


def test_source_add_refuses_the_bomb_and_writes_nothing(workspace: Path, bomb: bytes) -> None:
    (workspace / "bombe.pdf").write_bytes(bomb)
    before = dossier_files(workspace)

    result = CliRunner().invoke(main, ["source", "add", "bombe.pdf", "--yes"])

    assert result.exit_code == 2
    assert "bombe.pdf: this file needs too much memory to be read (more than 512 MB)" in (
        result.stderr
    )
    assert dossier_files(workspace) == before


def test_the_page_refuses_the_bomb_on_one_line_and_saves_nothing(
    client: FlaskClient, workspace: Path, bomb: bytes
) -> None:
    before = dossier_files(workspace)
    fields = {"csrf": csrf(client, DOSSIER), "file": FileStorage(io.BytesIO(bomb), "bombe.pdf")}
    boundary, body = encode_multipart(fields)  # in memory: the test client spools to a file

    response = client.post(
        f"/d/{DOSSIER}/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    said = [line for line in visible(page).split("\n") if "bombe.pdf" in line]
    assert len(said) == 1 and "512" in said[0]
    assert "RLIMIT_AS" in page and "RLIMIT_AS" not in visible(page)  # in the details
    assert dossier_files(workspace) == before
    sources = yaml.safe_load((workspace / "seeds" / DOSSIER / "sources.yaml").read_text())
    assert all("bombe" not in str(source) for source in sources["sources"])


# -- time -----------------------------------------------------------------------------------


def test_a_page_of_100_000_paragraphs_is_refused_before_it_is_parsed() -> None:
    problem = refusal(paragraphs_page(), "longue.html")

    assert str(problem.message) == (
        "too many paragraphs (100001, limit 20000); save only the article, as text or as plain HTML"
    )


def test_a_parser_past_the_time_limit_is_killed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_HTML_BLOCKS", 1_000_000)  # let the page reach the parser
    monkeypatch.setattr(importer, "IMPORT_SECONDS", 1)  # the page needs about 40 s

    problem = refusal(paragraphs_page(), "longue.html")

    assert str(problem.message) == (
        "this file takes too long to read (more than 1 seconds); "
        "save the article as text or as plain HTML"
    )
    assert problem.detail == "killed after 1 s"


# -- ordinary files -------------------------------------------------------------------------


def test_an_ordinary_article_is_read_through_the_jail_as_before() -> None:
    page = extract(ARTICLE.read_bytes(), ARTICLE.name)

    assert page.kind == "html" and page.publisher == "politique-france.info"
    assert "contre nature" in page.text


def test_a_page_at_the_paragraph_limit_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(importer, "MAX_HTML_BLOCKS", 2_002)

    page = extract(paragraphs_page(2_000), "juste.html")

    assert page.text.startswith("Paragraphe 0 de la page.\n\nParagraphe 1 de la page.")
