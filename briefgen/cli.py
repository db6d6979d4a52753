"""The `briefgen` command: parse options, call build or check, print, exit.

This is the only module that prints or exits.  Heavy imports (WeasyPrint)
happen inside the build, so `--help` stays instant.

Every word it prints comes from the message catalogue, in the language of
`--ui-lang`, `BRIEFGEN_UI_LANG` or the locale, chosen before click prints
anything: help texts are English msgids translated when shown, and click's own
words ("Usage:", "Error:") come from the same catalogue.
"""

from __future__ import annotations

import datetime as dt
import gettext
import json
import os
import signal
import sys
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

import click
from click import core, decorators, exceptions, formatting, parser, shell_completion, termui
from click import types as click_types
from click import utils as click_utils
from click.core import ParameterSource

from .errors import RULES, BriefgenError, Problem
from .i18n import (
    N_,
    PSEUDO,
    _,
    available,
    from_environment,
    language,
    ngettext,
    set_language,
    translations,
)

if TYPE_CHECKING:
    from concurrent.futures import Executor

    from .i18n import Text
    from .workspace import Workspace

F = TypeVar("F", bound=Callable[..., Any])


def _click_gettext(message: str) -> str:
    return translations(language()).gettext(message)


def _click_ngettext(singular: str, plural: str, num: int) -> str:
    return translations(language()).ngettext(singular, plural, num)


def _click_speaks_our_language() -> None:
    """Click's own words ("Usage:", "Error:", "No such option") come from `gettext.gettext`,
    which each click module imported under its own name: point those names at briefgen's
    catalogue.  The standard gettext would read only the locale and compiled files, never
    `--ui-lang`."""
    modules = (core, decorators, exceptions, formatting, parser, shell_completion, termui)
    for module in (*modules, click_types, click_utils):
        names = vars(module)
        if names.get("_") is gettext.gettext:
            names["_"] = _click_gettext
        if names.get("ngettext") is gettext.ngettext:
            names["ngettext"] = _click_ngettext


_click_speaks_our_language()


class _Msgid:
    """An attribute set to an English msgid that reads as its translation in the language
    of the moment: click keeps help texts from import time, before the language is known."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.slot = f"_msgid_{name}"

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> _Msgid: ...
    @overload
    def __get__(self, obj: object, owner: type | None = None) -> str | None: ...
    def __get__(self, obj: object | None, owner: type | None = None) -> _Msgid | str | None:
        if obj is None:
            return self
        msgid: str | None = vars(obj).get(self.slot)
        return _(msgid) if msgid else msgid

    def __set__(self, obj: object, msgid: str | None) -> None:
        vars(obj)[self.slot] = msgid


class _Option(click.Option):
    """An option whose help and metavar (FOLDER, NUMBER) are msgids."""

    help = _Msgid()
    metavar = _Msgid()


class _Argument(click.Argument):
    """An argument named in the reader's language (FICHIER for FILE), in usage lines and
    errors, in brackets when it may be left out."""

    metavar = _Msgid()

    def make_metavar(self, ctx: click.Context) -> str:
        shown = super().make_metavar(ctx)
        return shown if self.required else f"[{shown}]"


def _option(*decls: str, **attrs: Any) -> Callable[[F], F]:
    """`click.option`, with `help` and `metavar` given as msgids (`N_`)."""
    return click.option(*decls, cls=_Option, **attrs)


def _argument(name: str, metavar: str, **attrs: Any) -> Callable[[F], F]:
    """`click.argument`, shown as `metavar`, a msgid (`N_`)."""
    return click.argument(name, cls=_Argument, metavar=metavar, **attrs)


class _Formatter(click.HelpFormatter):
    """Help headings punctuated as the reader's language wants them ("Options :")."""

    def write_heading(self, heading: str) -> None:
        label = _("%(heading)s:", heading=heading)
        self.write(f"{'':>{self.current_indent}}{label}\n")


class _Context(click.Context):
    formatter_class = _Formatter


Example = tuple[str, str | None]
"""A command line as typed, and a msgid saying what it does (or None)."""


class _Command(click.Command):
    """A command whose help is a msgid, followed by examples: command lines as typed, with
    their comments in the reader's language."""

    context_class = _Context
    help = _Msgid()
    options_metavar = _Msgid()

    def __init__(
        self,
        name: str | None,
        *,
        examples: Sequence[Example] = (),
        options_metavar: str | None = N_("[OPTIONS]"),
        **kwargs: Any,
    ) -> None:
        super().__init__(name, options_metavar=options_metavar, **kwargs)
        self.examples = examples

    def format_help_text(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_help_text(ctx, formatter)
        if not self.examples:
            return
        width = max((len(line) for line, comment in self.examples if comment), default=0)
        lines = [
            f"  {line:<{width}}  # {_(comment)}" if comment else f"  {line}"
            for line, comment in self.examples
        ]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text("\b\n" + "\n".join([_("Example:"), *lines]))

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)
        if option is not None:  # click keeps it from its first use: say it in today's language
            option.help = _("Show this message and exit.")
        return option


