"""Editable documents: every document as ODT and DOCX, opened as a word processor would
(odfpy, python-docx, LibreOffice headless), with the PDF's content rules."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from odf import teletype
from odf.namespaces import STYLENS, TEXTNS
from odf.opendocument import load as load_odt
from odf.text import H, P, Span

from briefgen.build import DOCUMENTS
from briefgen.cli import main
from briefgen.load import load_dossier
from briefgen.models import Audience
from briefgen.office import STYLES
from conftest import FIRST_DOSSIER, MINIMAL, ROOT

NAMES = {kind.name: kind.filename for kind in DOCUMENTS.values()}
PUBLIC = [kind.name for kind in DOCUMENTS.values() if kind.audience is Audience.public]
OFFICE = ["-f", "odt", "-f", "docx"]


def build(out: Path, *args: str, workspace: Path | None = None) -> Path:
    command = ["--workspace", str(workspace)] if workspace else []
    result = CliRunner().invoke(
        main, [*command, "build", str(FIRST_DOSSIER), "--out", str(out), *args]
    )
    assert result.exit_code == 0, result.output
    return out / "france-travail-linkedin"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("office"), *OFFICE, "-f", "html")


def docx_text(path: Path) -> str:
    """Every paragraph of a DOCX, its tables' cells included, one a line."""
    document = docx.Document(str(path))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        lines += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(lines)


def odt_paragraphs(path: Path) -> list[str]:
    document = load_odt(str(path))
    return [
        teletype.extractText(e)
        for e in document.getElementsByType(P) + document.getElementsByType(H)
    ]


def test_every_document_is_written_in_both_formats(folder: Path) -> None:
    for filename in NAMES.values():
        for fmt in ("odt", "docx"):
            assert zipfile.is_zipfile(folder / f"{filename}.{fmt}")


def test_docx_has_the_text_headings_styles_and_metadata(folder: Path) -> None:
    path = folder / "note-de-briefing.docx"
    document = docx.Document(str(path))
    headings = [
        (p.style.name, p.text) for p in document.paragraphs if p.style.name.startswith("Heading")
    ]
    assert headings[0] == (
        "Heading 1",
        "France Travail et LinkedIn\u00a0: l’expérimentation des licences de recrutement",
    )
    assert ("Heading 2", "L’essentiel") in headings
    assert ("Heading 3", "Protection des données et sécurité") in headings
    used = {p.style.name for p in document.paragraphs}
    used |= {run.style.name for p in document.paragraphs for run in p.runs}
    assert {"Kicker", "CoverDetails", "SourceList", "Tag", "Summary", "Grounds"} <= used
    properties = document.core_properties
    assert properties.title.startswith("Note de briefing · France Travail et LinkedIn")
    assert properties.author == "CGT · FSU" and properties.language == "fr"
    assert properties.created is not None and properties.created.date().isoformat() == "2026-11-20"
    furniture = "\n".join(
        p.text
        for section in document.sections
        for p in [*section.header.paragraphs, *section.footer.paragraphs]
    )
    assert "France Travail et LinkedIn" in furniture and "CGT · FSU" in furniture
    assert re.search(r"dossier [0-9a-f]{7} · 20/11/2026", furniture)
    assert "{" not in furniture


def test_odt_has_the_text_headings_styles_and_metadata(folder: Path) -> None:
    path = folder / "note-de-briefing.odt"
    document = load_odt(str(path))
    headings = [
        (int(h.getAttrNS(TEXTNS, "outline-level")), teletype.extractText(h))
        for h in document.getElementsByType(H)
    ]
    assert headings[0] == (
        1,
        "France Travail et LinkedIn\u00a0: l’expérimentation des licences de recrutement",
    )
    assert (2, "L’essentiel") in headings and (3, "Protection des données et sécurité") in headings
    used = {
        element.getAttrNS(TEXTNS, "style-name")
        for element in document.getElementsByType(P) + document.getElementsByType(Span)
    }
    assert {"Kicker", "CoverDetails", "Tag", "Summary", "Grounds"} <= used
    meta = zipfile.ZipFile(path).read("meta.xml").decode()
    assert "<dc:title>Note de briefing · France Travail et LinkedIn" in meta
    assert "<dc:language>fr</dc:language>" in meta and "<dc:creator>CGT · FSU</dc:creator>" in meta
    styles = zipfile.ZipFile(path).read("styles.xml").decode()
    assert re.search(r"dossier [0-9a-f]{7} · 20/11/2026", styles) and "{title}" not in styles


