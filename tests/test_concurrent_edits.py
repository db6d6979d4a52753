"""Several reps writing one dossier at once: every write is decided and checked under the
dossier's lock on the files as they are then, so nothing accepted leaves the dossier with
an error; two reps changing two different items (or fields) of one file both succeed; only
a change of the same field, or of an item deleted meanwhile, is a conflict shown with both
versions."""

from __future__ import annotations

import datetime as dt
import io
import re
import threading
from pathlib import Path

import pytest
import yaml
from flask import Flask
from flask.testing import FlaskClient

from briefgen.lint import check_dossier
from briefgen.store import DossierFiles
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from conftest import EXAMPLE, seeded
from pages import Form, flashes, form, form_values, messages, open_form, submit, text

TODAY = dt.date(2026, 11, 23)
DOSSIER = "exemple"
BASE = f"/d/{DOSSIER}"
FREE = "  - id: libre\n    statement: La direction n'a publié aucun bilan du logiciel.\n"
"""A fact nothing uses yet (the rep's own analysis: no source needed)."""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """The `briefgen init` example in a workspace, with a fact nothing uses and one fact for
    each of four reps."""
    target = seeded(tmp_path / "ws", EXAMPLE, DOSSIER)
    path = target / "facts.yaml"
    own = "".join(
        f"  - id: rep-{n}\n    statement: Constat du délégué {n}.\n    union_position: true\n"
        for n in range(4)
    )
    text = path.read_text(encoding="utf-8")
    text = text.replace("\nthemes:", f"{FREE}    union_position: true\n{own}\nthemes:", 1)
    path.write_text(text, encoding="utf-8")
    return target


@pytest.fixture
def app(folder: Path) -> Flask:
    served = create_app(find_workspace(folder.parent.parent), today=TODAY)
    served.config["TESTING"] = True
    return served


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


def facts(folder: Path) -> dict[str, dict[str, object]]:
    data = yaml.safe_load((folder / "facts.yaml").read_text(encoding="utf-8"))
    return {str(fact["id"]): fact for fact in data["facts"]}


def questions(folder: Path) -> list[dict[str, object]]:
    found: list[dict[str, object]] = []
    for path in folder.glob("*.yaml"):
        found += yaml.safe_load(path.read_text(encoding="utf-8")).get("questions") or []
    return found


def errors(folder: Path) -> list[str]:
    """What `briefgen check` reports as errors."""
    _dossier, problems = check_dossier(folder, TODAY)
    return [f"{p.code} {p.message}" for p in problems if p.severity == "error"]


def fact_form(client: FlaskClient, fact: str) -> Form:
    return open_form(client, f"{BASE}/edit/facts/item/{fact}")


QUESTION = "Pourquoi aucun bilan du logiciel n'a-t-il été publié ?"


# -- one check, under the lock ---------------------------------------------------------


def test_a_question_citing_a_fact_deleted_meanwhile_is_refused_and_its_text_kept(
    client: FlaskClient, folder: Path
) -> None:
    delete = open_form(client, f"{BASE}/edit/facts/item/libre/delete")  # rep A asks to delete
    ask = open_form(client, f"{BASE}/edit/questions/new")  # rep B starts a question

    assert submit(client, delete).status_code == 303
    response = submit(client, ask.fill(text=QUESTION, facts=["libre"]))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert form_values(page)["text"] == QUESTION  # the rep's text is still in the form
    said = " ".join(m for name in ("_", "facts") for m in messages(page, name))
    assert said, text(page)[:800]
    assert "libre" not in facts(folder)
    assert all(q["text"] != QUESTION for q in questions(folder))
    assert errors(folder) == []


def test_deleting_a_fact_a_question_cites_since_the_page_was_shown_is_refused(
    client: FlaskClient, folder: Path
) -> None:
    delete = open_form(client, f"{BASE}/edit/facts/item/libre/delete")
    page = client.get(f"{BASE}/edit/facts/item/libre/delete").get_data(as_text=True)
    assert "Rien d’autre dans le dossier ne le mentionne." in text(page)
    ask = open_form(client, f"{BASE}/edit/questions/new")
    assert submit(client, ask.fill(text=QUESTION, facts=["libre"])).status_code == 303

    response = submit(client, delete)

    assert response.status_code == 303
    said = " ".join(flashes(client.get(response.location).get_data(as_text=True)))
    assert "La direction n’a publié aucun bilan du logiciel." in said.replace("'", "’"), said
    assert "libre" in facts(folder)
    assert any(q["text"] == QUESTION and q["facts"] == ["libre"] for q in questions(folder))
    assert errors(folder) == []


