"""Who the local servers answer: their own address only (DNS rebinding), and off loopback
only those holding the access token printed at start."""

from __future__ import annotations

import datetime as dt
import http.client
import re
import shutil
import threading
from collections.abc import Iterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask

from briefgen.build import Options
from briefgen.cli import main
from briefgen.hosts import Guard, guard_for, host_name, token_cookie, url_for_host
from briefgen.scaffold import init_workspace
from briefgen.watch import Watcher, make_server
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from conftest import FIRST_DOSSIER

TODAY = dt.date(2026, 11, 23)
EVIL = "evil.example:8000"
LAN = "192.0.2.10"
REFUSED = "en-tête Host refusé"
PARAMETERS = {
    "dossier_id": "france-travail-linkedin",
    "kind": "note",
    "asset": "templates/fonts/Lato-Regular.ttf",
    "filename": "style.css",
    "job_id": "x",
    "name": "tract.pdf",
    "table": "facts",
    "item": "x",
    "key": "x",
}


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIRST_DOSSIER, root / "seeds" / "france-travail-linkedin")
    (root / "briefgen.toml").write_text("")
    return root


def app_for(workspace: Path, guard: Guard) -> Flask:
    app = create_app(find_workspace(workspace), today=TODAY, guard=guard)
    app.config["TESTING"] = True
    return app


def every_request(app: Flask) -> list[tuple[str, str]]:
    """(method, path) for every route of `app`, its parameters filled with plausible values."""
    requests = []
    for rule in app.url_map.iter_rules():
        path = re.sub(
            r"<(?:[^<>:]+:)?([^<>]+)>", lambda m: PARAMETERS.get(m.group(1), "x"), rule.rule
        )
        requests += [(method, path) for method in sorted(rule.methods or ())]
    return requests


def refused_by_guard(response: Any) -> bool:
    return bool(response.status_code == 400 and REFUSED in response.get_data(as_text=True))


# The rules themselves.


@pytest.mark.parametrize(
    ("header", "name"),
    [
        ("127.0.0.1:8000", "127.0.0.1"),
        ("LOCALHOST:8000", "localhost"),
        ("[::1]:8000", "::1"),
        ("::1", "::1"),
        ("evil.example", "evil.example"),
    ],
)
def test_host_name_drops_the_port(header: str, name: str) -> None:
    assert host_name(header) == name


def test_a_loopback_server_answers_to_its_loopback_names_only() -> None:
    guard = guard_for("127.0.0.1")
    assert guard.token is None
    for header in ("127.0.0.1:8000", "localhost:8000", "[::1]:8000", "127.0.0.1", "LocalHost"):
        assert guard.host_ok(header), header
    for refused in (EVIL, "127.0.0.1.evil.example", "localhost.evil.example:8000", "", None):
        assert not guard.host_ok(refused), refused


def test_a_lan_server_answers_to_its_address_only_with_a_token() -> None:
    guard = guard_for(LAN)
    assert guard.host_ok(f"{LAN}:8000")
    for header in ("localhost:8000", "127.0.0.1:8000", "192.0.2.11:8000", EVIL):
        assert not guard.host_ok(header), header
    assert guard.token and guard.token != guard_for(LAN).token
    assert guard.token_ok(guard.token) and not guard.token_ok("wrong") and not guard.token_ok(None)
    assert guard_for(LAN, "given").token == "given"


def test_a_server_on_every_interface_answers_to_addresses_not_to_other_names() -> None:
    guard = guard_for("0.0.0.0")
    assert guard.token
    for header in ("192.168.1.20:8000", "127.0.0.1:8000", "localhost:8000", "[fe80::1]:8000"):
        assert guard.host_ok(header), header
    assert not guard.host_ok(EVIL)


