"""HTML forms derived from the dossier's Pydantic models, one generator for every part.

Each field of a model becomes a form field by its type: text, a text area for
prose, a date, a number, a check box, a choice list for an enumeration, a
picker of existing items for a list of ids (`Fact.sources`, `Question.facts`),
one line per value for a list of text, a group for a nested model
(`Fact.quote`, `Dossier.meeting`) and repeated groups for a list of nested
models (`Opinion.considerations`).  Labels and help texts are the page's own,
written for reps and translated; the model validates what comes back.

Blank means blank and untouched means unchanged: a new item's form shows no
value (a model's default is not a value), an optional choice keeps an empty
« not specified » option, and an input sent back as it was shown keeps the
item's value exactly as the file holds it (Django's `has_changed`).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import Enum
from typing import Any

from annotated_types import MaxLen
from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from ..i18n import Message, Text, lazy
from ..load import error_message
from ..models import REFERENCED

LABELS: dict[str, Message] = {
    "id": lazy("Internal reference"),
    "title": lazy("Title"),
    "subtitle": lazy("Subtitle"),
    "publisher": lazy("Publisher"),
    "author": lazy("Author"),
    "date": lazy("Date"),
    "url": lazy("Web address"),
    "kind": lazy("Kind of document"),
    "note": lazy("Note"),
    "statement": lazy("Statement, in our own words"),
    "value": lazy("Figure"),
    "unit": lazy("Unit"),
    "label": lazy("Caption of the figure"),
    "sources": lazy("Sources"),
    "union_position": lazy("The union's own position (no source)"),
    "quote": lazy("Quotation"),
    "text": lazy("Text"),
    "by": lazy("Who said it"),
    "said_by": lazy("Asserted by"),
    "as_of": lazy("True as of"),
    "audience": lazy("Who may read it"),
    "status": lazy("Reliability"),
    "topic": lazy("Subject keyword"),
    "summary": lazy("Summary"),
    "facts": lazy("Facts"),
    "subject": lazy("Subject of the disagreement"),
    "comment": lazy("Comment"),
    "when": lazy("When"),
    "what": lazy("What happened"),
    "name": lazy("Name"),
    "role": lazy("Role"),
    "code": lazy("Text of law"),
    "article": lazy("Article"),
    "paraphrase": lazy("What it says"),
    "legal": lazy("Legal basis"),
    "instance": lazy("Body"),
    "central": lazy("CSE central"),
    "department": lazy("Department"),
    "establishment": lazy("Establishment"),
    "agenda_item": lazy("Agenda item"),
    "unions": lazy("Signing unions, one per line"),
    "questions_by": lazy("Written questions to send by"),
    "meeting_date": lazy("Date of its meeting"),
    "contact": lazy("Contact"),
    "organisation": lazy("Employer"),
    "lang": lazy("Language"),
    "meeting": lazy("Meeting"),
    "headline": lazy("Headline"),
    "call_to_action": lazy("Call to action"),
    "points": lazy("Number of key points shown"),
    "opening": lazy("Opening paragraphs, one per line"),
    "closing": lazy("Closing paragraphs, one per line"),
    "snapshot": lazy("Archived text"),
    "sha256": lazy("Fingerprint of the archived text"),
    "considerations": lazy("Grounds"),
    "conclusion": lazy("Conclusion"),
}
MODEL_LABELS: dict[tuple[str, str], Message] = {
    ("Quote", "text"): lazy("Quoted words"),
    ("KeyPoint", "text"): lazy("The point"),
    ("Question", "text"): lazy("The question"),
    ("Demand", "text"): lazy("The demand"),
    ("Header", "date"): lazy("Brought up to date on"),
    ("Meeting", "date"): lazy("Date of the meeting"),
    ("Source", "lang"): lazy("Language of the title"),
    ("Opinion", "considerations.text"): lazy("Considering that…"),
    ("Header", "lang"): lazy("Language of the dossier's text"),
    ("Header", "employees"): lazy("Number of employees"),
    ("PastMeeting", "date"): lazy("Date of the meeting"),
    ("Meeting", "sources"): lazy("Minutes and records of the meeting"),
    ("PastMeeting", "sources"): lazy("Minutes and records of the meeting"),
    ("Question", "asked_on"): lazy("Asked on"),
    ("Question", "answer"): lazy("Management's answer"),
    ("Answer", "date"): lazy("Answered on"),
    ("Answer", "by"): lazy("Answered by"),
    ("Answer", "text"): lazy("The answer, in our own words"),
    ("Answer", "judgement"): lazy("Our judgement"),
    ("Commitment", "text"): lazy("The commitment, in our own words"),
    ("Commitment", "made_on"): lazy("Made on"),
    ("Commitment", "due"): lazy("To be kept by"),
    ("Commitment", "state"): lazy("Kept or not"),
    ("Consultation", "subject"): lazy("Subject of the consultation"),
    ("Consultation", "informed_on"): lazy("Information handed over on"),
    ("Consultation", "levels"): lazy("Levels consulted"),
    ("Consultation", "expert"): lazy("The CSE appointed an expert"),
    ("Consultation", "expert_both_levels"): lazy(
        "Expertises at both central and establishment level"
    ),
    ("Consultation", "opinion_on"): lazy("Opinion given on"),
}
HELP: dict[str, Message] = {
    "id": lazy(
        "Made from the text when the item is saved. Change it only if you need to: "
        "every mention of the item is updated with it."
    ),
    "subtitle": lazy("Optional line under the title."),
    "publisher": lazy("The newspaper, site or body that published it."),
    "author": lazy("The author, if the document names one."),
    "url": lazy("Its address, starting with http:// or https://, if any."),
    "kind": lazy("What kind of document it is: it tells how far it can be trusted."),
    "note": lazy(
        "For the reps: what to know about this source (reliability, access). Printed in the "
        "briefing note only."
    ),
    "statement": lazy(
        "The fact restated in our own words, never copied from the article: a quotation goes below."
    ),
    "value": lazy("A figure the fact gives, if any: 500, 2.8…"),
    "unit": lazy("Its unit: conseillers, €, %…"),
    "label": lazy("Printed after the figure and its unit among the key figures."),
    "sources": lazy("The sources that back this fact."),
    "union_position": lazy(
        "Tick it when the statement is the union's own position or analysis: it then "
        "cites no source."
    ),
    "quote": lazy("Optional: a few words quoted exactly from a source. Leave empty if none."),
    "said_by": lazy("Who asserts it, when the source says so (management, a union…)."),
    "as_of": lazy("The date at which the fact was true or reported."),
    "audience": lazy(
        "Reps only: it is then printed in the briefing note alone, never in a document "
        "for staff or management."
    ),
    "status": lazy(
        "Established, reported by a source, or unverified (a claim nobody backs: never "
        "printed as a key figure)."
    ),
    "topic": lazy(
        "A short keyword shared by the facts on one subject: facts on one subject that "
        "disagree must be declared as a divergence."
    ),
    "summary": lazy("One or two sentences of the union's analysis, with no new fact."),
    "comment": lazy("What the reader should make of it."),
    "when": lazy("A year (2026), a month (2026-03) or a day (2026-03-15)."),
    "role": lazy("What it is and does in this matter."),
    "code": lazy("Code du travail, RGPD, a court decision…"),
    "article": lazy("The article or the reference: L2312-8, art. 35…"),
    "paraphrase": lazy("What it says, in one line of our own words."),
    "legal": lazy("The legal references it rests on."),
    "instance": lazy("The body that meets: CSE central, CSE d'établissement…"),
    "agenda_item": lazy("The agenda item the documents address."),
    "questions_by": lazy(
        "Date by which the written questions must reach management (if empty: eight "
        "days before the meeting)."
    ),
    "meeting_date": lazy("If empty: the date of the dossier's meeting."),
    "contact": lazy("How to reach the union: names, e-mail, phone, room."),
    "organisation": lazy("The employer concerned."),
    "lang": lazy("Only if it is not French."),
    "headline": lazy("A few words."),
    "call_to_action": lazy("What staff are asked to do."),
    "points": lazy("The tract shows the first points of « The essentials »: how many (1 to 8)."),
    "snapshot": lazy("The text of the article kept with the dossier, to check quotations."),
    "sha256": lazy("Proves the archived text has not changed since it was saved."),
    "considerations": lazy("Each ground (« considérant que… ») with the facts it rests on."),
    "conclusion": lazy("What the CSE concludes: its opinion, in one sentence."),
}
MODEL_HELP: dict[tuple[str, str], Message] = {
    ("Theme", "facts"): lazy("The facts of this theme, in reading order."),
    ("KeyPoint", "facts"): lazy("The facts it sums up."),
    ("KeyPoint", "text"): lazy("One sentence."),
    ("Divergence", "facts"): lazy("The facts that disagree: two or more."),
    ("TimelineEvent", "facts"): lazy("The facts that back the event."),
    ("Stakeholder", "facts"): lazy("The facts that describe its part."),
    ("Question", "facts"): lazy("The facts that motivate the question."),
    ("Question", "audience"): lazy(
        "Reps only: kept for the reps' preparation, never sent to management."
    ),
    ("Demand", "facts"): lazy("The facts that ground the demand."),
    ("Establishment", "facts"): lazy(
        "Facts about this establishment, shown first among its key points (10 at most)."
    ),
    ("Establishment", "contact"): lazy("The local contact line of its tract."),
    ("Tract", "facts"): lazy("Up to three facts with a figure, printed large at the top."),
    ("Quote", "text"): lazy("The words exactly as the source has them."),
    ("Quote", "by"): lazy("Who said or wrote them."),
    ("Source", "lang"): lazy("Only if the title is not in the dossier's language."),
    ("Source", "date"): lazy("Publication date, if known."),
    ("Header", "date"): lazy("The day the dossier was last brought up to date."),
    ("Header", "employees"): lazy(
        "From 11 to 49 employees: written questions 2 working days before, answer within 6 "
        "working days, register."
    ),
    ("Meeting", "central"): lazy(
        "Tick it for a CSE central: its agenda is due 8 days before, not 3."
    ),
    ("PastMeeting", "central"): lazy(
        "Tick it for a CSE central: its agenda is due 8 days before, not 3."
    ),
    ("Meeting", "department"): lazy(
        "Two digits (75, 57, 2A…): in Moselle, Bas-Rhin and Haut-Rhin, Good Friday and "
        "26 December are holidays too."
    ),
    ("PastMeeting", "department"): lazy(
        "Two digits (75, 57, 2A…): in Moselle, Bas-Rhin and Haut-Rhin, Good Friday and "
        "26 December are holidays too."
    ),
    ("Meeting", "sources"): lazy("The minutes (procès-verbal) once they exist, as a source."),
    ("PastMeeting", "sources"): lazy("The minutes (procès-verbal) once they exist, as a source."),
    ("Question", "asked_on"): lazy(
        "The day it was sent or put to management. Empty while it is being prepared."
    ),
    ("Question", "answer"): lazy("Fill it in after the meeting, once management has answered."),
    ("Answer", "date"): lazy("Date of the letter, e-mail or meeting where management answered."),
    ("Answer", "by"): lazy("Who answered for management, if known."),
    ("Answer", "text"): lazy("What management answered, in our own words."),
    ("Answer", "sources"): lazy(
        "The letter, the minutes or the e-mail that holds the answer: import it first if "
        "it is not among the sources."
    ),
    ("Answer", "judgement"): lazy("What we make of the answer."),
    ("Commitment", "text"): lazy("What management undertook to do."),
    ("Commitment", "made_on"): lazy("The day management made the commitment."),
    ("Commitment", "due"): lazy("The date by which it is to be kept, if one was given."),
    ("Commitment", "sources"): lazy("The minutes, the letter or the e-mail that records it."),
    ("Commitment", "state"): lazy("In progress until the due date; then kept or not kept."),
    ("Commitment", "audience"): lazy("Reps only: it is then printed in the briefing note alone."),
    ("Consultation", "subject"): lazy("What the CSE is consulted on."),
    ("Consultation", "informed_on"): lazy(
        "The day management handed over the information, or said it is in the BDESE: "
        "the time for the opinion runs from then."
    ),
    ("Consultation", "levels"): lazy(
        "With both levels, the establishment's opinion is due 7 days before the central one."
    ),
    ("Consultation", "expert"): lazy("With an expert, the CSE has 2 months instead of 1."),
    ("Consultation", "expert_both_levels"): lazy("Then the CSE has 3 months."),
    ("Consultation", "opinion_on"): lazy("Empty while the CSE has not given its opinion."),
    ("Consultation", "sources"): lazy(
        "The information handed over, the convocation: the sources that record it."
    ),
}
CHOICES: dict[str, Message] = {
    "press": lazy("press"),
    "official": lazy("official (employer, administration)"),
    "union": lazy("union"),
    "legal-text": lazy("legal text"),
    "case-law": lazy("case law"),
    "reader-comment": lazy("reader's comment"),
    "other": lazy("other"),
    "public": lazy("everyone (public documents)"),
    "reps": lazy("the reps only (briefing note)"),
    "established": lazy("established"),
    "reported": lazy("reported by a source"),
    "unverified": lazy("unverified"),
    "answered": lazy("answered"),
    "partial": lazy("partial answer"),
    "unanswered": lazy("no answer"),
    "late": lazy("answered late"),
    "open": lazy("in progress"),
    "kept": lazy("kept"),
    "broken": lazy("not kept"),
    "single": lazy("one CSE"),
    "central": lazy("the CSE central alone"),
    "both": lazy("central and establishment CSEs"),
    "fr": lazy("French"),
    "en": lazy("English"),
}
"""How the choices of an enumeration read in the page (the files keep the values)."""
READONLY = frozenset({"snapshot", "sha256"})
"""Fields the page shows but never takes from a form: written when a source is archived."""
ADVANCED = frozenset({"id", "topic", "lang", "snapshot", "sha256"})
"""Fields a rep seldom needs, under « Advanced »."""
ORDERED = frozenset({("Theme", "facts"), ("Tract", "facts"), ("KeyPoint", "facts")})
"""Pickers whose order the documents follow: their items can be moved."""
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
LIST_LIMIT = 20000
"""Longest text of a one-per-line input (each line is bounded by the model)."""


@dataclass(frozen=True)
class FormField:
    """One input of a generated form."""

    name: str
    """Its name in the form: the field's, dotted inside a group (quote.text)."""
    label: Text
    help: Text
    widget: str
    """text, textarea, date, number, checkbox, select, pick, lines, group, items, readonly."""
    required: bool
    choices: tuple[str, ...] = ()
    default_choice: str = ""
    """For an optional choice: the value that applies when none is chosen."""
    table: str | None = None
    """For a picker: the dossier list its ids come from."""
    max_length: int | None = None
    children: tuple[FormField, ...] = ()
    advanced: bool = False
    ordered: bool = False

    @property
    def key(self) -> str:
        """The field's name in its model."""
        return self.name.rsplit(".", 1)[-1]


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


