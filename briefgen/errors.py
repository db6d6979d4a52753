"""Errors a user reads: each problem knows its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass

RULES = {
    "E001": "a file cannot be read as YAML (syntax, encoding, size, anchors, duplicate keys)",
    "E002": "a field has the wrong type, is missing or is not a field of the dossier",
    "E101": "a reference to an id that does not exist",
    "E102": "an id used twice",
    "E103": "a fact with no source that is not marked as the union's position",
    "E104": "a union position that cites sources",
    "E105": "a source, fact or legal reference that nothing uses",
    "E106": "a fact backed only by unverifiable sources (reader comments) not marked unverified",
    "E107": "a source's snapshot is missing, unreadable, outside sources/ or changed (sha256)",
    "E108": "a fact's quote is not found word for word in its sources' snapshots",
    "W201": "sources disagree on a subject (a declared divergence): shown in every document",
    "W202": "facts on the same topic disagree but no divergence declares it",
    "W301": "a fact's as-of date is older than the threshold before the meeting",
    "W302": "a date after the meeting",
    "W303": "the meeting date is in the past",
    "W401": "a question for management with no motivating fact",
    "W402": "a question for management with no legal basis",
    "W403": "the tract lists a fact it cannot show as a key figure (unverified, reps-only, "
    "no figure)",
    "W501": "a source has no snapshot: its quotes and wording cannot be checked",
    "W502": "a source's snapshot has no recorded sha256 (the message gives it)",
    "W503": "a fact's statement copies 12 or more words in a row from a source's snapshot",
}
"""What each rule code means: E… stops a build, W… is a warning (`briefgen check`)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as possible."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None
    code: str | None = None
    """Rule code (E… blocks a build, W… is a warning); see `briefgen check --help`."""

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        parts = [part for part in (where, self.field, self.message) if part]
        return ": ".join(parts)

    @property
    def severity(self) -> str:
        return "warning" if (self.code or "").startswith("W") else "error"


class BriefgenError(Exception):
    """An error the user can act on; the CLI prints each problem on one line."""

    exit_code = 1

    def __init__(self, *problems: Problem) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems

    def __reduce__(self) -> tuple[type[BriefgenError], tuple[Problem, ...]]:
        # Rebuilt from its problems when it crosses from a worker process.
        return type(self), self.problems

    @classmethod
    def at(
        cls,
        message: str,
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
