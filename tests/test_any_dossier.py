"""Documents right for a dossier other than the first one, written in a workspace made by
`briefgen init`: a divergence shows only where at least two of its facts may be read (a
public fact whose only disagreeing fact is for the reps carries no « sources divergentes »
mark in a document for staff or management), a source's note stays in the reps' note, and
the example union's name signs nothing of a real union's."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from briefgen.build import DOCUMENTS, Options, render_document
from briefgen.load import load_dossier
from briefgen.workspace import find_workspace
from conftest import EXAMPLE, invoke_in

REPS_ONLY = """
  - id: chiffre-interne
    statement: Selon un élu, l'outil concernerait plutôt 150 salariés.
    value: 150
    unit: salariés
    audience: reps
    union_position: true
"""


@pytest.fixture
def dossier(tmp_path: Path) -> Path:
    """The `init` example, with a divergence between its public figure and a reps-only one."""
    folder = tmp_path / "ws" / "seeds" / "exemple"
    shutil.copytree(EXAMPLE, folder)
    (tmp_path / "ws" / "briefgen.toml").write_text("")
    facts = folder / "facts.yaml"
    text = facts.read_text(encoding="utf-8").replace("\nthemes:", REPS_ONLY + "\nthemes:", 1)
    text += (
        "\ndivergences:\n  - id: effectif-concerne\n    subject: Combien de salariés ?\n"
        "    facts: [deploiement, chiffre-interne]\n"
    )
    facts.write_text(text, encoding="utf-8")
    return folder


def _html(folder: Path, kind: str) -> str:
    workspace = find_workspace(folder.parent.parent)
    built = render_document(
        load_dossier(folder), DOCUMENTS[kind], Options(formats=("html",)), workspace
    )
    return built.files["html"].decode()


@pytest.mark.parametrize("kind", ["tract", "declaration", "questions", "avis"])
def test_a_reps_only_disagreement_leaves_no_mark_in_a_public_document(
    dossier: Path, kind: str
) -> None:
    page = _html(dossier, kind)
    assert "sources divergentes" not in page.lower()
    assert "150" not in page and "Combien de salariés" not in page


def test_the_reps_note_shows_the_divergence(dossier: Path) -> None:
    page = _html(dossier, "note")
    assert "sources divergentes" in page.lower()
    assert "Combien de salariés" in page


def test_a_source_note_is_for_the_reps_only(dossier: Path) -> None:
    sources = dossier / "sources.yaml"
    note = "Reçu par un élu, non publié, ne pas citer en séance."
    text = sources.read_text(encoding="utf-8")
    sources.write_text(
        text.replace("    kind: official\n", f"    kind: official\n    note: {note}\n", 1),
        encoding="utf-8",
    )
    assert note in sources.read_text(encoding="utf-8")
    for kind in ("tract", "declaration", "questions", "avis"):
        assert "ne pas citer en séance" not in _html(dossier, kind), kind
    assert "ne pas citer en séance" in _html(dossier, "note")


def test_a_workspace_from_init_signs_with_the_dossier_s_own_unions(tmp_path: Path) -> None:
    from briefgen.scaffold import init_workspace

    root = tmp_path / "ws"
    init_workspace(root)
    dossier = root / "seeds" / "exemple" / "dossier.yaml"
    text = dossier.read_text(encoding="utf-8").replace("[Syndicat Exemple]", "[CGT, SUD]")
    dossier.write_text(text, encoding="utf-8")
    documents = root / "seeds" / "exemple" / "documents.yaml"
    text = documents.read_text(encoding="utf-8").replace("du Syndicat Exemple", "CGT et SUD")
    documents.write_text(text, encoding="utf-8")
    facts = root / "seeds" / "exemple" / "facts.yaml"  # a question asked: a register too
    text = facts.read_text(encoding="utf-8")
    text = text.replace(
        "  - id: q-consultation\n", "  - id: q-consultation\n    asked_on: 2026-11-02\n"
    )
    facts.write_text(text, encoding="utf-8")
    for kind in DOCUMENTS:
        page = re.sub(r"<[^>]+>", "", _html(root / "seeds" / "exemple", kind))
        assert "Syndicat Exemple" not in page, kind
        assert "CGT · SUD" in page, kind


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (  # the question itself is for the reps
            "    legal: [l2312-8]\n\ndemands:",
            "    legal: [l2312-8]\n    audience: reps\n\ndemands:",
        ),
        (  # the only fact it rests on is
            "    union_position: true\n",
            "    union_position: true\n    audience: reps\n",
        ),
    ],
    ids=["reps-only-question", "question-on-a-reps-only-fact"],
)
def test_no_letter_of_written_questions_without_a_question_for_management(
    dossier: Path, old: str, new: str
) -> None:
    """A dossier with no question management may read gets no empty letter: the build
    says why, and asking for the letter is an error that names the section."""
    workspace = dossier.parent.parent
    questions = dossier / "facts.yaml"
    text = questions.read_text(encoding="utf-8")
    assert old in text
    questions.write_text(
        text.replace(old, new, 1),
        encoding="utf-8",
    )
    code, _, err = invoke_in(workspace, "build", str(dossier), "--out", str(workspace / "out"))
    assert code == 0, err
    assert "no questions: the dossier has no 'questions' section" in err
    assert not list(workspace.glob("out/*/questions-ecrites.pdf"))
    assert (workspace / "out" / "exemple" / "note-de-briefing.pdf").is_file()
    code, _, err = invoke_in(workspace, "build", str(dossier), "--doc", "questions")
    assert code != 0
    assert "needs a 'questions' section" in err
