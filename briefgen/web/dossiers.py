"""The workspace's dossiers: the home page, and making a new dossier or a copy of one.

A new dossier, or a copy, is written in a folder of its own under `.briefgen/` (the
workspace's working folder, on the same disk as seeds/), through `briefgen.store` as
any save, then renamed into seeds/ at once: the workspace never lists half a dossier.
"""

from __future__ import annotations

import datetime as dt
import errno
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from pydantic import BaseModel, ValidationError, create_model
from pydantic.fields import FieldInfo

from .. import i18n
from ..errors import BriefgenError
from ..i18n import _, lazy
from ..load import dossier_files, error_message
from ..models import Dossier, Meeting, Model
from ..store import DossierFiles, Edit, commit
from .parts import dossier_data, make_id
from .security import check_csrf
from .state import State, state

bp = Blueprint("dossiers", __name__)

INSTANCES = (
    "CSE",
    "CSE central",
    "CSE d'établissement",
    "CSSCT",
    "Comité de groupe",
    "Comité d'entreprise européen",
)
"""Bodies a meeting is commonly held by, offered as the rep types: the names of French
institutions, written into the dossier as they are (not words of the page)."""


class Readiness(StrEnum):
    """How far a dossier is from its documents."""

    ready = "ready"
    """Nothing missing, no error: the documents can be produced."""
    incomplete = "incomplete"
    """Only content still to write: required fields or lists left empty, items not used yet
    (with only unused items, the documents can already be produced)."""
    errors = "errors"
    """Something else stops the documents: it must be corrected."""


READINESS_LABELS = {
    Readiness.ready: lazy("ready"),
    Readiness.incomplete: lazy("to complete"),
    Readiness.errors: lazy("errors to fix"),
}

MISSING_TYPES = frozenset({"missing", "too_short", "string_too_short"})
"""Pydantic error types that mean content not written yet (a field or a list left empty)."""
UNUSED_CODES = frozenset({"E105", "W105"})
"""Rule codes of an item nothing uses yet: content still to write, not a mistake."""


@dataclass(frozen=True)
class DossierState:
    """What a rep needs to know of a dossier at a glance, even when it does not validate."""

    id: str
    readiness: Readiness
    title: str
    """Its title as its files hold it; the folder's name when it has none."""
    employer: str | None
    meeting: dt.date | None
    errors: int
    """Problems to correct before the documents can be produced."""
    missing: int
    """Pieces of content still to write (fields, lists, items not used yet)."""
    warnings: int

    @property
    def label(self) -> str:
        """The state in words, in the reader's language."""
        return str(READINESS_LABELS[self.readiness])


def _text(value: Any) -> str | None:
    """A scalar of the YAML as one line of text, or None for nothing or a structure."""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        text = " ".join(str(value).split())
        return text or None
    return None


def _missing_content(data: Mapping[str, Any]) -> tuple[int, int]:
    """(content still to write, other schema errors) of the dossier's raw fields."""
    try:
        Dossier.model_validate(data)
    except ValidationError as exc:
        found = exc.errors()
        missing = sum(e["type"] in MISSING_TYPES or e["input"] is None for e in found)
        return missing, len(found) - missing
    return 0, 0


def dossier_state(app_state: State, folder: Path) -> DossierState:
    """The state of the dossier in `folder`: ready, to complete or with errors to fix, its
    title, employer and meeting date (read even when it does not validate), and counts."""
    _, problems = app_state.findings(folder)
    data = dossier_data(DossierFiles.in_workspace(app_state.workspace.root, folder))
    errors = [p for p in problems if p.severity == "error" and p.code not in UNUSED_CODES]
    schema = [p for p in errors if p.code == "E002"]
    blocking = len(errors) - len(schema)
    missing, wrong = _missing_content(data) if schema else (0, 0)
    missing += sum(p.code in UNUSED_CODES for p in problems)
    if blocking or wrong:
        readiness = Readiness.errors
    elif missing:
        readiness = Readiness.incomplete
    else:
        readiness = Readiness.ready
    meeting = data.get("meeting")
    when = meeting.get("date") if isinstance(meeting, dict) else None
    return DossierState(
        id=folder.name,
        readiness=readiness,
        title=_text(data.get("title")) or folder.name,
        employer=_text(data.get("organisation")),
        meeting=when if isinstance(when, dt.date) else None,
        errors=blocking + wrong,
        missing=missing,
        warnings=sum(p.severity == "warning" for p in problems),
    )


def _upcoming_first(today: dt.date) -> Callable[[DossierState], tuple[int, int, str]]:
    """Sort key: meetings to come, the next first; then past ones, the latest first; then
    dossiers with no meeting date."""

    def key(found: DossierState) -> tuple[int, int, str]:
        if found.meeting is None:
            return 2, 0, found.title.casefold()
        if found.meeting >= today:
            return 0, found.meeting.toordinal(), found.title.casefold()
        return 1, -found.meeting.toordinal(), found.title.casefold()

    return key


