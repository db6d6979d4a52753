"""The legal clocks that run between meetings, computed from the dossier, never typed.

Each clock is a `Deadline`: its day, its kind, the article it rests on, what it is and
what to do, in the reader's language. The rules (Code du travail, paraphrased):

- L2315-30: the agenda reaches the members at least 3 calendar days before a meeting;
  L2316-17: 8 days for a CSE central (`meeting.central`). The day is the meeting's minus
  3 (or 8): a meeting on Thursday 10 December has its agenda received by Monday 7.
- L2315-22, for an employer of 11 to 49 employees (`dossier.employees`): the members hand
  over their written requests 2 working days before the meeting, and management answers
  in writing within 6 working days after it.
- D2315-26: the minutes go to management within 15 days after the meeting, or before the
  next meeting if that comes sooner: then the day before the next meeting.
- R2312-5 and R2312-6: a consultation's time runs from `informed_on`; the CSE is deemed to
  have given a negative opinion 1 month after it, 2 with an expert, 3 with expertises at
  both central and establishment levels; when both levels are consulted, the
  establishment's opinion is due 7 days before the central deadline.
- L2312-15 and L2315-34: management owes a reasoned answer to a question; it is due at the
  next meeting after the question was asked (6 working days after the meeting it was asked
  for, when L2315-22 applies).

Working days (jours ouvrables) are Monday to Saturday except French public holidays, as
the `holidays` package publishes them (with Alsace-Moselle's Good Friday and 26 December
when the meeting's département is 57, 67 or 68). A count of working days starts from the
day next to the meeting (after or before it) and counts only working days, so it always
ends on a working day; the meeting's own day never counts, even when it is itself a
holiday or a Sunday. Two working days before a Tuesday meeting is the Saturday before
(Monday is one, Saturday two); before a Tuesday 26 May 2026, after Whit Monday, it is
Friday 22. Six working days after a Tuesday meeting is the Tuesday after.

A count of calendar days (the agenda's 3 or 8, the minutes' 15) is never moved when it
falls on a Sunday or a holiday: the earlier day is the one reps can rely on.

Months are counted as the law counts them: the same day number, months later, or the last
day of that month when the day does not exist (31 January + 1 month = 28 February 2026,
29 February 2028).
"""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import NamedTuple

import holidays as _holidays
from pydantic import BaseModel

from .i18n import Text, lazy, long_date
from .models import (
    Answer,
    Audience,
    Commitment,
    CommitmentState,
    Consultation,
    Dossier,
    Judgement,
    Levels,
    PastMeeting,
    Question,
)

AGENDA_DAYS = 3
"""L2315-30: calendar days between the agenda's receipt and the meeting."""
AGENDA_DAYS_CENTRAL = 8
"""L2316-17: the same for a CSE central."""
REQUESTS_WORKING_DAYS = 2
"""L2315-22: working days between the written requests and the meeting."""
ANSWERS_WORKING_DAYS = 6
"""L2315-22: working days after the meeting for management's written answers."""
MINUTES_DAYS = 15
"""D2315-26: days after the meeting for the minutes."""
ESTABLISHMENT_DAYS = 7
"""R2312-6: days before the central deadline for an establishment's opinion."""
SMALL_EMPLOYER = range(11, 50)
"""L2315-22 applies to an employer of 11 to 49 employees."""

SUBDIVISIONS = {"57": "57", "67": "6AE", "68": "6AE"}
"""Département → the `holidays` subdivision with its own public holidays (Alsace-Moselle);
the overseas départements the package knows are their own subdivision."""

KINDS = (
    "agenda",
    "requests",
    "answers",
    "minutes",
    "question",
    "commitment",
    "consultation",
    "consultation-establishment",
    "meeting",
)
"""What a deadline may be, in the order a day's deadlines are listed."""

Visible = Callable[[BaseModel], bool]
"""Whether a reader may see an item (a `models.Visibility`, or any such callable)."""


class Day:
    """A date in words, in the reader's language when shown (« 10 décembre 2026 »)."""

    __slots__ = ("value",)

    def __init__(self, value: dt.date) -> None:
        self.value = value

    def __str__(self) -> str:
        return long_date(self.value)

    def __repr__(self) -> str:
        return f"Day({self.value.isoformat()})"


