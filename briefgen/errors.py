"""Errors a user reads: each problem knows its file, line and field.

Messages are `lazy()` messages: translated when shown, so a problem found in a
worker process, or before the reader's language was known, reads in the
reader's language.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import DEFAULT, Message, Text, lazy, using

RULES: dict[str, Message] = {
    "E001": lazy("a file cannot be read as YAML (syntax, encoding, size, anchors, duplicate keys)"),
    "E002": lazy("a field has the wrong type, is missing or is not a field of the dossier"),
    "E101": lazy("a reference to an id that does not exist"),
    "E102": lazy("an id used twice"),
    "E103": lazy("a fact with no source that is not marked as the union's position"),
    "E104": lazy("a union position that cites sources"),
    "E106": lazy(
        "a fact backed only by unverifiable sources (reader comments) not marked unverified"
    ),
    "E107": lazy(
        "a source's snapshot is missing, unreadable, outside sources/ or changed (sha256)"
    ),
    "E108": lazy("a fact's quote is not found word for word in its sources' snapshots"),
    "W105": lazy("a source, fact or legal reference that nothing uses"),
    "W201": lazy("sources disagree on a subject (a declared divergence): shown in every document"),
    "W202": lazy("facts on the same topic disagree but no divergence declares it"),
    "W301": lazy("a fact's as-of date is older than the threshold before the meeting"),
    "W302": lazy("a date after the meeting"),
    "W303": lazy("the meeting date is in the past"),
    "W401": lazy("a question for management with no motivating fact"),
    "W402": lazy("a question for management with no legal basis"),
    "W403": lazy(
        "the tract lists a fact it cannot show as a key figure (unverified, reps-only, no figure)"
    ),
    "W404": lazy("a figure's caption (label) starts with its unit, which is printed before it"),
    "W501": lazy("a source has no snapshot: its quotes and wording cannot be checked"),
    "W502": lazy("a source's snapshot has no recorded sha256 (the message gives it)"),
    "W503": lazy("a fact's statement copies 12 or more words in a row from a source's snapshot"),
    "W601": lazy("a question's answer is past its due date (L2312-15, L2315-22)"),
    "W602": lazy("a consultation's deemed-negative date (R2312-6) is near or past with no opinion"),
    "W603": lazy("a commitment of management is due soon or overdue"),
    "W604": lazy("the agenda of the coming meeting should already have been received (L2315-30)"),
}
"""What each rule code means: E… stops a build, W… is a warning (`briefgen check`)."""


@dataclass(frozen=True, eq=False)
class Problem:
    """One thing wrong with the input, located as precisely as possible."""

    message: Text
    file: str | None = None
    line: int | None = None
    field: str | None = None
    code: str | None = None
    """Rule code (E… blocks a build, W… is a warning); see `briefgen check --help`."""
    detail: str | None = None
    """What the program that refused the input said, in its own words (English), for those
    who edit the files: the terminal shows it after the message, the page hides it."""

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        parts = [str(part) for part in (where, self.field, self.message, self.detail) if part]
        return ": ".join(parts)

    def _key(self) -> tuple[str, str | None, int | None, str | None, str | None, str | None]:
        # Compared as read in English: the same problem whatever language it is shown in.
        with using(DEFAULT):
            message = str(self.message)
        return message, self.file, self.line, self.field, self.code, self.detail

    def __eq__(self, other: object) -> bool:
        return self._key() == other._key() if isinstance(other, Problem) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._key())

    @property
    def severity(self) -> str:
        return "warning" if (self.code or "").startswith("W") else "error"


class BriefgenError(Exception):
    """An error the user can act on; the CLI prints each problem on one line."""

    exit_code = 1

    def __init__(self, *problems: Problem) -> None:
        super().__init__(*problems)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(str(problem) for problem in self.problems)

    def __reduce__(self) -> tuple[type[BriefgenError], tuple[Problem, ...]]:
        # Rebuilt from its problems when it crosses from a worker process.
        return type(self), self.problems

    @classmethod
    def at(
        cls,
        message: Text,
        file: str | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> BriefgenError:
        """Build the error for a single problem."""
        return cls(Problem(message, file, line, field))


class InputError(BriefgenError):
    """The dossier, a template or an option is invalid (exit status 2)."""

    exit_code = 2


class RenderError(BriefgenError):
    """A document could not be produced from valid input (exit status 1)."""


class OutputError(BriefgenError):
    """A document could not be written where it was asked for (exit status 1)."""