def _widget(name: str, kind: Any) -> tuple[str, tuple[str, ...]]:
    """The widget of a field of type `kind` (not a model, not a list), with its choices."""
    if kind is bool:
        return "checkbox", ()
    if kind in (int, float):
        return "number", ()
    if kind is dt.date:
        return "date", ()
    if isinstance(kind, type) and issubclass(kind, Enum):
        return "select", tuple(str(member.value) for member in kind)
    if typing.get_origin(kind) is typing.Literal:
        return "select", tuple(str(v) for v in typing.get_args(kind))
    return ("textarea" if name in MULTILINE else "text"), ()


def form_fields(model: type[BaseModel], prefix: str = "") -> list[FormField]:
    """The inputs of the form for `model`, in the order of its fields."""
    if not model.__pydantic_complete__:  # a field typed by a model defined after it
        model.model_rebuild()
    fields = []
    owner = model.__name__
    for name, info in model.model_fields.items():
        kind, _ = _unwrap(info.annotation)
        default = info.get_default(call_default_factory=True) if not info.is_required() else None
        common: dict[str, Any] = {
            "name": prefix + name,
            "label": MODEL_LABELS.get((owner, name)) or LABELS.get(name, name),
            "help": MODEL_HELP.get((owner, name)) or HELP.get(name, ""),
            "required": info.is_required() and name != "id",
            "max_length": _max_length(info) or 4000,
            "advanced": name in ADVANCED,
        }
        if name in READONLY:
            fields.append(FormField(widget="readonly", **common))
        elif _is_model(kind):
            children = tuple(form_fields(kind, f"{prefix}{name}."))
            if not info.is_required():  # its fields are needed only if the group is filled
                children = tuple(replace(child, required=False) for child in children)
            fields.append(FormField(widget="group", children=children, **common))
        elif typing.get_origin(kind) is list:
            (inner,) = typing.get_args(kind)
            if name in REFERENCED:
                ordered = (owner, name) in ORDERED
                fields.append(FormField(widget="pick", table=name, ordered=ordered, **common))
            elif _is_model(_unwrap(inner)[0]):
                children = tuple(
                    replace(
                        child, label=MODEL_LABELS.get((owner, f"{name}.{child.key}"), child.label)
                    )
                    for child in form_fields(_unwrap(inner)[0], f"{prefix}{name}.N.")
                )
                fields.append(FormField(widget="items", children=children, **common))
            else:
                fields.append(FormField(widget="lines", **{**common, "max_length": LIST_LIMIT}))
        else:
            widget, choices = _widget(name, kind)
            shown = default.value if isinstance(default, Enum) else default
            fallback = str(shown) if widget == "select" and shown is not None else ""
            fields.append(
                FormField(widget=widget, choices=choices, default_choice=fallback, **common)
            )
    return fields


