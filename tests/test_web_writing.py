"""Writing a dossier in the page as a rep does: references made for them, work in progress
that is no error, quotations checked when saved, where a fact appears, order of the lists,
the draft opinion."""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient

from briefgen.load import load_dossier
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from conftest import FIRST_DOSSIER
from pages import flashes, form, forms, messages, open_form, submit, text

TODAY = dt.date(2026, 11, 23)
DOSSIER = "france-travail-linkedin"
BASE = f"/d/{DOSSIER}"
ARTICLE = "Le directeur régional affirme que la plateforme restera un simple outil d'appoint."


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    target = root / "seeds" / DOSSIER
    shutil.copytree(FIRST_DOSSIER, target)
    (root / "briefgen.toml").write_text("")
    archived = target / "sources" / "entretien.txt"
    archived.parent.mkdir()
    archived.write_text(ARTICLE + "\n", encoding="utf-8")
    digest = hashlib.sha256(archived.read_bytes()).hexdigest()
    with (target / "sources.yaml").open("a", encoding="utf-8") as sources:
        sources.write(
            "\n  - id: entretien\n    title: Entretien avec un directeur régional\n"
            "    publisher: Le Journal\n    kind: press\n"
            f"    snapshot: sources/entretien.txt\n    sha256: {digest}\n"
        )
    return target


@pytest.fixture
def client(folder: Path) -> FlaskClient:
    app = create_app(find_workspace(folder.parent.parent), today=TODAY)
    app.config["TESTING"] = True
    return app.test_client()


def _facts(folder: Path) -> list[dict[str, object]]:
    return list(yaml.safe_load((folder / "facts.yaml").read_text(encoding="utf-8"))["facts"])


def test_a_new_fact_gets_a_readable_reference_made_from_its_statement(
    client: FlaskClient, folder: Path
) -> None:
    new = open_form(client, f"{BASE}/edit/facts/new")
    page = client.get(f"{BASE}/edit/facts/new").get_data(as_text=True)
    advanced = page.split('<details class="advanced"')[1].split("</details>")[0]
    assert "Référence interne" in advanced  # tucked away, not the first field
    statement = "Les conseillers volontaires seraient 250, selon un syndicat."
    for _ in range(2):
        fresh = open_form(client, f"{BASE}/edit/facts/new")
        response = submit(client, fresh.fill(statement=statement, sources=["infos-it"]))
        assert response.status_code == 303
    ids = [f["id"] for f in _facts(folder)[-2:]]
    assert ids == [
        "les-conseillers-volontaires-seraient-250",
        "les-conseillers-volontaires-seraient-250-2",
    ]
    assert new.get("id") == ""


def test_a_source_nothing_cites_yet_is_work_in_progress_not_an_error(
    client: FlaskClient, folder: Path
) -> None:
    new = open_form(client, f"{BASE}/edit/sources/new")
    response = submit(
        client, new.fill(title="Un article à lire", publisher="Le Journal", kind="press")
    )
    assert response.status_code == 303
    page = client.get(BASE).get_data(as_text=True)
    said = text(page)
    assert "Aucune erreur" in said and "erreur" not in said.split("Aucune erreur")[0]
    unused = said.split("Pas encore utilisé")[1]
    assert "la source « Un article à lire »" in unused
    assert 'href="/d/france-travail-linkedin/edit/sources/item/un-article-a-lire"' in page
    assert "Produire les documents" in said and "Aperçu" in said
    assert client.get(f"{BASE}/preview/tract").status_code == 200


def test_a_quotation_is_checked_against_the_archived_text_when_the_fact_is_saved(
    client: FlaskClient, folder: Path
) -> None:
    before = (folder / "facts.yaml").read_bytes()
    new = open_form(client, f"{BASE}/edit/facts/new")
    new.fill(
        statement="Un directeur régional minimise la place de la plateforme.",
        sources=["entretien"],
        quote__text="un outil indispensable",
        quote__by="le directeur régional",
    )
    response = submit(client, new)
    assert response.status_code == 422
    shown = messages(response.get_data(as_text=True), "quote.text")
    assert shown and shown[0].startswith("La citation ne se trouve pas mot pour mot")
    assert (folder / "facts.yaml").read_bytes() == before

    page = response.get_data(as_text=True)
    again = form(page, f"{BASE}/edit/facts/new").fill(quote__text="un simple outil d'appoint")
    assert submit(client, again).status_code == 303
    assert _facts(folder)[-1]["quote"] == {
        "text": "un simple outil d'appoint",
        "by": "le directeur régional",
    }