class _Group(_Command, click.Group):
    """A group of commands, in the reader's language like `_Command`."""

    command_class = _Command
    group_class: type[click.Group | type] | None = type
    subcommand_metavar = _Msgid()  # type: ignore[assignment]

    def __init__(
        self, name: str | None, *, subcommand_metavar: str = N_("COMMAND [ARGS]..."), **kwargs: Any
    ) -> None:
        super().__init__(name, subcommand_metavar=subcommand_metavar, **kwargs)


class _Language(click.Choice[str]):
    """A language briefgen speaks; also the pseudo-language of the tests, not listed."""

    def __init__(self) -> None:
        super().__init__(available())

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        return value if value == PSEUDO else super().convert(value, param, ctx)


class _Main(_Group):
    """briefgen itself: speaks the reader's language from its first word, and turns any
    failure into a one-line message and an exit status, never a traceback."""

    group_class = _Group

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        if parent is None and not extra.get("resilient_parsing"):
            set_language(self._ui_language(info_name, args))
        return super().make_context(info_name, args, parent, **extra)

    def _ui_language(self, info_name: str | None, args: list[str]) -> str:
        """--ui-lang, else BRIEFGEN_UI_LANG, else the locale's language, read before click
        parses for real: it prints the help, or a usage error, while parsing."""
        with super().make_context(info_name, list(args), resilient_parsing=True) as ctx:
            chosen: str | None = ctx.params.get("ui_lang")
        return chosen or from_environment()

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except BriefgenError as error:
            for problem in error.problems:
                click.echo(_("error: %(problem)s", problem=problem), err=True)
            sys.exit(error.exit_code)
        except KeyboardInterrupt:
            click.echo(_("error: interrupted; earlier output is unchanged"), err=True)
            sys.exit(130)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except Exception as exc:
            if os.environ.get("BRIEFGEN_DEBUG"):
                raise
            message = _(
                "error: internal error: %(kind)s: %(detail)s (set BRIEFGEN_DEBUG=1 to see where)",
                kind=type(exc).__name__,
                detail=exc,
            )
            click.echo(message, err=True)
            sys.exit(1)


@click.group(
    cls=_Main,
    context_settings={"help_option_names": ["-h", "--help"]},
    help=N_("Turn a sourced dossier into print-ready briefing documents for union reps."),
    examples=[
        ("briefgen build", N_("the default dossier, into output/")),
        ("briefgen check seeds/france-travail-linkedin", None),
        ("briefgen --ui-lang fr check exemple", N_("messages in French")),
        ("briefgen init ~/tracts && cd ~/tracts && briefgen build", None),
    ],
)
@click.version_option(package_name="briefgen", cls=_Option, help=N_("Show the version and exit."))
@_option(
    "--workspace",
    "-w",
    type=click.Path(file_okay=False, path_type=Path),
    metavar=N_("FOLDER"),
    help=N_(
        "Workspace folder (default: the nearest folder up with a briefgen.toml, "
        "else the current one)."
    ),
)
@_option(
    "--ui-lang",
    type=_Language(),
    envvar="BRIEFGEN_UI_LANG",
    show_envvar=True,
    help=N_("Language of the messages (default: the computer's, as LANG says)."),
)
@click.pass_context
def main(ctx: click.Context, workspace: Path | None, ui_lang: str | None) -> None:
    # ui_lang is in force already: _Main.make_context reads it before parsing.
    ctx.obj = workspace


def _chosen_language() -> str | None:
    """The language the user gave to `briefgen --ui-lang`, if they did."""
    root = click.get_current_context().find_root()
    if root.get_parameter_source("ui_lang") == ParameterSource.COMMANDLINE:
        chosen: str = root.params["ui_lang"]
        return chosen
    return None


def _warn_if_public(host: str) -> None:
    """Say so when a page is served to other machines than this one, or needs the access
    token although only this one reaches it (127.0.0.2)."""
    from .hosts import is_loopback, needs_token

    if not needs_token(host):
        return
    if is_loopback(host):
        click.echo(
            _(
                "note: listening on %(host)s rather than 127.0.0.1: every request needs the "
                "access token in the address below",
                host=host,
            ),
            err=True,
        )
    else:
        click.echo(
            _(
                "warning: listening on %(host)s: other computers on the network can reach "
                "this page; every request needs the access token in the address below (give "
                "it only to those who may read the dossiers)",
                host=host,
            ),
            err=True,
        )


def _workspace() -> Workspace:
    """The workspace of this invocation, found (and its config validated) on first use."""
    from .workspace import find_workspace

    ctx = click.get_current_context()
    root = ctx.find_root()
    if "briefgen.workspace" not in root.meta:
        root.meta["briefgen.workspace"] = find_workspace(root.obj)
    workspace: Workspace = root.meta["briefgen.workspace"]
    return workspace


DOC_KINDS = ("note", "tract", "declaration", "questions", "avis", "registre")
FORMATS = ("pdf", "odt", "docx", "html", "md")


def _doc_option(help: str) -> Callable[[F], F]:
    return _option("--doc", "-d", "docs", multiple=True, type=click.Choice(DOC_KINDS), help=help)


def _output_option(help: str) -> Callable[[F], F]:
    """--format text|json, for commands that report to people or to tools."""
    return _option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help,
    )


