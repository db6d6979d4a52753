"""Provenance checks on a valid dossier: what a careful rep would want flagged.

Errors (E…) stop a build; warnings (W…) are reported by `briefgen check`
and make it fail only with --strict.  Each rule has a code, like a linter's.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
from collections import defaultdict
from collections.abc import Iterator, Mapping
from pathlib import Path

from .deadlines import Day, agenda_due, deemed_negative, is_answered, question_due
from .errors import InputError, Problem
from .i18n import N_, Message, Text, lazy, lazy_plural
from .load import Locate, read_dossier
from .models import (
    Audience,
    CommitmentState,
    Dossier,
    Fact,
    SourceKind,
    Status,
    only_unverifiable,
    unused,
)
from .quotes import Passages, one_line, unit_in_label

DEFAULT_WARN_DAYS = 7
"""How many days ahead `check` warns of a deadline (`check --warn-days`)."""

DEFAULT_MAX_AGE_DAYS = 365
"""How old (before the meeting) a reported fact may be before it is flagged as stale."""

MAX_SNAPSHOT_BYTES = 5 * 1024 * 1024
"""A snapshot larger than this is not read (an import accepts 5 MB at most)."""


def lint(
    dossier: Dossier,
    locate: Locate,
    today: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    folder: Path | None = None,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> Iterator[Problem]:
    """Yield every provenance problem of a dossier that loaded without errors: errors
    first, then warnings. Snapshots are read from `folder`; without it they are not checked.
    Deadlines within `warn_days` of `today`, or past, are warned of."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if folder is not None:
        errors, warnings = _snapshot_problems(dossier, locate, folder)
    yield from errors
    for code, path, message in unused(dossier):
        yield locate(path, message, code)
    yield from _date_problems(dossier, locate, today, max_age_days)
    yield from _divergence_problems(dossier, locate)
    facts = {f.id: f for f in dossier.facts}
    for index, question in enumerate(dossier.questions):
        if not question.facts:
            message = lazy("no fact motivates this question")
            yield locate(("questions", index, "facts"), message, "W401")
        if not question.legal:
            message = lazy("no legal basis for this question")
            yield locate(("questions", index, "legal"), message, "W402")
    kinds = {s.id: s.kind for s in dossier.sources}
    for index, fact_id in enumerate(dossier.tract.facts if dossier.tract else []):
        if fact_id in facts and (why := _not_a_key_figure(facts[fact_id], kinds)):
            yield locate(("tract", "facts", index), why, "W403")
    yield from _unit_problems(dossier, locate)
    yield from deadline_problems(dossier, locate, today, warn_days)
    yield from warnings


def _unit_problems(dossier: Dossier, locate: Locate) -> Iterator[Problem]:
    """W404 for each figure whose caption starts with its unit: « 6 200 salariés salariés
    en CDI » (the documents print the unit once, but the caption should not repeat it)."""
    for index, fact in enumerate(dossier.facts):
        if (repeated := unit_in_label(fact.unit, fact.label)) is None:
            continue
        unit, rest = repeated
        message = (
            lazy(
                "the label starts with the unit '%(unit)s', printed just before it: "
                "write label: %(rest)s",
                unit=unit,
                rest=rest,
            )
            if rest
            else lazy(
                "the label only repeats the unit '%(unit)s': say what the figure counts",
                unit=unit,
            )
        )
        yield locate(("facts", index, "label"), message, "W404")


def _date_problems(
    dossier: Dossier, locate: Locate, today: dt.date, max_age_days: int
) -> Iterator[Problem]:
    """W301 (a stale fact), W302 (a date after the meeting), W303 (a meeting past)."""
    meeting = dossier.meeting.date
    for index, fact in enumerate(dossier.facts):
        if fact.as_of is not None:
            if fact.as_of > meeting:
                yield locate(
                    ("facts", index, "as_of"),
                    lazy(AFTER_THE_MEETING, date=fact.as_of, meeting=meeting),
                    "W302",
                )
            elif (
                fact.status is not Status.established and (meeting - fact.as_of).days > max_age_days
            ):
                yield locate(
                    ("facts", index, "as_of"),
                    lazy(
                        "as of %(date)s, %(days)s days before the meeting (more than %(limit)s): "
                        "check it is still true",
                        date=fact.as_of,
                        days=(meeting - fact.as_of).days,
                        limit=max_age_days,
                    ),
                    "W301",
                )
    for index, source in enumerate(dossier.sources):
        if source.date is not None and source.date > meeting:
            yield locate(
                ("sources", index, "date"),
                lazy(AFTER_THE_MEETING, date=source.date, meeting=meeting),
                "W302",
            )
    if meeting < today:
        yield locate(
            ("meeting", "date"),
            lazy(
                "the meeting date %(date)s is in the past (today: %(today)s)",
                date=meeting,
                today=today,
            ),
            "W303",
        )


