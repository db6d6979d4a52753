"""Dossier (+ audience) → the plain mapping a template sees.

Templates never compute: every reference and filter is prepared here.
Sources are numbered in the order the document first cites them, and the
list of sources holds only those it cites; a template prints that list after
the text that cites them.  Items meant for the representatives only are left
out of documents for a wider audience.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Set
from datetime import timedelta
from typing import Annotated, Any

from markupsafe import Markup
from pydantic import BaseModel, ConfigDict, Field

from . import deadlines
from .models import (
    UNVERIFIABLE_KINDS,
    Audience,
    Commitment,
    CommitmentState,
    Consultation,
    Declaration,
    Demand,
    Dossier,
    Fact,
    LegalRef,
    Question,
    Quote,
    Source,
    Status,
    Visibility,
    only_unverifiable,
)
from .quotes import unit_in_label
from .templating import foreign


class _References:
    """Numbers sources in the order a document first cites them.

    Reference marks are rendered lazily, when the template prints them, so a
    source gets its number where the reader first meets it, and the list of
    sources at the end holds exactly the sources the document cites.
    """

    def __init__(
        self, sources: Iterable[Source], citable: Set[str], lang: str, notes: bool
    ) -> None:
        self.sources = {s.id: s for s in sources if s.id in citable}
        self.lang = lang
        """The language of the dossier's text: a title in another one is tagged with it."""
        self.notes = notes
        """Whether a source's note is printed: it is the reps' research note, kept out of a
        document for staff or management."""
        self.number: dict[str, int] = {}
        self.shown: dict[str, None] = {}
        """The facts whose marks the document has printed, in the order it printed them."""

    def mark(self, source_ids: Iterable[str]) -> Markup:
        """`<sup>` with a link to each source, e.g. [1, 3]; empty if nothing is cited."""
        for source_id in source_ids:
            if source_id in self.sources and source_id not in self.number:
                self.number[source_id] = len(self.number) + 1
        numbers = sorted({self.number[i] for i in source_ids if i in self.number})
        if not numbers:
            return Markup("")
        links = Markup(", ").join(
            Markup('<a href="#source-{0}">{0}</a>').format(n) for n in numbers
        )
        return Markup('<sup class="ref">[{}]</sup>').format(links)

    def cited(self) -> list[SourceView]:
        """The sources cited so far, in number order, as the template shows them."""
        views = []
        for source_id, number in self.number.items():
            source = self.sources[source_id]
            fields = source.model_dump()
            if not self.notes:
                fields["note"] = None
            if source.lang and source.lang != self.lang:
                fields["title"] = foreign(source.title, source.lang)
            views.append(
                SourceView.model_construct(
                    number=number, **fields, unverifiable=source.kind in UNVERIFIABLE_KINDS
                )
            )
        return views


class _Mark:
    """A reference mark, numbered when it is printed (see `_References`)."""

    def __init__(self, references: _References, source_ids: list[str], facts: list[str]) -> None:
        self._references = references
        self._source_ids = source_ids
        self._facts = facts

    def __html__(self) -> str:
        self._references.shown.update(dict.fromkeys(self._facts))
        return str(self._references.mark(self._source_ids))

    __str__ = __html__

    def __bool__(self) -> bool:
        return any(i in self._references.sources for i in self._source_ids)


class _CitedSources:
    """The list of sources, as cited by the time the template reaches it."""

    def __init__(self, references: _References) -> None:
        self._references = references

    def __iter__(self) -> Iterator[SourceView]:
        return iter(self._references.cited())

    def facts_shown(self) -> list[str]:
        """The ids of the facts the document has shown so far (their marks printed)."""
        return list(self._references.shown)

    def __len__(self) -> int:
        return len(self._references.number)


def _where(instance: str, establishment: str | None) -> str:
    if establishment and establishment not in instance:
        return f"{instance} · {establishment}"
    return instance


def _group_by_code(refs: list[LegalRef]) -> list[LegalGroup]:
    """Legal references grouped by text, in order of appearance."""
    groups: dict[str, list[LegalRef]] = {}
    for ref in refs:
        groups.setdefault(ref.code, []).append(ref)
    return [LegalGroup.model_construct(code=code, refs=items) for code, items in groups.items()]