def test_the_token_cookie_is_found_among_any_other_cookies() -> None:
    guard = guard_for(LAN, "secret")
    name = token_cookie("secret")
    for header in (
        f"{name}=secret",
        f'a=b c; other={{"json": 1}}; {name}=secret',
        f"session=.eJw; {name}=secret; last=[x]",
        f"briefgen_token=old; {token_cookie('other')}=other; {name}=secret",
    ):
        assert guard.token_from_cookies(header) == "secret", header
    assert guard.token_from_cookies("other=secret") is None
    assert guard.token_from_cookies(None) is None


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", LAN, "0.0.0.0"])
def test_the_address_shown_is_one_the_server_answers(host: str) -> None:
    guard = guard_for(host)
    address = urlsplit(url_for_host(host, 8000, guard))
    assert address.scheme == "http" and address.port == 8000 and address.path == "/"
    assert guard.host_ok(address.netloc)
    assert address.query == (f"token={guard.token}" if guard.token else "")


# briefgen serve


def test_every_route_refuses_a_foreign_host(workspace: Path) -> None:
    app = app_for(workspace, guard_for("127.0.0.1"))
    client = app.test_client()
    requests = every_request(app)
    assert ("POST", "/d/france-travail-linkedin/build") in requests
    for method, path in requests:
        with client.open(path, method=method, headers={"Host": EVIL}) as response:
            assert response.status_code == 400, (method, path)
            if method != "HEAD":
                assert REFUSED in response.get_data(as_text=True), (method, path)


@pytest.mark.parametrize("host", ["127.0.0.1:8000", "localhost:8000", "[::1]:8000"])
def test_every_route_answers_its_own_host(workspace: Path, host: str) -> None:
    app = app_for(workspace, guard_for("127.0.0.1"))
    app.config["PROPAGATE_EXCEPTIONS"] = False  # what a route answers past the guard is its own
    client = app.test_client()
    for method, path in every_request(app):
        if method in ("GET", "POST"):
            with client.open(path, method=method, headers={"Host": host}) as response:
                assert not refused_by_guard(response), (method, path)


def test_a_lan_server_refuses_its_loopback_names(workspace: Path) -> None:
    guard = guard_for(LAN)
    client = app_for(workspace, guard).test_client()
    for host in ("localhost:8000", "127.0.0.1:8000", EVIL):
        response = client.get(f"/?token={guard.token}", headers={"Host": host})
        assert refused_by_guard(response), host


def test_off_loopback_the_token_opens_the_door_and_stays_in_a_cookie(workspace: Path) -> None:
    guard = guard_for(LAN)
    assert guard.token
    client = app_for(workspace, guard).test_client()
    host = {"Host": f"{LAN}:8000"}
    assert client.get("/", headers=host).status_code == 403
    assert client.get("/?token=wrong", headers=host).status_code == 403
    assert guard.cookie
    client.set_cookie(guard.cookie, "wrong", domain=LAN)
    assert client.get("/d/france-travail-linkedin", headers=host).status_code == 403
    client.delete_cookie(guard.cookie, domain=LAN)

    response = client.get(f"/?token={guard.token}", headers=host)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{guard.cookie}={guard.token};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    deeper = client.get(f"/d/france-travail-linkedin?token={guard.token}&a=1", headers=host)
    assert deeper.headers["Location"] == "/d/france-travail-linkedin?a=1"

    assert client.get("/d/france-travail-linkedin", headers=host).status_code == 200

    fresh = app_for(workspace, guard).test_client(use_cookies=False)
    token = {"Cookie": f"{guard.cookie}={guard.token}"}
    assert fresh.get("/", headers=host | token).status_code == 200
    assert fresh.get("/d/france-travail-linkedin", headers=host | token).status_code == 200
    assert refused_by_guard(fresh.get("/", headers={"Host": EVIL} | token))


# briefgen watch


@pytest.fixture
def watcher(tmp_path: Path) -> Watcher:
    root = tmp_path / "ws"
    init_workspace(root)
    watcher = Watcher(root, root / "seeds" / "exemple", ["note"], Options(("html",)))
    assert watcher.rebuild().startswith("rebuilt note")
    return watcher