@pytest.mark.parametrize("kind", PUBLIC)
def test_reps_only_facts_stay_out_of_public_documents(folder: Path, kind: str) -> None:
    dossier = load_dossier(FIRST_DOSSIER)
    reps_only = [f.statement for f in dossier.facts if f.audience is Audience.reps]
    assert reps_only
    text = docx_text(folder / f"{NAMES[kind]}.docx")
    odt = "\n".join(odt_paragraphs(folder / f"{NAMES[kind]}.odt"))
    for statement in reps_only:
        assert statement[:60] not in text and statement[:60] not in odt


def test_french_typography_calls_and_marks_survive(folder: Path) -> None:
    document = docx.Document(str(folder / "tract.docx"))
    text = docx_text(folder / "tract.docx")
    assert "quelque 6\u202f000 conseillers" in text and "80\u202f%" in text
    assert "«\u202fcontre nature\u202f»" in docx_text(folder / "declaration-liminaire.docx")
    calls = [r.text for p in document.paragraphs for r in p.runs if r.font.superscript]
    assert "[" in calls and "]" in calls
    tags = [r.text for p in document.paragraphs for r in p.runs if r.style.name == "Tag"]
    assert "sources divergentes" in tags
    sources = [p.text for p in document.paragraphs if p.style.name == "SmallPrint"]
    assert any(text.startswith("Sources\u00a0: [1]\u00a0politique-france.info") for text in sources)


def test_dossier_text_is_printed_as_it_is_written(tmp_path: Path) -> None:
    """Markup and placeholders in the dossier's text are text in the files too."""
    dossier = tmp_path / "dossier"
    shutil.copytree(MINIMAL, dossier)
    odd = "Un <b>outil</b> **testé** & {author} {{ x }}"
    for name, old in (("dossier.yaml", "title: "), ("facts.yaml", "statement: Douze")):
        path = dossier / name
        text = path.read_text(encoding="utf-8")
        line = next(line for line in text.splitlines() if line.strip().startswith(old.strip()))
        key = line.split(":")[0]
        path.write_text(text.replace(line, f"{key}: '{odd}'", 1), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["build", str(dossier), "--out", str(tmp_path / "out"), "--doc", "note", *OFFICE]
    )
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in (tmp_path / "out").iterdir() if p.is_dir()]
    document = docx.Document(str(folder / "note-de-briefing.docx"))
    assert odd in docx_text(folder / "note-de-briefing.docx")
    header = "\n".join(p.text for p in document.sections[0].header.paragraphs)
    assert "{author}" in header and "<b>" in header
    odt = "\n".join(odt_paragraphs(folder / "note-de-briefing.odt"))
    assert "Un <b>outil</b> **testé**" in odt


def test_the_trace_line_can_be_turned_off(tmp_path: Path) -> None:
    out = build(tmp_path, "--doc", "tract", *OFFICE, "--no-trace")
    document = docx.Document(str(out / "tract.docx"))
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "dossier" not in footer and "{trace}" not in footer


def test_files_are_reproducible_and_dated(folder: Path, tmp_path: Path) -> None:
    again = build(tmp_path, *OFFICE)
    for filename in NAMES.values():
        for fmt in ("odt", "docx"):
            first, second = folder / f"{filename}.{fmt}", again / f"{filename}.{fmt}"
            assert first.read_bytes() == second.read_bytes(), first.name
            dates = {info.date_time[:3] for info in zipfile.ZipFile(first).infolist()}
            assert dates == {(2026, 11, 20)}
    odt = zipfile.ZipFile(folder / "tract.odt")
    assert odt.infolist()[0].filename == "mimetype"
    assert odt.infolist()[0].compress_type == zipfile.ZIP_STORED