QUESTIONS_LEAD_DAYS = 8
"""Default time between sending the written questions and the meeting.

Eight days is the notice the agenda of a CSE central needs (Code du travail,
L2316-17); questions sent by then can be put on it.  A dossier can set its own
date (`meeting.questions_by`).
"""


class View(BaseModel):
    """Base of what templates see: read-only, documented field by field.

    Views are made from a dossier that is already validated, so they are built
    with `model_construct` and never validated again: their schema is never
    built (`defer_build`), which keeps it out of start-up time.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)


Refs = Annotated[
    Any,
    Field(
        description="Reference mark to the sources, e.g. [1, 3] (empty if none); "
        "numbered when printed."
    ),
]


class FactView(View):
    """A fact as a document shows it."""

    id: str = Field(description="The fact's id.")
    statement: str = Field(description="The fact, in the dossier's words.")
    refs: Refs
    union_position: bool = Field(description="True for the union's own analysis (no source).")
    unverified: bool = Field(
        description="True when marked unverified or backed only by reader comments."
    )
    disputed: bool = Field(description="True when sources disagree on it (see divergences).")
    said_by: str | None = Field(description="Who asserts it.")
    quote: Quote | None = Field(description="Short quotation: .text and .by.")
    value: float | None = Field(description="The figure it gives (use the number filter).")
    unit: str | None = Field(description="Unit of the figure.")
    label: str | None = Field(description="Caption of the figure.")
    figure_unit: str | None = Field(
        description="The unit to print after the figure: the unit, or the label's own "
        "spelling of it when the label starts with it."
    )
    caption: str = Field(
        description="What the figure measures, to print after it and its figure_unit: the "
        "label without the unit it starts with, else the label, else the statement."
    )
    as_of: dt.date | None = Field(description="Date the fact was true or reported.")


class PositionView(FactView):
    """One side of a divergence."""

    sources: list[Source] = Field(description="The sources that say it (.publisher, .title…).")


class CitedView(View):
    """A sentence that sums up facts, with their reference marks."""

    text: str = Field(description="The sentence.")
    refs: Refs
    union_position: bool = Field(description="True when all its facts are union positions.")
    disputed: bool = Field(description="True when sources disagree on one of its facts.")
    unverified: bool = Field(description="True when one of its facts is unverified.")


class ThemeView(View):
    """A concern of the union and its facts."""

    id: str = Field(description="The theme's id.")
    title: str = Field(description="Heading.")
    summary: str | None = Field(description="The union's analysis in a sentence or two.")
    facts: list[FactView] = Field(description="Its facts, in reading order.")


class DivergenceView(View):
    """Sources that disagree."""

    subject: str = Field(description="What they disagree about.")
    comment: str | None = Field(description="What the reader should do about it.")
    positions: list[PositionView] = Field(description="Each side, with its sources.")


class EventView(View):
    """A dated event."""

    when: str = Field(description="YYYY, YYYY-MM or YYYY-MM-DD (use the date filter).")
    what: str = Field(description="What happened or is planned.")
    refs: Refs
    union_position: bool = Field(description="True when all its facts are union positions.")


class StakeholderView(View):
    """A party to the subject."""

    name: str = Field(description="Name.")
    role: str = Field(description="Its part in the matter.")
    refs: Refs


class LegalGroup(View):
    """Legal references from one text."""

    code: str = Field(description="The text: Code du travail, RGPD…")
    refs: list[LegalRef] = Field(description="Its articles (.article, .paraphrase, .url).")


class MotivatedView(View):
    """A question for management or a demand, with what grounds it."""

    number: int = Field(description="Its number, from 1.")
    text: str = Field(description="The question or demand.")
    facts: list[FactView] = Field(description="The facts that motivate it.")
    motives: list[FactView] = Field(
        description="Those of its facts no earlier question of the document shows, in order."
    )
    see_also: list[int] = Field(
        description="The numbers of the earlier questions that show its other facts."
    )
    legal: list[LegalRef] = Field(description="Its legal references.")
    legal_by_code: list[LegalGroup] = Field(description="The same, grouped by text.")
    refs: Refs
    union_position: bool = Field(description="True when all its facts are union positions.")


class TractView(View):
    """What the tract shows beyond the facts."""

    headline: str = Field(description="Headline.")
    call_to_action: str = Field(description="What staff are asked to do.")
    contact: str = Field(description="How to reach the union (briefgen.toml may set it).")
    key_points: list[CitedView] = Field(
        description="The first key points, as many as asked; none that rests on an unverified fact."
    )
    figures: list[FactView] = Field(description="Up to three verified figures.")


class OpinionView(View):
    """The draft reasoned opinion."""

    considerations: list[CitedView] = Field(description="The grounds (« considérant que… »).")
    conclusion: str = Field(description="The CSE's opinion.")


class AnswerView(View):
    """Management's answer to a question, as of the meeting the document prepares."""

    date: dt.date = Field(description="Date of the answer (use the date filter).")
    by: str | None = Field(description="Who answered for management.")
    text: str = Field(description="The answer, in the dossier's words.")
    refs: Refs
    judgement: str = Field(description="answered, partial, unanswered or late.")


