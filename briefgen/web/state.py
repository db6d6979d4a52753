"""What the web application knows, shared by its routes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from flask import abort, current_app

from ..errors import Problem
from ..importer import Extracted
from ..lint import check_dossier
from ..models import Dossier
from ..workspace import Workspace
from .jobs import Builds


@dataclass(frozen=True)
class Pending:
    """An imported article waiting for the rep to confirm its source entry."""

    draft: Extracted
    sha256: str

    @property
    def text(self) -> str:
        return self.draft.text


@dataclass
class State:
    """One workspace served, with its builds under way."""

    workspace: Workspace
    today: dt.date | None = None
    """The date findings are judged at (tests pin it); None for the real date."""
    commit: bool = False
    """Commit every save when the workspace is a git repository."""
    builds: Builds = field(default_factory=Builds)
    imports: dict[str, Pending] = field(default_factory=dict)
    """Articles read but not yet saved as sources, by the token their form carries."""

    def dossier_dir(self, dossier_id: str) -> Path:
        """The folder of a dossier named in a URL; 404 unless the workspace lists it."""
        if dossier_id not in self.workspace.dossiers():  # never a path from the request
            abort(404)
        return self.workspace.seeds / dossier_id

    def date(self) -> dt.date:
        """The date findings are judged at: the pinned one, else today."""
        return self.today or dt.date.today()

    def findings(self, folder: Path) -> tuple[Dossier | None, list[Problem]]:
        """What `briefgen check` says of a dossier folder today."""
        return check_dossier(folder, self.date())


def state() -> State:
    """The state of the application serving this request."""
    found: State = current_app.extensions["briefgen"]
    return found
