"""The editor of `briefgen serve`, through Flask's test client, as a browser would use it.

Each test reads the form from the real page (its form token, the hidden `v:<file>`
versions, the values the inputs hold), changes what a rep would type and posts it;
it then checks what the rep sees (status, page text) and what is on disk.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from werkzeug.datastructures import MultiDict

from briefgen.load import load_dossier
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from conftest import FIRST_DOSSIER
from pages import flashes, form, form_values, messages, open_form, submit, text

TODAY = dt.date(2026, 11, 23)
DOSSIER = "france-travail-linkedin"
BASE = f"/d/{DOSSIER}"
ARTICLE = Path(__file__).resolve().parent / "data" / "import" / "politique-france.html"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(FIRST_DOSSIER, root / "seeds" / DOSSIER)
    (root / "briefgen.toml").write_text("")
    return root


@pytest.fixture
def folder(workspace: Path) -> Path:
    return workspace / "seeds" / DOSSIER


@pytest.fixture
def client(workspace: Path) -> FlaskClient:
    app = create_app(find_workspace(workspace), today=TODAY)
    app.config["TESTING"] = True
    return app.test_client()


def csrf(client: FlaskClient, dossier: str) -> str:
    page = client.get(f"/d/{dossier}").get_data(as_text=True)
    match = re.search(r'name="csrf" value="([^"]+)"', page)
    assert match
    return match.group(1)


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def history(workspace: Path) -> list[Path]:
    return sorted((workspace / ".briefgen" / "history" / DOSSIER).glob("*/entry.json"))


def diff(old: bytes, new: bytes) -> list[str]:
    lines = difflib.unified_diff(
        old.decode().splitlines(keepends=True), new.decode().splitlines(keepends=True), n=0
    )
    return [line for line in lines if line[:1] in "+-" and not line.startswith(("+++", "---"))]


def dossier_page(client: FlaskClient) -> str:
    return client.get(BASE).get_data(as_text=True)


# -- adding items --------------------------------------------------------------------------


def test_a_new_fact_with_a_source_and_a_quote_is_appended_then_used_by_a_new_question(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    facts = folder / "facts.yaml"
    before = facts.read_bytes()
    new = open_form(client, f"{BASE}/edit/facts/new")
    assert new.getlist("v:facts.yaml") == [hashlib.sha256(before).hexdigest()[:16]]
    assert new.get("audience") == "" and new.get("status") == ""  # « non précisé »
    new.fill(
        id="licences-cout",
        statement="Le coût des licences, pris sur le budget de l'opérateur, n'est pas public.",
        sources=["politique-france-2025"],
        quote__text="n'a pas été rendu public",
        quote__by="politique-france.info",
    )
    response = submit(client, new)

    assert response.status_code == 303 and response.headers["Location"] == BASE
    after = facts.read_bytes()
    assert after.startswith(before)
    added = diff(before, after)
    assert all(line.startswith("+") for line in added)
    assert yaml.safe_load(after[len(before) :].decode()) == [
        {
            "id": "licences-cout",
            "statement": "Le coût des licences, pris sur le budget de l'opérateur, "
            "n'est pas public.",
            "sources": ["politique-france-2025"],
            "quote": {"text": "n'a pas été rendu public", "by": "politique-france.info"},
        }
    ]
    assert {p.name for p in folder.iterdir()} == {p.name for p in FIRST_DOSSIER.iterdir()}
    assert len(history(workspace)) == 1

    page = dossier_page(client)
    assert any(
        m.startswith("Enregistré — Ajout : le fait « Le coût des licences") for m in flashes(page)
    )
    unused = text(page).split("Pas encore utilisé")[1]
    assert "le fait « Le coût des licences, pris sur le budget" in unused
    assert "Aucune erreur" in text(page)

    page = client.get(f"{BASE}/edit/questions/new").get_data(as_text=True)
    assert 'name="facts" value="licences-cout"' in page  # the picker offers the new fact
    question = form(page, f"{BASE}/edit/questions/new")
    question.fill(
        id="q-cout-licences",
        text="Combien coûtent les licences LinkedIn, et sur quelle ligne budgétaire ?",
        facts=["licences-cout"],
        legal=["l2312-15"],
    )
    response = submit(client, question)
    assert response.status_code == 303
    findings = text(dossier_page(client))
    assert "Pas encore utilisé" not in findings and "Aucune erreur" in findings
    assert load_dossier(folder).questions[-1].facts == ["licences-cout"]


def test_a_value_yaml_would_read_as_a_boolean_is_saved_as_typed(
    client: FlaskClient, folder: Path
) -> None:
    edit = open_form(client, f"{BASE}/edit/facts/item/pilote-cinq-departements")
    response = submit(client, edit.fill(said_by="yes", unit="12:30"))
    assert response.status_code == 303
    assert "Aucune erreur" in text(dossier_page(client))
    fact = next(f for f in load_dossier(folder).facts if f.id == "pilote-cinq-departements")
    assert (fact.said_by, fact.unit) == ("yes", "12:30")


# -- forms with errors ---------------------------------------------------------------------


ENGLISH = re.compile(r"\b(should|Input|String|field|missing|valid|characters|pattern)\b")


@pytest.mark.parametrize(
    ("typed", "field", "message"),
    [
        ({"statement": ""}, "statement", "obligatoire"),
        ({"as_of": "2025-13-45"}, "as_of", "date"),
        ({"as_of": "hier"}, "as_of", "date"),
        ({"id": "Licences-Cout"}, "id", "minuscules"),
        ({"statement": "é" * 4001}, "statement", "4000"),
    ],
)
def test_a_form_with_an_error_answers_422_writes_nothing_and_keeps_what_was_typed(
    client: FlaskClient,
    folder: Path,
    workspace: Path,
    typed: dict[str, str],
    field: str,
    message: str,
) -> None:
    before = files_of(folder)
    new = open_form(client, f"{BASE}/edit/facts/new")
    new.fill(
        id="licences-cout",
        statement="Le coût des licences n'est pas public.",
        sources=["politique-france-2025"],
        said_by="la direction",
    )
    response = submit(client, new.fill(**typed))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = messages(page, field)
    assert any(message in m for m in shown), shown
    assert not any(ENGLISH.search(m) for m in shown), shown
    values = form_values(page)
    for name, value in {**dict(new.fields), **typed}.items():
        if name not in ("csrf", "sources"):
            assert values[name] == value, name
    assert form(page, f"{BASE}/edit/facts/new").getlist("sources") == ["politique-france-2025"]
    assert files_of(folder) == before
    assert history(workspace) == []


def test_a_fact_citing_an_unknown_source_cannot_be_saved(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    before = files_of(folder)
    new = open_form(client, f"{BASE}/edit/facts/new")
    new.fill(id="licences-cout", statement="Le coût n'est pas public.", sources=["le-canard"])
    response = submit(client, new)

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    shown = messages(page, "sources")
    assert shown == ["Il mentionne un élément qui n’existe plus (supprimé ou renommé)."]
    assert form(page, f"{BASE}/edit/facts/new").getlist("sources") == ["le-canard"]
    assert files_of(folder) == before and history(workspace) == []


def test_renaming_a_fact_renames_every_mention_in_one_save(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    url = f"{BASE}/edit/facts/item/pilote-cinq-regions"
    response = submit(client, open_form(client, url).fill(id="pilote-regions"))

    assert response.status_code == 303
    dossier = load_dossier(folder)
    assert "pilote-regions" in dossier.themes[0].facts
    assert "pilote-regions" in dossier.divergences[0].facts
    for path in folder.glob("*.yaml"):
        assert "pilote-cinq-regions" not in path.read_text(encoding="utf-8"), path.name
    assert len(history(workspace)) == 1

    undo = open_form(client, f"{BASE}/history", f"{BASE}/history/1/undo")
    assert submit(client, undo).status_code == 303
    assert "pilote-cinq-regions" in load_dossier(folder).themes[0].facts


def test_a_reference_already_taken_is_refused(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    before = files_of(folder)
    url = f"{BASE}/edit/facts/item/pilote-cinq-regions"
    response = submit(client, open_form(client, url).fill(id="outil-rh"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert messages(page, "id") == [
        "Cette référence interne est déjà prise : choisissez-en une autre."
    ]
    assert files_of(folder) == before and history(workspace) == []


# -- deleting ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "key", "user"),
    [
        ("facts", "pilote-cinq-departements", "la divergence « Périmètre du pilote"),
        ("facts", "linkedin-microsoft", "l’événement « "),
    ],
)
def test_deleting_an_item_others_cannot_do_without_is_refused_and_names_them(
    client: FlaskClient, folder: Path, workspace: Path, table: str, key: str, user: str
) -> None:
    before = files_of(folder)
    url = f"{BASE}/edit/{table}/item/{key}/delete"
    delete = open_form(client, url)
    response = submit(client, delete)

    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/edit/{table}"
    shown = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
    assert len(shown) == 1
    assert shown[0].startswith("Suppression impossible")
    assert user in shown[0], shown[0]
    assert files_of(folder) == before and history(workspace) == []


def test_deleting_a_used_fact_asks_first_and_takes_its_mentions_with_it(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    url = f"{BASE}/edit/facts/item/regions-nommees/delete"
    page = client.get(url).get_data(as_text=True)
    asked = text(page)
    assert "Supprimer le fait « " in asked
    assert "le point clé « " in asked and "l’événement « " in asked
    response = submit(client, form(page, url))
    assert response.status_code == 303
    dossier = load_dossier(folder)
    assert "regions-nommees" not in [f.id for f in dossier.facts]
    assert all("regions-nommees" not in k.facts for k in dossier.key_points)
    assert all("regions-nommees" not in t.facts for t in dossier.timeline)
    assert len(history(workspace)) == 1


def test_deleting_an_item_nothing_uses_removes_exactly_its_lines(
    client: FlaskClient, folder: Path
) -> None:
    original = files_of(folder)
    new = open_form(client, f"{BASE}/edit/facts/new")
    new.fill(id="licences-cout", statement="Le coût n'est pas public.", sources=["infos-it"])
    assert submit(client, new).status_code == 303
    added = (folder / "facts.yaml").read_bytes()

    url = f"{BASE}/edit/facts/item/licences-cout/delete"
    response = submit(client, open_form(client, url))

    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page)[0].startswith("Enregistré — Suppression : le fait « Le coût n'est pas")
    assert "Le coût n'est pas public." not in text(page.split('class="items"')[-1])
    removed = diff(added, (folder / "facts.yaml").read_bytes())
    assert removed and all(line.startswith("-") for line in removed)
    assert files_of(folder) == original


def test_deleting_a_stakeholder_keeps_every_other_line(client: FlaskClient, folder: Path) -> None:
    path = folder / "stakeholders.yaml"
    before = path.read_bytes()
    url = f"{BASE}/edit/stakeholders/item/linkedin/delete"
    response = submit(client, open_form(client, url))
    assert response.status_code == 303
    removed = diff(before, path.read_bytes())
    assert removed and all(line.startswith("-") for line in removed)
    assert "-  - id: linkedin\n" in removed
    assert "linkedin" not in [s.id for s in load_dossier(folder).stakeholders]


# -- another writer ------------------------------------------------------------------------


def test_a_save_after_another_writer_changed_the_file_is_refused_and_keeps_both_versions(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    path = folder / "facts.yaml"
    url = f"{BASE}/edit/facts/item/pilote-cinq-regions"
    mine = open_form(client, url)  # the rep opens the form…

    old = "Selon politique-france.info, le projet pilote a été lancé dans cinq régions."
    theirs = "Le pilote couvre cinq régions (politique-france.info, relu par Anne)."
    path.write_text(path.read_text(encoding="utf-8").replace(old, theirs), encoding="utf-8")
    written = path.read_bytes()  # …another rep saves the same fact in an editor…

    typed = "Selon politique-france.info, le pilote a démarré dans cinq régions en 2025."
    response = submit(client, mine.fill(statement=typed))  # …then the rep saves.

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    said = " ".join(messages(page, "_"))
    assert "a modifié cette partie du dossier depuis l’ouverture du formulaire" in said
    assert "rien n’a été enregistré" in said
    assert "facts.yaml" not in said
    shown = text(page)
    assert "Deux versions" in shown
    now = shown.index("Dans le dossier maintenant")
    yours = shown.index("Votre version (gardée dans le formulaire ci-dessous)")
    assert theirs in shown[now:yours] and typed not in shown[now:yours]
    assert typed in shown[yours:]
    assert form_values(page)["statement"] == typed  # the rep's text is still in the form
    assert path.read_bytes() == written
    assert history(workspace) == []


def test_after_a_conflict_the_rep_can_save_from_the_conflict_page(
    client: FlaskClient, folder: Path
) -> None:
    path = folder / "facts.yaml"
    url = f"{BASE}/edit/facts/item/pilote-cinq-regions"
    mine = open_form(client, url)
    theirs = "Selon politique-france.info, le pilote a été lancé dans cinq régions (relu)."
    path.write_text(  # another rep changed the same field meanwhile
        path.read_text(encoding="utf-8").replace(
            "le projet pilote a été lancé dans cinq régions.", theirs.split(", ", 1)[1]
        ),
        encoding="utf-8",
    )
    typed = "Selon politique-france.info, le pilote a démarré dans cinq régions en 2025."
    conflict = submit(client, mine.fill(statement=typed))
    assert conflict.status_code == 409

    again = form(conflict.get_data(as_text=True), url)  # "puis enregistrez à nouveau"
    response = submit(client, again)
    assert response.status_code == 303, text(response.get_data(as_text=True))[:600]
    fact = next(f for f in load_dossier(folder).facts if f.id == "pilote-cinq-regions")
    assert fact.statement == typed
    assert "(relu)" not in path.read_text(encoding="utf-8")


# -- history -------------------------------------------------------------------------------


def test_undo_from_the_history_page_restores_the_file(client: FlaskClient, folder: Path) -> None:
    path = folder / "facts.yaml"
    before = path.read_bytes()
    edit = open_form(client, f"{BASE}/edit/facts/item/outil-rh")
    assert submit(client, edit.fill(said_by="Direction de France Travail")).status_code == 303
    assert path.read_bytes() != before

    undo = open_form(client, f"{BASE}/history", f"{BASE}/history/1/undo")
    response = submit(client, undo)
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/history"
    assert path.read_bytes() == before
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page)[0].startswith("Enregistré")
    assert f"{BASE}/history/1/undo" not in page  # the file changed since: no more undo
    assert f"{BASE}/history/2/undo" in page


def test_with_commit_every_save_is_a_git_commit(workspace: Path, folder: Path) -> None:
    git = ["git", "-c", "user.name=Élue", "-c", "user.email=elue@example.org"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "dossier"]):
        subprocess.run([*git, *command], cwd=workspace, check=True, capture_output=True)
    app = create_app(find_workspace(workspace), today=TODAY, commit=True)
    app.config["TESTING"] = True
    client = app.test_client()
    edit = open_form(client, f"{BASE}/edit/facts/item/outil-rh")
    env = {"GIT_AUTHOR_NAME": "Élue", "GIT_AUTHOR_EMAIL": "elue@example.org"}
    env |= {"GIT_COMMITTER_NAME": "Élue", "GIT_COMMITTER_EMAIL": "elue@example.org"}
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        assert submit(client, edit.fill(said_by="Direction de France Travail")).status_code == 303
    log = subprocess.run(
        ["git", "log", "--format=%s", "--name-only", "-1"],
        cwd=workspace,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert log.splitlines()[0].startswith("briefgen: Modification\u00a0: le fait «\u00a0")
    assert f"seeds/{DOSSIER}/facts.yaml" in log
    status = subprocess.run(
        ["git", "status", "--porcelain"], cwd=workspace, capture_output=True, text=True
    ).stdout
    assert status == "?? .briefgen/\n"  # only the history, never committed


# -- checking as the rep types -------------------------------------------------------------


def test_check_answers_the_errors_by_input_name_and_writes_nothing(
    client: FlaskClient, folder: Path, workspace: Path
) -> None:
    before = files_of(folder)
    new = open_form(client, f"{BASE}/edit/facts/new")
    new.fill(
        id="Licences Cout", statement="", as_of="2025-02-30", sources=["politique-france-2025"]
    )
    response = client.post(f"{BASE}/edit/facts/check", data=new.data())

    assert response.status_code == 200 and response.is_json
    errors = response.get_json()["errors"]
    assert set(errors) == {"id", "statement", "as_of"}
    assert "obligatoire" in errors["statement"][0]
    assert not any(ENGLISH.search(m) for messages in errors.values() for m in messages)

    new.fill(id="licences-cout", statement="Le coût n'est pas public.", as_of="2025-12-20")
    checked = client.post(f"{BASE}/edit/facts/check", data=new.data()).get_json()
    assert checked == {"errors": {}, "warnings": {}}  # not used yet is no warning here

    new.fill(sources=["le-canard"])
    checked = client.post(f"{BASE}/edit/facts/check", data=new.data()).get_json()
    assert list(checked["errors"]) == ["sources"]
    assert files_of(folder) == before and history(workspace) == []


# -- sections ------------------------------------------------------------------------------


def test_the_dossier_form_writes_only_the_agenda_item_lines(
    client: FlaskClient, folder: Path
) -> None:
    before = files_of(folder)
    path = folder / "dossier.yaml"
    section = open_form(client, f"{BASE}/section/dossier")
    assert section.getlist("v:dossier.yaml") == [
        hashlib.sha256(before["dossier.yaml"]).hexdigest()[:16]
    ]
    agenda = (
        "Expérimentation de licences LinkedIn : bilan d'étape demandé par les élus, et ouverture "
        "d'une procédure d'information-consultation du CSE central"
    )
    response = submit(client, section.fill(**{"meeting.agenda_item": agenda}))

    assert response.status_code == 303
    old_lines = before["dossier.yaml"].splitlines(keepends=True)
    new_lines = path.read_bytes().splitlines(keepends=True)
    start = old_lines.index(b"  agenda_item: >-\n")
    end = old_lines.index(b"  unions: [CGT, FSU]\n")
    new_end = new_lines.index(b"  unions: [CGT, FSU]\n")
    assert new_lines[:start] == old_lines[:start]
    assert new_lines[new_end:] == old_lines[end:]
    assert new_lines[start] == b"  agenda_item: >-\n"
    assert all(len(line) <= 100 for line in new_lines[start:new_end])
    assert load_dossier(folder).meeting.agenda_item == agenda
    assert {k: v for k, v in files_of(folder).items() if k != "dossier.yaml"} == {
        k: v for k, v in before.items() if k != "dossier.yaml"
    }


# -- the form token ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "/edit/facts/new",
        "/edit/facts/item/outil-rh",
        "/edit/facts/item/outil-rh/delete",
        "/edit/facts/check",
        "/section/dossier",
        "/section/tract",
        "/import",
        "/history/1/undo",
    ],
)
def test_every_post_without_the_form_token_is_refused(
    client: FlaskClient, folder: Path, workspace: Path, url: str
) -> None:
    before = files_of(folder)
    edit = open_form(client, f"{BASE}/edit/facts/item/outil-rh")
    edit.fill(statement="Texte qui ne doit pas être écrit.")
    versions = [(k, v) for k, v in edit.fields if k.startswith("v:")]
    without = [(k, v) for k, v in edit.fields if k != "csrf"]
    assert versions and len(without) == len(edit.fields) - 1

    assert client.post(BASE + url, data=MultiDict(without)).status_code == 403
    forged = MultiDict([*without, ("csrf", "forged-token")])
    assert client.post(BASE + url, data=forged).status_code == 403
    assert files_of(folder) == before and history(workspace) == []