class AskedView(View):
    """A question put to management, and what became of it."""

    number: int = Field(description="Its number in the order questions were asked, from 1.")
    listed: int = Field(
        description="Its number among the questions the document lists (`questions`), from 1."
    )
    text: str = Field(description="The question.")
    asked_on: dt.date = Field(description="Date it was asked.")
    days: int = Field(description="Calendar days from then to the meeting.")
    answer: AnswerView | None = Field(
        description="Management's answer given by the meeting's date; none if none yet."
    )
    unanswered: bool = Field(
        description="True when no answer came by the meeting's date, or one that answers nothing."
    )


class CommitmentView(View):
    """Something management undertook to do, as of the meeting."""

    text: str = Field(description="What management undertook to do.")
    made_on: dt.date = Field(description="Date it was made.")
    due: dt.date | None = Field(description="Date it was due by, if set.")
    state: str = Field(description="open, kept, broken (not kept) or overdue (open, past due).")
    days_overdue: int | None = Field(
        description="Calendar days from its due date to the meeting, when overdue."
    )
    refs: Refs


class ConsultationView(View):
    """A consultation of the CSE and its clock."""

    subject: str = Field(description="What the CSE is consulted on.")
    informed_on: dt.date | None = Field(description="Day its time started running.")
    deemed_negative: dt.date | None = Field(
        description="Day the CSE is deemed to have given a negative opinion (R2312-6)."
    )
    establishment_due: dt.date | None = Field(
        description="Day an establishment's opinion is due, when both levels are consulted."
    )
    days_left: int | None = Field(
        description="Calendar days from the meeting to the deemed-negative day (negative "
        "once passed)."
    )
    opinion_on: dt.date | None = Field(description="Date the CSE gave its opinion, if it did.")
    refs: Refs


class ThreadView(View):
    """The thread between meetings, as of the meeting the documents prepare.

    None when the dossier has nothing of it for the document's readers."""

    since: dt.date | None = Field(description="Date of the last meeting before this one.")
    asked: list[AskedView] = Field(description="The questions asked by then, in order.")
    unanswered: list[AskedView] = Field(description="Those still without an answer.")
    commitments: list[CommitmentView] = Field(description="Management's commitments.")
    not_kept: list[CommitmentView] = Field(description="Those broken or overdue.")
    consultations: list[ConsultationView] = Field(description="The consultations under way.")


class DossierView(View):
    """What a document says of the dossier itself."""

    id: str = Field(description="Identifier.")
    title: str = Field(description="Title.")
    subtitle: str | None = Field(description="Line under the title.")
    organisation: str = Field(description="The employer.")
    lang: str = Field(description="Language of the dossier.")
    date: dt.date = Field(description="Date it was last brought up to date.")


class MeetingView(View):
    """The meeting the documents prepare."""

    instance: str = Field(description="CSE central, CSE d'établissement…")
    establishment: str | None = Field(description="Establishment, for a local CSE.")
    date: dt.date = Field(description="Date of the meeting (use the date filter).")
    agenda_item: str = Field(description="The agenda item.")
    unions: list[str] = Field(description="Union(s) signing the documents.")
    questions_by: dt.date = Field(description="Date by which written questions must be sent.")
    where: str = Field(
        description="The instance, followed by the establishment unless its name is already "
        "in it: « CSE d'établissement · Site de Lyon »."
    )


