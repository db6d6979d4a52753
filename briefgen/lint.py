"""Provenance checks on a valid dossier: what a careful rep would want flagged.

Errors (E…) stop a build; warnings (W…) are reported by `briefgen check`
and make it fail only with --strict.  Each rule has a code, like a linter's.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from .errors import InputError, Problem
from .load import Locate, read_dossier
from .models import Dossier, Status

DEFAULT_MAX_AGE_DAYS = 365
"""How old (before the meeting) a reported fact may be before it is flagged as stale."""


def lint(
    dossier: Dossier,
    locate: Locate,
    today: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
) -> Iterator[Problem]:
    """Yield every provenance problem of a dossier that loaded without errors."""
    meeting = dossier.meeting.date
    sources = {s.id: s for s in dossier.sources}
    facts = {f.id: f for f in dossier.facts}

    for index, fact in enumerate(dossier.facts):
        if fact.as_of is not None:
            if fact.as_of > meeting:
                yield locate(
                    ("facts", index, "as_of"),
                    f"dated {fact.as_of}, after the meeting of {meeting}",
                    "W302",
                )
            elif (
                fact.status is not Status.established and (meeting - fact.as_of).days > max_age_days
            ):
                yield locate(
                    ("facts", index, "as_of"),
                    f"as of {fact.as_of}, {(meeting - fact.as_of).days} days before the meeting "
                    f"(more than {max_age_days}): check it is still true",
                    "W301",
                )
    for index, source in enumerate(dossier.sources):
        if source.date is not None and source.date > meeting:
            yield locate(
                ("sources", index, "date"),
                f"dated {source.date}, after the meeting of {meeting}",
                "W302",
            )
    if meeting < today:
        yield locate(
            ("meeting", "date"),
            f"the meeting date {meeting} is in the past (today: {today})",
            "W303",
        )

    declared = {frozenset(d.facts): d for d in dossier.divergences}
    for index, divergence in enumerate(dossier.divergences):
        sides = [
            f"{', '.join(sources[s].publisher for s in facts[f].sources) or 'union'} ({f})"
            for f in divergence.facts
        ]
        yield locate(
            ("divergences", index),
            f"divergence: {divergence.subject} — {' vs '.join(sides)}",
            "W201",
        )
    by_topic: dict[str, list[int]] = defaultdict(list)
    for index, fact in enumerate(dossier.facts):
        if fact.topic:
            by_topic[fact.topic].append(index)
    for topic, indexes in by_topic.items():
        group = [dossier.facts[i] for i in indexes]
        claims = {(f.value, f.statement) for f in group}
        if len(group) < 2 or len(claims) < 2:
            continue
        ids = frozenset(f.id for f in group)
        if not any(ids <= facts_ for facts_ in declared):
            yield locate(
                ("facts", indexes[1], "topic"),
                f"facts on '{topic}' disagree ({', '.join(sorted(ids))}): declare the "
                "divergence in divergences so that documents show it",
                "W202",
            )

    for index, question in enumerate(dossier.questions):
        if not question.facts:
            yield locate(("questions", index, "facts"), "no fact motivates this question", "W401")
        if not question.legal:
            yield locate(("questions", index, "legal"), "no legal basis for this question", "W402")


def check_dossier(
    folder: Path, today: dt.date, max_age_days: int = DEFAULT_MAX_AGE_DAYS
) -> tuple[Dossier | None, list[Problem]]:
    """Everything `briefgen check` reports on a dossier folder: the dossier (None if it
    does not load) and its problems, errors first when it does not load."""
    try:
        dossier, locate = read_dossier(folder)
    except InputError as error:
        return None, list(error.problems)
    return dossier, list(lint(dossier, locate, today, max_age_days))
