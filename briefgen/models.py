"""Pydantic models of a dossier: the single source of truth for its shape.

A dossier is what a union knows about one subject before a meeting: the
sources it read, the facts it drew from them (each tied to its sources), and
what it makes of them (themes, questions, demands).  `check_references`
verifies that every id a dossier uses points at something; `unused` finds what
nothing uses yet (a warning: a dossier is written one item at a time).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator

from .i18n import N_, Message, lazy

ID_PATTERN = r"^[a-z0-9][a-z0-9-]*$"
SNAPSHOT_PATTERN = r"^sources/[a-z0-9][a-z0-9-]*\.txt$"
SHA256_PATTERN = r"^[0-9a-f]{64}$"
Id = Annotated[
    str,
    Field(
        pattern=ID_PATTERN,
        max_length=64,
        description="Identifier: lower-case letters, digits and hyphens.",
    ),
]
Text = Annotated[str, Field(min_length=1, max_length=4000)]


NOT_A_WEB_ADDRESS = lazy("must be an http:// or https:// address")
NOT_A_REAL_DATE = N_("'%(value)s' is not a real date")


def _http_only(value: str) -> str:
    if not re.match(r"^https?://[^\s<>\"]+$", value):
        raise ValueError(NOT_A_WEB_ADDRESS)
    return value


WebAddress = Annotated[str, Field(max_length=2000), AfterValidator(_http_only)]

PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
PRECISIONS = ("year", "month", "day")


def partial_date(text: str) -> tuple[dt.date, str]:
    """'2026' / '2025-09' / '2025-12-20' → (the first day it covers, year/month/day).

    Raises ValueError, with a message for the user, if `text` is no such date.
    """
    match = PARTIAL_DATE.match(text)
    if not match:
        raise ValueError(
            lazy("'%(value)s' is not a date (YYYY, YYYY-MM or YYYY-MM-DD)", value=text)
        )
    given = [int(g) for g in match.groups() if g]
    try:
        day = dt.date(*given, *[1] * (3 - len(given)))
    except ValueError:
        raise ValueError(lazy(NOT_A_REAL_DATE, value=text)) from None
    return day, PRECISIONS[len(given) - 1]


class Model(BaseModel):
    """Base of every dossier model: unknown fields are an error, text is trimmed."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True, frozen=True, str_max_length=4000
    )


class SourceKind(StrEnum):
    """What kind of document a source is; it tells how far it can be trusted."""

    press = "press"
    official = "official"
    union = "union"
    legal_text = "legal-text"
    case_law = "case-law"
    reader_comment = "reader-comment"
    other = "other"


UNVERIFIABLE_KINDS = frozenset({SourceKind.reader_comment})


def only_unverifiable(sources: Iterable[str], kinds: Mapping[str, SourceKind]) -> bool:
    """Whether the sources (ids, with `kinds` by id) are all of a kind a reader cannot
    verify (reader comments); False when there are none."""
    backing = {kinds[s] for s in sources if s in kinds}
    return bool(backing) and backing <= UNVERIFIABLE_KINDS


class Audience(StrEnum):
    """Who may read an item: everyone, or the union's representatives only."""

    public = "public"
    reps = "reps"


class Status(StrEnum):
    """How solid a fact is."""

    established = "established"
    reported = "reported"
    unverified = "unverified"


class Source(Model):
    """A document the dossier's facts come from."""

    id: Id
    title: Text = Field(description="Title of the document, as published.")
    publisher: Text = Field(description="Who published it: newspaper, site, body.")
    author: str | None = Field(None, description="Author, if the document names one.")
    date: dt.date | None = Field(None, description="Publication date, if known.")
    url: WebAddress | None = Field(
        None, description="Address of the document (http or https), if known."
    )
    kind: SourceKind = Field(
        description="press, official, union, legal-text, case-law, reader-comment or other."
    )
    note: str | None = Field(
        None, description="What a reader should know about this source (reliability, access)."
    )
    lang: Literal["fr", "en"] | None = Field(
        None,
        description="Language of the title, if not the dossier's: the documents tag the "
        "title with it, so it is read aloud, hyphenated and checked as such.",
    )
    snapshot: str | None = Field(
        None,
        pattern=SNAPSHOT_PATTERN,
        description="The archived text of the document: a file in the dossier's sources/ "
        "folder (written when the source is imported).",
    )
    sha256: str | None = Field(
        None,
        pattern=SHA256_PATTERN,
        description="SHA-256 of the snapshot file when it was archived.",
    )


