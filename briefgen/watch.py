"""Live preview: rebuild when a dossier, template, asset or the configuration changes,
and serve the HTML documents on 127.0.0.1 with a page that reloads itself.

Changes are found by polling modification times (no extra dependency, works on
every file system).  A failed rebuild is reported and the previous output kept;
the next change is waited for as usual.  A change made while a rebuild runs stops it
at its next layout (`briefgen.warm`'s checkpoints; nothing is written) and the next poll
rebuilds from the files as they are now.  The preview answers only requests
addressed to it, and off loopback only those carrying the access token (see
`briefgen.hosts`).
"""

from __future__ import annotations

import datetime as dt
import html
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit

from .build import Options, build, runnable_kinds
from .errors import BriefgenError
from .hosts import TOKEN_PARAMETER, Guard
from .i18n import _, ngettext, using
from .lint import buildable
from .load import display_path
from .warm import Superseded, WarmPool
from .workspace import CONFIG_FILE, Workspace, find_workspace

POLL_SECONDS = 0.2
RELOAD_SCRIPT = """<script>
(function () {
  var seen = null;
  function poll() {
    fetch("/__version", {cache: "no-store"}).then(function (r) { return r.text(); })
      .then(function (v) { if (seen !== null && v !== seen) { location.reload(); } seen = v; })
      .catch(function () {}).finally(function () { setTimeout(poll, 500); });
  }
  poll();
})();
</script>"""

Snapshot = dict[Path, tuple[int, int]]


def snapshot(paths: Iterable[Path]) -> Snapshot:
    """Modification time and size of every file under `paths`."""
    state: Snapshot = {}
    for path in paths:
        files = [path] if path.is_file() else path.rglob("*") if path.is_dir() else []
        for file in files:
            try:
                stat = file.stat()
            except OSError:
                continue
            if file.is_file():
                state[file] = (stat.st_mtime_ns, stat.st_size)
    return state


@dataclass
class Watcher:
    """Rebuilds the documents of one dossier when anything they are made from changes."""

    workspace_root: Path
    dossier_dir: Path
    kinds: list[str]
    options: Options
    out_dir: Path | None = None
    version: int = 0
    output_dir: Path | None = None
    failed: bool = False
    """Whether the last rebuild failed (its report then lists the errors)."""
    _state: Snapshot = field(default_factory=dict)
    _renderer: WarmPool = field(default_factory=lambda: WarmPool(0))
    """Renders in this process; its tickets let a change stop a rebuild under way."""

    def watched(self) -> list[Path]:
        root = self.workspace_root
        return [self.dossier_dir, root / "templates", root / "assets", root / CONFIG_FILE]

    def rebuild(self) -> str:
        """Build now; return a one-line report (what was rebuilt and how long it took)."""
        started = time.perf_counter()
        self._state = snapshot(self.watched())
        ticket = self._renderer.ticket("rebuild")
        over = threading.Event()
        lookout = threading.Thread(target=self._look_out, args=(over,), daemon=True)
        lookout.start()
        try:
            workspace = find_workspace(self.workspace_root)
            dossier = buildable(self.dossier_dir, dt.date.today())
            kinds = runnable_kinds(dossier, self.kinds)[0]
            written = self._renderer.run(
                build,
                dossier,
                self.dossier_dir,
                self.out_dir or workspace.output,
                kinds,
                self.options,
                workspace,
                ticket=ticket,
            )[0]
        except Superseded:
            return _("stopped: a file changed during the rebuild; rebuilding from it")
        except BriefgenError as error:
            self.failed = True
            return "\n".join(_("error: %(problem)s", problem=problem) for problem in error.problems)
        finally:
            over.set()
            lookout.join()
        self.failed = False
        self.version += 1
        self.output_dir = written[0].parent if written else self.output_dir
        return ngettext(
            "rebuilt %(documents)s (%(num)s file) in %(seconds)s s",
            "rebuilt %(documents)s (%(num)s files) in %(seconds)s s",
            len(written),
            documents=", ".join(kinds),
            seconds=f"{time.perf_counter() - started:.2f}",
        )

    def _look_out(self, over: threading.Event) -> None:
        """While a rebuild runs, stop it (at its next layout) as soon as a file changes."""
        while not over.wait(POLL_SECONDS):
            if self.changed():
                self._renderer.ticket("rebuild")
                return

    def changed(self) -> list[Path]:
        """Files added, removed or modified since the last build."""
        now = snapshot(self.watched())
        return sorted(
            p for p in now.keys() | self._state.keys() if now.get(p) != self._state.get(p)
        )

    def poll(self) -> str | None:
        """Rebuild if anything changed; return the report, or None if nothing did."""
        changed = self.changed()
        if not changed:
            return None
        names = ", ".join(display_path(p) for p in changed[:3])
        if len(changed) > 3:
            more = len(changed) - 3
            names = ngettext(
                "%(names)s and %(num)s more", "%(names)s and %(num)s more", more, names=names
            )
        report = _("changed: %(names)s", names=names)
        return f"{report}\n{self.rebuild()}"


