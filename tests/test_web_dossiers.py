"""The home page, a new dossier and a copy for the next meeting, as a rep uses them in the page
(Flask's test client; the page speaks French)."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient
from test_editing import diff, files_of

from briefgen import i18n
from briefgen.load import error_message
from briefgen.models import ID_PATTERN
from briefgen.scaffold import init_workspace
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from pages import flashes, form, messages, open_form, submit, text

TODAY = dt.date(2026, 11, 23)
LYON = {
    "title": "Réorganisation du site de Lyon",
    "organisation": "Entreprise Exemple",
    "instance": "CSE d'établissement",
    "meeting_date": "2027-01-14",
    "agenda_item": "Information-consultation sur le projet de réorganisation",
    "unions": "CGT\r\n\r\n  SUD  \r\n",
}
LYON_YAML = """\
id: reorganisation-du-site-de-lyon
title: Réorganisation du site de Lyon
organisation: Entreprise Exemple
date: 2026-11-23
meeting:
  instance: CSE d'établissement
  date: 2027-01-14
  agenda_item: Information-consultation sur le projet de réorganisation
  unions: [CGT, SUD]
"""
INPUTS = ("title", "organisation", "instance", "meeting_date", "agenda_item", "unions")


def client_for(root: Path, lang: str = "fr") -> FlaskClient:
    app = create_app(find_workspace(root), today=TODAY, ui_lang=lang)
    app.config["TESTING"] = True
    return app.test_client()


@pytest.fixture
def empty(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    init_workspace(root, example=False)
    return root


@pytest.fixture
def example(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    init_workspace(root)
    return root


def main_text(page: str) -> str:
    """What the page's main part reads, messages flashed after a redirect left out."""
    body = page.split('<main id="main">', 1)[1].split("</main>", 1)[0]
    return text(re.sub(r'<div class="flashes">.*?</div>', "", body, flags=re.S))


def said(kind: str, typed: object = None) -> str:
    """The French message of a Pydantic error of type `kind`, as the page reads."""
    with i18n.using("fr"):
        message = str(error_message({"type": kind, "loc": ("title",), "input": typed}))
    return " ".join(message.split())


def create(client: FlaskClient, **typed: str) -> str:
    """Fill the new-dossier form with `typed` and send it; the address it leads to."""
    response = submit(client, open_form(client, "/new").fill(**typed))
    assert response.status_code == 303, main_text(response.get_data(as_text=True))
    return str(response.headers["Location"])


def dossiers_in(root: Path) -> list[str]:
    return sorted(p.name for p in (root / "seeds").iterdir())


def leftovers(root: Path) -> list[str]:
    """Folders a new dossier or a copy left in the workspace's working folder."""
    work = root / ".briefgen"
    found = work.iterdir() if work.is_dir() else ()
    return sorted(p.name for p in found if p.is_dir() and p.name != "history")


# -- an empty workspace ----------------------------------------------------------------


def test_an_empty_workspace_has_no_dossier_and_its_home_page_says_how_to_start(
    empty: Path,
) -> None:
    assert dossiers_in(empty) == [] and find_workspace(empty).dossiers() == []
    union = find_workspace(empty).config.union  # the example union does not sign their tracts
    assert (
        union.name is None and union.logo is None and not (empty / "assets" / "logo.svg").exists()
    )
    page = client_for(empty).get("/").get_data(as_text=True)
    assert main_text(page) == (
        "Vos dossiers Nouveau dossier Aucun dossier pour l’instant "
        "Un dossier rassemble ce que vous savez pour une séance : les articles que vous "
        "avez lus, les faits que vous en tirez, vos points clés et vos questions. Vous en tirez "
        "le tract, la déclaration liminaire et les questions écrites, prêts à imprimer. "
        "Pour commencer, cliquez sur « Nouveau dossier » : vous indiquez son "
        "titre, l’employeur et la séance. Vous importez ensuite vos articles, un par un."
    )
    assert 'href="/new"' in page and "briefgen init" not in page


# -- a new dossier -----------------------------------------------------------------------


