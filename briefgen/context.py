"""Dossier (+ audience) → the plain mapping a template sees.

Templates never compute: every reference and filter is prepared here.
Sources are numbered in the order the document first cites them, and the
list of sources holds only those it cites; a template prints that list after
the text that cites them.  Items meant for the representatives only are left
out of documents for a wider audience.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta
from typing import Any

from markupsafe import Markup

from .models import UNVERIFIABLE_KINDS, Audience, Dossier, Fact, LegalRef, Source, Status


def _visible(audience: Audience, item_audience: Audience) -> bool:
    return audience is Audience.reps or item_audience is Audience.public


class _References:
    """Numbers sources in the order a document first cites them.

    Reference marks are rendered lazily, when the template prints them, so a
    source gets its number where the reader first meets it, and the list of
    sources at the end holds exactly the sources the document cites.
    """

    def __init__(self, sources: Iterable[Source], citable: set[str]) -> None:
        self.sources = {s.id: s for s in sources if s.id in citable}
        self.number: dict[str, int] = {}

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

    def cited(self) -> list[dict[str, Any]]:
        """The sources cited so far, in number order, as the template shows them."""
        return [
            {
                "number": number,
                **self.sources[source_id].model_dump(),
                "unverifiable": self.sources[source_id].kind in UNVERIFIABLE_KINDS,
            }
            for source_id, number in self.number.items()
        ]


class _Mark:
    """A reference mark, numbered when it is printed (see `_References`)."""

    def __init__(self, references: _References, source_ids: list[str]) -> None:
        self._references = references
        self._source_ids = source_ids

    def __html__(self) -> str:
        return str(self._references.mark(self._source_ids))

    __str__ = __html__

    def __bool__(self) -> bool:
        return any(i in self._references.sources for i in self._source_ids)


class _CitedSources:
    """The list of sources, as cited by the time the template reaches it."""

    def __init__(self, references: _References) -> None:
        self._references = references

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return iter(self._references.cited())

    def __len__(self) -> int:
        return len(self._references.number)


def _group_by_code(refs: list[LegalRef]) -> list[dict[str, Any]]:
    """Legal references grouped by text, in order of appearance: [{code, refs}, …]."""
    groups: dict[str, list[LegalRef]] = {}
    for ref in refs:
        groups.setdefault(ref.code, []).append(ref)
    return [{"code": code, "refs": items} for code, items in groups.items()]


QUESTIONS_LEAD_DAYS = 8
"""Default time between sending the written questions and the meeting.

