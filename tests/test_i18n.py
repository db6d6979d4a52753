"""The message catalogues cover every message of the code and the page, with the same
placeholders, and the page and the terminal speak the language asked for."""

from __future__ import annotations

import configparser
import pickle

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from briefgen import i18n
from briefgen.errors import BriefgenError, Problem
from conftest import ROOT

KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "lazy": None,
    "lazy_plural": (1, 2),
    "N_": None,
}


def _extracted() -> Catalog:
    """Every message the code and the page's templates hand to the catalogue, as pybabel
    extracts them with babel.cfg (scripts/i18n extract)."""
    config = configparser.ConfigParser()
    config.read(ROOT / "babel.cfg")
    method_map = [(s.split(":", 1)[1].strip(), s.split(":", 1)[0]) for s in config.sections()]
    catalog = Catalog()
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(ROOT / "briefgen"), method_map, keywords=KEYWORDS
    ):
        catalog.add(message, None, [(filename, lineno)])
    return catalog


def _catalogue(lang: str) -> Catalog:
    path = i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


@pytest.mark.parametrize("lang", [lang for lang in i18n.available() if lang != i18n.DEFAULT])
def test_every_message_is_translated_with_the_same_placeholders(lang: str) -> None:
    catalogue = _catalogue(lang)
    missing = [
        m.id for m in _extracted() if m.id and not (catalogue.get(m.id) and catalogue[m.id].string)
    ]
    assert missing == [], f"{len(missing)} messages without a {lang} translation: {missing[:20]}"
    fuzzy = [m.id for m in catalogue if m.id and m.fuzzy]
    assert fuzzy == []
    errors = [(m.id, [str(e) for e in errs]) for m, errs in catalogue.check()]
    assert errors == []


def test_no_translation_is_left_that_the_code_no_longer_uses() -> None:
    used = {m.id if isinstance(m.id, str) else m.id[0] for m in _extracted() if m.id}
    unused = [
        m.id
        for m in _catalogue("fr")
        if m.id and (m.id if isinstance(m.id, str) else m.id[0]) not in used
    ]
    assert unused == []


def test_a_message_reads_in_the_language_of_whoever_reads_it() -> None:
    problem = Problem(i18n.lazy("Nothing was changed: nothing was saved."))
    error = pickle.loads(pickle.dumps(BriefgenError(problem)))  # as from a worker process
    with i18n.using("fr"):
        assert str(error.problems[0].message) == "Rien n’a changé\u00a0: rien n’a été enregistré."
    with i18n.using("en"):
        assert str(error.problems[0].message) == "Nothing was changed: nothing was saved."
    with i18n.using(i18n.PSEUDO):
        assert str(error.problems[0].message) == "⟦Nothing was changed: nothing was saved.⟧"


@pytest.mark.parametrize(
    ("environ", "lang"),
    [
        ({"LANG": "fr_FR.UTF-8"}, "fr"),
        ({"LANG": "fr_CA.UTF-8", "LANGUAGE": "de:fr"}, "fr"),
        ({"LC_ALL": "C", "LANG": "fr_FR.UTF-8"}, "en"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_language_follows_the_locale(environ: dict[str, str], lang: str) -> None:
    assert i18n.from_environment(environ) == lang