def test_a_new_dossier_holds_exactly_what_the_rep_typed_and_its_page_opens(empty: Path) -> None:
    client = client_for(empty)
    location = create(client, **LYON)
    assert location == "/d/reorganisation-du-site-de-lyon"
    folder = empty / "seeds" / "reorganisation-du-site-de-lyon"
    assert files_of(folder) == {"dossier.yaml": LYON_YAML.encode()}
    assert yaml.safe_load(LYON_YAML)["meeting"]["unions"] == ["CGT", "SUD"]
    page = client.get(location)
    assert page.status_code == 200
    assert flashes(page.get_data(as_text=True)) == [
        "Dossier créé. Commencez par importer un article (Sources)."
    ]
    assert leftovers(empty) == []


def test_a_new_dossier_without_what_is_required_says_so_beside_each_input(empty: Path) -> None:
    client = client_for(empty)
    sent = open_form(client, "/new").fill(title="  ", meeting_date="", unions="\r\n \r\n")
    response = submit(client, sent)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    required = said("missing")
    with i18n.using("en"):
        assert required != str(error_message({"type": "missing", "loc": ("title",), "input": {}}))
    for name in INPUTS:
        assert messages(page, name) == [required], name
        tag = re.search(rf'<(?:input|textarea) id="f-{name}"[^>]*>', page)
        assert tag and 'aria-invalid="true"' in tag.group(0)
        assert f'aria-describedby="h-{name} m-{name}"' in tag.group(0)
    assert "Le dossier n’a pas été créé" in main_text(page)
    assert dossiers_in(empty) == [] and leftovers(empty) == []


def test_what_was_typed_stays_in_the_form_when_one_input_is_wrong(empty: Path) -> None:
    client = client_for(empty)
    typed = {**LYON, "meeting_date": "2026-02-31"}
    page = submit(client, open_form(client, "/new").fill(**typed)).get_data(as_text=True)
    sent = form(page, "/new")
    assert sent.get("title") == LYON["title"] and sent.get("unions") == LYON["unions"]
    assert messages(page, "title") == []
    assert messages(page, "meeting_date") == [said("date_from_datetime_parsing", "2026-02-31")]
    assert dossiers_in(empty) == []


def test_a_title_whose_id_is_taken_gets_a_number(example: Path) -> None:
    (example / ".briefgen" / "history" / "ancien").mkdir(parents=True)
    client = client_for(example)
    assert create(client, **LYON) == "/d/reorganisation-du-site-de-lyon"
    assert create(client, **LYON) == "/d/reorganisation-du-site-de-lyon-2"
    assert create(client, **LYON) == "/d/reorganisation-du-site-de-lyon-3"
    assert create(client, **{**LYON, "title": "Exemple"}) == "/d/exemple-2"
    assert create(client, **{**LYON, "title": "Ancien"}) == "/d/ancien-2"  # its undo is not ours
    assert (example / "seeds" / "exemple" / "dossier.yaml").read_text().count("id: exemple") == 1


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("<script>alert('x')</script>", "script-alert-x-script"),
        ("../../etc/passwd", "etc-passwd"),
        ("{{ config }} {% raw %}", "config-raw"),
        ("Œuvres sociales : l’été 2027 à Besançon", "oeuvres-sociales-l-ete-2027-a-besancon"),
        ("!!! « … » ???", "dossier"),
        ("a" * 500, "a" * 40),
        ("Plan " * 100, "-".join(["plan"] * 8)),
    ],
)
def test_any_title_makes_a_valid_id_and_is_kept_as_typed(
    empty: Path, title: str, expected: str
) -> None:
    client = client_for(empty)
    assert create(client, **{**LYON, "title": title}) == f"/d/{expected}"
    assert re.fullmatch(ID_PATTERN, expected) and len(expected) <= 40
    saved = yaml.safe_load((empty / "seeds" / expected / "dossier.yaml").read_text())
    assert saved["title"] == " ".join(title.split()) and saved["id"] == expected
    home = client.get("/").get_data(as_text=True)
    if "<script>" in title:
        assert "<script>" not in home and "&lt;script&gt;" in home
    assert client.get(f"/d/{expected}").status_code == 200


