"""The parts of a dossier the page edits: lists edited item by item, and sections edited as
one form.  Shared by the editor, the viewer and the other pages (they import it, never
each other)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from ..models import (
    Declaration,
    Demand,
    Divergence,
    Establishment,
    Fact,
    KeyPoint,
    LegalRef,
    Question,
    Source,
    Stakeholder,
    Theme,
    TimelineEvent,
    Tract,
)
from ..store import DossierFiles


@dataclass(frozen=True)
class Part:
    """A list of the dossier the page edits item by item."""

    key: str
    title: str
    one: str
    model: type[BaseModel]
    summary: str
    """The field that stands for an item in lists and pickers."""

    @property
    def by_id(self) -> bool:
        return "id" in self.model.model_fields


TABLES = {
    part.key: part
    for part in (
        Part("sources", "Sources", "une source", Source, "title"),
        Part("facts", "Faits", "un fait", Fact, "statement"),
        Part("divergences", "Divergences", "une divergence", Divergence, "subject"),
        Part("themes", "Thèmes", "un thème", Theme, "title"),
        Part("key_points", "L'essentiel", "un point clé", KeyPoint, "text"),
        Part("timeline", "Chronologie", "un événement", TimelineEvent, "what"),
        Part("stakeholders", "Acteurs", "un acteur", Stakeholder, "name"),
        Part("legal", "Textes de loi", "une référence juridique", LegalRef, "article"),
        Part("questions", "Questions à la direction", "une question", Question, "text"),
        Part("demands", "Revendications", "une revendication", Demand, "text"),
        Part("establishments", "Établissements", "un établissement", Establishment, "name"),
    )
}


def _header_model() -> type[BaseModel]:
    """The header form's model: the Dossier's own fields with their types and descriptions."""
    from pydantic import create_model

    from ..models import Dossier

    fields = {
        name: (info.annotation, info)
        for name, info in Dossier.model_fields.items()
        if name in ("title", "subtitle", "organisation", "lang", "date", "meeting")
    }
    return create_model("Header", **fields)  # type: ignore[call-overload, no-any-return]


SECTIONS: dict[str, tuple[str, type[BaseModel]]] = {
    "dossier": ("Dossier et séance", _header_model()),
    "tract": ("Tract", Tract),
    "declaration": ("Déclaration liminaire", Declaration),
}
"""Parts edited as one form: the dossier's own fields with its meeting, the tract's and the
declaration's wording.  Each field is written where the dossier's files set it."""


def raw_items(files: DossierFiles, part: Part) -> list[dict[str, Any]]:
    """The items of a part as its file holds them (plain data, not validated)."""
    raw = files.raw(part.key)
    return [item for item in raw if isinstance(item, dict)] if isinstance(raw, list) else []