def test_undoing_the_save_of_a_fact_a_question_now_cites_is_refused(
    client: FlaskClient, folder: Path
) -> None:
    path = folder / "facts.yaml"  # the questions in a file of their own, as many dossiers do
    start, end = (path.read_text(encoding="utf-8").index(k) for k in ("questions:", "demands:"))
    (folder / "questions.yaml").write_text(path.read_text(encoding="utf-8")[start:end])
    path.write_text(path.read_text(encoding="utf-8")[:start] + path.read_text()[end:])
    new = open_form(client, f"{BASE}/edit/facts/new")
    statement = "Le logiciel enregistre les horaires de chaque salarié."
    sent = new.fill(id="enregistrement", statement=statement, union_position="1")
    assert submit(client, sent).status_code == 303, "the fact is saved (save n° 1)"
    ask = open_form(client, f"{BASE}/edit/questions/new")
    assert submit(client, ask.fill(text=QUESTION, facts=["enregistrement"])).status_code == 303

    undo = open_form(client, f"{BASE}/history", f"{BASE}/history/1/undo")
    response = submit(client, undo)

    assert response.status_code == 409
    said = text(response.get_data(as_text=True)).replace("'", "’")
    assert "que cette annulation retirerait" in said
    assert "enregistrement" in facts(folder)
    assert errors(folder) == []


# -- merge instead of refuse -----------------------------------------------------------


def test_two_reps_saving_two_facts_of_one_file_from_the_same_version_both_succeed(
    client: FlaskClient, folder: Path
) -> None:
    first, second = fact_form(client, "rep-0"), fact_form(client, "rep-1")
    assert first.get("v:facts.yaml") == second.get("v:facts.yaml")

    one = submit(client, first.fill(statement="Le délégué 0 a compté 12 plaintes."))
    two = submit(client, second.fill(statement="Le délégué 1 a vu le logiciel planter."))

    assert (one.status_code, two.status_code) == (303, 303)
    found = facts(folder)
    assert found["rep-0"]["statement"] == "Le délégué 0 a compté 12 plaintes."
    assert found["rep-1"]["statement"] == "Le délégué 1 a vu le logiciel planter."
    assert errors(folder) == []


def test_two_reps_changing_two_fields_of_one_fact_both_succeed(
    client: FlaskClient, folder: Path
) -> None:
    first, second = fact_form(client, "deploiement"), fact_form(client, "deploiement")
    assert submit(client, first.fill(statement="Le logiciel vise 120 salariés.")).status_code == 303
    assert submit(client, second.fill(label="salariés planifiés")).status_code == 303
    fact = facts(folder)["deploiement"]
    assert (fact["statement"], fact["label"]) == (
        "Le logiciel vise 120 salariés.",
        "salariés planifiés",
    )


def test_two_reps_changing_the_same_field_see_both_versions_and_lose_nothing(
    client: FlaskClient, folder: Path
) -> None:
    first, second = fact_form(client, "rep-2"), fact_form(client, "rep-2")
    theirs, mine = "Le délégué 2 a reçu trois salariés.", "Le délégué 2 a reçu cinq salariés."
    assert submit(client, first.fill(statement=theirs)).status_code == 303

    response = submit(client, second.fill(statement=mine))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    shown = text(page)
    assert "Deux versions" in shown
    now, yours = shown.index("Dans le dossier maintenant"), shown.index("Votre version")
    assert theirs in shown[now:yours] and mine in shown[yours:]
    assert form_values(page)["statement"] == mine
    assert facts(folder)["rep-2"]["statement"] == theirs

    again = submit(client, Form(f"{BASE}/edit/facts/item/rep-2", list(form_values(page).items())))
    assert again.status_code == 303  # saved from the conflict page: the rep's version wins
    assert facts(folder)["rep-2"]["statement"] == mine


def test_changing_a_fact_deleted_meanwhile_is_a_conflict_that_keeps_the_text(
    client: FlaskClient, folder: Path
) -> None:
    change = fact_form(client, "libre")
    assert (
        submit(client, open_form(client, f"{BASE}/edit/facts/item/libre/delete")).status_code == 303
    )
    typed = "La direction n'a publié aucun bilan, ni écrit ni oral."

    response = submit(client, change.fill(statement=typed))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    assert "Il a été supprimé." in text(page)
    assert form_values(page)["statement"] == typed
    assert "libre" not in facts(folder)


