"""An audit of every page a rep reaches, in a real browser: axe-core finds no accessibility
fault, nothing makes the page scroll sideways on a computer or a phone, no word escapes the
message catalogue, and file names, lines, field paths, rule codes and references stay behind
the « Détails techniques » disclosure."""

from __future__ import annotations

import datetime as dt
import enum
import shutil
import typing
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from briefgen import models
from briefgen.build import DOCUMENTS
from briefgen.i18n import PSEUDO
from briefgen.importer import extract
from briefgen.web.parts import SECTIONS, TABLES
from browser import (
    axe_violations,
    chromium,
    horizontal_overflow,
    opened,
    serving,
    technical_text,
    untranslated,
)
from conftest import FIRST_DOSSIER, MINIMAL

if typing.TYPE_CHECKING:
    from playwright.sync_api import Page

TODAY = dt.date(2026, 11, 23)
DOSSIER = "france-travail-linkedin"
BROKEN = "casse"
ARTICLE = Path(__file__).resolve().parent / "data" / "import" / "courrier-emploi.html"
WIDTHS = [1280, 390]
FORMATS = ("pdf", "odt", "docx")

PAGES = [
    "home",
    "dossier",
    "dossier with an error",
    *[f"{how} {key}" for key in TABLES for how in ("list", "add", "edit")],
    "add facts, saved empty",
    *[f"section {name}" for name in SECTIONS],
    "import",
    "import, article read",
    "history",
    *[f"preview {kind}" for kind in DOCUMENTS],
    "build",
]
"""Every page a rep reaches, by a name that says what it shows."""
DOCUMENT_PAGES = {f"preview {kind}" for kind in DOCUMENTS}
"""The previews are the documents themselves, in the dossier's language, not the page's."""


@dataclass
class Site:
    """The example workspace served twice (in French, and in the pseudo-language), and the
    browser tabs the tests look through."""

    fr: str
    pseudo: str
    builds: dict[str, str]
    """The page of a finished build, by server address."""
    tabs: dict[int | str, Page]
    """A tab with axe-core allowed in, by width; "pseudo" for the pseudo-language."""
    data: set[str]
    ids: set[str]


CONSULTATION = """consultations:
  - id: consultation-pilote
    subject: L'expérimentation des licences LinkedIn
    informed_on: 2026-11-02
    levels: both
    expert: true
"""
"""No consultation was opened on the first dossier's matter: one is added to the audited copy,
so that the consultations' forms are audited too."""


def _workspace(root: Path) -> Path:
    """The first dossier (with a consultation), and a copy of the minimal one with a
    reference to an unknown source."""
    shutil.copytree(FIRST_DOSSIER, root / "seeds" / DOSSIER)
    (root / "seeds" / DOSSIER / "consultations.yaml").write_text(CONSULTATION, encoding="utf-8")
    shutil.copytree(MINIMAL, root / "seeds" / BROKEN)
    facts = root / "seeds" / BROKEN / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("[journal]", "[insee]"))
    (root / "briefgen.toml").write_text("")
    return root


