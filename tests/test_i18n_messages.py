"""Every problem a user reads comes from the catalogue, in the reader's language.

Pydantic's errors are translated by their type and context (never by their
English text); a problem found in English (a worker process, an import) reads
in French when shown to a French reader; "never used" is a warning, not an error.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from pydantic import BaseModel, ConfigDict, Field, HttpUrl, ValidationError

from briefgen import i18n
from briefgen.cli import main
from briefgen.errors import RULES, BriefgenError, InputError, Problem
from briefgen.lint import check_dossier
from briefgen.load import error_message, explain, load_dossier, read_dossier
from briefgen.models import Dossier, Fact, Quote, Source, Theme, TimelineEvent, Tract
from conftest import FIRST_DOSSIER

TODAY = dt.date(2026, 11, 23)

ENGLISH = frozenset(
    {
        *("must", "should", "input", "field", "value", "values", "required", "missing"),
        *("invalid", "valid", "number", "string", "list", "the", "is", "be", "of", "not"),
        *("at", "least", "most", "item", "items", "character", "characters", "unknown"),
        *("known", "did", "you", "mean", "use", "only", "letters", "digits", "hyphens"),
        *("whole", "text", "or", "and", "with", "without", "address", "day", "time"),
        *("written", "given", "empty", "less", "more", "than", "finite", "group", "key"),
        *("form", "expected", "real", "never", "used", "cites"),
    }
)
"""English words a French message must not contain (none of them is a French word)."""

WHAT_TO_DO = (
    "indiquez",
    "écrivez",
    "choisissez",
    "retirez",
    "raccourcissez",
    "vérifiez",
    "obligatoire",
    "vouliez-vous dire",
    "attend",
    "mettez",
    "ne peut pas rester vide",
    "ne s’écrit qu’avec",
    "s’écrit avec",
)
"""Words by which a French message tells the reader what to do."""


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Each test starts in English, whatever an earlier test left in this thread."""
    with i18n.using("en"):
        yield


def english_words(text: str, values: frozenset[str] = frozenset()) -> set[str]:
    """The English words of `text`, but for those of the values it names (choices, codes)."""
    return {w.lower() for w in re.findall(r"[A-Za-z]+", text)} & ENGLISH - values


CODES = frozenset({"true", "false", "text"})  # YAML's booleans, a choice of Source.kind


class Bounds(BaseModel):
    """Model input for error types the dossier's own models cannot produce."""

    model_config = ConfigDict(extra="forbid", strict=False)

    above: int | None = Field(None, gt=0)
    below: int | None = Field(None, lt=10)
    finite: float | None = Field(None, allow_inf_nan=False)
    mapping: dict[str, str] | None = None
    web: HttpUrl | None = None


