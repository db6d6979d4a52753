"""French grammar and typography of every document, judged by grammalecte-cli (Debian's
grammalecte-cli package), on the text of the HTML the PDF is made from: pdftotext loses
the narrow no-break spaces, which are half of what French typography checks.

A finding fails the test unless tests/grammalecte-allow.yaml accepts it; each entry
there says why.  Text tagged with another language (an English title) is left out of
the judgement: grammalecte checks French only.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from briefgen.typography import BLOCKS
from conftest import BUILT_IN, Builds, BuiltIn

GRAMMALECTE = shutil.which("grammalecte-cli")
ALLOW = yaml.safe_load((Path(__file__).parent / "grammalecte-allow.yaml").read_text("utf-8"))

if GRAMMALECTE is None:
    reason = "grammalecte-cli is not installed (Debian grammalecte-cli: scripts/setup --for-tests)"
    if os.environ.get("CI"):
        raise RuntimeError(reason)
    pytest.skip(reason, allow_module_level=True)

# Elements that start a new paragraph of text (typography's blocks), and inline elements
# the stylesheet sets apart (a badge, the grounds of a question): their text is not part
# of the sentence.
SET_APART = {"tag", "grounds"}
HIDDEN = {"head", "style", "script"}
VOID = {"br", "img", "hr", "meta", "link", "input", "col", "wbr"}


@dataclass
class Paragraph:
    text: str = ""
    foreign: list[tuple[int, int]] = field(default_factory=list)
    """Spans of text in another language than French."""


class TextOf(HTMLParser):
    """The paragraphs of an HTML page as a reader meets them, and where another language is."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[Paragraph] = []
        self.current = Paragraph()
        self.open: list[tuple[str, bool, bool, bool]] = []  # tag, apart, hidden, foreign

    def _end_paragraph(self) -> None:
        text = self.current.text
        if text.strip():
            stripped = text.lstrip()
            shift = len(text) - len(stripped)
            self.paragraphs.append(
                Paragraph(
                    stripped.rstrip(),
                    [(start - shift, end - shift) for start, end in self.current.foreign],
                )
            )
        self.current = Paragraph()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        classes = set((attributes.get("class") or "").split())
        apart = tag in BLOCKS or bool(classes & SET_APART)
        if apart:
            self._end_paragraph()
        if tag in VOID:
            return
        lang = attributes.get("lang")
        foreign = bool(lang) and not str(lang).lower().startswith("fr")
        self.open.append((tag, apart, tag in HIDDEN, foreign))

    def handle_endtag(self, tag: str) -> None:
        while self.open:
            name, apart, _, _ = self.open.pop()
            if apart:
                self._end_paragraph()
            if name == tag:
                break

    def handle_data(self, data: str) -> None:
        if any(hidden for _, _, hidden, _ in self.open):
            return
        text = re.sub(r"[\n\t ]+", " ", data)
        start = len(self.current.text)
        self.current.text += text
        if any(foreign for _, _, _, foreign in self.open):
            self.current.foreign.append((start, start + len(text)))


def paragraphs(html_file: Path) -> list[Paragraph]:
    parser = TextOf()
    parser.feed(html_file.read_text(encoding="utf-8"))
    parser.close()
    parser._end_paragraph()
    return parser.paragraphs


def token(line: str, start: int, end: int) -> str:
    """The word a finding underlines, widened to the surrounding non-space characters and
    stripped of the punctuation around it (allthe.news, RG 22/00134)."""
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    while end < len(line) and not line[end].isspace():
        end += 1
    word = line[start:end].split("[")[0]  # a reference call glued to the word
    return word.strip(",;:.!?()«»[]\u202f\u00a0")


def allowed(kind: str, rule: str, word: str, around: str = "") -> bool:
    """Whether a finding is accepted: its `word`, or for an entry with `around:` the text
    from the character before the underline (`around`), matches the allow-list."""
    if kind == "spelling":
        word = re.sub(r"^(?:[dlnjmtsc]|qu)’", "", word)  # d’AEF: the word is AEF
        return word in ALLOW["spelling"]["words"] or any(
            re.fullmatch(pattern, word) for pattern in ALLOW["spelling"]["patterns"]
        )
    return any(
        entry["rule"] == rule
        and (
            re.match(entry["around"], around)
            if "around" in entry
            else re.fullmatch(entry["token"], word)
        )
        for entry in ALLOW["grammar"]
    )


def findings(html_file: Path, scratch: Path) -> list[str]:
    """grammalecte-cli's findings on the French text of a page, minus the allowed ones, as
    « line: rule: underlined text (message) »."""
    found = paragraphs(html_file)
    lines, foreign = [p.text for p in found], [p.foreign for p in found]
    text_file = scratch / f"{html_file.stem}.txt"
    text_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run(
        [str(GRAMMALECTE), "-f", str(text_file), "-j"],
        capture_output=True,
        text=True,
        check=True,
    )
    report: dict[str, Any] = json.loads(result.stdout)
    kept = []
    for entry in report["data"]:
        index = entry["iParagraph"] - 1
        line = lines[index]
        for kind, key, rule_key in (
            ("grammar", "lGrammarErrors", "sRuleId"),
            ("spelling", "lSpellingErrors", "sType"),
        ):
            for error in entry[key]:
                start, end = error["nStart"], error["nEnd"]
                if any(start < f_end and f_start < end for f_start, f_end in foreign[index]):
                    continue
                rule = error[rule_key]
                word = token(line, start, end)
                if not allowed(kind, rule, word, line[max(0, start - 1) :]):
                    message = error.get("sMessage", "unknown word")
                    kept.append(f"{html_file.name}:{index + 1}: {rule}: {word!r} ({message})")
    return kept


SOFTWARE_BUGS: dict[tuple[str, str], str] = {}
"""Findings the software makes in a dossier's documents, not the dossier's text: each one
fails the test when fixed (strict), so that it is then removed from here."""


def documents() -> list[object]:
    """Each document of each built-in dossier but the maximal one, as (dossier, file)."""
    return [
        pytest.param(
            dossier,
            name,
            id=f"{dossier.name}-{name}",
            marks=[pytest.mark.xfail(strict=True, reason=SOFTWARE_BUGS[dossier.name, name])]
            if (dossier.name, name) in SOFTWARE_BUGS
            else [],
        )
        for dossier in BUILT_IN
        if not dossier.heavy
        for name in dossier.files("html")
    ]


@pytest.mark.parametrize(("dossier", "name"), documents())
def test_every_document_passes_grammalecte(
    builds: Builds, dossier: BuiltIn, name: str, tmp_path: Path
) -> None:
    """Every built-in dossier (conftest.BUILT_IN) but the maximal one, whose note alone
    runs to some 70 pages of generated text."""
    assert findings(builds.documents(dossier) / name, tmp_path) == []


def test_the_checker_sees_what_it_must(tmp_path: Path) -> None:
    """A page with the faults the typography fixes (breakable space before ; and in a
    number, an agreement error) is reported: the test cannot pass on a mute checker."""
    page = tmp_path / "page.html"
    page.write_text(
        '<html lang="fr"><body><p>Il y a 6 000 conseillers ; les enfant jouent.</p>'
        '<p lang="en">The fines were heavy ; indeed.</p></body></html>',
        encoding="utf-8",
    )
    rules = [line.split(": ")[1] for line in findings(page, tmp_path)]
    assert "nbsp_avant_double_ponctuation" in rules
    assert "num_grand_nombre_avec_espaces" in rules
    assert any(rule.startswith("g3__gn_") for rule in rules)
    assert len(rules) == 3  # nothing from the English paragraph
