"""A French rep, alone, from an empty workspace to a printed tract, through the page only.

The same journey runs twice: in French, where axe-core must find nothing on any page the
rep sees, nothing must stick out sideways at the width of a phone, and no file name, rule
code, field path or internal reference may show outside « Détails techniques »; and in
the pseudo-language, where every word shown must come from the catalogue or from what the
rep typed.  It finds only by addresses, names of inputs and the rep's own words, never by
the page's wording, so that it runs in any language.  The French run leaves the README's
screenshots in BRIEFGEN_SCREENSHOTS when that is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefgen import i18n
from briefgen.importer import extract
from briefgen.scaffold import init_workspace
from browser import (
    axe_violations,
    chromium,
    horizontal_overflow,
    opened,
    serving,
    technical_text,
    untranslated,
)
from conftest import pdf_text

ARTICLES = Path(__file__).resolve().parent / "data" / "import"
PHONE, DESK = 390, 1280

TITLE = "LinkedIn pour les conseillers de France Travail Pro"
FIGURE = "Cinq cents conseillers de France Travail Pro disposent d'une licence LinkedIn payante."
AGAINST = "Les syndicats jugent ce partenariat contraire à la mission du service public."
SUSPEND = "Un syndicat demande de suspendre le pilote tant que les garanties manquent."
YEAR = "Le pilote doit durer une année, selon un premier article."
OPEN = "Un second article décrit un pilote sans date de fin annoncée."
POINT_1 = "Cinq cents conseillers équipés sans que les élus aient été consultés."
POINT_2 = "Les syndicats exigent des garanties écrites sur les données des demandeurs."
QUESTION = "Quelle analyse d'impact sur la protection des données a précédé le lancement ?"


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)
    elif node is not None and not isinstance(node, bool):
        yield str(node)


class Rep:
    """The rep at the keyboard, and what every page they see must be."""

    def __init__(self, page: Any, workspace: Path, lang: str, shots: Path | None) -> None:
        self.page = page
        self.workspace = workspace
        self.lang = lang
        self.shots = shots
        self.seen: list[str] = []
        texts = [
            extract((ARTICLES / name).read_bytes(), name).text
            for name in ("politique-france.html", "courrier-emploi.html")
        ]
        self.articles = {  # the import page shows the first 1 500 characters
            line.strip() for text in texts for line in text[:1500].splitlines() if line.strip()
        }

    def dossier(self) -> Path:
        (folder,) = (self.workspace / "seeds").iterdir()
        return folder

    def data(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for path in sorted(self.dossier().glob("*.yaml")):
            found.update(yaml.safe_load(path.read_text(encoding="utf-8")) or {})
        return found

    def width(self, pixels: int) -> None:
        self.page.set_viewport_size({"width": pixels, "height": 900})

    def look(self, shot: str | None = None) -> None:
        """What a rep sees on this page must hold, whatever its language."""
        page = self.page
        page.wait_for_load_state()
        where = page.url
        self.seen.append(where)
        seeds = self.workspace / "seeds"
        dossiers = [p for p in seeds.iterdir()] if seeds.is_dir() else []
        data = self.data() if dossiers else {}
        strings = set(_strings(data)) | self.articles | {p.name for p in dossiers}
        if self.lang == i18n.PSEUDO:
            assert untranslated(page, strings) == [], where
            return
        assert axe_violations(page) == [], where
        assert horizontal_overflow(page) == [], where
        ids = {
            str(item["id"])
            for v in data.values()
            if isinstance(v, list)
            for item in v
            if isinstance(item, dict) and "id" in item
        }
        assert technical_text(page, ids | {p.name for p in dossiers}) == [], where
        if shot and self.shots:
            page.screenshot(path=str(self.shots / f"{shot}.png"), full_page=True)

    def go(self, href_end: str, shot: str | None = None) -> None:
        """Follow the first link whose address ends with `href_end`."""
        self.page.locator(f'a[href$="{href_end}"]').first.click()
        self.look(shot)

    def save(self, shot: str | None = None) -> None:
        if shot and self.shots and self.lang != i18n.PSEUDO:
            self.page.screenshot(path=str(self.shots / f"{shot}.png"), full_page=True)
        self.page.locator("form.edit-form button[type=submit]").first.click()
        self.look()

    def fill(self, **values: str) -> None:
        for name, value in values.items():
            self.page.fill(f'[name="{name.replace("__", ".")}"]', value)

    def pick(self, name: str, *texts: str) -> None:
        """Tick, in the picker `name`, the items whose text starts as `texts` do."""
        for shown in texts:
            label = self.page.locator(f'fieldset.picker label.pick:has(input[name="{name}"])')
            label.filter(has_text=shown[:40]).first.locator("input").check()

    def ids(self, key: str, field: str, text: str) -> str:
        return next(str(i["id"]) for i in self.data()[key] if str(i.get(field)) == text)


def _journey(rep: Rep, tmp_path: Path) -> None:
    base = rep.page.url.rstrip("/")
    rep.look("web-empty")
    home = _new_dossier(rep)
    _sources_and_facts(rep, base, home)
    _points_question_tract(rep, base, home)
    _print(rep, base, home, tmp_path)


def _new_dossier(rep: Rep) -> str:
    """A new dossier, made on a phone: the address of its page."""
    page = rep.page
    rep.width(PHONE)
    rep.go("/new")
    rep.fill(
        title=TITLE,
        organisation="France Travail",
        instance="CSE central",
        meeting_date="2027-01-14",
        agenda_item="Point d'information sur le pilote LinkedIn",
        unions="CGT\nFSU",
    )
    page.locator("form.edit-form button[type=submit]").click()
    rep.look("web-new-dossier")
    return f"/d/{rep.dossier().name}"


def _sources_and_facts(rep: Rep, base: str, home: str) -> None:
    """Two saved articles become sources; facts drawn from them, with quotations (the
    first leaves its quotation empty)."""
    page = rep.page
    rep.width(DESK)
    for name in ("politique-france.html", "courrier-emploi.html"):
        page.goto(base + home)
        rep.look()
        rep.go(f"{home}/import")
        page.set_input_files('input[type=file][name="file"]', str(ARTICLES / name))
        page.locator("form button[type=submit]").first.click()
        rep.look("web-import" if name.startswith("politique") else None)
        rep.save()
        rep.width(PHONE)
    first, second = (str(s["id"]) for s in rep.data()["sources"])
    facts = [
        (
            FIGURE,
            [first, second],
            {"value": "500", "unit": "conseillers", "label": "dotés d'une licence LinkedIn"},
            None,
        ),
        (AGAINST, [first], {}, ("contre nature", "l'intersyndicale")),
        (
            SUSPEND,
            [second],
            {},
            ("tant que les garanties ne sont pas écrites noir sur blanc", "le SASPE"),
        ),
        (YEAR, [first], {}, None),
        (OPEN, [second], {}, None),
    ]
    for index, (statement, sources, extra, quote) in enumerate(facts):
        rep.width(PHONE if index % 2 else DESK)
        page.goto(base + f"{home}/edit/facts")
        rep.look()
        rep.go(f"{home}/edit/facts/new")
        rep.fill(statement=statement, **extra)
        for source in sources:
            page.locator(f'input[name="sources"][value="{source}"]').check()
        if quote:
            rep.fill(quote__text=quote[0], quote__by=quote[1])
        rep.save("web-editor" if index == 1 else None)
    assert not page.locator(".field-error").count()


def _points_question_tract(rep: Rep, base: str, home: str) -> None:
    """A divergence, two key points put in order, a question, the tract's words."""
    page = rep.page
    page.goto(base + f"{home}/edit/divergences/new")
    rep.look()
    rep.fill(subject="Durée du pilote : une année, ou sans fin annoncée ?")
    rep.pick("facts", YEAR, OPEN)
    rep.save()
    for text, about in ((POINT_1, [FIGURE]), (POINT_2, [AGAINST, SUSPEND])):
        page.goto(base + f"{home}/edit/key_points/new")
        rep.look()
        rep.fill(text=text)
        rep.pick("facts", *about)
        rep.save()
    page.goto(base + f"{home}/edit/key_points")
    rep.look("web-key-points")
    page.locator(f'form[action="{home}/edit/key_points/item/1/move"] button[value=up]').click()
    rep.look()
    assert [k["text"] for k in rep.data()["key_points"]] == [POINT_2, POINT_1]
    page.goto(base + f"{home}/edit/questions/new")
    rep.look()
    rep.fill(text=QUESTION)
    rep.pick("facts", SUSPEND)
    rep.save()
    rep.width(DESK)
    page.goto(base + f"{home}/section/tract")
    rep.look()
    rep.fill(
        headline="LinkedIn : pas sans nous",
        call_to_action="Venez en parler à la permanence syndicale jeudi.",
        contact="CGT et FSU, bureau 12",
    )
    rep.pick("facts", FIGURE)
    rep.save()


