"""A dossier's deadlines and meetings as an iCalendar file (.ics), for each rep's calendar.

Every clock of `deadlines.deadlines` becomes an all-day event: its summary in the
dossier's language, a description with what to do and the legal basis, and an alarm the
day before. The file depends on the dossier alone (stable UIDs; DTSTAMP from the dossier's
`date`, not the time it is made): the same dossier gives the same bytes.
"""

from __future__ import annotations

import datetime as dt

from icalendar import Alarm, Calendar, Event

from .deadlines import Deadline, Visible, deadlines
from .i18n import _, using
from .models import Dossier

PRODID = "-//briefgen//deadlines//FR"
ALARM_BEFORE = dt.timedelta(days=-1)
"""When the alarm rings: the day before."""


def filename(public: bool) -> str:
    """The file's name in output/<dossier id>/: the reps' own, or the one staff may see."""
    return "echeances-public.ics" if public else "echeances.ics"


def _uid(dossier: Dossier, deadline: Deadline) -> str:
    parts = [dossier.id, deadline.kind, deadline.ref or "", deadline.day.isoformat()]
    return "-".join(part for part in parts if part) + "@briefgen"


def _event(dossier: Dossier, deadline: Deadline, stamp: dt.datetime) -> Event:
    summary = str(deadline.title)
    lines = [str(deadline.todo)]
    if deadline.basis:
        lines.append(
            _("Legal basis: article %(article)s of the Code du travail.", article=deadline.basis)
        )
    event = Event()
    event.add("uid", _uid(dossier, deadline))
    event.add("dtstamp", stamp)
    event.add("dtstart", deadline.day)
    event.add("dtend", deadline.day + dt.timedelta(days=1))
    event.add("summary", summary)
    event.add("description", "\n".join(lines))
    event.add("transp", "TRANSPARENT")
    if deadline.basis:
        event.add("categories", [deadline.basis])
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("trigger", ALARM_BEFORE)
    alarm.add("description", summary)
    event.add_component(alarm)
    return event


def ics(dossier: Dossier, visible: Visible | None = None) -> bytes:
    """The iCalendar file of every deadline and meeting of `dossier` (only those about items
    `visible` allows, if given), in the dossier's language."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", dossier.title)
    stamp = dt.datetime.combine(dossier.date, dt.time(), tzinfo=dt.UTC)
    with using(dossier.lang):
        for deadline in deadlines(dossier, visible):
            calendar.add_component(_event(dossier, deadline, stamp))
    return bytes(calendar.to_ical())
