"""One dossier, one footer: every establishment's variant of a document names the same
dossier (the hash of the dossier as read) as the note made from it, with its establishment
beside it, and `briefgen verify` still finds it up to date."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen.load import display_path
from conftest import FIRST_DOSSIER, invoke_in, pdf_text

ESTABLISHMENTS = """\
establishments:
  - id: lyon
    name: Site de Lyon
    instance: CSE d'établissement de Lyon
  - id: cote-d-azur
    name: Site de la Côte d'Azur
    instance: CSE d'établissement de la Côte d'Azur
    meeting_date: 2026-12-17
"""

NAMES = {
    "exemple": {"lyon": "Site de Lyon", "cote-d-azur": "Site de la Côte d’Azur"},
    "france-travail-linkedin": {"normandie": "Normandie", "hauts-de-france": "Hauts-de-France"},
}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace made by `briefgen init`, its example given two establishments, beside a
    copy of the first dossier; each built whole and once per establishment."""
    root = tmp_path_factory.mktemp("trace")
    code, _, err = invoke_in(root, "init", str(root / "ws"))
    assert code == 0, err
    workspace = root / "ws"
    (workspace / "seeds" / "exemple" / "establishments.yaml").write_text(
        ESTABLISHMENTS, encoding="utf-8"
    )
    shutil.copytree(FIRST_DOSSIER, workspace / "seeds" / "france-travail-linkedin")
    for dossier in NAMES:
        code, _, err = invoke_in(workspace, "build", dossier, "--doc", "note")
        assert code == 0, err
        code, _, err = invoke_in(
            workspace, "build", dossier, "--doc", "tract", "--doc", "questions",
            "--each", "establishment",
        )  # fmt: skip
        assert code == 0, err
    return workspace


def record(pdf: Path) -> dict[str, dict[str, str]]:
    entry: dict[str, dict[str, str]] = json.loads(PdfReader(pdf).attachments["provenance.json"][0])
    return entry


def note_hash(workspace: Path, dossier: str) -> str:
    """The dossier's short hash, as the whole dossier's note prints it."""
    text = pdf_text(workspace / "output" / dossier / "note-de-briefing.pdf")
    found = re.search(r"dossier ([0-9a-f]{7}) · 20/11/2026", text)
    assert found, text
    return found.group(1)


@pytest.mark.parametrize("dossier", list(NAMES))
@pytest.mark.parametrize("kind", ["tract", "questions-ecrites"])
def test_each_variant_prints_the_hash_of_the_whole_dossier_and_its_establishment(
    workspace: Path, dossier: str, kind: str
) -> None:
    """On every page of every variant (`kind`: the file's name without its establishment)."""
    short = note_hash(workspace, dossier)
    for establishment, name in NAMES[dossier].items():
        pdf = workspace / "output" / dossier / f"{kind}-{establishment}.pdf"
        pages = PdfReader(pdf).pages
        for page in pages:
            text = " ".join((page.extract_text() or "").replace("\u00a0", " ").split())
            assert f"dossier {short} · {name} · 20/11/2026" in text, text


@pytest.mark.parametrize("dossier", list(NAMES))
def test_the_whole_dossiers_note_names_no_establishment(workspace: Path, dossier: str) -> None:
    text = pdf_text(workspace / "output" / dossier / "note-de-briefing.pdf")
    assert not any(f"· {name} ·" in text for name in NAMES[dossier].values())


@pytest.mark.parametrize("dossier", list(NAMES))
def test_each_variants_record_keeps_the_dossiers_hash_and_names_its_establishment(
    workspace: Path, dossier: str
) -> None:
    whole = record(workspace / "output" / dossier / "note-de-briefing.pdf")["dossier"]["sha256"]
    for establishment in NAMES[dossier]:
        entry = record(workspace / "output" / dossier / f"tract-{establishment}.pdf")
        assert entry["dossier"]["sha256"] == whole
        assert entry["document"]["establishment"] == establishment


@pytest.mark.parametrize("dossier", list(NAMES))
def test_verify_finds_each_variant_up_to_date(workspace: Path, dossier: str) -> None:
    short = note_hash(workspace, dossier)
    where = display_path(workspace / "seeds" / dossier)
    for establishment in NAMES[dossier]:
        pdf = workspace / "output" / dossier / f"questions-ecrites-{establishment}.pdf"
        code, out, err = invoke_in(workspace, "verify", str(pdf))
        assert (code, err) == (0, ""), out
        assert out == f"{display_path(pdf)}: up to date with {where} (dossier {short})\n"


def test_verify_says_a_variant_is_out_of_date_when_the_dossier_changed(
    workspace: Path, tmp_path: Path
) -> None:
    changed = tmp_path / "ws"
    shutil.copytree(workspace / "seeds", changed / "seeds")
    (changed / "briefgen.toml").write_text("")
    dossier = changed / "seeds" / "exemple" / "dossier.yaml"
    text = dossier.read_text(encoding="utf-8")
    dossier.write_text(text.replace("Ce que nous savons", "Ce que nous savons déjà"), "utf-8")
    pdf = workspace / "output" / "exemple" / "tract-lyon.pdf"
    code, out, _ = invoke_in(changed, "verify", str(pdf))
    assert code == 1 and "out of date" in out.splitlines()[0], out
    assert f"(dossier {note_hash(workspace, 'exemple')} then, " in out


def test_a_variant_builds_to_the_same_bytes_twice(workspace: Path, tmp_path: Path) -> None:
    made = []
    for run_ in ("a", "b"):
        code, _, err = invoke_in(
            workspace, "build", "exemple", "--doc", "tract", "--each", "establishment",
            "--out", str(tmp_path / run_),
        )  # fmt: skip
        assert code == 0, err
        made.append((tmp_path / run_ / "exemple" / "tract-cote-d-azur.pdf").read_bytes())
    assert made[0] == made[1]
    assert made[0] == (workspace / "output" / "exemple" / "tract-cote-d-azur.pdf").read_bytes()