def deadline_problems(
    dossier: Dossier, locate: Locate, today: dt.date, warn_days: int
) -> Iterator[Problem]:
    """W601 (a question's answer overdue), W602 (a consultation's deemed-negative day near
    or past without an opinion), W603 (a commitment due soon or overdue), W604 (a meeting
    still to come whose agenda should already have been received)."""
    horizon = today + dt.timedelta(warn_days)
    for index, question in enumerate(dossier.questions):
        due = question_due(dossier, question)
        if due is not None and not is_answered(question) and due < today:
            message = lazy(
                "asked on %(asked)s, its answer was due on %(due)s (%(days)s days ago): "
                "ask again, or record management's answer",
                asked=Day(question.asked_on or due),
                due=Day(due),
                days=(today - due).days,
            )
            yield locate(("questions", index, "asked_on"), message, "W601")
    yield from _consultation_problems(dossier, locate, today, horizon)
    for index, commitment in enumerate(dossier.commitments):
        due = commitment.due
        if due is None or commitment.state is not CommitmentState.open or due > horizon:
            continue
        message = (
            lazy(
                "commitment overdue since %(due)s (%(days)s days): ask management at the "
                "meeting, or record it as kept or broken",
                due=Day(due),
                days=(today - due).days,
            )
            if due < today
            else lazy("commitment due on %(due)s: check it is kept", due=Day(due))
        )
        yield locate(("commitments", index, "due"), message, "W603")
    agenda = agenda_due(dossier.meeting)
    if agenda < today <= dossier.meeting.date:
        message = lazy(
            "the agenda of the meeting of %(meeting)s should have been received by %(due)s: "
            "check every member has it, else ask the chair for it",
            meeting=Day(dossier.meeting.date),
            due=Day(agenda),
        )
        yield locate(("meeting", "date"), message, "W604")


def _consultation_problems(
    dossier: Dossier, locate: Locate, today: dt.date, horizon: dt.date
) -> Iterator[Problem]:
    for index, consultation in enumerate(dossier.consultations):
        due = deemed_negative(consultation)
        if due is None or consultation.opinion_on is not None or due > horizon:
            continue
        if dossier.opinion is None:
            todo = lazy("write the draft opinion (opinion) and vote it before then")
        else:
            todo = lazy("vote the opinion, then record its date (opinion_on)")
        message = (
            lazy(
                "the CSE has been deemed to give a negative opinion since %(due)s: %(todo)s",
                due=Day(due),
                todo=todo,
            )
            if due < today
            else lazy(
                "the CSE will be deemed to give a negative opinion on %(due)s (in %(days)s "
                "days): %(todo)s",
                due=Day(due),
                days=(due - today).days,
                todo=todo,
            )
        )
        yield locate(("consultations", index, "informed_on"), message, "W602")


def _divergence_problems(dossier: Dossier, locate: Locate) -> Iterator[Problem]:
    """W201 for each declared divergence, W202 for facts on one topic that disagree
    without a divergence declaring it."""
    sources = {s.id: s for s in dossier.sources}
    facts = {f.id: f for f in dossier.facts}
    declared = {frozenset(d.facts): d for d in dossier.divergences}
    for index, divergence in enumerate(dossier.divergences):
        sides = [
            _side(f, [sources[s].publisher for s in facts[f].sources]) for f in divergence.facts
        ]
        yield locate(
            ("divergences", index),
            lazy(
                "divergence: %(subject)s — %(sides)s",
                subject=divergence.subject,
                sides=_Joined(VERSUS, sides),
            ),
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
                lazy(
                    "facts on '%(topic)s' disagree (%(ids)s): declare the divergence in "
                    "divergences so that documents show it",
                    topic=topic,
                    ids=", ".join(sorted(ids)),
                ),
                "W202",
            )


