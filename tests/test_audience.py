"""Who may read what, by what an item rests on: a question, a demand, a key point… resting
only on a reps-only fact, and a source or a legal reference only such items use, stay out of
every document for staff or management, of `briefgen diff --public` (text, JSON, the « Ce qui
a changé » PDF) and of the PDFs' provenance records; a demand gets its own audience."""

from __future__ import annotations

import html
import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from pydantic import BaseModel
from pypdf import PdfReader

from briefgen.build import DOCUMENTS
from briefgen.cli import main
from briefgen.load import load_dossier
from briefgen.models import Audience, Dossier, Visibility
from briefgen.web import create_app
from briefgen.workspace import find_workspace
from conftest import EXAMPLE, pdf_text

SECRET_SOURCE = """
  - id: source-secrete
    title: Rapport Zorgtitre
    publisher: Editions Zorgediteur
    author: Zorgauteur
    note: Zorgnote de recherche
    url: https://example.org/zorgadresse
    kind: press
"""
SECRET_FACT = """  - id: fait-secret
    statement: Zorgfait confidentiel.
    sources: [source-secrete]
    audience: reps
"""
RESTING = """  - text: Zorgpoint pour les élus.
    facts: [fait-secret]
"""
ITEMS = """  - id: theme-secret
    title: Zorgtheme du rapport
    facts: [fait-secret]

timeline:
  - when: 2026-10
    what: Zorgevenement prévu.
    facts: [fait-secret]

stakeholders:
  - id: cabinet
    name: Zorgpartie
    role: Un cabinet d'audit.
    facts: [fait-secret]

divergences:
  - id: effectif
    subject: Zorgdivergence sur l'effectif.
    facts: [deploiement, fait-secret]
"""
LEGAL = """  - id: l-secret
    code: Code du travail
    article: Zorgarticle
    paraphrase: Zorgparaphrase du texte.
"""
QUESTION = """  - id: q-secrete
    text: Zorgquestion sur le rapport ?
    facts: [fait-secret]
    legal: [l-secret]
    asked_on: 2026-11-02
    answer:
      date: 2026-11-05
      text: Zorgreponse de la direction.
      sources: [source-secrete]
"""
DEMANDS = """  - id: d-secrete
    text: Zorgdemande fondée sur le rapport.
    facts: [fait-secret]
  - id: d-interne
    text: Zorginterne, une demande pour la préparation.
    facts: [pas-de-consultation]
    audience: reps
"""
CONSIDERATION = """    - text: Zorgconsiderant tiré du rapport ;
      facts: [fait-secret]
"""
SECRETS = [
    "Zorgreponse",
    "Zorgtitre",
    "Zorgediteur",
    "Zorgauteur",
    "Zorgnote",
    "zorgadresse",
    "Zorgfait",
    "Zorgpoint",
    "Zorgtheme",
    "Zorgevenement",
    "Zorgpartie",
    "Zorgdivergence",
    "Zorgarticle",
    "Zorgparaphrase",
    "Zorgquestion",
    "Zorgdemande",
    "Zorginterne",
    "Zorgconsiderant",
]
"""Words only the reps may read, each from one field of an item resting on the reps-only
fact (or, for the last but one, a demand for the reps)."""
PUBLIC_KINDS = [kind for kind, document in DOCUMENTS.items() if document.audience.value == "public"]


def insert(path: Path, after: str, text: str) -> None:
    """`text` inserted after the first `after` in the file."""
    content = path.read_text(encoding="utf-8")
    assert after in content, f"{after!r} not in {path.name}"
    path.write_text(content.replace(after, after + text, 1), encoding="utf-8")


def add_secrets(folder: Path) -> None:
    """The example with a reps-only fact, its own source, and one item of every kind resting
    only on it, and a demand for the reps."""
    with (folder / "sources.yaml").open("a", encoding="utf-8") as sources:
        sources.write(SECRET_SOURCE)
    facts = folder / "facts.yaml"
    insert(facts, "    union_position: true\n", SECRET_FACT)
    insert(facts, "    facts: [deploiement, pas-de-consultation]\n", ITEMS)
    insert(facts, "\nlegal:\n", LEGAL)
    insert(facts, "\nquestions:\n", QUESTION)
    insert(facts, "\ndemands:\n", DEMANDS)
    insert(folder / "dossier.yaml", "    facts: [deploiement, pas-de-consultation]\n", RESTING)
    insert(folder / "documents.yaml", "      facts: [pas-de-consultation]\n", CONSIDERATION)