def test_a_folder_that_cannot_be_made_leaves_nothing_and_says_what_to_check(empty: Path) -> None:
    shutil.rmtree(empty / "seeds")
    (empty / "seeds").write_text("")  # a file where the folder should be
    client = client_for(empty)
    response = submit(client, open_form(client, "/new").fill(**LYON))
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert messages(page, "_") == [
        "Le dossier n’a pas pu être créé sur le disque de cet ordinateur : rien n’a été "
        "écrit. Vérifiez que vous pouvez écrire dans le répertoire de travail et que le disque "
        "n’est pas plein, puis réessayez."
    ]
    assert '<details class="tech"><summary>Détails techniques</summary>' in page
    assert form(page, "/new").get("title") == LYON["title"]
    assert (empty / "seeds").read_text() == "" and leftovers(empty) == []


def test_making_or_copying_a_dossier_needs_the_form_token(example: Path) -> None:
    client = client_for(example)
    client.get("/new")  # the session has a token; the forms below do not send it
    assert client.post("/new", data=LYON).status_code in (400, 403)
    copy = {"title": "Suite", "meeting_date": "2027-02-04"}
    assert client.post("/d/exemple/copy", data=copy).status_code in (400, 403)
    assert dossiers_in(example) == ["exemple"] and leftovers(example) == []


# -- a copy for the next meeting ---------------------------------------------------------


@pytest.fixture
def original(example: Path) -> Path:
    """The example dossier, with a date to send the questions by and an archived text."""
    folder = example / "seeds" / "exemple"
    main = folder / "dossier.yaml"
    main.write_text(
        main.read_text().replace("  # questions_by: 2026-12-05 ", "  questions_by: 2026-12-05   ")
    )
    (folder / "sources").mkdir()
    (folder / "sources" / "note-direction.txt").write_text("Note de la direction.\n")
    return folder


def test_a_copy_keeps_everything_but_the_id_the_title_and_the_meeting(
    example: Path, original: Path
) -> None:
    before = files_of(original)
    client = client_for(example)
    sent = open_form(client, "/d/exemple/copy")
    assert sent.get("title") == "Un nouvel outil de planification"
    title = "Un nouvel outil de planification (suite)"
    response = submit(client, sent.fill(title=title, meeting_date="2027-02-04"))
    assert response.status_code == 303
    assert response.headers["Location"] == "/d/un-nouvel-outil-de-planification-suite"
    copy = files_of(example / "seeds" / "un-nouvel-outil-de-planification-suite")
    assert files_of(original) == before
    assert sorted(copy) == sorted(before)
    assert {name for name in copy if copy[name] != before[name]} == {"dossier.yaml"}
    assert diff(before["dossier.yaml"], copy["dossier.yaml"]) == [
        "-id: exemple                       # names the output folder: output/exemple/\n",
        "-title: Un nouvel outil de planification\n",
        "+id: un-nouvel-outil-de-planification-suite # names the output folder: output/exemple/\n",
        "+title: Un nouvel outil de planification (suite)\n",
        "-  date: 2026-12-15\n",
        "+  date: 2027-02-04\n",
        "-  questions_by: 2026-12-05        # when the written questions must be sent "
        "(default: 8 days before)\n",
        "+\n",
        "+past_meetings:\n",
        "+  - instance: CSE d'établissement\n",
        "+    establishment: Site de Lyon\n",
        "+    date: 2026-12-15\n",
        "+    agenda_item: Information-consultation sur l'outil de planification\n",
    ]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert flashes(page) == ["Copie faite pour la séance du 4 février 2027."]
    assert leftovers(example) == []
    assert not (
        example / ".briefgen" / "history" / "un-nouvel-outil-de-planification-suite"
    ).exists()


