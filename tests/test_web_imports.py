"""Importing articles from the page of `briefgen serve` (Flask's test client): an article
already in the dossier is not imported twice, a source without an archived text receives
one from a saved file, and what goes wrong is said in French.
"""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path

import test_editing
import yaml
from flask import render_template
from flask.testing import FlaskClient
from test_editing import ARTICLE, BASE, DOSSIER, TODAY, csrf, files_of, flashes, form, history
from test_web_history import visible
from werkzeug.datastructures import FileStorage
from werkzeug.test import TestResponse, encode_multipart

from briefgen.importer import add_source, draft_source, extract
from briefgen.store import DossierFiles
from briefgen.web import MAX_UPLOAD_BYTES, create_app
from briefgen.workspace import find_workspace

client, folder, workspace = test_editing.client, test_editing.folder, test_editing.workspace
"""The editor tests' fixtures: a workspace with the first dossier, and a client of its page."""

INFOS_IT = "https://infos-it.fr/nouvelles/8349/france-travail-et-linkedin-quand-le-partenariat-suscite-la-colere-des-syndicats/"
QUOTED = "contre nature"
"""The words the fact « opposition-cgt-fsu » quotes from the source infos-it."""


def upload(client: FlaskClient, url: str, content: bytes, name: str) -> TestResponse:
    """Send a file as the page's upload forms do."""
    data = {"csrf": csrf(client, DOSSIER), "file": (io.BytesIO(content), name)}
    return client.post(url, data=data, content_type="multipart/form-data")


def article(*lines: str) -> bytes:
    """A saved article as a text file."""
    return "\n".join(lines).encode("utf-8")


def sources(folder: Path) -> dict[str, dict[str, object]]:
    found = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))["sources"]
    return {source["id"]: source for source in found}


def followed(client: FlaskClient, response: TestResponse) -> str:
    return client.get(response.headers["Location"]).get_data(as_text=True)


# -- an article already in the dossier --------------------------------------------------


