"""The warm renderer (`briefgen.warm`, issue 22 item 2): worker processes that start warm,
stop a render a newer request supersedes, survive a worker's death, are replaced after a
number of renders, and make the same bytes as the command line.  The page's use of it:
the panel's document made again after a save while a panel is open, not otherwise.

Run on tests/dossiers/minimal, not the first dossier.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import pytest
import warm_tasks

import briefgen.pdf
import briefgen.web
from briefgen.build import DOCUMENTS, Job, Options, _render_job, prepare_job
from briefgen.lint import buildable
from briefgen.warm import Superseded, WarmPool
from briefgen.workspace import find_workspace
from conftest import invoke_in, seeded
from pages import open_form, submit

BASE = "/d/minimal"
FORM = f"{BASE}/edit/key_points/item/0"


@pytest.fixture
def pool() -> Iterator[WarmPool]:
    warm = WarmPool(1)
    yield warm
    warm.shutdown()


def in_thread(function: Any, *args: Any, **kwargs: Any) -> Future[Any]:
    result: Future[Any] = Future()

    def run() -> None:
        try:
            result.set_result(function(*args, **kwargs))
        except BaseException as error:
            result.set_exception(error)

    threading.Thread(target=run, daemon=True).start()
    return result


def wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.01)


def test_a_render_under_way_stops_when_a_newer_request_comes(
    pool: WarmPool, tmp_path: Path
) -> None:
    started = tmp_path / "started"
    first = in_thread(pool.run, warm_tasks.spin, str(started), ticket=pool.ticket("tract"))
    wait_for(started)  # it runs, in a worker
    assert int(started.read_text()) in pool.pids()
    other = pool.ticket("note")  # another document supersedes nothing
    assert not first.done() and pool.is_latest(other)
    newer = pool.ticket("tract")
    with pytest.raises(Superseded):
        first.result(timeout=60)  # stopped: it would have said "finished" after 60 s
    assert pool.is_latest(newer)
    assert pool.run(warm_tasks.pid) in pool.pids()  # the worker is still there, and warm


def test_a_request_superseded_while_it_waits_never_starts(pool: WarmPool, tmp_path: Path) -> None:
    busy = tmp_path / "busy"
    blocking = in_thread(pool.run, warm_tasks.spin, str(busy), ticket=pool.ticket("note"))
    wait_for(busy)  # the only worker is taken
    waiting_mark = tmp_path / "waiting"
    waiting = in_thread(pool.run, warm_tasks.spin, str(waiting_mark), ticket=pool.ticket("tract"))
    pool.ticket("tract")
    pool.ticket("note")  # lets the first one go
    with pytest.raises(Superseded):
        blocking.result(timeout=60)
    with pytest.raises(Superseded):
        waiting.result(timeout=60)
    assert not waiting_mark.exists()  # it never started


def test_a_worker_that_dies_is_replaced_and_the_render_tried_again(
    pool: WarmPool, tmp_path: Path
) -> None:
    marker = tmp_path / "died"
    assert pool.run(warm_tasks.die_once, str(marker)) == "rendered"
    assert marker.read_text() == "died"
    assert pool.restarts == 1
    assert pool.run(warm_tasks.pid) in pool.pids()


def test_a_worker_is_replaced_after_its_share_of_renders() -> None:
    warm = WarmPool(1, max_tasks=2)
    try:
        seen = [warm.run(warm_tasks.pid) for _ in range(6)]
    finally:
        warm.shutdown()
    assert len(set(seen)) == 3, seen  # two renders each


def test_a_checkpoint_stops_the_fitter_between_layouts(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tract's fitter looks before each layout and before writing: a newer request
    after its first layout stops it there (here in this process, as without workers)."""
    warm = WarmPool(0)
    ticket = warm.ticket(("minimal", "tract"))
    layouts: list[float] = []
    written: list[object] = []
    real_lay_out, real_write = briefgen.pdf.lay_out, briefgen.pdf.write_pdf

    def lay_out(*args: Any, **kwargs: Any) -> Any:
        layouts.append(1)
        warm.ticket(("minimal", "tract"))  # a save came meanwhile
        return real_lay_out(*args, **kwargs)

    def write_pdf(*args: Any, **kwargs: Any) -> Any:
        written.append(args)
        return real_write(*args, **kwargs)

    monkeypatch.setattr(briefgen.pdf, "lay_out", lay_out)
    monkeypatch.setattr(briefgen.pdf, "write_pdf", write_pdf)
    folder = workspace / "seeds" / "minimal"
    dossier = buildable(folder, dt.date.today())
    job = Job(DOCUMENTS["tract"], dossier, "tract")
    with pytest.raises(Superseded):
        warm.run(_render_job, job, Options(), find_workspace(workspace), "x", ticket=ticket)
    assert layouts == [1] and written == []
    # without a newer request, the same render goes to the end
    monkeypatch.setattr(briefgen.pdf, "lay_out", real_lay_out)
    built = warm.run(
        _render_job, job, Options(), find_workspace(workspace), "x", ticket=warm.ticket("t")
    )
    assert built.files["pdf"].startswith(b"%PDF")