Eight days is the notice the agenda of a CSE central needs (Code du travail,
L2316-17); questions sent by then can be put on it.  A dossier can set its own
date (`meeting.questions_by`).
"""


def build_context(dossier: Dossier, audience: Audience = Audience.reps) -> dict[str, Any]:
    """Everything a document template shows, for readers of the given audience."""
    facts = {f.id: f for f in dossier.facts if _visible(audience, f.audience)}
    source_index = {s.id: s for s in dossier.sources}
    cited = {source_id for fact in facts.values() for source_id in fact.sources}
    references = _References(dossier.sources, cited)

    def mark(source_ids: list[str]) -> _Mark:
        return _Mark(references, source_ids)

    def _only_unverifiable(fact: Fact) -> bool:
        kinds = {source_index[s].kind for s in fact.sources}
        return bool(kinds) and kinds <= UNVERIFIABLE_KINDS

    def kept(ids: Iterable[str]) -> list[Fact]:
        return [facts[i] for i in ids if i in facts]

    def shown(ids: list[str]) -> bool:
        """Whether a sentence summing up these facts may be shown: all of them are visible."""
        return all(i in facts for i in ids)

    def sources_of(ids: Iterable[str]) -> list[str]:
        return [s for fact in kept(ids) for s in fact.sources]

    def fact_view(fact: Fact) -> dict[str, Any]:
        return {
            "id": fact.id,
            "statement": fact.statement,
            "refs": mark(fact.sources),
            "union_position": fact.union_position,
            "unverified": fact.status is Status.unverified or _only_unverifiable(fact),
            "said_by": fact.said_by,
            "quote": fact.quote.model_dump() if fact.quote else None,
            "value": fact.value,
            "unit": fact.unit,
            "label": fact.label,
            "as_of": fact.as_of,
        }

    def cites(ids: list[str]) -> dict[str, Any]:
        visible = kept(ids)
        return {
            "refs": mark(sources_of(ids)),
            "union_position": bool(visible) and all(f.union_position for f in visible),
        }

    key_points = [{"text": p.text, **cites(p.facts)} for p in dossier.key_points if shown(p.facts)]
    key_figures = [fact_view(f) for f in facts.values() if f.value is not None]
    themes = [
        {
            "id": t.id,
            "title": t.title,
            "summary": t.summary,
            "facts": [fact_view(f) for f in kept(t.facts)],
        }
        for t in dossier.themes
        if kept(t.facts)
    ]
    divergences = [
        {
            "subject": d.subject,
            "comment": d.comment,
            "positions": [
                {**fact_view(f), "sources": [source_index[s] for s in f.sources]}
                for f in kept(d.facts)
            ],
        }
        for d in dossier.divergences
        if len(kept(d.facts)) >= 2
    ]
    timeline = [
        {"when": e.when, "what": e.what, **cites(e.facts)}
        for e in sorted(dossier.timeline, key=lambda e: e.when)
        if shown(e.facts)
    ]
    stakeholders = [
        {"name": s.name, "role": s.role, **cites(s.facts)}
        for s in dossier.stakeholders
        if shown(s.facts)
    ]
    legal = {ref.id: ref for ref in dossier.legal}

    def motivated(entry: Any, number: int) -> dict[str, Any]:
        return {
            "number": number,
            "text": entry.text,
            "facts": [fact_view(f) for f in kept(entry.facts)],
            "motive": next(map(fact_view, kept(entry.facts)), None),
            "legal": [legal[i] for i in entry.legal],
            "legal_by_code": _group_by_code([legal[i] for i in entry.legal]),
            **cites(entry.facts),
        }

    questions = [
        motivated(q, n)
        for n, q in enumerate(
            (q for q in dossier.questions if _visible(audience, q.audience) and shown(q.facts)),
            start=1,
        )
    ]
    demands = [
        motivated(d, n)
        for n, d in enumerate((d for d in dossier.demands if shown(d.facts)), start=1)
    ]
    used_legal = {ref.id for entry in [*questions, *demands] for ref in entry["legal"]}
    tract = dossier.tract
    declaration = dossier.declaration
    opinion = dossier.opinion
    return {
        "dossier": dossier.model_dump(
            include={"id", "title", "subtitle", "organisation", "lang", "date"}
        ),
        "meeting": {
            **dossier.meeting.model_dump(),
            "questions_by": dossier.meeting.questions_by
            or dossier.meeting.date - timedelta(days=QUESTIONS_LEAD_DAYS),
        },
        "audience": audience.value,
        "key_points": key_points,
        "key_figures": key_figures,
        "themes": themes,
        "divergences": divergences,
        "timeline": timeline,
        "stakeholders": stakeholders,
        "legal": _group_by_code([ref for ref in dossier.legal if ref.id in used_legal]),
        "questions": questions,
        "demands": demands,
        "tract": tract
        and {
            **tract.model_dump(),
            "key_points": key_points[: tract.points],
            "figures": [
                view
                for view in map(fact_view, kept(tract.facts))
                if view["value"] is not None and not view["unverified"]
            ],
        },
        "declaration": declaration and declaration.model_dump(),
        "opinion": opinion
        and {
            "conclusion": opinion.conclusion,
            "considerations": [
                {"text": c.text, **cites(c.facts)} for c in opinion.considerations if shown(c.facts)
            ],
        },
        "sources": _CitedSources(references),
    }