@dataclass(frozen=True)
class Deadline:
    """One clock: the day, what it is, the article it rests on, and what to do."""

    day: dt.date
    kind: str
    basis: str
    title: Text = field(compare=False)
    todo: Text = field(compare=False)
    ref: str | None = None
    audience: Audience = Audience.public


# --- counting days ----------------------------------------------------------------


@cache
def public_holidays(department: str | None, year: int) -> frozenset[dt.date]:
    """French public holidays of one year, with the département's own (Alsace-Moselle:
    Good Friday and 26 December; overseas: abolition of slavery…)."""
    subdiv = SUBDIVISIONS.get(department or "", department)
    if subdiv not in _holidays.list_supported_countries()["FR"]:
        subdiv = None
    found = _holidays.country_holidays("FR", subdiv=subdiv, years=year)
    return frozenset(found)


def is_working_day(day: dt.date, department: str | None = None) -> bool:
    """A jour ouvrable: Monday to Saturday, not a public holiday."""
    return day.weekday() != 6 and day not in public_holidays(department, day.year)


def working_days(start: dt.date, count: int, department: str | None = None) -> dt.date:
    """The `count`-th working day after `start` (before it when `count` is negative);
    `start` itself never counts, whatever day it is."""
    step = dt.timedelta(days=1 if count > 0 else -1)
    day, left = start, abs(count)
    while left:
        day += step
        left -= is_working_day(day, department)
    return day


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day number `months` later, or that month's last day when it has fewer
    (31 January + 1 month = 28 February, or 29 in a leap year)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return dt.date(year, month, min(day.day, _calendar.monthrange(year, month)[1]))


# --- the clocks -------------------------------------------------------------------


def meetings(dossier: Dossier) -> list[PastMeeting]:
    """Every meeting of the dossier, past and next, in date order."""
    return sorted([*dossier.past_meetings, dossier.meeting], key=lambda m: m.date)


def small_employer(dossier: Dossier) -> bool:
    """Whether L2315-22 applies: an employer of 11 to 49 employees."""
    return dossier.employees is not None and dossier.employees in SMALL_EMPLOYER


def agenda_due(meeting: PastMeeting) -> dt.date:
    """The day the agenda must be received: 3 calendar days before (L2315-30), 8 for a CSE
    central (L2316-17)."""
    return meeting.date - dt.timedelta(AGENDA_DAYS_CENTRAL if meeting.central else AGENDA_DAYS)


def requests_due(meeting: PastMeeting) -> dt.date:
    """The day written requests are handed over: 2 working days before (L2315-22)."""
    return working_days(meeting.date, -REQUESTS_WORKING_DAYS, meeting.department)


def answers_due(meeting: PastMeeting) -> dt.date:
    """The day management's written answers are due: 6 working days after (L2315-22)."""
    return working_days(meeting.date, ANSWERS_WORKING_DAYS, meeting.department)


def minutes_due(meeting: PastMeeting, following: PastMeeting | None) -> dt.date:
    """15 days after the meeting, or the day before the next meeting if sooner
    (D2315-26)."""
    day = meeting.date + dt.timedelta(MINUTES_DAYS)
    if following is not None and following.date > meeting.date:
        day = min(day, following.date - dt.timedelta(1))
    return day


def deemed_negative(consultation: Consultation) -> dt.date | None:
    """The day the CSE is deemed to have given a negative opinion (R2312-6): 1 month after
    `informed_on`, 2 with an expert, 3 with expertises at both levels; None without
    `informed_on`."""
    if consultation.informed_on is None:
        return None
    months = 3 if consultation.expert_both_levels else 2 if consultation.expert else 1
    return add_months(consultation.informed_on, months)


def establishment_due(consultation: Consultation) -> dt.date | None:
    """When both levels are consulted, the day the establishment's opinion is due: 7 days
    before the central deadline (R2312-6); else None."""
    central = deemed_negative(consultation)
    if consultation.levels is not Levels.both or central is None:
        return None
    return central - dt.timedelta(ESTABLISHMENT_DAYS)


def _meeting_for(dossier: Dossier, asked_on: dt.date, strictly_after: bool) -> PastMeeting | None:
    for meeting in meetings(dossier):
        if meeting.date > asked_on or (meeting.date == asked_on and not strictly_after):
            return meeting
    return None