class Inner(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    a: int = 1


class Attributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    inner: Inner | None = None


class StrictDate(BaseModel):
    model_config = ConfigDict(strict=True)

    day: dt.date


FACT = {"id": "f", "statement": "Un fait.", "sources": ["s"]}
SOURCE = {"id": "s", "title": "T", "publisher": "P", "kind": "press"}
TRACT = {"headline": "H", "call_to_action": "C", "contact": "C"}

CASES: list[tuple[str, type[BaseModel], Any]] = [
    ("missing", Fact, {"id": "f", "sources": ["s"]}),
    ("extra_forbidden", Fact, {**FACT, "statment": "x"}),
    ("string_too_short", Fact, {**FACT, "statement": "   "}),
    ("string_too_long", Quote, {"text": "x" * 301, "by": "B"}),
    ("too_short", Theme, {"id": "t", "title": "T", "facts": []}),
    ("too_long", Tract, {**TRACT, "facts": ["a", "b", "c", "d"]}),
    ("string_pattern_mismatch", Fact, {**FACT, "id": "Coût Licences"}),
    ("string_pattern_mismatch", Source, {**SOURCE, "snapshot": "article.txt"}),
    ("string_pattern_mismatch", Source, {**SOURCE, "sha256": "abc"}),
    ("greater_than_equal", Tract, {**TRACT, "points": 0}),
    ("less_than_equal", Tract, {**TRACT, "points": 9}),
    ("greater_than", Bounds, {"above": 0}),
    ("less_than", Bounds, {"below": 10}),
    ("int_parsing", Tract, {**TRACT, "points": "quatre"}),
    ("int_type", Tract, {**TRACT, "points": [4]}),
    ("int_from_float", Tract, {**TRACT, "points": 2.5}),
    ("float_parsing", Fact, {**FACT, "value": "douze"}),
    ("float_type", Fact, {**FACT, "value": [12]}),
    ("finite_number", Bounds, {"finite": float("inf")}),
    ("bool_parsing", Fact, {**FACT, "union_position": "peut-être"}),
    ("bool_type", Fact, {**FACT, "union_position": [1]}),
    ("date_parsing", StrictDate, '{"day": "hier"}'),
    ("date_from_datetime_parsing", Fact, {**FACT, "as_of": "hier"}),
    ("date_from_datetime_parsing", Fact, {**FACT, "as_of": "2026-02-31"}),
    ("date_type", Fact, {**FACT, "as_of": [2026]}),
    ("date_from_datetime_inexact", Fact, {**FACT, "as_of": dt.datetime(2026, 1, 1, 10)}),
    ("literal_error", Source, {**SOURCE, "lang": "de"}),
    ("enum", Source, {**SOURCE, "kind": "journal"}),
    ("string_type", Source, {**SOURCE, "title": 2026}),
    ("list_type", Fact, {**FACT, "sources": "s"}),
    ("dict_type", Bounds, {"mapping": "x"}),
    ("model_type", Fact, {**FACT, "quote": "x"}),
    ("model_attributes_type", Attributes, {"inner": 1}),
    ("url_parsing", Bounds, {"web": "pas une adresse"}),
    ("url_scheme", Bounds, {"web": "ftp://example.org"}),
    ("value_error", Source, {**SOURCE, "url": "javascript:alert(1)"}),
    ("value_error", TimelineEvent, {"when": "demain", "what": "W", "facts": ["f"]}),
    ("value_error", Fact, {**FACT, "sources": ["s", "s"]}),
]


def the_error(kind: str, model: type[BaseModel], data: Any) -> dict[str, Any]:
    with pytest.raises(ValidationError) as info:
        if isinstance(data, str):
            model.model_validate_json(data)
        else:
            model.model_validate(data)
    errors = [e for e in info.value.errors() if e["type"] == kind]
    assert errors, info.value.errors()
    return dict(errors[0])


@pytest.mark.parametrize(("kind", "model", "data"), CASES)
def test_each_pydantic_error_reads_as_french_that_says_what_to_do(
    kind: str, model: type[BaseModel], data: Any
) -> None:
    error = the_error(kind, model, data)
    message, detail = explain(error, model)
    assert detail is None  # briefgen has words of its own for it
    with i18n.using("fr"):
        french = str(error_message(error, model))
    assert french and not english_words(french, CODES), french
    assert any(words in french.lower() for words in WHAT_TO_DO), french
    with i18n.using(i18n.PSEUDO):
        assert str(message).startswith(i18n.PSEUDO_OPEN), str(message)


def test_the_messages_say_what_the_input_should_be() -> None:
    with i18n.using("fr"):
        said = {
            (kind, str(error_message(the_error(kind, model, data), model)))
            for kind, model, data in CASES
        }
    assert ("missing", "Ce champ est obligatoire.") in said
    assert (
        "date_from_datetime_parsing",
        "«\u00a02026-02-31\u00a0» n’est pas une vraie date\u00a0: vérifiez le jour et le mois.",
    ) in said
    assert (
        "string_pattern_mismatch",
        "Une référence interne ne s’écrit qu’avec des lettres minuscules sans accents, des "
        "chiffres et des tirets, par exemple «\u00a0cout-licences\u00a0».",
    ) in said
    assert (
        "enum",
        "Choisissez parmi\u00a0: press, official, union, legal-text, case-law, "
        "reader-comment, other.",
    ) in said
    assert ("too_long", "3 éléments au plus, 4 indiqués\u00a0: retirez-en.") in said
    assert (
        "extra_forbidden",
        "Ce champ n’existe pas\u00a0: vouliez-vous dire «\u00a0statement\u00a0»\u00a0?",
    ) in said


def test_an_unknown_error_type_reads_as_a_sentence_and_keeps_pydantic_words_as_details() -> None:
    error = {"type": "uuid_parsing", "loc": ("id",), "msg": "Input should be a valid UUID"}
    message, detail = explain(error)
    assert (str(message), detail) == ("invalid value", "Input should be a valid UUID")
    with i18n.using("fr"):
        assert str(message) == "Valeur non valide"


def test_an_impossible_date_typed_as_text_is_not_a_real_date_in_the_dossier(
    minimal: Path,
) -> None:
    dossier = minimal / "dossier.yaml"
    dossier.write_text(
        dossier.read_text(encoding="utf-8").replace("  date: 2026-12-01", '  date: "2026-02-31"'),
        encoding="utf-8",
    )
    with pytest.raises(InputError) as info:
        load_dossier(minimal)
    (problem,) = info.value.problems
    assert str(problem).endswith("meeting.date: '2026-02-31' is not a real date")
    with i18n.using("fr"):
        assert str(problem.message) == (
            "«\u00a02026-02-31\u00a0» n’est pas une vraie date\u00a0: vérifiez le jour et le mois."
        )


def test_every_rule_is_a_catalogue_message() -> None:
    with i18n.using(i18n.PSEUDO):
        shown = {code: str(text) for code, text in RULES.items()}
    assert all(
        t.startswith(i18n.PSEUDO_OPEN) and t.endswith(i18n.PSEUDO_CLOSE) for t in shown.values()
    )
    with i18n.using("fr"):
        french = {code: str(text) for code, text in RULES.items()}
    assert french["W105"] == "Source, fait ou référence juridique qui ne sert encore nulle part"
    assert all(not english_words(text) for text in french.values()), french


@pytest.fixture
def broken(tmp_path: Path) -> Iterator[Path]:
    """A copy of the first dossier, free to be broken."""
    folder = tmp_path / FIRST_DOSSIER.name
    shutil.copytree(FIRST_DOSSIER, folder)
    yield folder


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_problem_of_a_broken_dossier_is_wrapped_by_the_pseudo_language(
    broken: Path,
) -> None:
    edit(broken / "facts.yaml", "sources: [politique-france-2025]", "sources: [insee]")
    _, problems = check_dossier(broken, TODAY)
    assert [p.code for p in problems] == ["E101"]
    with i18n.using(i18n.PSEUDO):
        assert str(problems[0].message).startswith(i18n.PSEUDO_OPEN)
        assert str(problems[0].message).endswith(i18n.PSEUDO_CLOSE)


def test_check_on_a_broken_first_dossier_reads_french(broken: Path) -> None:
    edit(broken / "facts.yaml", "sources: [politique-france-2025]", "sources: [insee]")
    _, problems = check_dossier(broken, TODAY)
    with i18n.using("fr"):
        (shown,) = [str(p.message) for p in problems]
    assert shown.startswith(
        "La source «\u00a0insee\u00a0» n’existe pas dans le dossier (sources connues\u00a0: "
        "politique-france-2025, infos-it, "
    )

    edit(broken / "facts.yaml", "sources: [insee]", "sources: [politique-france-2025]")
    edit(broken / "dossier.yaml", "title:", "titre:")
    _, problems = check_dossier(broken, TODAY)
    with i18n.using("fr"):
        shown_all = [str(p.message) for p in problems]
    assert shown_all == [
        "Ce champ est obligatoire.",
        "Ce champ n’existe pas\u00a0: vouliez-vous dire «\u00a0title\u00a0»\u00a0?",
    ]


def test_warnings_of_the_first_dossier_come_from_the_catalogue(broken: Path) -> None:
    meeting = load_dossier(broken).meeting.date
    today = meeting + dt.timedelta(days=30)
    _, problems = check_dossier(broken, today)
    assert {"W201", "W303", "W501"} <= {p.code for p in problems}
    with i18n.using(i18n.PSEUDO):
        shown = [str(p.message) for p in problems]
    assert all(t.startswith(i18n.PSEUDO_OPEN) and t.endswith(i18n.PSEUDO_CLOSE) for t in shown)
    with i18n.using("fr"):
        (past,) = [str(p.message) for p in problems if p.code == "W303"]
    assert past == (
        f"La date de la séance, {meeting}, est passée (nous sommes le {today})\u00a0: vérifiez-la."
    )


def test_a_problem_found_in_english_reads_french_when_shown_to_a_french_reader(
    minimal: Path,
) -> None:
    edit(minimal / "facts.yaml", "sources: [journal]", "sources: [insee]")
    with i18n.using("en"), pytest.raises(InputError) as info:
        read_dossier(minimal)
    (problem,) = info.value.problems
    assert problem.message == "unknown source 'insee' (known: journal, direction)"
    with i18n.using("fr"):
        assert str(problem) == (
            f"{minimal}/facts.yaml:7: facts[0].sources[0]: La source «\u00a0insee\u00a0» "
            "n’existe pas dans le dossier (sources connues\u00a0: journal, direction)."
        )
        assert problem == Problem(problem.message, problem.file, 7, problem.field, "E101")
    assert hash(problem) == hash(Problem(problem.message, problem.file, 7, problem.field, "E101"))


def test_a_pickled_error_keeps_its_messages_translatable(minimal: Path) -> None:
    edit(minimal / "facts.yaml", "value: 12", "value: douze")
    with pytest.raises(InputError) as info:
        read_dossier(minimal)
    copy = pickle.loads(pickle.dumps(info.value))
    assert isinstance(copy, InputError) and copy.exit_code == 2
    assert copy.problems == info.value.problems
    with i18n.using("fr"):
        assert str(copy).endswith(
            "facts[0].value: Indiquez un nombre, en chiffres (par exemple 500)."
        )
    assert str(copy).endswith("facts[0].value: must be a number")


def test_a_technical_detail_follows_the_message_on_the_terminal(minimal: Path) -> None:
    (minimal / "extra.yaml").write_bytes(b"subtitle: [unclosed\n")
    with pytest.raises(BriefgenError) as info:
        read_dossier(minimal)
    (problem,) = info.value.problems
    assert problem.detail and problem.detail.startswith("while parsing a flow sequence")
    with i18n.using("fr"):
        assert str(problem.message) == "Le fichier est mal écrit"
        assert str(problem).endswith(f"Le fichier est mal écrit: {problem.detail}")


def test_a_source_nothing_cites_yet_is_a_warning_and_does_not_block_the_build(
    minimal: Path, tmp_path: Path
) -> None:
    sources = minimal / "sources.yaml"
    sources.write_text(
        sources.read_text(encoding="utf-8")
        + "  - id: nouvelle\n    title: Un article à lire\n    publisher: Le Soir\n"
        "    kind: press\n",
        encoding="utf-8",
    )
    dossier, _ = read_dossier(minimal)
    assert [s.id for s in dossier.sources][-1] == "nouvelle"

    runner = CliRunner()
    built = runner.invoke(
        main, ["build", str(minimal), "--doc", "note", "-f", "md", "--out", str(tmp_path / "o")]
    )
    assert built.exit_code == 0, built.output
    assert (tmp_path / "o" / "minimal" / "note-de-briefing.md").is_file()

    checked = runner.invoke(
        main, ["check", str(minimal), "--format", "json", "--today", "2026-11-23"]
    )
    assert checked.exit_code == 0, checked.output
    report = json.loads(checked.stdout)
    (unused,) = [f for f in report["findings"] if f["code"] == "W105"]
    assert unused["severity"] == "warning" and unused["field"] == "sources[2].id"
    assert unused["message"] == "'nouvelle' is never used (no fact cites it)"
    assert report["errors"] == 0
    strict = runner.invoke(main, ["check", str(minimal), "--strict", "--today", "2026-11-23"])
    assert strict.exit_code == 1

    _, problems = check_dossier(minimal, TODAY)
    with i18n.using("fr"):
        (message,) = [str(p.message) for p in problems if p.code == "W105"]
    assert message == (
        "La source «\u00a0nouvelle\u00a0» ne sert encore nulle part\u00a0: aucun fait ne la cite. "
        "Citez-la dans un fait, ou supprimez-la."
    )


def test_the_models_own_validators_raise_catalogue_messages() -> None:
    with pytest.raises(ValidationError) as info:
        Dossier.model_validate({"timeline": [{"when": "2025-13", "what": "x", "facts": ["f"]}]})
    (when,) = [e for e in info.value.errors() if e["loc"][-1] == "when"]
    with i18n.using("fr"):
        assert str(error_message(when)) == (
            "«\u00a02025-13\u00a0» n’est pas une vraie date\u00a0: vérifiez le jour et le mois."
        )
