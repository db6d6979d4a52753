"""The local web page: request-level error paths, and a rep's session in a real browser."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from briefgen.web import create_app
from briefgen.workspace import find_workspace
from browser import chromium, opened, serving
from conftest import FIRST_DOSSIER, MINIMAL, pdf_text

if TYPE_CHECKING:
    from playwright.sync_api import Page

TODAY = dt.date(2026, 11, 23)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIRST_DOSSIER, root / "seeds" / "france-travail-linkedin")
    shutil.copytree(MINIMAL, root / "seeds" / "casse")
    facts = root / "seeds" / "casse" / "facts.yaml"
    facts.write_text(facts.read_text(encoding="utf-8").replace("[journal]", "[insee]"))
    (root / "briefgen.toml").write_text("")
    return root


@pytest.fixture
def client(workspace: Path):  # type: ignore[no-untyped-def]
    app = create_app(find_workspace(workspace), today=TODAY)
    app.config["TESTING"] = True
    return app.test_client()


def csrf(client, dossier: str) -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/d/{dossier}").get_data(as_text=True)
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def test_index_lists_the_workspace_dossiers(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/").get_data(as_text=True)
    assert 'href="/d/france-travail-linkedin"' in page and 'href="/d/casse"' in page
    assert '<html lang="fr">' in page


@pytest.mark.parametrize(
    "path",
    [
        "/d/..%2F..%2Fetc",
        "/d/inconnu",
        "/d/../../etc/passwd",
        "/d/casse/preview/templates/../../briefgen.toml",
        "/d/casse/preview/seeds/casse/facts.yaml",
        "/d/casse/build/nope",
    ],
)
def test_nothing_outside_the_workspace_lists(client, path: str) -> None:  # type: ignore[no-untyped-def]
    assert client.get(path).status_code == 404


def test_a_broken_dossier_says_what_to_fix_and_cannot_be_built(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/d/casse").get_data(as_text=True)
    finding = page.split('class="finding finding-error"')[1]
    assert "Il mentionne un élément qui n’existe plus (supprimé ou renommé)." in finding
    assert 'href="/d/casse/edit/facts/item/' in finding  # the form that fixes it
    details = finding.split("Détails techniques")[1]  # file, line and field only in there
    assert "seeds/casse/facts.yaml · 7 · facts[0].sources[0] · E101" in details
    assert "Produire les documents" not in page
    token = csrf(client, "france-travail-linkedin")
    response = client.post("/d/casse/build", data={"csrf": token, "doc": "tract"})
    assert response.status_code == 422
    assert "seeds/casse/facts.yaml · 7" in response.get_data(as_text=True)


def test_forms_need_the_page_token(client) -> None:  # type: ignore[no-untyped-def]
    assert client.post("/d/france-travail-linkedin/build", data={"doc": "tract"}).status_code == 403
    token = csrf(client, "france-travail-linkedin")
    foreign = client.post(
        "/d/france-travail-linkedin/build",
        data={"csrf": token},
        headers={"Origin": "http://evil.example"},
    )
    assert foreign.status_code == 403


def test_a_second_click_joins_the_build_under_way(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf(client, "france-travail-linkedin")
    form = {"csrf": token, "doc": "tract"}
    first = client.post("/d/france-travail-linkedin/build", data=form)
    second = client.post("/d/france-travail-linkedin/build", data=form)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"]


def test_a_build_from_the_page_makes_the_editable_formats(client) -> None:  # type: ignore[no-untyped-def]
    token = csrf(client, "france-travail-linkedin")
    form = {"csrf": token, "doc": "declaration", "format": ["odt", "docx"]}
    location = client.post("/d/france-travail-linkedin/build", data=form).headers["Location"]
    for _ in range(1200):
        status = client.get(location + "/status").get_json()
        if status["status"] != "running":
            break
        time.sleep(0.1)
    assert status["status"] == "done"
    odt = client.get(location + "/file/declaration-liminaire.odt")
    assert odt.mimetype == "application/vnd.oasis.opendocument.text"
    assert (
        "Mesdames et Messieurs"
        in zipfile.ZipFile(io.BytesIO(odt.data)).read("content.xml").decode()
    )
    docx = client.get(location + "/file/declaration-liminaire.docx")
    assert docx.mimetype.endswith(".wordprocessingml.document")
    assert client.get(location + "/file/declaration-liminaire.pdf").status_code == 404


def test_preview_is_the_documents_html(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/d/france-travail-linkedin/preview/tract?establishment=normandie")
    page = response.get_data(as_text=True)
    text = re.sub(r"<[^>]+>", "", page)  # names are wrapped to keep them whole on a line
    assert response.status_code == 200 and "CSE d’établissement Normandie" in text
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    font = client.get("/d/france-travail-linkedin/preview/templates/fonts/Lato-Regular.ttf")
    assert font.status_code == 200 and font.mimetype == "font/ttf"


@pytest.fixture
def server(workspace: Path) -> Iterator[str]:
    with serving(workspace, today=TODAY) as address:
        yield address


@pytest.fixture
def browser_page() -> Iterator[Page]:
    with chromium() as browser, opened(browser, width=1100) as page:
        yield page


def test_a_rep_checks_previews_and_downloads_in_a_browser(
    server: str, browser_page: Page, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    page = browser_page
    shots = Path(os.environ.get("BRIEFGEN_SCREENSHOTS", tmp_path))
    page.goto(server + "/")
    page.screenshot(path=str(shots / "web-index.png"))
    page.locator('a[href="/d/france-travail-linkedin"]').first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("France Travail et LinkedIn")
    expect(page.locator("text=Aucune erreur")).to_be_visible()
    expect(page.locator(".finding-divergence").first).to_contain_text("cinq régions")
    page.screenshot(path=str(shots / "web-dossier.png"), full_page=True)

    with page.context.expect_page() as preview_info:
        page.locator("a.preview-link[data-kind=note]").click()
    preview = preview_info.value
    preview.wait_for_load_state()
    expect(preview.locator("h2").first).to_contain_text("L’essentiel")
    preview.screenshot(path=str(shots / "web-preview.png"))
    preview.close()

    page.select_option("#establishment", "normandie")
    for kind in ("note", "declaration", "questions", "avis", "registre"):
        page.uncheck(f"input[name=doc][value={kind}]")
    page.check("input[name=format][value=odt]")
    page.get_by_role("button", name="Produire les documents").click()
    expect(page.get_by_text("Les documents sont prêts.")).to_be_visible(timeout=60_000)
    page.screenshot(path=str(shots / "web-done.png"), full_page=True)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Tract (tous les salariés) · PDF · normandie").click()
    tract = tmp_path / "tract.pdf"
    download_info.value.save_as(tract)
    text = pdf_text(tract)
    assert "CSE d'établissement Normandie" in text.replace("’", "'")
    assert "pas sans nous, pas sans garanties" in text

    with page.expect_download() as zip_info:
        page.get_by_role("link", name="Tout télécharger (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(zip_info.value.path()).read_bytes()))
    assert archive.namelist() == ["tract-normandie.pdf", "tract-normandie.odt"]
    with page.expect_download() as odt_info:
        page.get_by_role("link", name="Tract (tous les salariés) · ODT · normandie").click()
    odt = zipfile.ZipFile(Path(odt_info.value.path()))
    assert "CSE d’établissement Normandie" in odt.read("content.xml").decode()


def test_many_findings_of_one_rule_make_one_entry(client) -> None:  # type: ignore[no-untyped-def]
    page = client.get("/d/france-travail-linkedin").get_data(as_text=True)
    said = "La source n’a pas de texte archivé\u00a0: ses citations ne peuvent pas être vérifiées."
    assert page.count(said) == 1
    assert f"{said} — 13 éléments" in page
    assert page.count("W501") == 13  # in the technical details of each
