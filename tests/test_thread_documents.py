"""The documents use the thread between meetings (issue 21): the opening statement recalls
the questions left without answer and the commitments not kept, the note follows them up,
the draft opinion says what was not received and when the CSE is deemed to have given a
negative opinion, and the register lists every public question with its answer."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from conftest import invoke_in, pdf_text

THREAD = """\
past_meetings:
  - instance: CSE d'établissement
    establishment: Site de Lille
    date: 2026-10-06
    agenda_item: Présentation du projet d'outil
    sources: [pv-octobre]
commitments:
  - id: bilan
    text: Présenter au CSE un bilan écrit du test.
    made_on: 2026-10-06
    due: 2026-11-15
    sources: [pv-octobre]
  - id: charte
    text: Communiquer aux agents la charte d'usage de l'outil.
    made_on: 2026-10-06
    state: broken
  - id: primes
    text: Revoir les primes des agents du test.
    made_on: 2026-10-06
    state: broken
    audience: reps
consultations:
  - id: outil
    subject: Introduction du nouvel outil
    informed_on: 2026-11-02
"""

QUESTIONS = """\
  - id: q-calendrier
    text: Quel est le calendrier du déploiement ?
    asked_on: 2026-10-06
    answer:
      date: 2026-10-20
      by: La direction du site
      text: Le déploiement commencerait au printemps 2027, sans date arrêtée.
      sources: [pv-octobre]
      judgement: partial
  - id: q-donnees
    text: Quelles données l'outil collecte-t-il sur les agents ?
    asked_on: 2026-10-06
  - id: q-validation
    text: Le directeur régional a-t-il validé le test en secret ?
    audience: reps
    asked_on: 2026-10-06
    answer:
      date: 2026-10-21
      text: La direction confirme une validation orale du directeur régional.
      sources: [courriel-direction]
  - id: q-formation
    text: Quelle formation les agents reçoivent-ils ?
    asked_on: 2026-11-07
"""

SOURCES = """\
  - id: pv-octobre
    title: Procès-verbal de la séance du 6 octobre 2026
    publisher: CSE du site de Lille
    date: 2026-10-30
    kind: official
  - id: courriel-direction
    title: Courriel confidentiel de la direction régionale
    publisher: Direction régionale
    date: 2026-10-21
    kind: other
"""


@pytest.fixture
def threaded(minimal: Path) -> Path:
    """The minimal dossier with a past meeting, questions asked (answered or not, one for
    the reps only), commitments (one overdue, one broken, one for the reps) and a
    consultation."""
    (minimal / "dossier.yaml").write_text(
        (minimal / "dossier.yaml").read_text(encoding="utf-8") + THREAD, encoding="utf-8"
    )
    facts = minimal / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8") + QUESTIONS, encoding="utf-8")
    sources = minimal / "sources.yaml"
    sources.write_text(sources.read_text(encoding="utf-8") + SOURCES, encoding="utf-8")
    return minimal


def text_of(pdf: Path) -> str:
    """The PDF's text, with the words it hyphenated at a line's end joined again."""
    return re.sub(r"(\w)- (\w)", r"\1\2", pdf_text(pdf))


def build(folder: Path, *args: str) -> Path:
    """Build the dossier's documents (PDF) into tmp output; return the output folder."""
    out = folder.parent / "out"
    code, _, err = invoke_in(folder.parent, "build", str(folder), "--out", str(out), *args)
    assert code == 0, err
    return out / "minimal"


def test_the_declaration_recalls_unanswered_questions_and_commitments_not_kept(
    threaded: Path,
) -> None:
    text = text_of(build(threaded, "--doc", "declaration") / "declaration-liminaire.pdf")
    assert "Depuis la dernière séance" in text
    assert (
        "« Quelles données l’outil collecte-t-il sur les agents ? » : question posée le "
        "6 octobre 2026, sans réponse depuis 56 jours" in text
    )
    assert (
        "« Quelle formation les agents reçoivent-ils ? » : question posée le 7 novembre 2026, "
        "sans réponse depuis 24 jours" in text
    )
    assert "calendrier du déploiement" not in text  # answered, if partly
    assert "à tenir pour le 15 novembre 2026, en retard de 16 jours" in text
    assert (
        "« Communiquer aux agents la charte d’usage de l’outil. » : engagement pris le "
        "6 octobre 2026, non tenu." in text
    )
    for reps_only in ("directeur régional", "primes"):
        assert reps_only not in text


def test_the_register_lists_the_public_questions_and_answers_in_order(threaded: Path) -> None:
    text = text_of(build(threaded, "--doc", "registre") / "registre.pdf")
    asked = ["calendrier du déploiement", "Quelles données", "Quelle formation"]
    assert [text.find(q) for q in asked] == sorted(text.find(q) for q in asked)
    assert -1 not in [text.find(q) for q in asked]
    assert "20 octobre 2026 Le déploiement commencerait au printemps 2027" in text
    assert "réponse partielle" in text
    assert text.count("aucune réponse") == 2
    assert "Procès-verbal de la séance du 6 octobre 2026" in text
    for reps_only in ("directeur régional", "Courriel confidentiel", "primes"):
        assert reps_only not in text
    assert "Quand le CSE sera-t-il consulté" not in text  # not asked yet