QUOTATION_MARKS = (("«", "»"), ("“", "”"), ("„", "“"), ('"', '"'), ("‘", "’"), ("'", "'"))
"""Pairs of quotation marks a quotation may be typed in."""


class Quote(Model):
    """A short phrase quoted word for word, with who said it."""

    text: str = Field(
        min_length=1,
        max_length=300,
        description="The quoted words, without quotation marks (the documents add them).",
    )
    by: Text = Field(description="Who said or wrote them.")

    @field_validator("text")
    @classmethod
    def _without_quotation_marks(cls, value: str) -> str:
        """Quotation marks typed around the words would print twice (« « … » »)."""
        for opening, closing in QUOTATION_MARKS:
            inner = value[len(opening) : -len(closing)].strip(" \u00a0\u202f")
            enclosed = value.startswith(opening) and value.endswith(closing) and len(value) > 2
            if enclosed and inner and opening not in inner and closing not in inner:
                return inner
        return value


class Fact(Model):
    """One statement of fact, in the dossier's own words, tied to its sources."""

    id: Id
    statement: Text = Field(description="The fact, restated in our own words.")
    value: float | None = Field(None, description="A figure the fact gives, if any.")
    unit: str | None = Field(None, description="Unit of the figure (conseillers, €, %).")
    label: str | None = Field(
        None,
        description="Short caption that follows the figure and its unit in the key figures "
        "(500 conseillers | France Travail Pro dotés d'une licence LinkedIn).",
    )
    sources: list[Id] = Field(
        default_factory=list, max_length=200, description="Ids of the sources that back the fact."
    )
    union_position: bool = Field(
        False,
        description="True when the statement is the union's own position or analysis: "
        "it then cites no source.",
    )
    quote: Quote | None = Field(None, description="Optional short attributed quotation.")
    said_by: str | None = Field(
        None, description="Who asserts it, when the source attributes it (management, CGT…)."
    )
    as_of: dt.date | None = Field(None, description="Date at which the fact was true or reported.")
    audience: Audience = Field(
        Audience.public, description="public, or reps for the representatives only."
    )
    status: Status = Field(
        Status.reported,
        description="established, reported (by a source) or unverified (a claim nobody backs).",
    )
    topic: Id | None = Field(
        None,
        description="What the fact is about (e.g. pilot-scope); facts on one topic that "
        "disagree must be declared as a divergence.",
    )

    @field_validator("sources")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        repeated = sorted({v for v in value if value.count(v) > 1})
        if repeated:
            raise ValueError(lazy("source listed twice: %(ids)s", ids=", ".join(repeated)))
        return value


class Theme(Model):
    """A concern of the union, grouping the facts that substantiate it."""

    id: Id
    title: Text = Field(description="Heading of the theme.")
    summary: str | None = Field(
        None, description="One or two sentences of the union's analysis (no new facts)."
    )
    facts: list[Id] = Field(
        min_length=1, max_length=500, description="Ids of the facts, in reading order."
    )


class KeyPoint(Model):
    """One point of "l'essentiel": a sentence that sums up some facts."""

    text: Text = Field(description="The point, in one sentence.")
    facts: list[Id] = Field(min_length=1, description="Ids of the facts it sums up.")


class Divergence(Model):
    """Sources that disagree on the same subject; shown, never silently resolved."""

    id: Id
    subject: Text = Field(description="What the sources disagree about.")
    facts: list[Id] = Field(min_length=2, description="The facts that disagree (two or more).")
    comment: str | None = Field(None, description="What the reader should make of it.")


class TimelineEvent(Model):
    """A dated event; the date may be a year, a month or a day."""

    when: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD.")
    what: Text = Field(description="What happened or is planned.")
    facts: list[Id] = Field(min_length=1, description="Ids of the facts that back the event.")

    @field_validator("when", mode="before")
    @classmethod
    def _partial_date(cls, value: object) -> str:
        text = value.isoformat() if isinstance(value, dt.date) else str(value)
        partial_date(text)
        return text


class Stakeholder(Model):
    """A party to the subject: employer, company, union, authority."""

    id: Id
    name: Text = Field(description="Name of the party.")
    role: Text = Field(description="What it is and does in this matter.")
    facts: list[Id] = Field(
        default_factory=list, description="Ids of the facts that describe its part."
    )


