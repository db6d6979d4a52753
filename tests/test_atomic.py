"""Files written whole: what a process killed in the middle of a write left is removed by
the next write into its folder, and nothing of a process still running is touched."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from briefgen.atomic import write_all


def test_a_write_removes_what_a_killed_writer_left_and_nothing_else(tmp_path: Path) -> None:
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    ended.wait()
    left = {
        f".facts.yaml.{ended.pid}-0123abcd.tmp": "ended",  # a writer killed before renaming
        f".facts.yaml.{os.getpid()}-0123abcd.tmp": "this process",
        f".facts.yaml.{os.getppid()}-0123abcd.tmp": "a running process",
        f".facts.yaml.{ended.pid}.tmp": "not a name of ours",
        "notes.tmp": "the rep's own file",
    }
    for name, text in left.items():
        (tmp_path / name).write_text(text)

    write_all({tmp_path / "facts.yaml": b"facts: []\n"})

    assert (tmp_path / "facts.yaml").read_bytes() == b"facts: []\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["facts.yaml", *(name for name in left if not name.startswith(f".facts.yaml.{ended.pid}-"))]
    )
