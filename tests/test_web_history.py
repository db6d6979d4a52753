"""The history page of `briefgen serve` and undoing a save, as a rep uses them (Flask's test
client): the page in French words, an undo that would break the dossier refused with a
reason a rep understands, and forms whose token expired or outlived a restart.

Saves are made through `briefgen.store` (as the editor makes them); the page's own forms
are read from the page and posted back, as a browser would.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import test_editing
import yaml
from flask.testing import FlaskClient
from test_editing import BASE, TODAY, files_of, form, history, open_form, submit, text
from werkzeug.datastructures import MultiDict

from briefgen import i18n
from briefgen.i18n import Text, lazy
from briefgen.store import DossierFiles, Edit
from briefgen.web import create_app
from briefgen.web.history import when
from briefgen.workspace import find_workspace

client, folder, workspace = test_editing.client, test_editing.folder, test_editing.workspace
"""The editor tests' fixtures: a workspace with the first dossier, and a client of its page."""

FACT = {
    "id": "licences-cout",
    "statement": "Le coût des licences LinkedIn n'est pas public.",
    "sources": ["infos-it"],
}
QUESTION = {
    "id": "q-cout-licences",
    "text": "Pourquoi le coût des licences LinkedIn n'est-il pas rendu public ?",
    "facts": ["licences-cout"],
}
DAY = "(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"


def store(workspace: Path, folder: Path) -> DossierFiles:
    return DossierFiles.in_workspace(workspace, folder)


def add(files: DossierFiles, key: str, item: dict[str, object], summary: Text) -> None:
    """Append an item to a list of the dossier, as the editor's save does."""
    path = files.target(key, is_list=True)
    files.save([(path, Edit(key, "add", None, item))], files.versions([path]), summary)


def visible(page: str) -> str:
    """What a rep reads on a page without opening its « Détails techniques »."""
    main = re.search(r"<main[^>]*>(.*)</main>", page, re.S)
    shown = main.group(1) if main else page
    return text(re.sub(r'<details class="tech">.*?</details>', " ", shown, flags=re.S))


def undo_url(number: int) -> str:
    return f"{BASE}/history/{number}/undo"


def test_a_save_time_reads_as_words_in_the_readers_language() -> None:
    with i18n.using("fr"):
        assert when("2026-12-05T18:04:09") == "samedi 5 décembre 2026 à 18 h 04"
    with i18n.using("en"):
        assert when("2026-12-05T18:04:09") == "Saturday, December 5, 2026 at 6:04 PM"


