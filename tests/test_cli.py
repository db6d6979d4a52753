"""The command line as a user meets it: help, exit codes, messages, files written."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.cli import main

Edit = Callable[[str, str, str], Path]


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("command", [[], ["build"], ["check"], ["source", "add"], ["serve"]])
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    code, out, _ = invoke(*command, "--help")
    assert code == 0
    assert "Example:" in out and "briefgen " in out.split("Example:")[1]


def test_check_valid_dossier(minimal: Path) -> None:
    code, out, err = invoke("check", str(minimal), "--today", "2026-11-01")
    assert (code, err) == (0, "")
    lines = out.splitlines()  # its two sources have no archived text: W501 each
    assert [line.split()[1] for line in lines[:-1]] == ["W501", "W501"]
    assert lines[-1] == f"{minimal}: 0 error(s), 2 warning(s)"


def test_check_broken_dossier_prints_one_line_per_problem(edit: Edit) -> None:
    folder = edit("facts.yaml", "sources: [journal]", "sources: [insee]")
    code, out, err = invoke("check", str(folder))
    assert code == 2 and err == ""
    assert out.splitlines() == [
        f"{folder}/facts.yaml:7: E101 facts[0].sources[0]: unknown source 'insee' "
        "(known: journal, direction)",
        f"{folder}: 1 error(s), 0 warning(s)",
    ]


def test_check_unknown_dossier_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = invoke("check", "inconnu")
    assert code == 2
    assert err.startswith("error: no dossier named 'inconnu' in seeds/ (known: ")


def test_build_writes_the_requested_formats(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, err = invoke(
        "build", str(minimal), "--doc", "note", "-f", "md", "-f", "html", "--out", str(out)
    )
    assert (code, err) == (0, "")
    folder = out / "minimal"
    assert sorted(p.name for p in folder.iterdir()) == [
        "note-de-briefing.html",
        "note-de-briefing.md",
    ]
    assert f"wrote {folder / 'note-de-briefing.html'}" in stdout
    html = (folder / "note-de-briefing.html").read_text(encoding="utf-8")
    assert '<html lang="fr">' in html and "<style>" in html
    assert "## L'essentiel" in (folder / "note-de-briefing.md").read_text(encoding="utf-8")


def test_build_makes_every_document_by_default(minimal: Path, tmp_path: Path) -> None:
    code, _, err = invoke("build", str(minimal), "-f", "md", "--out", str(tmp_path / "out"))
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (tmp_path / "out" / "minimal").iterdir()) == [
        "declaration-liminaire.md",
        "note-de-briefing.md",
        "projet-avis.md",
        "questions-ecrites.md",
        "tract.md",
    ]


def test_documents_the_dossier_cannot_make_are_skipped_with_a_warning(
    minimal: Path, tmp_path: Path
) -> None:
    main_file = minimal / "dossier.yaml"
    main_file.write_text(main_file.read_text(encoding="utf-8").split("tract:")[0])
    out = str(tmp_path / "out")
    code, _, err = invoke("build", str(minimal), "-f", "md", "--out", out)
    assert code == 0
    assert err.splitlines() == [
        "warning: no tract: the dossier has no 'tract' section",
        "warning: no declaration: the dossier has no 'declaration' section",
        "warning: no avis: the dossier has no 'opinion' section",
    ]
    code, _, err = invoke("build", str(minimal), "--doc", "tract", "-f", "md", "--out", out)
    assert code == 2
    assert err.endswith("dossier.yaml: tract: the tract needs a 'tract' section in the dossier\n")


def test_failed_build_keeps_earlier_output(edit: Edit, tmp_path: Path) -> None:
    out = tmp_path / "out"
    folder = edit("facts.yaml", "Douze agents", "Douze agents")
    assert invoke("build", str(folder), "-d", "note", "-f", "md", "--out", str(out))[0] == 0
    earlier = (out / "minimal" / "note-de-briefing.md").read_bytes()
    edit("facts.yaml", "sources: [journal]", "sources: [insee]")
    code, _, err = invoke("build", str(folder), "-d", "note", "-f", "md", "--out", str(out))
    assert code == 2 and "unknown source 'insee'" in err
    assert (out / "minimal" / "note-de-briefing.md").read_bytes() == earlier
    assert sorted(p.name for p in (out / "minimal").iterdir()) == ["note-de-briefing.md"]


def test_unwritable_output_is_a_clear_error(minimal: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    code, _, err = invoke(
        "build", str(minimal), "-d", "note", "-f", "md", "--out", str(blocker / "sub")
    )
    assert code == 1
    assert (
        err == f"error: {blocker}/sub/minimal/note-de-briefing.md: cannot write: Not a directory\n"
    )


def test_unknown_format_is_a_usage_error(minimal: Path) -> None:
    code, _, err = invoke("build", str(minimal), "-f", "rtf")
    assert code == 2 and "'rtf' is not one of 'pdf', 'odt', 'docx', 'html', 'md'" in err


def test_the_reps_note_is_not_readable_by_others_on_the_machine(minimal: Path) -> None:
    """Under the usual umask, the documents for all are readable by all; the note, for the
    reps only, by its owner and group only."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        out = minimal.parent / "out"
        result = CliRunner().invoke(
            main,
            ["--workspace", str(minimal.parent), "build", str(minimal), "--doc", "note",
             "--doc", "tract", "--out", str(out)],
        )  # fmt: skip
    finally:
        os.umask(old)
    assert result.exit_code == 0, result.output
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in (out / "minimal").iterdir()}
    assert mode == {"note-de-briefing.pdf": 0o640, "tract.pdf": 0o644}
