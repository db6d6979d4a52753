"""The tract as a printed handout, and unverified figures: what a rep checks before printing.

The tract carries its date, who publishes and prints it and "Ne pas jeter sur la voie
publique", on its one page; an unverified figure is never a key figure, and is marked
wherever it still appears.
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen import build
from briefgen.build import DOCUMENTS, TRACT_FIT, Built, DocumentKind, Options, render_document
from briefgen.context import build_context
from briefgen.errors import RenderError
from briefgen.load import load_dossier
from briefgen.models import Audience
from briefgen.paths import TEMPLATE_DIR
from briefgen.pdf import Layout
from briefgen.workspace import find_workspace
from conftest import EXAMPLE, FIRST_DOSSIER, ROOT, invoke_in, pdf_text

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
        "avis, registre, base.md.j2, "
    )
    assert "tract.md.j2" in err and err.endswith("; did you mean 'tract'?\n")
    assert not (ws / "templates").exists()


# The tract's fitter: its type fills the one page, between the opening statement's size
# and a maximum, found in a few layouts and the same as trying every scale.

MINIMAL = Path(__file__).parent / "dossiers" / "minimal"
FOOT_MM = 15
"""The page's bottom margin (print.css): the footer lives below it."""


@pytest.fixture(scope="module")
def short_dossier(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The example of `briefgen init` with no key figure, and sources that disagree on its
    key point: a very short tract with a badge."""
    folder = tmp_path_factory.mktemp("short") / "court"
    shutil.copytree(EXAMPLE, folder)
    documents = folder / "documents.yaml"
    text = documents.read_text(encoding="utf-8")
    assert "facts: [deploiement]" in text
    documents.write_text(text.replace("facts: [deploiement]", "facts: []"), encoding="utf-8")
    with (folder / "facts.yaml").open("a", encoding="utf-8") as facts:
        facts.write(  # a badge on its key point
            "\ndivergences:\n  - id: effectif\n    subject: Combien de salariés ?\n"
            "    facts: [deploiement, pas-de-consultation]\n"
        )
    return folder


@dataclass
class Fitted:
    """A dossier's tract and declaration as built, and how the tract's scale was found."""

    name: str
    tract: Path
    declaration: Path
    html: str
    built: Built
    scale: float
    measure: Callable[[float], Layout]


@pytest.fixture(scope="module", params=["first", "example", "minimal", "short"])
def fitted(
    request: pytest.FixtureRequest, short_dossier: Path, tmp_path_factory: pytest.TempPathFactory
) -> Fitted:
    """Each dossier's tract and declaration, the tract built with a spy on its fitter."""
    folder = {"first": FIRST_DOSSIER, "example": EXAMPLE, "minimal": MINIMAL}.get(
        request.param, short_dossier
    )
    workspace = find_workspace(ROOT)
    dossier = load_dossier(folder)
    calls: list[tuple[float, Callable[[float], Layout]]] = []
    fit = build.fit

    def spy(
        kind: DocumentKind, measure: Callable[[float], Layout], template: str
    ) -> tuple[float, Layout, int]:
        found = fit(kind, measure, template)
        calls.append((found[0], measure))
        return found

    options = Options(formats=("pdf", "html"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "fit", spy)
        built = render_document(dossier, DOCUMENTS["tract"], options, workspace)
    declaration = render_document(dossier, DOCUMENTS["declaration"], options, workspace)
    out = tmp_path_factory.mktemp(request.param)
    (out / "tract.pdf").write_bytes(built.files["pdf"])
    (out / "declaration.pdf").write_bytes(declaration.files["pdf"])
    (scale, measure), *_ = calls
    html = built.files["html"].decode()
    return Fitted(
        request.param, out / "tract.pdf", out / "declaration.pdf", html, built, scale, measure
    )


def words(pdf: Path) -> list[tuple[float, float, str]]:
    """Every word of a PDF's first page as `pdftotext -bbox` reads it: its height, its
    bottom (points from the top of the page) and its text; and the page's height first."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-l", "1", str(pdf), "-"], capture_output=True, check=True, text=True
    ).stdout
    height = float(re.search(r'<page width="[\d.]+" height="([\d.]+)"', xml).group(1))  # type: ignore[union-attr]
    found = re.findall(r'yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">([^<]*)<', xml)
    return [(height, 0.0, "")] + [(float(b) - float(t), float(b), w) for t, b, w in found]


def body_size(pdf: Path) -> float:
    """The height of the PDF's body words: the most common word height of its first page."""
    heights = [round(h, 1) for h, _, _ in words(pdf)[1:]]
    return max(set(heights), key=heights.count)


def free_at_foot(pdf: Path) -> float:
    """Centimetres between the lowest word of the page's text and its bottom margin."""
    (page_height, _, _), *found = words(pdf)
    foot = page_height - FOOT_MM / 25.4 * 72
    return (foot - max(bottom for _, bottom, _ in found if bottom < foot)) / 72 * 2.54


def test_the_tract_is_one_page_in_type_no_smaller_than_the_declarations(fitted: Fitted) -> None:
    assert len(PdfReader(fitted.tract).pages) == 1
    assert body_size(fitted.tract) >= body_size(fitted.declaration)


def test_the_tract_fills_its_page_unless_its_type_is_at_its_largest(fitted: Fitted) -> None:
    largest = TRACT_FIT.scales()[-1]
    if fitted.scale < largest:
        assert free_at_foot(fitted.tract) < 2.0
    else:
        assert f'style="font-size: {largest:.3f}em"' in fitted.html


def test_a_short_tract_is_set_larger(fitted: Fitted) -> None:
    if fitted.name == "first":
        pytest.skip("the first dossier's tract is long: its type is set smaller")
    assert fitted.scale > 1.0
    assert f'<div class="scaled" style="font-size: {fitted.scale:.3f}em">' in fitted.html
    assert body_size(fitted.tract) > 1.2 * body_size(fitted.declaration)


def test_the_fitter_chooses_what_trying_every_scale_would(fitted: Fitted) -> None:
    scales = TRACT_FIT.scales()
    fitting = [s for s in scales if fitted.measure(s).pages <= 1]
    assert fitted.scale == max(fitting)
    assert 1 <= fitted.built.layouts <= 4


def aligned(html: str, css_class: str) -> set[str]:
    """How the paragraphs of `css_class` are aligned once `html` is laid out for print."""
    from briefgen.pdf import lay_out

    workspace = find_workspace(ROOT)
    layout = lay_out(html, workspace.root, workspace.resolve, "test")
    found: set[str] = set()
    pending = [page._page_box for page in layout.document.pages]
    while pending:
        box = pending.pop()
        element = getattr(box, "element", None)
        if element is not None and css_class in (element.get("class") or "").split():
            found.add(box.style["text_align_all"])
        pending.extend(getattr(box, "children", ()))
    return found


def test_source_lists_are_ragged_right_not_justified(fitted: Fitted) -> None:
    declaration = render_document(
        load_dossier({"first": FIRST_DOSSIER, "example": EXAMPLE}.get(fitted.name, MINIMAL)),
        DOCUMENTS["declaration"],
        Options(formats=("html",)),
        find_workspace(ROOT),
    ).files["html"]
    assert aligned(declaration.decode(), "compact-sources") == {"left"}
    assert aligned(fitted.html, "tract-sources") == {"left"}
    # A source's number stays with its publisher.
    assert re.search(r'<span id="source-1">\[1\]\xa0', fitted.html)


def test_a_badge_stays_whole_on_the_line_of_the_word_before_it(fitted: Fitted) -> None:
    badges = re.findall(r'(.)<span class="tag">([^<]*)</span>', fitted.html)
    assert badges or fitted.name in ("example", "minimal")
    assert all(before == "\xa0" for before, _ in badges), badges
    lines = subprocess.run(
        ["pdftotext", "-l", "1", str(fitted.tract), "-"], capture_output=True, check=True, text=True
    ).stdout.splitlines()
    for _, badge in set(badges):
        shown = badge.upper()  # text-transform: uppercase
        assert not any(line.strip().startswith(shown) for line in lines)
        assert sum(line.count(shown) for line in lines) == badges.count(("\xa0", badge))


@pytest.mark.parametrize("power", [1.0, 1.6, 2.4])
def test_the_fitters_search_agrees_with_trying_every_scale(power: float) -> None:
    """On texts of every length (a model of the room they take), in few layouts, from
    scale 1 or from any scale chosen last."""
    height = 750.0
    scales = TRACT_FIT.scales()
    for length in range(200, 1600, 7):

        def measure(scale: float, length: float = length) -> Layout:
            used = 60 + length * scale**power
            pages = math.ceil(used / height)
            return Layout(None, pages, height, pages * height - used, "pdf/ua-1", [], "t", [])

        fitting = [s for s in scales if measure(s).pages == 1]
        if not fitting:
            with pytest.raises(RenderError):
                build.fit(DOCUMENTS["tract"], measure, "tract.md.j2")
            continue
        scale, layout, layouts = build.fit(DOCUMENTS["tract"], measure, "tract.md.j2")
        assert (scale, layout.pages) == (max(fitting), 1), length
        assert layouts <= 4, length
        if length % 3 == 0:  # from the scale chosen last time (after an edit), whatever it was
            for start in scales[::3]:
                found = build.fit(DOCUMENTS["tract"], measure, "t", start=start)
                assert (found[0], found[1].pages) == (max(fitting), 1), (length, start)
