"""The maximal dossier: every list at the limit the README gives (500 facts, 200 sources,
200 legal references, 100 questions, 100 demands, 50 themes, 50 divergences, 200 timeline
events, 12 key points; and the models' own bounds for the rest), every optional field of
every model (briefgen/models.py), and long texts where no page budget applies.

Generated, not stored: `write(folder)` writes the same files every time.  The texts a
one- or two-page document prints (the tract, the opening statement) stay short enough
for their page, as a union's would; the long ones (up to the 4 000 characters of a text
field) are in the note and the questions.  Each YAML file stays under the 2 MB limit, and
the whole under the bound on a dossier's text (briefgen.load.MAX_TEXT_CHARS).

`write_largest(folder, total)` lengthens the texts the note prints until the dossier holds
`total` characters of text: the slowest dossier the bound lets through, on which the README
gives the time and memory of a build.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any

import yaml

from briefgen.load import load_dossier, text_chars

FACTS, SOURCES, LEGAL, QUESTIONS, DEMANDS = 500, 200, 200, 100, 100
THEMES, DIVERGENCES, TIMELINE, KEY_POINTS = 50, 50, 200, 12
STAKEHOLDERS, ESTABLISHMENTS = 100, 200
KINDS = ["press", "official", "union", "legal-text", "case-law", "other"]
SUBJECTS = [
    "la charge de travail",
    "les horaires",
    "la formation",
    "les données personnelles",
    "les effectifs",
    "le télétravail",
    "la sécurité",
    "les salaires",
    "l’organisation des équipes",
    "les outils numériques",
]
SNAPSHOTS = 5
"""The first sources carry an archived text, which their facts quote."""
MEETING = dt.date(2026, 12, 15)


def subject(n: int) -> str:
    return SUBJECTS[n % len(SUBJECTS)]


def long_text(n: int, length: int) -> str:
    """About `length` characters of plain French sentences, different for each `n`."""
    sentences: list[str] = []
    i = 0
    while len(" ".join(sentences)) < length - 120:
        sentences.append(
            f"Le point {n}.{i} concerne {subject(n + i)} et reste à préciser par la direction."
        )
        i += 1
    return " ".join(sentences)


def when(n: int) -> str:
    """A year, a month or a day, in turn: a timeline event's three precisions."""
    return ["2026", f"2026-{1 + n % 12:02d}", f"2026-{1 + n % 11:02d}-{1 + n % 28:02d}"][n % 3]


def source(n: int, folder: Path) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": f"source-{n}",
        "title": f"Rapport numéro {n} sur {subject(n)}",
        "publisher": f"Éditeur {n % 17}",
        "author": f"Camille Auteur {n}",
        "date": dt.date(2026, 1 + n % 10, 1 + n % 28),
        "url": f"https://example.org/sources/{n}",
        "kind": KINDS[n % len(KINDS)],
        "note": f"Document transmis aux élus, fiabilité moyenne ({n}).",
    }
    if n % 7 == 3:
        entry["title"] = f"Report number {n} on working time"
        entry["lang"] = "en"
    if n < SNAPSHOTS:
        text = f"Archive du rapport {n}. La direction écrit : « {quote(n)} ». Fin.\n"
        path = folder / "sources" / f"source-{n}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        entry["snapshot"] = f"sources/source-{n}.txt"
        entry["sha256"] = hashlib.sha256(text.encode()).hexdigest()
    return entry


def quote(n: int) -> str:
    return f"nous étudierons le projet {n} avec attention"


def fact(n: int) -> dict[str, Any]:
    length = 3900 if n % 100 == 7 else 240
    entry: dict[str, Any] = {
        "id": f"fait-{n}",
        "statement": f"Le constat {n} porte sur {subject(n)}. " + long_text(n, length),
    }
    if n % 3 == 0:
        entry |= {"value": 100 + n, "unit": "salariés", "label": f"concernés par le volet {n}"}
    if n % 25 == 1:
        entry["union_position"] = True
    else:
        entry["sources"] = [f"source-{n % SOURCES}", f"source-{(n + 1) % SOURCES}"]
    if n < SNAPSHOTS:
        entry["quote"] = {"text": quote(n), "by": "la direction"}
    if n % 4 == 2:
        entry["said_by"] = "la direction"
    if n % 5 == 0:
        entry["as_of"] = dt.date(2026, 10, 1 + n % 28)
    if n % 10 == 9:
        entry["audience"] = "reps"
    if n % 6 == 5 and "sources" in entry:
        entry["status"] = "unverified"
    elif n % 6 == 4:
        entry["status"] = "established"
    if n < 2 * DIVERGENCES:
        entry["topic"] = f"sujet-{n // 2}"
    return entry


def dossier() -> dict[str, Any]:
    return {
        "id": "maximal",
        "title": "Un dossier à toutes les limites",
        "subtitle": "Chaque liste à son maximum, chaque champ facultatif rempli",
        "organisation": "Employeur Maximal",
        "lang": "fr",
        "date": dt.date(2026, 11, 20),
        "meeting": {
            "instance": "CSE central",
            "establishment": "Siège",
            "date": MEETING,
            "agenda_item": "Information-consultation sur la réorganisation",
            "unions": ["Syndicat Un", "Syndicat Deux", "Syndicat Trois"],
            "questions_by": dt.date(2026, 12, 5),
        },
        "key_points": [
            {"text": f"Le point clé {n} résume {subject(n)}.", "facts": [f"fait-{n * 3}"]}
            for n in range(KEY_POINTS)
        ],
    }


