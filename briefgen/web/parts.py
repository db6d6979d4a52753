"""The parts of a dossier the page edits: lists edited item by item, and sections edited as
one form.  Shared by the editor, the viewer and the other pages (they import it, never
each other)."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from ..errors import InputError
from ..i18n import N_, Message, lazy, long_date
from ..load import dossier_files, read_mapping
from ..models import (
    Commitment,
    Consultation,
    Declaration,
    Demand,
    Divergence,
    Establishment,
    Fact,
    KeyPoint,
    LegalRef,
    Opinion,
    PastMeeting,
    Question,
    Source,
    Stakeholder,
    Theme,
    TimelineEvent,
    Tract,
)
from ..store import DossierFiles
from .state import Stamp, stamp


@dataclass(frozen=True)
class Part:
    """A list of the dossier the page edits item by item."""

    key: str
    title: Message
    add: Message
    """The title of the form that adds an item."""
    edit: Message
    """The title of the form that changes an item."""
    named: Message
    """How a sentence names one item: `%(text)s` is what stands for it."""
    model: type[BaseModel]
    summary: str
    """The field that stands for an item in lists and pickers."""

    @property
    def by_id(self) -> bool:
        return "id" in self.model.model_fields


def _part(key: str, model: type[BaseModel], summary: str, *words: str) -> Part:
    title, add, edit, named = (lazy(w) for w in words)
    return Part(key, title, add, edit, named, model, summary)


TABLES = {
    part.key: part
    for part in (
        _part(
            "sources",
            Source,
            "title",
            N_("Sources"),
            N_("Add a source"),
            N_("Change a source"),
            N_("the source « %(text)s »"),
        ),
        _part(
            "facts",
            Fact,
            "statement",
            N_("Facts"),
            N_("Add a fact"),
            N_("Change a fact"),
            N_("the fact « %(text)s »"),
        ),
        _part(
            "divergences",
            Divergence,
            "subject",
            N_("Divergences"),
            N_("Add a divergence"),
            N_("Change a divergence"),
            N_("the divergence « %(text)s »"),
        ),
        _part(
            "themes",
            Theme,
            "title",
            N_("Themes"),
            N_("Add a theme"),
            N_("Change a theme"),
            N_("the theme « %(text)s »"),
        ),
        _part(
            "key_points",
            KeyPoint,
            "text",
            N_("The essentials"),
            N_("Add a key point"),
            N_("Change a key point"),
            N_("the key point « %(text)s »"),
        ),
        _part(
            "timeline",
            TimelineEvent,
            "what",
            N_("Timeline"),
            N_("Add an event"),
            N_("Change an event"),
            N_("the event « %(text)s »"),
        ),
        _part(
            "stakeholders",
            Stakeholder,
            "name",
            N_("Stakeholders"),
            N_("Add a stakeholder"),
            N_("Change a stakeholder"),
            N_("the stakeholder « %(text)s »"),
        ),
        _part(
            "legal",
            LegalRef,
            "article",
            N_("Legal references"),
            N_("Add a legal reference"),
            N_("Change a legal reference"),
            N_("the legal reference « %(text)s »"),
        ),
        _part(
            "questions",
            Question,
            "text",
            N_("Questions to management"),
            N_("Add a question"),
            N_("Change a question"),
            N_("the question « %(text)s »"),
        ),
        _part(
            "demands",
            Demand,
            "text",
            N_("Demands"),
            N_("Add a demand"),
            N_("Change a demand"),
            N_("the demand « %(text)s »"),
        ),
        _part(
            "past_meetings",
            PastMeeting,
            "agenda_item",
            N_("Earlier meetings"),
            N_("Add an earlier meeting"),
            N_("Change an earlier meeting"),
            N_("the meeting « %(text)s »"),
        ),
        _part(
            "commitments",
            Commitment,
            "text",
            N_("Management's commitments"),
            N_("Add a commitment"),
            N_("Change a commitment"),
            N_("the commitment « %(text)s »"),
        ),
        _part(
            "consultations",
            Consultation,
            "subject",
            N_("Consultations"),
            N_("Add a consultation"),
            N_("Change a consultation"),
            N_("the consultation « %(text)s »"),
        ),
        _part(
            "establishments",
            Establishment,
            "name",
            N_("Establishments"),
            N_("Add an establishment"),
            N_("Change an establishment"),
            N_("the establishment « %(text)s »"),
        ),
    )
}


def _header_model() -> type[BaseModel]:
    """The header form's model: the Dossier's own fields with their types and descriptions."""
    from pydantic import create_model

    from ..models import Dossier

    fields = {
        name: (info.annotation, info)
        for name, info in Dossier.model_fields.items()
        if name in ("title", "subtitle", "organisation", "lang", "date", "employees", "meeting")
    }
    return create_model("Header", **fields)  # type: ignore[call-overload, no-any-return]


SECTION_NAMED: dict[str, Message] = {
    "dossier": lazy("the dossier and its meeting"),
    "tract": lazy("the tract"),
    "declaration": lazy("the opening statement"),
    "opinion": lazy("the draft opinion"),
}
"""How a sentence names a part edited as one form."""
SECTIONS: dict[str, tuple[Message, type[BaseModel]]] = {
    "dossier": (lazy("Dossier and meeting"), _header_model()),
    "tract": (lazy("Tract"), Tract),
    "declaration": (lazy("Opening statement"), Declaration),
    "opinion": (lazy("Draft opinion"), Opinion),
}
"""Parts edited as one form: the dossier's own fields with its meeting, the tract's, the
declaration's and the draft opinion's wording.  Each field is written where the dossier's
files set it."""


MAX_ID_LENGTH = 40
"""Longest internal reference made from a text (cut at a word)."""
_LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def make_id(text: str, taken: Iterable[str], fallback: str) -> str:
    """A readable internal reference made from `text` (`conseillers-volontaires-250`): ASCII
    letters and digits in lower case joined by hyphens, at most MAX_ID_LENGTH characters cut
    at a word, `fallback` when nothing is left, unique among `taken` (-2, -3… added)."""
    decomposed = unicodedata.normalize("NFKD", text.translate(_LIGATURES))
    kept = "".join(c if c.isascii() or unicodedata.combining(c) else " " for c in decomposed)
    words = re.findall(r"[a-z0-9]+", kept.encode("ascii", "ignore").decode().lower())
    base = ""
    for word in words:
        longer = f"{base}-{word}" if base else word[:MAX_ID_LENGTH]
        if len(longer) > MAX_ID_LENGTH:
            break
        base = longer
    base = base or fallback
    taken = set(taken)
    candidate, number = base, 2
    while candidate in taken:
        candidate, number = f"{base}-{number}", number + 1
    return candidate


def shorten(text: str, limit: int = 90) -> str:
    """`text` on one line, cut at a word with an ellipsis past `limit` characters."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def named(part: Part, item: Mapping[str, Any], limit: int = 70) -> Message:
    """An item named in a sentence, in the reader's language: « le fait « Le pilote… » »."""
    return lazy(part.named.msgid, text=shorten(item_text(part, item), limit))


def item_text(part: Part, item: Mapping[str, Any]) -> str:
    """What stands for an item in lists, pickers and messages: its title or text."""
    text = str(item.get(part.summary) or "")
    if part.key == "legal":
        text = f"{item.get('code', '')} {text}".strip()
    when = item.get("date")
    if part.key == "past_meetings" and isinstance(when, dt.date):
        text = f"{long_date(when)} — {text}"
    return text or str(item.get("id") or "")


@lru_cache(maxsize=32)
def _read(folder: Path, written: Stamp) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for path in dossier_files(folder):
        try:
            data.update(read_mapping(path))
        except InputError:  # a broken file is reported by check, not here
            continue
    return data


def dossier_data(files: DossierFiles) -> dict[str, Any]:
    """Every top-level field of the dossier as plain data, as its files hold it now (read
    again only when a file changed).  Callers must not change what it returns."""
    return _read(files.folder, stamp(dossier_files(files.folder)))


def raw_items(files: DossierFiles, part: Part) -> list[dict[str, Any]]:
    """The items of a part as its file holds them (plain data, not validated)."""
    raw = dossier_data(files).get(part.key)
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
