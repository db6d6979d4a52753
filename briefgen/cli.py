"""The `briefgen` command: parse options, call build or check, print, exit.

This is the only module that prints or exits.  Heavy imports (WeasyPrint)
happen inside the build, so `--help` stays instant.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from .errors import RULES, BriefgenError, Problem

if TYPE_CHECKING:
    from .workspace import Workspace


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
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
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


def _warn_if_public(host: str) -> None:
    """Say so when a page is served to other machines than this one."""
    from .hosts import is_loopback

    if not is_loopback(host):
        click.echo(
            f"warning: listening on {host}: other computers on the network can reach this "
            "page; every request needs the access token in the address below (give it only "
            "to those who may read the dossiers)",
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


DOC_KINDS = ("note", "tract", "declaration", "questions", "avis")
FORMATS = ("pdf", "odt", "docx", "html", "md")
F = TypeVar("F", bound=Callable[..., Any])


def _doc_option(help: str) -> Callable[[F], F]:
    return click.option(
        "--doc", "-d", "docs", multiple=True, type=click.Choice(DOC_KINDS), help=help
    )


def _output_option(help: str) -> Callable[[F], F]:
    """--format text|json, for commands that report to people or to tools."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help,
    )


def _format_option(default: tuple[str, ...], help: str) -> Callable[[F], F]:
    return click.option(
        "--format",
        "-f",
        "formats",
        multiple=True,
        default=default,
        type=click.Choice(FORMATS),
        show_default=True,
        help=help,
    )