@bp.get("/")
def index() -> str:
    app_state = state()
    seeds = app_state.workspace.seeds
    found = [dossier_state(app_state, seeds / name) for name in app_state.workspace.dossiers()]
    found.sort(key=_upcoming_first(app_state.date()))
    return render_template("index.html", dossiers=found, long_date=i18n.long_date)


# -- a new dossier, or a copy ------------------------------------------------------------


def _taken(app_state: State) -> set[str]:
    """Names a new dossier may not take: its folders, and the histories of folders gone
    (a new dossier does not inherit the undo of an old one)."""
    history = app_state.workspace.root / ".briefgen" / "history"
    kept = {p.name for p in history.iterdir()} if history.is_dir() else set()
    return set(app_state.workspace.dossiers()) | kept


_placing = threading.Lock()
"""One new folder at a time: its id is chosen and taken in one step."""


def _make(
    app_state: State,
    title: str,
    fields: Callable[[str, DossierFiles], Mapping[str, Any]],
    original: Path | None = None,
) -> str:
    """Make a new dossier folder under seeds/ and return its id (made from `title`).

    It starts as a copy of `original` (YAML files and archived texts), or empty; then the
    top-level `fields(id, files)` gives are set (None: removed) as any save sets them.
    """
    work = app_state.workspace.root / ".briefgen"
    work.mkdir(parents=True, exist_ok=True)
    with _placing, tempfile.TemporaryDirectory(prefix="new-", dir=work) as staging:
        folder = Path(staging) / "dossier"
        folder.mkdir()
        if original is not None:
            # Links are copied as links: a copy reads no file the original does not hold.
            for path in dossier_files(original):
                shutil.copy2(path, folder / path.name, follow_symlinks=False)
            if (original / "sources").is_dir():
                shutil.copytree(original / "sources", folder / "sources", symlinks=True)
        dossier_id = make_id(title, _taken(app_state), "dossier")
        files = DossierFiles(folder, Path(staging) / "history")
        edits = [
            (files.target(key, is_list=False), Edit(key, "field", None, value))
            for key, value in fields(dossier_id, files).items()
        ]
        files.save(edits, files.versions(path for path, _ in edits), title)
        target = app_state.workspace.seeds / dossier_id
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists():  # made by another program meanwhile: never written over
            raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), str(target))
        folder.rename(target)
    if app_state.commit:
        made = sorted(p for p in target.rglob("*") if p.is_file())
        reason = commit(app_state.workspace.root, made, f"briefgen: {title}")
        if reason:
            flash(_("No git commit: %(reason)s", reason=reason), "warning")
    return dossier_id


def _field(model: type[BaseModel], name: str, optional: bool = False) -> Any:
    """A model's field for a form's model: its type, constraints and description."""
    info = model.model_fields[name]
    annotation: Any = info.annotation
    if optional:
        return annotation | None, FieldInfo.merge_field_infos(info, default=None)
    return annotation, info


MEETING_INPUTS = {"instance": "instance", "date": "meeting_date", "agenda_item": "agenda_item"}
"""The meeting's fields the new-dossier form asks in one line each, by input name."""

NewDossier = create_model(
    "NewDossier",
    __base__=Model,
    title=_field(Dossier, "title"),
    organisation=_field(Dossier, "organisation"),
    meeting=_field(Dossier, "meeting"),
)
"""What the new-dossier form asks, checked as the dossier's own fields are."""

NextMeeting = create_model(
    "NextMeeting",
    __base__=Model,
    title=_field(Dossier, "title"),
    meeting_date=_field(Meeting, "date"),
    agenda_item=_field(Meeting, "agenda_item", optional=True),
)
"""What the copy form asks: a title, the next meeting's date, perhaps a new agenda item."""


def _form_errors(exc: ValidationError, model: type[BaseModel]) -> dict[str, list[str]]:
    """Each error's message, in the reader's language, by the name of its input."""
    errors: dict[str, list[str]] = {}
    for error in exc.errors():
        names = [part for part in error["loc"] if isinstance(part, str)]
        name = MEETING_INPUTS["date"] if names[-2:] == ["meeting", "date"] else names[-1]
        errors.setdefault(name, []).append(str(error_message(error, model)))
    return errors


def _typed(*names: str) -> dict[str, str]:
    """What the rep typed in the inputs `names`, spaces trimmed; empty inputs left out (a
    required one then reads as missing, not as a value)."""
    values = {name: request.form.get(name, "").strip() for name in names}
    return {name: value for name, value in values.items() if value}