def test_the_note_follows_the_thread_up(threaded: Path) -> None:
    text = text_of(build(threaded, "--doc", "note") / "note-de-briefing.pdf")
    suivi = text[text.rindex("Suivi") :]
    assert re.search(r"Question \d, posée le 6 octobre 2026", suivi)
    assert "La direction confirme une validation orale du directeur régional" in suivi
    assert "Sans réponse depuis 24 jours" in suivi
    assert re.search(r"bilan écrit du test\[\d\]\. 15 novembre 2026 en retard \(16 jours\)", suivi)
    assert "Revoir les primes des agents du test." in suivi  # the reps' own note shows it
    assert "Introduction du nouvel outil 2 novembre 2026 2 décembre 2026 1" in suivi


def test_the_draft_opinion_states_what_was_not_received_and_the_deemed_negative_date(
    threaded: Path,
) -> None:
    text = text_of(build(threaded, "--doc", "avis") / "projet-avis.pdf")
    assert "Informations demandées et non reçues" in text
    assert "question posée le 7 novembre 2026, sans réponse depuis 24 jours" in text
    assert (
        "Introduction du nouvel outil : à défaut d’avis, le CSE serait réputé avoir rendu un "
        "avis négatif le 2 décembre 2026." in text
    )
    assert "directeur régional" not in text


def test_documents_for_a_past_meeting_count_to_its_date(threaded: Path) -> None:
    out = build(threaded, "--meeting", "2026-10-06", "--doc", "registre", "--doc", "declaration")
    register = text_of(out / "registre.pdf")
    assert "Séance du 6 octobre 2026" in register
    assert "Présentation du projet d’outil" in register
    assert "Quelle formation" not in register  # asked a month later
    assert "Le déploiement commencerait" not in register  # answered on 20 October
    declaration = text_of(out / "declaration-liminaire.pdf")
    assert "séance du 6 octobre 2026" in declaration
    assert "sans réponse depuis 0 jour." in declaration
    assert "en retard" not in declaration
    code, said, err = invoke_in(threaded.parent, "verify", str(out / "registre.pdf"), str(threaded))
    assert (code, err) == (0, ""), said  # made for the past meeting, checked against it


def test_a_meeting_the_dossier_does_not_hold_is_refused(threaded: Path) -> None:
    out = threaded.parent / "out"
    code, _, err = invoke_in(
        threaded.parent, "build", str(threaded), "--out", str(out), "--meeting", "2026-11-11"
    )
    assert code == 2
    assert "no meeting on 2026-11-11 in the dossier (known: 2026-10-06, 2026-12-01)" in err
    assert not out.exists()


def test_a_dossier_without_a_thread_shows_none_of_it(minimal: Path) -> None:
    out = build(minimal)
    assert not (out / "registre.pdf").exists()
    note = text_of(out / "note-de-briefing.pdf")
    assert "Suivi" not in note
    for document in ("declaration-liminaire", "projet-avis"):
        text = text_of(out / f"{document}.pdf")
        assert "Depuis la dernière séance" not in text
        assert "non reçues" not in text
        assert "réputé avoir rendu" not in text


def test_the_register_is_not_made_before_a_question_is_asked(minimal: Path) -> None:
    out = minimal.parent / "out"
    code, _, err = invoke_in(
        minimal.parent, "build", str(minimal), "--doc", "registre", "--out", str(out)
    )
    assert code == 2
    assert "the registre needs a question asked by the meeting's date (asked_on)" in err
    assert not out.exists()


def test_staff_see_the_thread_their_questions_allow(threaded: Path) -> None:
    from briefgen.load import load_dossier
    from briefgen.models import Audience, Visibility

    dossier = load_dossier(threaded)
    staff = Visibility(dossier, Audience.public)
    questions = {q.id: q for q in dossier.questions}
    assert staff(questions["q-calendrier"].answer)
    assert not staff(questions["q-validation"].answer)
    assert [c.id for c in dossier.commitments if staff(c)] == ["bilan", "charte"]
    assert "pv-octobre" in staff.sources  # cited only by the minutes and an answer
    assert "courriel-direction" not in staff.sources
    assert "courriel-direction" in Visibility(dossier, Audience.reps).sources


def test_the_thread_passes_grammalecte(threaded: Path, tmp_path: Path) -> None:
    """The French the thread adds to the documents, judged as test_grammar judges the
    built-in dossiers' documents."""
    from test_grammar import GRAMMALECTE, findings

    if GRAMMALECTE is None:
        pytest.skip("grammalecte-cli is not installed (scripts/setup --for-tests)")
    out = build(threaded, "-f", "html")
    assert [f for page in sorted(out.glob("*.html")) for f in findings(page, tmp_path)] == []


def test_the_changes_document_names_an_answer_recorded_since(threaded: Path) -> None:
    before = threaded.parent / "before"
    before.mkdir()
    for file in threaded.iterdir():
        (before / file.name).write_bytes(file.read_bytes())
    facts = threaded / "facts.yaml"
    asked = "    asked_on: 2026-11-07\n"
    answer = "    answer:\n      date: 2026-11-20\n      text: Deux jours.\n      judgement: late\n"
    facts.write_text(facts.read_text(encoding="utf-8").replace(asked, asked + answer), "utf-8")
    out = threaded.parent / "out"
    code, _, err = invoke_in(
        threaded.parent, "diff", str(before), str(threaded), "--doc", "changes", "--out", str(out)
    )
    assert code == 0, err
    text = text_of(out / "minimal" / "ce-qui-a-change.pdf")
    assert "Réponse, Date : — → 20 novembre 2026" in text
    assert "Réponse, Appréciation : — → réponse hors délai" in text