def test_an_undo_that_would_leave_a_question_citing_a_removed_fact_is_refused(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    files = store(workspace, folder)
    add(files, "facts", FACT, "Faits : ajout de « Le coût des licences »")
    add(files, "questions", QUESTION, "Questions : ajout de « Pourquoi le coût… »")
    before = files_of(folder)

    response = submit(client, open_form(client, f"{BASE}/history", undo_url(1)))

    assert response.status_code == 409
    page = response.get_data(as_text=True)
    said = visible(page)
    assert "Cet enregistrement n’a pas été annulé : rien n’a été changé." in said
    assert (
        "la question « Pourquoi le coût des licences LinkedIn n’est-il pas rendu public ? » "
        "cite le fait « Le coût des licences LinkedIn n’est pas public. », que cette "
        "annulation retirerait"
    ) in said.replace("'", "’")
    assert "Modifiez ou retirez d’abord ce qui y fait référence, puis annulez à nouveau." in said
    for technical in ("licences-cout", "q-cout-licences", "E101", "facts.yaml", "questions["):
        assert technical not in said, technical
    details = re.findall(r'<details class="tech">(.*?)</details>', page, re.S)
    assert any("E101" in d and "questions.yaml" in d for d in details)
    assert files_of(folder) == before
    assert len(history(workspace)) == 2


def test_an_undo_that_breaks_nothing_puts_the_files_back(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    original = files_of(folder)
    files = store(workspace, folder)
    add(files, "facts", FACT, "Faits : ajout de « Le coût des licences »")
    add(files, "questions", QUESTION, "Questions : ajout de « Pourquoi le coût… »")

    response = submit(client, open_form(client, f"{BASE}/history", undo_url(2)))
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}/history"
    assert "q-cout-licences" not in (folder / "questions.yaml").read_text(encoding="utf-8")

    response = submit(client, open_form(client, f"{BASE}/history", undo_url(1)))
    assert response.status_code == 303
    assert files_of(folder) == original
    assert len(history(workspace)) == 4


def test_the_history_page_speaks_to_a_rep(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    files = store(workspace, folder)
    add(files, "facts", FACT, "Faits : ajout de « Le coût des licences »")
    summary = lazy("Archived text added to the source « %(title)s »", title="Infos IT")
    add(files, "questions", QUESTION, summary)
    undone = f"{BASE}/history/2/undo"
    assert submit(client, open_form(client, f"{BASE}/history", undone)).status_code == 303

    page = client.get(f"{BASE}/history").get_data(as_text=True)
    assert "Historique des enregistrements" in visible(page)
    entries = [visible(item) for item in re.findall(r"<li>(.*?)</li>", page, re.S)]
    assert len(entries) == 3
    stamp = rf"{DAY} \d{{1,2}} \w+ \d{{4}} à \d{{1,2}} h \d\d"
    summaries = [
        "annulation : texte archivé ajouté à la source « Infos IT »",
        "texte archivé ajouté à la source « Infos IT »",
        "Faits : ajout de « Le coût des licences »",
    ]
    for entry, summary in zip(entries, summaries, strict=True):
        assert re.match(rf"{stamp} — {re.escape(summary)} ", entry), entry
    assert entries[0].endswith("Annuler cet enregistrement")
    assert re.search(rf"Ne peut pas être annulé : Déjà annulé le {stamp}\.$", entries[1])
    assert entries[2].endswith("Annuler cet enregistrement")
    for technical in ("facts.yaml", "questions.yaml", "entry.json"):
        assert technical not in visible(page), technical
    assert undo_url(2) not in page

    add(files, "facts", {**FACT, "id": "autre-fait"}, "Faits : ajout")  # the same file again
    page = client.get(f"{BASE}/history").get_data(as_text=True)
    first = visible(re.findall(r"<li>(.*?)</li>", page, re.S)[-1])
    assert first.endswith("Annuler cet enregistrement"), first  # another item: still undoable

    index = [fact["id"] for fact in files.raw("facts")].index(FACT["id"])
    changed = {**FACT, "statement": "Le coût des licences reste secret."}
    path = files.target("facts", is_list=True)
    files.save([(path, Edit("facts", "set", index, changed))], files.versions([path]), "Faits")
    page = client.get(f"{BASE}/history").get_data(as_text=True)
    first = visible(re.findall(r"<li>(.*?)</li>", page, re.S)[-1])
    assert re.search(
        rf"Ne peut pas être annulé : Un enregistrement plus récent \(le {stamp}\) a modifié "
        "la même partie du dossier : annulez-le d’abord.$",
        first,
    )


def test_the_history_pages_say_nothing_outside_the_catalogue(workspace: Path, folder: Path) -> None:
    files = store(workspace, folder)
    add(files, "facts", FACT, lazy("Archived text added to the source « %(title)s »", title="X"))
    add(
        files,
        "questions",
        QUESTION,
        lazy("Archived text added to the source « %(title)s »", title="Y"),
    )
    app = create_app(find_workspace(workspace), today=TODAY, ui_lang=i18n.PSEUDO)
    pseudo = app.test_client()
    title = yaml.safe_load((folder / "dossier.yaml").read_text(encoding="utf-8"))["title"]
    pages = [
        pseudo.get(f"{BASE}/history"),
        submit(pseudo, open_form(pseudo, f"{BASE}/history", undo_url(1))),  # refused
        pseudo.post(undo_url(2)),  # without its token
    ]
    for page in pages:
        left = visible(page.get_data(as_text=True)).replace(title, "")
        left = left.replace(QUESTION["text"], "").replace(FACT["statement"], "")
        while re.search("⟦[^⟦⟧]*⟧", left):
            left = re.sub("⟦[^⟦⟧]*⟧", "", left)
        assert not re.search(r"\w", left), left


# -- forms whose token expired -----------------------------------------------------------


def test_a_fact_form_sent_with_an_expired_token_gives_back_what_was_typed(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    before = files_of(folder)
    url = f"{BASE}/edit/facts/item/outil-rh"
    typed = "Selon la direction, l'outil sert aussi au recrutement interne des conseillers."
    sent = open_form(client, url).fill(statement=typed)
    sent.fields = [(k, "jeton-d-une-session-perdue" if k == "csrf" else v) for k, v in sent.fields]

    response = submit(client, sent)

    assert response.status_code in (400, 403)
    page = response.get_data(as_text=True)
    assert "Cette page était ouverte depuis" in visible(page)  # the form itself, or the page
    assert typed in text(page)  # that gives back what the rep typed
    assert files_of(folder) == before and history(workspace) == []

    again = form(page, url)  # sent again with the fresh token the page holds
    assert again.get("statement") == typed
    assert submit(client, again).status_code == 303
    assert typed in (folder / "facts.yaml").read_text(encoding="utf-8")


def test_an_undo_sent_without_a_token_can_be_sent_again(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    files = store(workspace, folder)
    add(files, "facts", FACT, "Faits : ajout de « Le coût des licences »")
    added = files_of(folder)
    response = client.post(undo_url(1), data=MultiDict())

    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "Cette page était ouverte depuis trop longtemps" in visible(page)
    assert "Envoyer à nouveau" in visible(page)
    assert files_of(folder) == added

    assert submit(client, form(page, undo_url(1))).status_code == 303
    assert "licences-cout" not in (folder / "facts.yaml").read_text(encoding="utf-8")


def test_a_form_from_another_site_is_refused_without_a_page_to_send_it_again(
    client: FlaskClient, workspace: Path, folder: Path
) -> None:
    files = store(workspace, folder)
    add(files, "facts", FACT, "Faits : ajout de « Le coût des licences »")
    undo = open_form(client, f"{BASE}/history", undo_url(1))
    for headers in ({"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"}):
        response = client.post(undo.action, data=undo.data(), headers=headers)
        assert response.status_code == 403
        assert response.mimetype == "text/plain"
        assert "autre site" in response.get_data(as_text=True)
    assert len(history(workspace)) == 1


def test_a_form_opened_before_a_restart_saves_after_it(workspace: Path, folder: Path) -> None:
    first = create_app(find_workspace(workspace), today=TODAY).test_client()
    files = store(workspace, folder)
    add(files, "facts", FACT, "Faits : ajout de « Le coût des licences »")
    undo = open_form(first, f"{BASE}/history", undo_url(1))
    key = workspace / ".briefgen" / "secret-key"
    assert key.stat().st_mode & 0o777 == 0o600
    name = first.application.config["SESSION_COOKIE_NAME"]
    cookie = first.get_cookie(name)
    assert cookie is not None

    restarted = create_app(find_workspace(workspace), today=TODAY).test_client()
    restarted.set_cookie(name, cookie.value)  # the browser kept it
    assert submit(restarted, undo).status_code == 303
    assert "licences-cout" not in (folder / "facts.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize("broken", [b"", b"short"])
def test_a_missing_or_broken_key_is_made_anew(workspace: Path, broken: bytes) -> None:
    from briefgen.web.state import KEY_BYTES, secret_key

    key = workspace / ".briefgen" / "secret-key"
    key.parent.mkdir(parents=True)
    key.write_bytes(broken)
    made = secret_key(find_workspace(workspace))
    assert len(made) == KEY_BYTES and key.read_bytes() == made
    assert secret_key(find_workspace(workspace)) == made
    assert not list(key.parent.glob("*.tmp"))
