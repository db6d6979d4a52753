"""Incremental builds, parallel rendering, variants and a light start-up (no timings here:
speed is measured by bench/, these tests check behaviour)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import warm_tasks
from click.testing import CliRunner

from briefgen.cli import main
from conftest import FIRST_DOSSIER, MINIMAL


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(MINIMAL, root / "seeds" / "minimal")
    (root / "briefgen.toml").write_text("")
    (root / "templates").mkdir()
    (root / "assets").mkdir()
    monkeypatch.chdir(root)
    return root


def build(*args: str) -> list[str]:
    result = CliRunner().invoke(main, ["build", "minimal", "-d", "tract", "-f", "md", *args])
    assert result.exit_code == 0, result.output
    return [
        line.split(":")[0]
        for line in result.stdout.splitlines()
        if line.startswith(("wrote", "up to date"))
    ]


def test_an_unchanged_build_is_skipped(ws: Path) -> None:
    assert build() == ["wrote output/minimal/tract.md"]
    assert build() == ["up to date"]
    assert build("--force") == ["wrote output/minimal/tract.md"]


@pytest.mark.parametrize(
    "change",
    [
        "dossier file",
        "new dossier file",
        "template",
        "asset",
        "config",
        "option",
        "output deleted",
        "output edited",
    ],
)
def test_any_input_change_triggers_a_rebuild(ws: Path, change: str) -> None:
    build()
    args: tuple[str, ...] = ()
    if change == "dossier file":
        facts = ws / "seeds" / "minimal" / "facts.yaml"
        facts.write_text(facts.read_text(encoding="utf-8").replace("Douze", "Treize"))
    elif change == "new dossier file":
        (ws / "seeds" / "minimal" / "extra.yaml").write_text("subtitle: Nouveau\n")
    elif change == "template":
        (ws / "templates" / "tract.md.j2").write_text(
            '{% extends "default:tract.md.j2" %}{% block sources %}x{% endblock %}\n'
        )
    elif change == "asset":
        (ws / "assets" / "logo.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    elif change == "config":
        (ws / "briefgen.toml").write_text('[style]\naccent = "#000000"\n')
    elif change == "option":
        args = ("--lang", "en")
    elif change == "output deleted":
        (ws / "output" / "minimal" / "tract.md").unlink()
    elif change == "output edited":
        (ws / "output" / "minimal" / "tract.md").write_text("edited by hand")
    assert build(*args) == ["wrote output/minimal/tract.md"]


def test_unrelated_files_do_not_trigger_a_rebuild(ws: Path) -> None:
    build()
    (ws / "notes.txt").write_text("a note beside the workspace's folders")
    (ws / "output" / "minimal" / "other.txt").write_text("x")
    (ws / "seeds" / "other").mkdir()
    (ws / "seeds" / "other" / "dossier.yaml").write_text("id: other\n")
    assert build() == ["up to date"]


def test_parallel_rendering_gives_the_same_bytes(tmp_path: Path) -> None:
    outputs = []
    for jobs in ("1", "2"):
        out = tmp_path / f"j{jobs}"
        result = CliRunner().invoke(
            main,
            [
                "build",
                str(FIRST_DOSSIER),
                "-d",
                "tract",
                "-d",
                "declaration",
                "-d",
                "avis",
                "-j",
                jobs,
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert result.stdout.count("rendered ") == 3
        folder = out / "france-travail-linkedin"
        outputs.append({p.name: p.read_bytes() for p in folder.iterdir()})
    assert outputs[0] == outputs[1]


def test_a_rendering_process_that_dies_is_reported_and_the_output_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    args = ["--ui-lang", "fr", "build", str(FIRST_DOSSIER), "-d", "tract", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    folder = out / "france-travail-linkedin"
    before = {p.name: p.read_bytes() for p in folder.iterdir()}

    monkeypatch.setattr("briefgen.build.press", warm_tasks.die_printing)
    result = CliRunner().invoke(main, [*args, "--force", "-j", "2"])

    assert result.exit_code == 1
    assert result.stdout.count("\n") <= 1, result.stdout  # no "wrote …"
    assert result.stderr == (
        "erreur\u00a0: un processus de rendu s’est arrêté en cours de production (la machine "
        "manque peut-être de mémoire)\u00a0; rien n’a été écrit, les fichiers déjà produits "
        "sont inchangés\u00a0: relancez la production, ou avec -j 1 pour tout faire dans un "
        "seul processus\n"
    )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


@pytest.mark.parametrize(("thread", "method"), [(False, "fork"), (True, "forkserver")])
def test_workers_are_forked_only_from_a_process_running_one_thread(
    thread: bool, method: str
) -> None:
    # faulthandler's watchdog is a thread started in C, which `threading` does not count.
    code = (
        "import faulthandler, threading\n"
        "from briefgen.pool import start_method\n"
        f"if {thread}:\n    faulthandler.dump_traceback_later(60)\n"
        "print(threading.active_count(), start_method())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.split() == ["1", method]


def test_variants_are_named_and_filled_per_establishment(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "build",
            str(FIRST_DOSSIER),
            "--each",
            "establishment",
            "-d",
            "tract",
            "-f",
            "md",
            "--out",
            str(tmp_path),
        ],
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "france-travail-linkedin"
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "tract-auvergne-rhone-alpes.md",
        "tract-hauts-de-france.md",
        "tract-normandie.md",
        "tract-nouvelle-aquitaine.md",
        "tract-pays-de-la-loire.md",
    ]
    hdf = (folder / "tract-hauts-de-france.md").read_text(encoding="utf-8")
    assert "CSE d'établissement Hauts-de-France" in hdf
    assert "au plus 100 conseillers" in hdf  # its local fact
    normandie = (folder / "tract-normandie.md").read_text(encoding="utf-8")
    assert "Normandie" in normandie and "au plus 100 conseillers" not in normandie


def test_each_needs_a_list(minimal: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["build", str(minimal), "--each", "establishment", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 2
    assert result.stderr == (
        "error: establishments: --each establishment: the dossier lists no establishments\n"
    )


def imported_by(args: list[str], modules: tuple[str, ...]) -> list[str]:
    """Which of `modules` `briefgen ARGS` imports, run in the repository."""
    code = (
        "import sys\n"
        "from briefgen.cli import main\n"
        f"try:\n    main({args!r})\nexcept SystemExit:\n    pass\n"
        f"print('imported:' + ','.join(m for m in {modules!r} if m in sys.modules))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=FIRST_DOSSIER.parent.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    said = result.stdout.splitlines()[-1].removeprefix("imported:")
    return [name for name in said.split(",") if name]


@pytest.mark.parametrize(
    "args", [["--help"], ["check", "--help"], ["check"], ["templates", "list"], ["build", "--help"]]
)
def test_start_up_does_not_import_the_renderer(args: list[str]) -> None:
    assert imported_by(args, ("weasyprint",)) == []


def test_check_does_not_import_the_templates() -> None:
    assert imported_by(["check"], ("jinja2", "markupsafe", "markdown")) == []
