"""From one meeting to the next in the page (issue 21): the earlier meetings, management's
commitments and consultations edited as any list, the answer to a question noted after the
meeting, the copy that carries the thread to the next meeting, the deadlines on the first
screen and the calendar to download (Flask's test client; the page speaks French).

Run on tests/dossiers/minimal, not the first dossier: a meeting on Tuesday 1 December 2026,
a question (q-consultation) and two sources (journal, direction).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask.testing import FlaskClient
from icalendar import Calendar

from briefgen.web import create_app
from briefgen.workspace import find_workspace
from browser import axe_violations, chromium, horizontal_overflow, opened, serving
from conftest import MINIMAL, seeded
from pages import flashes, open_form, submit, text

TODAY = dt.date(2026, 11, 23)
BASE = "/d/minimal"
QUESTION = "Quand le CSE sera-t-il consulté ?"
THREAD = """\
past_meetings:
  - instance: CSE d'établissement
    establishment: Site de Lille
    date: 2026-11-05
    agenda_item: Point d'étape sur l'outil
commitments:
  - id: bilan-du-test
    text: La direction communiquera le bilan du test.
    made_on: 2026-11-05
    due: 2026-11-18
    sources: [direction]
"""


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    seeded(root, MINIMAL)
    return root


@pytest.fixture
def folder(workspace: Path) -> Path:
    return workspace / "seeds" / "minimal"


@pytest.fixture
def asked(folder: Path) -> Path:
    """The minimal dossier with its question asked on 20 November, an earlier meeting and a
    commitment due on 18 November, not kept yet."""
    facts = folder / "facts.yaml"
    asked_on = "    legal: [l2312-8]\n    asked_on: 2026-11-20\n"
    facts.write_text(facts.read_text().replace("    legal: [l2312-8]\n", asked_on))
    main = folder / "dossier.yaml"
    main.write_text(main.read_text() + THREAD)
    return folder


def client_for(workspace: Path) -> FlaskClient:
    app = create_app(find_workspace(workspace), today=TODAY)
    app.config["TESTING"] = True
    return app.test_client()


def loaded(folder: Path, name: str) -> dict[str, Any]:
    found = yaml.safe_load((folder / name).read_text())
    assert isinstance(found, dict)
    return found


def everything(folder: Path) -> dict[str, Any]:
    """The dossier's fields, from all its files."""
    return {k: v for p in sorted(folder.glob("*.yaml")) for k, v in loaded(folder, p.name).items()}


def section(page: str, title_id: str) -> str:
    """The text of the page's section headed by `title_id`, or '' when there is none."""
    found = re.search(rf'<section aria-labelledby="{title_id}".*?</section>', page, re.S)
    return text(found.group(0)) if found else ""


# -- the thread's lists, from blank forms ----------------------------------------------


def test_a_commitment_from_a_blank_form_with_only_what_is_required(
    workspace: Path, folder: Path
) -> None:
    client = client_for(workspace)
    page = client.get(f"{BASE}/edit/commitments/new").get_data(as_text=True)
    assert "Ajouter un engagement" in text(page)
    assert "L’engagement, en nos propres mots (obligatoire)" in text(page)
    assert "Tenu ou non" in text(page)
    sent = open_form(client, f"{BASE}/edit/commitments/new").fill(
        text="La direction présentera le bilan du test au CSE.", made_on="2026-12-01"
    )
    response = submit(client, sent)
    assert response.status_code == 303, text(response.get_data(as_text=True))
    assert loaded(folder, "commitments.yaml") == {
        "commitments": [
            {
                "id": "la-direction-presentera-le-bilan-du-test",
                "text": "La direction présentera le bilan du test au CSE.",
                "made_on": dt.date(2026, 12, 1),
            }
        ]
    }
    listed = client.get(f"{BASE}/edit/commitments").get_data(as_text=True)
    assert "La direction présentera le bilan du test au CSE." in text(listed)


