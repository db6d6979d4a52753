"""Data is never code, templates cannot reach Python or files, and limits hold."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen import templating
from briefgen.cli import main
from conftest import MINIMAL, pdf_text, run

PAYLOADS = [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    "{{ joiner.__init__.__globals__ }}",
    "{{ namespace.__init__.__globals__ }}",
    "{{ lipsum.__globals__['os'].popen('id').read() }}",
    "{{ config.items() }}",
    "{{ self.__init__.__globals__ }}",
    "{{ ''|attr('__class__') }}",
    "{{ ('' | attr('__class__')).__mro__ }}",
    "{{ '{0.__class__.__mro__}'.format('') }}",
    "{{ '%s' % ''.__class__ }}",
    "{{ request.application.__globals__ }}",
    "{{ dossier.__class__.__mro__ }}",
    "{{ dossier.model_dump.__globals__ }}",
    "{{ meeting.date.__class__ }}",
    "{% include '/etc/passwd' %}",
    "{% include '../../../../../../etc/passwd' %}",
    "{% extends 'default:../../../../etc/passwd' %}",
    "{{ 'x' * 10**8 }}",
    "{{ 2 ** 99999999 }}",
    "{% for i in range(10**9) %}{% endfor %}",
    "{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}",
]


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "ws"
    (ws / "seeds").mkdir(parents=True)
    (ws / "templates").mkdir()
    import shutil

    shutil.copytree(MINIMAL, ws / "seeds" / "minimal")
    monkeypatch.chdir(ws)
    return ws


@pytest.mark.parametrize("payload", PAYLOADS)
def test_template_injection_reaches_nothing(workspace: Path, payload: str) -> None:
    (workspace / "templates" / "tract.md.j2").write_text(payload + "\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["build", "minimal", "-d", "tract", "-f", "md"])
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
    assert result.stderr.startswith("error: templates/tract.md.j2") or result.stderr.startswith(
        "error: tract.md.j2"
    )
    for leak in ("root:", "uid=", "<class", "<function", "<module", "__builtins__", "Traceback"):
        assert leak not in result.output
    assert not (workspace / "output").exists()


def test_a_template_that_loops_without_end_is_stopped(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(templating, "MAX_RENDER_SECONDS", 1)
    (workspace / "templates" / "tract.md.j2").write_text(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}\n"
    )
    result = CliRunner().invoke(main, ["build", "minimal", "-d", "tract", "-f", "md"])
    assert result.exit_code == 2
    assert result.stderr == "error: tract.md.j2: still rendering after 1 s: a loop without end?\n"


HOSTILE = [
    "<script>alert('x')</script>",
    '<img src="file:///etc/passwd">',
    "![image](file:///etc/passwd)",
    "[lien](javascript:alert(1))",
    '[pièce](file:///etc/hostname){: rel="attachment"}',
    "{{ 7*7 }}",
    "{% raw %}x{% endraw %}",
    "<style>body{display:none}</style>",
    "**gras** _italique_ `code` ~~barré~~",
    "# Titre",
    "| a | b |",
    "&amp; &lt;b&gt; &#42;",
]


def test_a_tract_full_of_hostile_text_shows_it_literally(tmp_path: Path) -> None:
    import shutil

    folder = tmp_path / "minimal"
    shutil.copytree(MINIMAL, folder)
    hostile = " ".join(HOSTILE)
    dossier = folder / "dossier.yaml"
    text = dossier.read_text(encoding="utf-8")
    text = text.replace(
        "  headline: Un outil à l'essai", f"  headline: '{hostile[:200]}'".replace("'x'", "x")
    )
    text = text.replace(
        "  call_to_action: Venez en parler à vos élus.",
        "  call_to_action: >-\n    " + hostile.replace("'x'", "x"),
    )
    dossier.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["build", str(folder), "-d", "tract", "-f", "pdf", "-f", "html", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    pdf = "".join(pdf_text(out / "minimal" / "tract.pdf").split())
    for piece in [
        "<script>alert(x)</script>",
        "![image](file:///etc/passwd)",
        "{{ 7*7 }}",
        "[lien](javascript:alert(1))",
        "**gras** _italique_ `code`",
        "# Titre",
        "<style>body{display:none}</style>",
        "&amp; &lt;b&gt; &#42;",
    ]:
        assert "".join(piece.split()) in pdf, piece
    html = (out / "minimal" / "tract.html").read_text(encoding="utf-8")
    body = html.split("<body", 1)[1]
    assert "<script" not in body and '<img src="file' not in body and "<strong>gras" not in body
    assert "javascript:" not in body.replace("javascript:alert", "")  # only as text
    assert "49" not in pdf


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_two_builds_at_once_do_not_corrupt_each_other(tmp_path: Path) -> None:
    reference = tmp_path / "reference"
    command = [sys.executable, "-m", "briefgen", "build", str(MINIMAL), "-d", "tract", "-d", "note"]
    subprocess.run([*command, "--out", str(reference)], check=True, capture_output=True)
    shared = tmp_path / "shared"
    runs = [
        subprocess.Popen(
            [*command, "--out", str(shared)], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(3)
    ]
    for process in runs:
        process.communicate()
    assert [p.returncode for p in runs] == [0, 0, 0]
    for name in ("tract.pdf", "note-de-briefing.pdf"):
        assert run("qpdf", "--check", str(shared / "minimal" / name)).returncode == 0
        assert sha(shared / "minimal" / name) == sha(reference / "minimal" / name)
    assert sorted(p.name for p in (shared / "minimal").iterdir()) == [
        "note-de-briefing.pdf",
        "tract.pdf",
    ]  # no temporary file left behind


def test_a_build_that_fails_while_writing_leaves_earlier_files_identical(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    args = ["build", str(MINIMAL), "-d", "tract", "-d", "note", "-f", "md", "--out", str(out)]
    assert CliRunner().invoke(main, args).exit_code == 0
    before = {p.name: p.read_bytes() for p in (out / "minimal").iterdir()}
    text = (MINIMAL / "facts.yaml").read_text(encoding="utf-8")
    changed = tmp_path / "minimal"
    import shutil

    shutil.copytree(MINIMAL, changed)
    (changed / "facts.yaml").write_text(text.replace("Douze agents", "Quinze agents"))
    calls = {"n": 0}
    real_fsync = os.fsync

    def failing_fsync(fd: int) -> None:
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError(28, "No space left on device")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", failing_fsync)
    args[1] = str(changed)
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1
    assert result.stderr.endswith(": cannot write: No space left on device\n")
    after = {p.name: p.read_bytes() for p in (out / "minimal").iterdir()}
    assert after == before  # neither file replaced, no temporary file left
