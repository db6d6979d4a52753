"""Shared fixtures: dossier folders in tmp_path, and readers for what a user checks."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from pypdf import PdfReader

from briefgen import i18n

ROOT = Path(__file__).resolve().parent.parent
MINIMAL = Path(__file__).resolve().parent / "dossiers" / "minimal"
FIRST_DOSSIER = ROOT / "seeds" / "france-travail-linkedin"
EXAMPLE = ROOT / "briefgen" / "scaffold" / "seeds" / "exemple"
PDF_VARIANTS = ("pdf/ua-1", "pdf/a-3b")


@dataclass(frozen=True)
class BuiltIn:
    """A dossier the project ships or tests with, whose documents every document test reads."""

    name: str
    folder: Path | None
    """None for the maximal dossier, generated into the session's temporary folder."""
    init: bool = False
    """Built in a workspace made by `briefgen init` (its logo, no union name), as a user
    meets it; otherwise in this repository's workspace (no union name, no logo)."""
    heavy: bool = False
    """Too long for every check in CI's time: built, rebuilt, read for leaks, doubled words
    and the tract, but not given to grammalecte, page-validation and outloud."""
    unbuildable: dict[str, str] = field(default_factory=dict)
    """Document kinds whose build of it stops with an error, with the reason."""

    def files(self, ext: str) -> list[str]:
        """The file names (with `ext`) of the documents a build of it makes: those it has
        the sections for, but the unbuildable ones."""
        from briefgen.build import DOCUMENTS, runnable_kinds
        from briefgen.load import load_dossier

        kinds = runnable_kinds(load_dossier(self.folder), [])[0] if self.folder else DOCUMENTS
        return [
            f"{DOCUMENTS[kind].filename}.{ext}" for kind in kinds if kind not in self.unbuildable
        ]


TOO_LONG = (
    "the %s prints every %s of the dossier: at the README's limits it cannot keep to its "
    "page budget even in its smallest type, and the build stops and says so"
)
BUILT_IN = [
    *(
        BuiltIn(folder.name, folder)
        for folder in sorted((ROOT / "seeds").iterdir())
        if (folder / "dossier.yaml").is_file()
    ),
    BuiltIn("exemple", EXAMPLE, init=True),
    BuiltIn("minimal", MINIMAL),
    BuiltIn("requis", MINIMAL.parent / "requis"),
    BuiltIn(
        "maximal",
        None,
        heavy=True,
        unbuildable={
            "tract": TOO_LONG % ("tract", "demand"),
            "declaration": TOO_LONG % ("declaration", "key point, theme summary and demand"),
        },
    ),
]
"""Every built-in dossier: the repository's seeds (whatever their number), the example of
`briefgen init`, the small dossier of the tests, one with only the fields a dossier
requires (no tract, declaration, opinion nor questions: only its note is made) and the
maximal one (tests/dossiers/)."""


def document_params(ext: str, *, heavy: bool = True) -> list[object]:
    """(dossier, file name) of every document every built-in dossier makes, as pytest
    parameters named after both (the light dossiers only unless `heavy`)."""
    return [
        pytest.param(d, name, id=f"{d.name}-{name}")
        for d in BUILT_IN
        if heavy or not d.heavy
        for name in d.files(ext)
    ]


def dossier_params(*, heavy: bool = True) -> list[object]:
    """The built-in dossiers as pytest parameters named after them (the light ones only
    unless `heavy`)."""
    return [pytest.param(d, id=d.name) for d in BUILT_IN if heavy or not d.heavy]