def _format_option(default: tuple[str, ...], help: str) -> Callable[[F], F]:
    return _option(
        "--format",
        "-f",
        "formats",
        multiple=True,
        default=default,
        type=click.Choice(FORMATS),
        show_default=True,
        help=help,
    )


def _warning(message: object) -> None:
    click.echo(_("warning: %(message)s", message=message), err=True)


@main.command(
    help=N_(
        "Build the documents of DOSSIER (a folder, or a name under seeds/).\n"
        "\n"
        "Without DOSSIER, builds the workspace's dossier (france-travail-linkedin in this "
        "repository). Without --doc, makes the briefing note, the tract, the opening "
        "statement, the written questions and the draft opinion, skipping (with a warning) "
        "a document whose section the dossier lacks. Output that is up to date with "
        "everything it is made from is not rebuilt (--force to rebuild it)."
    ),
    examples=[
        (
            "briefgen build seeds/france-travail-linkedin --doc tract --doc note -f pdf -f html",
            None,
        ),
        ("briefgen build --each establishment --doc tract -j 2", None),
    ],
)
@_argument("dossier", N_("DOSSIER"), required=False)
@_doc_option(
    N_("Document to make; repeat for several. Default: every document the dossier allows.")
)
@_format_option(
    ("pdf",), N_("Format to write; repeat for several (pdf; odt and docx to edit; html, md).")
)
@_option(
    "--out",
    "-o",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar=N_("FOLDER"),
    help=N_(
        "Folder the documents go into, in a sub-folder named after the dossier "
        "(default: the workspace's output/)."
    ),
)
@_option(
    "--lang",
    type=click.Choice(["fr", "en"]),
    help=N_(
        "Language of the labels (default: the dossier's). The dossier's text keeps its "
        "own language, typography and date format."
    ),
)
@_option(
    "--pdf-variant",
    type=click.Choice(["pdf/ua-1", "pdf/a-3b"]),
    default="pdf/ua-1",
    show_default=True,
    help=N_("Tagged, accessible PDF (pdf/ua-1) or archival PDF (pdf/a-3b)."),
)
@_option(
    "--trace/--no-trace",
    default=None,
    help=N_(
        "Print the trace line (dossier hash and date) in every footer "
        "(default: as briefgen.toml's [output] trace says, else yes)."
    ),
)
@_option(
    "--each",
    type=click.Choice(["establishment"]),
    help=N_("Make one copy of each document per establishment of the dossier, named after it."),
)
@_option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    metavar=N_("NUMBER"),
    help=N_("Documents rendered at once, in as many processes (default: the number of cores)."),
)
@_option(
    "--meeting",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar=N_("YYYY-MM-DD"),
    help=N_(
        "Make the documents for another meeting of the dossier, one of its past meetings "
        "(default: its next meeting)."
    ),
)
@_option("--force", is_flag=True, help=N_("Rebuild even if the output is up to date."))
def build(
    dossier: str | None,
    docs: tuple[str, ...],
    formats: tuple[str, ...],
    out_dir: Path | None,
    lang: str | None,
    pdf_variant: str,
    trace: bool | None,
    each: str | None,
    jobs: int | None,
    meeting: dt.datetime | None,
    force: bool,
) -> None:
    from contextlib import ExitStack

    from .pool import worker_pool

    ordered = tuple(f for f in FORMATS if f in formats)
    workers = jobs or os.cpu_count() or 1
    # HTML and Markdown take milliseconds: only PDFs and pandoc's files are worth workers;
    # as many as documents asked for, at most (an idle one would only take a core from the
    # others while it imports WeasyPrint).
    documents = len(set(docs)) if docs and each is None else None
    pool_size = workers if {"pdf", "odt", "docx"} & set(ordered) else 1
    with ExitStack() as stack:
        # With --force nothing can be up to date: the workers start at once, importing
        # WeasyPrint while this process reads the workspace and the dossier.
        pool = stack.enter_context(worker_pool(pool_size, documents)) if force else None
        written, warnings, current = _build(
            dossier, docs, ordered, out_dir, lang, pdf_variant, trace, each, meeting, force,
            pool, lambda: stack.enter_context(worker_pool(pool_size, documents)),
        )  # fmt: skip
    from .load import display_path

    if current is not None:
        for path in current:
            click.echo(_("up to date: %(path)s", path=display_path(path)))
        return
    if sys.stdout.isatty():
        click.echo("\r\033[K", nl=False)
    for warning in warnings:
        _warning(warning)
    for path in written:
        click.echo(_("wrote %(path)s", path=display_path(path)))


