"""Two builds of the same inputs give the same bytes, whatever subsets the fonts."""

from __future__ import annotations

import hashlib
import os
import time

import pytest

from briefgen.build import DOCUMENTS, Options, render_document
from briefgen.load import load_dossier
from briefgen.workspace import find_workspace
from conftest import FIRST_DOSSIER, ROOT


def test_identical_bytes_with_the_fonttools_subsetter(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without HarfBuzz's subsetter, fontTools subsets the fonts and would stamp each one
    with the time of the build; two builds a second apart must still be identical."""
    from weasyprint.pdf import fonts

    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    workspace = find_workspace(ROOT)
    dossier = load_dossier(FIRST_DOSSIER)
    digests = []
    for _ in range(2):
        built = render_document(dossier, DOCUMENTS["tract"], Options(), workspace)
        digests.append(hashlib.sha256(built.files["pdf"]).hexdigest())
        time.sleep(1.1)
    assert digests[0] == digests[1]
    assert "SOURCE_DATE_EPOCH" not in os.environ


def test_the_subsetter_is_really_fonttools_then(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test above exercises fontTools: its subset differs from HarfBuzz's."""
    from weasyprint.pdf import fonts

    if fonts.harfbuzz_subset is None:
        pytest.skip("HarfBuzz's subsetter is not installed (libharfbuzz-subset0)")
    workspace = find_workspace(ROOT)
    dossier = load_dossier(FIRST_DOSSIER)
    harfbuzz = render_document(dossier, DOCUMENTS["tract"], Options(), workspace).files["pdf"]
    monkeypatch.setattr(fonts, "harfbuzz_subset", None)
    fonttools = render_document(dossier, DOCUMENTS["tract"], Options(), workspace).files["pdf"]
    assert harfbuzz != fonttools