def test_a_second_build_is_up_to_date(tmp_path: Path) -> None:
    build(tmp_path, "--doc", "tract", *OFFICE)
    result = CliRunner().invoke(
        main, ["build", str(FIRST_DOSSIER), "--out", str(tmp_path), "--doc", "tract", *OFFICE]
    )
    assert result.exit_code == 0
    assert sorted(result.output.splitlines()) == [
        f"up to date: {tmp_path}/france-travail-linkedin/tract.docx",
        f"up to date: {tmp_path}/france-travail-linkedin/tract.odt",
    ]


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("docx", b"not a zip", "unreadable reference document"),
        ("odt", b"not a zip", "unreadable reference document"),
        ("docx", None, "not a reference document for DOCX: it has no word/styles.xml"),
    ],
)
def test_a_broken_reference_document_is_named_and_nothing_is_written(
    tmp_path: Path, fmt: str, content: bytes | None, message: str
) -> None:
    workspace = tmp_path / "ws"
    (workspace / "templates").mkdir(parents=True)
    (workspace / "briefgen.toml").write_text("", encoding="utf-8")
    out = build(tmp_path / "out", "--doc", "tract", *OFFICE, workspace=workspace)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    reference = workspace / "templates" / f"reference.{fmt}"
    if content is None:
        with zipfile.ZipFile(reference, "w") as archive:
            archive.writestr("word/document.xml", "<w:document/>")
    else:
        reference.write_bytes(content)
    result = CliRunner().invoke(
        main,
        [
            "--workspace",
            str(workspace),
            "build",
            str(FIRST_DOSSIER),
            "--out",
            str(tmp_path / "out"),
            "--doc",
            "tract",
            *OFFICE,
            "--force",
        ],
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert f"ws/templates/reference.{fmt}: {message}" in lines[0]
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_templates_copy_copies_the_reference_documents(tmp_path: Path) -> None:
    workspace = tmp_path / "ws"
    workspace.mkdir()
    (workspace / "briefgen.toml").write_text("", encoding="utf-8")
    for name in ("reference.odt", "reference.docx"):
        result = CliRunner().invoke(
            main, ["--workspace", str(workspace), "templates", "copy", name]
        )
        assert result.exit_code == 0, result.output
        assert (workspace / "templates" / name).read_bytes() == (
            ROOT / "templates" / name
        ).read_bytes()


def test_the_reference_documents_define_every_style_the_documents_use() -> None:
    document = docx.Document(str(ROOT / "templates" / "reference.docx"))
    assert set(STYLES) <= {style.name for style in document.styles}
    odt = load_odt(str(ROOT / "templates" / "reference.odt"))
    names = {
        style.getAttrNS(STYLENS, "name")
        for style in odt.styles.childNodes
        if style.qname[1] == "style"
    }
    assert set(STYLES) <= names


SOFFICE = shutil.which("soffice")


@pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (scripts/setup --for-tests)",
)
@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("declaration-liminaire", "odt"),
        ("declaration-liminaire", "docx"),
        ("note-de-briefing", "odt"),
    ],
)
def test_libreoffice_opens_the_file_and_finds_its_paragraphs(
    folder: Path, tmp_path: Path, name: str, fmt: str
) -> None:
    """LibreOffice turns the file into a PDF in which every paragraph and every source of
    the PDF's HTML is found, word for word (line breaks and hyphenation aside)."""
    libreoffice_pdf(folder / f"{name}.{fmt}", tmp_path)
    html = (folder / f"{name}.html").read_text(encoding="utf-8")
    found = re.findall(r"<p>(.*?)</p>", html, re.S)
    found += re.findall(r'<li id="source-\d+">(.*?)(?:<br>|</li>)', html, re.S)  # URL aside
    paragraphs = [re.sub(r"<[^>]+>", "", p) for p in found]
    assert len(paragraphs) >= 8

    def letters(text: str) -> str:
        return re.sub(r"[\W_]+", "", text.replace("&amp;", "&")).lower()

    text = letters(_without_page_furniture(tmp_path / f"{name}.pdf"))
    assert [p[:50] for p in paragraphs if letters(p) not in text] == []