def _print(rep: Rep, base: str, home: str, tmp_path: Path) -> None:
    """The tract and the note, produced, downloaded and read."""
    page = rep.page
    page.goto(base + home)
    rep.look("web-dossier")
    for kind in ("declaration", "questions", "avis"):
        box = page.locator(f"input[name=doc][value={kind}]")
        if box.is_enabled():
            box.uncheck()
    page.locator("form.build-form button[type=submit]").click()
    page.locator('a[href$="/file/tract.pdf"]').wait_for(timeout=90_000)
    rep.look("web-done")
    printed = {}
    for name in ("tract.pdf", "note-de-briefing.pdf"):
        with page.expect_download() as download:
            page.locator(f'a[href$="/file/{name}"]').click()
        target = tmp_path / f"{rep.lang}-{name}"
        download.value.save_as(target)
        text = pdf_text(target).replace("’", "'")
        printed[name] = re.sub(r"-\s+|\[\d+(?:, \d+)*\]", "", text)  # hyphens, calls
    assert "500 conseillers dotés d'une licence LinkedIn" in printed["tract.pdf"].replace(
        "conseillersdotés",
        "conseillers dotés",  # a line break inside the key figure
    )
    assert POINT_2.split(" données")[0] in printed["tract.pdf"]
    for statement in (AGAINST, SUSPEND):
        assert statement.split(" le pilote")[0] in printed["note-de-briefing.pdf"]
    assert "contre nature" in printed["note-de-briefing.pdf"]


