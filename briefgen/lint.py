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

from .errors import InputError, Problem
from .load import Locate, read_dossier
from .models import Audience, Dossier, Fact, SourceKind, Status, only_unverifiable
from .quotes import Passages, one_line

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
) -> Iterator[Problem]:
    """Yield every provenance problem of a dossier that loaded without errors: errors
    first, then warnings. Snapshots are read from `folder`; without it they are not checked."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    if folder is not None:
        errors, warnings = _snapshot_problems(dossier, locate, folder)
    yield from errors
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
    kinds = {s.id: s.kind for s in dossier.sources}
    for index, fact_id in enumerate(dossier.tract.facts if dossier.tract else []):
        if fact_id in facts and (why := _not_a_key_figure(facts[fact_id], kinds)):
            yield locate(
                ("tract", "facts", index),
                f"the tract does not show {fact_id} as a key figure: {why}",
                "W403",
            )
    yield from warnings


def _not_a_key_figure(fact: Fact, kinds: Mapping[str, SourceKind]) -> str:
    """Why the tract leaves a fact out of its key figures, or '' if it shows it."""
    if fact.audience is Audience.reps:
        return "it is for representatives only"
    if fact.status is Status.unverified or only_unverifiable(fact.sources, kinds):
        return "it is unverified, and an unverified figure is never a key figure"
    if fact.value is None:
        return "it gives no figure (value)"
    return ""


def read_snapshot(folder: Path, name: str) -> bytes | str:
    """The bytes of the snapshot `name` (sources/….txt) of the dossier in `folder`, or why
    they cannot be read: missing, outside sources/, not a regular file, too large."""
    allowed = folder.resolve() / "sources"
    target = (folder / name).resolve()
    if not target.is_relative_to(allowed):
        return "leads outside the dossier's sources/ folder (through a symbolic link)"
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        descriptor = os.open(target, flags)
    except FileNotFoundError:
        return "is missing"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or exc})"
    with open(descriptor, "rb") as file:
        info = os.fstat(descriptor)
        if not stat.S_ISREG(info.st_mode):
            return "is not a regular file"
        too_large = f"is too large ({info.st_size} bytes, limit {MAX_SNAPSHOT_BYTES})"
        if info.st_size > MAX_SNAPSHOT_BYTES:
            return too_large
        try:
            data = file.read(MAX_SNAPSHOT_BYTES + 1)
        except OSError as exc:
            return f"cannot be read ({exc.strerror or exc})"
    return too_large if len(data) > MAX_SNAPSHOT_BYTES else data


def _snapshot_problems(
    dossier: Dossier, locate: Locate, folder: Path
) -> tuple[list[Problem], list[Problem]]:
    """(errors, warnings) of the sources' snapshots and of the facts' quotes and wording
    checked against them; each snapshot is read once."""
    errors: list[Problem] = []
    warnings: list[Problem] = []
    read: dict[str, bytes | str] = {}
    prepared: dict[str, Passages] = {}
    # Source id → (snapshot name, its text): the intact snapshots facts are checked against.
    checkable: dict[str, tuple[str, Passages]] = {}

    for index, source in enumerate(dossier.sources):
        name = source.snapshot
        if name is None:
            warnings.append(
                locate(
                    ("sources", index, "snapshot"),
                    "no snapshot: quotes and wording from this source cannot be checked "
                    "(import the article with briefgen source add, "
                    f"or add sources/{source.id}.txt and its sha256)",
                    "W501",
                )
            )
            continue
        if name not in read:
            read[name] = read_snapshot(folder, name)
        data = read[name]
        if isinstance(data, str):
            errors.append(locate(("sources", index, "snapshot"), f"snapshot {name} {data}", "E107"))
            continue
        digest = hashlib.sha256(data).hexdigest()
        if source.sha256 is None:
            warnings.append(
                locate(
                    ("sources", index, "snapshot"),
                    f"snapshot {name} has no recorded sha256; add: sha256: {digest}",
                    "W502",
                )
            )
        elif digest != source.sha256:
            errors.append(
                locate(
                    ("sources", index, "sha256"),
                    f"snapshot {name} has changed since it was archived "
                    f"(sha256 {digest[:12]}…, recorded {source.sha256[:12]}…)",
                    "E107",
                )
            )
            continue
        if name not in prepared:
            try:
                prepared[name] = Passages(data.decode("utf-8-sig"))
            except UnicodeDecodeError as exc:
                errors.append(
                    locate(
                        ("sources", index, "snapshot"),
                        f"snapshot {name} is not UTF-8 text (byte 0x{data[exc.start]:02x} "
                        f"at offset {exc.start})",
                        "E107",
                    )
                )
                continue
        checkable[source.id] = (name, prepared[name])

    for index, fact in enumerate(dossier.facts):
        against = [(s, *checkable[s]) for s in fact.sources if s in checkable]
        if fact.quote is not None and against:
            quote = fact.quote.text
            if not any(passages.find(quote) for _, _, passages in against):
                errors.append(
                    locate(("facts", index, "quote", "text"), _not_found(quote, against), "E108")
                )
        for source_id, _, passages in against:
            copied = passages.copied(fact.statement)
            if copied is not None:
                count, run = copied
                warnings.append(
                    locate(
                        ("facts", index, "statement"),
                        f"statement copies {count} words in a row from {source_id}: "
                        f"«{one_line(run)}»; restate it in our own words",
                        "W503",
                    )
                )
                break
    return errors, warnings


def _not_found(quote: str, against: list[tuple[str, str, Passages]]) -> str:
    """The message of a quote found in none of the snapshots `against` (id, name, text)."""
    names = ", ".join(f"{source_id} ({name})" for source_id, name, _ in against)
    where = f"the snapshot{'s' if len(against) > 1 else ''} of {names}"
    scored = [(*passages.closest(quote), source_id) for source_id, _, passages in against]
    _, passage, source_id = max(scored, key=lambda item: item[0])
    if not passage:
        return f"quote not found in {where}; no passage shares a word with it"
    origin = f" (in {source_id})" if len(against) > 1 else ""
    return f"quote not found in {where}; closest passage{origin}: «{one_line(passage)}»"


def check_dossier(
    folder: Path,
    today: dt.date,
    max_age_days: int = DEFAULT_MAX_AGE_DAYS,
    snapshots: Path | None = None,
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
    return dossier, list(lint(dossier, locate, today, max_age_days, snapshots or folder))


def buildable(folder: Path, today: dt.date) -> Dossier:
    """The dossier in `folder` when `briefgen check` finds no error in it (some, such as a
    quote missing from its source, only check finds); else InputError with every error."""
    dossier, findings = check_dossier(folder, today)
    errors = [finding for finding in findings if finding.severity == "error"]
    if dossier is None or errors:
        raise InputError(*errors)
    return dossier
