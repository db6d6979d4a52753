"""The dossier schema: what it accepts and the cross-reference rules."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from briefgen.models import Dossier, Fact, Source, TimelineEvent, check_references, unused

BASE = {
    "id": "d",
    "title": "T",
    "organisation": "O",
    "date": "2026-11-01",
    "meeting": {"instance": "CSE", "date": "2026-12-01", "agenda_item": "A", "unions": ["U"]},
    "key_points": [{"text": "K", "facts": ["f1"]}],
    "sources": [{"id": "s1", "title": "S", "publisher": "P", "kind": "press"}],
    "facts": [{"id": "f1", "statement": "F", "sources": ["s1"]}],
}


def problems(**changes: object) -> list[str]:
    dossier = Dossier.model_validate({**BASE, **changes})
    return [
        f"{'.'.join(map(str, path))}: {message}"
        for _, path, message in [*check_references(dossier), *unused(dossier)]
    ]


def test_valid_dossier_has_no_problem() -> None:
    assert problems() == []


def test_every_field_is_documented() -> None:
    from pydantic import BaseModel

    import briefgen.models as models

    classes = [
        c
        for c in vars(models).values()
        if isinstance(c, type)
        and issubclass(c, BaseModel)
        and c is not models.Model
        and c.__module__ == models.__name__
    ]
    undocumented = [
        f"{c.__name__}.{name}"
        for c in classes
        for name, field in c.model_fields.items()
        if not field.description
    ]
    assert undocumented == []


def test_unknown_field_is_refused() -> None:
    with pytest.raises(ValidationError) as info:
        Fact.model_validate({"id": "f", "statment": "x", "sources": ["s"]})
    assert {e["type"] for e in info.value.errors()} == {"extra_forbidden", "missing"}


def test_unknown_source_is_named_with_the_known_ones() -> None:
    found = problems(facts=[{"id": "f1", "statement": "F", "sources": ["s1", "insee"]}])
    assert found == ["facts.0.sources.1: unknown source 'insee' (known: s1)"]


def test_fact_without_source_must_be_a_union_position() -> None:
    found = problems(facts=[{"id": "f1", "statement": "F"}])
    assert found == [
        "facts.0.sources: a fact needs at least one source (or union_position: true if it "
        "is the union's own position)",
        "sources.0.id: 's1' is never used (no fact cites it)",
    ]
    assert problems(facts=[{"id": "f1", "statement": "F", "union_position": True}]) == [
        "sources.0.id: 's1' is never used (no fact cites it)"
    ]


def test_union_position_cannot_cite_sources() -> None:
    found = problems(
        facts=[{"id": "f1", "statement": "F", "sources": ["s1"], "union_position": True}]
    )
    assert found == [
        "facts.0.union_position: a union position cites no source; "
        "remove the sources or union_position"
    ]


def test_duplicate_ids_are_reported() -> None:
    found = problems(
        facts=[
            {"id": "f1", "statement": "F", "sources": ["s1"]},
            {"id": "f1", "statement": "G", "sources": ["s1"]},
        ]
    )
    assert found == ["facts.1.id: duplicate id 'f1' (first used at facts[0])"]


def test_unused_items_are_reported() -> None:
    found = problems(
        facts=[
            {"id": "f1", "statement": "F", "sources": ["s1"]},
            {"id": "f2", "statement": "G", "sources": ["s1"]},
        ],
        legal=[{"id": "l1", "code": "C", "article": "A", "paraphrase": "P"}],
    )
    assert found == [
        "facts.1.id: 'f2' is never used (no key point, theme, divergence, timeline event, "
        "question, demand or consideration refers to it)",
        "legal.0.id: 'l1' is never used (no question or demand rests on it)",
    ]


def test_question_references_are_checked() -> None:
    found = problems(questions=[{"id": "q", "text": "Q ?", "facts": ["f1"], "legal": ["l9"]}])
    assert found == ["questions.0.legal.0: unknown legal reference 'l9' (known: )"]


@pytest.mark.parametrize("when", ["2026", "2025-09", "2025-12-20"])
def test_timeline_accepts_partial_dates(when: str) -> None:
    assert TimelineEvent(when=when, what="x", facts=["f"]).when == when


@pytest.mark.parametrize("when", ["2025-13", "2025-02-30", "demain", "20-12-2025"])
def test_timeline_refuses_impossible_dates(when: str) -> None:
    with pytest.raises(ValidationError, match="date"):
        TimelineEvent(when=when, what="x", facts=["f"])


@pytest.mark.parametrize("url", ["javascript:alert(1)", "file:///etc/passwd", "ftp://x.org/a"])
def test_only_web_addresses_are_accepted(url: str) -> None:
    with pytest.raises(ValidationError, match="http:// or https://"):
        Source(id="s", title="t", publisher="p", kind="press", url=url)
