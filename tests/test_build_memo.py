"""The fitter's memo, the page at any scale without the templates, and the print jobs a
worker process runs (briefgen/press.py)."""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from briefgen import build, press
from briefgen.build import DOCUMENTS, TRACT_FIT, Options, plan, render_all, render_document
from briefgen.layout import page
from briefgen.load import load_dossier
from briefgen.models import Dossier
from briefgen.pdf import Layout
from briefgen.templating import load_labels
from briefgen.workspace import Workspace, find_workspace
from conftest import FIRST_DOSSIER, ROOT


@pytest.fixture(scope="module")
def workspace() -> Workspace:
    return find_workspace(ROOT)


@pytest.fixture(scope="module")
def dossier() -> Dossier:
    return load_dossier(FIRST_DOSSIER)


@pytest.fixture(scope="module")
def searched(dossier: Dossier, workspace: Workspace) -> build.Built:
    """The first dossier's tract, its type scale searched for (no memo)."""
    return render_document(dossier, DOCUMENTS["tract"], Options(), workspace)


def test_a_remembered_choice_is_laid_out_once_into_the_same_bytes(
    dossier: Dossier, workspace: Workspace, searched: build.Built
) -> None:
    memo = press.Memo()
    first = render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    assert first.files == searched.files
    assert first.layouts == searched.layouts > 1  # the memo was empty: a search
    assert len(memo.decisions) == 1
    again = render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    assert again.layouts == 1
    assert again.files == searched.files