class SourceView(View):
    """A source in a document's list of sources."""

    number: int = Field(description="Its number in this document.")
    id: str = Field(description="Its id.")
    title: str = Field(description="Title; tagged with its language when it is not the dossier's.")
    publisher: str = Field(description="Publisher.")
    author: str | None = Field(description="Author.")
    date: dt.date | None = Field(description="Publication date.")
    url: str | None = Field(description="Address (http or https only).")
    kind: str = Field(description="press, official, union, legal-text, case-law, reader-comment…")
    note: str | None = Field(
        description="What the reps should know about it; none in a document for staff or "
        "management."
    )
    lang: str | None = Field(description="Language of the title, if not the dossier's.")
    unverifiable: bool = Field(description="True for reader comments.")


class DocView(View):
    """The document being made (`doc`)."""

    name: str = Field(
        description="Its kind: note, tract, declaration, questions, avis or registre."
    )
    title: str = Field(description="Its title, from the labels.")
    audience: str = Field(description="public or reps.")


class DocumentContext(View):
    """Everything a document template sees (besides labels, branding and doc)."""

    dossier: DossierView = Field(description="The dossier's title, organisation and date.")
    meeting: MeetingView = Field(description="The meeting.")
    audience: str = Field(description="public or reps: who the document is for.")
    key_points: list[CitedView] = Field(description="« L'essentiel ».")
    key_figures: list[FactView] = Field(
        description="Facts that give a figure, except unverified ones (they stay in their "
        "theme, or in other_facts, with their unverified flag)."
    )
    themes: list[ThemeView] = Field(description="The concerns, by theme.")
    other_facts: list[FactView] = Field(
        description="Facts in no theme, divergence or timeline event and not among the key "
        "figures (used only by key points, questions or demands), so that the note shows "
        "every fact."
    )
    divergences: list[DivergenceView] = Field(description="Where sources disagree.")
    timeline: list[EventView] = Field(description="Dated events, in order.")
    stakeholders: list[StakeholderView] = Field(description="The parties involved.")
    legal: list[LegalGroup] = Field(description="Legal references used, grouped by text.")
    questions: list[MotivatedView] = Field(description="Questions for management.")
    demands: list[MotivatedView] = Field(description="The union's demands.")
    tract: TractView | None = Field(description="The tract's own text, if the dossier has it.")
    declaration: Declaration | None = Field(
        description="Opening and closing paragraphs of the declaration (.opening, .closing)."
    )
    opinion: OpinionView | None = Field(description="The draft opinion, if the dossier has it.")
    thread: ThreadView | None = Field(
        description="Questions asked and answered, commitments, consultations, as of the "
        "meeting; none when the dossier has none of them for these readers."
    )
    sources: Any = Field(
        description="The sources the document has cited so far, numbered in the order of "
        "first citation; print it after the text that cites them."
    )


