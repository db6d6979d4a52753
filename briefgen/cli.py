"""The `briefgen` command: parse options, call build or check, print, exit.

This is the only module that prints or exits.  Heavy imports (WeasyPrint)
happen inside the build, so `--help` stays instant.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .errors import BriefgenError

if TYPE_CHECKING:
    from .config import Workspace


class _Group(click.Group):
    """Turns any failure into a one-line message and an exit status, never a traceback."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BriefgenError as error:
            for problem in error.problems:
                click.echo(f"error: {problem}", err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo("error: interrupted; earlier output is unchanged", err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("BRIEFGEN_DEBUG"):
                raise
            click.echo(
                f"error: internal error: {type(exc).__name__}: {exc} "
                "(set BRIEFGEN_DEBUG=1 to see where)",
                err=True,
            )
            sys.exit(1)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="briefgen")
@click.option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    help="Workspace folder (default: the nearest folder up with a briefgen.toml, "
    "else the current one).",
)
@click.pass_context
def main(ctx: click.Context, workspace: Path | None) -> None:
    """Turn a sourced dossier into print-ready briefing documents for union reps.

    \b
    Example:
      briefgen build                      # the default dossier, into output/
      briefgen check seeds/france-travail-linkedin
      briefgen init ~/tracts && cd ~/tracts && briefgen build
    """
    ctx.obj = workspace


def _workspace() -> Workspace:
    """The workspace of this invocation, found (and its config validated) on first use."""
    from .config import find_workspace

    ctx = click.get_current_context()
    root = ctx.find_root()
    if "briefgen.workspace" not in root.meta:
        root.meta["briefgen.workspace"] = find_workspace(root.obj)
    workspace: Workspace = root.meta["briefgen.workspace"]
    return workspace


DOC_KINDS = ("note", "tract", "declaration", "questions", "avis")


@main.command()
@click.argument("dossier", required=False)
@click.option(
    "--doc",
    "-d",
    "docs",
    multiple=True,
    type=click.Choice(DOC_KINDS),
    help="Document to make; repeat for several. Default: every document the dossier allows.",
)
@click.option(
    "--format",
    "-f",
    "formats",
    multiple=True,
    default=("pdf",),
    type=click.Choice(["pdf", "html", "md"]),
    show_default=True,
    help="Format to write; repeat for several (pdf, html, md).",
)
@click.option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder the documents go into, in a sub-folder named after the dossier "
    "(default: the workspace's output/).",
)
@click.option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    help="Language of the labels and dates (default: the dossier's).",
)
@click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/ua-1", "pdf/a-3b"]),
    default="pdf/ua-1",
    show_default=True,
    help="Tagged, accessible PDF (pdf/ua-1) or archival PDF (pdf/a-3b).",
)
def build(
    dossier: str | None,
    docs: tuple[str, ...],
    formats: tuple[str, ...],
    out_dir: Path | None,
    lang: str | None,
    pdf_variant: str,
) -> None:
    """Build the documents of DOSSIER (a folder, or a name under seeds/).

    Without DOSSIER, builds the default dossier, france-travail-linkedin.
    Without --doc, makes the briefing note, the tract, the opening statement,
    the written questions and the draft opinion, skipping (with a warning) a
    document whose section the dossier lacks.

    \b
    Example:
      briefgen build seeds/france-travail-linkedin --doc tract --doc note -f pdf -f html
    """
    from .build import FORMATS, Options, find_dossier, runnable_kinds
    from .build import build as run_build
    from .load import display_path, load_dossier

    workspace = _workspace()
    folder = find_dossier(dossier, workspace.seeds)
    loaded = load_dossier(folder)
    kinds, skipped = runnable_kinds(loaded, list(docs))
    for message in skipped:
        click.echo(f"warning: {message}", err=True)
    options = Options(
        formats=tuple(f for f in FORMATS if f in formats), lang=lang, pdf_variant=pdf_variant
    )
    written, warnings = run_build(
        loaded, folder, out_dir or workspace.output, kinds, options, workspace
    )
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for path in written:
        click.echo(f"wrote {display_path(path)}")


@main.command()
@click.argument("dossier", required=False)
def check(dossier: str | None) -> None:
    """Validate DOSSIER without building it: exit 0 if valid, 2 with one line per problem.

    \b
    Example:
      briefgen check seeds/france-travail-linkedin
    """
    from .build import find_dossier
    from .load import display_path, load_dossier

    folder = find_dossier(dossier, _workspace().seeds)
    loaded = load_dossier(folder)
    click.echo(
        f"{display_path(folder)}: ok ({len(loaded.sources)} sources, "
        f"{len(loaded.facts)} facts, {len(loaded.questions)} questions)"
    )