class LegalRef(Model):
    """An article of law the union relies on."""

    id: Id
    code: Text = Field(description="The text: Code du travail, RGPD, a court decision…")
    article: Text = Field(description="The article or reference (L2312-8, art. 35…).")
    paraphrase: Text = Field(description="What it says, in one line of our own words.")
    url: WebAddress | None = Field(None, description="Address of the official text, if any.")


class Question(Model):
    """A question to put to management, with what motivates it and its legal basis."""

    id: Id
    text: Text = Field(description="The question, as it will be asked.")
    facts: list[Id] = Field(default_factory=list, description="Facts that motivate it.")
    legal: list[Id] = Field(
        default_factory=list, max_length=200, description="Legal references it rests on."
    )
    audience: Audience = Field(
        Audience.public, description="public, or reps if it is for internal preparation."
    )
    asked_on: dt.date | None = Field(
        None,
        description="Date the question was sent or put to management (at a meeting, or in "
        "the written requests before it); empty while it is being prepared.",
    )
    answer: Answer | None = Field(None, description="Management's answer, once there is one.")


class Judgement(StrEnum):
    """What the reps make of management's answer to a question."""

    answered = "answered"
    partial = "partial"
    unanswered = "unanswered"
    late = "late"


class Answer(Model):
    """Management's answer to a question, in the dossier's own words, with its source."""

    date: dt.date = Field(description="Date of the answer (letter, e-mail, meeting).")
    by: str | None = Field(None, description="Who answered for management, if known.")
    text: Text = Field(description="What management answered, restated in our own words.")
    sources: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of the sources that hold it: the letter, the minutes, an e-mail.",
    )
    judgement: Judgement = Field(
        Judgement.answered,
        description="answered, partial, unanswered (an answer that answers nothing) or late "
        "(answered after its due date).",
    )


class CommitmentState(StrEnum):
    """Whether management kept a commitment (overdue is computed from its due date)."""

    open = "open"
    kept = "kept"
    broken = "broken"


class Commitment(Model):
    """Something management undertook to do, when, and whether it did."""

    id: Id
    text: Text = Field(description="What management undertook to do, in our own words.")
    made_on: dt.date = Field(description="Date the commitment was made.")
    due: dt.date | None = Field(None, description="Date by which it is to be kept, if set.")
    sources: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of the sources that record it: minutes, letter, e-mail.",
    )
    state: CommitmentState = Field(
        CommitmentState.open, description="open, kept or broken (not kept)."
    )
    audience: Audience = Field(
        Audience.public, description="public, or reps to keep it in the briefing note."
    )


class Levels(StrEnum):
    """At which level(s) of the company a consultation runs."""

    single = "single"
    central = "central"
    both = "both"


class Consultation(Model):
    """A consultation of the CSE: its time runs from the day management hands over the
    information (R2312-5) until the opinion, or the day the CSE is deemed to have given a
    negative one (R2312-6)."""

    id: Id
    subject: Text = Field(description="What the CSE is consulted on.")
    informed_on: dt.date | None = Field(
        None,
        description="Day management handed over the information the law requires, or said "
        "it is available in the BDESE; its time runs from then.",
    )
    levels: Levels = Field(
        Levels.single,
        description="single (one CSE), central (the CSE central alone) or both (central and "
        "establishment CSEs consulted).",
    )
    expert: bool = Field(False, description="True when the CSE appointed an expert.")
    expert_both_levels: bool = Field(
        False, description="True when expertises run at both central and establishment level."
    )
    opinion_on: dt.date | None = Field(
        None, description="Date the CSE gave its opinion, if it did."
    )
    sources: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of the sources that record it: the information, the convocation.",
    )


class Demand(Model):
    """What the union asks for."""

    id: Id
    text: Text = Field(description="The demand, in one sentence.")
    facts: list[Id] = Field(default_factory=list, description="Facts that ground it.")
    legal: list[Id] = Field(default_factory=list, description="Legal references it rests on.")
    audience: Audience = Field(
        Audience.public, description="public, or reps to keep it in the briefing note."
    )