def question_due(dossier: Dossier, question: Question) -> dt.date | None:
    """The day management's answer is due; None if the question was not asked, or no
    meeting of the dossier comes after it.

    Under L2315-22 (11 to 49 employees): 6 working days after the meeting it was asked for
    (the first on or after `asked_on`). Otherwise: the next meeting after it was asked,
    where management gives its reasoned answer (L2312-15, L2315-34).
    """
    if question.asked_on is None:
        return None
    if small_employer(dossier):
        meeting = _meeting_for(dossier, question.asked_on, strictly_after=False)
        return None if meeting is None else answers_due(meeting)
    meeting = _meeting_for(dossier, question.asked_on, strictly_after=True)
    return None if meeting is None else meeting.date


def question_basis(dossier: Dossier) -> str:
    """The article a question's due date rests on."""
    return "L2315-22" if small_employer(dossier) else "L2312-15"


def _meeting_clocks(dossier: Dossier) -> Iterator[Deadline]:
    series = meetings(dossier)
    for index, meeting in enumerate(series):
        following = series[index + 1] if index + 1 < len(series) else None
        on = Day(meeting.date)
        yield Deadline(
            meeting.date,
            "meeting",
            "",
            lazy("Meeting: %(instance)s", instance=meeting.instance),
            lazy("Agenda item: %(item)s", item=meeting.agenda_item),
        )
        yield Deadline(
            agenda_due(meeting),
            "agenda",
            "L2316-17" if meeting.central else "L2315-30",
            lazy("Agenda of the meeting of %(meeting)s received at the latest", meeting=on),
            lazy("Check that every member received the agenda; if not, ask the chair for it."),
        )
        if small_employer(dossier):
            yield Deadline(
                requests_due(meeting),
                "requests",
                "L2315-22",
                lazy("Written requests for the meeting of %(meeting)s handed over", meeting=on),
                lazy("Hand management the written note of the members' requests."),
            )
            yield Deadline(
                answers_due(meeting),
                "answers",
                "L2315-22",
                lazy(
                    "Written answers to the requests of the meeting of %(meeting)s due", meeting=on
                ),
                lazy("Check management's reasoned answers are in the register."),
            )
        yield Deadline(
            minutes_due(meeting, following),
            "minutes",
            "D2315-26",
            lazy("Minutes of the meeting of %(meeting)s sent to management", meeting=on),
            lazy("The secretary sends the minutes to management."),
        )


def _item_clocks(dossier: Dossier) -> Iterator[Deadline]:
    """The clocks of what is still open: a question not answered, a commitment neither kept
    nor broken, a consultation without its opinion."""
    for question in dossier.questions:
        if is_answered(question):
            continue
        if (due := question_due(dossier, question)) is not None:
            yield Deadline(
                due,
                "question",
                question_basis(dossier),
                lazy("Answer due to the question: %(question)s", question=question.text),
                lazy("Record management's answer, or ask again at the meeting."),
                question.id,
                question.audience,
            )
    for commitment in dossier.commitments:
        if commitment.due is not None and commitment.state is CommitmentState.open:
            yield Deadline(
                commitment.due,
                "commitment",
                "",
                lazy("Commitment due: %(text)s", text=commitment.text),
                lazy("Check whether management kept it, and record it."),
                commitment.id,
                commitment.audience,
            )
    for consultation in dossier.consultations:
        if consultation.opinion_on is None:
            yield from _consultation_clocks(consultation)


def _consultation_clocks(consultation: Consultation) -> Iterator[Deadline]:
    if (central := deemed_negative(consultation)) is None:
        return
    yield Deadline(
        central,
        "consultation",
        "R2312-6",
        lazy(
            "Consultation on %(subject)s: negative opinion deemed given",
            subject=consultation.subject,
        ),
        lazy("Vote a reasoned opinion before this day, or ask for more time or information."),
        consultation.id,
    )
    if (establishment := establishment_due(consultation)) is not None:
        yield Deadline(
            establishment,
            "consultation-establishment",
            "R2312-6",
            lazy(
                "Consultation on %(subject)s: establishment's opinion due at the CSE central",
                subject=consultation.subject,
            ),
            lazy("The establishment CSE gives its opinion and sends it to the CSE central."),
            consultation.id,
        )


def _order(deadline: Deadline) -> tuple[dt.date, int, str]:
    return deadline.day, KINDS.index(deadline.kind), deadline.ref or ""


