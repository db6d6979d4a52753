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
from briefgen.load import load_dossier
from conftest import EXAMPLE, MINIMAL, ROOT, pdf_text, seeded


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
        "  ~ sites: Le test a lieu sur quatre sites.",
        "      statement: Le test a lieu sur trois sites. → Le test a lieu sur quatre sites.",
        "  + greve: Un préavis de grève est envisagé.",
        "sources:",
        "  ~ direction: Note de service",
        "      title: Note de la direction → Note de service",
        "themes:",
        "  ~ outil: L'outil",
        "      facts: outil-teste, sites, consultation → outil-teste, sites, consultation, greve",
        "questions:",
        "  + q-calendrier: Quel est le calendrier ?",
        "  - q-consultation: Quand le CSE sera-t-il consulté ?",
        "meeting:",
        "  ~ date: 2026-12-01 → 2026-12-15",
        "2 added, 1 removed, 4 changed",
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
        ("themes", "outil", "changed"),
        ("questions", "q-calendrier", "added"),
        ("questions", "q-consultation", "removed"),
        ("meeting", None, "changed"),
    ]
    assert report["changes"][0]["before"]["statement"] == "Le test a lieu sur trois sites."
    assert report["changes"][-1]["fields"] == [
        {"field": "date", "old": "2026-12-01", "new": "2026-12-15"}
    ]
    code, out, _ = invoke("diff", str(old), str(new), "--format", "json", "--public")
    public = json.loads(out)["changes"]
    # The reps-only fact is left out, and so is the theme that changed only by citing it.
    assert "greve" not in out and [c["id"] for c in public][:3] == [
        "sites",
        "direction",
        "q-calendrier",
    ]


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
    assert out.splitlines()[-1] == "2 added, 1 removed, 4 changed"
    # On paper, the older version is named by its commit: "HEAD" means another one tomorrow.
    out_dir = tmp_path / "out"
    code, _, err = invoke("diff", "HEAD", str(folder), "--doc", "changes", "--out", str(out_dir))
    assert code == 0, err
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=folder, text=True,
                          capture_output=True, check=True).stdout.strip()  # fmt: skip
    assert f"version {head} → version minimal" in pdf_text(
        out_dir / "minimal" / "ce-qui-a-change.pdf"
    )
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


BUILT_IN = [*sorted(p.parent for p in (ROOT / "seeds").glob("*/dossier.yaml")), EXAMPLE]
OLD_STATEMENT = (
    "La direction déploie en un mois un outil de planification des horaires pour 120 "
    "salariés du site."
)
NEW_STATEMENT = OLD_STATEMENT.replace("en un mois", "en trois mois")
FORMATION = (
    "\n  - id: q-formation\n    text: Quelle formation est prévue ?\n"
    "    facts: [deploiement]\n\ndemands:"
)


@pytest.fixture
def example(tmp_path: Path) -> tuple[Path, Path]:
    """Two versions of the `briefgen init` example, dated the same day: the newer one
    moves a deadline from one month to three, renames a source, rewords a question,
    drops a question and adds a public fact and a reps-only one."""
    old, new = tmp_path / "avant", tmp_path / "apres"
    for folder in (old, new):
        shutil.copytree(EXAMPLE, folder)
        replace(
            folder / "facts.yaml",
            "La direction déploie un outil",
            "La direction déploie en un mois un outil",
        )
    replace(old / "facts.yaml", "\n\ndemands:", FORMATION)
    replace(new / "facts.yaml", "en un mois", "en trois mois")
    replace(new / "sources.yaml", "title: Un outil pour mieux planifier",
            "title: Un outil pour mieux planifier vos horaires")  # fmt: skip
    replace(new / "facts.yaml", "Quand le CSE sera-t-il consulté sur cet outil ?",
            "Quand et comment le CSE sera-t-il consulté sur cet outil ?")  # fmt: skip
    replace(
        new / "facts.yaml",
        "\n\nthemes:",
        "\n  - id: horaires\n    statement: Les horaires sont publiés une semaine à l'avance.\n"
        "    union_position: true\n"
        "  - id: greve\n    statement: Un préavis de grève est envisagé.\n"
        "    union_position: true\n    audience: reps\n\nthemes:",
    )
    return old, new


