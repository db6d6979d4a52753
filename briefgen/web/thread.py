"""The thread from one meeting to the next, as the dossier page shows it: the deadlines to
come (and those passed on what is still open), the questions asked and not yet answered,
and the calendar of the dossier to download (.ics).

The clocks are computed by `briefgen.deadlines`, the calendar written by
`briefgen.calendar`; this module only says them in the rep's words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, Response, flash, redirect
from flask import url_for as url

from .. import calendar, deadlines
from ..i18n import _, long_date, ngettext
from ..models import Dossier
from ..store import DossierFiles
from .parts import TABLES, raw_items, shorten
from .state import state

bp = Blueprint("thread", __name__)

SHOWN = 6
"""How many deadlines to come the first screen lists (those passed on open items besides)."""


@dataclass(frozen=True)
class Due:
    """A deadline as the first screen lists it."""

    day: dt.date
    title: str
    todo: str
    when: str
    """How far it is, in words: « dans 3 jours », « dépassé depuis 5 jours »."""
    basis: str
    """« art. L2315-30 », or empty for a meeting or a date management set itself."""
    overdue: bool

    @property
    def date(self) -> str:
        return long_date(self.day)


def days_left(day: dt.date, today: dt.date) -> str:
    """How far `day` is from `today`, in words."""
    left = (day - today).days
    if left == 0:
        return _("today")
    if left == 1:
        return _("tomorrow")
    if left > 0:
        return ngettext("in %(num)s day", "in %(num)s days", left)
    return ngettext("overdue by %(num)s day", "overdue by %(num)s days", -left)


def _open_refs(follow: deadlines.FollowUp) -> set[tuple[str, str]]:
    """The items whose passed deadline still calls for something: a question not
    answered, a commitment overdue or not kept, a consultation with no opinion yet."""
    refs = {("question", u.question.id) for u in follow.unanswered}
    refs |= {("commitment", o.commitment.id) for o in follow.commitments_due}
    kinds = ("consultation", "consultation-establishment")
    return refs | {(kind, r.consultation.id) for r in follow.consultations for kind in kinds}


def due_list(dossier: Dossier, today: dt.date) -> list[Due]:
    """The deadlines the first screen lists: those passed on what is still open, then the
    next ones to come (SHOWN at most).  The page is the reps': everything is shown."""
    follow = deadlines.follow_up(dossier, today, lambda _item: True)
    still = _open_refs(follow)
    passed = [
        d for d in deadlines.deadlines(dossier) if d.day < today and (d.kind, d.ref or "") in still
    ]
    return [
        Due(
            day=d.day,
            title=str(d.title),
            todo=str(d.todo),
            when=days_left(d.day, today),
            basis=_("art. %(article)s", article=d.basis) if d.basis else "",
            overdue=d.day < today,
        )
        for d in (*passed, *follow.upcoming[:SHOWN])
    ]


@dataclass(frozen=True)
class Asked:
    """A question asked whose answer is not noted yet."""

    key: str
    text: str
    asked_on: str


def awaiting_answer(files: DossierFiles) -> list[Asked]:
    """The questions asked (a date in « asked on ») with no answer noted, as the files hold
    them: readable even while the dossier has an error elsewhere."""
    found = []
    for item in raw_items(files, TABLES["questions"]):
        asked: Any = item.get("asked_on")
        if isinstance(asked, dt.date) and not item.get("answer") and item.get("id"):
            found.append(
                Asked(str(item["id"]), shorten(str(item.get("text", "")), 160), long_date(asked))
            )
    return found


@bp.get("/d/<dossier_id>/calendar.ics")
def calendar_file(dossier_id: str) -> Response:
    """The dossier's deadlines and meetings as an iCalendar file, for the rep's calendar."""
    app_state = state()
    dossier, _problems = app_state.findings(app_state.dossier_dir(dossier_id))
    if dossier is None:
        flash(_("The calendar can be made once the dossier's errors are corrected."), "error")
        return redirect(url("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
    response = Response(calendar.ics(dossier), mimetype="text/calendar")
    name = f"{dossier_id}-{calendar.filename(public=False)}"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
