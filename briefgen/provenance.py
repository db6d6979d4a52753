"""Every document carries its own proof: what it shows, and where each fact comes from.

A PDF embeds `provenance.json` (an associated file, relationship Data): the
dossier's id and content hash, briefgen's version, the options, and for each
fact the document shows its statement, quote and sources (with the hash of
each source's archived text).  Only what the document shows is recorded, so a
staff document's record holds no item meant for the representatives.  Its
footer prints a short trace (`dossier 3f9a2c1 · 20/11/2026`) so that a
printout can be matched to its data; `verify` compares a PDF's record with the
dossier as it is now.  The hash is always that of the dossier as read: an
establishment's variant (`dossier 3f9a2c1 · Normandie · 20/11/2026`) carries the
same one as the note made from the same dossier.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from .errors import InputError, Problem
from .i18n import lazy
from .models import Audience, Dossier, Source, Visibility

ATTACHMENT = "provenance.json"
SCHEMA = "https://briefgen.invalid/provenance/1"
"""Identifies the record's format (see provenance.schema.json beside this module)."""
SCHEMA_FILE = Path(__file__).with_name("provenance.schema.json")


def dossier_hash(dossier: Dossier) -> str:
    """SHA-256 of the dossier's content (not of its files: comments and layout do not count)."""
    data = json.dumps(
        dossier.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def version() -> str:
    """briefgen's version, as installed."""
    try:
        return metadata.version("briefgen")
    except metadata.PackageNotFoundError:
        return "unknown"


def trace_line(dossier: Dossier, digest: str, variant: str | None = None) -> str:
    """The footer's trace: the short hash of the dossier as read (`digest`), the variant's
    name if the document is one (an establishment's), and the date the dossier was brought
    up to date."""
    parts = [f"dossier {digest[:7]}", *([variant] if variant else [])]
    return " · ".join([*parts, dossier.date.strftime("%d/%m/%Y")])


def _source_entry(source: Source) -> dict[str, Any]:
    return {
        "id": source.id,
        "title": source.title,
        "publisher": source.publisher,
        "date": source.date.isoformat() if source.date else None,
        "url": source.url,
        "snapshot_sha256": source.sha256,
    }


def _fact_entries(
    dossier: Dossier, shown: Iterable[str], audience: Audience
) -> dict[str, dict[str, Any]]:
    """What the record says of each fact in `shown` its audience may read, by id, in the
    dossier's order."""
    readable = Visibility(dossier, audience)
    visible = set(shown) & readable.facts
    sources = {s.id: _source_entry(s) for s in dossier.sources if readable(s)}
    return {
        fact.id: {
            "id": fact.id,
            "statement": fact.statement,
            "status": fact.status.value,
            "union_position": fact.union_position,
            "quote": fact.quote.model_dump(mode="json") if fact.quote else None,
            "sources": [sources[s] for s in fact.sources if s in sources],
        }
        for fact in dossier.facts
        if fact.id in visible
    }


def record(
    dossier: Dossier,
    kind: str,
    audience: str,
    shown: Iterable[str],
    options: Mapping[str, Any],
    digest: str,
) -> dict[str, Any]:
    """The provenance record of one document made from `dossier` (perhaps a variant of the
    dossier whose hash is `digest`): the facts it shows (`shown`, by id) and how it was made."""
    return {
        "$schema": SCHEMA,
        "generator": {"name": "briefgen", "version": version()},
        "dossier": {
            "id": dossier.id,
            "title": dossier.title,
            "date": dossier.date.isoformat(),
            "sha256": digest,
        },
        "document": {"kind": kind, "audience": audience, **options},
        "facts": list(_fact_entries(dossier, shown, Audience(audience)).values()),
    }


def to_bytes(entry: Mapping[str, Any]) -> bytes:
    """The record as the attachment holds it: JSON, stable from one build to the next."""
    return (json.dumps(entry, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def read(pdf: bytes, name: str) -> dict[str, Any]:
    """The provenance record embedded in a PDF; InputError (one line) if there is none or it
    is damaged."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    from .importer import quiet

    try:
        with quiet():
            found = PdfReader(io.BytesIO(pdf)).attachments.get(ATTACHMENT)
    except (PyPdfError, ValueError, KeyError, TypeError, OSError) as exc:
        message = lazy("not a readable PDF (%(error)s)", error=type(exc).__name__)
        raise InputError(Problem(message, name)) from None
    if not found:
        message = lazy("no %(record)s in this PDF: it was not made by briefgen", record=ATTACHMENT)
        raise InputError(Problem(message, name))
    try:
        entry = json.loads(found[0].decode("utf-8"))
        _check_shape(entry)
    except (UnicodeDecodeError, json.JSONDecodeError, ValueError) as exc:
        message = lazy("damaged %(record)s", record=ATTACHMENT)
        raise InputError(Problem(message, name, detail=str(exc))) from None
    return dict(entry)


def _check_shape(entry: Any) -> None:
    """The few things `verify` relies on, checked before it reads them."""
    if not isinstance(entry, dict) or entry.get("$schema") != SCHEMA:
        raise ValueError("not a briefgen provenance record")
    dossier, facts = entry.get("dossier"), entry.get("facts")
    if not isinstance(dossier, dict) or not isinstance(dossier.get("sha256"), str):
        raise ValueError("no dossier hash")
    if not isinstance(facts, list) or not all(
        isinstance(f, dict) and isinstance(f.get("id"), str) for f in facts
    ):
        raise ValueError("no list of facts")


@dataclass
class Comparison:
    """How a document's record compares with the dossier as it is now."""

    up_to_date: bool
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    sources_changed: list[str] = field(default_factory=list)
    dossier_changed: bool = False


def compare(
    entry: Mapping[str, Any], dossier: Dossier, shown_now: Iterable[str], digest: str
) -> Comparison:
    """Compare a record with the dossier now: `dossier` as the same document would be made
    from it again (perhaps a variant), `digest` the hash of the dossier as read, `shown_now`
    the facts the document would show."""
    then = {f["id"]: f for f in entry["facts"]}
    document = entry.get("document")
    reps = isinstance(document, dict) and document.get("audience") == Audience.reps.value
    now = _fact_entries(dossier, shown_now, Audience.reps if reps else Audience.public)
    result = Comparison(up_to_date=False)
    result.dossier_changed = entry["dossier"]["sha256"] != digest
    result.removed = [i for i in then if i not in now]
    result.added = [i for i in now if i not in then]
    sources_then = {s["id"]: s for f in then.values() for s in f.get("sources", [])}
    sources_now = {s["id"]: s for f in now.values() for s in f["sources"]}
    result.sources_changed = [
        i for i in sources_then if i in sources_now and sources_then[i] != sources_now[i]
    ]
    for fact_id in then.keys() & now.keys():
        old, new = then[fact_id], now[fact_id]
        if {k: v for k, v in old.items() if k != "sources"} != {
            k: v for k, v in new.items() if k != "sources"
        } or [s["id"] for s in old.get("sources", [])] != [s["id"] for s in new["sources"]]:
            result.changed.append(fact_id)
    result.changed = [i for i in then if i in result.changed]
    result.up_to_date = not (
        result.dossier_changed
        or result.changed
        or result.removed
        or result.added
        or result.sources_changed
    )
    return result
