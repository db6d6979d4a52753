"""`briefgen check` knows the calendar: a deadline near or past is a warning that says
what to do, with its date in words (tests/dossiers/minimal, meeting Tuesday 1 December
2026, with a thread of questions, commitments and a consultation added)."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from briefgen.cli import main

QUESTIONS = """questions:
  - id: effectifs
    text: Combien d'agents utilisent l'outil ?
    asked_on: 2026-10-01
  - id: cout
    text: Combien coûte l'outil ?
    asked_on: 2026-10-01
    answer:
      date: 2026-11-20
      text: La direction donne le coût par agent.
"""
THREAD = """
past_meetings:
  - instance: CSE d'établissement
    date: 2026-10-15
    agenda_item: Premier point sur l'outil
commitments:
  - id: bilan
    text: Présenter un bilan de l'essai.
    made_on: 2026-10-15
    due: 2026-11-15
  - id: charte
    text: Rédiger une charte d'usage.
    made_on: 2026-10-15
    due: 2026-12-20
consultations:
  - id: outil
    subject: le nouvel outil
    informed_on: 2026-11-02
"""


def _findings(folder: Path, today: str, *args: str) -> list[tuple[str, str, str]]:
    result = CliRunner().invoke(
        main, ["--ui-lang", "en", "check", str(folder), "--format", "json", "--today", today, *args]
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    return [
        (f["code"], f["field"], f["message"])
        for f in report["findings"]
        if str(f["code"]).startswith("W6")
    ]


def _with_thread(minimal: Path, without_opinion: bool = False) -> Path:
    dossier = minimal / "dossier.yaml"
    text = dossier.read_text(encoding="utf-8")
    if without_opinion:
        text = text.split("opinion:\n")[0]
    dossier.write_text(text + THREAD, encoding="utf-8")
    facts = minimal / "facts.yaml"
    text = facts.read_text(encoding="utf-8").split("questions:\n")[0]
    facts.write_text(text + QUESTIONS, encoding="utf-8")
    return minimal


def test_deadlines_past_and_near_are_warned_with_what_to_do(minimal: Path) -> None:
    # Today 29 November 2026. effectifs, asked 1 October, was due at the next meeting,
    # 15 October: 45 days ago (cout has its answer). bilan was due 15 November: 14 days
    # overdue; charte (20 December) is further than 7 days. The consultation runs from
    # 2 November: deemed negative on 2 December, in 3 days, and a draft opinion exists.
    # The agenda of the 1 December meeting was due 28 November (3 days before).
    found = _findings(_with_thread(minimal), "2026-11-29")
    assert found == [
        (
            "W601",
            "questions[0].asked_on",
            "asked on October 1, 2026, its answer was due on October 15, 2026 (45 days ago): "
            "ask again, or record management's answer",
        ),
        (
            "W602",
            "consultations[0].informed_on",
            "the CSE will be deemed to give a negative opinion on December 2, 2026 (in 3 "
            "days): vote the opinion, then record its date (opinion_on)",
        ),
        (
            "W603",
            "commitments[0].due",
            "commitment overdue since November 15, 2026 (14 days): ask management at the "
            "meeting, or record it as kept or broken",
        ),
        (
            "W604",
            "meeting.date",
            "the agenda of the meeting of December 1, 2026 should have been received by "
            "November 28, 2026: check every member has it, else ask the chair for it",
        ),
    ]


def test_warn_days_and_a_missing_draft_opinion(minimal: Path) -> None:
    # Today 1 November 2026: nothing past yet (the answer of effectifs was due 15 October:
    # still past, 17 days). With --warn-days 31, the deemed-negative day (2 December, in
    # 31 days) is near, and the dossier has no draft opinion: write it.
    folder = _with_thread(minimal, without_opinion=True)
    assert [code for code, _, _ in _findings(folder, "2026-11-01")] == ["W601"]
    found = _findings(folder, "2026-11-01", "--warn-days", "31")
    assert [code for code, _, _ in found] == ["W601", "W602", "W603"]
    assert "write the draft opinion (opinion) and vote it before then" in found[1][2]
    assert found[2][2] == "commitment due on November 15, 2026: check it is kept"


def test_in_french_the_dates_are_in_words(minimal: Path) -> None:
    folder = _with_thread(minimal)
    result = CliRunner().invoke(
        main, ["--ui-lang", "fr", "check", str(folder), "--today", "2026-11-29"]
    )
    assert "W604" in result.stdout
    assert "1ᵉʳ décembre 2026" in result.stdout
