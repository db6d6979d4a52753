"""Broken inputs never crash and never lose work: each gets its one-line errors, exit 2,
and the earlier output stays byte for byte as it was."""

from __future__ import annotations

import os
import shutil
import struct
import zlib
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from briefgen.cli import main
from conftest import MINIMAL

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())


def workspace_with(tmp_path: Path, overlay: Path | None = None) -> tuple[Path, Path]:
    """A workspace holding the minimal dossier (with `overlay` applied) and earlier output."""
    ws = tmp_path / "ws"
    dossier = ws / "seeds" / "minimal"
    shutil.copytree(MINIMAL, dossier)
    if overlay is not None:
        for file in overlay.rglob("*"):
            if file.is_file() and file.name != "expected.txt":
                relative = file.relative_to(overlay)
                at_root = relative.parts[0] in ("briefgen.toml", "assets")
                target = (ws if at_root else dossier) / relative
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(file, target)
    earlier = ws / "output" / "minimal"
    earlier.mkdir(parents=True)
    for name in ("note-de-briefing.pdf", "tract.pdf", "note-de-briefing.md"):
        (earlier / name).write_bytes(b"earlier output " + name.encode())
    return ws, dossier


def build(ws: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--workspace", str(ws), "build", "minimal", *args])
    assert "Traceback" not in result.output
    return result.exit_code, result.stderr


def assert_untouched(ws: Path) -> None:
    earlier = ws / "output" / "minimal"
    assert sorted(p.name for p in earlier.iterdir()) == [
        "note-de-briefing.md",
        "note-de-briefing.pdf",
        "tract.pdf",
    ]
    for path in earlier.iterdir():
        assert path.read_bytes() == b"earlier output " + path.name.encode()


def test_the_corpus_has_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_broken_input(case: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ws, _ = workspace_with(tmp_path, case)
    monkeypatch.chdir(ws)
    code, err = build(ws, "-f", "pdf", "-f", "md")
    expected = (case / "expected.txt").read_text(encoding="utf-8")
    assert code == 2
    assert err == expected.replace("{dossier}", "seeds/minimal")
    assert all(line.startswith("error: ") for line in err.splitlines())
    assert_untouched(ws)


def png_bomb(width: int, height: int) -> bytes:
    """A small PNG whose header claims width × height pixels."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    body = zlib.compress(b"\x00" * 100_000, 9)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", body) + chunk(b"IEND", b"")
    )


Setup = Callable[[Path, Path], None]


def huge_file(ws: Path, dossier: Path) -> None:
    with (dossier / "huge.yaml").open("wb") as handle:
        handle.write(b"# ")
        handle.write(b"x" * (50 * 1024 * 1024))


def deep_nesting(ws: Path, dossier: Path) -> None:
    (dossier / "deep.yaml").write_text("a: " + "[" * 50_000 + "]" * 50_000 + "\n")


def device(ws: Path, dossier: Path) -> None:
    os.symlink("/dev/zero", dossier / "zero.yaml")


def directory(ws: Path, dossier: Path) -> None:
    (dossier / "folder.yaml").mkdir()


def logo_bomb(ws: Path, dossier: Path) -> None:
    (ws / "assets").mkdir()
    (ws / "assets" / "logo.png").write_bytes(png_bomb(100_000, 100_000))
    (ws / "briefgen.toml").write_text('[union]\nlogo = "assets/logo.png"\n')


def template_bomb(ws: Path, dossier: Path) -> None:
    (ws / "assets").mkdir()
    (ws / "assets" / "bomb.png").write_bytes(png_bomb(100_000, 100_000))
    (ws / "templates").mkdir()
    (ws / "templates" / "tract.md.j2").write_text('<img src="assets/bomb.png" alt="x">\n')


GENERATED: list[tuple[str, Setup, str]] = [
    (
        "50 MB file",
        huge_file,
        "error: seeds/minimal/huge.yaml:1: file too large (52428802 bytes, limit 2097152)\n",
    ),
    (
        "deep nesting",
        deep_nesting,
        "error: seeds/minimal/deep.yaml:1: nested more than 20 levels deep\n",
    ),
    ("device", device, "error: seeds/minimal/zero.yaml:1: not a regular file\n"),
    ("directory", directory, "error: seeds/minimal/folder.yaml:1: not a regular file\n"),
    (
        "logo bomb",
        logo_bomb,
        "error: briefgen.toml:2: union.logo: an image of 10 000 000 000 pixels (more than "
        "40 000 000): too large to print\n",
    ),
]


@pytest.mark.parametrize(("name", "setup", "expected"), GENERATED, ids=[g[0] for g in GENERATED])
def test_generated_broken_input(
    name: str, setup: Setup, expected: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, dossier = workspace_with(tmp_path)
    setup(ws, dossier)
    monkeypatch.chdir(ws)
    code, err = build(ws, "-f", "pdf", "-f", "md")
    assert (code, err) == (2, expected)
    assert_untouched(ws)


def test_an_image_bomb_in_a_template_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, dossier = workspace_with(tmp_path)
    template_bomb(ws, dossier)
    monkeypatch.chdir(ws)
    code, err = build(ws, "-d", "tract")
    assert code == 1
    assert err == (
        f"error: templates/tract.md.j2: resource refused: {ws.as_uri()}/assets/bomb.png "
        "(an image of 10 000 000 000 pixels (more than 40 000 000))\n"
    )
    assert_untouched(ws)