def build_context(dossier: Dossier, audience: Audience = Audience.reps) -> DocumentContext:
    """Everything a document template shows, for readers of the given audience."""
    visible = Visibility(dossier, audience)
    facts = {f.id: f for f in dossier.facts if visible(f)}
    source_index = {s.id: s for s in dossier.sources}
    kinds = {s.id: s.kind for s in dossier.sources}
    references = _References(
        dossier.sources, visible.sources, dossier.lang, audience is Audience.reps
    )

    def mark(source_ids: list[str], fact_ids: list[str]) -> _Mark:
        return _Mark(references, source_ids, fact_ids)

    def kept(ids: Iterable[str]) -> list[Fact]:
        return [facts[i] for i in ids if i in facts]

    def sources_of(ids: Iterable[str]) -> list[str]:
        return [s for fact in kept(ids) for s in fact.sources]

    # A divergence exists for this audience only when two of its facts are visible to it:
    # a public fact whose only contradiction is for the reps carries no mark.
    divergences_seen = [d for d in dossier.divergences if visible(d)]
    disputed = {fact_id for d in divergences_seen for fact_id in d.facts if fact_id in facts}

    def unverified(fact: Fact) -> bool:
        return fact.status is Status.unverified or only_unverifiable(fact.sources, kinds)

    def fact_fields(fact: Fact) -> dict[str, Any]:
        unit, rest = unit_in_label(fact.unit, fact.label) or (fact.unit, fact.label)
        return {
            **fact.model_dump(include=set(FactView.model_fields)),
            "figure_unit": unit,
            "caption": rest or fact.statement,
            "quote": fact.quote,
            "refs": mark(fact.sources, [fact.id]),
            "unverified": unverified(fact),
            "disputed": fact.id in disputed,
        }

    def fact_view(fact: Fact) -> FactView:
        return FactView.model_construct(**fact_fields(fact))

    def cites(ids: list[str]) -> dict[str, Any]:
        seen = kept(ids)
        return {
            "refs": mark(sources_of(ids), [f.id for f in seen]),
            "union_position": bool(seen) and all(f.union_position for f in seen),
        }

    def summary(text: str, ids: list[str]) -> CitedView:
        seen = kept(ids)
        return CitedView.model_construct(
            text=text,
            **cites(ids),
            disputed=any(f.id in disputed for f in seen),
            unverified=any(unverified(f) for f in seen),
        )

    key_points = [summary(p.text, p.facts) for p in dossier.key_points if visible(p)]
    key_figures = [
        fact_view(f) for f in facts.values() if f.value is not None and not unverified(f)
    ]
    figures = {f.id for f in key_figures}
    themes = [
        ThemeView.model_construct(
            id=t.id, title=t.title, summary=t.summary, facts=[fact_view(f) for f in kept(t.facts)]
        )
        for t in dossier.themes
        if visible(t)
    ]
    placed = {
        f
        for ids in [
            *(t.facts for t in dossier.themes),
            *(d.facts for d in dossier.divergences),
            *(e.facts for e in dossier.timeline),
        ]
        for f in ids
    }
    other_facts = [
        fact_view(f) for f in facts.values() if f.id not in placed and f.id not in figures
    ]
    divergences = [
        DivergenceView.model_construct(
            subject=d.subject,
            comment=d.comment,
            positions=[
                PositionView.model_construct(
                    **fact_fields(f), sources=[source_index[s] for s in f.sources]
                )
                for f in kept(d.facts)
            ],
        )
        for d in divergences_seen
    ]
    timeline = [
        EventView.model_construct(when=e.when, what=e.what, **cites(e.facts))
        for e in sorted(dossier.timeline, key=lambda e: e.when)
        if visible(e)
    ]
    stakeholders = [
        StakeholderView.model_construct(name=s.name, role=s.role, refs=cites(s.facts)["refs"])
        for s in dossier.stakeholders
        if visible(s)
    ]
    legal = {ref.id: ref for ref in dossier.legal}

    def motivated(entry: Question | Demand, number: int, shown_in: dict[str, int]) -> MotivatedView:
        """`shown_in` maps each fact an earlier entry shows as a motive to that entry's
        number; this entry shows the others, and refers to those entries for the rest."""
        refs = [legal[i] for i in entry.legal]
        motives = []
        for fact in kept(entry.facts):
            if fact.id not in shown_in:
                shown_in[fact.id] = number
                motives.append(fact_view(fact))
        return MotivatedView.model_construct(
            number=number,
            text=entry.text,
            facts=[fact_view(f) for f in kept(entry.facts)],
            motives=motives,
            see_also=sorted({shown_in[i] for i in entry.facts if i in facts} - {number}),
            legal=refs,
            legal_by_code=_group_by_code(refs),
            **cites(entry.facts),
        )

    motive_of: dict[str, int] = {}
    questions = [
        motivated(q, n, motive_of)
        for n, q in enumerate(
            (q for q in dossier.questions if visible(q)),
            start=1,
        )
    ]
    demands = [
        motivated(d, n, {})
        for n, d in enumerate((d for d in dossier.demands if visible(d)), start=1)
    ]
    used_legal = {ref.id for entry in [*questions, *demands] for ref in entry.legal}
    tract = dossier.tract
    declaration = dossier.declaration
    opinion = dossier.opinion
    return DocumentContext.model_construct(
        dossier=DossierView.model_construct(
            **dossier.model_dump(include=set(DossierView.model_fields))
        ),
        meeting=MeetingView.model_construct(
            **dossier.meeting.model_dump(exclude={"questions_by"}),
            questions_by=dossier.meeting.questions_by
            or dossier.meeting.date - timedelta(days=QUESTIONS_LEAD_DAYS),
            where=_where(dossier.meeting.instance, dossier.meeting.establishment),
        ),
        audience=audience.value,
        key_points=key_points,
        key_figures=key_figures,
        themes=themes,
        other_facts=other_facts,
        divergences=divergences,
        timeline=timeline,
        stakeholders=stakeholders,
        legal=_group_by_code([ref for ref in dossier.legal if ref.id in used_legal]),
        questions=questions,
        demands=demands,
        tract=None
        if tract is None
        else TractView.model_construct(
            **tract.model_dump(include={"headline", "call_to_action", "contact"}),
            key_points=[p for p in key_points if not p.unverified][: tract.points],
            figures=[
                view
                for view in map(fact_view, kept(tract.facts))
                if view.value is not None and not view.unverified
            ],
        ),
        declaration=declaration,
        opinion=None
        if opinion is None
        else OpinionView.model_construct(
            conclusion=opinion.conclusion,
            considerations=[summary(c.text, c.facts) for c in opinion.considerations if visible(c)],
        ),
        thread=_thread(dossier, visible, references),
        sources=_CitedSources(references),
    )


