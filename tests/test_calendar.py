"""`briefgen calendar`: the dossier's deadlines and meetings as an iCalendar file, read
back with the icalendar package as a rep's calendar would (tests/dossiers/minimal, meeting
Tuesday 1 December 2026, with an employer of 30 and a reps-only commitment)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner
from icalendar import Calendar

from briefgen.cli import main

THREAD = """employees: 30
commitments:
  - id: bilan
    text: Présenter un bilan de l'essai.
    made_on: 2026-10-15
    due: 2026-12-04
    audience: reps
"""


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--ui-lang", "fr", "calendar", *args])
    return result.exit_code, result.output


def _events(path: Path) -> dict[tuple[dt.date, str], dict[str, object]]:
    calendar = Calendar.from_ical(path.read_bytes())
    found: dict[tuple[dt.date, str], dict[str, object]] = {}
    for event in calendar.walk("VEVENT"):
        alarms = event.walk("VALARM")
        found[event.decoded("dtstart"), str(event["uid"]).split("-")[1]] = {
            "summary": str(event["summary"]),
            "description": str(event["description"]),
            "alarm": [(str(a["action"]), a.decoded("trigger")) for a in alarms],
            "end": event.decoded("dtend"),
        }
    return found


def test_every_deadline_is_an_all_day_event_with_basis_and_alarm(
    minimal: Path, tmp_path: Path
) -> None:
    dossier = minimal / "dossier.yaml"
    dossier.write_text(dossier.read_text(encoding="utf-8") + THREAD, encoding="utf-8")
    target = tmp_path / "out" / "echeances.ics"
    code, output = _run(str(minimal), "-o", str(target))
    assert code == 0, output
    events = _events(target)
    # 1 December 2026 (Tuesday): agenda 3 days before, 28 November (L2315-30); requests
    # 2 working days before: Monday 30 (1), Saturday 28 (2) (L2315-22); answers 6 working
    # days after: 8 December; minutes 15 days after: 16 December (D2315-26).
    assert sorted(events) == [
        (dt.date(2026, 11, 28), "agenda"),
        (dt.date(2026, 11, 28), "requests"),
        (dt.date(2026, 12, 1), "meeting"),
        (dt.date(2026, 12, 4), "commitment"),
        (dt.date(2026, 12, 8), "answers"),
        (dt.date(2026, 12, 16), "minutes"),
    ]
    agenda = events[dt.date(2026, 11, 28), "agenda"]
    assert "1ᵉʳ décembre 2026" in str(agenda["summary"])
    assert "L2315-30" in str(agenda["description"])
    assert agenda["alarm"] == [("DISPLAY", dt.timedelta(days=-1))]
    assert agenda["end"] == dt.date(2026, 11, 29)  # all day: the next day, exclusive
    assert "Information sur un nouvel outil" in str(
        events[dt.date(2026, 12, 1), "meeting"]["description"]
    )
    first = target.read_bytes()
    assert _run(str(minimal), "-o", str(target))[0] == 0
    assert target.read_bytes() == first  # same dossier, same bytes
    assert b"DTSTAMP:20261101T000000Z" in first  # the dossier's date, not now


def test_public_leaves_out_reps_only_items_and_default_place(
    minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dossier = minimal / "dossier.yaml"
    dossier.write_text(dossier.read_text(encoding="utf-8") + THREAD, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "briefgen.toml").write_text("", encoding="utf-8")
    code, output = _run(str(minimal), "--public")
    assert code == 0, output
    written = tmp_path / "output" / "minimal" / "echeances-public.ics"
    kinds = [kind for _, kind in _events(written)]
    assert "commitment" not in kinds
    assert "meeting" in kinds


def test_a_broken_dossier_is_said_in_french_and_writes_nothing(
    minimal: Path, tmp_path: Path
) -> None:
    dossier = minimal / "dossier.yaml"
    dossier.write_text(
        dossier.read_text(encoding="utf-8").replace("date: 2026-12-01", "date: 2026-13-01"),
        encoding="utf-8",
    )
    target = tmp_path / "echeances.ics"
    code, output = _run(str(minimal), "-o", str(target))
    assert code == 2
    assert "meeting.date: «\u00a02026-13-01\u00a0» n’est pas une vraie date" in output
    assert not target.exists()


def test_what_is_settled_leaves_the_calendar(minimal: Path, tmp_path: Path) -> None:
    """A kept commitment and an answered question have no clock left; one still open has."""
    dossier = minimal / "dossier.yaml"
    settled = THREAD.replace("    audience: reps\n", "    state: kept\n")
    settled += """  - id: registre
    text: Ouvrir le registre des questions.
    made_on: 2026-10-15
    due: 2026-12-10
past_meetings:
  - instance: CSE
    date: 2026-11-03
    agenda_item: Information sur un nouvel outil
"""
    dossier.write_text(dossier.read_text(encoding="utf-8") + settled, encoding="utf-8")
    facts = minimal / "facts.yaml"
    facts.write_text(
        facts.read_text(encoding="utf-8")
        + """  - id: repondue
    text: Quels sites sont concernés ?
    asked_on: 2026-11-03
    answer:
      date: 2026-11-06
      text: La direction a donné la liste des sites.
  - id: en-attente
    text: Quand le bilan sera-t-il présenté ?
    asked_on: 2026-11-03
""",
        encoding="utf-8",
    )
    target = tmp_path / "echeances.ics"
    code, output = _run(str(minimal), "-o", str(target))
    assert code == 0, output
    calendar = Calendar.from_ical(target.read_bytes())
    summaries = [str(event["summary"]) for event in calendar.walk("VEVENT")]
    assert any("Quand le bilan sera-t-il présenté ?" in s for s in summaries), summaries
    assert not any("Quels sites sont concernés ?" in s for s in summaries), summaries
    assert any("Ouvrir le registre des questions." in s for s in summaries), summaries
    assert not any("Présenter un bilan de l'essai." in s for s in summaries), summaries
