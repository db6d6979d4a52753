"""The fonts a layout registers: one set per process, never shared with a process forked
from it, renewed when a font file changes, and removed when the process ends."""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen import pdf
from conftest import FIRST_DOSSIER, ROOT, invoke_in

FONTS = ROOT / "templates" / "fonts"
BUILD = ("build", "-d", "tract", "-f", "pdf", "-j", "1", "--force")


def tract_of_a_fresh_process(workspace: Path) -> bytes:
    """The example's tract as `briefgen build` makes it in a process of its own."""
    out = workspace / "fresh"
    result = subprocess.run(
        [sys.executable, "-m", "briefgen", "--workspace", str(workspace), *BUILD,
         "--out", str(out)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    return (out / "exemple" / "tract.pdf").read_bytes()


def _folder_in_child(
    queue: multiprocessing.Queue[tuple[str, bool]], parent: str, workspace: str
) -> None:
    folder = pdf._font_config(Path(workspace))._folder
    queue.put((str(folder), Path(parent).is_dir()))


def test_a_forked_process_makes_its_own_font_copies(init_workspace: Path) -> None:
    assert invoke_in(init_workspace, "build", "-d", "tract", "-f", "pdf", "-j", "1")[0] == 0
    parent = pdf._font_config(init_workspace.resolve())._folder
    assert parent is not None and any(parent.iterdir())

    queue: multiprocessing.Queue[tuple[str, bool]] = multiprocessing.get_context("fork").Queue()
    child = multiprocessing.get_context("fork").Process(
        target=_folder_in_child, args=(queue, str(parent), str(init_workspace.resolve()))
    )
    child.start()
    folder, parents_there = queue.get(timeout=60)
    child.join(60)

    assert child.exitcode == 0
    assert folder != str(parent)
    assert parents_there
    assert not Path(folder).exists()  # the child's own, removed when it ended
    assert parent.is_dir() and any(parent.iterdir())  # the parent's, left to the parent


def test_a_font_file_replaced_is_used_by_the_next_build(init_workspace: Path) -> None:
    own = init_workspace / "templates" / "fonts"
    own.mkdir(parents=True, exist_ok=True)
    shutil.copy(FONTS / "Lato-Regular.ttf", own / "Lato-Regular.ttf")
    assert invoke_in(init_workspace, *BUILD)[0] == 0
    before = (init_workspace / "output" / "exemple" / "tract.pdf").read_bytes()

    shutil.copy(FONTS / "Lato-Bold.ttf", own / "Lato-Regular.ttf")  # same process, same URL
    assert invoke_in(init_workspace, *BUILD)[0] == 0
    after = (init_workspace / "output" / "exemple" / "tract.pdf").read_bytes()

    assert after != before
    assert after == tract_of_a_fresh_process(init_workspace)


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_build_leaves_no_font_copies_behind(tmp_path: Path, jobs: str) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "briefgen", "build", str(FIRST_DOSSIER), "-f", "pdf",
         "-d", "tract", "-d", "declaration", "-j", jobs, "--out", str(tmp_path / "out")],
        env={**os.environ, "TMPDIR": str(temporary)},
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert len(list((tmp_path / "out" / "france-travail-linkedin").glob("*.pdf"))) == 2
    assert list(temporary.iterdir()) == []


def test_one_workspaces_fonts_never_print_in_anothers(tmp_path: Path) -> None:
    other = tmp_path / "other"
    assert invoke_in(tmp_path, "init", str(other))[0] == 0
    own = other / "templates" / "fonts"
    own.mkdir(parents=True, exist_ok=True)
    shutil.copy(FONTS / "Lato-Bold.ttf", own / "Lato-Regular.ttf")  # its own regular face
    assert invoke_in(other, *BUILD)[0] == 0

    plain = tmp_path / "plain"
    assert invoke_in(tmp_path, "init", str(plain))[0] == 0
    assert invoke_in(plain, *BUILD)[0] == 0

    here = (plain / "output" / "exemple" / "tract.pdf").read_bytes()
    assert here == tract_of_a_fresh_process(plain)
