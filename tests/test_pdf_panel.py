"""The « Aperçu PDF » beside a form (issue 22, item 3): the document a rep works on, made
warm by the server, kept while the dossier is unchanged, a superseded request never served,
the same bytes as `briefgen build`, a French message for a dossier that cannot print.

Run on tests/dossiers/minimal in a workspace of its own, not the first dossier.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

import briefgen.web
from briefgen.web import panel
from browser import axe_violations, chromium, horizontal_overflow, opened, serving
from conftest import invoke_in, pdf_text
from pages import text

BASE = "/d/minimal"
FORM = f"{BASE}/edit/key_points/item/0"
HEADLINE = "Un outil à l'essai"
PRINTED = "Un outil à l’essai"
"""The headline as the tract prints it (French typography)."""


@pytest.fixture
def client(workspace: Path) -> FlaskClient:
    from briefgen.workspace import find_workspace

    app = briefgen.web.create_app(find_workspace(workspace))
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def renders(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The documents the pipeline was run for, in order."""
    done: list[str] = []
    real = panel.pdf_of

    def counted(*args: Any) -> bytes:
        done.append(args[1])
        return real(*args)

    monkeypatch.setattr(panel, "pdf_of", counted)
    return done


def replace_in(folder: Path, name: str, old: str, new: str) -> None:
    path = folder / name
    content = path.read_text(encoding="utf-8")
    assert old in content
    path.write_text(content.replace(old, new, 1), encoding="utf-8")