def _asked(questions: list[Question], day: dt.date, references: _References) -> list[AskedView]:
    """The questions asked by `day`, in the order they were asked, with the answers given by
    then; `questions`: those the document lists, in its order."""
    listed = {question.id: n for n, question in enumerate(questions, start=1)}
    asked = sorted(
        ((q.asked_on, q) for q in questions if q.asked_on is not None and q.asked_on <= day),
        key=lambda pair: pair[0],
    )
    views = []
    for number, (asked_on, question) in enumerate(asked, start=1):
        answer = deadlines.answer_by(question, day)
        views.append(
            AskedView.model_construct(
                number=number,
                listed=listed[question.id],
                text=question.text,
                asked_on=asked_on,
                days=(day - asked_on).days,
                answer=None
                if answer is None
                else AnswerView.model_construct(
                    date=answer.date,
                    by=answer.by,
                    text=answer.text,
                    refs=_Mark(references, answer.sources, []),
                    judgement=answer.judgement.value,
                ),
                unanswered=not deadlines.is_answered(question, day),
            )
        )
    return views


def _commitment(commitment: Commitment, day: dt.date, references: _References) -> CommitmentView:
    """A commitment as of `day`: an open one past its due date is overdue."""
    late = deadlines.days_late(commitment, day)
    overdue = commitment.state is CommitmentState.open and late is not None
    return CommitmentView.model_construct(
        text=commitment.text,
        made_on=commitment.made_on,
        due=commitment.due,
        state="overdue" if overdue else commitment.state.value,
        days_overdue=late if overdue else None,
        refs=_Mark(references, commitment.sources, []),
    )


def _consultation(
    consultation: Consultation, day: dt.date, references: _References
) -> ConsultationView:
    """A consultation with its deemed-negative day and the days left until it."""
    deemed = deadlines.deemed_negative(consultation)
    return ConsultationView.model_construct(
        subject=consultation.subject,
        informed_on=consultation.informed_on,
        deemed_negative=deemed,
        establishment_due=deadlines.establishment_due(consultation),
        days_left=None if deemed is None else (deemed - day).days,
        opinion_on=consultation.opinion_on,
        refs=_Mark(references, consultation.sources, []),
    )


def _thread(dossier: Dossier, visible: Visibility, references: _References) -> ThreadView | None:
    """The thread between meetings as of the meeting's date, for these readers; None when
    they have nothing of it to see."""
    day = dossier.meeting.date
    asked = _asked([q for q in dossier.questions if visible(q)], day, references)
    commitments = [
        _commitment(c, day, references)
        for c in dossier.commitments
        if visible(c) and c.made_on <= day
    ]
    consultations = [
        _consultation(c, day, references)
        for c in dossier.consultations
        if c.informed_on is None or c.informed_on <= day
    ]
    if not (asked or commitments or consultations):
        return None
    earlier = [m.date for m in dossier.past_meetings if m.date < day]
    return ThreadView.model_construct(
        since=max(earlier, default=None),
        asked=asked,
        unanswered=[q for q in asked if q.unanswered],
        commitments=commitments,
        not_kept=[c for c in commitments if c.state in ("broken", "overdue")],
        consultations=consultations,
    )
