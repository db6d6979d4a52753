"""Incremental builds: each output records a digest of everything it was made from.

The digest covers the dossier's files, the workspace's templates and assets,
the built-in templates, briefgen.toml, briefgen's own code, the build options
and SOURCE_DATE_EPOCH.  A build whose digest and outputs are unchanged is
skipped.  The manifest lives in the output folder (`.briefgen-manifest.json`),
so deleting or editing an output also triggers a rebuild.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

MANIFEST = ".briefgen-manifest.json"
PACKAGE_DIR = Path(__file__).resolve().parent


def _files(paths: Iterable[Path]) -> list[Path]:
    found: set[Path] = set()
    for path in paths:
        if path.is_file():
            found.add(path.resolve())
        elif path.is_dir():
            found.update(p.resolve() for p in path.rglob("*") if p.is_file())
    return sorted(p for p in found if "__pycache__" not in p.parts)


def input_digest(sources: Iterable[Path], settings: Mapping[str, Any]) -> str:
    """One SHA-256 over the named files (path and content) and the settings."""
    digest = hashlib.sha256(json.dumps(settings, sort_keys=True, default=str).encode())
    for path in _files([*sources, PACKAGE_DIR]):
        digest.update(str(path).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def _file_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _load(out_dir: Path) -> dict[str, Any]:
    try:
        data = json.loads((out_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def up_to_date(out_dir: Path, key: str, digest: str) -> list[Path] | None:
    """The outputs recorded for `key` if they were made from `digest` and are intact."""
    entry = _load(out_dir).get(key)
    if not isinstance(entry, dict) or entry.get("digest") != digest:
        return None
    files = entry.get("files")
    if not isinstance(files, dict) or not files:
        return None
    paths = [out_dir / name for name in files]
    if any(_file_hash(path) != files[path.relative_to(out_dir).as_posix()] for path in paths):
        return None
    return paths


def record(out_dir: Path, key: str, digest: str, written: Iterable[Path]) -> None:
    """Remember that `written` were made from `digest` (best effort, atomic)."""
    manifest = _load(out_dir)
    manifest[key] = {
        "digest": digest,
        "files": {p.relative_to(out_dir).as_posix(): _file_hash(p) for p in written},
    }
    temporary = out_dir / f"{MANIFEST}.{os.getpid()}.tmp"
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(temporary, out_dir / MANIFEST)
    except OSError:
        temporary.unlink(missing_ok=True)
