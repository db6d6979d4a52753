"""Editors' workspaces: init, overrides, branding, template errors, the template reference."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from briefgen.cli import main
from conftest import ROOT, invoke_in, pdf_text


@pytest.fixture
def ws(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A new workspace, made by `briefgen init` and worked in as an editor would."""
    folder = tmp_path / "ws"
    code, out, err = invoke_in(tmp_path, "init", str(folder))
    assert (code, err) == (0, ""), out
    monkeypatch.chdir(folder)
    return folder


def test_init_makes_a_workspace_whose_example_checks_and_builds(ws: Path) -> None:
    assert {p.name for p in ws.iterdir()} == {
        "briefgen.toml",
        "seeds",
        "templates",
        "assets",
        "output",
        ".gitignore",
    }
    assert invoke_in(ws, "check")[0] == 0  # the workspace's only dossier is the default
    code, _, err = invoke_in(ws, "build", "-f", "md")
    assert (code, err) == (0, "")
    assert sorted(p.name for p in (ws / "output" / "exemple").iterdir()) == [
        "declaration-liminaire.md",
        "note-de-briefing.md",
        "projet-avis.md",
        "questions-ecrites.md",
        "tract.md",
    ]


def test_init_refuses_a_folder_that_is_not_empty(ws: Path) -> None:
    code, _, err = invoke_in(ws, "init", str(ws))
    assert code == 2 and "already exists and is not an empty folder" in err


def test_workspace_is_found_from_a_subfolder(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ws / "seeds" / "exemple")
    result = CliRunner().invoke(main, ["check", "--today", "2026-11-23"])
    assert result.exit_code == 0  # its two sources have no archived text: W501 each
    assert result.stdout.splitlines()[-1] == ".: 0 error(s), 2 warning(s)"


def build_md(ws: Path, doc: str) -> str:
    code, _, err = invoke_in(ws, "build", "--doc", doc, "-f", "md")
    assert code == 0, err
    name = {"tract": "tract", "note": "note-de-briefing"}[doc]
    return (ws / "output" / "exemple" / f"{name}.md").read_text(encoding="utf-8")


def test_a_copied_template_overrides_the_built_in(ws: Path) -> None:
    assert invoke_in(ws, "templates", "copy", "tract.md.j2")[0] == 0
    copy = ws / "templates" / "tract.md.j2"
    copy.write_text(
        copy.read_text(encoding="utf-8").replace(
            "{{ labels.tract_demands }}", "Nos trois exigences"
        ),
        encoding="utf-8",
    )
    assert "## Nos trois exigences" in build_md(ws, "tract")
    assert "## Ce que nous exigeons" not in build_md(ws, "tract")


def test_a_template_can_override_one_block_of_the_built_in(ws: Path) -> None:
    (ws / "templates" / "tract.md.j2").write_text(
        '{% extends "default:tract.md.j2" %}\n'
        "{% block sources %}Imprimé par nos soins.{% endblock %}\n",
        encoding="utf-8",
    )
    text = build_md(ws, "tract")
    assert text.rstrip().endswith("Imprimé par nos soins.")
    assert "## Ce que nous exigeons" in text  # the rest is inherited


def test_labels_can_be_overridden_one_by_one(ws: Path) -> None:
    (ws / "templates" / "labels").mkdir()
    (ws / "templates" / "labels" / "fr.yaml").write_text("sources: Références\n")
    text = build_md(ws, "note")
    assert "## Références" in text and "## L'essentiel" in text
    (ws / "templates" / "labels" / "fr.yaml").write_text("soruces: Références\n")
    code, _, err = invoke_in(ws, "build", "--doc", "note", "-f", "md")
    assert code == 2
    assert (
        err == "error: templates/labels/fr.yaml: soruces: unknown label (did you mean 'sources'?)\n"
        or err.endswith(": soruces: unknown label (did you mean 'sources'?)\n")
    )


def test_copy_never_clobbers_an_edited_template(ws: Path) -> None:
    assert invoke_in(ws, "templates", "copy", "print.css")[0] == 0
    css = ws / "templates" / "print.css"
    css.write_text("/* mine */\n" + css.read_text(encoding="utf-8"), encoding="utf-8")
    code, _, err = invoke_in(ws, "templates", "copy", "print.css")
    assert code == 1
    assert err.endswith(
        "templates/print.css: already in the workspace and edited; use --force "
        "to replace it with the built-in\n"
    )
    assert css.read_text(encoding="utf-8").startswith("/* mine */")
    assert invoke_in(ws, "templates", "copy", "print.css", "--force")[0] == 0
    assert css.read_bytes() == (ROOT / "templates" / "print.css").read_bytes()


def test_copy_of_an_unknown_template(ws: Path) -> None:
    code, _, err = invoke_in(ws, "templates", "copy", "../briefgen.toml")
    assert code == 2 and err.startswith("error: no built-in template '../briefgen.toml' (known: ")


def test_templates_list_shows_where_each_comes_from(ws: Path) -> None:
    invoke_in(ws, "templates", "copy", "tract.md.j2")
    (ws / "templates" / "extra.md.j2").write_text("x")
    lines = {line.split()[0]: line for line in invoke_in(ws, "templates", "list")[1].splitlines()}
    assert lines["tract.md.j2"].endswith("workspace (replaces the built-in)")
    assert "document (tract)" in lines["tract.md.j2"]
    assert lines["extra.md.j2"].endswith("workspace")
    assert lines["note-de-briefing.md.j2"].endswith("built-in")


