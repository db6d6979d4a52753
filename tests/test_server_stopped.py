"""`briefgen serve` stopped by the system (SIGTERM) or killed (SIGKILL) after it rendered:
its rendering processes end, and none leaves its copies of the fonts behind."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from test_server_killed import descendants, free_port, server

from briefgen.warm import alive
from conftest import EXAMPLE, seeded


@contextmanager
def rendered(workspace: Path, temporary: Path) -> Iterator[tuple[subprocess.Popen[Any], list[int]]]:
    """A server that has rendered the tract of the panel (its output read as text), and its
    rendering processes."""
    port = free_port()
    environment = {**os.environ, "TMPDIR": str(temporary), "BRIEFGEN_UI_LANG": "en"}
    options = {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True}
    with server(workspace, port, env=environment, **options) as process:
        url = f"http://127.0.0.1:{port}/d/exemple/panel/tract.pdf"
        with urllib.request.urlopen(url, timeout=60) as answer:
            assert answer.read().startswith(b"%PDF-")
        assert list(temporary.glob("briefgen-fonts-*"))  # a worker's copies of the fonts
        yield process, descendants(process.pid)


def all_gone(pids: list[int], temporary: Path) -> None:
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in pids) or list(temporary.glob("briefgen-fonts-*")):
        assert time.monotonic() < deadline, list(temporary.iterdir())
        time.sleep(0.1)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    seeded(root, EXAMPLE, "exemple")
    return root


@pytest.fixture
def temporary(tmp_path: Path) -> Path:
    folder = tmp_path / "tmp"
    folder.mkdir()
    return folder


def test_a_server_stopped_by_the_system_stops_as_by_ctrl_c(
    workspace: Path, temporary: Path
) -> None:
    with rendered(workspace, temporary) as (process, workers):
        assert workers
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "stopped" in output.splitlines()
    all_gone(workers, temporary)


def test_a_killed_servers_workers_leave_no_font_copies(workspace: Path, temporary: Path) -> None:
    with rendered(workspace, temporary) as (process, workers):
        process.kill()
        process.communicate(timeout=30)
    all_gone(workers, temporary)