def preview(watcher: Watcher, guard: Guard) -> Iterator[int]:
    httpd = make_server(watcher, find_workspace(watcher.workspace_root), "127.0.0.1", 0, guard)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def loopback_preview(watcher: Watcher) -> Iterator[int]:
    yield from preview(watcher, guard_for("127.0.0.1"))


LAN_GUARD = guard_for(LAN, "le-jeton")
LAN_COOKIE = token_cookie("le-jeton")


@pytest.fixture
def lan_preview(watcher: Watcher) -> Iterator[int]:
    yield from preview(watcher, LAN_GUARD)


def raw(port: int, path: str, host: str, cookie: str | None = None) -> tuple[int, Any, bytes]:
    """Status, headers and body of a GET sent to the preview with this Host header."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.putrequest("GET", path, skip_host=True)
        connection.putheader("Host", host)
        if cookie:
            connection.putheader("Cookie", cookie)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.headers, response.read()
    finally:
        connection.close()


PREVIEW_PATHS = [
    "/",
    "/__version",
    "/note-de-briefing.html",
    "/templates/fonts/Lato-Regular.ttf",
    "/nope",
]


@pytest.mark.parametrize("path", PREVIEW_PATHS)
def test_the_preview_refuses_a_foreign_host(loopback_preview: int, path: str) -> None:
    port = loopback_preview
    status, headers, body = raw(port, path, f"evil.example:{port}")
    assert status == 400 and headers["Content-Type"].startswith("text/plain")
    assert len(body.decode().splitlines()) == 1 and REFUSED in body.decode()
    assert raw(port, path, "")[0] == 400
    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}"):
        assert raw(port, path, host)[0] == (404 if path == "/nope" else 200)


@pytest.mark.parametrize("path", PREVIEW_PATHS)
def test_the_lan_preview_needs_the_token(lan_preview: int, path: str) -> None:
    port = lan_preview
    host = f"{LAN}:{port}"
    assert raw(port, path, host)[0] == 403
    assert raw(port, f"{path}?token=wrong", host)[0] == 403
    assert raw(port, path, host, f"{LAN_COOKIE}=wrong")[0] == 403
    assert raw(port, f"{path}?token=le-jeton", f"localhost:{port}")[0] == 400
    assert raw(port, path, f"127.0.0.1:{port}", f"{LAN_COOKIE}=le-jeton")[0] == 400
    cookie = f"a=b c; {LAN_COOKIE}=le-jeton"
    assert raw(port, path, host, cookie)[0] == (404 if path == "/nope" else 200)


def test_the_lan_preview_keeps_the_token_in_a_cookie(lan_preview: int) -> None:
    port = lan_preview
    host = f"{LAN}:{port}"
    status, headers, _ = raw(port, "/?token=le-jeton", host)
    assert status == 303 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"{LAN_COOKIE}=le-jeton;")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
    status, headers, _ = raw(port, "/note-de-briefing.html?a=1&token=le-jeton", host)
    assert status == 303 and headers["Location"] == "/note-de-briefing.html?a=1"
    for path in ("//evil.example/?token=le-jeton", "/\\evil.example/?token=le-jeton"):
        status, headers, _ = raw(port, path, host)
        assert status == 303 and re.match(r"/[^/\\]", headers["Location"]), path
    status, _, body = raw(port, "/__version", host, cookie.split(";")[0])
    assert (status, body) == (200, b"1")


# The addresses the commands print.


@pytest.mark.parametrize("host", ["127.0.0.1", LAN, "0.0.0.0"])
def test_serve_prints_an_address_that_opens_the_page(
    workspace: Path, host: str, served_apps: list[Flask]
) -> None:
    apps = served_apps
    result = CliRunner().invoke(main, ["-w", str(workspace), "serve", "--host", host])
    assert result.exit_code == 0, result.output
    match = re.search(r"open (http://\S+)  \(Ctrl-C to stop\)", result.stdout)
    assert match, result.stdout
    address = urlsplit(match.group(1))
    client = apps[0].test_client()
    first = client.get(f"/?{address.query}", headers={"Host": address.netloc})
    if host == "127.0.0.1":
        assert first.status_code == 200 and not address.query and not result.stderr
        return
    assert "access token" in result.stderr and address.query.startswith("token=")
    assert first.status_code == 303
    assert client.get("/", headers={"Host": address.netloc}).status_code == 200
    assert refused_by_guard(client.get("/", headers={"Host": EVIL}))


def test_watch_prints_the_address_with_its_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    init_workspace(root)
    guards: list[Guard] = []

    class FakePreview:
        server_address = ("192.0.2.10", 8123)

        def __init__(self, *args: object, **kwargs: object) -> None:
            guards.append(args[-1])  # type: ignore[arg-type]

        def serve_forever(self) -> None: ...

        def shutdown(self) -> None: ...

    monkeypatch.setattr("briefgen.watch.make_server", FakePreview)
    monkeypatch.setattr("briefgen.watch.run", lambda *args: None)
    result = CliRunner().invoke(main, ["-w", str(root), "watch", "exemple", "--host", LAN])
    assert result.exit_code == 0, result.output
    (guard,) = guards
    assert guard.token and not guard.host_ok("localhost:8123")
    assert f"preview: http://{LAN}:8123/?token={guard.token}  (Ctrl-C" in result.stdout
    assert "access token" in result.stderr


# Several servers on one machine: cookies ignore ports.


def test_the_token_cookie_is_named_per_server_and_stable() -> None:
    assert token_cookie("le-jeton") == token_cookie("le-jeton") == LAN_GUARD.cookie
    assert re.fullmatch(r"briefgen_token_[0-9a-f]{8}", LAN_COOKIE)
    assert token_cookie("autre-jeton") != LAN_COOKIE
    assert "le-jeton" not in LAN_COOKIE
    assert guard_for("127.0.0.1").cookie is None


def test_two_servers_keep_their_tokens_side_by_side(lan_preview: int, watcher: Watcher) -> None:
    """A rep opens `serve` and `watch` (and a second `serve`) on one machine: the browser
    keeps one cookie per server, opening one never locks them out of the other."""
    port = lan_preview
    serve_guard = guard_for(LAN, "jeton-du-serveur")
    other_guard = guard_for(LAN, "jeton-d-un-autre-espace")
    workspace = watcher.workspace_root
    serve = app_for(workspace, serve_guard).test_client(use_cookies=False)
    other = app_for(workspace, other_guard).test_client(use_cookies=False)
    jar = SimpleCookie()  # a browser's cookies for one address: keyed by name, not by port
    host = {"Host": f"{LAN}:8000"}

    jar.load(serve.get("/?token=jeton-du-serveur", headers=host).headers["Set-Cookie"])
    jar.load(raw(port, "/?token=le-jeton", f"{LAN}:{port}")[1]["Set-Cookie"])
    jar.load(other.get("/?token=jeton-d-un-autre-espace", headers=host).headers["Set-Cookie"])
    assert len(jar) == 3
    everything = "; ".join(f"{name}={morsel.value}" for name, morsel in jar.items())

    for client in (serve, other):
        page = client.get("/d/exemple", headers=host | {"Cookie": everything})
        assert page.status_code == 200
    assert raw(port, "/__version", f"{LAN}:{port}", everything)[:3:2] == (200, b"1")

    def alone(guard: Guard) -> str:
        return f"{guard.cookie}={guard.token}"

    for client, foreign in ((serve, LAN_GUARD), (serve, other_guard), (other, serve_guard)):
        refused = client.get("/", headers=host | {"Cookie": alone(foreign)})
        assert refused.status_code == 403
        assert "clé d’accès manquante ou erronée" in refused.get_data(as_text=True)
    for foreign in (serve_guard, other_guard):
        assert raw(port, "/__version", f"{LAN}:{port}", alone(foreign))[0] == 403