VERSUS = lazy(" vs ")
"""What stands between the sides of a divergence."""
AFTER_THE_MEETING = N_("dated %(date)s, after the meeting of %(meeting)s")


class _Joined:
    """Parts joined by a separator, each shown in the reader's language when shown."""

    def __init__(self, separator: Message, parts: list[Text]) -> None:
        self.separator, self.parts = separator, parts

    def __str__(self) -> str:
        return str(self.separator).join(str(part) for part in self.parts)


def _side(fact_id: str, publishers: list[str]) -> Text:
    """One side of a divergence: who says it, and the fact."""
    if not publishers:
        return lazy("union (%(fact)s)", fact=fact_id)
    return f"{', '.join(publishers)} ({fact_id})"


def _not_a_key_figure(fact: Fact, kinds: Mapping[str, SourceKind]) -> Message | None:
    """Why the tract leaves a fact out of its key figures, or None if it shows it."""
    if fact.audience is Audience.reps:
        return lazy(
            "the tract does not show %(fact)s as a key figure: it is for representatives only",
            fact=fact.id,
        )
    if fact.status is Status.unverified or only_unverifiable(fact.sources, kinds):
        return lazy(
            "the tract does not show %(fact)s as a key figure: it is unverified, and an "
            "unverified figure is never a key figure",
            fact=fact.id,
        )
    if fact.value is None:
        return lazy(
            "the tract does not show %(fact)s as a key figure: it gives no figure (value)",
            fact=fact.id,
        )
    return None