def test_the_workers_make_the_bytes_of_briefgen_build(workspace: Path, tmp_path: Path) -> None:
    app = briefgen.web.create_app(find_workspace(workspace), render_workers=1)
    app.config["TESTING"] = True
    pool: WarmPool = app.extensions["briefgen"].render
    try:
        client = app.test_client()
        warm = client.get(f"{BASE}/panel/tract.pdf").data
        assert pool.pids()  # made by a worker process
    finally:
        pool.shutdown()
    out = tmp_path / "out"
    code, _out, err = invoke_in(workspace, "build", "minimal", "--doc", "tract", "-o", str(out))
    assert code == 0, err
    assert (out / "minimal" / "tract.pdf").read_bytes() == warm


def test_a_save_makes_the_open_panels_document_again(workspace: Path) -> None:
    app = briefgen.web.create_app(find_workspace(workspace), render_workers=1)
    app.config["TESTING"] = True
    client = app.test_client()
    renderer = app.extensions["briefgen.panel"]
    try:
        _saves_then_panel(client, renderer)
    finally:
        renderer.pool.shutdown()


def _saves_then_panel(client: Any, renderer: Any) -> None:
    sent = open_form(client, FORM)
    sent.fill(text="Les agents testent un outil contesté.")
    assert submit(client, sent).status_code == 303
    assert renderer.timers == {} and not renderer.kept  # no panel open: nothing made

    status = client.get(f"{BASE}/panel/tract/status").get_json()  # a panel opens
    sent = open_form(client, FORM)
    sent.fill(text="Les agents testent un outil très contesté.")
    assert submit(client, sent).status_code == 303
    after = client.get(f"{BASE}/panel/tract/status").get_json()
    assert after["hash"] != status["hash"]
    deadline = time.monotonic() + 60
    while renderer.known(("minimal", "tract"), after["hash"]) is None:
        assert time.monotonic() < deadline, "the panel's tract was not made after the save"
        time.sleep(0.05)
    asked = renderer.asked[("minimal", "tract")]
    assert client.get(f"{BASE}/panel/tract.pdf").status_code == 200
    assert renderer.asked[("minimal", "tract")] == asked  # served from what was made


def test_a_probe_lays_out_the_scale_above_for_the_worker_that_prints(
    tmp_path: Path,
) -> None:
    """After an edit the tract's fitter starts from its last scale and must know the scale
    above overflows: a second worker lays that one out meanwhile, and the printing worker,
    finding it done, lays out one page fewer, into the same bytes.  A probe of a scale that
    fits is never used (that layout is the one written)."""
    from briefgen import press
    from conftest import FIRST_DOSSIER

    folder = seeded(tmp_path / "ws", FIRST_DOSSIER)
    workspace = find_workspace(tmp_path / "ws")
    dossier = buildable(folder, dt.date.today())
    memo = press.Memo()
    job = Job(DOCUMENTS["tract"], dossier, "tract")
    _render_job(job, Options(), workspace, "x", memo)  # the scale the tract had last
    edited = dossier.model_copy(update={"subtitle": "Une autre ligne de titre"})
    page = prepare_job(Job(DOCUMENTS["tract"], edited, "tract"), Options(), workspace, "x", memo)
    assert page.job is not None
    above = press.next_scale(page.job)
    assert page.job.last is not None and above is not None and above > page.job.last
    alone = press.run(page.job)  # no probe: the last scale fits, the one above does not
    assert alone.scale == page.job.last and alone.layouts == 2
    pool = WarmPool(2)
    try:
        ticket = pool.ticket(("ftl", "tract"))
        pool.run(press.probe, page.job, above, ticket=ticket)  # done before the print starts
        helped = pool.run(press.run, page.job, ticket=ticket)
        below = pool.ticket(("ftl", "tract"))
        pool.run(press.probe, page.job, page.job.last, ticket=below)  # a scale that fits
        unhelped = pool.run(press.run, page.job, ticket=below)
    finally:
        pool.shutdown()
    assert helped.pdf == alone.pdf and helped.scale == alone.scale
    assert helped.layouts == alone.layouts - 1
    assert unhelped.pdf == alone.pdf and unhelped.layouts == alone.layouts
