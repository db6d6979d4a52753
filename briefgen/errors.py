"""Errors a user reads: each problem knows its file, line and field."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located as precisely as possible."""

    message: str
    file: str | None = None
    line: int | None = None
    field: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        parts = [part for part in (where, self.field, self.message) if part]
        return ": ".join(parts)


class BriefgenError(Exception):
    """An error the user can act on; the CLI prints each problem on one line."""

    exit_code = 1

    def __init__(self, *problems: Problem) -> None:
        super().__init__("\n".join(str(problem) for problem in problems))
        self.problems = problems

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