def test_an_article_imported_again_leads_to_its_source(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    files = DossierFiles.in_workspace(workspace, folder)
    draft = extract(ARTICLE.read_bytes(), ARTICLE.name)
    entry = {**draft_source(draft, files.ids("sources")), "url": None}  # found by its text
    add_source(files, {k: v for k, v in entry.items() if v is not None}, draft.text)
    before = files_of(folder)

    response = upload(client, f"{BASE}/import", ARTICLE.read_bytes(), "encore.html")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/edit/sources/item/politique-france-2025-2"
    assert flashes(followed(client, response)) == [
        "Cet article est déjà dans le dossier : « France Travail et LinkedIn : un partenariat "
        "qui divise et interroge sur la souveraineté numérique ». Voici sa fiche ; rien n’a "
        "été ajouté."
    ]
    assert files_of(folder) == before and len(history(workspace)) == 1


def test_an_article_at_the_address_of_a_source_leads_to_it(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    before = files_of(folder)
    saved = article("Un partenariat contesté", f"URL: {INFOS_IT}", "", "Un autre texte.")
    response = upload(client, f"{BASE}/import", saved, "infos.txt")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/edit/sources/item/infos-it"
    shown = flashes(followed(client, response))
    assert shown and shown[0].startswith("Cet article est déjà dans le dossier : « ")
    assert files_of(folder) == before and history(workspace) == []


# -- a source's archived text -----------------------------------------------------------


def test_a_source_receives_its_archived_text_in_one_save_and_one_undo(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    original = files_of(folder)
    text = article("Titre", "", f"Les syndicats jugent ce partenariat {QUOTED}.")
    app = client.application
    with app.test_request_context():  # the form a source's edit page includes
        partial = render_template("_snapshot_upload.html", dossier_id=DOSSIER, item_key="infos-it")
    action = f"{BASE}/sources/infos-it/snapshot"
    assert form(partial, action).getlist("csrf")

    response = upload(client, action, text, "infos-it.txt")

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/edit/sources/item/infos-it"
    archived = folder / "sources" / "infos-it.txt"
    assert (
        archived.read_text(encoding="utf-8") == f"Les syndicats jugent ce partenariat {QUOTED}.\n"
    )
    source = sources(folder)["infos-it"]
    assert source["snapshot"] == "sources/infos-it.txt"
    assert source["sha256"] == hashlib.sha256(archived.read_bytes()).hexdigest()
    assert len(history(workspace)) == 1
    changed = {name for name, data in files_of(folder).items() if original.get(name) != data}
    assert changed == {"sources.yaml", "sources/infos-it.txt"}

    again = upload(client, action, text, "infos-it.txt")  # it has one now: kept as it is
    assert flashes(followed(client, again)) == [
        "Cette source a déjà un texte archivé : il a été gardé tel quel."
    ]
    assert len(history(workspace)) == 1

    page = client.get(f"{BASE}/history").get_data(as_text=True)
    assert "texte archivé ajouté à la source « " in visible(page)
    undone = client.post(f"{BASE}/history/1/undo", data={"csrf": csrf(client, DOSSIER)})
    assert undone.status_code == 303
    assert files_of(folder) == original


def test_a_text_without_the_words_a_fact_quotes_is_not_archived(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    before = files_of(folder)
    text = article("Titre", "", "Les syndicats jugent ce partenariat inacceptable.")
    response = upload(client, f"{BASE}/sources/infos-it/snapshot", text, "autre.txt")

    assert response.status_code == 303
    shown = flashes(followed(client, response))
    assert len(shown) == 1
    assert shown[0].startswith("Le texte n’a pas été archivé : le fait « ")
    assert shown[0].endswith(
        "» cite des mots qui n’y figurent pas. Vérifiez que c’est le bon article."
    )
    assert "opposition-cgt-fsu" not in shown[0]
    assert files_of(folder) == before and history(workspace) == []


# -- what goes wrong ------------------------------------------------------------------------


def test_an_unreadable_file_is_said_in_french_its_technical_reason_hidden(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    before = files_of(folder)
    response = upload(client, f"{BASE}/import", b"%PDF-1.7 garbage", "casse.pdf")

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert (
        visible(page).count("casse.pdf : impossible de lire ce PDF : il est peut-être abîmé") == 1
    )
    assert "Error" not in visible(page)
    details = re.findall(r'<details class="tech">(.*?)</details>', page, re.S)
    assert len(details) == 1 and "Error" in details[0]
    assert form(page, "").getlist("csrf")
    assert files_of(folder) == before and history(workspace) == []


def test_a_file_over_the_limit_is_refused_in_french(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    before = files_of(folder)
    big = b"<html><body><p>" + b"a" * MAX_UPLOAD_BYTES + b"</p></body></html>"
    for url in (f"{BASE}/import", f"{BASE}/sources/infos-it/snapshot"):
        fields = {"csrf": csrf(client, DOSSIER), "file": FileStorage(io.BytesIO(big), "gros.html")}
        boundary, body = encode_multipart(fields)  # in memory: the test client spools to a file
        response = client.post(
            url, data=body, content_type=f"multipart/form-data; boundary={boundary}"
        )
        said = "Fichier trop volumineux : 5 Mo au plus ; rien n’a été enregistré."
        if response.status_code == 413:
            assert said in visible(response.get_data(as_text=True))
        else:
            assert response.status_code == 303
            assert flashes(followed(client, response)) == [said]
    assert files_of(folder) == before and history(workspace) == []


def test_the_import_page_says_nothing_outside_the_catalogue(workspace: Path) -> None:
    from briefgen import i18n

    app = create_app(find_workspace(workspace), today=TODAY, ui_lang=i18n.PSEUDO)
    page = app.test_client().get(f"{BASE}/import").get_data(as_text=True)
    title = yaml.safe_load((workspace / "seeds" / DOSSIER / "dossier.yaml").read_text())["title"]
    left = re.sub("⟦[^⟦⟧]*⟧", "", visible(page).replace(title, ""))
    assert not re.search(r"\w", left), left
