"""The terminal speaks the user's language: French on a French system or with --ui-lang fr,
English with --ui-lang en, and nothing a person reads outside the message catalogue."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import click
import pytest
from babel.messages.extract import extract_from_dir, extract_from_file
from babel.messages.pofile import read_po
from click.testing import CliRunner
from flask import Flask

from briefgen import cli as cli_module
from briefgen import i18n
from briefgen.cli import main

Edit = Callable[[str, str, str], Path]
NBSP = "\u00a0"
ARTICLE = Path(__file__).resolve().parent / "data" / "import" / "politique-france.html"


def invoke(*args: str, input: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, list(args), input=input, prog_name="briefgen")
    return result.exit_code, result.stdout, result.stderr


def words(text: str) -> str:
    """`text` with its line breaks and spaces (no-break ones too) as single spaces: help
    texts are wrapped to the terminal's width."""
    return " ".join(text.split())


@pytest.fixture
def french_system(monkeypatch: pytest.MonkeyPatch) -> None:
    """A French locale, and no BRIEFGEN_UI_LANG."""
    for name in ("BRIEFGEN_UI_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")


@pytest.fixture(params=["locale", "option"])
def in_french(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The arguments that make briefgen speak French: none on a French system, or
    --ui-lang fr on an English one."""
    if request.param == "option":
        monkeypatch.setenv("LANG", "en_US.UTF-8")
        return ["--ui-lang", "fr"]
    request.getfixturevalue("french_system")
    return []


def broken(edit: Edit) -> Path:
    return edit("facts.yaml", "sources: [journal]", "sources: [insee]")


# French


def test_help_in_french(in_french: list[str]) -> None:
    code, out, _ = invoke(*in_french, "--help")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"Utilisation{NBSP}: briefgen [OPTIONS] COMMANDE [ARGUMENTS]..."
    assert f"Commandes{NBSP}:" in lines and f"  Exemple{NBSP}:" in lines
    for phrase in (
        "Faire d’un dossier sourcé les documents de séance des élus, prêts à imprimer.",
        "-w, --workspace RÉPERTOIRE Répertoire de l’espace de travail",
        "Afficher cette aide et quitter.",
        "build Produire les documents de DOSSIER",
        "briefgen build # le dossier par défaut, dans output/",
    ):
        assert phrase in words(out)


def test_build_help_in_french(in_french: list[str]) -> None:
    code, out, _ = invoke(*in_french, "build", "--help")
    assert code == 0
    assert out.splitlines()[0] == f"Utilisation{NBSP}: briefgen build [OPTIONS] [DOSSIER]"
    for phrase in (
        "Produire les documents de DOSSIER (un répertoire, ou un nom sous seeds/).",
        "Sans DOSSIER, produit le dossier de l’espace de travail",
        "briefgen build --each establishment --doc tract -j 2",
        "-o, --out RÉPERTOIRE Répertoire où vont les documents",
        "-j, --jobs NOMBRE Nombre de documents produits en même temps",
        "Refaire même si les documents sont à jour.",
        "[par défaut : pdf]",
    ):
        assert phrase in words(out)


def test_check_of_a_broken_dossier_in_french(in_french: list[str], edit: Edit) -> None:
    folder = broken(edit)
    code, out, err = invoke(*in_french, "check", str(folder))
    assert (code, err) == (2, "")
    lines = out.splitlines()
    assert lines[0].startswith(f"{folder}/facts.yaml:7: E101 facts[0].sources[0]: ")
    summary = rf"{re.escape(str(folder))}{NBSP}: \d+ erreur\(s\), \d+ avertissement\(s\)"
    assert re.fullmatch(summary, lines[-1]), lines[-1]


def test_a_build_error_in_french(in_french: list[str], edit: Edit, tmp_path: Path) -> None:
    folder = broken(edit)
    code, out, err = invoke(*in_french, "build", str(folder), "--out", str(tmp_path / "out"))
    assert (code, out) == (2, "")
    assert err.startswith(f"erreur{NBSP}: {folder}/facts.yaml:7: facts[0].sources[0]: ")


def test_a_usage_error_in_french(in_french: list[str]) -> None:
    code, _, err = invoke(*in_french, "build", "--nope")
    assert code == 2
    lines = err.splitlines()
    assert lines[:2] == [
        f"Utilisation{NBSP}: briefgen build [OPTIONS] [DOSSIER]",
        f"Pour de l’aide{NBSP}: «{NBSP}briefgen build --help{NBSP}».",
    ]
    assert lines[3].startswith(f"Erreur{NBSP}: option '--nope' inconnue.")


def test_a_missing_argument_is_named_in_french(in_french: list[str]) -> None:
    code, _, err = invoke(*in_french, "source", "add")
    assert code == 2
    assert err.splitlines()[-1] == f"Erreur{NBSP}: argument manquant 'FICHIER'."


def test_the_installed_command_speaks_french_on_a_french_system() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANGUAGE"))}
    env.pop("BRIEFGEN_UI_LANG")
    env["LANG"] = "fr_FR.UTF-8"
    command = [sys.executable, "-m", "briefgen", "build", "--nope"]
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert result.returncode == 2
    assert f"Erreur{NBSP}: option '--nope' inconnue." in result.stderr


def test_check_json_keeps_its_keys_and_codes_with_messages_in_the_ui_language(
    edit: Edit,
) -> None:
    folder = broken(edit)
    code, out, _ = invoke("--ui-lang", i18n.PSEUDO, "check", str(folder), "--format", "json")
    assert code == 2
    report = json.loads(out)
    assert set(report) == {"dossier", "errors", "warnings", "findings"}
    finding = report["findings"][0]
    assert set(finding) == {"code", "severity", "file", "line", "field", "message"}
    assert (finding["code"], finding["severity"]) == ("E101", "error")
    assert finding["message"].startswith(i18n.PSEUDO_OPEN)


def test_init_empty_says_how_to_start(tmp_path: Path) -> None:
    folder = tmp_path / "cse"
    code, out, _ = invoke("--ui-lang", "fr", "init", "--empty", str(folder))
    assert code == 0
    lines = out.splitlines()
    assert all(line.startswith(f"créé{NBSP}: ") for line in lines[:-1])
    assert lines[-1] == (
        f"ensuite{NBSP}: cd {folder} && briefgen serve, puis «{NBSP}Nouveau dossier{NBSP}» "
        "dans la page"
    )
    assert not list((folder / "seeds").glob("*/dossier.yaml"))


def test_source_add_asks_and_answers_in_french(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "ws"
    assert invoke("init", str(root))[0] == 0
    monkeypatch.chdir(root)
    code, out, err = invoke("--ui-lang", "fr", "source", "add", str(ARTICLE), input="non\n")
    assert code == 1
    assert f"  titre{NBSP}: France Travail et LinkedIn" in out
    assert f"Ajouter cette source{NBSP}? [O/n]" in out
    assert err == f"erreur{NBSP}: source non ajoutée{NBSP}; rien n’a été écrit\n"
    code, out, err = invoke(
        "--ui-lang", "fr", "source", "add", str(ARTICLE), input="peut-être\noui\n"
    )
    assert code == 0
    assert err == "Répondez oui ou non.\n"
    assert f"source «{NBSP}politique-france-2025{NBSP}» ajoutée au dossier exemple" in out


# English


def test_ui_lang_en_speaks_english_on_a_french_system(french_system: None, edit: Edit) -> None:
    code, out, _ = invoke("--ui-lang", "en", "--help")
    assert code == 0
    assert out.splitlines()[0] == "Usage: briefgen [OPTIONS] COMMAND [ARGS]..."
    assert "Show this message and exit." in out
    folder = broken(edit)
    code, out, _ = invoke("--ui-lang", "en", "check", str(folder))
    assert code == 2
    assert re.fullmatch(
        rf"{re.escape(str(folder))}: \d+ error\(s\), \d+ warning\(s\)", out.splitlines()[-1]
    )


# The page's language


@pytest.mark.parametrize(
    ("before", "after", "env", "page"),
    [
        ([], [], None, "fr"),
        (["--ui-lang", "en"], [], None, "en"),
        ([], ["--ui-lang", "en"], None, "en"),
        ([], [], "en", "fr"),
    ],
)
def test_serve_speaks_french_unless_told_otherwise(
    before: list[str],
    after: list[str],
    env: str | None,
    page: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    served_apps: list[Flask],
) -> None:
    apps = served_apps
    assert invoke("init", str(tmp_path / "ws"))[0] == 0
    monkeypatch.setenv("LANG", "en_US.UTF-8")
    if env is None:
        monkeypatch.delenv("BRIEFGEN_UI_LANG")
    else:
        monkeypatch.setenv("BRIEFGEN_UI_LANG", env)
    code, out, _ = invoke("-w", str(tmp_path / "ws"), *before, "serve", *after)
    assert code == 0, out
    assert out.startswith("briefgen: open http://127.0.0.1:8123/")
    html = apps[0].test_client().get("/", headers={"Host": "127.0.0.1:8123"}).text
    assert f'<html lang="{page}">' in html


# Nothing outside the catalogue (the pseudo-language wraps every catalogue string in ⟦ ⟧)

MARKED = re.compile(
    f"{i18n.PSEUDO_OPEN}[^{i18n.PSEUDO_OPEN}{i18n.PSEUDO_CLOSE}]*{i18n.PSEUDO_CLOSE}"
)


def commands(
    command: click.Command = main, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every command and group of briefgen, with the words that call it."""
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from commands(sub, (*path, name))


def typed_words() -> set[str]:
    """What a user types, shown as is: commands, the values options accept, and the
    dossiers the examples name."""
    found = {"briefgen", "cd", "exemple", "france-travail-linkedin"}
    for path, command in commands():
        found.update(path)
        for param in command.params:
            if isinstance(param.type, click.Choice):
                found.update(str(choice) for choice in param.type.choices)
    return found


def untranslated(text: str) -> list[str]:
    """The words of `text` outside ⟦ ⟧ that are not what a user types (commands, option
    names, choices), paths, file names, addresses, ids or numbers."""
    while MARKED.search(text):
        text = MARKED.sub(" ", text)
    # A command's short help in a list of commands is its help cut to fit, its end too.
    text = re.sub(f"{i18n.PSEUDO_OPEN}[^{i18n.PSEUDO_CLOSE}\\n]*\\.\\.\\.$", " ", text, flags=re.M)
    allowed = typed_words()
    found = []
    for token in text.split():
        if token.startswith("-") or re.search(r"[/~\d]|\w\.\w", token):
            continue  # an option, a path, a file name, an address, an id or a number
        found += [word for word in re.split(r"[^\w-]+", token) if word and word not in allowed]
    return found


def pseudo_help(path: tuple[str, ...]) -> str:
    code, out, err = invoke("--ui-lang", i18n.PSEUDO, *path, "--help")
    assert (code, err) == (0, "")
    return out


def test_the_filter_finds_a_word_outside_the_catalogue() -> None:
    text = pseudo_help(("build",))
    assert untranslated(text) == []
    assert untranslated(text + "\n  Example") == ["Example"]
    unmarked = text.replace("⟦Show this message and exit.⟧", "Show this message and exit.")
    assert untranslated(unmarked) == ["Show", "this", "message", "and", "exit"]
    assert untranslated("briefgen build --doc tract seeds/x 2026-11-20 [note|tract]") == []


@pytest.mark.parametrize(
    "path", [path for path, _ in commands()], ids=lambda p: " ".join(p) or "briefgen"
)
def test_every_help_is_in_the_catalogue(path: tuple[str, ...]) -> None:
    assert untranslated(pseudo_help(path)) == []


def test_check_and_build_errors_are_in_the_catalogue(edit: Edit, tmp_path: Path) -> None:
    folder = broken(edit)
    code, out, _ = invoke("--ui-lang", i18n.PSEUDO, "check", str(folder))
    assert code == 2
    *findings, summary = out.splitlines()
    assert findings
    for line in findings:  # file:line: CODE field: message, the message from the catalogue
        match = re.fullmatch(r"\S+:\d+: [EW]\d{3}(?: \S+:)? (?P<message>.*)", line)
        assert match and MARKED.fullmatch(match["message"]), line
    assert MARKED.fullmatch(summary), summary
    code, out, err = invoke("--ui-lang", i18n.PSEUDO, "build", str(folder), "-o", str(tmp_path))
    assert (code, out) == (2, "")
    assert err and untranslated(err) == []
    code, _, err = invoke("--ui-lang", i18n.PSEUDO, "build", "--nope")
    assert code == 2 and untranslated(err) == []


# The French catalogue covers every message of the command line, click's own included


def french_catalogue() -> set[str]:
    """The msgids translated into French (the catalogue and its fragments)."""
    found = set()
    for path in (i18n.LOCALE_DIR / "fr" / "LC_MESSAGES").glob("*.po"):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="fr"):
                if message.id and message.string:
                    found.add(message.id[0] if isinstance(message.id, tuple) else message.id)
    return found


