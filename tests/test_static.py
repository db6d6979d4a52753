"""The page's stylesheet and script: on a phone, with a keyboard and a screen reader.

The browser tests load the real style.css and app.js into a page written here with every
hook the templates give them (PAGE), answering the script's requests themselves, so that
what the script does can be seen whatever the templates hold."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from briefgen import i18n
from briefgen.scaffold import init_workspace
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from browser import chromium, horizontal_overflow, opened

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Route

STATIC = Path(__file__).resolve().parent.parent / "briefgen" / "web" / "static"
SCRIPT = (STATIC / "app.js").read_text(encoding="utf-8")
STYLE = (STATIC / "style.css").read_text(encoding="utf-8")
ORIGIN = "http://briefgen.test"

MESSAGES = {
    "filter": "Filtrer la liste",
    "no-match": "Aucun élément ne correspond.",
    "up": "Monter",
    "down": "Descendre",
    "count": "%(count)s / %(max)s caractères",
    "too-long": "Trop long : %(max)s caractères au plus.",
    "bad-date": "Cette date est incomplète ou n’existe pas.",
    "errors-one": "Une chose à corriger.",
    "errors-many": "%(num)s choses à corriger.",
    "no-errors": "Plus rien à corriger.",
    "progress": "En cours : %(done)s documents sur %(total)s",
    "producing": "Production en cours…",
}
LONG = "https://www.example.org/" + "un-chemin-tres-long-sans-espace-" * 6


def _picker(name: str, items: list[tuple[str, str, bool]], ordered: str = "") -> str:
    """A picker as the edit form renders it: (value, text, checked) for each item."""
    labels = (
        "".join(
            f'<label class="pick"><input type="checkbox" name="{name}" value="{value}"'
            f'{" checked" if checked else ""}> <span class="pick-text">{text}</span></label>'
            for value, text, checked in items
        )
        or '<p class="muted">Rien à choisir pour l’instant.</p>'
    )

    return (
        f'<div class="field" data-field="{name}">'
        f'<fieldset class="picker" data-table="{name}" {ordered}><legend>{name}</legend>'
        f'<div class="pick-list">{labels}</div></fieldset>'
        f'<div class="msgs" id="m-{name}"></div></div>'
    )


def _field(name: str, control: str) -> str:
    """A labelled field with its message box: `control` is the input, with id f-<name>."""
    return (
        f'<div class="field" data-field="{name}"><label for="f-{name}">{name}</label>'
        f'{control}<div class="msgs" id="m-{name}"></div></div>'
    )


SOURCES = [
    ("a", "Article du Monde", True),
    ("b", "Note sur la sécurité des données", False),
    ("c", "Communiqué " + LONG, False),
]
FACTS = [
    ("f1", "Fait un", True),
    ("f2", "Fait deux", True),
    ("f3", "Fait trois", False),
    ("f4", "Fait quatre", False),
]
PAGE = f"""<!DOCTYPE html>
<html lang="fr"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Essai</title><link rel="stylesheet" href="/static/style.css">
<script src="/static/app.js" defer></script></head>
<body {" ".join(f'data-msg-{key}="{text}"' for key, text in MESSAGES.items())}>
<a class="skip" href="#main">Aller au contenu</a>
<header class="top"><a class="brand" href="/">briefgen</a>
<span class="tagline">Dossiers sourcés, documents prêts à imprimer</span></header>
<main id="main">
<div id="live" class="sr-only" role="status" aria-live="polite"></div>
<p class="crumbs"><a href="/">Dossiers</a> › <a href="/">Anticonstitutionnellement-long</a></p>
<h1>Un titre avec un mot démesurémentlongquinefinitjamaisdutoutdutoutdutout</h1>
<p class="status status-ok">Prêt.</p><p class="status status-error">Erreur.</p>
<p class="status status-warning">À vérifier.</p><p class="status status-info">Bon à savoir.</p>
<details class="tech" open><summary>Détails techniques</summary>
<p><code>seeds/france-travail-linkedin/facts.yaml:12 facts[3].sources[0] E105</code></p>
<pre>{LONG}</pre></details>
<ul class="cards"><li><a class="card" href="/"><span class="card-title">Licences LinkedIn</span>
<span class="card-meta">France Travail</span><span class="badge state-incomplete">à compléter</span>
</a><a class="button" href="/">Copier pour la prochaine séance</a></li></ul>
<ol class="step-list"><li><a href="/">Ajoutez une source</a></li>
<li><a href="/">Ajoutez un fait</a></li></ol>
<section class="panel usage"><h2>Où ce fait apparaît</h2>
<ul><li><a href="/">Question 2</a></li></ul></section>
<ol class="items">
<li class="item"><div class="item-text">Un fait assez long : {LONG}</div>
<div class="row-actions"><a class="button small" href="/">Modifier</a>
<form class="inline" method="post" action="/"><button type="submit" class="button small">
Monter<span class="sr-only"> — Un fait</span></button></form>
<a class="button small danger" href="/">Supprimer<span class="sr-only"> — Un fait</span></a>
</div></li></ol>
<ul class="findings"><li class="finding finding-error">
<p class="finding-text">Il manque un titre.</p>
<p class="finding-place"><a href="/">Le fait « Un fait »</a></p></li>
<li class="finding finding-info"><a href="/">Une source</a>
<span class="badge">pas encore utilisé</span></li></ul>
<div id="m-_" class="msgs"><p class="field-msg field-warning">Un avertissement.</p></div>
<form class="edit-form" method="post" action="/save" data-check="/check" data-choices="/choices">
{
    _field(
        "title",
        '<input id="f-title" name="title" value="Un titre" data-max="20" '
        'aria-describedby="h-title"><p class="help" id="h-title">Le titre, court.</p>',
    )
}
{_field("text", f'<textarea id="f-text" name="text" data-max="200">{LONG}</textarea>')}
{_field("date", '<input id="f-date" name="date" type="date" value="2026-11-23">')}
{_picker("sources", SOURCES)}
{_picker("facts", FACTS, ordered="data-ordered")}
{_picker("themes", [])}
<details class="advanced" open><summary>Avancé</summary>
{_field("note", '<input id="f-note" name="note">')}</details>
<p class="actions"><button type="submit" class="primary">Enregistrer</button>
<a href="/">Annuler</a></p>
</form>
<form class="build-form" method="post" action="/build" data-preview="/preview/KIND">
<fieldset><legend>Documents</legend><div class="doc-row">
<label><input type="checkbox" name="doc" value="note" checked> Note de briefing</label>
<a class="preview-link" data-kind="note" href="/preview/note">Aperçu</a></div></fieldset>
<button type="submit" class="primary">Produire les documents</button></form>
<div id="job" data-status="running" data-status-url="/status">
<p class="status"><span id="progress-text">En cours</span></p>
<progress id="progress" max="1" value="0"></progress></div>
</main></body></html>"""


def _form(body: str) -> dict[str, list[str]]:
    """The fields of a multipart form body, as the server would read them."""
    found: dict[str, list[str]] = {}
    for name, value in re.findall(r'name="([^"]+)"\r\n\r\n(.*?)\r\n--', body, re.S):
        found.setdefault(name, []).append(value)
    return found


def _check(form: dict[str, list[str]]) -> dict[str, Any]:
    """What /check answers: an empty title and no source are errors, and say so."""
    errors = {}
    if not form.get("title", [""])[0].strip():
        errors["title"] = ["Écrivez un titre."]
    if not form.get("sources"):
        errors["sources"] = ["Choisissez au moins une source."]
    return {"errors": errors, "warnings": {}}


def _answer(route: Route) -> None:
    request = route.request
    path = request.url.removeprefix(ORIGIN).split("?")[0]
    if path.startswith("/static/"):
        kind = "text/css" if path.endswith(".css") else "text/javascript"
        route.fulfill(path=STATIC / path.removeprefix("/static/"), content_type=kind)
    elif path == "/check":
        route.fulfill(json=_check(_form(request.post_data or "")))
    elif path == "/choices":
        sources = [["a", "Article du Monde"], ["d", "Une source ajoutée à côté"]]
        route.fulfill(json={"sources": sources, "facts": [], "themes": [["t", "Un thème"]]})
    elif path == "/status":
        route.fulfill(json={"status": "running", "done": 2, "total": 5})
    elif path == "/build":
        route.fulfill(status=204)
    else:
        route.fulfill(body=PAGE, content_type="text/html; charset=utf-8")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """The test page in a phone-sized tab; a script error fails the test."""
    with opened(browser, width=390) as tab:
        errors: list[str] = []
        tab.on("pageerror", lambda error: errors.append(str(error)))
        tab.route(ORIGIN + "/**", _answer)
        tab.goto(ORIGIN + "/")
        yield tab
        assert errors == []


# What the script says comes from the page.

_LITERAL = re.compile(r'"((?:[^"\\\n]|\\.)*)"|\'((?:[^\'\\\n]|\\.)*)\'|`([^`]*)`')
_COMMENT = re.compile(r"//[^\n]*|/\*.*?\*/", re.S)
_MACHINE = re.compile(r"[a-z0-9_\-.#\[\]=:()*>,+~ ]*")
"""Selectors, class and attribute names, event names, types: what no one reads..."""
_PLATFORM = {"use strict", "POST", "Enter", "DOMContentLoaded", "NFD", "KIND"}
"""...and the few names of the web platform (or the page's placeholders) not in lower case."""


def _for_people(text: str) -> bool:
    """Whether a string literal of the script is words a person would read."""
    if not re.search(r"[^\W\d_]", text) or text in _PLATFORM or re.fullmatch(r"msg[A-Z]\w+", text):
        return False
    two_words = re.search(r"(^|\s)[a-z]{2,} [a-z]{2,}(\s|$)", text)
    return not _MACHINE.fullmatch(text) or bool(two_words)


def _literals() -> list[str]:
    return ["".join(groups) for groups in _LITERAL.findall(_COMMENT.sub("", SCRIPT))]


def test_the_script_writes_no_words_of_its_own() -> None:
    """Every string in app.js is for the machine; words come from data-msg-* attributes."""
    assert "msgFilter" in _literals()
    assert [text for text in _literals() if _for_people(text)] == []
    assert _for_people("Production en cours") and _for_people("en cours")


def test_the_page_gives_the_script_every_text_in_the_readers_language(tmp_path: Path) -> None:
    """Each data-msg-* the script reads is on <body>, from the catalogue, with the
    placeholders the script fills in; the live region is there."""
    keys = {text[3:] for text in _literals() if re.fullmatch(r"msg[A-Z]\w+", text)}
    init_workspace(tmp_path / "ws")
    app = create_app(find_workspace(tmp_path / "ws"), ui_lang=i18n.PSEUDO)
    page = app.test_client().get("/").get_data(as_text=True)
    body = re.search(r"<body([^>]*)>", page)
    assert body
    given = dict(re.findall(r'data-msg-([\w-]+)="([^"]*)"', body.group(1)))
    for key in keys:
        attribute = re.sub(r"(?<!^)([A-Z])", r"-\1", key).lower()
        assert attribute in given, f"<body> has no data-msg-{attribute}"
        text = given[attribute]
        assert text.startswith(i18n.PSEUDO_OPEN) and text.endswith(i18n.PSEUDO_CLOSE), text
        for name in re.findall(rf"say\(\"msg{key}\", \{{([^}}]*)\}}", SCRIPT):
            for placeholder in re.findall(r"(\w+):", name):
                assert f"%({placeholder})s" in text, (attribute, placeholder)
    assert re.search(r'<div id="live"[^>]*role="status"', page)


def test_no_width_in_the_style_is_wider_than_a_phone() -> None:
    """Widths, minimum widths, flex bases and grid tracks stay under 390 px (1 rem = 16 px),
    so that nothing forces a phone's page to scroll sideways (a media query's condition, such
    as « @media (min-width: 64rem) », is no width: its rules apply on wide screens only)."""
    sizes = {"px": 1.0, "rem": 16.0, "em": 17.0}
    wide = []
    rules = re.sub(r"@media[^{]*", "", STYLE)
    for prop, value in re.findall(
        r"(?<![\w-])((?:min-)?width|flex(?:-basis)?|grid-template-columns)\s*:\s*([^;}]+)", rules
    ):
        for number, unit in re.findall(r"([\d.]+)(px|rem|em)\b", value):
            if float(number) * sizes[unit] > 390:
                wide.append(f"{prop}: {value}")
    assert wide == []


def test_every_class_the_style_names_is_in_the_page() -> None:
    """No dead rules: each class of style.css is in a template, in app.js or in the web
    modules, or is made by a template from a prefix (class="status-{{ category }}")."""
    web = STATIC.parent
    sources = "\n".join(
        path.read_text(encoding="utf-8")
        for path in [*web.glob("templates/*.html"), *web.glob("*.py"), STATIC / "app.js"]
    )
    prefixes = set(re.findall(r"([\w-]+-)\{\{", sources))
    unused = [
        name
        for name in sorted(set(re.findall(r"\.([a-z][\w-]*)", _COMMENT.sub("", STYLE))))
        if not re.search(rf"(?<![\w-]){name}(?![\w-])", sources)
        and not any(name.startswith(prefix) for prefix in prefixes)
    ]
    assert unused == []


# On a phone and at 200 % zoom.


_TARGETS = """() => [...document.querySelectorAll(
    "input[type=checkbox], button, main li > a, .crumbs a, .actions a, .row-actions a, "
    + "details.tech > summary, .pick-filter input")]
  .filter(el => el.checkVisibility())
  .map(el => [el.outerHTML.slice(0, 60), el.getBoundingClientRect()])
  .filter(([, box]) => box.width < 24 || box.height < 24)
  .map(([html, box]) => `${html} ${Math.round(box.width)}x${Math.round(box.height)}`)"""

_LOW_CONTRAST = """() => {
  const rgb = c => c.match(/[\\d.]+/g).map(Number);
  const lum = c => rgb(c).slice(0, 3).map(v => v / 255)
    .map(v => v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const behind = el => {
    for (; el; el = el.parentElement) {
      const c = getComputedStyle(el).backgroundColor;
      if (rgb(c).length < 4 || rgb(c)[3] > 0) return c;
    }
    return "rgb(255, 255, 255)";
  };
  return [...document.querySelectorAll("body *")].filter(el =>
      [...el.childNodes].some(n => n.nodeType === 3 && n.data.trim())
      && el.checkVisibility() && el.getBoundingClientRect().width > 1
      && !el.closest("button[disabled], .sr-only"))
    .map(el => {
      const [a, b] = [lum(getComputedStyle(el).color), lum(behind(el))].sort((x, y) => y - x);
      return [el.outerHTML.slice(0, 50), (a + 0.05) / (b + 0.05)];
    })
    .filter(([, ratio]) => ratio < 4.5)
    .map(([html, ratio]) => `${html} ${ratio.toFixed(2)}`);
}"""


@pytest.mark.parametrize("width", [320, 390, 640, 1280])
def test_the_page_fits_the_screen_with_targets_a_finger_can_hit(page: Page, width: int) -> None:
    """No sideways scrolling (640 px is a 1280 px screen at 200 %), targets of 24 px at least,
    text at 4.5:1 against its background, warnings and move buttons included."""
    page.set_viewport_size({"width": width, "height": 900})
    page.fill("#f-title", "Un titre bien trop long pour la limite")
    page.fill(".pick-filter input >> nth=0", "sécurité")
    assert horizontal_overflow(page) == []
    assert page.evaluate(_TARGETS) == []
    assert page.evaluate(_LOW_CONTRAST) == []


def test_without_the_script_the_page_fits_a_phone_too(browser: Browser) -> None:
    with opened(browser, width=320) as tab:
        tab.route(ORIGIN + "/**", _answer)
        tab.route(ORIGIN + "/static/app.js", lambda route: route.fulfill(body=""))
        tab.goto(ORIGIN + "/")
        assert tab.locator(".pick-filter").count() == 0
        assert horizontal_overflow(tab) == []


def test_the_keyboard_focus_is_always_visible(page: Page) -> None:
    seen = []
    for _ in range(25):
        page.keyboard.press("Tab")
        seen.append(
            page.evaluate(
                """() => { const s = getComputedStyle(document.activeElement);
                return [document.activeElement.outerHTML.slice(0, 40),
                        s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2]; }"""
            )
        )
    assert [html for html, visible in seen if not visible] == []


# Pickers.


def _shown(page: Page, picker: int) -> list[str]:
    rows = page.locator("fieldset.picker").nth(picker).locator(".pick-row:visible .pick-text")
    return [text[:20] for text in rows.all_inner_texts()]


def test_a_filter_shows_the_matching_items_and_those_checked(page: Page) -> None:
    from playwright.sync_api import expect

    search = page.get_by_role("searchbox", name="Filtrer la liste").first
    search.fill("SECURITE")  # neither case nor accents matter
    assert _shown(page, 0) == ["Article du Monde", "Note sur la sécurité"]
    search.fill("zzz")
    assert _shown(page, 0) == ["Article du Monde"]
    expect(page.locator(".pick-empty").first).to_have_text("Aucun élément ne correspond.")
    search.press("Enter")  # does not send the form
    assert page.url == ORIGIN + "/"
    search.fill("")
    assert len(_shown(page, 0)) == 3
    expect(page.locator(".pick-empty").first).to_have_text("")


def _facts(page: Page) -> list[str]:
    return list(page.evaluate("new FormData(document.querySelector('.edit-form')).getAll('facts')"))


def test_checked_items_of_an_ordered_picker_move_up_and_down(page: Page) -> None:
    from playwright.sync_api import expect

    assert page.locator("fieldset.picker").first.locator(".pick-moves").count() == 0
    assert page.locator("fieldset.picker[data-table=themes] .pick-filter").count() == 0
    up = page.get_by_role("button", name="Monter Fait deux")
    expect(page.get_by_role("button", name="Monter Fait un")).to_have_attribute(
        "aria-disabled", "true"
    )
    assert up.get_attribute("type") == "button"
    up.click()
    assert _facts(page) == ["f2", "f1"]
    assert page.evaluate("document.activeElement.textContent") == "Monter Fait deux"
    page.check("input[value=f4]")  # a newly checked item goes after the checked ones
    assert _facts(page) == ["f2", "f1", "f4"]
    expect(page.get_by_role("button", name="Descendre Fait quatre")).to_have_attribute(
        "aria-disabled", "true"
    )
    page.get_by_role("button", name="Descendre Fait deux").click()
    assert _facts(page) == ["f1", "f2", "f4"]
    page.uncheck("input[value=f1]")  # an unchecked one leaves them, and its buttons go
    assert _facts(page) == ["f2", "f4"]
    expect(page.get_by_role("button", name="Monter Fait un")).to_have_count(0)
    rows = page.locator("fieldset.picker").nth(1).locator(".pick-text").all_inner_texts()
    assert rows[:3] == ["Fait deux", "Fait quatre", "Fait un"]


def test_items_added_in_another_tab_appear_when_the_rep_comes_back(page: Page) -> None:
    page.get_by_role("searchbox", name="Filtrer la liste").first.fill("source")
    page.evaluate("window.dispatchEvent(new Event('focus'))")
    added = page.locator(".pick-row:has(input[value=d])")
    added.wait_for()
    assert added.locator("label.pick > input[type=checkbox][name=sources]").count() == 1
    assert added.locator("label.pick > span.pick-text").inner_text() == "Une source ajoutée à côté"
    assert added.locator("code").count() == 0
    assert _shown(page, 0) == ["Article du Monde", "Une source ajoutée à"]
    themes = page.locator("fieldset.picker[data-table=themes]")
    assert themes.locator(".pick-row").all_inner_texts() == ["Un thème"]
    assert themes.locator(".pick-list > p").count() == 0  # « nothing to choose from yet »
    assert themes.get_by_role("searchbox", name="Filtrer la liste").count() == 1


# Fields.


def test_a_counter_shows_the_length_and_warns_past_the_limit(page: Page) -> None:
    from playwright.sync_api import expect

    counter = page.locator("#f-title + .counter")
    expect(counter).to_have_text("8 / 20 caractères")
    assert "h-title" in (page.get_attribute("#f-title", "aria-describedby") or "").split()
    page.fill("#f-title", "Un titre bien trop long, ça")
    expect(counter).to_have_text("Trop long : 20 caractères au plus. 27 / 20 caractères")
    expect(counter).to_have_class(re.compile("counter-over"))
    assert page.input_value("#f-title") == "Un titre bien trop long, ça"
    page.fill("#f-title", "Court")
    expect(counter).to_have_text("5 / 20 caractères")


def test_a_date_typed_wrong_says_so_beside_it(page: Page) -> None:
    from playwright.sync_api import expect

    date = page.locator("#f-date")
    date.fill("")
    date.click(position={"x": 12, "y": 20})  # the day: a day alone is no date
    page.keyboard.type("31")
    date.blur()
    expect(page.locator("#m-date")).to_have_text("Cette date est incomplète ou n’existe pas.")
    expect(date).to_have_attribute("aria-invalid", "true")
    assert "m-date" in (date.get_attribute("aria-describedby") or "").split()
    date.fill("2026-11-23")
    date.blur()
    expect(page.locator("#m-date")).to_have_text("")
    expect(date).not_to_have_attribute("aria-invalid", "true")


def test_messages_as_one_types_are_tied_to_their_fields_and_announced(page: Page) -> None:
    from playwright.sync_api import expect

    title = page.locator("#f-title")
    title.fill("")
    expect(page.locator("#m-title")).to_have_text("Écrivez un titre.")
    expect(title).to_have_attribute("aria-invalid", "true")
    assert {"h-title", "m-title"} <= set((title.get_attribute("aria-describedby") or "").split())
    expect(page.locator("#live")).to_have_text("Une chose à corriger.")
    page.uncheck("input[value=a]")
    expect(page.locator("#live")).to_have_text("2 choses à corriger.")
    expect(page.locator("input[value=b]")).to_have_attribute("aria-invalid", "true")
    picker = page.locator("fieldset.picker[data-table=sources]")
    assert "m-sources" in (picker.get_attribute("aria-describedby") or "").split()
    title.fill("Un titre")
    page.check("input[value=a]")
    expect(page.locator("#live")).to_have_text("Plus rien à corriger.")
    expect(title).not_to_have_attribute("aria-invalid", "true")
    expect(page.locator("#m-title")).to_have_text("")


# Producing the documents.


def test_the_build_button_and_the_progress_speak_the_pages_language(page: Page) -> None:
    from playwright.sync_api import expect

    expect(page.locator("#progress-text")).to_have_text("En cours : 2 documents sur 5")
    assert page.get_attribute("#progress", "value") == "2"
    button = page.get_by_role("button", name="Produire les documents")
    button.click()
    expect(page.locator(".build-form button")).to_have_text("Production en cours…")
    expect(page.locator(".build-form button")).to_be_disabled()
    assert page.url == ORIGIN + "/"
