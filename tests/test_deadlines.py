"""The legal clocks between meetings, each against a date worked out by hand.

The dossier is tests/dossiers/minimal (meeting on Tuesday 1 December 2026), its meetings,
employees, questions, commitments and consultations replaced case by case.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from briefgen import deadlines
from briefgen.i18n import using
from briefgen.load import load_dossier
from briefgen.models import Audience, Consultation, Dossier, Visibility

D = dt.date


def _dossier(minimal: Path, **changes: Any) -> Dossier:
    """The minimal dossier with some fields replaced, validated again."""
    data = load_dossier(minimal).model_dump(mode="json", exclude_none=True)
    meeting = changes.pop("meeting", {})
    data["meeting"] = {**data["meeting"], **meeting}
    return Dossier.model_validate({**data, **changes})


def _meeting(day: str, **more: Any) -> dict[str, Any]:
    return {"instance": "CSE", "date": day, "agenda_item": "Point", **more}


def _kinds(dossier: Dossier, kind: str) -> list[D]:
    return [d.day for d in deadlines.deadlines(dossier) if d.kind == kind]


def test_agenda_three_calendar_days_before_eight_for_a_cse_central(minimal: Path) -> None:
    # Thursday 10 December 2026 − 3 calendar days = Monday 7 December (L2315-30);
    # − 8 days = Wednesday 2 December for a CSE central (L2316-17).
    local = _dossier(minimal, meeting={"date": "2026-12-10"})
    central = _dossier(minimal, meeting={"date": "2026-12-10", "central": True})
    assert _kinds(local, "agenda") == [D(2026, 12, 7)]
    assert _kinds(central, "agenda") == [D(2026, 12, 2)]
    assert [d.basis for d in deadlines.deadlines(central) if d.kind == "agenda"] == ["L2316-17"]


def test_requests_and_answers_only_for_an_employer_of_11_to_49(minimal: Path) -> None:
    # Tuesday 1 December 2026. Requests: Monday 30 Nov is 1 working day, Sunday 29 does not
    # count, Saturday 28 is 2 → 28 November. Answers: Wed 2 (1), Thu 3 (2), Fri 4 (3),
    # Sat 5 (4), Sun 6 no, Mon 7 (5), Tue 8 (6) → 8 December.
    small = _dossier(minimal, employees=30)
    assert _kinds(small, "requests") == [D(2026, 11, 28)]
    assert _kinds(small, "answers") == [D(2026, 12, 8)]
    for employees in (10, 50, None):
        large = _dossier(minimal, employees=employees)
        assert _kinds(large, "requests") == _kinds(large, "answers") == []


def test_two_working_days_before_a_tuesday_is_the_saturday_before() -> None:
    # Tuesday 8 December 2026: Monday 7 (1), Sunday 6 no, Saturday 5 (2).
    assert deadlines.working_days(D(2026, 12, 8), -2) == D(2026, 12, 5)


def test_requests_across_1_may_and_a_sunday() -> None:
    # Monday 4 May 2026: Sunday 3 no, Saturday 2 (1), Friday 1 May holiday, Thursday 30
    # April (2) → 30 April.
    assert deadlines.working_days(D(2026, 5, 4), -2) == D(2026, 4, 30)


def test_answers_across_14_july() -> None:
    # Friday 10 July 2026: Sat 11 (1), Sun 12 no, Mon 13 (2), Tue 14 July holiday, Wed 15
    # (3), Thu 16 (4), Fri 17 (5), Sat 18 (6) → 18 July.
    assert deadlines.working_days(D(2026, 7, 10), 6) == D(2026, 7, 18)


@pytest.mark.parametrize(
    ("department", "expected"), [("75", D(2026, 12, 30)), ("57", D(2026, 12, 31))]
)
def test_answers_across_25_and_26_december(department: str, expected: D) -> None:
    # Tuesday 22 December 2026: Wed 23 (1), Thu 24 (2), Fri 25 Christmas, Sat 26 (3 in
    # Paris; Saint-Étienne, a holiday, in Moselle), Sun 27 no, then Mon 28, Tue 29, Wed 30:
    # 6 on Wednesday 30 in Paris; in Moselle 28 (3), 29 (4), 30 (5), Thursday 31 (6).
    assert deadlines.working_days(D(2026, 12, 22), 6, department) == expected


@pytest.mark.parametrize(("department", "expected"), [("75", D(2026, 4, 3)), ("67", D(2026, 4, 2))])
def test_requests_across_good_friday_in_alsace(department: str, expected: D) -> None:
    # Tuesday 7 April 2026: Monday 6 Easter Monday (holiday everywhere), Sunday 5 no,
    # Saturday 4 (1), Friday 3 Good Friday: a working day in Paris (2), a holiday in Alsace,
    # where Thursday 2 is the second.
    assert deadlines.working_days(D(2026, 4, 7), -2, department) == expected


def test_a_meeting_on_a_holiday_never_counts_itself(minimal: Path) -> None:
    # A meeting on Easter Monday 6 April 2026 (a holiday): the count starts the day before
    # whatever the meeting's day is: Sunday 5 no, Saturday 4 (1), Friday 3 (2) in Paris.
    small = _dossier(minimal, employees=12, meeting={"date": "2026-04-06", "department": "75"})
    assert _kinds(small, "requests") == [D(2026, 4, 3)]


def test_minutes_fifteen_days_after_or_before_an_earlier_next_meeting(minimal: Path) -> None:
    # Past meeting Tuesday 1 December 2026 + 15 days = 16 December; the next meeting on
    # Thursday 10 December comes sooner: the day before it, 9 December. The last meeting
    # (10 December) + 15 = 25 December.
    dossier = _dossier(
        minimal, past_meetings=[_meeting("2026-12-01")], meeting={"date": "2026-12-10"}
    )
    assert _kinds(dossier, "minutes") == [D(2026, 12, 9), D(2026, 12, 25)]
    alone = _dossier(minimal)
    assert _kinds(alone, "minutes") == [D(2026, 12, 16)]


@pytest.mark.parametrize(
    ("informed_on", "expert", "both", "expected"),
    [
        ("2026-01-31", False, False, D(2026, 2, 28)),  # no 31 February: the last day, 28
        ("2028-01-31", False, False, D(2028, 2, 29)),  # 2028 is a leap year: 29
        ("2026-03-31", True, False, D(2026, 5, 31)),  # expert: 2 months, 31 May exists
        ("2026-04-30", True, False, D(2026, 6, 30)),  # 30 April + 2 months = 30 June
        ("2026-11-30", True, True, D(2027, 2, 28)),  # both levels: 3 months, no 30 February
        ("2026-12-15", False, False, D(2027, 1, 15)),  # over the year's end
    ],
)
def test_deemed_negative_month_arithmetic(
    informed_on: str, expert: bool, both: bool, expected: D
) -> None:
    consultation = Consultation.model_validate(
        {
            "id": "c",
            "subject": "S",
            "informed_on": informed_on,
            "expert": expert,
            "expert_both_levels": both,
        }
    )
    assert deadlines.deemed_negative(consultation) == expected
    assert deadlines.establishment_due(consultation) is None


def test_establishment_opinion_seven_days_before_the_central_deadline() -> None:
    # 31 March 2026 + 2 months (expert) = 31 May; both levels: 7 days before, 24 May.
    consultation = Consultation.model_validate(
        {"id": "c", "subject": "S", "informed_on": "2026-03-31", "expert": True, "levels": "both"}
    )
    assert deadlines.establishment_due(consultation) == D(2026, 5, 24)
    no_date = Consultation.model_validate({"id": "c", "subject": "S", "levels": "both"})
    assert deadlines.deemed_negative(no_date) is None
    assert deadlines.establishment_due(no_date) is None


def _question(asked_on: str | None) -> dict[str, Any]:
    return {"id": "q", "text": "Combien ?", "asked_on": asked_on}


def test_question_due_at_the_next_meeting_or_six_working_days_after(minimal: Path) -> None:
    # Over 49 employees: asked on 20 November 2026, due at the next meeting, Tuesday
    # 1 December (L2312-15). Asked at that meeting, with no later one: no date yet.
    # With 30 employees (L2315-22): 6 working days after the meeting it was asked for:
    # 8 December (see above).
    for asked, employees, due in [
        ("2026-11-20", 200, D(2026, 12, 1)),
        ("2026-12-01", 200, None),
        ("2026-11-20", 30, D(2026, 12, 8)),
        ("2026-12-01", 30, D(2026, 12, 8)),
        (None, 30, None),
    ]:
        dossier = _dossier(minimal, employees=employees, questions=[_question(asked)])
        assert deadlines.question_due(dossier, dossier.questions[0]) == due, (asked, employees)


def test_every_clock_sorted_with_its_basis_and_words(minimal: Path) -> None:
    dossier = _dossier(
        minimal,
        employees=30,
        questions=[_question("2026-11-20")],
        commitments=[
            {
                "id": "formation",
                "text": "Former les agents",
                "made_on": "2026-09-30",
                "due": "2026-12-04",
                "audience": "reps",
            }
        ],
        consultations=[{"id": "outil", "subject": "l'outil", "informed_on": "2026-11-15"}],
    )
    found = deadlines.deadlines(dossier)
    assert [(d.day, d.kind, d.basis) for d in found] == [
        (D(2026, 11, 28), "agenda", "L2315-30"),  # 1 December − 3
        (D(2026, 11, 28), "requests", "L2315-22"),
        (D(2026, 12, 1), "meeting", ""),
        (D(2026, 12, 4), "commitment", ""),
        (D(2026, 12, 8), "answers", "L2315-22"),
        (D(2026, 12, 8), "question", "L2315-22"),
        (D(2026, 12, 15), "consultation", "R2312-6"),  # 15 November + 1 month
        (D(2026, 12, 16), "minutes", "D2315-26"),
    ]
    with using("fr"):
        assert "1ᵉʳ décembre 2026" in str(found[0].title)
    public = deadlines.deadlines(dossier, Visibility(dossier, Audience.public))
    assert "commitment" not in [d.kind for d in public]


def test_follow_up_counts_calendar_days(minimal: Path) -> None:
    answered = {**_question("2026-11-02"), "id": "r"}
    answered["answer"] = {"date": "2026-12-01", "text": "Douze agents."}
    hollow = {**_question("2026-11-03"), "id": "h"}
    hollow["answer"] = {"date": "2026-12-01", "text": "Rien.", "judgement": "unanswered"}
    dossier = _dossier(
        minimal,
        past_meetings=[_meeting("2026-10-01")],
        questions=[_question("2026-09-20"), answered, hollow, {"id": "n", "text": "Non posée"}],
        commitments=[
            {"id": "a", "text": "A", "made_on": "2026-10-01", "due": "2026-11-20"},
            {"id": "b", "text": "B", "made_on": "2026-10-01", "due": "2026-12-20"},
            {"id": "c", "text": "C", "made_on": "2026-10-01", "state": "broken"},
        ],
        consultations=[{"id": "o", "subject": "S", "informed_on": "2026-11-15"}],
    )
    today = D(2026, 12, 5)
    follow = deadlines.follow_up(dossier, today, Visibility(dossier, Audience.reps))
    # q asked 20 September, due at the 1 October meeting; 5 December − 20 September = 76.
    assert [(u.question.id, u.due, u.days) for u in follow.unanswered] == [
        ("q", D(2026, 10, 1), 76),
        ("h", D(2026, 12, 1), 32),
    ]
    assert [q.id for q in follow.answered] == ["r"]
    # a: 20 November to 5 December is 15 days overdue; c broken, no due date.
    assert [(o.commitment.id, o.days) for o in follow.commitments_due] == [("a", 15), ("c", None)]
    # 15 November + 1 month = 15 December: 10 days left.
    assert [(r.deemed_negative, r.days_left) for r in follow.consultations] == [
        (D(2026, 12, 15), 10)
    ]
    assert all(d.day >= today for d in follow.upcoming)
    assert follow.upcoming[0].kind == "consultation"