def test_an_earlier_meeting_from_a_blank_form(workspace: Path, folder: Path) -> None:
    client = client_for(workspace)
    sent = open_form(client, f"{BASE}/edit/past_meetings/new").fill(
        instance="CSE d'établissement", date="2026-10-06", agenda_item="Présentation de l'outil"
    )
    assert submit(client, sent).status_code == 303
    assert loaded(folder, "past_meetings.yaml") == {
        "past_meetings": [
            {
                "instance": "CSE d'établissement",
                "date": dt.date(2026, 10, 6),
                "agenda_item": "Présentation de l'outil",
            }
        ]
    }
    listed = text(client.get(f"{BASE}/edit/past_meetings").get_data(as_text=True))
    assert "Séances précédentes" in listed
    assert "6 octobre 2026 — Présentation de l'outil" in listed


def test_the_dossier_form_asks_the_number_of_employees_and_the_meeting_s_minutes(
    workspace: Path,
) -> None:
    page = text(client_for(workspace).get(f"{BASE}/section/dossier").get_data(as_text=True))
    assert "Nombre de salariés" in page
    assert "de 11 à 49 salariés : questions écrites 2 jours ouvrables avant" in page.lower()
    assert "CSE central" in page
    assert "Procès-verbal et comptes rendus de la séance" in page


# -- after the meeting --------------------------------------------------------------------


def test_after_the_meeting_the_rep_notes_the_answer_and_the_question_leaves_the_list(
    workspace: Path, asked: Path
) -> None:
    client = client_for(workspace)
    page = client.get(BASE).get_data(as_text=True)
    after = section(page, "answers-title")
    assert after.startswith("Après la séance : noter les réponses")
    assert f"{QUESTION} sans réponse posée le 20 novembre 2026" in after
    link = f"{BASE}/edit/questions/item/q-consultation"
    assert f'href="{link}"' in page
    assert f'href="{BASE}/import"' in page
    sent = open_form(client, link).fill(
        answer__date="2026-12-01",
        answer__text="La direction consultera le CSE en janvier, après le test.",
        answer__sources=["direction"],
        answer__judgement="partial",
    )
    response = submit(client, sent)
    assert response.status_code == 303, text(response.get_data(as_text=True))
    (question,) = loaded(asked, "facts.yaml")["questions"]
    assert question["answer"] == {
        "date": dt.date(2026, 12, 1),
        "text": "La direction consultera le CSE en janvier, après le test.",
        "sources": ["direction"],
        "judgement": "partial",
    }
    page = client.get(BASE).get_data(as_text=True)
    assert section(page, "answers-title") == ""
    assert flashes(page)[0].startswith("Enregistré")


def test_the_answer_s_judgement_reads_in_the_rep_s_words(workspace: Path, asked: Path) -> None:
    page = text(
        client_for(workspace)
        .get(f"{BASE}/edit/questions/item/q-consultation")
        .get_data(as_text=True)
    )
    assert "Réponse de la direction" in page
    for words in ("répondu", "réponse partielle", "sans réponse", "réponse hors délai"):
        assert words in page


# -- the next meeting ------------------------------------------------------------------------


def test_preparing_the_next_meeting_carries_the_thread(workspace: Path, asked: Path) -> None:
    before = everything(asked)
    client = client_for(workspace)
    assert f'href="{BASE}/copy"' in client.get(BASE).get_data(as_text=True)
    sent = open_form(client, f"{BASE}/copy").fill(
        title="Un dossier minimal (janvier)", meeting_date="2027-01-12"
    )
    response = submit(client, sent)
    assert response.headers["Location"] == "/d/un-dossier-minimal-janvier"
    after = everything(workspace / "seeds" / "un-dossier-minimal-janvier")
    assert after["meeting"] == {**before["meeting"], "date": dt.date(2027, 1, 12)}
    assert after["past_meetings"] == [
        *before["past_meetings"],
        {
            "instance": "CSE d'établissement",
            "establishment": "Site de Lille",
            "date": dt.date(2026, 12, 1),
            "agenda_item": "Information sur un nouvel outil",
        },
    ]
    for kept in ("questions", "commitments", "facts", "opinion"):
        assert after[kept] == before[kept]
    assert everything(asked) == before


# -- the deadlines on the first screen ----------------------------------------------------------