def _build(
    dossier: str | None,
    docs: tuple[str, ...],
    ordered: tuple[str, ...],
    out_dir: Path | None,
    lang: str | None,
    pdf_variant: str,
    trace: bool | None,
    each: str | None,
    meeting: dt.datetime | None,
    force: bool,
    pool: Executor | None,
    start_pool: Callable[[], Executor | None],
) -> tuple[list[Path], list[Text], list[Path] | None]:
    """`build`'s work: the files written and the warnings, or the files already up to
    date (`pool`: started already, or None to start it with `start_pool` once the output
    is known to be out of date)."""
    from .cache import input_digest, record, up_to_date
    from .workspace import find_dossier

    workspace = _workspace()
    folder = find_dossier(dossier, workspace.seeds)
    out = out_dir or workspace.output
    settings = {
        "dossier": str(folder.resolve()),
        "docs": sorted(set(docs)),
        "formats": ordered,
        "lang": lang,
        "pdf_variant": pdf_variant,
        "each": each,
        "trace": trace,
        "meeting": meeting.date().isoformat() if meeting else None,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }
    if {"odt", "docx"} & set(ordered):  # another pandoc may write other files
        from importlib.metadata import version

        settings["pandoc"] = version("pypandoc-binary")
    key = json.dumps(settings, sort_keys=True)
    digest = input_digest(workspace.inputs(folder), settings)
    current = None if force else up_to_date(out, key, digest)
    if current is not None:
        return [], [], current
    if pool is None:
        pool = start_pool()
    from .build import Job, Options, runnable_kinds, select_meeting
    from .build import build as run_build
    from .lint import buildable

    loaded = buildable(folder, dt.date.today())
    day = meeting.date() if meeting else None
    kinds, skipped = runnable_kinds(select_meeting(loaded, day), list(docs))
    for message in skipped:
        _warning(message)
    options = Options(formats=ordered, lang=lang, pdf_variant=pdf_variant, trace=trace)

    def progress(job: Job, done: int, total: int) -> None:
        if sys.stdout.isatty():
            bar = "#" * (20 * done // total)
            click.echo(f"\r[{bar:<20}] {done}/{total} {job.filename}\033[K", nl=False)
        else:
            click.echo(
                _(
                    "rendered %(file)s (%(done)s/%(total)s)",
                    file=job.filename,
                    done=done,
                    total=total,
                )
            )

    written, warnings = run_build(
        loaded, folder, out, kinds, options, workspace, each, pool, progress, day
    )
    record(out, key, digest, written)
    return written, warnings, None


class _Check(_Command):
    """`check`, whose help ends with what each rule code means, in the reader's language."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rules = [f"  {code}  {text}" for code, text in RULES.items()]
        formatter.write_paragraph()
        with formatter.indentation():
            formatter.write_text("\b\n" + "\n".join([_("Rules:"), *rules]))


@main.command(
    cls=_Check,
    help=N_(
        "Check DOSSIER as a linter would: errors (E…) stop a build, warnings (W…) are for "
        "the reps to look at. Exit 0 clean, 1 warnings with --strict, 2 errors."
    ),
    examples=[("briefgen check seeds/france-travail-linkedin --strict --format json", None)],
)
@_argument("dossier", N_("DOSSIER"), required=False)
@_output_option(N_("Findings as lines of text or as JSON."))
@_option("--strict", is_flag=True, help=N_("Exit 1 when there are warnings."))
@_option(
    "--max-age",
    type=click.IntRange(min=0),
    default=365,
    show_default=True,
    metavar=N_("DAYS"),
    help=N_("Days before the meeting after which a reported fact is flagged as stale."),
)
@_option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    metavar=N_("YYYY-MM-DD"),
    help=N_("Date to check the meeting date against (default: today)."),
)
@_option(
    "--warn-days",
    type=click.IntRange(min=0),
    default=7,
    show_default=True,
    metavar=N_("DAYS"),
    help=N_("Warn of a deadline (answer, consultation, commitment) this many days ahead."),
)
def check(
    dossier: str | None,
    output_format: str,
    strict: bool,
    max_age: int,
    today: Any,
    warn_days: int,
) -> None:
    from .lint import check_dossier
    from .load import display_path
    from .workspace import find_dossier

    folder = find_dossier(dossier, _workspace().seeds)
    day = today.date() if today else dt.date.today()
    findings = check_dossier(folder, day, max_age, warn_days=warn_days)[1]
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if output_format == "json":
        report = {
            "dossier": display_path(folder),
            "errors": errors,
            "warnings": warnings,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "file": f.file,
                    "line": f.line,
                    "field": f.field,
                    "message": str(f.message),
                }
                for f in findings
            ],
        }
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for finding in findings:
            where = ":".join(str(part) for part in (finding.file, finding.line) if part)
            field = f" {finding.field}:" if finding.field else ""
            click.echo(f"{where}: {finding.code}{field} {finding.message}")
        name = display_path(folder)
        click.echo(
            _("%(dossier)s: ok", dossier=name)
            if not findings
            else _(
                "%(dossier)s: %(errors)s error(s), %(warnings)s warning(s)",
                dossier=name,
                errors=errors,
                warnings=warnings,
            )
        )
    if errors:
        sys.exit(2)
    if warnings and strict:
        sys.exit(1)


@main.command(
    help=N_(
        "Write DOSSIER's deadlines and meetings as an iCalendar file (.ics) for the reps' "
        "calendars: all-day events with their legal basis and what to do, an alarm the day "
        "before (default: output/<id>/echeances.ics)."
    ),
    examples=[("briefgen calendar seeds/france-travail-linkedin --public", None)],
)
@_argument("dossier", N_("DOSSIER"), required=False)
@_option(
    "-o",
    "--output",
    "target",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar=N_("FILE"),
    help=N_("Where to write the .ics file."),
)
@_option(
    "--public",
    is_flag=True,
    help=N_("Leave out reps-only items (for a calendar staff or management will see)."),
)
def calendar(dossier: str | None, target: Path | None, public: bool) -> None:
    from . import calendar as ical
    from .atomic import PRIVATE, write_all
    from .load import display_path, load_dossier
    from .models import Audience, Visibility
    from .workspace import find_dossier

    workspace = _workspace()
    loaded = load_dossier(find_dossier(dossier, workspace.seeds))
    visible = Visibility(loaded, Audience.public) if public else None
    data = ical.ics(loaded, visible)
    target = target or workspace.output / loaded.id / ical.filename(public)
    write_all({target: data}, None if public else {target: PRIVATE})
    click.echo(_("wrote %(path)s", path=display_path(target)))


@main.command(
    help=N_(
        "What changed from OLD to NEW: every fact, source, question, demand and other item "
        "added, removed or changed, with the old and new value of each field that changed. "
        "NEW is a dossier folder (or a name under seeds/; default: the workspace's dossier); "
        "OLD is another folder, a git revision of NEW's folder, or last-meeting (the "
        "default): NEW's folder as committed on the day of its previous meeting."
    ),
    examples=[
        ("briefgen diff", N_("what changed since the previous meeting")),
        ("briefgen diff HEAD~3 seeds/france-travail-linkedin", None),
        ("briefgen diff archive/2026-09 seeds/x --format json", None),
        ("briefgen diff HEAD~1 --doc changes          # output/<id>/ce-qui-a-change.pdf", None),
    ],
)
@_argument("old", N_("OLD"), required=False)
@_argument("new", N_("NEW"), required=False)
@_output_option(N_("Text for people, JSON for tools."))
@_option(
    "--doc",
    "document",
    type=click.Choice(["changes"]),
    help=N_("Also make the one-page document 'Ce qui a changé depuis la dernière séance'."),
)
@_option(
    "--public",
    is_flag=True,
    help=N_("Leave out reps-only items (for a document staff or management will read)."),
)
@_option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    metavar=N_("FOLDER"),
    help=N_("Where --doc writes (default: the workspace's output/)."),
)
def diff(
    old: str | None,
    new: str | None,
    output_format: str,
    document: str | None,
    public: bool,
    out_dir: Path | None,
) -> None:
    from . import changes
    from .load import display_path, load_dossier
    from .models import Audience
    from .workspace import find_dossier

    workspace = _workspace()
    folder = find_dossier(new, workspace.seeds)
    after = load_dossier(folder)
    old = old or changes.LAST_MEETING
    old_path = Path(old)
    if old == changes.LAST_MEETING:
        revision, day = changes.revision_at_last_meeting(after, folder)
        before, commit = changes.dossier_at(revision, folder)
        old_label = _("%(commit)s (the previous meeting, %(date)s)", commit=commit, date=day)
        names = (commit, folder.resolve().name)
    elif old_path.is_dir():
        before, old_label = load_dossier(old_path), display_path(old_path)
        names = (old_path.resolve().name, folder.resolve().name)
        if names[0] == names[1]:
            names = (old_label, display_path(folder))
    else:
        before, commit = changes.dossier_at(old, folder)
        old_label, names = f"{old}:{display_path(folder)}", (commit, folder.resolve().name)
    audience = Audience.public if public else Audience.reps
    found = changes.compare(before, after, audience)
    if output_format == "json":
        report = changes.as_json(found, old_label, display_path(folder))
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in changes.as_text(found):
            click.echo(line)
    if document:
        from .atomic import PRIVATE, write_all
        from .build import CHANGES, Options, render_document

        kind = replace(CHANGES, audience=audience)
        view = changes.document_view(found, before, after, *names)
        built = render_document(
            after, kind, Options(formats=("pdf",)), workspace, extra={"changes": view}
        )
        target = (out_dir or workspace.output) / after.id / f"{kind.filename}.pdf"
        private = {target: PRIVATE} if audience is Audience.reps else None
        write_all({target: built.files["pdf"]}, private)
        click.echo(_("wrote %(path)s", path=display_path(target)), err=output_format == "json")


@main.command(
    help=N_(
        "Say whether PDF, made by briefgen, still matches DOSSIER (default: the dossier it "
        "names): up to date, or which facts changed, were removed or were added since, and "
        "which sources changed. Exit 0 if up to date, 1 if not, 2 if the PDF has no readable "
        "record."
    ),
    examples=[("briefgen verify output/france-travail-linkedin/tract.pdf", None)],
)
@_argument("pdf", N_("PDF"), type=click.Path(dir_okay=False, path_type=Path))
@_argument("dossier", N_("DOSSIER"), required=False)
def verify(pdf: Path, dossier: str | None) -> None:
    from . import provenance
    from .build import DOCUMENTS, as_recorded, facts_shown
    from .load import display_path, load_dossier
    from .workspace import find_dossier

    name = display_path(pdf)
    if not pdf.is_file():
        raise BriefgenError(Problem(_("no such file"), name))
    entry = provenance.read(pdf.read_bytes(), name)
    workspace = _workspace()
    folder = find_dossier(dossier or entry["dossier"].get("id"), workspace.seeds)
    document = entry.get("document", {})
    kind = DOCUMENTS.get(document.get("kind", ""))
    if kind is None:
        unknown = _("unknown document kind %(kind)r", kind=document.get("kind"))
        raise BriefgenError(Problem(unknown, name))
    loaded = load_dossier(folder)
    current = as_recorded(loaded, document)
    shown = facts_shown(current, kind, document.get("lang") or current.lang, workspace)
    digest = provenance.dossier_hash(loaded)
    result = provenance.compare(entry, current, shown, digest)
    then, now = entry["dossier"]["sha256"][:7], digest[:7]
    where = display_path(folder)
    if result.up_to_date:
        click.echo(
            _(
                "%(pdf)s: up to date with %(dossier)s (dossier %(now)s)",
                pdf=name,
                dossier=where,
                now=now,
            )
        )
        return
    click.echo(
        _(
            "%(pdf)s: out of date with %(dossier)s (dossier %(then)s then, %(now)s now)",
            pdf=name,
            dossier=where,
            then=then,
            now=now,
        )
    )
    _report_changes(result, {fact.id: fact.statement for fact in current.facts}, entry)
    sys.exit(1)


def _report_changes(result: Any, statements: dict[str, str], entry: dict[str, Any]) -> None:
    """The facts and sources a document shows that changed since it was made (verify)."""
    recorded = {fact["id"]: fact.get("statement", "") for fact in entry["facts"]}
    lines = [
        _("changed: %(id)s: %(statement)s", id=fact_id, statement=statements[fact_id])
        for fact_id in result.changed
    ]
    for fact_id in result.removed:
        gone = (
            N_("removed: %(id)s (no longer in the dossier): %(statement)s")
            if fact_id not in statements
            else N_("removed: %(id)s (no longer shown): %(statement)s")
        )
        lines.append(_(gone, id=fact_id, statement=recorded[fact_id]))
    lines += [
        _("added: %(id)s: %(statement)s", id=fact_id, statement=statements[fact_id])
        for fact_id in result.added
    ]
    lines += [_("source changed: %(id)s", id=source_id) for source_id in result.sources_changed]
    if not lines:
        lines = [
            _("none of the facts this document shows changed (other parts of the dossier did)")
        ]
    for line in lines:
        click.echo(f"  {line}")


@main.command(
    help=N_(
        "Make a new workspace in FOLDER: briefgen.toml, an example dossier, templates/, "
        "assets/ (an example logo) and output/. With --empty, no dossier and no example "
        "union or logo: you make the first dossier in the page (briefgen serve)."
    ),
    examples=[
        ("briefgen init ~/tracts && cd ~/tracts && briefgen build", None),
        (
            "briefgen init --empty ~/cse && cd ~/cse && briefgen serve",
            N_('then "New dossier" in the page'),
        ),
    ],
)
@_argument("folder", N_("FOLDER"), type=click.Path(file_okay=False, path_type=Path))
@_option("--empty", is_flag=True, help=N_("No example dossier: start with none."))
def init(folder: Path, empty: bool) -> None:
    from .load import display_path
    from .scaffold import init_workspace

    for path in init_workspace(folder, example=not empty):
        click.echo(_("created %(path)s", path=display_path(path)))
    where = display_path(folder)
    if empty:
        start = _(
            'next: %(command)s, then "%(button)s" in the page',
            command=f"cd {where} && briefgen serve",
            button=_("New dossier"),
        )
    else:
        start = _(
            "next: %(command)s",
            command=f"cd {where} && briefgen check exemple && briefgen build",
        )
    click.echo(start)


@main.group(
    help=N_("Add sources to a dossier from saved articles."),
    examples=[("briefgen source add ~/Téléchargements/article.html france-travail-linkedin", None)],
)
def source() -> None:
    """The commands on a dossier's sources (their help is the group's `help`)."""


_SOURCE_FIELDS = {
    "id": N_("id: %(value)s"),
    "title": N_("title: %(value)s"),
    "publisher": N_("publisher: %(value)s"),
    "author": N_("author: %(value)s"),
    "date": N_("date: %(value)s"),
    "url": N_("url: %(value)s"),
    "kind": N_("kind: %(value)s"),
}
"""How `source add` shows each field of the source it read, before asking."""


def _confirm(question: str) -> bool:
    """Ask `question`, answered yes or no in the reader's language (or in English); Enter
    answers yes."""
    yes, no = _("yes"), _("no")
    while True:
        answer = click.prompt(
            _("%(question)s [Y/n]", question=question),
            default="",
            show_default=False,
            prompt_suffix=" ",
        )
        answer = answer.strip().lower()
        if answer in ("", yes, yes[:1], "yes", "y"):
            return True
        if answer in (no, no[:1], "no", "n"):
            return False
        click.echo(_("Please answer %(yes)s or %(no)s.", yes=yes, no=no), err=True)


@source.command(
    "add",
    help=N_(
        "Add FILE, a saved web page (.html), a PDF or a text file, as a source of DOSSIER: "
        "its title, publisher, author, date and address are read from it, its main text "
        "(without reader comments) is archived as sources/<id>.txt with its SHA-256."
    ),
    examples=[
        ("briefgen source add article.html", N_("shows the entry, asks first")),
        ("briefgen source add article.pdf exemple --id journal-2026 --kind official --yes", None),
    ],
)
@_argument("file", N_("FILE"), type=click.Path(dir_okay=False, path_type=Path))
@_argument("dossier", N_("DOSSIER"), required=False)
@_option(
    "--id",
    "source_id",
    metavar=N_("TEXT"),
    help=N_("Id of the new source (default: from its publisher)."),
)
@_option(
    "--kind",
    type=click.Choice(
        ["press", "official", "union", "legal-text", "case-law", "reader-comment", "other"]
    ),
    default="press",
    show_default=True,
    help=N_("What kind of document it is."),
)
@_option("--title", metavar=N_("TEXT"), help=N_("Title, if the one found is wrong."))
@_option("--publisher", metavar=N_("TEXT"), help=N_("Publisher, if the one found is wrong."))
@_option("--author", metavar=N_("TEXT"), help=N_("Author, if the one found is wrong."))
@_option(
    "--date",
    "published",
    metavar=N_("YYYY-MM-DD"),
    help=N_("Publication date, if the one found is wrong."),
)
@_option(
    "--url", metavar=N_("ADDRESS"), help=N_("Address of the article, if the one found is wrong.")
)
@_option("--yes", "-y", is_flag=True, help=N_("Add it without asking for confirmation."))
def source_add(
    file: Path,
    dossier: str | None,
    source_id: str | None,
    kind: str,
    title: str | None,
    publisher: str | None,
    author: str | None,
    published: str | None,
    url: str | None,
    yes: bool,
) -> None:
    from .importer import add_source, draft_source, read_file
    from .store import DossierFiles
    from .workspace import find_dossier

    workspace = _workspace()
    folder = find_dossier(dossier, workspace.seeds)
    files = DossierFiles.in_workspace(workspace.root, folder)
    draft = read_file(file)
    taken = files.ids("sources")
    entry = draft_source(draft, taken)
    given = {
        "id": source_id,
        "kind": kind,
        "title": title,
        "publisher": publisher,
        "author": author,
        "date": published,
        "url": url,
    }
    entry.update({key: value for key, value in given.items() if value is not None})
    missing = _("(not found)")
    for key, line in _SOURCE_FIELDS.items():
        click.echo("  " + _(line, value=entry.get(key, missing)))
    characters, paragraphs = len(draft.text), draft.text.count("\n\n") + 1
    text = _(
        "text: %(characters)s, %(paragraphs)s",
        characters=ngettext("%(num)s character", "%(num)s characters", characters),
        paragraphs=ngettext("%(num)s paragraph", "%(num)s paragraphs", paragraphs),
    )
    click.echo(f"  {text}")
    if not yes and not _confirm(_("Add this source?")):
        raise BriefgenError.at(_("not added; nothing was written"))
    saved, added = add_source(files, entry, draft.text)
    click.echo(
        _(
            "added source '%(id)s' to %(dossier)s: %(files)s",
            id=added.id,
            dossier=folder.name,
            files=", ".join(saved.files),
        )
    )
    click.echo(_("cite it from a fact with: %(yaml)s", yaml=f"sources: [{added.id}]"))


@main.group(
    help=N_("List, copy and document the templates a workspace can override."),
    examples=[
        ("briefgen templates list", None),
        ("briefgen templates copy tract.md.j2", None),
        ("briefgen templates context", None),
    ],
)
def templates() -> None:
    """The commands on templates (their help is the group's `help`)."""


@templates.command(
    "list",
    help=N_("Show every template file, what it is for and where it comes from."),
    examples=[("briefgen templates list", None)],
)
def templates_list() -> None:
    from .scaffold import list_templates

    entries = list_templates(_workspace())
    width = max(len(entry.name) for entry in entries)
    kind_width = max(len(entry.kind) for entry in entries)
    for entry in entries:
        click.echo(f"{entry.name:<{width}}  {entry.kind:<{kind_width}}  {entry.origin}")


@templates.command(
    "copy",
    help=N_(
        "Copy built-in template NAME into the workspace's templates/ to edit it.\n"
        "\n"
        "NAME is a document (note, tract, declaration, questions, avis) or a file name, as "
        "`briefgen templates list` shows it. A copy already edited is never replaced unless "
        "--force is given."
    ),
    examples=[
        ("briefgen templates copy tract", None),
        ("briefgen templates copy labels/fr.yaml", None),
    ],
)
@_argument("name", N_("NAME"))
@_option("--force", is_flag=True, help=N_("Replace a copy already edited in the workspace."))
def templates_copy(name: str, force: bool) -> None:
    from .load import display_path
    from .scaffold import copy_template

    copied = display_path(copy_template(_workspace(), name, force))
    click.echo(_("copied to %(path)s", path=copied))


@templates.command(
    "context",
    help=N_("Print every variable and filter a template can use, with its type and description."),
    examples=[("briefgen templates context > template-reference.md", None)],
)
def templates_context() -> None:
    from .reference import context_reference

    click.echo(context_reference(), nl=False)


@main.command(
    help=N_(
        "Rebuild DOSSIER's documents whenever it, a template, an asset or briefgen.toml "
        "changes, and serve an HTML preview that reloads itself. Stop with Ctrl-C."
    ),
    examples=[("briefgen watch exemple --doc tract", N_("then open http://127.0.0.1:8000/"))],
)
@_argument("dossier", N_("DOSSIER"), required=False)
@_doc_option(N_("Document to rebuild; repeat for several. Default: every document."))
@_format_option(("html",), N_("Formats to rebuild (html feeds the preview; add pdf for the PDFs)."))
@_option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar=N_("ADDRESS"),
    help=N_("Address the preview listens on."),
)
@_option(
    "--port", default=8000, show_default=True, metavar=N_("NUMBER"), help=N_("Port of the preview.")
)
@_option("--no-serve", is_flag=True, help=N_("Rebuild only; serve no preview."))
def watch(
    dossier: str | None,
    docs: tuple[str, ...],
    formats: tuple[str, ...],
    host: str,
    port: int,
    no_serve: bool,
) -> None:
    import threading

    from .build import Options
    from .hosts import guard_for, url_for_host
    from .watch import Watcher, make_server, run
    from .workspace import find_dossier

    workspace = _workspace()
    folder = find_dossier(dossier, workspace.seeds)
    wanted = tuple(f for f in FORMATS if f in formats)
    if "html" not in wanted and not no_serve:
        wanted = (*wanted, "html")
    watcher = Watcher(workspace.root, folder, list(docs), Options(formats=wanted))
    stop = threading.Event()
    server = None
    if not no_serve:
        _warn_if_public(host)
        guard = guard_for(host)
        try:
            page_lang = _chosen_language() or "fr"  # the page is French unless asked
            server = make_server(watcher, workspace, host, port, guard, lang=page_lang)
        except OSError as exc:
            raise BriefgenError.at(_cannot_listen(host, port, exc.strerror)) from None
        threading.Thread(target=server.serve_forever, daemon=True).start()
        address = url_for_host(host, server.server_address[1], guard)
        click.echo(_("preview: %(address)s  (Ctrl-C to stop)", address=address))
    try:
        run(watcher, lambda message: click.echo(message, err=watcher.failed), stop)
    except KeyboardInterrupt:
        click.echo(_("stopped"))
    finally:
        stop.set()
        if server is not None:
            server.shutdown()


