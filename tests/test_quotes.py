"""Quotes and wording checked against the archived text of their sources (snapshots)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.cli import main
from briefgen.errors import RULES
from briefgen.lint import MAX_SNAPSHOT_BYTES, check_dossier
from briefgen.quotes import closest_passage, copied_run, find_quote, normalise
from briefgen.web.findings import RULE_TEXT

TODAY = "2026-11-01"
NNBSP = "\u202f"
SNAPSHOT = (
    "Le Journal — 15 octobre 2026\n"
    "\n"
    "Depuis octobre, douze agents du site de Lille testent un nouvel outil de planifica-\n"
    f"tion des tournées. Pour la direction, l’outil «{NNBSP}permettra de gagner deux heures "
    "par se-\n"
    f"maine et par agent{NNBSP}», une promesse que les élus jugent «{NNBSP}très "
    f"optimiste{NNBSP}».\n"
    "Interrogée, la déléguée syndicale estime que le CSE aurait dû être consulté avant "
    f"le lancement du test{NNBSP}: «{NNBSP}Nous l’avons appris par la presse{NNBSP}!{NNBSP}»\n"
)
DIRECTION = "Note de la direction. L’essai se déroule sur trois sites de la région.\n"
PASSAGE = f"l’outil «{NNBSP}permettra de gagner deux heures par se-\nmaine et par agent{NNBSP}»"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def archive(folder: Path, source_id: str, text: str | bytes, digest: str | None = "") -> Path:
    """Give a source of the dossier a snapshot sources/<id>.txt holding `text`, with its
    sha256 recorded ("" for the right one, None for none)."""
    data = text.encode() if isinstance(text, str) else text
    path = folder / "sources" / f"{source_id}.txt"
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(data)
    record(folder, source_id, sha256(data) if digest == "" else digest)
    return path


def record(folder: Path, source_id: str, digest: str | None) -> None:
    """Point a source at sources/<id>.txt (the file itself is left as it is)."""
    sources = folder / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    entry = f"  - id: {source_id}\n"
    assert entry in text
    fields = f"    snapshot: sources/{source_id}.txt\n"
    fields += f"    sha256: {digest}\n" if digest else ""
    sources.write_text(text.replace(entry, entry + fields), encoding="utf-8")


def set_fact(folder: Path, old: str, new: str) -> None:
    path = folder / "facts.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def quote(folder: Path, text: str) -> None:
    """Give the first fact (outil-teste, from the journal) a quote."""
    set_fact(
        folder,
        "    sources: [journal]\n",
        f"    sources: [journal]\n    quote:\n      text: {json.dumps(text, ensure_ascii=False)}\n"
        "      by: la direction\n",
    )


def findings(folder: Path) -> list[tuple[str, str, str]]:
    _, problems = check_dossier(folder, dt.date.fromisoformat(TODAY))
    return [(p.code or "", p.field or "", p.message) for p in problems]


def codes(folder: Path) -> list[str]:
    return [code for code, _, _ in findings(folder)]


@pytest.fixture
def archived(minimal: Path) -> Path:
    """The minimal dossier with both its sources archived: it checks clean."""
    archive(minimal, "journal", SNAPSHOT)
    archive(minimal, "direction", DIRECTION)
    return minimal


# Comparison


def test_normalise_undoes_typography() -> None:
    assert normalise(f"L’outil «{NNBSP}très\u00a0optimiste{NNBSP}» ; vraiment{NNBSP}?") == (
        'l\'outil"très optimiste"; vraiment?'
    )
    assert (
        normalise('l\'outil "très optimiste"; vraiment ?') == 'l\'outil"très optimiste"; vraiment?'
    )
    assert normalise("une informa-\ntion, une infor\u00admation, un mot\u00ad\ncoupé") == (
        "une information, une information, un motcoupé"
    )
    assert normalise("A – B — C ‑ D ‐ E “F” „G‟ 12″ ʼx′ `y`") == (
        'a - b - c - d - e"f""g"12"\'x\' \'y\''
    )
    assert normalise("  Grand\n\tÉCART\u2003ﬁnal  ") == "grand écart final"
    assert normalise("Straße") == "strasse"


def test_find_quote_ignores_typography_but_not_words() -> None:
    assert find_quote('L\'OUTIL "permettra de gagner deux heures par semaine"', SNAPSHOT)
    assert find_quote("de planification des tournées", SNAPSHOT)
    assert find_quote("« Nous l'avons appris par la presse ! »", SNAPSHOT)
    assert find_quote("appris par la presse!", SNAPSHOT)
    assert not find_quote("permettra de gagner trois heures", SNAPSHOT)
    assert not find_quote("outi", SNAPSHOT)  # whole words only
    assert not find_quote("« »", SNAPSHOT)


def test_closest_passage_is_the_original_wording_of_the_best_match() -> None:
    altered = "L'outil « permettra de gagner trois heures par semaine et par agent »"
    assert closest_passage(altered, SNAPSHOT) == PASSAGE
    assert closest_passage("les élus jugent très pessimiste", SNAPSHOT) == (
        f"les élus jugent «{NNBSP}très optimiste{NNBSP}»"
    )
    # a word left out, then a word added: the passage spans what faces the quote
    assert closest_passage("douze agents testent un nouvel outil", SNAPSHOT) == (
        "douze agents du site de Lille testent un nouvel outil"
    )
    assert closest_passage("le CSE aurait vraiment dû être consulté", SNAPSHOT) == (
        "le CSE aurait dû être consulté"
    )
    assert closest_passage("rien à voir", "Un texte sans rapport.") == ""


def test_copied_run_needs_twelve_words_in_a_row() -> None:
    twelve = "Depuis octobre, douze agents du site de Lille testent un nouvel outil, disent-ils."
    eleven = "Dès octobre, douze agents du site de Lille testent un nouvel outil, disent-ils."
    assert copied_run(twelve, SNAPSHOT) == (
        "Depuis octobre, douze agents du site de Lille testent un nouvel outil"
    )
    assert copied_run(eleven, SNAPSHOT) is None
    assert copied_run(eleven, SNAPSHOT, words=11) == (
        "octobre, douze agents du site de Lille testent un nouvel outil"
    )


def test_comparisons_are_fast_on_a_long_snapshot() -> None:
    words = [f"mot{(i * 7919) % 5003}" for i in range(60_000)]
    for i in range(0, 60_000, 7):
        words[i] = ("de", "la", "les", "et", "que", "direction", "agents")[i // 7 % 7]
    text = " ".join(words)[:400_000]
    started = time.perf_counter()
    assert not find_quote("la direction a informé les agents de la décision", text)
    assert closest_passage("la direction a informé les agents de la décision", text)
    assert copied_run("la direction a informé les agents de la décision", text) is None
    assert time.perf_counter() - started < 5


# Rules on a dossier


def test_archived_sources_and_a_matching_quote_check_clean(archived: Path) -> None:
    quote(archived, 'L\'OUTIL "permettra de gagner deux heures par semaine et par agent"')
    assert findings(archived) == []


def test_a_quote_altered_by_one_word_is_an_error_showing_the_closest_passage(
    archived: Path,
) -> None:
    quote(archived, "l'outil « permettra de gagner trois heures par semaine et par agent »")
    assert findings(archived) == [
        (
            "E108",
            "facts[0].quote.text",
            "quote not found in the snapshot of journal (sources/journal.txt); closest passage: "
            "«l’outil « permettra de gagner deux heures par semaine et par agent »»",
        )
    ]


def test_the_closest_passage_is_looked_for_in_every_snapshot_of_the_fact(
    archived: Path,
) -> None:
    quote(archived, "les élus jugent très pessimiste")
    set_fact(archived, "    sources: [journal]\n", "    sources: [direction, journal]\n")
    [(code, _, message)] = findings(archived)
    assert code == "E108"
    assert message == (
        "quote not found in the snapshots of direction (sources/direction.txt), journal "
        "(sources/journal.txt); closest passage (in journal): «les élus jugent « très "
        "optimiste »»"
    )
    set_fact(archived, "très pessimiste", "« très optimiste »")
    assert findings(archived) == []  # found in one of them is enough


def test_a_quote_from_sources_without_snapshot_is_not_checked(minimal: Path) -> None:
    quote(minimal, "des mots que personne n'a écrits")
    assert codes(minimal) == ["W501", "W501"]


def test_no_snapshot_is_a_warning(minimal: Path) -> None:
    archive(minimal, "direction", DIRECTION)
    assert findings(minimal) == [
        (
            "W501",
            "sources[0].snapshot",
            "no snapshot: quotes and wording from this source cannot be checked (import the "
            "article with briefgen source add, or add sources/journal.txt and its sha256)",
        )
    ]
    result = CliRunner().invoke(main, ["check", str(minimal), "--today", TODAY, "--strict"])
    assert result.exit_code == 1
    assert f"{minimal}/sources.yaml:2: W501 sources[0].snapshot: no snapshot" in result.stdout


def test_a_changed_snapshot_is_an_error(archived: Path) -> None:
    path = archived / "sources" / "journal.txt"
    before = path.read_bytes()
    after = before.replace(b"douze", b"douzE")
    path.write_bytes(after)
    assert findings(archived) == [
        (
            "E107",
            "sources[0].sha256",
            "snapshot sources/journal.txt has changed since it was archived "
            f"(sha256 {sha256(after)[:12]}…, recorded {sha256(before)[:12]}…)",
        )
    ]


def test_a_changed_snapshot_is_not_used_to_check_quotes(archived: Path) -> None:
    quote(archived, "des mots que personne n'a écrits")
    (archived / "sources" / "journal.txt").write_text("Un autre texte.\n", encoding="utf-8")
    assert codes(archived) == ["E107"]


def test_a_missing_snapshot_is_an_error(archived: Path) -> None:
    (archived / "sources" / "journal.txt").unlink()
    assert findings(archived) == [
        ("E107", "sources[0].snapshot", "snapshot sources/journal.txt is missing")
    ]


def test_a_snapshot_linked_outside_the_dossier_is_refused(archived: Path, tmp_path: Path) -> None:
    outside = tmp_path / "secret.txt"
    outside.write_text(SNAPSHOT, encoding="utf-8")
    path = archived / "sources" / "journal.txt"
    path.unlink()
    path.symlink_to(outside)  # same bytes, so only where it leads is wrong
    assert findings(archived) == [
        (
            "E107",
            "sources[0].snapshot",
            "snapshot sources/journal.txt leads outside the dossier's sources/ folder "
            "(through a symbolic link)",
        )
    ]
    path.unlink()
    path.symlink_to("/dev/null")
    assert codes(archived) == ["E107"]


def test_a_sources_folder_linked_elsewhere_is_refused(archived: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    (archived / "sources").rename(elsewhere)
    (archived / "sources").symlink_to(elsewhere)
    assert codes(archived) == ["E107", "E107"]


def test_a_link_between_snapshots_is_followed(archived: Path) -> None:
    folder = archived / "sources"
    (folder / "journal.txt").rename(folder / "journal-2026.txt")
    (folder / "journal.txt").symlink_to("journal-2026.txt")
    assert findings(archived) == []


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_snapshot_that_is_not_a_regular_file_is_refused(archived: Path) -> None:
    path = archived / "sources" / "journal.txt"
    path.unlink()
    os.mkfifo(path)  # would block a reader that opened it blindly
    assert findings(archived) == [
        ("E107", "sources[0].snapshot", "snapshot sources/journal.txt is not a regular file")
    ]


def test_a_snapshot_too_large_is_refused(minimal: Path) -> None:
    archive(minimal, "direction", DIRECTION)
    archive(minimal, "journal", b"a " * (MAX_SNAPSHOT_BYTES // 2) + b"!")
    assert findings(minimal) == [
        (
            "E107",
            "sources[0].snapshot",
            f"snapshot sources/journal.txt is too large ({MAX_SNAPSHOT_BYTES + 1} bytes, "
            f"limit {MAX_SNAPSHOT_BYTES})",
        )
    ]


def test_a_snapshot_that_is_not_utf8_is_an_error(archived: Path) -> None:
    path = archived / "sources" / "journal.txt"
    data = "Texte archivé en Latin-1.\n".encode("latin-1")
    path.write_bytes(data)
    sources = archived / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace(sha256(SNAPSHOT.encode()), sha256(data)), "utf-8")
    assert [(c, f) for c, f, _ in findings(archived)] == [("E107", "sources[0].snapshot")]


def test_a_snapshot_path_leaving_sources_is_refused_by_the_model(minimal: Path) -> None:
    record(minimal, "journal", None)
    text = (minimal / "sources.yaml").read_text(encoding="utf-8")
    (minimal / "sources.yaml").write_text(
        text.replace("sources/journal.txt", "sources/../../x.txt"), "utf-8"
    )
    assert codes(minimal) == ["E002"]


def test_a_snapshot_without_sha256_gets_its_hash_and_still_checks_quotes(
    minimal: Path,
) -> None:
    archive(minimal, "direction", DIRECTION)
    archive(minimal, "journal", SNAPSHOT, digest=None)
    quote(minimal, "permettra de gagner trois heures")
    assert findings(minimal) == [
        (
            "E108",
            "facts[0].quote.text",
            "quote not found in the snapshot of journal (sources/journal.txt); closest passage: "
            "«permettra de gagner deux heures»",
        ),
        (
            "W502",
            "sources[0].snapshot",
            "snapshot sources/journal.txt has no recorded sha256; add: sha256: "
            f"{sha256(SNAPSHOT.encode())}",
        ),
    ]


def test_a_statement_copying_twelve_words_is_a_warning(archived: Path) -> None:
    statement = "    statement: Douze agents testent le nouvel outil depuis octobre.\n"
    set_fact(
        archived,
        statement,
        "    statement: Depuis octobre, douze agents du site de Lille testent un nouvel outil de "
        "planification des tournées.\n",
    )
    assert findings(archived) == [
        (
            "W503",
            "facts[0].statement",
            "statement copies 16 words in a row from journal: «Depuis octobre, douze agents du "
            "site de Lille testent un nouvel outil de planification des tournées»; restate it "
            "in our own words",
        )
    ]


def test_a_statement_sharing_eleven_words_is_fine(archived: Path) -> None:
    set_fact(
        archived,
        "    statement: Douze agents testent le nouvel outil depuis octobre.\n",
        "    statement: Dès octobre, douze agents du site de Lille testent un nouvel outil, "
        "selon le journal.\n",
    )
    assert findings(archived) == []


def test_check_prints_the_quote_error_on_one_line(archived: Path) -> None:
    quote(archived, "l'outil « permettra de gagner trois heures par semaine et par agent »")
    result = CliRunner().invoke(main, ["check", str(archived), "--today", TODAY])
    assert result.exit_code == 2
    assert result.stdout.splitlines() == [
        f"{archived}/facts.yaml:9: E108 facts[0].quote.text: quote not found in the snapshot "
        "of journal (sources/journal.txt); closest passage: «l’outil « permettra de gagner "
        "deux heures par semaine et par agent »»",
        f"{archived}: 1 error(s), 0 warning(s)",
    ]


def test_every_rule_is_listed_by_check_help_and_named_in_french() -> None:
    result = CliRunner().invoke(main, ["check", "--help"])
    for code in ("E107", "E108", "W501", "W502", "W503"):
        assert f"  {code}  {RULES[code]}" in result.stdout
    assert set(RULES) <= set(RULE_TEXT)
