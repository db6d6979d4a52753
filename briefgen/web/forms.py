"""HTML forms derived from the dossier's Pydantic models, one generator for every part.

Each field of a model becomes a form field by its type: text, a text area for
prose, a date, a number, a check box, a choice list for an enumeration, a
picker of existing items for a list of ids (`Fact.sources`, `Question.facts`),
one line per value for a list of text, and a group for a nested model
(`Fact.quote`, `Dossier.meeting`).  The model's description is the help text
and its constraints bound the inputs; the model itself validates what comes
back, with the messages `briefgen check` uses.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..load import error_message
from ..models import REFERENCED

LABELS = {
    "id": "Identifiant",
    "title": "Titre",
    "subtitle": "Sous-titre",
    "publisher": "Éditeur",
    "author": "Auteur",
    "date": "Date",
    "url": "Adresse (URL)",
    "kind": "Type",
    "note": "Note",
    "statement": "Énoncé (nos propres mots)",
    "value": "Chiffre",
    "unit": "Unité",
    "label": "Légende du chiffre",
    "sources": "Sources",
    "union_position": "Position syndicale (sans source)",
    "quote": "Citation",
    "text": "Texte",
    "by": "Auteur de la citation",
    "said_by": "Affirmé par",
    "as_of": "Valable au",
    "audience": "Public",
    "status": "Fiabilité",
    "topic": "Sujet",
    "summary": "Résumé",
    "facts": "Faits",
    "subject": "Objet",
    "comment": "Commentaire",
    "when": "Quand",
    "what": "Quoi",
    "name": "Nom",
    "role": "Rôle",
    "code": "Texte de référence",
    "article": "Article",
    "paraphrase": "Ce qu'il dit",
    "legal": "Fondements juridiques",
    "instance": "Instance",
    "establishment": "Établissement",
    "agenda_item": "Point à l'ordre du jour",
    "unions": "Syndicats signataires (un par ligne)",
    "questions_by": "Questions à transmettre avant le",
    "meeting_date": "Date de sa séance",
    "contact": "Contact",
    "organisation": "Employeur",
    "lang": "Langue du texte",
    "meeting": "Séance",
    "headline": "Titre du tract",
    "call_to_action": "Appel à l'action",
    "points": "Nombre de points clés",
    "opening": "Paragraphes d'ouverture (un par ligne)",
    "closing": "Paragraphes de clôture (un par ligne)",
    "snapshot": "Texte archivé",
    "sha256": "Empreinte SHA-256 du texte archivé",
}
CHOICES = {
    "press": "presse",
    "official": "officielle (employeur, administration)",
    "union": "syndicale",
    "legal-text": "texte juridique",
    "case-law": "jurisprudence",
    "reader-comment": "commentaire de lecteur",
    "other": "autre",
    "public": "tous (documents publics)",
    "reps": "élus seulement (note de briefing)",
    "established": "établi",
    "reported": "rapporté par une source",
    "unverified": "non vérifié",
    "fr": "français",
    "en": "anglais",
}
"""How the choices of an enumeration read in the page (the files keep the values)."""
READONLY = frozenset({"snapshot", "sha256"})
"""Fields the page shows but never takes from a form: written when a source is imported."""
MULTILINE = frozenset(
    {
        "statement",
        "summary",
        "paraphrase",
        "text",
        "note",
        "comment",
        "what",
        "role",
        "call_to_action",
        "conclusion",
        "agenda_item",
        "subject",
        "contact",
        "opening",
        "closing",
        "unions",
    }
)


@dataclass(frozen=True)
class FormField:
    """One input of a generated form."""

    name: str
    """Its name in the form: the field's, dotted inside a group (quote.text)."""
    label: str
    help: str
    widget: str
    """text, textarea, date, number, checkbox, select, pick, lines or group."""
    required: bool
    choices: tuple[str, ...] = ()
    table: str | None = None
    """For a picker: the dossier list its ids come from."""
    max_length: int | None = None
    children: tuple[FormField, ...] = ()
    default: str = ""
    """What a new item's input holds: the model's default, as text."""


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(the type inside Optional, whether None is allowed)."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], len(args) < len(typing.get_args(annotation))
    return annotation, False


def _max_length(info: FieldInfo) -> int | None:
    return next((m.max_length for m in info.metadata if isinstance(m, MaxLen)), None)


def _is_model(kind: Any) -> bool:
    return isinstance(kind, type) and issubclass(kind, BaseModel)