def test_a_fact_form_says_where_the_fact_appears_and_how_to_put_it_on_the_tract(
    client: FlaskClient,
) -> None:
    shown = text(client.get(f"{BASE}/edit/facts/item/regions-nommees").get_data(as_text=True))
    where = shown.split("Où ce fait apparaît")[1]
    assert "le point clé « " in where and "(n° 1)" in where
    assert "Dans le tract, par le point clé n° 1." in where

    alone = text(client.get(f"{BASE}/edit/facts/item/outil-rh").get_data(as_text=True))
    assert "Absent du tract. Pour l’y faire figurer" in alone.split("Où ce fait apparaît")[1]


def test_key_points_can_be_moved_and_the_tract_follows(client: FlaskClient, folder: Path) -> None:
    first, second = (k.text for k in load_dossier(folder).key_points[:2])
    page = client.get(f"{BASE}/edit/key_points").get_data(as_text=True)
    up = next(f for f in forms(page) if f.action == f"{BASE}/edit/key_points/item/1/move")
    response = submit(client, up.fill(direction="up"))
    assert response.status_code == 303
    assert [k.text for k in load_dossier(folder).key_points[:2]] == [second, first]
    assert flashes(client.get(response.headers["Location"]).get_data(as_text=True))[0].startswith(
        "Enregistré — Déplacement : le point clé"
    )


def test_the_draft_opinion_is_edited_in_the_page(client: FlaskClient, folder: Path) -> None:
    url = f"{BASE}/section/opinion"
    opinion = open_form(client, url)
    count = len(load_dossier(folder).opinion.considerations)  # type: ignore[union-attr]
    blank = f"considerations.{count}"
    opinion.fill(
        **{
            f"{blank}.text": "la direction n'a transmis aucune analyse d'impact",
            f"{blank}.facts": ["absence-consultation-irp"],
            "considerations.0.text": "",
            "considerations.0.facts": [],
        }
    )
    response = submit(client, opinion)
    assert response.status_code == 303, text(response.get_data(as_text=True))[-500:]
    considerations = load_dossier(folder).opinion.considerations  # type: ignore[union-attr]
    assert len(considerations) == count  # one removed, one added
    assert considerations[-1].text == "la direction n'a transmis aucune analyse d'impact"
    assert considerations[-1].facts == ["absence-consultation-irp"]


def test_a_wrong_date_typed_says_so(client: FlaskClient, folder: Path) -> None:
    edit = open_form(client, f"{BASE}/edit/facts/item/outil-rh")
    response = submit(client, edit.fill(as_of="2026-02-31"))
    assert response.status_code == 422
    shown = messages(response.get_data(as_text=True), "as_of")
    assert shown and "date" in shown[0] and "obligatoire" not in shown[0]


def test_a_form_sent_with_an_expired_token_comes_back_as_typed(
    client: FlaskClient, folder: Path
) -> None:
    before = (folder / "facts.yaml").read_bytes()
    edit = open_form(client, f"{BASE}/edit/facts/item/outil-rh")
    typed = "Un énoncé retouché le soir avant la séance."
    edit.fill(statement=typed, csrf="a-token-from-before-the-restart")
    response = submit(client, edit)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert messages(page, "_")[0].startswith("Cette page était ouverte depuis longtemps")
    again = form(page, f"{BASE}/edit/facts/item/outil-rh")
    assert (
        again.get("statement") == typed and again.get("csrf") != "a-token-from-before-the-restart"
    )
    assert (folder / "facts.yaml").read_bytes() == before
    assert submit(client, again).status_code == 303
    assert typed in (folder / "facts.yaml").read_text(encoding="utf-8")


def test_quotation_marks_typed_around_a_quotation_are_not_printed_twice(
    client: FlaskClient, folder: Path
) -> None:
    new = open_form(client, f"{BASE}/edit/facts/new")
    new.fill(
        statement="Un directeur régional minimise la place de la plateforme.",
        sources=["entretien"],
        quote__text="« un simple outil d'appoint »",
        quote__by="le directeur régional",
    )
    assert submit(client, new).status_code == 303
    assert _facts(folder)[-1]["quote"]["text"] == "un simple outil d'appoint"  # type: ignore[index]
    note = client.get(f"{BASE}/preview/note").get_data(as_text=True)
    assert "« «" not in note and "«\u00a0«" not in note


def test_a_new_key_point_past_those_the_tract_shows_says_how_to_get_on_it(
    client: FlaskClient, folder: Path
) -> None:
    new = open_form(client, f"{BASE}/edit/key_points/new")
    response = submit(client, new.fill(text="Un point ajouté la veille.", facts=["outil-rh"]))
    assert response.status_code == 303
    said = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert any("le tract montre les 4 premiers" in m and "remontez-le" in m for m in said), said