def singular(message: str | tuple[str, ...]) -> str:
    return message[0] if isinstance(message, tuple) else message


def test_every_message_of_the_command_line_has_its_french() -> None:
    cli = Path(cli_module.__file__)
    keywords = {"_": None, "ngettext": (1, 2), "N_": None, "lazy": None}
    ours = {singular(m[1]) for m in extract_from_file("python", cli, keywords=keywords)}
    assert ours and sorted(ours - french_catalogue()) == []


def test_every_message_of_click_has_its_french() -> None:
    folder = Path(click.__file__).parent
    found = extract_from_dir(folder, method_map=[("**.py", "python")])
    theirs = {singular(message) for _, _, message, _, _ in found}
    assert theirs and sorted(theirs - french_catalogue()) == []


def test_an_empty_workspace_has_no_dossier_to_build_and_says_how_to_make_one(
    tmp_path: Path,
) -> None:
    from briefgen.scaffold import init_workspace
    from conftest import invoke_in

    init_workspace(tmp_path / "ws", example=False)
    code, _out, err = invoke_in(tmp_path / "ws", "--ui-lang", "fr", "build")
    assert code == 2
    assert "n’a pas encore de dossier" in err and "Nouveau dossier" in err
    assert not (tmp_path / "ws" / "output" / "france-travail-linkedin").exists()