def libreoffice_pdf(path: Path, out: Path, environment: dict[str, str] | None = None) -> Path:
    """The PDF LibreOffice headless makes of `path`, in `out` (its profile there too)."""
    assert SOFFICE is not None, "LibreOffice is not installed (scripts/setup --for-tests)"
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={(out / 'profile').as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
        env=environment,
    )
    return out / f"{path.stem}.pdf"


def _without_page_furniture(pdf: Path) -> str:
    """The text of a PDF without its running header and footer (the lines found on most of
    its pages), so that a paragraph cut by a page break reads whole."""
    from collections import Counter

    from pypdf import PdfReader

    pages = [(page.extract_text() or "").splitlines() for page in PdfReader(pdf).pages]
    counts = Counter(line.strip() for lines in pages for line in set(lines))
    running = {line for line, n in counts.items() if len(pages) > 2 and n > len(pages) / 2}
    running |= {line for line in counts if re.search(r"\bpage \d+ / \d+$", line)}
    # A two-page document's running head is on its second page only: the lines at a page's
    # top or bottom that join their parts with « · » (title · dossier, CGT · FSU).
    edges = [line for lines in pages for line in lines[:3] + lines[-3:]]
    running |= {line.strip() for line in edges if " · " in line}
    return " ".join(line for lines in pages for line in lines if line.strip() not in running)


# What an editable file looks like: the workspace's colour, its styles, its fonts inside it
# and its logo, on the example a `briefgen init` makes (its accent changed, its logo an SVG)
# and on the first dossier (built-in colours, no logo).
ACCENT = "#0b6e4f"