def test_a_changed_page_misses_and_starts_at_the_last_scale(
    dossier: Dossier, workspace: Workspace, searched: build.Built
) -> None:
    memo = press.Memo()
    render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    (key,) = memo.decisions
    changed = dossier.model_copy(update={"title": dossier.title + " bis"})
    seen: list[float | None] = []

    def spy(*args: object, start: float | None = None) -> tuple[float, Layout, int]:
        seen.append(start)
        return press.fit(*args, start=start)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(build, "fit", spy)
        render_document(changed, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    assert len(memo.decisions) == 2 and key in memo.decisions  # a new page, a new choice
    assert seen == [memo.decisions[key]["scale"]]  # searched for, from the last scale


def test_a_changed_file_the_page_uses_makes_the_fitter_search_again(
    dossier: Dossier, workspace: Workspace, searched: build.Built
) -> None:
    memo = press.Memo()
    render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    (decision,) = memo.decisions.values()
    decision["files"]["templates/print.css"] = "0" * 64  # as if it had changed since
    again = render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    assert again.layouts > 1
    assert again.files == searched.files


def test_the_memo_can_be_turned_off(
    dossier: Dossier, workspace: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    memo = press.Memo()
    render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    monkeypatch.setenv(press.Memo.OFF, "0")
    again = render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    assert again.layouts > 1


def test_a_wrong_remembered_scale_is_not_trusted(
    dossier: Dossier, workspace: Workspace, searched: build.Built
) -> None:
    """A scale that overflows the page (a memo written by another version…) is searched
    past: the result is the fitter's."""
    memo = press.Memo()
    render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    (decision,) = memo.decisions.values()
    decision["scale"] = TRACT_FIT.scales()[-1]
    again = render_document(dossier, DOCUMENTS["tract"], Options(), workspace, memo=memo)
    assert again.files == searched.files


def test_the_memo_is_kept_in_the_output_folder(tmp_path: Path) -> None:
    memo = press.Memo({"k": {"scale": 0.9, "files": {}}}, {"d/tract//pdf/ua-1": 0.9})
    memo.save(tmp_path)
    assert press.Memo.load(tmp_path) == memo
    (tmp_path / press.Memo.FILE).write_text("{not json", encoding="utf-8")
    assert press.Memo.load(tmp_path) == press.Memo()
    assert press.Memo.load(tmp_path / "none") == press.Memo()


def test_the_page_at_any_scale_is_the_templates_page(
    dossier: Dossier, workspace: Workspace
) -> None:
    kind = DOCUMENTS["tract"]
    prepared = build.prepare(dossier, kind, Options(), workspace, detached=True)
    job = prepared.job
    assert job is not None and job.point is not None
    dirs = workspace.template_dirs
    labels = load_labels(dossier.lang, dirs)
    branding = workspace.branding()
    # The page's furniture, from the job's own page at scale 1.
    meta = build._page_meta(
        dossier,
        kind,
        labels,
        branding.name,
        Options().created or build.creation_date(dossier),
        Options(),
        workspace,
        build.provenance.dossier_hash(dossier),
        None,
    )
    context = build._markdown(dossier, kind, dossier.lang, workspace)
    body = build.typography.for_print(
        build.typography.apply(build.to_html(context[0]), dossier.lang)
    )
    for scale in TRACT_FIT.scales():
        assert job.at(scale) == page(body, replace(meta, scale=scale), labels, dirs, branding)


def test_a_layout_that_shows_the_scale_otherwise_gets_every_page_made() -> None:
    at_one = '<div class="scaled">x</div>'
    assert press.scale_point(at_one, '<div class="scaled" style="font-size: 0.500em">x</div>', 0.5)
    assert press.scale_point(at_one, '<div class="scaled" style="zoom: 0.5">x</div>', 0.5) is None
    other = '<div class="scaled" style="font-size: 0.500em">x</div><p>0.5</p>'
    assert press.scale_point(at_one, other, 0.5) is None


def test_the_resolver_a_worker_receives_serves_only_templates_and_assets(
    tmp_path: Path,
) -> None:
    """What a print worker may fetch (`Workspace.resolve` is this same rule): a workspace's
    own template first, then the built-in one; its assets; nothing else, nothing that
    climbs out of those folders."""
    from briefgen.templating import TEMPLATE_DIR

    own = tmp_path / "templates"
    (own / "fonts").mkdir(parents=True)
    (own / "print.css").write_text("p {}", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "logo.png").write_bytes(b"png")
    (tmp_path / "secret.txt").write_text("no", encoding="utf-8")
    resolver = press.Resolver((own, TEMPLATE_DIR), tmp_path / "assets")
    assert resolver("templates/print.css") == (own / "print.css").resolve()
    assert (
        resolver("templates/fonts/Lato-Regular.ttf")
        == (TEMPLATE_DIR / "fonts" / "Lato-Regular.ttf").resolve()
    )
    assert resolver("assets/logo.png") == (tmp_path / "assets" / "logo.png").resolve()
    for refused in [
        "templates/../secret.txt",
        "assets/../secret.txt",
        "templates/none.css",
        "templates",
        "secret.txt",
        str(tmp_path / "secret.txt"),
        "/etc/passwd",
    ]:
        assert resolver(refused) is None, refused


def test_labels_are_read_again_when_their_file_changes(tmp_path: Path) -> None:
    own = tmp_path / "labels" / "fr.yaml"
    own.parent.mkdir()
    own.write_text("tract_title: Un\n", encoding="utf-8")
    dirs = (tmp_path, *find_workspace(ROOT).template_dirs)
    assert load_labels("fr", dirs)["tract_title"] == "Un"
    load_labels("fr", dirs)["tract_title"] = "changed by a caller"
    assert load_labels("fr", dirs)["tract_title"] == "Un"
    own.write_text("tract_title: Deux\n", encoding="utf-8")
    stat = own.stat()
    os.utime(own, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    assert load_labels("fr", dirs)["tract_title"] == "Deux"


def test_worker_processes_print_the_same_documents(dossier: Dossier, workspace: Workspace) -> None:
    jobs = plan(dossier, ["tract", "note"])
    options = Options(formats=("pdf", "html", "md"))
    here = render_all(jobs, options, workspace, "dossier.yaml")
    memo = press.Memo()
    with ProcessPoolExecutor(max_workers=1) as pool:
        there = render_all(jobs, options, workspace, "dossier.yaml", pool, memo=memo)
    assert [b.files for b in there] == [b.files for b in here]
    assert [b.filename for b in there] == [b.filename for b in here]
    assert len(memo.decisions) == 1  # the tract's; the note has no type to fit
