"""What the browser tests share: the page served on a free loopback port, Debian's Chromium
driven by Playwright, and checks of what a person meets in the page: accessibility
(axe-core), sideways scrolling, text that escaped the message catalogue, and technical
details (file names, rule codes, references) shown outside their disclosure."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from briefgen.i18n import PSEUDO_CLOSE, PSEUDO_OPEN

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
NAMES = {"briefgen"}
"""Words the same in every language: the program's name."""
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def require(tool: Path, install: str) -> None:
    """Skip the test when a tool only the browser tests use is missing; fail under CI,
    where scripts/setup --for-tests has installed it."""
    if tool.exists():
        return
    message = f"{tool} is missing: run {install}"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


@contextmanager
def serving(
    workspace: Path, ui_lang: str = "fr", today: dt.date | None = None, render_workers: int = 0
) -> Iterator[str]:
    """The page of `workspace`, speaking `ui_lang`, served on a free port of 127.0.0.1 (in a
    thread of this process) while the block runs: its address, without a trailing slash.
    Documents are rendered in the request's thread, or by `render_workers` warm workers
    as `briefgen serve` has them."""
    from werkzeug.serving import WSGIRequestHandler, make_server

    from briefgen.web import create_app
    from briefgen.workspace import find_workspace

    class Quiet(WSGIRequestHandler):
        def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
            """No line per request: a failing test shows what the page did, not this."""

    app = create_app(
        find_workspace(workspace), today=today, ui_lang=ui_lang, render_workers=render_workers
    )
    httpd = make_server("127.0.0.1", 0, app, threaded=True, request_handler=Quiet)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join()
        app.extensions["briefgen"].render.shutdown()


@contextmanager
def chromium() -> Iterator[Browser]:
    """Debian's Chromium, headless, with nothing of its own reaching the network."""
    require(CHROMIUM, "scripts/setup --for-tests")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS)
        try:
            yield browser
        finally:
            browser.close()