class PastMeeting(Model):
    """A meeting of the CSE on this matter: where the thread of questions, answers and
    commitments runs from one meeting to the next."""

    instance: Text = Field(description="Body that meets: CSE central, CSE d'établissement…")
    establishment: str | None = Field(None, description="Establishment, for a local CSE.")
    date: dt.date = Field(description="Date of the meeting.")
    agenda_item: Text = Field(description="The agenda item the documents address.")
    central: bool = Field(
        False, description="True for a CSE central: its agenda is due 8 days before, not 3."
    )
    department: str | None = Field(
        None,
        pattern=r"^(?:\d{2}|2A|2B|9[78]\d)$",
        description="Département of the establishment (57, 67, 68: Alsace-Moselle's public "
        "holidays count in working days).",
    )
    sources: list[Id] = Field(
        default_factory=list,
        max_length=20,
        description="Ids of the sources that record it: the minutes (procès-verbal), once "
        "they exist.",
    )


class Meeting(PastMeeting):
    """The meeting the documents prepare."""

    unions: list[Text] = Field(min_length=1, description="Union(s) signing the documents.")
    questions_by: dt.date | None = Field(
        None,
        description="Date by which the written questions must reach management "
        "(default: eight days before the meeting).",
    )


class Establishment(Model):
    """A region or site with its own CSE: `briefgen build --each establishment` makes one
    variant of each document for it."""

    id: Id
    name: Text = Field(description="Name of the establishment (region, site).")
    instance: Text = Field(
        "CSE d'établissement", description="Its staff body, e.g. CSE d'établissement."
    )
    meeting_date: dt.date | None = Field(
        None, description="Date of its meeting (default: the dossier's meeting date)."
    )
    contact: str | None = Field(None, description="Local contact line of its tract.")
    facts: list[Id] = Field(
        default_factory=list,
        max_length=10,
        description="Facts about this establishment, shown first among the key points.",
    )


class Tract(Model):
    """What the one-page tract for all staff says beyond the facts."""

    headline: Text = Field(description="The tract's headline, a few words.")
    call_to_action: Text = Field(description="What staff are asked to do.")
    contact: Text = Field(description="How to reach the union: names, e-mail, phone, room.")
    points: int = Field(
        4, ge=1, le=8, description="How many key points the tract shows (the first ones)."
    )
    facts: list[Id] = Field(
        default_factory=list,
        max_length=3,
        description="Up to three facts with a figure, shown large at the top of the tract.",
    )


class Declaration(Model):
    """The union's own words for the opening statement read at the meeting."""

    opening: list[Text] = Field(min_length=1, description="Opening paragraphs.")
    closing: list[Text] = Field(min_length=1, description="Closing paragraphs.")


class Opinion(Model):
    """The draft reasoned opinion the CSE may adopt."""

    considerations: list[KeyPoint] = Field(
        min_length=1, description="The grounds (« considérant que… »), each tied to facts."
    )
    conclusion: Text = Field(description="What the CSE concludes: its opinion, in one sentence.")