def test_the_first_screen_lists_the_deadlines_with_days_left_and_their_article(
    workspace: Path, asked: Path
) -> None:
    page = client_for(workspace).get(BASE).get_data(as_text=True)
    assert page.index('id="dues-title"') < page.index('id="content-title"')
    dues = section(page, "dues-title")
    assert dues.startswith("Échéances")
    overdue = dues.index("dépassé depuis 5 jours 18 novembre 2026")
    agenda = dues.index("dans 5 jours 28 novembre 2026")
    question = dues.index(
        f"dans 8 jours 1ᵉʳ décembre 2026 — Réponse due à la question : {QUESTION}"
    )
    minutes = dues.index("dans 23 jours 16 décembre 2026")
    assert overdue < agenda < question < minutes
    assert "(art. L2315-30)" in dues[agenda:question]
    assert "(art. L2312-15)" in dues[question:minutes]
    assert "(art. D2315-26)" in dues[minutes:]
    assert "5 novembre" not in dues  # the earlier meeting's clocks: nothing left to do
    assert "Télécharger le calendrier (.ics)" in dues


def test_the_calendar_downloads_and_parses(workspace: Path, asked: Path) -> None:
    response = client_for(workspace).get(f"{BASE}/calendar.ics")
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert "attachment" in response.headers["Content-Disposition"]
    events = Calendar.from_ical(response.data).walk("VEVENT")
    days = {event.decoded("dtstart"): event for event in events}
    agenda = days[dt.date(2026, 11, 28)]
    assert "L2315-30" in str(agenda.get("description"))
    assert agenda.walk("VALARM")
    assert dt.date(2026, 11, 18) in days  # the commitment
    assert dt.date(2026, 12, 1) in days


def test_a_dossier_with_an_error_has_no_calendar_but_says_why(
    workspace: Path, folder: Path
) -> None:
    main = folder / "dossier.yaml"
    main.write_text(main.read_text().replace("  date: 2026-12-01\n", "  date: demain\n"))
    client = client_for(workspace)
    response = client.get(f"{BASE}/calendar.ics")
    assert response.status_code == 303
    page = client.get(BASE).get_data(as_text=True)
    assert "Le calendrier peut être fait une fois les erreurs du dossier corrigées" in text(page)
    assert section(page, "dues-title") == ""


# -- in the browser --------------------------------------------------------------------------

SHOTS = Path(os.environ.get("BRIEFGEN_SCREENSHOTS") or "/tmp/briefgen-thread-shots")


def test_the_first_screen_with_its_deadlines_at_the_width_of_a_desk_and_of_a_phone(
    workspace: Path, asked: Path
) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    with serving(workspace, today=TODAY) as base, chromium() as browser:
        for width in (1280, 390):
            with opened(browser, width=width, axe=True) as page:
                page.goto(f"{base}{BASE}")
                page.screenshot(path=str(SHOTS / f"deadlines-{width}.png"), full_page=True)
                assert page.locator("#dues-title").is_visible()
                assert horizontal_overflow(page) == []
                assert axe_violations(page) == []


def test_in_the_browser_an_answer_noted_leaves_the_next_declaration_s_unanswered_list(
    workspace: Path, asked: Path
) -> None:
    with serving(workspace, today=TODAY) as base, chromium() as browser, opened(browser) as page:
        page.goto(f"{base}{BASE}/preview/declaration")  # the next opening statement
        recalled = page.locator("main").inner_text()
        assert "Ces questions attendent toujours une réponse de la direction" in recalled
        assert "Quand le CSE sera-t-il consulté" in recalled.replace("\u202f", " ")
        page.goto(f"{base}{BASE}")
        awaiting = page.locator("section[aria-labelledby=answers-title]")
        assert QUESTION in awaiting.inner_text()
        awaiting.get_by_role("link", name=QUESTION).click()
        page.fill("input[name='answer.date']", "2026-12-01")
        page.fill("textarea[name='answer.text']", "Le CSE sera consulté en janvier.")
        page.check("input[name='answer.sources'][value='direction']")
        page.select_option("select[name='answer.judgement']", "answered")
        page.locator("form.edit-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.url == f"{base}{BASE}"
        assert page.locator("section[aria-labelledby=answers-title]").count() == 0
        page.goto(f"{base}{BASE}/preview/declaration")
        recalled = page.locator("main").inner_text()
        assert "Ces questions attendent toujours une réponse" not in recalled
        assert "Quand le CSE sera-t-il consulté" not in recalled.replace("\u202f", " ")
    (question,) = loaded(asked, "facts.yaml")["questions"]
    assert question["answer"]["text"] == "Le CSE sera consulté en janvier."
