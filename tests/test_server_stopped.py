"""`briefgen serve` stopped by the system (SIGTERM) or killed (SIGKILL) after it rendered:
its rendering processes end, and none leaves its copies of the fonts behind."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from test_server_killed import alive, descendants, free_port

from conftest import EXAMPLE, seeded


def serve_and_render(workspace: Path, temporary: Path) -> tuple[subprocess.Popen[str], list[int]]:
    """A server that has rendered the tract of the panel; its rendering processes."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "--ui-lang", "en", "serve", "--port", str(port)],
        cwd=workspace,
        env={**os.environ, "TMPDIR": str(temporary)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    else:
        process.kill()
        pytest.fail("the server did not start")
    url = f"http://127.0.0.1:{port}/d/exemple/panel/tract.pdf"
    with urllib.request.urlopen(url, timeout=60) as answer:
        assert answer.read().startswith(b"%PDF-")
    assert list(temporary.glob("briefgen-fonts-*"))  # a worker's copies of the fonts
    return process, descendants(process.pid)


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


def test_a_server_stopped_by_the_system_stops_as_by_ctrl_c(workspace: Path, tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process, workers = serve_and_render(workspace, temporary)
    assert workers
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "stopped" in output.splitlines()
    all_gone(workers, temporary)


def test_a_killed_servers_workers_leave_no_font_copies(workspace: Path, tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    process, workers = serve_and_render(workspace, temporary)
    process.kill()
    process.communicate(timeout=30)
    all_gone(workers, temporary)