@pytest.fixture
def versions(tmp_path: Path) -> tuple[Path, Path]:
    """The `init` example before and after the reps-only material was added."""
    old, new = (tmp_path / version / "seeds" / "exemple" for version in ("avant", "apres"))
    for version in (old, new):  # a public question asked: the register is made
        shutil.copytree(EXAMPLE, version)
        insert(version / "facts.yaml", "  - id: q-consultation\n", "    asked_on: 2026-11-02\n")
    add_secrets(new)
    return old, new


def plain(text: str) -> str:
    """Text as a reader finds it: tags and entities gone, words cut at a line end joined."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\u00ad", "")
    return re.sub(r"-\s*\n", "", text)


def leaked(text: str) -> list[str]:
    """The secret words in `text`, as read or in its markup (a link's address)."""
    both = f"{text}\n{plain(text)}".lower()
    return [word for word in SECRETS if word.lower() in both]


def invoke(*args: str) -> str:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def test_the_example_with_its_secrets_is_a_valid_dossier(versions: tuple[Path, Path]) -> None:
    _, new = versions
    invoke("check", str(new))


def test_diff_public_leaves_out_what_rests_only_on_a_reps_only_fact(
    versions: tuple[Path, Path], tmp_path: Path
) -> None:
    old, new = versions
    assert leaked(invoke("diff", str(old), str(new), "--public")) == []
    report = invoke("diff", str(old), str(new), "--public", "--format", "json")
    assert leaked(report) == []
    assert json.loads(report)["changes"] == []  # nothing staff may read has changed
    out = tmp_path / "out"
    invoke("diff", str(old), str(new), "--public", "--doc", "changes", "--out", str(out))
    assert leaked(pdf_text(out / "exemple" / "ce-qui-a-change.pdf")) == []
    # The reps see all of it, each change marked as theirs.
    report = invoke("diff", str(old), str(new), "--format", "json")
    assert sorted(leaked(report)) == sorted(SECRETS)
    assert {change["audience"] for change in json.loads(report)["changes"]} == {"reps"}


def test_the_changes_the_public_may_read_are_still_shown(versions: tuple[Path, Path]) -> None:
    old, new = versions
    insert(new / "facts.yaml", "  - id: q-secrete\n", "    audience: reps\n")
    path = new / "facts.yaml"
    content = path.read_text(encoding="utf-8")
    path.write_text(content.replace("sur cet outil ?", "sur cet outil, et quand ?"), "utf-8")
    said = invoke("diff", str(old), str(new), "--public")
    assert leaked(said) == []
    assert said.splitlines() == [
        "questions:",
        "  ~ q-consultation: Quand le CSE sera-t-il consulté sur cet outil, et quand ?",
        "      text: Quand le CSE sera-t-il consulté sur cet outil ? → Quand le CSE sera-t-il "
        "consulté sur cet outil, et quand ?",
        "0 added, 0 removed, 1 changed",
    ]


def provenance(pdf: Path) -> str:
    return PdfReader(pdf).attachments["provenance.json"][0].decode("utf-8")


def test_documents_for_staff_show_nothing_resting_only_on_a_reps_only_fact(
    versions: tuple[Path, Path], tmp_path: Path
) -> None:
    _, new = versions
    out = tmp_path / "out"
    documents = [arg for kind in [*PUBLIC_KINDS, "note"] for arg in ("--doc", kind)]
    invoke("build", str(new), *documents, "-f", "html", "-f", "pdf", "--out", str(out))
    leaks = []
    for kind in PUBLIC_KINDS:
        name = out / "exemple" / DOCUMENTS[kind].filename
        page = name.with_suffix(".html").read_text(encoding="utf-8")
        record = provenance(name.with_suffix(".pdf"))
        leaks += [f"{kind}.html: {word}" for word in leaked(page)]
        leaks += [f"{kind} provenance.json: {word}" for word in leaked(record)]
        assert "fait-secret" not in record and "source-secrete" not in record
    assert leaks == []
    note = (out / "exemple" / "note-de-briefing.html").read_text(encoding="utf-8")
    # The note has no draft opinion, and no document lists the stakeholders.
    assert sorted(leaked(note)) == sorted(set(SECRETS) - {"Zorgconsiderant", "Zorgpartie"})


def test_a_demand_for_the_reps_stays_in_the_note(versions: tuple[Path, Path]) -> None:
    _, new = versions
    dossier = load_dossier(new)
    assert {d.id: d.audience for d in dossier.demands}["d-interne"] is Audience.reps
    public = Visibility(dossier, Audience.public)
    assert [d.id for d in dossier.demands if public(d)] == ["d-consultation"]


def test_the_demand_form_asks_who_may_read_it_in_french(
    versions: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, new = versions
    (new.parent.parent / "briefgen.toml").write_text("")
    monkeypatch.setenv("BRIEFGEN_UI_LANG", "fr")
    app = create_app(find_workspace(new.parent.parent))
    app.config["TESTING"] = True
    page = app.test_client().get("/d/exemple/edit/demands/item/d-interne").get_data(as_text=True)
    shown = plain(page)
    assert "Qui peut le lire" in shown, shown
    assert "les élus seulement (note de briefing)" in shown


def secret_dossier(tmp_path: Path) -> Dossier:
    folder = tmp_path / "exemple"
    shutil.copytree(EXAMPLE, folder)
    add_secrets(folder)
    return load_dossier(folder)


def item(dossier: Dossier, table: str, key: str) -> BaseModel:
    """An item of the dossier by its id, or, for a list of items without one, its text."""
    if table == "considerations":
        assert dossier.opinion
        items: list[BaseModel] = list(dossier.opinion.considerations)
    else:
        items = list(getattr(dossier, table))
    for each in items:
        if key in (
            getattr(each, "id", None),
            getattr(each, "text", None),
            getattr(each, "what", None),
        ):
            return each
    raise AssertionError(f"no {key} in {table}")


TABLE = [
    ("facts", "deploiement", True),
    ("facts", "fait-secret", False),
    ("sources", "note-direction", True),
    ("sources", "source-secrete", False),
    ("legal", "l2312-8", True),
    ("legal", "l-secret", False),
    ("questions", "q-consultation", True),
    ("questions", "q-secrete", False),
    ("demands", "d-consultation", True),
    ("demands", "d-secrete", False),
    ("demands", "d-interne", False),
    ("key_points", "Zorgpoint pour les élus.", False),
    ("considerations", "l'outil a été déployé sans consultation du CSE ;", True),
    ("considerations", "Zorgconsiderant tiré du rapport ;", False),
    ("timeline", "Zorgevenement prévu.", False),
    ("stakeholders", "cabinet", False),
    ("divergences", "effectif", False),
    ("themes", "conditions-de-travail", True),
    ("themes", "theme-secret", False),
]


@pytest.mark.parametrize(("table", "key", "public"), TABLE)
def test_who_may_read_an_item(tmp_path: Path, table: str, key: str, public: bool) -> None:
    dossier = secret_dossier(tmp_path)
    shown = item(dossier, table, key)
    assert Visibility(dossier, Audience.public)(shown) is public
    assert Visibility(dossier, Audience.reps)(shown) is True


def test_a_divergence_shows_when_two_of_its_facts_are_public(tmp_path: Path) -> None:
    dossier = secret_dossier(tmp_path)
    both = dossier.divergences[0].model_copy(
        update={"facts": ["deploiement", "pas-de-consultation"]}
    )
    mixed = dossier.divergences[0]
    public = Visibility(dossier, Audience.public)
    assert (public(both), public(mixed)) == (True, False)


def test_an_item_resting_on_no_fact_follows_its_own_audience(tmp_path: Path) -> None:
    dossier = secret_dossier(tmp_path)
    question = dossier.questions[0].model_copy(update={"facts": []})
    public = Visibility(dossier, Audience.public)
    assert public(question) is True
    assert public(question.model_copy(update={"audience": Audience.reps})) is False