def _get(data: Mapping[str, Any] | None, dotted: str) -> Any:
    """The value at a dotted input name: 'quote.text', 'considerations.0.facts'."""
    value: Any = data
    for part in dotted.split("."):
        if isinstance(value, list) and part.isdigit():
            value = value[int(part)] if int(part) < len(value) else None
        else:
            value = value.get(part) if isinstance(value, Mapping) else None
    return value


def _shown(field: FormField, value: Any) -> Any:
    """What the input of `field` shows for the plain `value` the file holds."""
    if field.widget == "pick":
        return [str(v) for v in value] if isinstance(value, list) else []
    if field.widget == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else ""
    if field.widget == "checkbox":
        return value is True
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Enum):
        return str(value.value)
    return "" if value is None else str(value)


def values_for(fields: list[FormField], data: Mapping[str, Any] | None) -> dict[str, Any]:
    """What each input shows for an item's plain data (None: a new, blank item)."""
    values: dict[str, Any] = {}
    for field in fields:
        if field.widget == "group":
            values.update(values_for(list(field.children), data))
        elif field.widget == "items":
            rows = _get(data, field.name)
            count = len(rows) if isinstance(rows, list) else 0
            values[field.name] = count
            for index in range(count):
                values.update(values_for(row_fields(field, index), data))
        else:
            values[field.name] = _shown(field, _get(data, field.name))
    return values