def _choices() -> set[str]:
    """The values of the dossier's fixed choices (a source's kind, an audience…): the page
    must show them in words, so they are not dossier text."""
    found: set[str] = set()

    def walk(annotation: Any) -> None:
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            found.update(str(member.value) for member in annotation)
        elif typing.get_origin(annotation) is typing.Literal:
            found.update(str(arg) for arg in typing.get_args(annotation))
        for arg in typing.get_args(annotation):
            walk(arg)

    for model in vars(models).values():
        if isinstance(model, type) and issubclass(model, BaseModel):
            for field in model.model_fields.values():
                walk(field.annotation)
    return found


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    """Every (key, string) of a YAML document."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


def _dossier_text(seeds: Path) -> tuple[set[str], set[str]]:
    """The text of the workspace's dossiers (what a rep wrote or imported), and their
    references (folder names and the ids of their items)."""
    data: set[str] = set()
    ids = {folder.name for folder in seeds.iterdir()}
    for path in seeds.glob("*/*.yaml"):
        for key, value in _strings(yaml.safe_load(path.read_text(encoding="utf-8"))):
            (ids if key == "id" else data).add(value)
    for path in seeds.glob("*/sources/*.txt"):
        data.update(path.read_text(encoding="utf-8").split("\n\n"))
    article = extract(ARTICLE.read_bytes(), ARTICLE.name)
    data.update(article.text.split("\n\n"))
    data.update(str(v) for v in (article.title, article.publisher, article.author, article.url))
    data.update(f"{kind.filename}.{fmt}" for kind in DOCUMENTS.values() for fmt in FORMATS)
    return (data - _choices()) | ids, ids


def _read_article(page: Page, base: str) -> None:
    page.goto(f"{base}/d/{DOSSIER}/import")
    page.set_input_files("input[type=file]", str(ARTICLE))
    with page.expect_navigation():
        page.locator("form:has(input[type=file]) [type=submit]").click()


def _save_article(page: Page, base: str) -> None:
    """Import the article as a source, as a rep would: the history then has an entry."""
    _read_article(page, base)
    page.select_option("select[name=kind]", "press")
    with page.expect_navigation():
        page.locator("form:has(input[name=_import]) [type=submit]").click()


def _start_build(page: Page, base: str) -> str:
    """Ask for the declaration from the dossier page; the address of the build's page."""
    page.goto(f"{base}/d/{DOSSIER}")
    for box in page.locator("input[name=doc]").all():
        box.set_checked(box.get_attribute("value") == "declaration")
    with page.expect_navigation():
        page.locator("form[action$='/build'] [type=submit]").click()
    return page.url


def _finished(page: Page, build: str) -> str:
    """`build`, once the build it shows has ended well."""
    for _ in range(600):
        status = page.request.get(build + "/status").json()["status"]
        if status != "running":
            break
        page.wait_for_timeout(100)
    assert status == "done", f"the declaration's build ended {status}"
    return build


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = _workspace(tmp_path_factory.mktemp("audit") / "ws")
    with ExitStack() as stack:
        fr = stack.enter_context(serving(root, "fr", TODAY))
        pseudo = stack.enter_context(serving(root, PSEUDO, TODAY))
        browser = stack.enter_context(chromium())
        tabs: dict[int | str, Page] = {
            width: stack.enter_context(opened(browser, width, axe=True)) for width in WIDTHS
        }
        tabs["pseudo"] = stack.enter_context(opened(browser))
        _save_article(tabs["pseudo"], pseudo)
        started = {base: _start_build(tabs["pseudo"], base) for base in (fr, pseudo)}
        builds = {base: _finished(tabs["pseudo"], url) for base, url in started.items()}
        data, ids = _dossier_text(root / "seeds")
        yield Site(fr, pseudo, builds, tabs, data, ids)


def visit(site: Site, tab: Page, base: str, name: str) -> None:
    """Bring `tab` to the page called `name` (one of PAGES) of the server at `base`."""
    how, _, what = name.partition(" ")
    if name == "import, article read":
        _read_article(tab, base)
        return
    if name == "add facts, saved empty":
        tab.goto(f"{base}/d/{DOSSIER}/edit/facts/new")
        with tab.expect_navigation():
            tab.locator("form[action$='/edit/facts/new'] [type=submit]").click()
        return
    if how == "edit":
        tab.goto(f"{base}/d/{DOSSIER}/edit/{what}")
        link = tab.locator(f"a[href*='/edit/{what}/item/']").first.get_attribute("href")
        assert link, f"the list of {what} has no item to edit"
        tab.goto(base + link)
        return
    paths = {
        "home": "/",
        "dossier": f"/d/{DOSSIER}",
        "dossier with an error": f"/d/{BROKEN}",
        "list": f"/d/{DOSSIER}/edit/{what}",
        "add": f"/d/{DOSSIER}/edit/{what}/new",
        "section": f"/d/{DOSSIER}/section/{what}",
        "import": f"/d/{DOSSIER}/import",
        "history": f"/d/{DOSSIER}/history",
        "preview": f"/d/{DOSSIER}/preview/{what}",
    }
    tab.goto(site.builds[base] if name == "build" else base + paths[how])
    if name == "history":
        saved = "LinkedIn chez France Travail" in tab.inner_text("main")
        assert saved, "the imported article was not saved: the history has nothing to show"


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGES)
def test_page_is_accessible_and_fits_its_width(site: Site, name: str, width: int) -> None:
    tab = site.tabs[width]
    visit(site, tab, site.fr, name)
    found = {"axe": axe_violations(tab), "overflow": horizontal_overflow(tab)}
    assert found == {"axe": [], "overflow": []}