def deadlines(dossier: Dossier, visible: Visible | None = None) -> list[Deadline]:
    """Every clock of the dossier (meetings past and next, questions, commitments,
    consultations), sorted by day; only those about items `visible` allows, if given."""
    found = [*_meeting_clocks(dossier), *_item_clocks(dossier)]
    if visible is not None:
        items = _items(dossier)
        found = [d for d in found if d.ref is None or visible(items[(d.kind, d.ref)])]
    return sorted(found, key=_order)


def _items(dossier: Dossier) -> dict[tuple[str, str], BaseModel]:
    items: dict[tuple[str, str], BaseModel] = {}
    for question in dossier.questions:
        items["question", question.id] = question
    for commitment in dossier.commitments:
        items["commitment", commitment.id] = commitment
    for consultation in dossier.consultations:
        items["consultation", consultation.id] = consultation
        items["consultation-establishment", consultation.id] = consultation
    return items


# --- the follow-up ----------------------------------------------------------------


class Unanswered(NamedTuple):
    """A question asked and not (or not really) answered."""

    question: Question
    asked_on: dt.date
    due: dt.date | None
    days: int
    """Calendar days since it was asked."""


class Overdue(NamedTuple):
    """An open commitment past its due date, or a broken one."""

    commitment: Commitment
    days: int | None
    """Calendar days past its due date; None when it has none or is not past it."""


class Running(NamedTuple):
    """A consultation with no opinion yet, and its clocks."""

    consultation: Consultation
    deemed_negative: dt.date
    establishment: dt.date | None
    days_left: int
    """Calendar days from today to the deemed-negative day (negative once past)."""


@dataclass(frozen=True)
class FollowUp:
    """Where the thread stands on one day, for one audience."""

    unanswered: list[Unanswered]
    answered: list[Question]
    commitments_due: list[Overdue]
    consultations: list[Running]
    upcoming: list[Deadline]


def answer_by(question: Question, day: dt.date | None = None) -> Answer | None:
    """Management's answer to `question` if it was given by `day` (whenever, without one)."""
    answer = question.answer
    return answer if answer is not None and (day is None or answer.date <= day) else None


def is_answered(question: Question, day: dt.date | None = None) -> bool:
    """Whether `question` had its answer by `day`: an answer judged `unanswered` (it answers
    nothing) leaves the question unanswered."""
    answer = answer_by(question, day)
    return answer is not None and answer.judgement is not Judgement.unanswered


def days_late(commitment: Commitment, day: dt.date) -> int | None:
    """Calendar days from a commitment's due date to `day` once past it; None before, or
    without a due date."""
    due = commitment.due
    return (day - due).days if due is not None and due < day else None


def follow_up(dossier: Dossier, today: dt.date, visible: Visible) -> FollowUp:
    """The questions asked and not answered (with days since asked), those answered, the
    commitments overdue or broken, the consultations without an opinion (with days left),
    and the clocks from `today` on; only what `visible` allows."""
    questions = [q for q in dossier.questions if q.asked_on is not None and visible(q)]
    unanswered = [
        Unanswered(q, q.asked_on, question_due(dossier, q), (today - q.asked_on).days)
        for q in questions
        if q.asked_on is not None and not is_answered(q)
    ]
    return FollowUp(
        unanswered=unanswered,
        answered=[q for q in dossier.questions if visible(q) and is_answered(q)],
        commitments_due=list(_overdue(dossier.commitments, today, visible)),
        consultations=list(_running(dossier.consultations, today, visible)),
        upcoming=[d for d in deadlines(dossier, visible) if d.day >= today],
    )


def _overdue(
    commitments: Sequence[Commitment], today: dt.date, visible: Visible
) -> Iterator[Overdue]:
    for commitment in commitments:
        if not visible(commitment):
            continue
        days = days_late(commitment, today)
        if commitment.state is CommitmentState.broken or (
            commitment.state is CommitmentState.open and days is not None
        ):
            yield Overdue(commitment, days)


def _running(
    consultations: Sequence[Consultation], today: dt.date, visible: Visible
) -> Iterator[Running]:
    for consultation in consultations:
        central = deemed_negative(consultation)
        if central is None or consultation.opinion_on is not None or not visible(consultation):
            continue
        yield Running(
            consultation, central, establishment_due(consultation), (central - today).days
        )
