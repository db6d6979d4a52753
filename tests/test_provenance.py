"""Every PDF carries its own proof: provenance.json inside, a trace line on every page,
and `briefgen verify` to tell whether a printout still matches its dossier."""

from __future__ import annotations

import html
import io
import json
import re
import shutil
import zipfile
from collections.abc import Sequence
from pathlib import Path

import jsonschema
import pytest
import yaml
from click.testing import CliRunner
from pypdf import PdfReader, PdfWriter

from briefgen.build import DOCUMENTS
from briefgen.cli import main
from briefgen.load import load_dossier
from briefgen.models import Audience, Demand, Dossier, KeyPoint, Question, TimelineEvent
from briefgen.provenance import SCHEMA_FILE
from conftest import FIRST_DOSSIER, Builds, BuiltIn, dossier_params, pdf_text, run

FILES = {kind.name: f"{kind.filename}.pdf" for kind in DOCUMENTS.values()}


def invoke(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding a copy of the first dossier, built once."""
    root = tmp_path_factory.mktemp("ws")
    shutil.copytree(FIRST_DOSSIER, root / "seeds" / "france-travail-linkedin")
    (root / "briefgen.toml").write_text("")
    code, _, err = invoke("-w", str(root), "build")
    assert code == 0, err
    return root


def output(workspace: Path) -> Path:
    return workspace / "output" / "france-travail-linkedin"


def attachment(pdf: Path) -> dict[str, object]:
    record: dict[str, object] = json.loads(PdfReader(pdf).attachments["provenance.json"][0])
    return record


@pytest.mark.parametrize("kind", list(FILES))
def test_every_pdf_embeds_a_provenance_record_that_fits_the_schema(
    workspace: Path, kind: str
) -> None:
    pdf = output(workspace) / FILES[kind]
    listing = run("pdfdetach", "-list", str(pdf)).stdout
    assert listing.splitlines() == ["1 embedded files", "1: provenance.json"]
    record = attachment(pdf)
    jsonschema.validate(record, json.loads(SCHEMA_FILE.read_text(encoding="utf-8")))
    document = record["document"]
    assert isinstance(document, dict) and document["kind"] == kind


def test_the_record_is_an_associated_file_with_the_data_relationship(workspace: Path) -> None:
    reader = PdfReader(output(workspace) / FILES["note"])
    [filespec] = [f.get_object() for f in reader.trailer["/Root"]["/AF"]]
    assert filespec["/F"] == "provenance.json" and filespec["/AFRelationship"] == "/Data"


STAFF = [kind.name for kind in DOCUMENTS.values() if kind.audience is Audience.public]


def plain(text: str) -> str:
    """`text` without markup, spaces, reference calls and typography's marks, to find
    dossier text in a document however it was typeset (no-break spaces, curly apostrophes,
    tags, a reference call put before the full stop, break points in an address, a raised
    ordinal)."""
    text = html.unescape(re.sub(r"<[^>]+>", "", text))
    text = re.sub(r"[\s\u00ad\u200b]+", "", text).replace("’", "'").replace("1ᵉʳ", "1er")
    return re.sub(r"\[\d+(?:[,–-]\d+)*\]", "", text)


def reps_only(dossier: Dossier) -> dict[str, str]:
    """What only the reps may read, by where the dossier says it: the reps-only facts, the
    sources' notes, the reps-only questions, and every sentence resting on a reps-only fact."""
    facts = {fact.id for fact in dossier.facts if fact.audience is Audience.reps}
    texts = {f"facts.{f.id}": f.statement for f in dossier.facts if f.id in facts}
    texts |= {f"sources.{s.id}.note": s.note for s in dossier.sources if s.note}
    resting: dict[str, Sequence[KeyPoint | Question | Demand | TimelineEvent]] = {
        "key_points": dossier.key_points,
        "questions": dossier.questions,
        "demands": dossier.demands,
        "timeline": dossier.timeline,
        "considerations": dossier.opinion.considerations if dossier.opinion else [],
    }
    for name, items in resting.items():
        for index, item in enumerate(items):
            hidden = getattr(item, "audience", Audience.public) is Audience.reps
            if hidden or set(item.facts) & facts:
                texts[f"{name}[{index}]"] = (
                    item.what if isinstance(item, TimelineEvent) else item.text
                )
    return texts


def document_texts(folder: Path, kind: str) -> dict[str, str]:
    """Each file of one document (HTML, ODT, DOCX text; the PDF's provenance record), plain."""
    name = DOCUMENTS[kind].filename
    texts = {f"{name}.html": (folder / f"{name}.html").read_text(encoding="utf-8")}
    for suffix in (".odt", ".docx"):
        with zipfile.ZipFile(folder / f"{name}{suffix}") as archive:
            parts = [archive.read(part).decode() for part in archive.namelist() if ".xml" in part]
        texts[f"{name}{suffix}"] = "".join(parts)
    record = PdfReader(folder / f"{name}.pdf").attachments["provenance.json"][0]
    texts[f"{name}.pdf provenance.json"] = record.decode("utf-8")
    return {file: plain(text) for file, text in texts.items()}


@pytest.mark.parametrize("dossier", dossier_params())
def test_what_only_the_reps_may_read_stays_in_the_note(builds: Builds, dossier: BuiltIn) -> None:
    """No reps-only text in a document for staff or management, in any format nor in its
    PDF's provenance record (no reps-only fact recorded there either); the note shows it all."""
    loaded = load_dossier(builds.folder(dossier))
    secret = {where: plain(text) for where, text in reps_only(loaded).items()}
    folder = builds.documents(dossier)
    note = document_texts(folder, "note")["note-de-briefing.html"]
    unseen = [w for w, text in secret.items() if text not in note and "consideration" not in w]
    assert not unseen, f"{dossier.name}: {unseen}"  # the note has no draft opinion
    reps_facts = {fact.id for fact in loaded.facts if fact.audience is Audience.reps}
    leaks = []
    for kind in STAFF:
        if not (folder / f"{DOCUMENTS[kind].filename}.pdf").exists():
            continue  # a document the software cannot make of this dossier (conftest)
        recorded = {f["id"] for f in attachment(folder / FILES[kind])["facts"]}  # type: ignore[attr-defined]
        leaks += [f"{kind} provenance.json: {fact}" for fact in recorded & reps_facts]
        for file, text in document_texts(folder, kind).items():
            leaks += [f"{file}: {where}" for where, words in secret.items() if words in text]
    assert not leaks, f"{dossier.name}: {leaks}"


def test_the_record_gives_each_facts_statement_and_sources(workspace: Path) -> None:
    record = attachment(output(workspace) / FILES["tract"])
    facts = {fact["id"]: fact for fact in record["facts"]}  # type: ignore[attr-defined]
    fact = facts["pilote-licences-500"]
    assert fact["statement"].startswith("L'expérimentation prévoit de doter 500 conseillers")
    assert [s["publisher"] for s in fact["sources"]] == [
        "politique-france.info",
        "infos-it.fr",
        "allthe.news",
    ]
    dossier = record["dossier"]
    assert isinstance(dossier, dict) and re.fullmatch(r"[0-9a-f]{64}", dossier["sha256"])


def test_every_page_carries_the_trace_line(workspace: Path) -> None:
    record = attachment(output(workspace) / FILES["note"])
    short = record["dossier"]["sha256"][:7]  # type: ignore[index]
    reader = PdfReader(output(workspace) / FILES["note"])
    for page in reader.pages:
        assert f"dossier {short} · 20/11/2026" in (page.extract_text() or "")


def test_the_trace_line_can_be_turned_off(tmp_path: Path) -> None:
    code, _, err = invoke(
        "build", str(FIRST_DOSSIER), "--doc", "tract", "--out", str(tmp_path), "--no-trace"
    )
    assert code == 0, err
    trace = re.compile(r"dossier [0-9a-f]{7} · ")
    assert not trace.search(pdf_text(tmp_path / "france-travail-linkedin" / "tract.pdf"))
    workspace = tmp_path / "ws"
    shutil.copytree(FIRST_DOSSIER, workspace / "seeds" / "x")
    (workspace / "briefgen.toml").write_text("[output]\ntrace = false\n")
    code, _, err = invoke("-w", str(workspace), "build", "x", "--doc", "tract")
    assert code == 0, err
    text = pdf_text(workspace / "output" / "france-travail-linkedin" / "tract.pdf")
    assert not trace.search(text) and "page 1 / 1" in text


def test_the_archival_variant_carries_the_record_too(tmp_path: Path) -> None:
    code, _, err = invoke(
        "build", str(FIRST_DOSSIER), "--doc", "tract", "--out", str(tmp_path),
        "--pdf-variant", "pdf/a-3b",
    )  # fmt: skip
    assert code == 0, err
    pdf = tmp_path / "france-travail-linkedin" / "tract.pdf"
    assert attachment(pdf)["document"]["pdf_variant"] == "pdf/a-3b"  # type: ignore[index]
    assert run("qpdf", "--check", str(pdf)).returncode == 0


def test_verify_says_up_to_date_then_names_the_changed_fact(
    workspace: Path, tmp_path: Path
) -> None:
    note = output(workspace) / FILES["note"]
    code, out, err = invoke("-w", str(workspace), "verify", str(note))
    assert (code, err) == (0, "")
    assert out.startswith(f"{note}: up to date with ") or "up to date with" in out

    changed = tmp_path / "ws"
    shutil.copytree(workspace / "seeds", changed / "seeds")
    (changed / "briefgen.toml").write_text("")
    facts = changed / "seeds" / "france-travail-linkedin" / "facts.yaml"
    text = facts.read_text(encoding="utf-8")
    facts.write_text(
        text.replace("Selon rapidus.xyz, 200 conseillers", "Selon rapidus.xyz, 210 conseillers"),
        encoding="utf-8",
    )
    code, out, _ = invoke("-w", str(changed), "verify", str(note))
    assert code == 1
    lines = out.splitlines()
    assert "out of date" in lines[0]
    assert lines[1:] == [
        "  changed: conseillers-200: Selon rapidus.xyz, 210 conseillers volontaires prennent "
        "part à l'expérimentation."
    ]


def test_verify_reports_removed_and_added_facts(workspace: Path, tmp_path: Path) -> None:
    tract = output(workspace) / FILES["tract"]
    changed = tmp_path / "ws"
    shutil.copytree(workspace / "seeds", changed / "seeds")
    (changed / "briefgen.toml").write_text("")
    documents = changed / "seeds" / "france-travail-linkedin" / "documents.yaml"
    data = yaml.safe_load(documents.read_text(encoding="utf-8"))
    data["tract"]["points"] = 1
    documents.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    code, out, _ = invoke("-w", str(changed), "verify", str(tract))
    assert code == 1
    removed = [line for line in out.splitlines() if line.startswith("  removed:")]
    assert removed and all("(no longer shown)" in line for line in removed)


def test_verify_refuses_a_pdf_without_a_record_in_one_line(tmp_path: Path) -> None:
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    plain = tmp_path / "autre.pdf"
    with plain.open("wb") as handle:
        writer.write(handle)
    code, out, err = invoke("verify", str(plain))
    assert code == 2 and out == ""
    assert err == f"error: {plain}: no provenance.json in this PDF: it was not made by briefgen\n"

    writer.add_attachment("provenance.json", b'{"facts": "abime"')
    damaged = tmp_path / "abime.pdf"
    with damaged.open("wb") as handle:
        writer.write(handle)
    code, _, err = invoke("verify", str(damaged))
    assert code == 2 and len(err.splitlines()) == 1
    assert err.startswith(f"error: {damaged}: damaged provenance.json: ")

    broken = tmp_path / "casse.pdf"
    broken.write_bytes(b"%PDF-1.7 garbage")
    code, _, err = invoke("verify", str(broken))
    assert code == 2 and err == f"error: {broken}: not a readable PDF (PdfStreamError)\n"


def test_an_establishments_variant_verifies_against_its_own_variant(tmp_path: Path) -> None:
    code, _, err = invoke(
        "build", str(FIRST_DOSSIER), "--doc", "tract", "--each", "establishment",
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    tract = tmp_path / "france-travail-linkedin" / "tract-normandie.pdf"
    code, out, _ = invoke("verify", str(tract), str(FIRST_DOSSIER))
    assert code == 0 and "up to date" in out, out


def test_records_do_not_break_byte_reproducibility(tmp_path: Path) -> None:
    digests = []
    for run_ in ("a", "b"):
        code, _, err = invoke(
            "build", str(FIRST_DOSSIER), "--doc", "tract", "--out", str(tmp_path / run_)
        )
        assert code == 0, err
        digests.append((tmp_path / run_ / "france-travail-linkedin" / "tract.pdf").read_bytes())
    assert digests[0] == digests[1]
    assert list(PdfReader(io.BytesIO(digests[0])).attachments) == ["provenance.json"]
