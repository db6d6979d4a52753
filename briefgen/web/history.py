"""The history of the saves made from the page, and undoing one.

An undo is checked as a save is: the dossier as the undo would leave it must
bring no new error (a question citing the fact the undo removes…), checked
under the dossier's save lock so that no other save slips in between.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, render_template, url_for

from .. import i18n
from ..errors import BriefgenError, Problem
from ..i18n import Message, _, lazy
from ..store import DossierFiles, Saved, StaleError, Vet, planning
from .editing import after_save, files_of
from .findings import check_after, field_message, who
from .parts import TABLES, item_text, raw_items, shorten
from .security import check_csrf
from .state import State, state

bp = Blueprint("history", __name__)

CITED = re.compile(r"\.(sources|facts|legal)\[\d+\]$")
"""The end of the field path of a reference: the list of ids it is in says what it names."""
SOME = {"sources": lazy("a source"), "facts": lazy("a fact"), "legal": lazy("a legal reference")}


@dataclass
class Refused(Exception):
    """An undo refused: why, in words, and the technical details."""

    reasons: list[str]
    details: list[str] = field(default_factory=list)
    advice: str | None = None


def when(moment: str) -> str:
    """A save's time in words, in the reader's language: « samedi 5 décembre 2026 à 18 h 04 »."""
    from babel.dates import format_date, format_time

    locale = i18n.babel_locale()
    stamp = dt.datetime.fromisoformat(moment)
    # The time's pattern in Babel's notation (Unicode LDML): « 18 h 04 » in French.
    clock = format_time(stamp, _("h:mm a"), locale=locale)
    return _("%(date)s at %(time)s", date=format_date(stamp, "full", locale=locale), time=clock)


def _blocked(files: DossierFiles, entries: list[Saved]) -> dict[int, str]:
    """Why each save that cannot be undone cannot, in words."""
    undone = {e.undo_of: e for e in entries if e.undo_of is not None}
    reasons = {}
    for entry in entries:
        if files.undoable(entry, entries):
            continue
        later = [e for e in entries if e.number > entry.number and e.files.keys() & entry.files]
        if entry.number in undone:
            reasons[entry.number] = _(
                "Already undone (%(when)s).", when=when(undone[entry.number].when)
            )
        elif later:
            reasons[entry.number] = _(
                "A later save (%(when)s) changed the same part of the dossier: undo it first.",
                when=when(later[-1].when),
            )
        else:
            reasons[entry.number] = _(
                "The dossier was changed since, outside this page (in an editor of the files)."
            )
    return reasons


def _page(dossier_id: str, refused: Refused | None = None, status: int = 200) -> Response:
    files = files_of(state(), dossier_id)
    entries = files.entries()
    page = render_template(
        "history.html",
        dossier_id=dossier_id,
        entries=list(reversed(entries)),
        when=when,
        blocked=_blocked(files, entries),
        refused=refused,
    )
    return Response(page, status=status)


@bp.get("/d/<dossier_id>/history")
def history_page(dossier_id: str) -> Response:
    return _page(dossier_id)


def _reason(files: DossierFiles, problem: Problem) -> str:
    """An error an undo would bring, said to a rep: what refers to what it removes."""
    place = who(files, problem.field or "")
    cited = CITED.search(problem.field or "")
    if problem.code != "E101" or cited is None:
        return _("%(item)s: %(problem)s", item=place, problem=field_message(problem))
    table = TABLES[cited.group(1)]
    ref = problem.message.params.get("id") if isinstance(problem.message, Message) else None
    item = next((i for i in raw_items(files, table) if i.get("id") == ref), None)
    if item is None:
        return _(
            "%(item)s would cite %(what)s that no longer exists",
            item=place,
            what=SOME[table.key],
        )
    named = table.named % {"text": shorten(item_text(table, item), 70)}
    return _("%(item)s cites %(what)s, which this undo would remove", item=place, what=named)


def _technical(problem: Problem) -> str:
    """A problem as the terminal says it, its file named within the dossier (the check ran
    on a copy)."""
    named = replace(problem, file=Path(problem.file).name if problem.file else None)
    return f"{problem.code} {named}"


def _vet(app_state: State, files: DossierFiles) -> Vet:
    """What refuses an undo that would leave the dossier with a new error."""

    def vet(written: Mapping[str, bytes | None]) -> None:
        texts = {
            name: None if data is None else data.decode("utf-8", errors="replace")
            for name, data in written.items()
        }
        new, _after = check_after(app_state, files.folder, texts)
        if new:
            raise Refused(
                [_reason(files, problem) for problem in new],
                [_technical(problem) for problem in new],
                _("Change or remove what refers to it first, then undo again."),
            )

    return vet


@bp.post("/d/<dossier_id>/history/<int:number>/undo")
def undo(dossier_id: str, number: int) -> Response:
    check_csrf()
    app_state = state()
    files = files_of(app_state, dossier_id)
    if all(entry.number != number for entry in files.entries()):
        abort(404)
    try:
        with planning(files):  # no save of the page decided meanwhile
            saved = files.undo(number, vet=_vet(app_state, files))
    except StaleError as stale:
        changed = _("The dossier was changed since this save (by a later save or in an editor).")
        return _page(dossier_id, Refused([changed], [str(stale)]), status=409)
    except Refused as refused:
        return _page(dossier_id, refused, status=409)
    except BriefgenError as error:
        return _page(dossier_id, Refused([str(p.message) for p in error.problems]), status=500)
    after_save(app_state, str(saved.summary), [files.folder / n for n in saved.files])
    return redirect(url_for("history.history_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]
