"""`briefgen diff`: what changed between two versions of a dossier, as the reps read it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from briefgen.cli import main
from conftest import MINIMAL, pdf_text


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def change(folder: Path) -> None:
    """The changes every test looks for: one fact added (reps only), one changed, a source
    renamed, a question removed, the meeting moved."""
    facts = folder / "facts.yaml"
    replace(facts, "Le test a lieu sur trois sites.", "Le test a lieu sur quatre sites.")
    replace(
        facts,
        "\nthemes:",
        "\n  - id: greve\n    statement: Un préavis de grève est envisagé.\n"
        "    union_position: true\n    audience: reps\nthemes:",
    )
    replace(folder / "facts.yaml", "facts: [outil-teste, sites, consultation]",
            "facts: [outil-teste, sites, consultation, greve]")  # fmt: skip
    replace(folder / "sources.yaml", "title: Note de la direction", "title: Note de service")
    replace(
        folder / "facts.yaml",
        "questions:\n  - id: q-consultation\n    text: Quand le CSE sera-t-il consulté ?\n"
        "    facts: [consultation]\n    legal: [l2312-8]\n",
        "questions:\n  - id: q-calendrier\n    text: Quel est le calendrier ?\n"
        "    facts: [consultation]\n    legal: [l2312-8]\n",
    )
    replace(folder / "dossier.yaml", "  date: 2026-12-01", "  date: 2026-12-15")


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    old, new = tmp_path / "avant", tmp_path / "apres"
    shutil.copytree(MINIMAL, old)
    shutil.copytree(MINIMAL, new)
    change(new)
    return old, new


def test_text_lists_exactly_the_changes(versions: tuple[Path, Path]) -> None:
    old, new = versions
    code, out, err = invoke("diff", str(old), str(new))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "facts:",
        "  ~ sites: Le test a lieu sur quatre sites. [statement]",
        "  + greve: Un préavis de grève est envisagé.",
        "sources:",
        "  ~ direction: Note de service [title]",
        "questions:",
        "  + q-calendrier: Quel est le calendrier ?",
        "  - q-consultation: Quand le CSE sera-t-il consulté ?",
        "meeting:",
        "  ~ date: 2026-12-01 → 2026-12-15",
        "2 added, 1 removed, 3 changed",
    ]


def test_json_for_tools_and_public_leaves_out_reps_only_items(
    versions: tuple[Path, Path],
) -> None:
    old, new = versions
    code, out, _ = invoke("diff", str(old), str(new), "--format", "json")
    assert code == 0
    report = json.loads(out)
    found = [(c["table"], c["id"], c["kind"]) for c in report["changes"]]
    assert found == [
        ("facts", "sites", "changed"),
        ("facts", "greve", "added"),
        ("sources", "direction", "changed"),
        ("questions", "q-calendrier", "added"),
        ("questions", "q-consultation", "removed"),
        ("meeting", None, "changed"),
    ]
    assert report["changes"][0]["before"]["statement"] == "Le test a lieu sur trois sites."
    code, out, _ = invoke("diff", str(old), str(new), "--format", "json", "--public")
    assert "greve" not in out and json.loads(out)["changes"][0]["id"] == "sites"


def test_the_same_dossier_has_no_change(tmp_path: Path) -> None:
    code, out, _ = invoke("diff", str(MINIMAL), str(MINIMAL))
    assert (code, out) == (0, "no change\n")


def test_an_older_git_revision_of_the_dossier(tmp_path: Path) -> None:
    folder = tmp_path / "ws" / "seeds" / "minimal"
    shutil.copytree(MINIMAL, folder)
    git = ["git", "-c", "user.name=Élu", "-c", "user.email=elu@example.org"]
    for command in (["init", "-q"], ["add", "."], ["commit", "-q", "-m", "séance de novembre"]):
        subprocess.run([*git, *command], cwd=tmp_path / "ws", check=True, capture_output=True)
    change(folder)
    code, out, err = invoke("diff", "HEAD", str(folder))
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "2 added, 1 removed, 3 changed"
    code, _, err = invoke("diff", "v0-inconnue", str(folder))
    assert code == 2
    assert (
        err == "error: v0-inconnue: 'v0-inconnue' is neither a dossier folder nor a git revision\n"
    )


def test_the_changes_document_for_the_reps(versions: tuple[Path, Path], tmp_path: Path) -> None:
    old, new = versions
    out_dir = tmp_path / "out"
    code, out, err = invoke("diff", str(old), str(new), "--doc", "changes", "--out", str(out_dir))
    assert code == 0, err
    pdf = out_dir / "minimal" / "ce-qui-a-change.pdf"
    assert out.splitlines()[-1] == f"wrote {pdf}"
    assert len(PdfReader(pdf).pages) == 1
    text = pdf_text(pdf)
    assert "Ce qui a changé depuis la dernière séance" in text
    for expected in ("Le test a lieu sur quatre sites.", "Un préavis de grève", "Note de service",
                     "Quel est le calendrier", "15 décembre 2026"):  # fmt: skip
        assert expected in text.replace("’", "'"), expected
    code, _, err = invoke(
        "diff", str(old), str(new), "--doc", "changes", "--out", str(out_dir), "--public"
    )
    assert code == 0, err
    assert "grève" not in pdf_text(pdf)
