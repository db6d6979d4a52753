"""« Produce » as a rep waits for it, through a real `briefgen serve` process: post the
build form, ask the build's status until it is over, fetch the file.  Used by bench.py.

The server runs on a free port of 127.0.0.1 (no token) in a throw-away workspace with a
copy of the first dossier.  The status is asked as the progress page asks it: held by the
server until a document is done or the build is over, then asked again at once.
"""

from __future__ import annotations

import html
import http.cookiejar
import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType

DOSSIER_ID = "ftl"
FACT = f"/d/{DOSSIER_ID}/edit/facts/item/outil-rh"
"""A fact of the first dossier that the tract shows."""


def workspace(folder: Path, dossier: Path) -> Path:
    """A workspace in `folder` holding a copy of `dossier` as seeds/ftl."""
    shutil.copytree(dossier, folder / "seeds" / DOSSIER_ID)
    (folder / "briefgen.toml").write_text("", encoding="utf-8")
    return folder


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _tree(root: int) -> list[int]:
    """`root` and its descendants, from /proc."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text(encoding="ascii").rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def _rss_kib(pid: int) -> int:
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except OSError:  # gone meanwhile (a worker replaced)
        return 0
    found = re.search(r"^VmRSS:\s+(\d+) kB", status, re.M)
    return int(found.group(1)) if found else 0


class Server:
    """A `briefgen serve` subprocess, started fresh, and a browser-like client of it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "briefgen", "--workspace", str(root), "serve"]
        self.process = subprocess.Popen(
            [*command, "--port", str(self.port)],
            cwd=root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )

    def __enter__(self) -> Server:
        deadline = time.monotonic() + 60
        while True:
            try:
                self.get("/")
                return self
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.05)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)

    def get(self, path: str) -> bytes:
        with self.opener.open(self.base + path, timeout=300) as response:
            data: bytes = response.read()
            return data

    def rss_mib(self) -> float:
        """The resident memory now (VmRSS) of the server and of every process it started
        (its warm rendering workers, their fork server), in MiB."""
        return sum(_rss_kib(pid) for pid in _tree(self.process.pid)) / 1024

    def produce(self, docs: list[str]) -> float:
        """Seconds from posting the build form for `docs` (all documents if empty) to the
        file fetched: the document's PDF, or all.zip for several.  The dossier's page is
        loaded first, as the rep has it open."""
        page = self.get(f"/d/{DOSSIER_ID}").decode()
        token = re.search(r'name="csrf" value="([^"]+)"', page)
        assert token, "no form token on the dossier page"
        form = urllib.parse.urlencode([("csrf", token.group(1)), *(("doc", d) for d in docs)])
        started = time.perf_counter()
        with self.opener.open(f"{self.base}/d/{DOSSIER_ID}/build", form.encode()) as response:
            job_page = response.geturl()
        status: dict[str, object] = {"status": "running", "done": -1}
        while status["status"] == "running":  # as the progress page asks: held until news
            query = urllib.parse.urlencode({"wait": 10, "done": status["done"]})
            status = json.loads(self.get(urllib.parse.urlsplit(job_page).path + "/status?" + query))
        assert status["status"] == "done", status
        links = re.findall(
            r'href="([^"]*/build/[^"]*/(?:file/[^"]+|all\.zip))"', self._page(job_page)
        )
        wanted = [link for link in links if link.endswith("all.zip")] if len(docs) != 1 else links
        assert wanted, "no file to fetch on the build page"
        assert self.get(wanted[0])
        return time.perf_counter() - started

    def edit(self, run: int) -> None:
        """Change the dossier as a rep's save would (its subtitle), so that every document
        must be made again."""
        path = self.root / "seeds" / DOSSIER_ID / "dossier.yaml"
        text = path.read_text(encoding="utf-8")
        lines = [
            f"subtitle: Édition {run}" if line.startswith("subtitle:") else line
            for line in text.splitlines()
        ]
        assert "subtitle:" in text, "the bench's dossier has a subtitle to change"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    def has_panel(self) -> bool:
        """Whether this server has the « PDF preview » panel (briefgen/web/panel.py)."""
        try:
            return bool(self.get(f"/d/{DOSSIER_ID}/panel/tract.pdf"))
        except urllib.error.HTTPError:
            return False

    def save_then_panel(self, run: int) -> float:
        """Seconds from saving a fact of the tract through its form to the panel's tract
        PDF made from the dossier as saved."""
        form = self.get(FACT).decode()
        token = re.search(r'name="csrf" value="([^"]+)"', form)
        statement = re.search(r'name="statement"[^>]*>(.*?)</textarea>', form, re.S)
        assert token and statement, "no fact form"
        data = [
            ("csrf", token.group(1)),
            *re.findall(r'name="(v:[^"]+)" value="([^"]+)"', form),
            ("statement", html.unescape(statement.group(1))),
            ("sources", "infos-it"),
            ("id", "outil-rh"),
            ("said_by", f"la direction ({run})"),
        ]
        started = time.perf_counter()
        with self.opener.open(self.base + FACT, urllib.parse.urlencode(data).encode()):
            pass
        pdf = self.get(f"/d/{DOSSIER_ID}/panel/tract.pdf")
        assert pdf.startswith(b"%PDF"), pdf[:100]
        return time.perf_counter() - started

    def _page(self, url: str) -> str:
        with self.opener.open(url) as response:
            text: str = response.read().decode()
            return text