class Dossier(Model):
    """Everything the documents of one meeting are made from.

    The lists have upper bounds: a dossier larger than that is no longer a
    briefing, and would make documents too long to render in reasonable time.
    """

    id: Id = Field(description="Identifier; names the output folder.")
    title: Text = Field(description="Title of the dossier, shown on every cover.")
    subtitle: str | None = Field(None, description="Optional line under the title.")
    organisation: Text = Field(description="The employer concerned.")
    lang: Literal["fr", "en"] = Field(
        "fr",
        description="Language of the dossier's text: the documents' typography, hyphenation "
        "and declared language follow it (`build --lang` changes only the labels).",
    )
    date: dt.date = Field(description="Date the dossier was last brought up to date.")
    employees: int | None = Field(
        None,
        ge=1,
        le=10_000_000,
        description="Number of employees of the employer: from 11 to 49, written requests and "
        "answers follow L2315-22 (2 working days before, 6 after, a register).",
    )
    meeting: Meeting = Field(description="The meeting the documents prepare.")
    past_meetings: list[PastMeeting] = Field(
        default_factory=list,
        max_length=50,
        description="The earlier meetings on this matter, oldest first.",
    )
    key_points: list[KeyPoint] = Field(
        min_length=1,
        max_length=12,
        description='"L\'essentiel": a few sentences, each tied to facts.',
    )
    sources: list[Source] = Field(min_length=1, max_length=200, description="The documents read.")
    facts: list[Fact] = Field(
        min_length=1, max_length=500, description="The facts drawn from them."
    )
    divergences: list[Divergence] = Field(
        default_factory=list, max_length=50, description="Subjects on which sources disagree."
    )
    themes: list[Theme] = Field(
        default_factory=list, max_length=50, description="The concerns, by theme."
    )
    timeline: list[TimelineEvent] = Field(
        default_factory=list, max_length=200, description="Dated events."
    )
    stakeholders: list[Stakeholder] = Field(
        default_factory=list, max_length=100, description="The parties involved."
    )
    legal: list[LegalRef] = Field(
        default_factory=list, max_length=200, description="Legal references."
    )
    questions: list[Question] = Field(
        default_factory=list, max_length=100, description="Questions for management."
    )
    demands: list[Demand] = Field(
        default_factory=list, max_length=100, description="The union's demands."
    )
    commitments: list[Commitment] = Field(
        default_factory=list, max_length=100, description="What management undertook to do."
    )
    consultations: list[Consultation] = Field(
        default_factory=list, max_length=20, description="Consultations of the CSE under way."
    )
    establishments: list[Establishment] = Field(
        default_factory=list,
        max_length=200,
        description="Regions or sites with their own CSE, for variants of the documents.",
    )
    tract: Tract | None = Field(None, description="Headline, call to action and contact.")
    declaration: Declaration | None = Field(
        None, description="The union's own words for the opening statement."
    )
    opinion: Opinion | None = Field(None, description="The draft reasoned opinion.")


class Visibility:
    """What readers of one audience may see of one dossier, by what each item rests on.

    The one place that decides it, for the documents, `diff --public`, the provenance
    records and the divergence marks: the representatives see everything; other readers
    see a fact meant for them, a source some fact they see cites, a legal reference some
    question or demand they see rests on, a divergence when at least two of its facts are
    theirs, a theme when one is, and any other item (question, demand, key point,
    consideration, timeline event, stakeholder) when its own audience allows and every
    fact it rests on is theirs: a sentence summing up a reps-only fact would tell it.
    Of the thread between meetings: an answer is theirs when its question is, and a source
    is also theirs when an answer, commitment, consultation or meeting they see cites it.
    """

    def __init__(self, dossier: Dossier, audience: Audience) -> None:
        self.everything = audience is Audience.reps
        self.facts = frozenset(f.id for f in dossier.facts if self._allows(f))
        self._answers = tuple(
            q.answer for q in dossier.questions if q.answer is not None and self(q)
        )
        if self.everything:
            self.sources = frozenset(s.id for s in dossier.sources)
            self.legal = frozenset(ref.id for ref in dossier.legal)
        else:
            self.sources = frozenset(self._cited(dossier))
            resting: list[Question | Demand] = [*dossier.questions, *dossier.demands]
            self.legal = frozenset(ref for item in resting if self(item) for ref in item.legal)

    def _cited(self, dossier: Dossier) -> Iterator[str]:
        """The ids of the sources the facts and the thread items these readers see cite."""
        thread: list[Fact | Answer | Commitment | Consultation | PastMeeting] = [
            *dossier.facts,
            *self._answers,
            *dossier.commitments,
            *dossier.consultations,
            *dossier.past_meetings,
            dossier.meeting,
        ]
        return (s for item in thread if self(item) for s in item.sources)

    def _allows(self, item: BaseModel) -> bool:
        """Whether the item's own audience lets these readers see it."""
        return self.everything or getattr(item, "audience", Audience.public) is Audience.public

    def __call__(self, item: BaseModel) -> bool:
        """Whether readers of this audience may see `item`."""
        if self.everything:
            return True
        if isinstance(item, Source):
            return item.id in self.sources
        if isinstance(item, LegalRef):
            return item.id in self.legal
        if isinstance(item, Fact):
            return item.id in self.facts
        if isinstance(item, (Establishment, Tract)):
            return True  # they list facts to show, and show only the visible ones
        if isinstance(item, Answer):
            return any(item is answer for answer in self._answers)
        facts: list[str] = getattr(item, "facts", [])
        seen = sum(f in self.facts for f in facts)
        if isinstance(item, Divergence):
            return seen >= 2
        if isinstance(item, Theme):
            return seen >= 1
        return self._allows(item) and seen == len(facts)

    def ids(self, table: str) -> frozenset[str]:
        """The ids these readers may see in one of the referenced tables (facts, sources,
        legal)."""
        return {"facts": self.facts, "sources": self.sources, "legal": self.legal}[table]