def row_fields(field: FormField, index: int, blank: bool = False) -> list[FormField]:
    """The inputs of row `index` of a list of groups (`considerations.0.text`…); those of a
    `blank` row (one to add, if wanted) are not required."""
    return [
        replace(
            child,
            name=child.name.replace(".N.", f".{index}.", 1),
            required=child.required and not blank,
        )
        for child in field.children
    ]


def _submitted(field: FormField, form: Any) -> Any:
    """What the input of `field` holds in a submitted form, shaped as `_shown` shapes it."""
    if field.widget == "pick":
        return list(dict.fromkeys(v for v in form.getlist(field.name) if v))
    if field.widget == "checkbox":
        return bool(form.get(field.name))
    return str(form.get(field.name, "")).replace("\r\n", "\n").replace("\r", "\n")


def _value(field: FormField, sent: Any) -> Any:
    """The plain value a changed input gives, or None for an empty one."""
    if field.widget == "pick":
        return sent or None
    if field.widget == "checkbox":
        return True if sent else None
    if field.widget == "lines":
        lines = [line.strip() for line in sent.splitlines()]
        return [line for line in lines if line] or None
    text = sent.strip()
    if field.widget != "textarea":
        text = " ".join(text.split())
    return text or None


def parse(
    fields: list[FormField], form: Any, before: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The plain data a submitted form holds.  An input sent back as it was shown keeps the
    value `before` has (or its absence); an empty input is left out (then the model's
    default applies, or it says the field is required)."""
    data: dict[str, Any] = {}
    for field in fields:
        key = field.key
        old = before.get(key) if isinstance(before, Mapping) else None
        if field.widget == "readonly":
            continue
        if field.widget == "group":
            inner = parse(list(field.children), form, old if isinstance(old, Mapping) else None)
            if inner:
                data[key] = inner
            continue
        if field.widget == "items":
            rows = _parse_rows(field, form, old if isinstance(old, list) else [])
            if rows:
                data[key] = rows
            continue
        sent = _submitted(field, form)
        if isinstance(before, Mapping) and sent == _shown(field, old):
            if key in before:
                data[key] = old
            continue
        value = _value(field, sent)
        if value is not None:
            data[key] = value
    return data


def _parse_rows(field: FormField, form: Any, old: list[Any]) -> list[dict[str, Any]]:
    """The rows of a list of groups, in the form's order; blank rows are left out."""
    prefix = f"{field.name}."
    numbers = {name[len(prefix) :].split(".")[0] for name in form if name.startswith(prefix)}
    rows = []
    for index in sorted(int(n) for n in numbers if n.isdigit() and len(n) < 4):
        before = old[index] if index < len(old) and isinstance(old[index], Mapping) else None
        row = parse(row_fields(field, index), form, before)
        if any(row.values()):
            rows.append(row)
    return rows


def input_name(loc: tuple[int | str, ...]) -> str:
    """The input a validation error's location points at: ('quote', 'text') → 'quote.text',
    ('considerations', 0, 'text') → 'considerations.0.text', ('facts', 2) → 'facts'."""
    parts: list[str] = []
    for position, part in enumerate(loc):
        last = position + 1 == len(loc)
        if isinstance(part, int) and (last or not isinstance(loc[position + 1], str)):
            break  # a position in a list of values: the input is the list
        parts.append(str(part))
    return ".".join(parts) or "_"


def validate(
    model: type[BaseModel], data: dict[str, Any]
) -> tuple[BaseModel | None, dict[str, list[str]]]:
    """The model built from `data`, or None and the messages for each input (by name)."""
    try:
        return model.model_validate(data), {}
    except ValidationError as exc:
        errors: dict[str, list[str]] = {}
        for error in exc.errors():
            name = input_name(tuple(error["loc"]))
            errors.setdefault(name, []).append(str(error_message(error, model)))
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
                old = (before or {}).get(name)
                value = to_write(inner, getattr(item, name), old)
            written[name] = value
    return written