@contextmanager
def opened(
    browser: Browser, width: int = 1280, height: int = 900, axe: bool = False
) -> Iterator[Page]:
    """A tab of a new browser context `width` pixels wide, in French. With `axe`, the page's
    Content-Security-Policy is bypassed so that axe-core can be injected: only there."""
    if axe:
        require(AXE, "scripts/setup --for-tests (npm ci)")
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="fr-FR",
        accept_downloads=True,
        bypass_csp=axe,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """What axe-core finds against WCAG 2.2 A/AA and its best practices in the page as shown:
    one entry per rule, with its help text and the selectors of the elements at fault."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """tags => axe.run(document, {
                runOnly: {type: "tag", values: tags},
                resultTypes: ["violations"],
            })
            .then(r => r.violations.map(v => ({
                rule: v.id,
                impact: v.impact,
                help: v.help,
                targets: v.nodes.map(n => n.target.map(t => [].concat(t).join(" ")).join(" >>> ")),
            })))""",
        AXE_TAGS,
    )
    return list(results)


_WHERE = """el => {
    const steps = [];
    for (let e = el; e && e !== document.body && steps.length < 4; e = e.parentElement) {
        if (e.id) { steps.unshift("#" + CSS.escape(e.id)); break; }
        const classes = [...e.classList].slice(0, 2).map(c => "." + CSS.escape(c)).join("");
        steps.unshift(e.localName + classes);
    }
    return steps.join(" > ");
}"""

_OVERFLOW = f"""() => {{
    const where = {_WHERE};
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth <= width) return [];
    const contained = node => {{
        for (let e = node.parentElement; e && e !== document.body; e = e.parentElement) {{
            if (getComputedStyle(e).overflowX !== "visible") return true;
        }}
        return false;
    }};
    const box = node => {{
        if (node.nodeType === Node.ELEMENT_NODE) return node.getBoundingClientRect();
        const range = document.createRange();
        range.selectNodeContents(node);
        return range.getBoundingClientRect();
    }};
    const out = node => {{
        const b = box(node);
        return b.width > 0 && (b.right > width + 0.5 || b.left < -0.5);
    }};
    const found = [`page ${{root.scrollWidth}}px wide in a ${{width}}px window`];
    const walker = document.createTreeWalker(
        document.body, NodeFilter.SHOW_ELEMENT | NodeFilter.SHOW_TEXT);
    for (let node = walker.currentNode; node; node = walker.nextNode()) {{
        if (node.nodeType === Node.TEXT_NODE && !node.data.trim()) continue;
        if (!out(node) || contained(node) || out(node.parentElement)) continue;
        const b = box(node);
        const what = node.nodeType === Node.ELEMENT_NODE ? where(node)
            : `text "${{node.data.trim().slice(0, 40)}}" in ${{where(node.parentElement)}}`;
        found.push(`${{what}} (${{Math.round(b.left)}}px to ${{Math.round(b.right)}}px)`);
    }}
    return found;
}}"""


def horizontal_overflow(page: Page) -> list[str]:
    """Nothing when the page fits its window's width; else how wide it is, then each element
    or text that sticks out (the outermost of a nest; not inside a box that scrolls or clips
    it), as a selector with its left and right edges."""
    return list(page.evaluate(_OVERFLOW))


_SHOWN_TEXT = f"""() => {{
    const where = {_WHERE};
    const closed = node => node.parentElement && node.parentElement.closest("details:not([open])");
    const folded = node => {{
        for (let d = closed(node); d; d = closed(d)) {{
            const summary = d.querySelector(":scope > summary");
            if (!summary || !summary.contains(node)) return true;
        }}
        return false;
    }};
    const shown = node => {{
        const el = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
        return el && el.checkVisibility({{checkVisibilityCSS: true}}) && !folded(node);
    }};
    const found = [[document.title, "title"]];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {{
        const el = node.parentElement;
        if (!node.data.trim() || !shown(node)) continue;
        if (el.closest("script, style, template, noscript, textarea, select")) continue;
        found.push([node.data, where(el)]);
    }}
    const named = "[placeholder], [aria-label], [title], [alt], "
        + "input[type=submit][value], input[type=button][value], input[type=reset][value]";
    for (const el of document.body.querySelectorAll(named)) {{
        if (!shown(el)) continue;
        for (const name of ["placeholder", "aria-label", "title", "alt"]) {{
            if (el.hasAttribute(name)) found.push([el.getAttribute(name), where(el) + "@" + name]);
        }}
        if (el.localName === "input" && el.hasAttribute("value")) found.push([el.value, where(el)]);
    }}
    for (const select of document.body.querySelectorAll("select")) {{
        if (!shown(select)) continue;
        for (const option of select.options) found.push([option.text, where(select) + " option"]);
    }}
    return found;
}}"""


def shown_text(page: Page) -> list[tuple[str, str]]:
    """Every piece of text a person may read or hear in the page, with where it is: the text
    of visible elements (not inside a closed <details>), the tab's title, placeholders,
    aria-labels, titles, alt texts, the words on submit inputs and the options of lists."""
    return [(text, where) for text, where in page.evaluate(_SHOWN_TEXT)]


_INNERMOST = re.compile(f"{PSEUDO_OPEN}[^{PSEUDO_OPEN}{PSEUDO_CLOSE}]*{PSEUDO_CLOSE}")
_MONTHS = (
    "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre|"
    "january|february|march|april|may|june|july|august|september|october|november|december|"
    "janv|févr|avr|juil|sept|oct|nov|déc|jan|feb|mar|apr|jun|jul|aug|sep|dec"
)
_DAYS = (
    "lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    "monday|tuesday|wednesday|thursday|friday|saturday|sunday"
)
_NOT_WORDS = [
    re.compile(
        rf"\b(?:(?:{_DAYS})\s+)?\d{{1,2}}(?:er)?\.?\s+(?:{_MONTHS})\.?(?:\s+\d{{4}})?", re.I
    ),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{1,2}}(?:st|nd|rd|th)?,?\s+\d{{4}}", re.I),
    re.compile(rf"\b(?:{_MONTHS})\.?\s+\d{{4}}", re.I),
    re.compile(r"\b\d{1,2}\s*h\s*\d{2}\b"),  # 10 h 12
    re.compile(r"\b\d+(?:[.,]\d+)?\s*(?:[KMGT]i?B|[kKMGT]o|octets?|bytes?|B|o)\b"),
    re.compile(r"\d+"),
]
_DATES = _NOT_WORDS[:3]
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")


def _plain(text: str) -> str:
    """Text as compared: typographic apostrophes straight, every space one space."""
    return _SPACES.sub(" ", text.replace("\u2019", "'")).strip()


def untranslated(page: Page, data: set[str]) -> list[str]:
    """Text shown in the page (under the pseudo-language `briefgen.i18n.PSEUDO`) that escaped
    the catalogue, as '"text" at selector': what remains of each piece of shown text once
    every ⟦…⟧ segment, every dossier string of `data`, the program's name, and numbers,
    dates, file sizes and punctuation are gone.  Several words found inside a dossier
    string are that string cut short, or split by markup: they go too."""
    strings = sorted({_plain(d) for d in data | NAMES if d.strip()}, key=len, reverse=True)
    dossier = re.compile("|".join(rf"(?<!\w){re.escape(s)}(?!\w)" for s in strings) or "(?!)")
    found: list[str] = []
    for text, where in shown_text(page):
        rest = text
        while _INNERMOST.search(rest):
            rest = _INNERMOST.sub(" ", rest)
        left = _leftovers(rest, strings, dossier)
        if left:  # a date the dossier's strings cut (its day or year is one of them)?
            undated = rest
            for pattern in _DATES:
                undated = pattern.sub(" ", undated)
            left = left if _leftovers(undated, strings, dossier) else []
        found += [f"{piece!r} at {where}" for piece in left]
    return found


def _leftovers(rest: str, strings: list[str], dossier: re.Pattern[str]) -> list[str]:
    """What of `rest` is neither dossier text nor numbers, dates, sizes or punctuation."""
    left = []
    pieces = [rest] if _dossier_words(rest, strings) else dossier.split(rest)
    for piece in pieces:
        if _dossier_words(piece, strings):
            continue
        for pattern in _NOT_WORDS:
            piece = pattern.sub(" ", piece)
        if _LETTER.search(piece):
            left.append(_EDGES.sub("", _plain(piece)))
    return left


_LETTER = re.compile(r"[^\W\d_]")
_EDGES = re.compile(r"^[\W\d_]+|[\W\d_]+$")


def _dossier_words(text: str, strings: list[str]) -> bool:
    """Whether `text` has no letter, or is several whole words of one of `strings`."""
    core = _EDGES.sub("", _plain(text))
    if not _LETTER.search(core):
        return True
    pattern = re.compile(rf"(?<!\w){re.escape(core)}(?!\w)")
    return " " in core and any(pattern.search(s) for s in strings)


_TECHNICAL = [
    re.compile(r"[\w.-]+\.(?:ya?ml|txt|toml|j2|md|css|html?|json|pdf|odt|docx|zip)\b"),
    re.compile(r"\b[EW]\d{3}\b"),  # a rule code
    re.compile(r"\b\w+(?:\[\d+\])+(?:\.\w+)*"),  # a field path: facts[3].sources[0]
    re.compile(r"\b(?:ligne|line) \d+"),
]
_URL = re.compile(r"https?://\S+")


def technical_text(page: Page, ids: set[str]) -> list[str]:
    """What the page shows outside a closed « Détails techniques » disclosure that only a
    YAML editor understands, as '"what" at selector': file names, rule codes, field paths,
    line numbers, and `ids` (the references of a dossier's items, its folder name).  An id
    with a hyphen or a digit counts wherever it stands (but not as part of a web address,
    such as infos-it.fr), a plain word only on its own."""
    distinctive = sorted((i for i in ids if re.search(r"[-\d]", i)), key=len, reverse=True)
    patterns = [
        *_TECHNICAL,
        re.compile(
            "|".join(rf"(?<![\w.-]){re.escape(i)}(?!\.?[\w-])" for i in distinctive) or "(?!)"
        ),
    ]
    found: list[str] = []
    for text, where in shown_text(page):
        text = _URL.sub(" ", _plain(text))
        hits = [m.group() for p in patterns for m in p.finditer(text)]
        if _EDGES.sub("", text) in ids:
            hits.append(_EDGES.sub("", text))
        found.extend(f"{hit!r} at {where}" for hit in hits)
    return found
