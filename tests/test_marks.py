"""What a rep would be embarrassed to hand out, on a dossier other than the first one (the
`briefgen init` example, changed in tmp_path): a unit printed twice before a key figure's
caption, a divergence marked in the tract but not in the note, and written questions that
repeat a motive word for word, leave out their later facts or present the union's analysis
as a fact."""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
from pathlib import Path

import pytest

from briefgen.build import DOCUMENTS, Options, render_document
from briefgen.lint import check_dossier
from briefgen.load import load_dossier
from briefgen.workspace import find_workspace
from conftest import EXAMPLE


@pytest.fixture
def example(tmp_path: Path) -> Path:
    """A copy of the `init` example in a workspace of its own."""
    folder = tmp_path / "ws" / "seeds" / "exemple"
    shutil.copytree(EXAMPLE, folder)
    (tmp_path / "ws" / "briefgen.toml").write_text("")
    return folder


def edit(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def text_of(folder: Path, kind: str) -> str:
    """The text a reader sees in the HTML of a document: no tags, one space between words."""
    workspace = find_workspace(folder.parent.parent)
    built = render_document(
        load_dossier(folder), DOCUMENTS[kind], Options(formats=("html",)), workspace
    )
    page = built.files["html"].decode()
    body = page[page.index("<body") :]
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_a_caption_that_starts_with_the_unit_prints_it_once(example: Path) -> None:
    edit(example, "facts.yaml", "label: concernés", "label: salariés concernés")
    for kind in ("tract", "note"):
        text = text_of(example, kind)
        assert "120 salariés concernés par l’outil" in text, kind
        assert "salariés salariés" not in text, kind
    _, findings = check_dossier(example, dt.date(2026, 12, 1))
    (warning,) = [f for f in findings if f.code == "W404"]
    assert str(warning).endswith(
        "facts[0].label: the label starts with the unit 'salariés', printed just before it: "
        "write label: concernés par l'outil"
    )


CONTRADICTION = """
  - id: effectif-syndicat
    statement: Les élus comptent plutôt 150 salariés concernés.
    value: 150
    unit: salariés
    label: concernés selon les élus
    sources: [journal-interne]
"""


def test_the_note_marks_a_disputed_key_point_and_figure_as_the_tract_does(
    example: Path,
) -> None:
    edit(example, "facts.yaml", "\nthemes:", CONTRADICTION + "\nthemes:")
    edit(
        example,
        "facts.yaml",
        "\nlegal:",
        "\ndivergences:\n  - id: effectif\n    subject: Combien de salariés ?\n"
        "    facts: [deploiement, effectif-syndicat]\n\nlegal:",
    )
    point = "sans avoir consulté le CSE [ 1 , 2 ] . sources divergentes"
    for kind in ("tract", "declaration"):
        assert point in text_of(example, kind), kind
    note = text_of(example, "note")
    assert point in note[note.index("L’essentiel") : note.index("Sommaire")]
    figures = note[note.index("Ce qu’il mesure") : note.index("Combien de salariés ?")]
    assert figures.count("sources divergentes") == 2


QUESTIONS = """
  - id: q-volume
    text: Combien de salariés utilisent l'outil, et depuis quand ?
    facts: [pas-de-consultation, deploiement]
    legal: [l2312-8]
  - id: q-rappel
    text: Le CSE recevra-t-il les documents avant la séance ?
    facts: [deploiement, pas-de-consultation]
    legal: [l2312-8]
"""


def test_each_question_shows_its_own_motives_and_points_to_those_shown_before(
    example: Path,
) -> None:
    edit(example, "facts.yaml", "\ndemands:", QUESTIONS + "\ndemands:")
    text = text_of(example, "questions")
    first, second, third = text.split("Question ")[1:4]
    assert "motive la question : Le CSE n’a pas été consulté avant le déploiement." in first
    assert "voir la question" not in first
    assert "consulté avant le déploiement. analyse syndicale" in first, "union analysis unmarked"
    assert "Ce qui motive la question : La direction déploie un outil" in second
    assert second.count("consulté avant le déploiement") == 0
    assert "pour 120 salariés du site [ 1 , 2 ] . Voir la question 1." in second
    assert "Ce qui motive la question : voir les questions 1, 2." in third
    assert text.count("La direction déploie un outil de planification") == 1
