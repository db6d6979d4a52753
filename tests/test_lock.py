"""Builds run on the locked set: requirements.lock pins, with hashes, every requirement of
setup.cfg (within its range), and the environment the tests run in is that set."""

from __future__ import annotations

import re
from importlib.metadata import PackageNotFoundError, version

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from setuptools.config.setupcfg import read_configuration

from conftest import ROOT

PIN = re.compile(
    r"^([A-Za-z0-9_.\-]+)==(\S+) \\\n((?:    --hash=sha256:[0-9a-f]{64}(?: \\)?\n)+)", re.M
)


def _locked() -> dict[str, str]:
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {canonicalize_name(m.group(1)): m.group(2) for m in PIN.finditer(text)}


def _required() -> list[Requirement]:
    options = read_configuration(ROOT / "setup.cfg")["options"]
    extras = options["extras_require"]
    return [Requirement(r) for r in [*options["install_requires"], *extras["test"], *extras["dev"]]]


def test_every_requirement_is_pinned_with_hashes_within_its_range() -> None:
    locked = _locked()
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert len(locked) == len(re.findall(r"^[A-Za-z0-9_.\-]+==", text, re.M))  # all hashed
    for requirement in _required():
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in requirements.lock: run scripts/lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), (name, locked[name])


def test_the_tests_run_on_the_locked_versions() -> None:
    for name, pinned in _locked().items():
        try:
            installed = version(name)
        except PackageNotFoundError:
            continue  # a platform-specific dependency of another platform
        assert installed == pinned, f"{name} {installed} installed, {pinned} locked"
