"""How long the page of `briefgen serve` takes to answer a rep: the dossier's page, a fact's
form, and opening then saving a fact.

Usage: .venv/bin/python bench/page_latency.py [--runs 7]

Makes a throw-away workspace with a copy of the first dossier and drives the application
through Flask's test client (no network, no browser), saving a real change each time.
Prints the median of each.  To compare two versions side by side, run it with
PYTHONPATH set to a checkout of the other version, then without, in turn.
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import re
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from flask.testing import FlaskClient

import briefgen
from briefgen.web import create_app
from briefgen.workspace import find_workspace

ROOT = Path(__file__).resolve().parent.parent
FACT = "/d/f/edit/facts/item/outil-rh"


def _median(action: Callable[[int], None], runs: int) -> float:
    times = []
    for run in range(runs):
        started = time.perf_counter()
        action(run)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _save(client: FlaskClient, run: int) -> None:
    page = client.get(FACT).get_data(as_text=True)
    token = re.search(r'name="csrf" value="([^"]+)"', page)
    statement = re.search(r'name="statement"[^>]*>(.*?)</textarea>', page, re.S)
    assert token and statement
    data = {
        "csrf": token.group(1),
        **dict(re.findall(r'name="(v:[^"]+)" value="([^"]+)"', page)),
        "statement": html.unescape(statement.group(1)),
        "sources": ["infos-it"],
        "id": "outil-rh",
        "said_by": f"la direction ({run})",
    }
    response = client.post(FACT, data=data)
    assert response.status_code == 303, response.status_code


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "ws"
        shutil.copytree(ROOT / "seeds" / "france-travail-linkedin", root / "seeds" / "f")
        (root / "briefgen.toml").write_text("")
        app = create_app(find_workspace(root), today=dt.date(2026, 11, 23))
        client = app.test_client()
        page = _median(lambda _: client.get("/d/f"), runs)
        form = _median(lambda _: client.get(FACT), runs)
        save = _median(lambda run: _save(client, run), runs)
    print(
        f"{Path(briefgen.__file__).parent}: dossier page {page:.3f} s, fact form {form:.3f} s, "
        f"open and save a fact {save:.3f} s (medians of {runs})"
    )


if __name__ == "__main__":
    main()