def _not_made(exc: OSError | BriefgenError) -> dict[str, Any]:
    """What the form says when the folder could not be made, with the system's words kept
    for the technical details."""
    if isinstance(exc, OSError):
        message = _(
            "The dossier could not be created on this computer's disk: nothing was written. "
            "Check that the workspace folder can be written to and that the disk is not "
            "full, then try again."
        )
    else:
        message = _(
            "The files of this dossier could not be read to copy them: nothing was written. "
            "Correct the errors its page shows, then try again."
        )
    return {"errors": {"_": [message]}, "details": str(exc)}


@bp.get("/new")
def new_dossier() -> str:
    return render_template("new_dossier.html", values={}, errors={}, instances=INSTANCES)


@bp.post("/new")
def create_dossier() -> Response:
    check_csrf()
    app_state = state()
    typed = _typed("title", "organisation", *MEETING_INPUTS.values())
    lines = request.form.get("unions", "").splitlines()
    unions = [line.strip() for line in lines if line.strip()]
    meeting: dict[str, Any] = {
        k: typed[name] for k, name in MEETING_INPUTS.items() if name in typed
    }
    meeting |= {"unions": unions} if unions else {}
    data = {key: typed[key] for key in ("title", "organisation") if key in typed}
    values = {**typed, "unions": request.form.get("unions", "")}
    retry = {"values": values, "instances": INSTANCES}
    try:
        valid = NewDossier.model_validate({**data, "meeting": meeting}).model_dump(
            exclude_none=True, exclude_defaults=True
        )
    except ValidationError as exc:
        page = render_template("new_dossier.html", errors=_form_errors(exc, NewDossier), **retry)
        return Response(page, status=422)

    def fields(dossier_id: str, _files: DossierFiles) -> dict[str, Any]:
        return {
            "id": dossier_id,
            "title": valid["title"],
            "organisation": valid["organisation"],
            "date": app_state.date(),
            "meeting": valid["meeting"],
        }

    try:
        dossier_id = _make(app_state, valid["title"], fields)
    except (OSError, BriefgenError) as exc:
        return Response(render_template("new_dossier.html", **retry, **_not_made(exc)), 500)
    flash(_("Dossier created. Start by importing an article (Sources)."), "ok")
    return redirect(url_for("view.dossier_page", dossier_id=dossier_id), code=303)  # type: ignore[return-value]


PAST_ONLY = ("unions", "questions_by")
"""What the meeting holds that an earlier meeting does not keep: who signs the documents
prepared for it, the date its written questions were due."""
NEXT_DROPS = ("questions_by", "sources")
"""What the next meeting does not inherit from the last: the date its questions were due,
its minutes."""


def next_meeting(files: DossierFiles, valid: Mapping[str, Any]) -> dict[str, Any]:
    """The thread carried to the next meeting: the meeting just held joins the earlier
    meetings (without its signing unions or its questions' date), the next one takes its
    place with the date and perhaps the agenda item the rep gave; questions, answers,
    commitments and consultations stay as they are."""
    raw = files.raw("meeting")
    held = dict(raw) if isinstance(raw, dict) else {}
    earlier = files.raw("past_meetings")
    past = list(earlier) if isinstance(earlier, list) else []
    if held.get("date"):
        past.append({key: value for key, value in held.items() if key not in PAST_ONLY})
    meeting = {key: value for key, value in held.items() if key not in NEXT_DROPS}
    meeting["date"] = valid["meeting_date"]
    if valid["agenda_item"]:
        meeting["agenda_item"] = valid["agenda_item"]
    return {"meeting": meeting, "past_meetings": past or None}


@bp.get("/d/<dossier_id>/copy")
def copy_page(dossier_id: str) -> str:
    app_state = state()
    found = dossier_state(app_state, app_state.dossier_dir(dossier_id))
    return render_template(
        "copy_dossier.html", original=found, values={"title": found.title}, errors={}
    )


@bp.post("/d/<dossier_id>/copy")
def copy_dossier(dossier_id: str) -> Response:
    check_csrf()
    app_state = state()
    original = app_state.dossier_dir(dossier_id)
    typed = _typed("title", "meeting_date", "agenda_item")
    retry = {"original": dossier_state(app_state, original), "values": typed}
    try:
        valid = NextMeeting.model_validate(typed).model_dump()
    except ValidationError as exc:
        page = render_template("copy_dossier.html", errors=_form_errors(exc, NextMeeting), **retry)
        return Response(page, status=422)

    def fields(new: str, files: DossierFiles) -> dict[str, Any]:
        return {"id": new, "title": valid["title"], **next_meeting(files, valid)}

    try:
        new = _make(app_state, valid["title"], fields, original)
    except (OSError, BriefgenError) as exc:
        page = render_template("copy_dossier.html", **retry, **_not_made(exc))
        return Response(page, status=500)
    flash(
        _("Copy made for the meeting of %(date)s.", date=i18n.long_date(valid["meeting_date"])),
        "ok",
    )
    return redirect(url_for("view.dossier_page", dossier_id=new), code=303)  # type: ignore[return-value]