@main.command()
@click.argument("dossier", required=False)
@_doc_option("Document to make; repeat for several. Default: every document the dossier allows.")
@_format_option(
    ("pdf",), "Format to write; repeat for several (pdf; odt and docx to edit; html, md)."
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
    help="Language of the labels (default: the dossier's). The dossier's text keeps its "
    "own language, typography and date format.",
)
@click.option(
    "--pdf-variant",
    type=click.Choice(["pdf/ua-1", "pdf/a-3b"]),
    default="pdf/ua-1",
    show_default=True,
    help="Tagged, accessible PDF (pdf/ua-1) or archival PDF (pdf/a-3b).",
)
@click.option(
    "--trace/--no-trace",
    default=None,
    help="Print the trace line (dossier hash and date) in every footer "
    "(default: as briefgen.toml's [output] trace says, else yes).",
)
@click.option(
    "--each",
    type=click.Choice(["establishment"]),
    help="Make one copy of each document per establishment of the dossier, named after it.",
)
@click.option(
    "--jobs",
    "-j",
    type=click.IntRange(min=1),
    default=None,
    help="Documents rendered at once, in as many processes (default: the number of cores).",
)
@click.option("--force", is_flag=True, help="Rebuild even if the output is up to date.")
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
    force: bool,
) -> None:
    """Build the documents of DOSSIER (a folder, or a name under seeds/).

    Without DOSSIER, builds the workspace's dossier (france-travail-linkedin in
    this repository). Without --doc, makes the briefing note, the tract, the
    opening statement, the written questions and the draft opinion, skipping
    (with a warning) a document whose section the dossier lacks. Output that is
    up to date with everything it is made from is not rebuilt (--force to
    rebuild it).

    \b
    Example:
      briefgen build seeds/france-travail-linkedin --doc tract --doc note -f pdf -f html
      briefgen build --each establishment --doc tract -j 2
    """
    import json

    from .cache import input_digest, record, up_to_date
    from .load import display_path
    from .workspace import find_dossier

    workspace = _workspace()
    folder = find_dossier(dossier, workspace.seeds)
    out = out_dir or workspace.output
    ordered = tuple(f for f in FORMATS if f in formats)
    settings = {
        "dossier": str(folder.resolve()),
        "docs": sorted(set(docs)),
        "formats": ordered,
        "lang": lang,
        "pdf_variant": pdf_variant,
        "each": each,
        "trace": trace,
        "source_date_epoch": os.environ.get("SOURCE_DATE_EPOCH"),
    }
    if {"odt", "docx"} & set(ordered):  # another pandoc may write other files
        from importlib.metadata import version

        settings["pandoc"] = version("pypandoc-binary")
    key = json.dumps(settings, sort_keys=True)
    digest = input_digest(workspace.inputs(folder), settings)
    current = None if force else up_to_date(out, key, digest)
    if current is not None:
        for path in current:
            click.echo(f"up to date: {display_path(path)}")
        return

    from .pool import worker_pool

    workers = jobs or os.cpu_count() or 1
    # HTML and Markdown take milliseconds: only PDFs and pandoc's files are worth workers.
    with worker_pool(workers if {"pdf", "odt", "docx"} & set(ordered) else 1) as pool:
        from .build import Job, Options, runnable_kinds
        from .build import build as run_build
        from .lint import buildable

        loaded = buildable(folder, dt.date.today())
        kinds, skipped = runnable_kinds(loaded, list(docs))
        for message in skipped:
            click.echo(f"warning: {message}", err=True)
        options = Options(formats=ordered, lang=lang, pdf_variant=pdf_variant, trace=trace)

        def progress(job: Job, done: int, total: int) -> None:
            if sys.stdout.isatty():
                bar = "#" * (20 * done // total)
                click.echo(f"\r[{bar:<20}] {done}/{total} {job.filename}\033[K", nl=False)
            else:
                click.echo(f"rendered {job.filename} ({done}/{total})")

        written, warnings = run_build(
            loaded, folder, out, kinds, options, workspace, each, pool, progress
        )
    if sys.stdout.isatty():
        click.echo("\r\033[K", nl=False)
    record(out, key, digest, written)
    for warning in warnings:
        click.echo(f"warning: {warning}", err=True)
    for path in written:
        click.echo(f"wrote {display_path(path)}")


@main.command(
    epilog="\b\nRules:\n" + "\n".join(f"  {code}  {text}" for code, text in RULES.items())
)
@click.argument("dossier", required=False)
@_output_option("Findings as lines of text or as JSON.")
@click.option("--strict", is_flag=True, help="Exit 1 when there are warnings.")
@click.option(
    "--max-age",
    type=click.IntRange(min=0),
    default=365,
    show_default=True,
    help="Days before the meeting after which a reported fact is flagged as stale.",
)
@click.option(
    "--today",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Date to check the meeting date against (default: today).",
)
def check(dossier: str | None, output_format: str, strict: bool, max_age: int, today: Any) -> None:
    """Check DOSSIER as a linter would: errors (E…) stop a build, warnings (W…) are for
    the reps to look at. Exit 0 clean, 1 warnings with --strict, 2 errors.

    \b
    Example:
      briefgen check seeds/france-travail-linkedin --strict --format json
    """
    import datetime as dt
    import json

    from .lint import check_dossier
    from .load import display_path
    from .workspace import find_dossier

    folder = find_dossier(dossier, _workspace().seeds)
    _, findings = check_dossier(folder, today.date() if today else dt.date.today(), max_age)
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    if output_format == "json":
        click.echo(
            json.dumps(
                {
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
                            "message": f.message,
                        }
                        for f in findings
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for finding in findings:
            where = ":".join(str(part) for part in (finding.file, finding.line) if part)
            field = f" {finding.field}:" if finding.field else ""
            click.echo(f"{where}: {finding.code}{field} {finding.message}")
        summary = "ok" if not findings else f"{errors} error(s), {warnings} warning(s)"
        click.echo(f"{display_path(folder)}: {summary}")
    if errors:
        sys.exit(2)
    if warnings and strict:
        sys.exit(1)


@main.command()
@click.argument("old")
@click.argument("new", required=False)
@_output_option("Text for people, JSON for tools.")
@click.option(
    "--doc",
    "document",
    type=click.Choice(["changes"]),
    help="Also make the one-page document 'Ce qui a changé depuis la dernière séance'.",
)
@click.option(
    "--public",
    is_flag=True,
    help="Leave out reps-only items (for a document staff or management will read).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where --doc writes (default: the workspace's output/).",
)
def diff(
    old: str,
    new: str | None,
    output_format: str,
    document: str | None,
    public: bool,
    out_dir: Path | None,
) -> None:
    """What changed from OLD to NEW: facts, sources, questions, demands and the meeting,
    added, removed or changed. NEW is a dossier folder (or a name under seeds/; default:
    the workspace's dossier); OLD is another folder, or a git revision of NEW's folder.

    \b
    Example:
      briefgen diff HEAD~3 seeds/france-travail-linkedin
      briefgen diff archive/2026-09 seeds/x --format json
      briefgen diff HEAD~1 --doc changes          # output/<id>/ce-qui-a-change.pdf
    """
    from . import changes
    from .load import display_path, load_dossier
    from .models import Audience
    from .workspace import find_dossier

    workspace = _workspace()
    folder = find_dossier(new, workspace.seeds)
    after = load_dossier(folder)
    old_path = Path(old)
    if old_path.is_dir():
        before, old_label = load_dossier(old_path), display_path(old_path)
    else:
        before, old_label = changes.dossier_at(old, folder), f"{old}:{display_path(folder)}"
    audience = Audience.public if public else Audience.reps
    found = changes.for_audience(changes.compare(before, after), audience)
    if output_format == "json":
        report = changes.as_json(found, old_label, display_path(folder))
        click.echo(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for line in changes.as_text(found):
            click.echo(line)
    if document:
        from .atomic import write_all
        from .build import CHANGES, Options, render_document

        kind = replace(CHANGES, audience=audience)
        view = changes.document_view(found, before, after)
        built = render_document(
            after, kind, Options(formats=("pdf",)), workspace, extra={"changes": view}
        )
        target = (out_dir or workspace.output) / after.id / f"{kind.filename}.pdf"
        write_all({target: built.files["pdf"]})
        click.echo(f"wrote {display_path(target)}", err=output_format == "json")


@main.command()
@click.argument("pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("dossier", required=False)
def verify(pdf: Path, dossier: str | None) -> None:
    """Say whether PDF, made by briefgen, still matches DOSSIER (default: the dossier it
    names): up to date, or which facts changed, were removed or were added since, and which
    sources changed. Exit 0 if up to date, 1 if not, 2 if the PDF has no readable record.

    \b
    Example:
      briefgen verify output/france-travail-linkedin/tract.pdf
    """
    from . import provenance
    from .build import DOCUMENTS, as_recorded, facts_shown
    from .load import display_path, load_dossier
    from .workspace import find_dossier

    name = display_path(pdf)
    if not pdf.is_file():
        raise BriefgenError(Problem("no such file", name))
    entry = provenance.read(pdf.read_bytes(), name)
    workspace = _workspace()
    folder = find_dossier(dossier or entry["dossier"].get("id"), workspace.seeds)
    document = entry.get("document", {})
    kind = DOCUMENTS.get(document.get("kind", ""))
    if kind is None:
        raise BriefgenError(Problem(f"unknown document kind {document.get('kind')!r}", name))
    current = as_recorded(load_dossier(folder), document)
    shown = facts_shown(current, kind, document.get("lang") or current.lang, workspace)
    result = provenance.compare(entry, current, shown)
    then, now = entry["dossier"]["sha256"][:7], provenance.dossier_hash(current)[:7]
    where = display_path(folder)
    if result.up_to_date:
        click.echo(f"{name}: up to date with {where} (dossier {now})")
        return
    click.echo(f"{name}: out of date with {where} (dossier {then} then, {now} now)")
    facts = {fact.id: fact for fact in current.facts}
    recorded = {fact["id"]: fact for fact in entry["facts"]}
    for fact_id in result.changed:
        click.echo(f"  changed: {fact_id}: {facts[fact_id].statement}")
    for fact_id in result.removed:
        gone = "no longer in the dossier" if fact_id not in facts else "no longer shown"
        click.echo(f"  removed: {fact_id} ({gone}): {recorded[fact_id].get('statement', '')}")
    for fact_id in result.added:
        click.echo(f"  added: {fact_id}: {facts[fact_id].statement}")
    for source_id in result.sources_changed:
        click.echo(f"  source changed: {source_id}")
    if not (result.changed or result.removed or result.added or result.sources_changed):
        click.echo(
            "  none of the facts this document shows changed (other parts of the dossier did)"
        )
    sys.exit(1)


@main.command()
@click.argument("folder", type=click.Path(file_okay=False, path_type=Path))
def init(folder: Path) -> None:
    """Make a new workspace in FOLDER: briefgen.toml, an example dossier, templates/,
    assets/ (an example logo) and output/.

    \b
    Example:
      briefgen init ~/tracts && cd ~/tracts && briefgen build
    """
    from .load import display_path
    from .scaffold import init_workspace

    for path in init_workspace(folder):
        click.echo(f"created {display_path(path)}")
    click.echo(f"next: cd {display_path(folder)} && briefgen check exemple && briefgen build")


@main.group()
def source() -> None:
    """Add sources to a dossier from saved articles.

    \b
    Example:
      briefgen source add ~/Téléchargements/article.html france-travail-linkedin
    """


@source.command("add")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("dossier", required=False)
@click.option("--id", "source_id", help="Id of the new source (default: from its publisher).")
@click.option(
    "--kind",
    type=click.Choice(
        ["press", "official", "union", "legal-text", "case-law", "reader-comment", "other"]
    ),
    default="press",
    show_default=True,
    help="What kind of document it is.",
)
@click.option("--title", help="Title, if the one found is wrong.")
@click.option("--publisher", help="Publisher, if the one found is wrong.")
@click.option("--author", help="Author, if the one found is wrong.")
@click.option(
    "--date", "published", help="Publication date (YYYY-MM-DD), if the one found is wrong."
)
@click.option("--url", help="Address of the article, if the one found is wrong.")
@click.option("--yes", "-y", is_flag=True, help="Add it without asking for confirmation.")
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
    """Add FILE, a saved web page (.html), a PDF or a text file, as a source of DOSSIER: its
    title, publisher, author, date and address are read from it, its main text (without
    reader comments) is archived as sources/<id>.txt with its SHA-256.

    \b
    Example:
      briefgen source add article.html                     # shows the entry, asks first
      briefgen source add article.pdf exemple --id journal-2026 --kind official --yes
    """
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
    for key in ("id", "title", "publisher", "author", "date", "url", "kind"):
        click.echo(f"  {key}: {entry.get(key, '(not found)')}")
    click.echo(
        f"  text: {len(draft.text)} characters, {draft.text.count(chr(10) * 2) + 1} paragraphs"
    )
    if not yes and not click.confirm("Add this source?", default=True):
        raise BriefgenError.at("not added; nothing was written")
    saved, added = add_source(files, entry, draft.text)
    written = ", ".join(saved.files)
    click.echo(f"added source '{added.id}' to {folder.name}: {written}")
    click.echo(f"cite it from a fact with: sources: [{added.id}]")


@main.group()
def templates() -> None:
    """List, copy and document the templates a workspace can override.

    \b
    Example:
      briefgen templates list
      briefgen templates copy tract.md.j2
      briefgen templates context
    """


@templates.command("list")
def templates_list() -> None:
    """Show every template file, what it is for and where it comes from.

    \b
    Example:
      briefgen templates list
    """
    from .scaffold import list_templates

    entries = list_templates(_workspace())
    width = max(len(entry.name) for entry in entries)
    kind_width = max(len(entry.kind) for entry in entries)
    for entry in entries:
        click.echo(f"{entry.name:<{width}}  {entry.kind:<{kind_width}}  {entry.origin}")


@templates.command("copy")
@click.argument("name")
@click.option("--force", is_flag=True, help="Replace a copy already edited in the workspace.")
def templates_copy(name: str, force: bool) -> None:
    """Copy built-in template NAME into the workspace's templates/ to edit it.

    NAME is a document (note, tract, declaration, questions, avis) or a file
    name, as `briefgen templates list` shows it. A copy already edited is
    never replaced unless --force is given.

    \b
    Example:
      briefgen templates copy tract
      briefgen templates copy labels/fr.yaml
    """
    from .load import display_path
    from .scaffold import copy_template

    click.echo(f"copied to {display_path(copy_template(_workspace(), name, force))}")


@templates.command("context")
def templates_context() -> None:
    """Print every variable and filter a template can use, with its type and description.

    \b
    Example:
      briefgen templates context > template-reference.md
    """
    from .reference import context_reference

    click.echo(context_reference(), nl=False)


@main.command()
@click.argument("dossier", required=False)
@_doc_option("Document to rebuild; repeat for several. Default: every document.")
@_format_option(("html",), "Formats to rebuild (html feeds the preview; add pdf for the PDFs).")
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address the preview listens on."
)
@click.option("--port", default=8000, show_default=True, help="Port of the preview.")
@click.option("--no-serve", is_flag=True, help="Rebuild only; serve no preview.")
def watch(
    dossier: str | None,
    docs: tuple[str, ...],
    formats: tuple[str, ...],
    host: str,
    port: int,
    no_serve: bool,
) -> None:
    """Rebuild DOSSIER's documents whenever it, a template, an asset or briefgen.toml
    changes, and serve an HTML preview that reloads itself. Stop with Ctrl-C.

    \b
    Example:
      briefgen watch exemple --doc tract        # then open http://127.0.0.1:8000/
    """
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
            server = make_server(watcher, workspace, host, port, guard)
        except OSError as exc:
            raise BriefgenError.at(f"cannot listen on {host}:{port}: {exc.strerror}") from None
        threading.Thread(target=server.serve_forever, daemon=True).start()
        address = url_for_host(host, server.server_address[1], guard)
        click.echo(f"preview: {address}  (Ctrl-C to stop)")
    try:
        run(watcher, lambda message: click.echo(message, err=message.startswith("error")), stop)
    except KeyboardInterrupt:
        click.echo("stopped")
    finally:
        stop.set()
        if server is not None:
            server.shutdown()


@main.command()
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; only this computer can reach 127.0.0.1.",
)
@click.option("--port", default=8000, show_default=True, help="Port to listen on.")
@click.option(
    "--commit",
    is_flag=True,
    help="Also commit every save made in the page, when the workspace is a git repository.",
)
def serve(host: str, port: int, commit: bool) -> None:
    """Start the local web page: pick a dossier, check it, preview and download the
    documents, with buttons. Stop with Ctrl-C.

    \b
    Example:
      briefgen serve                 # then open http://127.0.0.1:8000/
    """
    from werkzeug.serving import make_server

    from .hosts import guard_for, url_for_host
    from .web import create_app

    workspace = _workspace()
    _warn_if_public(host)
    guard = guard_for(host)
    try:
        server = make_server(
            host, port, create_app(workspace, guard=guard, commit=commit), threaded=True
        )
    except (OSError, SystemExit) as exc:
        raise BriefgenError.at(f"cannot listen on {host}:{port}: {exc}") from None
    click.echo(f"briefgen: open {url_for_host(host, server.server_port, guard)}  (Ctrl-C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        click.echo("stopped")