def _what_was_typed(folder: Path) -> None:
    """The YAML holds what the rep filled, and nothing else."""
    for path in folder.glob("*.yaml"):
        content = path.read_text(encoding="utf-8")
        assert "PydanticUndefined" not in content and "None" not in content, path.name
        assert ": null" not in content and "''" not in content, path.name
    data: dict[str, Any] = {}
    for path in folder.glob("*.yaml"):
        data.update(yaml.safe_load(path.read_text(encoding="utf-8")))
    keys = {f["statement"]: set(f) for f in data["facts"]}
    assert keys[FIGURE] == {"id", "statement", "value", "unit", "label", "sources"}
    assert keys[AGAINST] == {"id", "statement", "sources", "quote"}
    assert keys[YEAR] == {"id", "statement", "sources"}
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", f["id"]) for f in data["facts"])
    assert set(data["tract"]) == {"headline", "call_to_action", "contact", "facts"}
    assert set(data["questions"][0]) == {"id", "text", "facts"}


@pytest.mark.parametrize("lang", ["fr", i18n.PSEUDO])
def test_a_rep_alone_from_an_empty_workspace_to_a_printed_tract(tmp_path: Path, lang: str) -> None:
    workspace = tmp_path / "ws"
    init_workspace(workspace, example=False)
    wanted = os.environ.get("BRIEFGEN_SCREENSHOTS")
    shots = Path(wanted) if wanted and lang == "fr" else None
    with (
        serving(workspace, ui_lang=lang) as address,
        chromium() as browser,
        opened(browser, width=DESK, axe=lang == "fr") as page,
    ):
        page.goto(address + "/")
        rep = Rep(page, workspace, lang, shots)
        _journey(rep, tmp_path)
    _what_was_typed(rep.dossier())