def _index(watcher: Watcher, lang: str) -> str:
    folder = watcher.output_dir
    pages = sorted(p.name for p in folder.glob("*.html")) if folder else []
    links = "".join(f'<li><a href="/{html.escape(p)}">{html.escape(p)}</a></li>' for p in pages)
    empty = html.escape(_("No document yet: see the terminal."))
    body = f"<ul>{links}</ul>" if links else f"<p>{empty}</p>"
    heading = html.escape(_("Preview"))
    return (
        f'<!DOCTYPE html><html lang="{html.escape(lang)}"><head><meta charset="utf-8">'
        f"<title>briefgen</title></head><body><h1>{heading}</h1>{body}{RELOAD_SCRIPT}</body></html>"
    )


Refusal = tuple[HTTPStatus, bytes, tuple[tuple[str, str], ...]]


def _refusal(guard: Guard, target: str, host: str | None, cookie: str | None) -> Refusal | None:
    """The answer to a request the preview may not answer (400 for a foreign Host, 303 to
    keep a token given in the address in a cookie, 403 without the token), or None."""
    if not guard.host_ok(host):
        message = _("400: an address this server does not know (Host header refused)")
        return HTTPStatus.BAD_REQUEST, f"{message}\n".encode(), ()
    if guard.token is None:
        return None
    address = urlsplit(target)
    query = parse_qsl(address.query, keep_blank_values=True)
    given = next((value for name, value in query if name == TOKEN_PARAMETER), None)
    if given is not None and guard.token_ok(given):
        # Kept in a cookie; the address loses it so it stays out of history.
        rest = urlencode([pair for pair in query if pair[0] != TOKEN_PARAMETER])
        # One leading slash, no backslash: never an address on another site.
        path = address.path.replace("\\", "%5C").lstrip("/")
        location = f"/{path}" + (f"?{rest}" if rest else "")
        cookie_set = f"{guard.cookie}={guard.token}; Path=/; HttpOnly; SameSite=Strict"
        return HTTPStatus.SEE_OTHER, b"", (("Location", location), ("Set-Cookie", cookie_set))
    if not guard.token_ok(guard.token_from_cookies(cookie)):
        message = _(
            "403: access token missing or wrong; open the address briefgen watch "
            "printed when it started"
        )
        return HTTPStatus.FORBIDDEN, f"{message}\n".encode(), ()
    return None


def make_server(
    watcher: Watcher,
    workspace: Workspace,
    host: str,
    port: int,
    guard: Guard,
    lang: str = "fr",
) -> ThreadingHTTPServer:
    """An HTTP server for the preview: the built HTML pages, their fonts and assets, nothing
    else, to requests that `guard` accepts.  Its own words are in `lang` (French, like the
    page of `briefgen serve`, unless told otherwise)."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            """Requests are not logged: the terminal reports builds."""

        def _send(
            self,
            status: HTTPStatus,
            body: bytes,
            content_type: str,
            headers: tuple[tuple[str, str], ...] = (),
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            for name, value in headers:
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def _admitted(self) -> bool:
            """True if the request may be answered; otherwise answer it with 400, 303 or 403."""
            refusal = _refusal(
                guard, self.path, self.headers.get("Host"), self.headers.get("Cookie")
            )
            if refusal is None:
                return True
            status, body, headers = refusal
            self._send(status, body, "text/plain; charset=utf-8", headers)
            return False

        def do_GET(self) -> None:
            # Each request has a thread of its own, which starts in the default language.
            with using(lang):
                self._answer()

        def _answer(self) -> None:
            if not self._admitted():
                return
            path = unquote(urlsplit(self.path).path).lstrip("/")
            if path == "":
                index = _index(watcher, lang).encode()
                self._send(HTTPStatus.OK, index, "text/html; charset=utf-8")
                return
            if path == "__version":
                self._send(HTTPStatus.OK, str(watcher.version).encode(), "text/plain")
                return
            folder = watcher.output_dir
            if folder and "/" not in path and path.endswith(".html") and (folder / path).is_file():
                page = (folder / path).read_text(encoding="utf-8")
                page = page.replace("</body>", RELOAD_SCRIPT + "</body>", 1)
                self._send(HTTPStatus.OK, page.encode(), "text/html; charset=utf-8")
                return
            asset = workspace.resolve(path)
            if asset is not None:
                self._send(HTTPStatus.OK, asset.read_bytes(), workspace.media_type(asset))
                return
            self._send(HTTPStatus.NOT_FOUND, _("not found").encode(), "text/plain; charset=utf-8")

    return ThreadingHTTPServer((host, port), Handler)


def run(watcher: Watcher, report: Callable[[str], None], stop: threading.Event) -> None:
    """Build once, then poll until `stop` is set, reporting each rebuild."""
    report(watcher.rebuild())
    while not stop.wait(POLL_SECONDS):
        message = watcher.poll()
        if message:
            report(message)