def read_snapshot(folder: Path, name: str) -> bytes | Message:
    """The bytes of the snapshot `name` (sources/….txt) of the dossier in `folder`, or why
    they cannot be read: missing, outside sources/, not a regular file, too large."""
    allowed = folder.resolve() / "sources"
    target = (folder / name).resolve()
    if not target.is_relative_to(allowed):
        return lazy(
            "snapshot %(name)s leads outside the dossier's sources/ folder "
            "(through a symbolic link)",
            name=name,
        )
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(target, flags)
    except FileNotFoundError:
        return lazy("snapshot %(name)s is missing", name=name)
    except OSError as exc:
        return lazy(UNREADABLE, name=name, reason=exc.strerror or exc)
    with open(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return lazy("snapshot %(name)s is not a regular file", name=name)
        too_large = lazy(
            "snapshot %(name)s is too large (%(size)s bytes, limit %(limit)s)",
            name=name,
            size=info.st_size,
            limit=MAX_SNAPSHOT_BYTES,
        )
        if info.st_size > MAX_SNAPSHOT_BYTES:
            return too_large
        try:
            data = file.read(MAX_SNAPSHOT_BYTES + 1)
        except OSError as exc:
            return lazy(UNREADABLE, name=name, reason=exc.strerror or exc)
    return too_large if len(data) > MAX_SNAPSHOT_BYTES else data


UNREADABLE = N_("snapshot %(name)s cannot be read (%(reason)s)")


def _snapshot_problems(
    dossier: Dossier, locate: Locate, folder: Path
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of the sources' snapshots and of the facts' quotes and wording
    checked against them; each snapshot is read once."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    read: dict[str, bytes | Message] = {}
    prepared: dict[str, Passages] = {}
    # Source id → (snapshot name, its text): the intact snapshots facts are checked against.
    checkable: dict[str, tuple[str, Passages]] = {}

    for index, source in enumerate(dossier.sources):
        name = source.snapshot
        where = ("sources", index, "snapshot")
        if name is None:
            message = lazy(
                "no snapshot: quotes and wording from this source cannot be checked "
                "(import the article with briefgen source add, "
                "or add sources/%(id)s.txt and its sha256)",
                id=source.id,
            )
            warnings.append(locate(where, message, "W501"))
            continue
        if name not in read:
            read[name] = read_snapshot(folder, name)
        data = read[name]
        if isinstance(data, Message):
            errors.append(locate(where, data, "E107"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if source.sha256 is None:
            message = lazy(
                "snapshot %(name)s has no recorded sha256; add: sha256: %(digest)s",
                name=name,
                digest=digest,
            )
            warnings.append(locate(where, message, "W502"))
        elif digest != source.sha256:
            message = lazy(
                "snapshot %(name)s has changed since it was archived "
                "(sha256 %(now)s…, recorded %(then)s…)",
                name=name,
                now=digest[:12],
                then=source.sha256[:12],
            )
            errors.append(locate(("sources", index, "sha256"), message, "E107"))
            continue
        if name not in prepared:
            try:
                prepared[name] = Passages(data.decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                message = lazy(
                    "snapshot %(name)s is not UTF-8 text (byte 0x%(byte)s at offset %(offset)s)",
                    name=name,
                    byte=f"{data[exc.start]:02x}",
                    offset=exc.start,
                )
                errors.append(locate(where, message, "E107"))
                continue
        checkable[source.id] = (name, prepared[name])
    errors.extend(_quote_problems(dossier, locate, checkable))
    warnings.extend(_copy_problems(dossier, locate, checkable))
    return errors, warnings


Checkable = Mapping[str, tuple[str, Passages]]
"""Source id → (snapshot name, its text): the intact snapshots facts are checked against."""


def _quote_problems(dossier: Dossier, locate: Locate, checkable: Checkable) -> Iterator[Problem]:
    """E108 for each fact's quote found in none of its sources' snapshots."""
    for index, fact in enumerate(dossier.facts):
        against = [(s, *checkable[s]) for s in fact.sources if s in checkable]
        if fact.quote is not None and against:
            quote = fact.quote.text
            if not any(passages.find(quote) for _, _, passages in against):
                yield locate(("facts", index, "quote", "text"), _not_found(quote, against), "E108")


def _copy_problems(dossier: Dossier, locate: Locate, checkable: Checkable) -> Iterator[Problem]:
    """W503 for each fact's statement that copies a run of words from one of its sources."""
    for index, fact in enumerate(dossier.facts):
        for source_id in fact.sources:
            copied = (
                checkable[source_id][1].copied(fact.statement) if source_id in checkable else None
            )
            if copied is not None:
                count, run = copied
                message = lazy(
                    "statement copies %(count)s words in a row from %(source)s: «%(run)s»; "
                    "restate it in our own words",
                    count=count,
                    source=source_id,
                    run=one_line(run),
                )
                yield locate(("facts", index, "statement"), message, "W503")
                break


def _not_found(quote: str, against: list[tuple[str, str, Passages]]) -> Message:
    """The message of a quote found in none of the snapshots `against` (id, name, text)."""
    names = ", ".join(f"{source_id} ({name})" for source_id, name, _ in against)
    scored = [(*passages.closest(quote), source_id) for source_id, _, passages in against]
    _, passage, source_id = max(scored, key=lambda item: item[0])
    if not passage:
        return lazy_plural(
            "quote not found in the snapshot of %(names)s; no passage shares a word with it",
            "quote not found in the snapshots of %(names)s; no passage shares a word with it",
            len(against),
            names=names,
        )
    if len(against) == 1:
        return lazy(
            "quote not found in the snapshot of %(names)s; closest passage: «%(passage)s»",
            names=names,
            passage=one_line(passage),
        )
    return lazy(
        "quote not found in the snapshots of %(names)s; closest passage (in %(source)s): "
        "«%(passage)s»",
        names=names,
        source=source_id,
        passage=one_line(passage),
    )


def check_dossier(
    folder: Path,
    today: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    snapshots: Path | None = None,
    warn_days: int = DEFAULT_WARN_DAYS,
) -> tuple[Dossier | None, list[Problem]]:
    """Everything `briefgen check` reports on a dossier folder: the dossier (None if it
    does not load) and its problems, errors first.

    Snapshots (sources/….txt) are read from the dossier folder `snapshots` if given (a
    copy of the YAML files alone is checked with its original's), else from `folder`.
    """
    try:
        dossier, locate = read_dossier(folder)
    except InputError as error:
        return None, list(error.problems)
    found = lint(dossier, locate, today, max_age_days, snapshots or folder, warn_days)
    return dossier, list(found)


def buildable(folder: Path, today: dt.date) -> Dossier:
    """The dossier in `folder` when `briefgen check` finds no error in it (some, such as a
    quote missing from its source, only check finds); else InputError with every error."""
    dossier, findings = check_dossier(folder, today)
    errors = [finding for finding in findings if finding.severity == "error"]
    if dossier is None or errors:
        raise InputError(*errors)
    return dossier
