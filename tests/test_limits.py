"""The largest dossier a build accepts (issue 20): a dossier's text in all is bounded, and
one past the bound is refused when it is read, before any layout, with a message that
says what to do; the maximal test dossier stays under it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from dossiers import maximal

from briefgen.errors import InputError
from briefgen.load import MAX_TEXT_CHARS, load_dossier, text_chars
from conftest import invoke_in

SENTENCE = "Le constat porte sur la charge de travail des équipes du siège. "


def statement(length: int) -> str:
    """A fact's statement of exactly `length` characters, ending with a full stop."""
    return (SENTENCE * (length // len(SENTENCE) + 1))[: length - 1] + "."


def grow(folder: Path, total: int) -> Path:
    """Add union-position facts to the dossier in `folder`, each statement at most the
    4 000 characters of a text field, until its text is `total` characters in all."""
    path = folder / "facts.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    missing = total - text_chars(load_dossier(folder))
    while missing > 0:
        ident = f"ajout-{len(data['facts'])}"
        length = missing - len(ident)
        if length > 4000:  # leave the next fact room for its id and a sentence
            length = min(4000, length - 100)
        data["facts"].append({"id": ident, "statement": statement(length), "union_position": True})
        missing -= len(ident) + length
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return folder


@pytest.fixture
def over(minimal: Path) -> Path:
    """The minimal dossier grown to one character past the bound."""
    return grow(minimal, MAX_TEXT_CHARS + 1)


def test_a_dossier_at_the_bound_loads(minimal: Path) -> None:
    dossier = load_dossier(grow(minimal, MAX_TEXT_CHARS))
    assert text_chars(dossier) == MAX_TEXT_CHARS


def test_a_dossier_past_the_bound_is_refused_before_any_layout(over: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        load_dossier(over)
    [problem] = info.value.problems
    assert problem.file is not None and problem.file.endswith("dossier.yaml")
    assert problem.code == "E001"
    code, _, err = invoke_in(tmp_path, "build", str(over))
    assert code == 2
    assert (
        "dossier.yaml: the dossier holds 500\u202f001 characters of text in all; past "
        "500\u202f000, its documents cannot be produced in reasonable time: split it into "
        "several dossiers or shorten its texts"
    ) in err
    assert not (tmp_path / "output").exists()


def test_the_refusal_reads_in_french(over: Path, tmp_path: Path) -> None:
    code, _, err = invoke_in(tmp_path, "--ui-lang", "fr", "build", str(over))
    assert code == 2
    assert (
        "le dossier compte 500\u202f001\u00a0caractères de texte en tout\u00a0; au-delà de "
        "500\u202f000, ses documents ne peuvent être produits en un temps raisonnable\u00a0: "
        "scindez-le en plusieurs dossiers ou raccourcissez ses textes"
    ) in err
    assert not (tmp_path / "output").exists()


def test_the_maximal_test_dossier_is_under_the_bound(tmp_path: Path) -> None:
    dossier = load_dossier(maximal.write(tmp_path / "maximal"))
    assert len(dossier.facts) == maximal.FACTS
    assert text_chars(dossier) <= MAX_TEXT_CHARS


def test_the_largest_test_dossier_is_at_the_bound(tmp_path: Path) -> None:
    """The dossier the README's figures were measured on: the maximal one, its printed
    texts lengthened to the bound, loads."""
    dossier = load_dossier(maximal.write_largest(tmp_path / "largest", MAX_TEXT_CHARS))
    assert MAX_TEXT_CHARS - 1000 <= text_chars(dossier) <= MAX_TEXT_CHARS