# -- under load ------------------------------------------------------------------------

ROUNDS = 25
"""Rounds of each of the 4 reps: a save of their own fact of the shared file in every round,
an undo of it in rounds 4, 14 and 20 (other reps saved the same file meanwhile: the undo
puts back that fact alone), a fact added then deleted in every odd round, an article
imported as a source in round 10: 53 writes a rep, 212 in all."""
UNDONE = (4, 14, 20)


def _undo_own(client: FlaskClient, folder: Path, marker: str) -> int:
    """Undo the save whose summary names `marker`: 303 (undone) or 409 (refused)."""
    files = DossierFiles.in_workspace(folder.parent.parent, folder)
    number = next(e.number for e in reversed(files.entries()) if marker in str(e.summary))
    page = client.get(f"{BASE}/history").get_data(as_text=True)
    undo = form(page, f"{BASE}/history/{number}/undo")
    response = submit(client, undo)
    if response.status_code != 303:
        said = text(response.get_data(as_text=True))
        raise AssertionError(f"undo of {marker}: {response.status_code} {said[:300]}")
    return response.status_code


def _import(client: FlaskClient, n: int) -> None:
    """Import a saved article through the page and save the source it proposes."""
    article = f"Note interne {n}\n\nLa direction a présenté le logiciel aux équipes {n}.\n"
    data = {"csrf": _token(client), "file": (io.BytesIO(article.encode()), f"note-{n}.txt")}
    shown = client.post(f"{BASE}/import", data=data, content_type="multipart/form-data")
    assert shown.status_code == 200, shown.status_code
    proposed = form(shown.get_data(as_text=True), f"{BASE}/edit/sources/new")
    saved = submit(client, proposed.fill(title=f"Note interne {n}", publisher="Direction"))
    assert saved.status_code == 303, text(saved.get_data(as_text=True))[:400]


def _token(client: FlaskClient) -> str:
    page = client.get(f"{BASE}/import").get_data(as_text=True)
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found
    return found.group(1)


def _round(client: FlaskClient, folder: Path, n: int, round_: int, kept: dict[int, str]) -> None:
    typed = f"Constat {round_} du délégué {n}."
    response = submit(client, fact_form(client, f"rep-{n}").fill(statement=typed))
    assert response.status_code == 303, f"save: {response.status_code}"
    kept[n] = typed
    if round_ in UNDONE:
        _undo_own(client, folder, typed)
        kept[n] = f"Constat {round_ - 1} du délégué {n}."
    if round_ == 10:
        _import(client, n)
    if round_ % 2 == 0:
        return
    added = open_form(client, f"{BASE}/edit/facts/new").fill(
        id=f"brouillon-{n}-{round_}", statement=f"Brouillon {round_} de {n}.", union_position="1"
    )
    assert submit(client, added).status_code == 303, "add"
    url = f"{BASE}/edit/facts/item/brouillon-{n}-{round_}/delete"
    assert submit(client, open_form(client, url)).status_code == 303, "delete"


def _rep(app: Flask, folder: Path, n: int, kept: dict[int, str], failures: list[str]) -> None:
    client = app.test_client()
    for round_ in range(ROUNDS):
        try:
            _round(client, folder, n, round_, kept)
        except AssertionError as failed:
            failures.append(f"rep {n} round {round_}: {failed}")


def test_four_reps_writing_one_file_at_once_lose_nothing_and_break_nothing(
    app: Flask, folder: Path
) -> None:
    kept: dict[int, str] = {}
    failures: list[str] = []
    reps = [threading.Thread(target=_rep, args=(app, folder, n, kept, failures)) for n in range(4)]
    for rep in reps:
        rep.start()
    for rep in reps:
        rep.join()

    assert failures == []  # no refusal: no two reps ever changed the same item
    found = facts(folder)
    assert {n: found[f"rep-{n}"]["statement"] for n in range(4)} == kept
    assert not [key for key in found if key.startswith("brouillon")]
    data = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    titles = {source["title"] for source in data["sources"]}
    assert {f"Note interne {n}" for n in range(4)} <= titles
    files = DossierFiles.in_workspace(folder.parent.parent, folder)
    assert len(files.entries()) == 4 * (ROUNDS + ROUNDS // 2 * 2 + len(UNDONE) + 1)
    assert errors(folder) == []
