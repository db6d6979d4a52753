"""Several reps on one server: each gets the files they asked for, finished builds do not
pile up in memory, forms outlive a restart and a second server, and only 127.0.0.1, ::1
and localhost are served without the access token."""

from __future__ import annotations

import io
import re
import shutil
import threading
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from briefgen.cli import main
from briefgen.web import jobs
from briefgen.web.state import State
from conftest import MINIMAL, pdf_text
from pages import form, open_form, submit, text

DOSSIER = "minimal"
BASE = f"/d/{DOSSIER}"
ESTABLISHMENTS = """\
establishments:
  - id: hauts-de-france
    name: Hauts-de-France
  - id: normandie
    name: Normandie
"""


def make_workspace(root: Path) -> Path:
    """A workspace holding a copy of the small dossier, with two establishments."""
    folder = root / "seeds" / DOSSIER
    shutil.copytree(MINIMAL, folder)
    with (folder / "dossier.yaml").open("a", encoding="utf-8") as handle:
        handle.write(ESTABLISHMENTS)
    (root / "briefgen.toml").write_text("")
    return root


def serve(workspace: Path, served_apps: list[Flask], *options: str) -> tuple[Flask, str]:
    """The application `briefgen serve` makes for `workspace`, and what it said on stderr."""
    result = CliRunner().invoke(main, ["-w", str(workspace), "serve", *options])
    assert result.exit_code == 0, result.output
    return served_apps[-1], result.stderr


def builds_of(app: Flask) -> jobs.Builds:
    found: State = app.extensions["briefgen"]
    return found.builds


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    return make_workspace(tmp_path / "ws")


@pytest.fixture
def app(workspace: Path, served_apps: list[Flask]) -> Flask:
    return serve(workspace, served_apps)[0]


class Gate:
    """Holds every build before it renders until opened: requests made meanwhile are made
    while the builds before them are still under way, whatever the machine's speed."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from briefgen.build import render_all
        from briefgen.web import routes

        self.opened = threading.Event()

        def held(*args: Any, **kwargs: Any) -> Any:
            assert self.opened.wait(60)
            return render_all(*args, **kwargs)

        monkeypatch.setattr(routes, "render_all", held)


def ask(client: FlaskClient, docs: list[str], formats: list[str], **more: str) -> str:
    """Press « Produire » with these choices; the address of the build's page."""
    sent = open_form(client, BASE, f"{BASE}/build").fill(doc=docs, format=formats, **more)
    response = submit(client, sent)
    assert response.status_code == 303, response.get_data(as_text=True)
    return str(response.headers["Location"])


def finished(client: FlaskClient, location: str) -> str:
    """The build's page once it is over."""
    for _ in range(3000):
        if client.get(location + "/status").get_json()["status"] != "running":
            break
        threading.Event().wait(0.05)
    page = client.get(location).get_data(as_text=True)
    assert "Les documents sont prêts." in text(page), text(page)
    return page


def offered(page: str) -> list[str]:
    """The names of the files a build's page offers to download."""
    return re.findall(r'href="[^"]*/file/([^"]+)"', page)


# Builds keyed by what was asked.