def test_text_shows_old_and_new_of_every_changed_field(example: tuple[Path, Path]) -> None:
    old, new = example
    code, out, err = invoke("diff", str(old), str(new))
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "facts:",
        f"  ~ deploiement: {NEW_STATEMENT}",
        f"      statement: {OLD_STATEMENT} → {NEW_STATEMENT}",
        "  + horaires: Les horaires sont publiés une semaine à l'avance.",
        "  + greve: Un préavis de grève est envisagé.",
        "sources:",
        "  ~ journal-interne: Un outil pour mieux planifier vos horaires",
        "      title: Un outil pour mieux planifier → Un outil pour mieux planifier vos horaires",
        "questions:",
        "  ~ q-consultation: Quand et comment le CSE sera-t-il consulté sur cet outil ?",
        "      text: Quand le CSE sera-t-il consulté sur cet outil ? → "
        "Quand et comment le CSE sera-t-il consulté sur cet outil ?",
        "  - q-formation: Quelle formation est prévue ?",
        "2 added, 1 removed, 3 changed",
    ]
    code, out, _ = invoke("diff", str(old), str(new), "--public")
    assert "greve" not in out and "horaires: Les horaires" in out


def test_json_gives_each_changed_field_with_old_and_new(example: tuple[Path, Path]) -> None:
    old, new = example
    code, out, _ = invoke("diff", str(old), str(new), "--format", "json")
    assert code == 0
    fields = {c["id"]: c["fields"] for c in json.loads(out)["changes"]}
    assert fields["deploiement"] == [
        {"field": "statement", "old": OLD_STATEMENT, "new": NEW_STATEMENT}
    ]
    assert fields["journal-interne"] == [
        {
            "field": "title",
            "old": "Un outil pour mieux planifier",
            "new": "Un outil pour mieux planifier vos horaires",
        }
    ]
    assert fields["q-consultation"][0]["old"] == "Quand le CSE sera-t-il consulté sur cet outil ?"
    assert (fields["q-formation"], fields["horaires"]) == ([], [])


def test_the_changes_document_shows_old_and_new(example: tuple[Path, Path], tmp_path: Path) -> None:
    """On paper: a long text is printed before and now in full, the words taken out struck
    through and those put in underlined; a short one as « old → new »; the header names
    the two versions when they bear the same date."""
    old, new = example
    out_dir = tmp_path / "out"
    code, _, err = invoke("diff", str(old), str(new), "--doc", "changes", "--out", str(out_dir))
    assert code == 0, err
    pdf = out_dir / "exemple" / "ce-qui-a-change.pdf"
    text = pdf_text(pdf).replace("’", "'")
    for expected in (
        "Deux versions du dossier du 20 novembre 2026 : version avant → version apres",
        f"Énoncé : Avant : {OLD_STATEMENT} Maintenant : {NEW_STATEMENT}",
        "Titre : Un outil pour mieux planifier → Un outil pour mieux planifier vos horaires",
        "Maintenant : Quand et comment le CSE",
        "RETIRÉ Quelle formation est prévue ?",
        "NOUVEAU Les horaires sont publiés",
        "Un préavis de grève",
    ):
        assert expected in text, expected
    html = _changes_html(old, new)
    assert "en <del>un</del> mois" in html and "en <ins>trois</ins> mois" in html
    code, _, err = invoke(
        "diff", str(old), str(new), "--doc", "changes", "--out", str(out_dir), "--public"
    )
    assert code == 0, err
    assert "grève" not in pdf_text(pdf) and "Les horaires sont publiés" in pdf_text(pdf)


