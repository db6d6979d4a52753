"""Live preview: rebuild on change, survive broken files, serve the preview safely."""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.build import Options
from briefgen.hosts import guard_for
from briefgen.scaffold import init_workspace
from briefgen.watch import RELOAD_SCRIPT, Watcher, make_server
from briefgen.workspace import find_workspace


@pytest.fixture
def watcher(tmp_path: Path) -> Watcher:
    root = tmp_path / "ws"
    init_workspace(root)
    watcher = Watcher(root, root / "seeds" / "exemple", ["note", "tract"], Options(("html",)))
    assert watcher.rebuild().startswith("rebuilt note, tract (2 files) in ")
    return watcher


def note_html(watcher: Watcher) -> str:
    assert watcher.output_dir is not None
    return (watcher.output_dir / "note-de-briefing.html").read_text(encoding="utf-8")


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_nothing_changed_nothing_rebuilt(watcher: Watcher) -> None:
    assert watcher.poll() is None
    (watcher.workspace_root / "output" / "scratch.txt").write_text("x")  # output is not watched
    assert watcher.poll() is None


def test_a_saved_dossier_change_is_rebuilt(watcher: Watcher) -> None:
    facts = watcher.dossier_dir / "facts.yaml"
    edit(facts, "pour 120 salariés", "pour 135 salariés")
    report = watcher.poll()
    assert report is not None
    changed, rebuilt = report.splitlines()
    assert changed.endswith("seeds/exemple/facts.yaml")
    assert rebuilt.startswith("rebuilt note, tract (2 files) in ")
    assert "135 salariés" in note_html(watcher) and watcher.version == 2


def test_a_broken_file_is_reported_and_the_watch_goes_on(watcher: Watcher) -> None:
    facts = watcher.dossier_dir / "facts.yaml"
    before = note_html(watcher)
    edit(facts, "  - id: deploiement", "\t- id: deploiement")
    report = watcher.poll()
    line = facts.read_text(encoding="utf-8").splitlines().index("\t- id: deploiement") + 1
    assert report is not None
    assert report.splitlines()[1] == (
        f"error: {facts}:{line}: invalid YAML: a tab character; indent with spaces, not tabs"
    )
    assert note_html(watcher) == before and watcher.version == 1  # earlier output kept
    assert watcher.poll() is None  # waits for the next change
    edit(facts, "\t- id: deploiement", "  - id: deploiement")
    assert (watcher.poll() or "").splitlines()[1].startswith("rebuilt")


def test_template_and_config_changes_are_rebuilt(watcher: Watcher) -> None:
    templates = watcher.workspace_root / "templates"
    (templates / "labels").mkdir()
    (templates / "labels" / "fr.yaml").write_text("key_points: Résumé\n", encoding="utf-8")
    assert "rebuilt" in (watcher.poll() or "")
    assert "Résumé" in note_html(watcher)
    edit(watcher.workspace_root / "briefgen.toml", 'accent = "#1d4e89"', 'accent = "bleu"')
    assert "is not a colour" in (watcher.poll() or "")


@pytest.fixture
def server(watcher: Watcher) -> Iterator[str]:
    workspace = find_workspace(watcher.workspace_root)
    httpd = make_server(watcher, workspace, "127.0.0.1", 0, guard_for("127.0.0.1"))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, b""


def test_preview_serves_pages_that_reload_themselves(server: str, watcher: Watcher) -> None:
    status, index = get(server + "/")
    assert status == 200 and b'href="/note-de-briefing.html"' in index
    status, page = get(server + "/note-de-briefing.html")
    assert status == 200 and RELOAD_SCRIPT.encode() in page and b"120 salari" in page
    assert get(server + "/__version") == (200, b"1")
    edit(watcher.dossier_dir / "facts.yaml", "pour 120 salariés", "pour 135 salariés")
    watcher.poll()
    assert get(server + "/__version") == (200, b"2")
    assert b"135 salari" in get(server + "/note-de-briefing.html")[1]


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/templates/fonts/Lato-Regular.ttf", 200),
        ("/assets/logo.svg", 200),
        ("/briefgen.toml", 404),
        ("/templates/../briefgen.toml", 404),
        ("/%2e%2e/%2e%2e/etc/passwd", 404),
        ("/seeds/exemple/facts.yaml", 404),
        ("/output/exemple/note-de-briefing.html", 404),
    ],
)
def test_preview_serves_nothing_else(server: str, path: str, status: int) -> None:
    assert get(server + path)[0] == status


def test_a_change_during_a_rebuild_stops_it_and_the_next_poll_rebuilds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The change lands during the tract's first layout: the rebuild stops there (the
    layout looks out for a newer request until it is told, as the fitter does between
    layouts), writes nothing, and the next poll builds the changed dossier."""
    import briefgen.pdf
    from briefgen.warm import checkpoint

    root = tmp_path / "ws"
    init_workspace(root)
    watcher = Watcher(root, root / "seeds" / "exemple", ["tract"], Options(("pdf",)))
    facts = watcher.dossier_dir / "facts.yaml"
    real = briefgen.pdf.lay_out
    calls: list[int] = []

    def lay_out(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            edit(facts, "pour 120 salariés", "pour 135 salariés")
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                checkpoint()  # raises once the watcher has seen the change
                time.sleep(0.01)
            raise AssertionError("the change was not seen during the rebuild")
        return real(*args, **kwargs)

    monkeypatch.setattr(briefgen.pdf, "lay_out", lay_out)
    report = watcher.rebuild()
    assert report == "stopped: a file changed during the rebuild; rebuilding from it"
    assert not list((root / "output").rglob("*.pdf")) and watcher.version == 0
    again = watcher.poll()
    assert again is not None and again.splitlines()[1].startswith("rebuilt tract (1 file) in ")
    assert watcher.version == 1 and list((root / "output").rglob("tract.pdf"))