def _cannot_listen(host: str, port: int, reason: object) -> str:
    return _("cannot listen on %(address)s: %(reason)s", address=f"{host}:{port}", reason=reason)


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM (the system stopping `serve`) taken as Ctrl-C: the workers stopped in order."""
    raise KeyboardInterrupt


@main.command(
    help=N_(
        "Start the local web page: pick a dossier, check it, preview and download the "
        "documents, with buttons. Stop with Ctrl-C."
    ),
    examples=[
        ("briefgen serve", N_("then open http://127.0.0.1:8000/")),
        ("briefgen serve --ui-lang en", N_("the page in English")),
    ],
)
@_option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    metavar=N_("ADDRESS"),
    help=N_("Address to listen on; only this computer can reach 127.0.0.1."),
)
@_option(
    "--port", default=8000, show_default=True, metavar=N_("NUMBER"), help=N_("Port to listen on.")
)
@_option(
    "--commit",
    is_flag=True,
    help=N_("Also commit every save made in the page, when the workspace is a git repository."),
)
@_option(
    "--ui-lang",
    "page_lang",
    type=_Language(),
    help=N_("Language of the page and the messages (default for the page: French)."),
)
def serve(host: str, port: int, commit: bool, page_lang: str | None) -> None:
    from werkzeug.serving import make_server

    from .hosts import guard_for, url_for_host
    from .warm import server_workers
    from .web import create_app

    if page_lang:
        set_language(page_lang)
    # The page is for French reps: French, whatever the locale, unless told otherwise.
    ui_lang = page_lang or _chosen_language() or "fr"
    workspace = _workspace()
    _warn_if_public(host)
    guard = guard_for(host)
    app = create_app(
        workspace, guard=guard, commit=commit, ui_lang=ui_lang, render_workers=server_workers()
    )
    try:
        server = make_server(host, port, app, threaded=True)
    except (OSError, SystemExit) as exc:
        raise BriefgenError.at(_cannot_listen(host, port, exc)) from None
    pool = app.extensions["briefgen"].render
    pool.start()
    address = url_for_host(host, server.server_port, guard)
    click.echo(_("briefgen: open %(address)s  (Ctrl-C to stop)", address=address))
    signal.signal(signal.SIGTERM, _interrupt)  # stopped by the system: as by Ctrl-C
    try:
        server.serve_forever()  # returns on Ctrl-C: werkzeug's server catches it
    except KeyboardInterrupt:
        pass
    finally:
        pool.shutdown(wait=False)
    click.echo(_("stopped"))
