"""Tasks the warm renderer's tests send to its worker processes (importable by them)."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from briefgen.warm import checkpoint


def spin(started: str) -> str:
    """Say it started, then look for a newer request every 10 ms for up to 60 s."""
    Path(started).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        checkpoint()
        time.sleep(0.01)
    return "finished"


def die_once(marker: str) -> str:
    """Kill its own worker the first time (as a fault in a font library would)."""
    path = Path(marker)
    if not path.exists():
        path.write_text("died", encoding="utf-8")
        os._exit(70)
    return "rendered"


def pid() -> int:
    return os.getpid()


def die_printing(job: object) -> object:
    """A printing worker killed while it lays out its page (as by the kernel, short of
    memory)."""
    os.kill(os.getpid(), signal.SIGKILL)
    return job
