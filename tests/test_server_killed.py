"""`briefgen serve` killed (SIGKILL) while four reps save into one file, then started again:
the files stay readable and `check` passes, every save acknowledged before the kill is on
disk unless its rep saved again since, and a form opened before the kill saves after the
restart; the server's rendering processes do not outlive it."""

from __future__ import annotations

import http.cookiejar
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from test_concurrent_edits import errors

from briefgen.warm import alive
from conftest import EXAMPLE, seeded
from pages import Form, form

REPS = 4
SAVES = 20
"""Saves of each rep's own fact; the server is killed once half of them are acknowledged."""
DOSSIER = "exemple"
FACT = "  - id: rep-{n}\n    statement: Constat du délégué {n}.\n    union_position: true\n"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(workspace: Path, port: int, **options: Any) -> Iterator[subprocess.Popen[Any]]:
    """`briefgen serve` on `port`, ready to answer, killed at the end if still running
    (`options`: Popen's; its output is dropped unless they say otherwise)."""
    command = [sys.executable, "-m", "briefgen", "serve", "--port", str(port)]
    dropped = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    process = subprocess.Popen(command, cwd=workspace, **{**dropped, **options})
    try:
        for _ in range(300):
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            pytest.fail("the server did not start")
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait()


class Browser:
    """One rep's browser: its cookies, over HTTP."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()),
            _NoRedirect(),
        )

    def get(self, path: str) -> str:
        with self.opener.open(self.base + path, timeout=30) as response:
            return str(response.read().decode("utf-8"))

    def post(self, sent: Form) -> int:
        data = urllib.parse.urlencode(list(sent.data().items(multi=True))).encode()
        try:
            with self.opener.open(self.base + sent.action, data=data, timeout=30) as response:
                return int(response.status)
        except urllib.error.HTTPError as answer:
            return int(answer.code)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # a 303 is the answer to look at


def fact_form(browser: Browser, n: int) -> Form:
    path = f"/d/{DOSSIER}/edit/facts/item/rep-{n}"
    return form(browser.get(path), path)


def rep(base: str, n: int, acknowledged: dict[int, list[str]], sent: dict[int, list[str]]) -> None:
    """Save the rep's own fact again and again, through the kill: a save the server did not
    answer is sent again once it answers."""
    browser = Browser(base)
    done = 0
    while done < SAVES:
        typed = f"Constat {done} du délégué {n}."
        try:
            sent[n].append(typed)
            status = browser.post(fact_form(browser, n).fill(statement=typed))
        except OSError:  # killed meanwhile: try again once it is back
            time.sleep(0.1)
            continue
        assert status == 303, status
        acknowledged[n].append(typed)
        done += 1


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    path = seeded(root, EXAMPLE, DOSSIER) / "facts.yaml"
    own = "".join(FACT.format(n=n) for n in range(REPS + 1))
    path.write_text(path.read_text(encoding="utf-8").replace("\nthemes:", f"{own}\nthemes:", 1))
    return root


def descendants(root: int) -> list[int]:
    """The processes `root` started, and theirs."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parent = int(stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError):
            continue
        children.setdefault(parent, []).append(int(stat.parent.name))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def test_a_server_killed_during_saves_loses_no_acknowledged_save(workspace: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    acknowledged: dict[int, list[str]] = {n: [] for n in range(REPS)}
    sent: dict[int, list[str]] = {n: [] for n in range(REPS)}
    folder = workspace / "seeds" / DOSSIER
    with server(workspace, port) as first:
        early = Browser(base)
        kept_open = fact_form(early, REPS)  # a fact no rep saves, its form opened before the kill
        reps = [threading.Thread(target=rep, args=(base, n, acknowledged, sent)) for n in range(4)]
        for thread in reps:
            thread.start()
        while sum(map(len, acknowledged.values())) < REPS * SAVES // 2:
            time.sleep(0.02)
        renderers = descendants(first.pid)
        assert renderers  # the warm workers (and their fork server)
        os.kill(first.pid, signal.SIGKILL)
        first.wait()
        deadline = time.monotonic() + 30
        while any(alive(pid) for pid in renderers):
            assert time.monotonic() < deadline, "rendering processes outlived their server"
            time.sleep(0.1)
    with server(workspace, port):
        for thread in reps:
            thread.join(timeout=120)
        assert not any(thread.is_alive() for thread in reps)
        facts = {f["id"]: f for f in yaml.safe_load((folder / "facts.yaml").read_bytes())["facts"]}
        for n in range(REPS):
            assert len(acknowledged[n]) == SAVES
            assert facts[f"rep-{n}"]["statement"] == acknowledged[n][-1]
        assert early.post(kept_open.fill(statement="Écrit avant l'arrêt.")) == 303
    assert yaml.safe_load((folder / "facts.yaml").read_bytes())["facts"]
    assert "Écrit avant l'arrêt." in (folder / "facts.yaml").read_text(encoding="utf-8")
    assert errors(folder) == []
    leftovers = [p.name for p in folder.rglob("*") if p.name.startswith(".") and p.is_file()]
    assert leftovers == []