def _changes_html(old: Path, new: Path) -> str:
    from briefgen import changes
    from briefgen.build import CHANGES, Options, render_document
    from briefgen.workspace import Config, Workspace

    before, after = load_dossier(old), load_dossier(new)
    view = changes.document_view(changes.compare(before, after), before, after, "a", "b")
    workspace = Workspace(new.parent, Config())
    built = render_document(after, CHANGES, Options(formats=("html",)), workspace,
                            extra={"changes": view})  # fmt: skip
    return built.files["html"].decode()


@pytest.mark.parametrize("dossier", BUILT_IN, ids=lambda path: path.name)
def test_every_built_in_dossier_shows_a_changed_statement(dossier: Path, tmp_path: Path) -> None:
    old, new = tmp_path / "avant", tmp_path / "apres"
    shutil.copytree(dossier, old)
    shutil.copytree(dossier, new)
    assert invoke("diff", str(old), str(new))[1] == "no change\n"
    first = load_dossier(new).facts[0]
    opening = f"- id: {first.id}\n    statement: "
    facts = next(path for path in new.glob("*.yaml") if opening in path.read_text("utf-8"))
    text = facts.read_text("utf-8")
    folded = f"{opening}>-\n" in text
    put = f"{opening}>-\n      Désormais\n" if folded else f"{opening}Désormais "
    facts.write_text(text.replace(f"{opening}>-\n" if folded else opening, put, 1), "utf-8")
    code, out, err = invoke("diff", str(old), str(new), "--format", "json")
    assert (code, err) == (0, "")
    (found,) = json.loads(out)["changes"]
    assert found["fields"] == [
        {
            "field": "statement",
            "old": first.statement,
            "new": f"Désormais {first.statement}",
        }
    ]
    out_dir = tmp_path / "out"
    code, _, err = invoke("diff", str(old), str(new), "--doc", "changes", "--out", str(out_dir))
    assert code == 0, err
    text = pdf_text(out_dir / load_dossier(new).id / "ce-qui-a-change.pdf")
    assert f"Maintenant : Désormais {first.statement[:20]}" in text.replace("’", "'")


def test_by_default_what_changed_since_the_previous_meeting(tmp_path: Path) -> None:
    """With no OLD, the dossier as committed on the day of its previous meeting (5 November
    2026) is compared: a commit of that day counts, a later one does not."""
    root = tmp_path / "ws"
    folder = seeded(root, MINIMAL)
    replace(
        folder / "dossier.yaml",
        "meeting:\n",
        "past_meetings:\n  - instance: CSE\n    date: 2026-11-05\n    agenda_item: Un point.\n"
        "meeting:\n",
    )
    git = ["git", "-c", "user.name=Élu", "-c", "user.email=elu@example.org"]

    def commit(message: str, when: str) -> None:
        dated = {"GIT_AUTHOR_DATE": when, "GIT_COMMITTER_DATE": when, "PATH": "/usr/bin:/bin"}
        for command in (["add", "."], ["commit", "-q", "-m", message]):
            subprocess.run([*git, *command], cwd=root, check=True, capture_output=True, env=dated)

    subprocess.run([*git, "init", "-q"], cwd=root, check=True, capture_output=True)
    commit("avant la séance", "2026-11-05T20:00:00")
    replace(
        folder / "facts.yaml", "Le test a lieu sur trois sites.", "Le test a lieu sur dix sites."
    )
    commit("après la séance", "2026-11-20T09:00:00")
    # A single argument is OLD: to name the dossier, last-meeting is spelled out.
    result = CliRunner().invoke(main, ["--ui-lang", "en", "diff", "last-meeting", str(folder)])
    assert result.exit_code == 0, result.output
    assert "Le test a lieu sur trois sites. → Le test a lieu sur dix sites." in result.output

    bare = tmp_path / "ws2" / "seeds" / "minimal"
    shutil.copytree(MINIMAL, bare)
    result = CliRunner().invoke(main, ["--ui-lang", "fr", "diff", "last-meeting", str(bare)])
    assert result.exit_code == 2
    assert "n’a pas de séance antérieure" in result.output.replace("'", "’")
