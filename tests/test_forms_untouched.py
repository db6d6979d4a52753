"""Blank means blank, untouched means unchanged: every add form and every edit form of every
item of every built-in dossier, saved as a hurried rep would, leaves the YAML as expected."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from flask.testing import FlaskClient

from briefgen.web import create_app
from briefgen.web.parts import SECTIONS, TABLES
from briefgen.workspace import find_workspace
from conftest import MINIMAL, ROOT, seeded
from pages import Form, flashes, open_form, submit

TODAY = dt.date(2026, 11, 23)
BUILT_IN = sorted(
    [
        *(ROOT / "seeds").iterdir(),
        *(ROOT / "briefgen" / "scaffold" / "seeds").iterdir(),
        MINIMAL,
        MINIMAL.parent / "requis",
    ]
)
"""The dossiers shipped (the seeds and the example `briefgen init` writes), the small one
and the one with only what a dossier requires (no tract, declaration or opinion)."""


def _client(tmp_path: Path, source: Path) -> tuple[FlaskClient, Path]:
    root = tmp_path / "ws"
    folder = seeded(root, source)
    app = create_app(find_workspace(root), today=TODAY)
    app.config["TESTING"] = True
    return app.test_client(), folder


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*.yaml")}


def _items(folder: Path, key: str) -> list[dict[str, object]]:
    for path in folder.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if key in data:
            return list(data[key])
    return []


@pytest.mark.parametrize("source", BUILT_IN, ids=lambda p: p.name)
def test_every_form_saved_unchanged_writes_nothing(tmp_path: Path, source: Path) -> None:
    client, folder = _client(tmp_path, source)
    before = _files(folder)
    base = f"/d/{source.name}"
    urls = [f"{base}/section/{name}" for name in SECTIONS]
    for key, part in TABLES.items():
        for index, item in enumerate(_items(folder, key)):
            ref = item["id"] if part.by_id else index
            urls.append(f"{base}/edit/{key}/item/{ref}")
    assert len(urls) > len(SECTIONS)
    for url in urls:
        response = submit(client, open_form(client, url))
        assert response.status_code == 303, url
        said = flashes(client.get(response.headers["Location"]).get_data(as_text=True))
        assert said == ["Rien n’a changé : rien n’a été enregistré."], (url, said)
        assert _files(folder) == before, url
    assert not (tmp_path / "ws" / ".briefgen" / "history" / source.name).exists()


def _required_only(form: Form, key: str, folder: Path) -> dict[str, str | list[str]]:
    """Plausible values for the required inputs of a new item of `key`, and nothing else."""
    facts = [str(f["id"]) for f in _items(folder, "facts")]
    typed: dict[str, dict[str, str | list[str]]] = {
        "sources": {"title": "Un article", "publisher": "Un journal", "kind": "press"},
        "facts": {"statement": "Un fait.", "sources": [str(_items(folder, "sources")[0]["id"])]},
        "divergences": {"subject": "Un désaccord", "facts": facts[:2]},
        "themes": {"title": "Un thème", "facts": facts[:1]},
        "key_points": {"text": "Un point.", "facts": facts[:1]},
        "timeline": {"when": "2026-03", "what": "Un événement.", "facts": facts[:1]},
        "stakeholders": {"name": "Un acteur", "role": "Son rôle."},
        "legal": {"code": "Code du travail", "article": "L2312-8", "paraphrase": "Ce qu'il dit."},
        "questions": {"text": "Une question ?"},
        "demands": {"text": "Une revendication."},
        "establishments": {"name": "Un établissement"},
        "past_meetings": {"instance": "CSE", "date": "2026-10-06", "agenda_item": "Un point."},
        "commitments": {"text": "Un engagement.", "made_on": "2026-10-06"},
        "consultations": {"subject": "Un projet."},
    }
    return typed[key]


@pytest.mark.parametrize("source", BUILT_IN, ids=lambda p: p.name)
@pytest.mark.parametrize("key", list(TABLES))
def test_a_new_item_with_only_its_required_fields_writes_only_them(
    tmp_path: Path, source: Path, key: str
) -> None:
    client, folder = _client(tmp_path, source)
    if key == "divergences" and len(_items(folder, "facts")) < 2:
        pytest.skip("a divergence needs two facts, and this dossier has one")
    form = open_form(client, f"/d/{source.name}/edit/{key}/new")
    blank = {name: value for name, value in form.fields if name != "csrf" and ":" not in name}
    assert all(value == "" for value in blank.values()), blank  # nothing prefilled, no box ticked
    typed = _required_only(form, key, folder)
    response = submit(client, form.fill(**typed))
    assert response.status_code == 303, response.get_data(as_text=True)[-3000:]

    written = {  # a date reads back as a date
        k: v.isoformat() if isinstance(v, dt.date) else v
        for k, v in _items(folder, key)[-1].items()
    }
    expected = {k: v for k, v in typed.items()}
    if TABLES[key].by_id:
        assert isinstance(written.pop("id"), str)
    assert written == expected
    for path in folder.rglob("*.yaml"):
        content = path.read_text(encoding="utf-8")
        assert "PydanticUndefined" not in content and "None" not in content, path.name
