"""`briefgen check` as a provenance linter: each rule fires on a dossier that breaks it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.cli import main
from briefgen.load import load_dossier
from conftest import FIRST_DOSSIER

Edit = Callable[[str, str, str], Path]
TODAY = "2026-11-01"  # before the minimal dossier's meeting (2026-12-01)


@pytest.fixture
def minimal(minimal: Path) -> Path:
    """The minimal dossier with its sources archived (snapshot and sha256), so that it
    checks clean: each test then sees only the finding it provokes."""
    sources = minimal / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    (minimal / "sources").mkdir()
    for source_id, kind in (("journal", "press"), ("direction", "official")):
        data = f"Texte archivé de la source {source_id}.\n".encode()
        (minimal / "sources" / f"{source_id}.txt").write_bytes(data)
        digest = hashlib.sha256(data).hexdigest()
        text = text.replace(
            f"    kind: {kind}\n",
            f"    kind: {kind}\n    snapshot: sources/{source_id}.txt\n    sha256: {digest}\n",
        )
    sources.write_text(text, encoding="utf-8")
    return minimal


def check(folder: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    result = CliRunner().invoke(main, ["check", str(folder), "--format", "json", *args])
    report = json.loads(result.stdout)
    return result.exit_code, report["findings"]


def codes(folder: Path, *args: str) -> list[str]:
    return [str(f["code"]) for f in check(folder, "--today", TODAY, *args)[1]]


def test_first_dossier_reports_its_divergences_and_unarchived_sources_only() -> None:
    code, findings = check(FIRST_DOSSIER, "--today", "2026-11-23")
    assert code == 0
    sources = len(load_dossier(FIRST_DOSSIER).sources)
    assert [f["code"] for f in findings] == ["W201", "W201"] + ["W501"] * sources
    assert [f["field"] for f in findings[2:]] == [
        f"sources[{index}].snapshot" for index in range(sources)
    ]
    assert "cinq régions ou cinq départements" in str(findings[0]["message"])
    assert "politique-france.info (pilote-cinq-regions) vs infos-it.fr" in str(
        findings[0]["message"]
    )
    assert findings[0]["file"] == "seeds/france-travail-linkedin/divergences.yaml"
    strict = CliRunner().invoke(
        main, ["check", str(FIRST_DOSSIER), "--strict", "--today", "2026-11-23"]
    )
    assert strict.exit_code == 1


def test_clean_dossier_exits_zero_even_with_strict(minimal: Path) -> None:
    assert check(minimal, "--today", TODAY, "--strict") == (0, [])


@pytest.mark.parametrize(
    ("file", "old", "new", "expected"),
    [
        ("facts.yaml", "sources: [journal]", "sources: [insee]", ["E101"]),
        ("facts.yaml", "  - id: sites", "  - id: outil-teste", ["E102", "E101"]),
        ("facts.yaml", "    sources: [direction]\n", "", ["E103"]),
        (
            "facts.yaml",
            "    union_position: true",
            "    union_position: true\n    sources: [journal]",
            ["E104"],
        ),
        ("sources.yaml", "    kind: official", "    kind: reader-comment", ["E106"]),
    ],
)
def test_error_rules(edit: Edit, file: str, old: str, new: str, expected: list[str]) -> None:
    folder = edit(file, old, new)
    code, findings = check(folder, "--today", TODAY)
    assert code == 2
    assert [f["code"] for f in findings] == expected
    assert all(f["severity"] == "error" and f["line"] for f in findings)


def test_unverified_reader_comment_is_accepted_but_kept_out_of_the_tract(
    edit: Edit, tmp_path: Path
) -> None:
    edit("sources.yaml", "    kind: official", "    kind: reader-comment")
    folder = edit(
        "facts.yaml", "    sources: [direction]", "    sources: [direction]\n    status: unverified"
    )
    assert codes(folder) == []


@pytest.fixture
def disagreeing(edit: Edit) -> Path:
    """The minimal dossier where two facts on one topic disagree (undeclared)."""
    edit(
        "facts.yaml",
        "    label: équipés de l'outil",
        "    label: équipés de l'outil\n    topic: effectif",
    )
    return edit(
        "facts.yaml",
        "    statement: Le test a lieu sur trois sites.",
        "    statement: Le test concerne quinze agents.\n    topic: effectif",
    )


def declare_divergence(folder: Path) -> None:
    (folder / "divergences.yaml").write_text(
        "divergences:\n  - id: effectif\n    subject: Combien d'agents ?\n"
        "    facts: [outil-teste, sites]\n",
        encoding="utf-8",
    )


def test_divergence_declared(disagreeing: Path) -> None:
    folder = disagreeing
    assert codes(folder) == ["W202"]  # undeclared
    declare_divergence(folder)
    code, findings = check(folder, "--today", TODAY)
    assert code == 0 and [f["code"] for f in findings] == ["W201"]
    assert findings[0]["message"] == (
        "divergence: Combien d'agents ? — Le Journal (outil-teste) vs Employeur Exemple (sites)"
    )


def test_divergence_is_shown_in_the_tract(disagreeing: Path, tmp_path: Path) -> None:
    folder = disagreeing
    declare_divergence(folder)
    result = CliRunner().invoke(
        main, ["build", str(folder), "-d", "tract", "-f", "md", "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    tract = (tmp_path / "out" / "minimal" / "tract.md").read_text(encoding="utf-8")
    assert tract.count("sources divergentes") == 2  # the figure and the key point


@pytest.mark.parametrize(
    ("file", "old", "new", "args", "expected"),
    [
        ("facts.yaml", "    unit: agents", "    unit: agents\n    as_of: 2024-06-01", (), "W301"),
        (
            "facts.yaml",
            "    unit: agents",
            "    unit: agents\n    as_of: 2026-06-01",
            ("--max-age", "30"),
            "W301",
        ),
        ("facts.yaml", "    unit: agents", "    unit: agents\n    as_of: 2027-01-01", (), "W302"),
        ("sources.yaml", "    date: 2026-10-15", "    date: 2027-01-15", (), "W302"),
        ("dossier.yaml", "id: minimal", "id: minimal", ("--today", "2027-01-01"), "W303"),
        (
            "facts.yaml",
            "    facts: [consultation]\n    legal: [l2312-8]",
            "    facts: []\n    legal: [l2312-8]",
            (),
            "W401",
        ),
        (
            "facts.yaml",
            "    facts: [consultation]\n    legal: [l2312-8]",
            "    facts: [consultation]\n    legal: []",
            (),
            "W402",
        ),
        (
            "dossier.yaml",
            "  contact: elus@example.org\n  facts: [outil-teste]",
            "  contact: elus@example.org\n  facts: [outil-teste, sites]",
            (),
            "W403",
        ),
        (
            "facts.yaml",
            "    label: équipés de l'outil",
            "    label: équipés de l'outil\n    status: unverified",
            (),
            "W403",
        ),
    ],
)
def test_warning_rules(
    edit: Edit, file: str, old: str, new: str, args: tuple[str, ...], expected: str
) -> None:
    folder = edit(file, old, new)
    if expected == "W402":  # the legal reference is then used by nothing: give it a demand
        (folder / "demands.yaml").write_text(
            "demands:\n  - id: d\n    text: Consulter le CSE.\n    legal: [l2312-8]\n"
        )
    result_codes = [str(f["code"]) for f in check(folder, "--today", TODAY, *args)[1]]
    assert result_codes == [expected]
    code = CliRunner().invoke(main, ["check", str(folder), "--today", TODAY, "--strict", *args])
    assert code.exit_code == 1


def test_text_output_is_one_line_per_finding_with_file_line_and_code(edit: Edit) -> None:
    folder = edit("facts.yaml", "    unit: agents", "    unit: agents\n    as_of: 2027-01-01")
    result = CliRunner().invoke(main, ["check", str(folder), "--today", TODAY])
    assert result.exit_code == 0
    assert result.stdout.splitlines() == [
        f"{folder}/facts.yaml:6: W302 facts[0].as_of: dated 2027-01-01, after the meeting of "
        "2026-12-01",
        f"{folder}: 0 error(s), 1 warning(s)",
    ]