def lists() -> dict[str, list[dict[str, Any]]]:
    """Every list of the dossier but its sources and facts."""
    return {
        "divergences": [
            {
                "id": f"divergence-{n}",
                "subject": f"Les sources divergent sur le sujet {n}.",
                "facts": [f"fait-{2 * n}", f"fait-{2 * n + 1}"],
                "comment": f"Il faut demander la source du chiffre {n} en séance.",
            }
            for n in range(DIVERGENCES)
        ],
        "themes": [
            {
                "id": f"theme-{n}",
                "title": f"Thème {n} : {subject(n)}",
                "summary": long_text(n, 600 if n % 10 else 3900),
                "facts": [f"fait-{n + THEMES * i}" for i in range(FACTS // THEMES)],
            }
            for n in range(THEMES)
        ],
        "timeline": [
            {
                "when": when(n),
                "what": f"Étape {n} du projet, consacrée à {subject(n)}.",
                "facts": [f"fait-{n}"],
            }
            for n in range(TIMELINE)
        ],
        "stakeholders": [
            {
                "id": f"partie-{n}",
                "name": f"Partie prenante {n}",
                "role": f"Elle intervient sur {subject(n)}.",
                "facts": [f"fait-{n}"],
            }
            for n in range(STAKEHOLDERS)
        ],
        "legal": [
            {
                "id": f"article-{n}",
                "code": "Code du travail",
                "article": f"L{2312 + n // 50}-{n % 50 + 1}",
                "paraphrase": f"Le CSE est consulté sur {subject(n)} (référence {n}).",
                "url": f"https://www.legifrance.gouv.fr/codes/article_lc/LEGIARTI{n:012d}",
            }
            for n in range(LEGAL)
        ],
        "questions": [
            {
                "id": f"question-{n}",
                "text": f"Quelles mesures la direction prévoit-elle sur {subject(n)} ({n}) ?"
                + (" " + long_text(n, 2000) if n % 25 == 0 else ""),
                "facts": [f"fait-{(5 * n) % FACTS}", f"fait-{(5 * n + 2) % FACTS}"],
                "legal": [f"article-{n}", f"article-{n + QUESTIONS}"],
                "audience": "reps" if n % 10 == 7 else "public",
            }
            for n in range(QUESTIONS)
        ],
        "demands": [
            {
                "id": f"demande-{n}",
                "text": f"Nous demandons un engagement écrit sur {subject(n)} ({n}).",
                "facts": [f"fait-{(5 * n + 3) % FACTS}"],
                "legal": [f"article-{n}"],
            }
            for n in range(DEMANDS)
        ],
        "establishments": [
            {
                "id": f"site-{n}",
                "name": f"Site numéro {n}",
                "instance": "CSE d'établissement",
                "meeting_date": dt.date(2026, 12, 1 + n % 14),
                "contact": f"elus-site-{n}@example.org",
                "facts": [f"fait-{(n + i) % FACTS}" for i in range(10)],
            }
            for n in range(ESTABLISHMENTS)
        ],
    }


def documents() -> dict[str, Any]:
    return {
        "tract": {
            "headline": "Réorganisation : vos droits",
            "call_to_action": "Venez en parler à vos élus avant la séance du 15 décembre.",
            "contact": "elus@example.org, au local syndical, bâtiment B",
            "points": 8,
            "facts": ["fait-0", "fait-3", "fait-6"],
        },
        "declaration": {
            "opening": [
                "Nous ouvrons cette séance sur la réorganisation, présentée sans étude d’impact.",
                "Les salariés attendent des réponses précises.",
            ],
            "closing": ["Nous demandons une information-consultation complète du CSE."],
        },
        "opinion": {
            "considerations": [
                {"text": f"le volet {n} touche {subject(n)} ;", "facts": [f"fait-{n * 3}"]}
                for n in range(10)
            ],
            "conclusion": "Le CSE rend un avis négatif faute d’information suffisante.",
        },
    }


def write(folder: Path) -> Path:
    """Write the maximal dossier into `folder` (created) and return it."""
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, dict[str, Any]] = {
        "dossier.yaml": dossier(),
        "sources.yaml": {"sources": [source(n, folder) for n in range(SOURCES)]},
        "facts.yaml": {"facts": [fact(n) for n in range(FACTS)]},
        "documents.yaml": documents(),
        **{f"{name}.yaml": {name: items} for name, items in lists().items()},
    }
    for name, content in files.items():
        dump(folder / name, content)
    return folder


def dump(path: Path, content: Any) -> None:
    text = yaml.safe_dump(content, allow_unicode=True, sort_keys=False, width=100)
    path.write_text(text, encoding="utf-8")


PRINTED = {"facts": "statement", "themes": "summary", "questions": "text", "demands": "text"}
"""The texts the briefing note prints at length, by list."""


def write_largest(folder: Path, total: int) -> Path:
    """The maximal dossier with its printed texts (PRINTED) lengthened evenly until it
    holds at most `total` characters of text in all: the slowest dossier a bound on the
    text lets through (README, « Limits on input »).  Return its folder."""
    write(folder)
    items = {name: yaml.safe_load((folder / f"{name}.yaml").read_text()) for name in PRINTED}
    count = sum(len(content[name]) for name, content in items.items())
    extra = (total - text_chars(load_dossier(folder))) // count
    for name, content in items.items():
        for n, item in enumerate(content[name]):
            text = item[PRINTED[name]] + " " + long_text(n, extra + 200)
            item[PRINTED[name]] = text[: min(4000, len(item[PRINTED[name]]) + extra)].rstrip()
        dump(folder / f"{name}.yaml", content)
    return folder