def test_a_copy_may_take_a_new_agenda_item(example: Path, original: Path) -> None:
    client = client_for(example)
    sent = open_form(client, "/d/exemple/copy").fill(
        meeting_date="2027-02-04", agenda_item="Bilan de l’outil après trois mois"
    )
    assert submit(client, sent).headers["Location"] == "/d/un-nouvel-outil-de-planification"
    copied = yaml.safe_load(
        (example / "seeds" / "un-nouvel-outil-de-planification" / "dossier.yaml").read_text()
    )
    assert copied["meeting"] == {
        "instance": "CSE d'établissement",
        "establishment": "Site de Lyon",
        "date": dt.date(2027, 2, 4),
        "agenda_item": "Bilan de l’outil après trois mois",
        "unions": ["Syndicat Exemple"],
    }


def test_a_copy_needs_the_next_meeting_date(example: Path, original: Path) -> None:
    client = client_for(example)
    response = submit(client, open_form(client, "/d/exemple/copy"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert messages(page, "meeting_date") == [said("missing")]
    assert messages(page, "title") == [] and messages(page, "agenda_item") == []
    assert dossiers_in(example) == ["exemple"]
    assert client.get("/d/inconnu/copy").status_code == 404


# -- the home page ---------------------------------------------------------------------


def test_the_home_page_lists_titles_dates_in_words_and_states_next_meeting_first(
    example: Path,
) -> None:
    seeds = example / "seeds"
    shutil.copytree(seeds / "exemple", seeds / "casse")
    facts = seeds / "casse" / "facts.yaml"
    facts.write_text(
        facts.read_text().replace("[note-direction, journal-interne]", "[note-direction, inconnue]")
    )
    main = seeds / "casse" / "dossier.yaml"
    main.write_text(
        main.read_text()
        .replace("title: Un nouvel outil", "title: Un outil cassé")
        .replace("date: 2026-12-15", "date: 2027-03-01")
    )
    shutil.copytree(seeds / "exemple", seeds / "en-plus")
    sources = seeds / "en-plus" / "sources.yaml"
    sources.write_text(
        sources.read_text()
        + "  - id: tract-cfdt\n    title: Notre avis\n    publisher: CFDT\n    kind: union\n"
    )
    main = seeds / "en-plus" / "dossier.yaml"
    main.write_text(
        main.read_text()
        .replace("title: Un nouvel outil", "title: Une source de plus")
        .replace("date: 2026-12-15", "date: 2026-10-01")
    )
    (seeds / "sans-fichier").mkdir()
    client = client_for(example)
    create(client, **{**LYON, "meeting_date": "2026-12-01"})

    home = main_text(client.get("/").get_data(as_text=True))
    assert home == (
        "Vos dossiers Nouveau dossier "
        "Réorganisation du site de Lyon Entreprise Exemple Séance du 1ᵉʳ décembre 2026 "
        "à compléter 3 éléments à compléter Copier pour la prochaine séance "
        "Un nouvel outil de planification Entreprise Exemple Séance du 15 décembre 2026 "
        "prêt Les documents peuvent être produits. Copier pour la prochaine séance "
        "Un outil cassé de planification Entreprise Exemple Séance du 1ᵉʳ mars 2027 "
        "erreurs à corriger 1 erreur à corriger Copier pour la prochaine séance "
        "Une source de plus de planification Entreprise Exemple Séance du 1ᵉʳ octobre 2026 "
        "à compléter 1 élément à compléter Copier pour la prochaine séance "
        "sans-fichier Date de la séance pas encore fixée "
        "erreurs à corriger 1 erreur à corriger Copier pour la prochaine séance"
    )


def test_the_home_and_the_forms_read_nothing_outside_the_catalogue(example: Path) -> None:
    client = client_for(example, i18n.PSEUDO)
    data = {"Un nouvel outil de planification", "Entreprise Exemple"}
    pages = [
        client.get("/").get_data(as_text=True),
        submit(client, open_form(client, "/new")).get_data(as_text=True),
        submit(client, open_form(client, "/d/exemple/copy").fill(title="")).get_data(as_text=True),
    ]
    for page in pages:
        shown = main_text(page)
        for found in data:
            shown = shown.replace(found, "")
        left = re.sub(r"⟦[^⟦⟧]*⟧", "", re.sub(r"⟦[^⟦⟧]*⟧", "", shown))
        assert not re.findall(r"[^\W\d_]{2,}", left), left