def form_fields(model: type[BaseModel], prefix: str = "") -> list[FormField]:
    """The inputs of the form for `model`, in the order of its fields."""
    fields = []
    for name, info in model.model_fields.items():
        kind, _ = _unwrap(info.annotation)
        required = info.is_required()
        default = info.get_default(call_default_factory=True)
        if isinstance(default, Enum):
            default = default.value
        common: dict[str, Any] = {
            "default": "" if default is None or isinstance(default, list | bool) else str(default),
            "name": prefix + name,
            "label": LABELS.get(name, name.replace("_", " ").capitalize()),
            "help": info.description or "",
            "required": required,
            "max_length": _max_length(info) or 4000,
        }
        origin = typing.get_origin(kind)
        if name in READONLY:
            fields.append(FormField(widget="readonly", **common))
        elif _is_model(kind):
            children = tuple(form_fields(kind, f"{prefix}{name}."))
            fields.append(FormField(widget="group", children=children, **common))
        elif origin is list:
            (inner,) = typing.get_args(kind)
            if name in REFERENCED:
                fields.append(FormField(widget="pick", table=name, **common))
            elif not _is_model(_unwrap(inner)[0]):
                fields.append(FormField(widget="lines", **common))
        elif kind is bool:
            fields.append(FormField(widget="checkbox", **common))
        elif kind in (int, float):
            fields.append(FormField(widget="number", **common))
        elif kind is dt.date:
            fields.append(FormField(widget="date", **common))
        elif isinstance(kind, type) and issubclass(kind, Enum):
            values = tuple(str(member.value) for member in kind)
            fields.append(FormField(widget="select", choices=values, **common))
        elif origin is typing.Literal:
            values = tuple(str(v) for v in typing.get_args(kind))
            fields.append(FormField(widget="select", choices=values, **common))
        else:
            widget = "textarea" if name in MULTILINE else "text"
            fields.append(FormField(widget=widget, **common))
    return fields


def values_for(fields: list[FormField], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """What each input shows for an item's plain data: text, or a list for pickers."""
    values: dict[str, Any] = {}
    for field in fields:
        value = _get(data, field.name) if data is not None else (field.default or None)
        if field.widget == "group":
            values.update(values_for(list(field.children), data))
        elif field.widget == "pick":
            values[field.name] = [str(v) for v in value or []]
        elif field.widget == "lines":
            values[field.name] = "\n".join(str(v) for v in value or [])
        elif field.widget == "checkbox":
            values[field.name] = bool(value)
        elif isinstance(value, float) and value.is_integer():
            values[field.name] = str(int(value))
        elif isinstance(value, dt.date):
            values[field.name] = value.isoformat()
        else:
            values[field.name] = "" if value is None else str(value)
    return values


def _get(data: Mapping[str, Any], dotted: str) -> Any:
    value: Any = data
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


def parse(fields: list[FormField], form: Any) -> dict[str, Any]:
    """The plain data a submitted form holds; empty inputs are left out (then the model's
    default applies, or it says the field is required)."""
    data: dict[str, Any] = {}
    for field in fields:
        key = field.name.rsplit(".", 1)[-1]
        if field.widget == "readonly":
            continue
        if field.widget == "group":
            inner = parse(list(field.children), form)
            if inner:
                data[key] = inner
        elif field.widget == "pick":
            picked = [v for v in form.getlist(field.name) if v]
            if picked:
                data[key] = list(dict.fromkeys(picked))
        elif field.widget == "lines":
            lines = [line.strip() for line in form.get(field.name, "").splitlines()]
            if any(lines):
                data[key] = [line for line in lines if line]
        elif field.widget == "checkbox":
            if form.get(field.name):
                data[key] = True
        else:
            text = form.get(field.name, "").replace("\r\n", "\n").strip()
            if field.widget != "textarea":
                text = " ".join(text.split())
            if text:
                data[key] = text
    return data


def validate(
    model: type[BaseModel], data: dict[str, Any]
) -> tuple[BaseModel | None, dict[str, list[str]]]:
    """The model built from `data`, or None and the messages for each input (by name)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = ".".join(str(p) for p in error["loc"] if not isinstance(p, int)) or "_"
            errors.setdefault(name, []).append(error_message(error))
        return None, errors


def to_write(
    model: type[BaseModel], item: BaseModel, before: Mapping[str, Any] | None
) -> dict[str, Any]:
    """What a saved item writes: every field that differs from its default, and every field
    the item already had, in the model's order."""
    dumped = item.model_dump(mode="python")
    kept = item.model_dump(mode="python", exclude_defaults=True)
    written = {}
    for name in model.model_fields:
        if name in kept or (before and name in before and dumped[name] is not None):
            value = dumped[name]
            info = model.model_fields[name]
            inner, _ = _unwrap(info.annotation)
            if _is_model(inner) and isinstance(value, Mapping):
                value = to_write(inner, getattr(item, name), (before or {}).get(name))
            written[name] = value
    return written