class Builds:
    """Each built-in dossier's documents, built once a session for each PDF variant: PDF,
    HTML, ODT and DOCX of every document it has the sections for."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: dict[str, Path] = {}
        self._outputs: dict[tuple[str, str], Path] = {}

    def folder(self, dossier: BuiltIn) -> Path:
        """The dossier's folder, in the workspace it is built in (generated if need be)."""
        if dossier.name not in self._folders:
            self._folders[dossier.name] = self._place(dossier)
        return self._folders[dossier.name]

    def _place(self, dossier: BuiltIn) -> Path:
        if dossier.folder is None:
            from dossiers import maximal

            return maximal.write(self.root / "generated" / dossier.name)
        if not dossier.init:
            return dossier.folder
        workspace = self.root / "init"
        code, _, err = invoke_in(self.root, "init", str(workspace))
        assert code == 0, err
        return workspace / "seeds" / dossier.name

    def workspace(self, dossier: BuiltIn) -> Path:
        return self.folder(dossier).parent.parent if dossier.init else ROOT

    def documents(self, dossier: BuiltIn, variant: str = PDF_VARIANTS[0]) -> Path:
        """The output folder of the dossier's documents in `variant` (built on first use)."""
        key = (dossier.name, variant)
        if key not in self._outputs:
            out = self.root / "out" / variant.replace("/", "-") / dossier.name
            self._outputs[key] = self.build(dossier, out, variant)
        return self._outputs[key]

    def build(self, dossier: BuiltIn, out: Path, variant: str = PDF_VARIANTS[0]) -> Path:
        """Build the dossier's documents into `out`; return the folder they are in."""
        from briefgen.build import runnable_kinds
        from briefgen.load import load_dossier

        formats = ["pdf", "html", "odt", "docx"] if variant == PDF_VARIANTS[0] else ["pdf"]
        kinds, _ = runnable_kinds(load_dossier(self.folder(dossier)), [])
        docs = [name for name in kinds if name not in dossier.unbuildable]
        code, _, err = invoke_in(
            self.workspace(dossier),
            "build", str(self.folder(dossier)), "--out", str(out), "--force",
            "--pdf-variant", variant,
            *(arg for fmt in formats for arg in ("-f", fmt)),
            *(arg for doc in docs for arg in ("--doc", doc)),
        )  # fmt: skip
        assert code == 0, f"{dossier.name}: {err}"
        [built] = [path for path in out.iterdir() if path.is_dir()]
        return built


@pytest.fixture(scope="session")
def builds(tmp_path_factory: pytest.TempPathFactory) -> Builds:
    """The built-in dossiers' documents, each built once for the whole session."""
    return Builds(tmp_path_factory.mktemp("built-in"))


@pytest.fixture(autouse=True)
def ui_in_english(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads English unless it asks otherwise, whatever the machine's locale
    (the command line follows BRIEFGEN_UI_LANG), and starts in English even if the test
    before it left another language in force (the page sets one for each request)."""
    monkeypatch.setenv("BRIEFGEN_UI_LANG", "en")
    i18n.set_language("en")


def seeded(root: Path, source: Path, name: str | None = None) -> Path:
    """A workspace at `root` (an empty briefgen.toml) holding a copy of the dossier folder
    `source` under seeds/ (as `name`, or its own name): the copy's folder."""
    folder = root / "seeds" / (name or source.name)
    shutil.copytree(source, folder)
    (root / "briefgen.toml").touch()
    return folder


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


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The minimal dossier in a workspace of its own, the page and messages in French (a test
    module with a `workspace` of its own uses that one)."""
    root = tmp_path / "ws"
    seeded(root, MINIMAL)
    monkeypatch.setenv("BRIEFGEN_UI_LANG", "fr")
    return root


@pytest.fixture
def init_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A workspace made by `briefgen init` (its example dossier), the current directory."""
    from click.testing import CliRunner

    from briefgen.cli import main

    root = tmp_path / "ws"
    assert CliRunner().invoke(main, ["init", str(root)]).exit_code == 0
    monkeypatch.chdir(root)
    return root


def invoke_in(workspace: Path, *args: str) -> tuple[int, str, str]:
    """Run `briefgen --workspace WORKSPACE ARGS…`; exit code, stdout, stderr."""
    from click.testing import CliRunner

    from briefgen.cli import main

    result = CliRunner().invoke(main, ["--workspace", str(workspace), *args])
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def served_apps(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Flask]]:
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
    yield apps
    for app in apps:  # `serve` renders in warm workers, started again at the first render
        app.extensions["briefgen"].render.shutdown()