Path = tuple[str | int, ...]
Finding = tuple[str, Path, Message]
"""(rule code, field path, message) of one problem found in a valid dossier."""

# A field named after one of these lists holds ids of its items
# (Fact.sources, Theme.facts, Question.legal…).
REFERENCED = ("sources", "facts", "legal")
UNKNOWN = {
    "sources": N_("unknown source '%(id)s' (known: %(known)s)"),
    "facts": N_("unknown fact '%(id)s' (known: %(known)s)"),
    "legal": N_("unknown legal reference '%(id)s' (known: %(known)s)"),
}
NEVER_USED = {
    "sources": N_("'%(id)s' is never used (no fact cites it)"),
    "facts": N_(
        "'%(id)s' is never used (no key point, theme, divergence, timeline event, question, "
        "demand or consideration refers to it)"
    ),
    "legal": N_("'%(id)s' is never used (no question or demand rests on it)"),
}


def _walk(model: Model, path: Path) -> Iterator[tuple[Path, Model]]:
    """Every model nested in `model` (itself included), with its field path."""
    yield path, model
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, Model):
            yield from _walk(value, (*path, name))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, Model):
                    yield from _walk(item, (*path, name, index))


def _references(dossier: Dossier) -> Iterator[tuple[str, Path, str]]:
    """(table, field path, id) of every reference a dossier makes to one of its items."""
    for path, model in _walk(dossier, ()):
        if model is dossier:  # its own sources, facts and legal are the tables themselves
            continue
        for table in type(model).model_fields.keys() & REFERENCED:
            for position, ref in enumerate(getattr(model, table)):
                yield table, (*path, table, position), ref


def check_references(dossier: Dossier) -> Iterator[Finding]:
    """Yield (rule code, field path, message) for each broken cross-reference of a dossier.

    Checked: duplicate ids, references to unknown ids, and facts with no source
    that are not the union's own position (or that cite one when they are).
    """
    known = {table: [item.id for item in getattr(dossier, table)] for table in REFERENCED}

    for name in Dossier.model_fields:
        items = getattr(dossier, name)
        if not isinstance(items, list):
            continue
        first: dict[str, int] = {}
        for index, item in enumerate(items):
            item_id = getattr(item, "id", None)
            if item_id in first:
                yield (
                    "E102",
                    (name, index, "id"),
                    lazy(
                        "duplicate id '%(id)s' (first used at %(first)s)",
                        id=item_id,
                        first=f"{name}[{first[item_id]}]",
                    ),
                )
            elif item_id is not None:
                first[item_id] = index

    for table, path, ref in _references(dossier):
        if ref not in known[table]:
            yield "E101", path, lazy(UNKNOWN[table], id=ref, known=", ".join(known[table]))

    kinds = {source.id: source.kind for source in dossier.sources}
    for index, fact in enumerate(dossier.facts):
        if only_unverifiable(fact.sources, kinds) and fact.status is not Status.unverified:
            yield (
                "E106",
                ("facts", index, "status"),
                lazy(
                    "backed only by reader comments: mark it `status: unverified` "
                    "(it is then kept out of the tract)"
                ),
            )
        if fact.union_position and fact.sources:
            yield (
                "E104",
                ("facts", index, "union_position"),
                lazy("a union position cites no source; remove the sources or union_position"),
            )
        elif not fact.union_position and not fact.sources:
            yield (
                "E103",
                ("facts", index, "sources"),
                lazy(
                    "a fact needs at least one source (or union_position: true if it is "
                    "the union's own position)"
                ),
            )


def unused(dossier: Dossier) -> Iterator[Finding]:
    """Yield a W105 warning for each source, fact or legal reference nothing uses yet.

    A warning, not an error: a dossier is written one item at a time, and a new
    source is there before the fact that cites it.
    """
    used: dict[str, set[str]] = {table: set() for table in REFERENCED}
    for table, _, ref in _references(dossier):
        used[table].add(ref)
    for table in REFERENCED:
        for index, item in enumerate(getattr(dossier, table)):
            if item.id not in used[table]:
                yield "W105", (table, index, "id"), lazy(NEVER_USED[table], id=item.id)