@pytest.fixture(scope="module")
def example(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The `briefgen init` example's documents, in every format, its accent colour changed."""
    workspace = tmp_path_factory.mktemp("example") / "ws"
    assert CliRunner().invoke(main, ["init", str(workspace)]).exit_code == 0
    config = workspace / "briefgen.toml"
    text = config.read_text(encoding="utf-8")
    assert 'logo = "assets/logo.svg"' in text and 'accent = "#1d4e89"' in text
    config.write_text(text.replace("#1d4e89", ACCENT), encoding="utf-8")
    result = CliRunner().invoke(
        main,
        ["--workspace", str(workspace), "build", "exemple", "-f", "pdf", *OFFICE, "-f", "html"],
    )
    assert result.exit_code == 0, result.output
    return workspace / "output" / "exemple"


@pytest.fixture(scope="module")
def first(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The first dossier's tract, draft opinion and note, with their PDFs (whose fitted type
    size the editable files follow)."""
    documents = ["--doc", "tract", "--doc", "avis", "--doc", "note"]
    return build(tmp_path_factory.mktemp("first"), *documents, "-f", "pdf", *OFFICE)


@pytest.fixture(params=["example", "first"])
def built(request: pytest.FixtureRequest) -> tuple[str, Path]:
    return request.param, request.getfixturevalue(request.param)


def part(path: Path, name: str) -> str:
    return zipfile.ZipFile(path).read(name).decode("utf-8")


def test_the_call_to_action_has_its_style_in_both_formats(built: tuple[str, Path]) -> None:
    _, folder = built
    odt = load_odt(str(folder / "tract.odt"))
    styled = {
        teletype.extractText(p)[:14]
        for p in odt.getElementsByType(P)
        if p.getAttrNS(TEXTNS, "style-name") == "CallOut"
    }
    document = docx.Document(str(folder / "tract.docx"))
    in_docx = {p.text[:14] for p in document.paragraphs if p.style.name == "CallOut"}
    assert "Nous contacter" in styled and "Nous contacter" in in_docx
    assert len(styled) == len(in_docx) == 2
    opinion = load_odt(str(folder / "projet-avis.odt"))
    assert "CallOut" in {p.getAttrNS(TEXTNS, "style-name") for p in opinion.getElementsByType(P)}


def test_the_files_take_the_workspace_accent_colour(built: tuple[str, Path]) -> None:
    which, folder = built
    accent = ACCENT if which == "example" else "#9b1c1c"
    for fmt, name in (("odt", "styles.xml"), ("docx", "word/styles.xml")):
        styles = part(folder / f"note-de-briefing.{fmt}", name).lower()
        assert accent.lstrip("#") in styles, fmt
        assert which == "first" or "9b1c1c" not in styles, fmt


def test_the_fonts_are_inside_the_files(built: tuple[str, Path]) -> None:
    from fontTools.ttLib import TTFont

    from briefgen.fonts import obfuscate

    _, folder = built
    odt = zipfile.ZipFile(folder / "tract.odt")
    faces = ["Regular", "Bold", "Italic", "BoldItalic"]
    files = [f"Fonts/Lato-{face}.ttf" for face in faces]
    assert set(files) <= set(odt.namelist())
    manifest, styles = (
        part(folder / "tract.odt", "META-INF/manifest.xml"),
        part(folder / "tract.odt", "styles.xml"),
    )
    for file in files:
        assert f'manifest:full-path="{file}"' in manifest
        assert f'<svg:font-face-uri xlink:href="{file}"' in styles
    assert 'config:name="EmbedFonts" config:type="boolean">true' in part(
        folder / "tract.odt", "settings.xml"
    )
    font = TTFont(io.BytesIO(odt.read(files[0])))
    assert font["name"].getDebugName(1) == "Lato"
    assert len(odt.read(files[0])) < 400_000  # a subset: the whole face is 660 kB
    table = part(folder / "tract.docx", "word/fontTable.xml")
    keys = dict(re.findall(r'<w:embed(\w+) r:id="[^"]+" w:fontKey="(\{[0-9A-F-]+\})"', table))
    assert sorted(keys) == sorted(faces)
    docx_zip = zipfile.ZipFile(folder / "tract.docx")
    hidden = docx_zip.read("word/fonts/Lato-Bold.odttf")
    assert TTFont(io.BytesIO(obfuscate(hidden, keys["Bold"])))["name"].getDebugName(2) == "Bold"
    assert "<w:embedTrueTypeFonts/>" in part(folder / "tract.docx", "word/settings.xml")
    assert 'Extension="odttf"' in part(folder / "tract.docx", "[Content_Types].xml")


def test_an_svg_logo_comes_into_the_docx_as_a_png(example: Path) -> None:
    document = zipfile.ZipFile(example / "tract.docx")
    media = [name for name in document.namelist() if name.startswith("word/media/")]
    assert len(media) == 1 and media[0].endswith(".png")
    image = document.read(media[0])
    assert image.startswith(b"\x89PNG") and int.from_bytes(image[16:20], "big") == 320
    # As wide as the SVG says (80 px, 5/6 inch), in four times as many pixels.
    assert 'cx="762000"' in part(example / "tract.docx", "word/document.xml")


FONTCONFIG_WITHOUT_LATO = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "urn:fontconfig:fonts.dtd">
<fontconfig>
  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>
  <selectfont><rejectfont><glob>*Lato*</glob><glob>*lato*</glob></rejectfont></selectfont>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


@pytest.mark.skipif(
    SOFFICE is None and not os.environ.get("CI"),
    reason="LibreOffice is not installed (scripts/setup --for-tests)",
)
@pytest.mark.parametrize("fmt", ["odt", "docx"])
def test_the_tract_stays_on_one_page_on_a_machine_without_lato(
    built: tuple[str, Path], tmp_path: Path, fmt: str, request: pytest.FixtureRequest
) -> None:
    """LibreOffice, on a machine where fontconfig finds no Lato, lays the tract out on one
    page, in the Lato the file carries, its type no larger than the fitted PDF's."""
    _, folder = built
    config = tmp_path / "fonts.conf"
    config.write_text(FONTCONFIG_WITHOUT_LATO.format(cache=tmp_path / "cache"), encoding="utf-8")
    environment = {**os.environ, "FONTCONFIG_FILE": str(config), "HOME": str(tmp_path)}
    listed = subprocess.run(
        ["fc-list"], env=environment, capture_output=True, text=True, check=True
    ).stdout
    assert "lato" not in listed.lower()
    from pypdf import PdfReader

    reader = PdfReader(libreoffice_pdf(folder / f"tract.{fmt}", tmp_path, environment))
    assert len(reader.pages) == 1
    fonts = {
        str(font["/BaseFont"]).split("+")[-1]
        for font in reader.pages[0]["/Resources"]["/Font"].values()
    }
    assert {"Lato-Regular", "Lato-Bold"} <= fonts
