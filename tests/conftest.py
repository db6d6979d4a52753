"""Shared fixtures: dossier folders in tmp_path, and readers for what a user checks."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from briefgen import i18n

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).resolve().parent / "dossiers" / "minimal"
FIRST_DOSSIER = ROOT / "seeds" / "france-travail-linkedin"


@pytest.fixture(autouse=True)
def ui_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads English unless it asks otherwise, whatever the machine's locale
    (the command line follows BRIEFGEN_UI_LANG), and starts in English even if the test
    before it left another language in force (the page sets one for each request)."""
    monkeypatch.setenv("BRIEFGEN_UI_LANG", "en")
    i18n.set_language("en")


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A copy of the minimal valid dossier, free to be broken by the test."""
    folder = tmp_path / "minimal"
    shutil.copytree(MINIMAL, folder)
    return folder


@pytest.fixture
def edit(minimal: Path) -> Callable[[str, str, str], Path]:
    """Replace `old` with `new` in one file of the minimal dossier."""

    def replace(filename: str, old: str, new: str) -> Path:
        path = minimal / filename
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {filename}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        return minimal

    return replace


def pdf_text(path: Path) -> str:
    """The text of a PDF as a reader would copy it, whitespace normalised."""
    reader = PdfReader(path)
    text = " ".join(page.extract_text() or "" for page in reader.pages)
    for special, plain in {"\u202f": " ", "\u00a0": " ", "\u2010": "-"}.items():
        text = text.replace(special, plain)
    return " ".join(text.split())


def run(*command: str) -> subprocess.CompletedProcess[str]:
    """Run a command-line tool and return its completed process (output captured)."""
    return subprocess.run(command, capture_output=True, text=True, check=False)


def invoke_in(workspace: Path, *args: str) -> tuple[int, str, str]:
    """Run `briefgen --workspace WORKSPACE ARGS…`; exit code, stdout, stderr."""
    from click.testing import CliRunner

    from briefgen.cli import main

    result = CliRunner().invoke(main, ["--workspace", str(workspace), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def served_apps(monkeypatch: pytest.MonkeyPatch) -> list[Flask]:
    """The applications `briefgen serve` would serve: werkzeug's server is replaced by one
    that keeps the application and stops at once."""
    apps: list[Flask] = []

    class FakeServer:
        server_port = 8123

        def __init__(self, host: str, port: int, app: Flask, threaded: bool) -> None:
            apps.append(app)

        def serve_forever(self) -> None:
            raise KeyboardInterrupt

    monkeypatch.setattr("werkzeug.serving.make_server", FakeServer)
    return apps