@pytest.mark.parametrize("name", [name for name in PAGES if name not in DOCUMENT_PAGES])
def test_words_come_from_the_catalogue_and_technical_details_stay_hidden(
    site: Site, name: str
) -> None:
    tab = site.tabs["pseudo"]
    visit(site, tab, site.pseudo, name)
    found = {
        "untranslated": untranslated(tab, site.data),
        "technical": technical_text(tab, site.ids),
    }
    assert found == {"untranslated": [], "technical": []}


def test_the_audited_article_reads_as_a_source_without_its_comments() -> None:
    article = extract(ARTICLE.read_bytes(), ARTICLE.name)
    assert article.title == (
        "LinkedIn chez France Travail : un syndicat veut suspendre le pilote "
        "au nom des données des demandeurs"
    )
    assert (article.publisher, article.author) == ("Le Courrier de l'emploi", "Mathilde Garnier")
    assert article.date == dt.date(2026, 1, 14)
    assert article.text.startswith("Quatre mois après son lancement")
    assert "« tant que les garanties ne sont pas écrites noir sur blanc »" in article.text
    for trace in ["Conseillère59", "Yann_R", "Réactions", "cookies", "Je m'inscris", "À lire"]:
        assert trace not in article.text


def test_untranslated_finds_a_planted_english_word_and_nothing_else(
    site: Site, tmp_path: Path
) -> None:
    """Catalogue text, dossier text, dates, numbers, sizes and what a closed disclosure
    hides all go: the one English word left in the page is found, with where it is; and
    the one reference shown outside « Détails techniques »."""
    page = tmp_path / "planted.html"
    page.write_text(
        """<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">
        <title>⟦Sources⟧ · briefgen</title></head><body>
        <h1>⟦Sources of %(title)s⟧</h1>
        <p>⟦Saved: ⟦Sources⟧⟧ — 20 décembre 2025, 10 h 12, 1,5 Mo (3/4)</p>
        <table><tr><td>France Travail et LinkedIn : un partenariat qui…</td>
        <td>Le Courrier de l’emploi, 14/01/2026</td>
        <td><code>politique-france-2025</code></td></tr></table>
        <p class="row"><a href="#">⟦Edit⟧</a> <button>Delete</button></p>
        <input type="text" placeholder="⟦Search⟧" aria-label="⟦Search the sources⟧">
        <select><option>⟦— choose —⟧</option><option>Le Courrier de l'emploi</option></select>
        <details class="tech"><summary>⟦Technical details⟧</summary>sources.yaml line 3</details>
        <p style="display: none">Hidden</p>
        <textarea>Some text a rep typed</textarea>
        </body></html>""",
        encoding="utf-8",
    )
    data = {
        "France Travail et LinkedIn : un partenariat qui divise",
        "Le Courrier de l'emploi",
        "Some text a rep typed",
        "politique-france-2025",
    }
    tab = site.tabs["pseudo"]
    tab.goto(page.as_uri())
    assert untranslated(tab, data) == ["'Delete' at p.row > button"]
    assert technical_text(tab, {"politique-france-2025"}) == [
        "'politique-france-2025' at tbody > tr > td > code"
    ]
