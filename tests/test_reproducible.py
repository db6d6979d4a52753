"""Two builds of the same inputs give the same bytes, in every format, for every built-in
dossier, whatever subsets the fonts."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest

from briefgen.build import DOCUMENTS, Options, render_document
from briefgen.load import load_dossier
from briefgen.workspace import find_workspace
from conftest import FIRST_DOSSIER, ROOT, Builds, BuiltIn, dossier_params


@pytest.mark.parametrize("dossier", dossier_params())
def test_two_builds_give_the_same_bytes(builds: Builds, dossier: BuiltIn, tmp_path: Path) -> None:
    """Every file of every format (PDF, HTML, ODT, DOCX), built a second time elsewhere."""
    first = builds.documents(dossier)
    second = builds.build(dossier, tmp_path)
    names = sorted(path.name for path in first.iterdir())
    assert names == sorted(path.name for path in second.iterdir())
    differ = [name for name in names if (first / name).read_bytes() != (second / name).read_bytes()]
    assert not differ, f"{dossier.name}: {differ}"


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