def test_two_reps_asking_different_documents_at_once_each_get_their_own(
    app: Flask, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    gate = Gate(monkeypatch)
    rep_a, rep_b = app.test_client(), app.test_client()
    tract = ask(rep_a, ["tract"], ["pdf"], establishment="hauts-de-france")
    note = ask(rep_b, ["note"], ["odt"])
    assert tract != note
    gate.opened.set()

    assert offered(finished(rep_a, tract)) == ["tract-hauts-de-france.pdf"]
    assert offered(finished(rep_b, note)) == ["note-de-briefing.odt"]
    pdf = rep_a.get(tract + "/file/tract-hauts-de-france.pdf")
    assert pdf.mimetype == "application/pdf"
    (tmp_path / "tract.pdf").write_bytes(pdf.data)
    assert "Hauts-de-France" in pdf_text(tmp_path / "tract.pdf")
    odt = rep_b.get(note + "/file/note-de-briefing.odt")
    content = zipfile.ZipFile(io.BytesIO(odt.data)).read("content.xml").decode()
    assert "Un dossier minimal" in content and "Hauts-de-France" not in content
    assert rep_b.get(note + "/file/tract-hauts-de-france.pdf").status_code == 404


def test_the_same_request_twice_at_once_is_one_build(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = Gate(monkeypatch)
    rep_a, rep_b = app.test_client(), app.test_client()
    first = ask(rep_a, ["tract"], ["pdf"], establishment="normandie")
    second = ask(rep_b, ["tract"], ["pdf"], establishment="normandie")
    later = ask(rep_b, ["tract"], ["pdf"], establishment="normandie", meeting_date="2027-01-05")
    gate.opened.set()
    assert first == second != later
    assert offered(finished(rep_b, second)) == ["tract-normandie.pdf"]


class Recorder:
    """Stands for rendering, once let through: records what each build was to render
    (documents and formats); these tests count builds, not pages."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        from briefgen.web import routes

        self.opened = threading.Event()
        self.seen: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
        monkeypatch.setattr(routes, "render_all", self.render)

    def render(self, planned: list[Any], options: Any, *args: Any) -> list[Any]:
        assert self.opened.wait(60)
        self.seen.append((tuple(job.filename for job in planned), options.formats))
        return []


def test_twenty_different_requests_at_once_make_twenty_builds(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from briefgen.build import DOCUMENTS

    recorder = Recorder(monkeypatch)
    client = app.test_client()
    kinds = ("note", "tract", "declaration", "questions", "avis")
    asked = [(kind, fmt, lang) for kind in kinds for fmt in ("pdf", "odt") for lang in ("fr", "en")]
    locations = [ask(client, [kind], [fmt], lang=lang) for kind, fmt, lang in asked]
    assert len(set(locations)) == len(asked) == 20
    recorder.opened.set()
    for _ in range(3000):
        if len(recorder.seen) == 20 and not builds_of(app).running:
            break
        threading.Event().wait(0.05)
    expected = [((DOCUMENTS[kind].filename,), (fmt,)) for kind, fmt, _lang in asked]
    assert sorted(recorder.seen) == sorted(expected)
    assert len(builds_of(app).jobs) == jobs.MAX_FINISHED  # the oldest are dropped


# Finished builds are dropped.


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_build_is_dropped_once_its_files_are_fetched(app: Flask) -> None:
    clock = Clock()
    builds_of(app).clock = clock
    client = app.test_client()
    location = ask(client, ["tract", "declaration"], ["pdf"])
    page = finished(client, location)
    assert offered(page) == ["tract.pdf", "declaration-liminaire.pdf"]
    assert client.get(location + "/file/tract.pdf").status_code == 200
    clock.now += jobs.KEPT_AFTER_FETCH + 1
    assert len(builds_of(app).jobs) == 1  # one file of two fetched: kept
    assert client.get(location + "/all.zip").status_code == 200
    clock.now += jobs.KEPT_AFTER_FETCH - 1
    assert client.get(location + "/file/tract.pdf").status_code == 200  # fetched again
    clock.now += 2
    assert client.get(location).status_code == 410
    assert builds_of(app).jobs == {}


def test_a_build_whose_files_are_never_fetched_is_dropped_in_time(app: Flask) -> None:
    clock = Clock()
    builds_of(app).clock = clock
    client = app.test_client()
    location = ask(client, ["tract"], ["pdf"])
    finished(client, location)
    clock.now += jobs.KEPT_UNFETCHED - 1
    assert client.get(location).status_code == 200
    clock.now += 2
    assert client.get(location + "/file/tract.pdf").status_code == 410
    assert builds_of(app).jobs == {}


GONE = (
    "Les fichiers de cette production ne sont plus conservés "
    "briefgen garde les fichiers produits depuis la page 2 minutes une fois téléchargés, "
    "30 minutes s’ils ne le sont pas, et les oublie quand il s’arrête. "
    "Rien du dossier n’est perdu : produisez à nouveau les documents, ils seront faits à "
    "partir du dossier tel qu’il est maintenant. "
    "Produire à nouveau les documents"
)


def test_a_rep_back_to_a_dropped_build_is_offered_to_produce_it_again(app: Flask) -> None:
    clock = Clock()
    builds_of(app).clock = clock
    client = app.test_client()
    location = ask(client, ["tract"], ["pdf"])
    finished(client, location)
    assert client.get(location + "/all.zip").status_code == 200
    clock.now += jobs.KEPT_AFTER_FETCH + 1  # the rep comes back after lunch

    for address in (location, location + "/file/tract.pdf", location + "/all.zip"):
        response = client.get(address)
        assert response.status_code == 410 and response.mimetype == "text/html", address
        page = response.get_data(as_text=True)
        assert GONE in text(page), text(page)
        assert "Page introuvable" not in text(page)
    again = re.findall(r'<a class="primary button" href="([^"]+)"', page)
    assert again == [f"{BASE}#docs-title"]

    produce = open_form(client, BASE, f"{BASE}/build")
    assert offered(finished(client, str(submit(client, produce).headers["Location"])))


def test_a_build_lost_with_a_restart_gets_the_same_page(
    app: Flask, workspace: Path, served_apps: list[Flask]
) -> None:
    client = app.test_client()
    location = ask(client, ["tract"], ["pdf"])
    finished(client, location)
    restarted = serve(workspace, served_apps)[0].test_client()
    response = restarted.get(location + "/file/tract.pdf")
    assert response.status_code == 404  # it cannot tell a lost build from one never made
    assert GONE in text(response.get_data(as_text=True))
    nowhere = restarted.get("/d/nope/build/x")  # no such dossier: the ordinary page
    assert nowhere.status_code == 404 and GONE not in text(nowhere.get_data(as_text=True))


# Sessions survive restarts and other servers.


def test_two_servers_of_two_workspaces_keep_apart_cookies(
    tmp_path: Path, served_apps: list[Flask]
) -> None:
    first, _ = serve(make_workspace(tmp_path / "one"), served_apps)
    second, _ = serve(make_workspace(tmp_path / "two"), served_apps, "--port", "8001")
    names = {app.config["SESSION_COOKIE_NAME"] for app in (first, second)}
    assert len(names) == 2 and "session" not in names
    client = first.test_client()
    client.get(BASE)
    assert client.get_cookie(first.config["SESSION_COOKIE_NAME"]) is not None


def test_a_form_opened_before_a_restart_is_accepted_after_it(
    workspace: Path, served_apps: list[Flask]
) -> None:
    before, _ = serve(workspace, served_apps)
    browser = before.test_client()
    typed = "Selon la direction, l’outil sera étendu à tout le site de Lille en mars."
    url = f"{BASE}/edit/facts/new"
    sent = open_form(browser, url).fill(id="extension-mars", statement=typed, sources=["journal"])
    name = before.config["SESSION_COOKIE_NAME"]
    cookie = browser.get_cookie(name)
    assert cookie is not None
    key = workspace / ".briefgen" / "secret-key"
    assert key.stat().st_mode & 0o777 == 0o600

    after, _ = serve(workspace, served_apps)
    assert after.config["SESSION_COOKIE_NAME"] == name
    restarted = after.test_client()
    restarted.set_cookie(name, cookie.value)  # the browser kept it
    response = submit(restarted, sent)
    assert response.status_code == 303, text(response.get_data(as_text=True))
    assert typed in (workspace / "seeds" / DOSSIER / "facts.yaml").read_text(encoding="utf-8")


def test_a_form_whose_session_was_lost_comes_back_with_its_text(app: Flask) -> None:
    browser = app.test_client()
    typed = "Selon la direction, l’outil sera étendu à tout le site de Lille en mars."
    url = f"{BASE}/edit/facts/new"
    sent = open_form(browser, url).fill(id="extension-mars", statement=typed, sources=["journal"])
    forgetful = app.test_client()  # a browser that lost the session cookie
    response = submit(forgetful, sent)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert typed in text(page)
    again = form(page, url)
    assert submit(forgetful, again).status_code == 303


# Only 127.0.0.1, ::1 and localhost are served without the access token.


@pytest.mark.parametrize("host", ["127.0.0.2", "127.1.2.3"])
def test_another_loopback_address_needs_the_token(
    workspace: Path, served_apps: list[Flask], host: str
) -> None:
    app, said = serve(workspace, served_apps, "--host", host)
    assert "access token" in said
    client = app.test_client()
    headers = {"Host": f"{host}:8123"}
    assert client.get("/", headers=headers).status_code == 403
    assert client.get(BASE, headers=headers).status_code == 403


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_the_loopback_names_are_served_without_a_token(
    workspace: Path, served_apps: list[Flask], host: str
) -> None:
    app, said = serve(workspace, served_apps, "--host", host)
    assert said == ""
    shown = f"[{host}]" if ":" in host else host
    assert app.test_client().get("/", headers={"Host": f"{shown}:8123"}).status_code == 200


def test_the_page_writes_the_reps_note_for_its_owner_and_group_only(
    app: Flask, workspace: Path
) -> None:
    """The output folder gets what the page built, the note as the command line writes it:
    not readable by others on the machine."""
    import os
    import stat

    old = os.umask(0o022)
    try:
        client = app.test_client()
        finished(client, ask(client, ["note", "tract"], ["pdf"]))
    finally:
        os.umask(old)
    folder = workspace / "output" / DOSSIER
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in folder.iterdir()}
    assert mode == {"note-de-briefing.pdf": 0o640, "tract.pdf": 0o644}


def test_the_progress_page_hears_of_a_build_as_soon_as_it_moves(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The status asked with `wait` is answered when a document is done or the build is
    over, not before: the progress page loses no time between two looks."""
    gate = Gate(monkeypatch)
    client = app.test_client()
    location = ask(client, ["tract"], ["pdf"])
    answer: list[dict[str, Any]] = []
    waiting = threading.Thread(
        target=lambda: answer.append(
            app.test_client().get(location + "/status?wait=30&done=0").get_json()
        )
    )
    waiting.start()
    waiting.join(0.5)
    assert waiting.is_alive() and answer == []  # held: nothing happened yet
    assert client.get(location + "/status").get_json()["status"] == "running"
    gate.opened.set()
    waiting.join(60)
    assert answer and (answer[0]["done"] == 1 or answer[0]["status"] == "done"), answer
    quick = client.get(location + "/status?wait=30&done=-1").get_json()
    assert quick["done"] == 1  # news already there: answered at once


def rendered_jobs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The documents each build rendered (those it did not find made already)."""
    from briefgen.build import render_all
    from briefgen.web import routes

    seen: list[list[str]] = []

    def counted(jobs: list[Any], *args: Any, **kwargs: Any) -> Any:
        seen.append([job.filename for job in jobs])
        return render_all(jobs, *args, **kwargs)

    monkeypatch.setattr(routes, "render_all", counted)
    return seen


def test_a_document_asked_again_unchanged_is_given_as_it_was_made(
    app: Flask, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = rendered_jobs(monkeypatch)
    client = app.test_client()
    first = finished(client, ask(client, ["tract", "note"], ["pdf"]))
    again = finished(client, ask(client, ["tract", "note"], ["pdf"]))
    assert seen == [["note-de-briefing", "tract"]]  # the second made nothing
    assert (
        client.get(ask_link(again, "tract.pdf")).data
        == client.get(ask_link(first, "tract.pdf")).data
    )
    folder = workspace / "seeds" / DOSSIER / "dossier.yaml"
    folder.write_text(folder.read_text(encoding="utf-8") + "\n# changé\n", encoding="utf-8")
    finished(client, ask(client, ["tract", "note"], ["pdf"]))
    assert seen[-1] == ["note-de-briefing", "tract"]  # the dossier changed: made again


def test_the_tract_the_panel_showed_is_the_one_produced(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = rendered_jobs(monkeypatch)
    client = app.test_client()
    shown = client.get(f"{BASE}/panel/tract.pdf").data
    page = finished(client, ask(client, ["tract"], ["pdf"]))
    assert seen == []  # nothing rendered: the panel's PDF was given
    assert client.get(ask_link(page, "tract.pdf")).data == shown


def ask_link(page: str, name: str) -> str:
    """The address of the file `name` on a build's page."""
    found = re.search(rf'href="([^"]*/file/{re.escape(name)})"', page)
    assert found, offered(page)
    return found.group(1)