def test_template_reference_is_generated_and_committed(ws: Path) -> None:
    code, out, _ = invoke_in(ws, "templates", "context")
    assert code == 0
    assert out == (ROOT / "docs" / "template-context.md").read_text(encoding="utf-8"), (
        "run: briefgen templates context > docs/template-context.md"
    )
    assert "| `statement` | text | The fact, in the dossier's words. |" in out


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            "{{ dossier.title }}\n{{ dossier.titel }}\n",
            "templates/tract.md.j2:2: 'dossier.titel' is undefined (did you mean 'title'?)",
        ),
        ("ok\n{% if %}\n", "templates/tract.md.j2:2: template syntax error: "),
        ("{{ ''.__class__.__mro__ }}\n", "templates/tract.md.j2:1: "),
        ('{% include "../../../../etc/passwd" %}\n', "templates/tract.md.j2:1: "),
    ],
)
def test_template_errors_are_one_line_with_file_and_line(
    ws: Path, template: str, expected: str
) -> None:
    (ws / "templates" / "tract.md.j2").write_text(template, encoding="utf-8")
    code, _, err = invoke_in(ws, "build", "--doc", "tract", "-f", "md")
    assert code == 2
    assert err.startswith("error: ") and expected in err and err.count("\n") == 1, err
    assert "Traceback" not in err and "root:" not in err


def test_a_template_cannot_make_the_renderer_read_other_files(ws: Path) -> None:
    (ws / "templates" / "tract.md.j2").write_text(
        '<img src="file:///etc/hostname" alt="x">\n<img src="../briefgen.toml" alt="y">\n'
    )
    code, _, err = invoke_in(ws, "build", "--doc", "tract")
    assert code == 1
    assert err.splitlines() == [
        "error: templates/tract.md.j2: resource refused: file:///etc/hostname (not a file of "
        "the workspace's templates or assets)",
        f"error: templates/tract.md.j2: resource refused: {ws.parent.as_uri()}/briefgen.toml "
        "(not a file of the workspace's templates or assets)",
    ]


def set_config(ws: Path, text: str) -> None:
    (ws / "briefgen.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            '[style]\naccent = "rouge"\n',
            "briefgen.toml:2: style.accent: 'rouge' is not a colour; write it as #rrggbb, "
            "e.g. #9b1c1c",
        ),
        (
            '[union]\nlogo = "assets/absent.svg"\n',
            "briefgen.toml:2: union.logo: no such file: assets/absent.svg",
        ),
        (
            '[union]\nlogo = "../logo.svg"\n',
            "briefgen.toml:2: union.logo: '../logo.svg' must be a file inside the workspace's "
            "assets/ folder",
        ),
        (
            '[style]\npaper = "A3"\n',
            "briefgen.toml:2: style.paper: must be one of: A4, Letter",
        ),
        ('[style]\ncolour = "#000000"\n', "briefgen.toml:2: style.colour: unknown setting"),
        ('[style\npaper = "A4"\n', "briefgen.toml:1: invalid TOML: "),
    ],
)
def test_config_errors_name_file_line_and_setting(ws: Path, config: str, expected: str) -> None:
    set_config(ws, config)
    code, _, err = invoke_in(ws, "check")
    assert code == 2
    assert err.startswith(f"error: {expected}"), err


def test_logo_colour_and_paper_show_without_touching_a_template(ws: Path) -> None:
    set_config(
        ws,
        '[union]\nname = "Syndicat Vert"\nlogo = "assets/logo.svg"\n'
        '[style]\naccent = "#00a000"\npaper = "Letter"\n',
    )
    code, _, err = invoke_in(ws, "build", "--doc", "note", "-f", "pdf", "-f", "html")
    assert (code, err) == (0, "")
    out = ws / "output" / "exemple"
    html = (out / "note-de-briefing.html").read_text(encoding="utf-8")
    assert re.search(
        r'<img class="logo" src="data:image/svg\+xml;base64,[^"]+" alt="Syndicat Vert">', html
    )
    from pypdf import PdfReader

    reader = PdfReader(out / "note-de-briefing.pdf")
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (612, 792)  # Letter
    assert reader.metadata is not None and reader.metadata.author == "Syndicat Vert"
    import subprocess

    subprocess.run(
        [
            "pdftoppm",
            "-png",
            "-r",
            "40",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            str(out / "note-de-briefing.pdf"),
            str(ws / "page"),
        ],
        check=True,
    )
    colours = Image.open(ws / "page.png").convert("RGB").getcolors(1 << 20) or []
    assert any(r < 60 and g > 130 and b < 60 for _, (r, g, b) in colours), "no green heading"
    assert "Syndicat Vert" in pdf_text(out / "note-de-briefing.pdf")


def test_contact_line_of_the_tract_comes_from_the_config(ws: Path) -> None:
    set_config(ws, '[union]\ncontact = "syndicat@example.org, poste 1234"\n')
    assert "Nous contacter : syndicat@example.org, poste 1234" in build_md(ws, "tract")