def shown_pdf(data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "panel.pdf"
    path.write_bytes(data)
    return pdf_text(path)


def test_the_panel_serves_the_tract_inline(
    client: FlaskClient, tmp_path: Path, renders: list[str]
) -> None:
    response = client.get(f"{BASE}/panel/tract.pdf?v=x")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.headers["Cache-Control"] == "no-store"
    assert PRINTED in shown_pdf(response.data, tmp_path)
    assert renders == ["tract"]


def test_an_unchanged_dossier_is_served_from_what_was_kept(
    client: FlaskClient, workspace: Path, tmp_path: Path, renders: list[str]
) -> None:
    first = client.get(f"{BASE}/panel/tract.pdf").data
    status = client.get(f"{BASE}/panel/tract/status").get_json()
    assert client.get(f"{BASE}/panel/tract.pdf").data == first
    assert client.get(f"{BASE}/panel/tract/status").get_json() == status
    assert renders == ["tract"]

    replace_in(workspace / "seeds" / "minimal", "dossier.yaml", HEADLINE, "Un outil contesté")
    assert client.get(f"{BASE}/panel/tract/status").get_json()["hash"] != status["hash"]
    assert "Un outil contesté" in shown_pdf(client.get(f"{BASE}/panel/tract.pdf").data, tmp_path)
    assert renders == ["tract", "tract"]


def test_a_superseded_request_is_never_served(
    client: FlaskClient, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A (old text) renders slowly; B (newer) waits its turn; C (newest) arrives: A's
    result is dropped, B never starts, C is served."""
    started: list[str] = []
    rendering = threading.Event()
    release = threading.Event()

    def slow(dossier: Any, kind: str, *_: Any) -> bytes:
        started.append(dossier.tract.headline)
        if len(started) == 1:
            rendering.set()
            assert release.wait(30)
        return dossier.tract.headline.encode()

    monkeypatch.setattr(panel, "pdf_of", slow)
    folder = workspace / "seeds" / "minimal"
    app = client.application

    def fetch() -> Any:  # a browser tab each: a test client is not shared across threads
        return app.test_client().get(f"{BASE}/panel/tract.pdf")

    with ThreadPoolExecutor(3) as pool:
        older = pool.submit(fetch)
        assert rendering.wait(30)
        replace_in(folder, "dossier.yaml", HEADLINE, "Deuxième titre")
        waiting = pool.submit(fetch)
        while panel_latest(client) < 2:
            threading.Event().wait(0.01)
        replace_in(folder, "dossier.yaml", "Deuxième titre", "Troisième titre")
        last = pool.submit(fetch)
        while panel_latest(client) < 3:
            threading.Event().wait(0.01)
        release.set()  # A finishes; B, then C, get their turn
        responses = [older.result(), waiting.result()]
        newest = last.result()
    assert [r.status_code for r in responses] == [409, 409]
    assert newest.status_code == 200
    assert newest.data == "Troisième titre".encode()
    assert started == [HEADLINE, "Troisième titre"]  # the one that waited never started
    assert client.get(f"{BASE}/panel/tract.pdf").data == "Troisième titre".encode()


def panel_latest(client: FlaskClient) -> int:
    """How many requests for the minimal dossier's tract found nothing kept."""
    app = client.application
    renderer: panel.Renderer = app.extensions["briefgen.panel"]
    with renderer.lock:
        return renderer.asked[("minimal", "tract")]


def test_the_panel_gives_the_bytes_of_briefgen_build(
    client: FlaskClient, workspace: Path, tmp_path: Path
) -> None:
    warm = client.get(f"{BASE}/panel/tract.pdf").data
    out = tmp_path / "out"
    code, _out, err = invoke_in(workspace, "build", "minimal", "--doc", "tract", "-o", str(out))
    assert code == 0, err
    assert (out / "minimal" / "tract.pdf").read_bytes() == warm


def test_a_dossier_with_an_error_says_so_in_french(client: FlaskClient, workspace: Path) -> None:
    replace_in(
        workspace / "seeds" / "minimal", "dossier.yaml", "facts: [outil-teste]", "facts: [x]"
    )
    status = client.get(f"{BASE}/panel/tract/status").get_json()
    assert status["ok"] is False
    assert status["message"].startswith("Le PDF ne peut pas être fait\u00a0: ")
    assert "Traceback" not in status["message"]
    response = client.get(f"{BASE}/panel/tract.pdf")
    assert response.status_code == 422
    assert " ".join(status["message"].split()) in text(response.get_data(as_text=True))


def test_every_form_shows_the_panel_with_the_tract_first(client: FlaskClient) -> None:
    page = client.get(FORM).get_data(as_text=True)
    assert "Aperçu PDF" in text(page)
    assert '<option value="tract" selected>' in page
    assert f'src="{BASE}/preview/tract"' in page
    assert "Aperçu PDF" in text(client.get(f"{BASE}/section/tract").get_data(as_text=True))


def test_a_key_point_saved_shows_in_the_panel(workspace: Path, tmp_path: Path) -> None:
    new_text = "Les agents testent un outil contesté"
    with (
        serving(workspace, render_workers=1) as address,  # as `briefgen serve` renders
        chromium() as browser,
        opened(browser) as page,
    ):
        page.goto(f"{address}{FORM}")
        pdf = panel_pdf(page)  # the tract, which prints the key points
        shown = shown_pdf(page.request.get(pdf).body(), tmp_path)
        assert "Un outil est testé par 12 agents" in shown and new_text not in shown
        page.fill("#f-text", new_text + ".")
        page.click("button[type=submit]")
        page.wait_for_url(f"{address}{BASE}")
        page.goto(f"{address}{FORM}")
        again = panel_pdf(page)
        assert again != pdf  # another hash
        assert new_text in shown_pdf(page.request.get(again).body(), tmp_path)
        SHOTS.mkdir(exist_ok=True)
        page.screenshot(path=str(SHOTS / "pdf-panel-1280.png"), full_page=True)


def panel_pdf(page: Any, kind: str = ".pdf") -> str:
    """The address of the PDF the panel shows, once it shows one (of `kind`)."""
    page.wait_for_function(
        "k => (document.querySelector('.pdf-frame').getAttribute('src') || '').includes(k)",
        arg=kind,
        timeout=60_000,
    )
    return str(page.eval_on_selector(".pdf-frame", "frame => frame.src"))


SHOTS = Path("/tmp/V-shots")


@pytest.mark.parametrize("width", [1280, 390])
def test_a_form_with_the_panel_is_accessible(workspace: Path, width: int) -> None:
    SHOTS.mkdir(exist_ok=True)
    with (
        serving(workspace) as address,
        chromium() as browser,
        opened(browser, width=width, axe=True) as page,
    ):
        page.goto(f"{address}{FORM}")
        panel_pdf(page)
        assert axe_violations(page) == []
        assert horizontal_overflow(page) == []
        page.screenshot(path=str(SHOTS / f"form-panel-{width}.png"), full_page=True)
