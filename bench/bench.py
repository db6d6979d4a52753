"""briefgen's benchmark: run it with `bench/run` (or `.venv/bin/python bench/bench.py`).

Every figure is measured side by side in one run, on this machine, and printed
as a Markdown table with the target it is compared with.  Timings are the
median of several runs of the whole command (Python start-up included); the
page's rows drive a real `briefgen serve` process (see page_build.py).  The
server's memory after many renders takes about half a second a render: set how
many with `--renders` (default 100; docs/performance.md reports 500).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

import page_build

ROOT = Path(__file__).resolve().parent.parent
DOSSIER = ROOT / "seeds" / "france-travail-linkedin"
BIN = Path(sys.executable).parent
BRIEFGEN = [str(BIN / "briefgen")]


def timed(command: list[str], runs: int, cwd: Path, env: dict[str, str] | None = None) -> float:
    """Median wall time of `command` over `runs` runs."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def peak_rss_mib(command: list[str], cwd: Path) -> float:
    """Largest resident memory of `command` and the processes it waited for, in MiB."""
    code = (
        "import resource, subprocess, sys\n"
        "subprocess.run(sys.argv[1:], check=True, capture_output=True)\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, *command], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout
    return int(out.split()[-1]) / 1024


def variants_dossier(folder: Path, count: int) -> Path:
    """A copy of the first dossier with `count` establishments."""
    target = folder / "variants"
    shutil.copytree(DOSSIER, target)
    lines = ["establishments:"]
    for number in range(1, count + 1):
        lines += [f"  - id: site-{number:02d}", f"    name: Site {number:02d}"]
    (target / "establishments.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


SCALED = re.compile(r'class="scaled"(?: style="font-size: ([0-9.]+)em")?')


def fitted(rows: list[tuple[str, str, str, str]]) -> dict[str, float]:
    """Add, for each built-in seed, how many layouts the fitter ran for the tract (through
    the Python API) and at what type scale; return the first dossier's scale by kind."""
    import briefgen.build as build
    from briefgen.lint import buildable
    from briefgen.workspace import find_workspace

    chosen: list[float] = []
    fit = build.fit

    def spy(*args: Any) -> Any:
        result = fit(*args)
        chosen.append(result[0])
        return result

    workspace, scales = find_workspace(ROOT), {}
    seeds = sorted(p for p in (ROOT / "seeds").iterdir() if p.is_dir())
    seeds.append(ROOT / "briefgen" / "scaffold" / "seeds" / "exemple")
    for seed in seeds:
        dossier = build.select_meeting(buildable(seed, dt.date.today()), None)
        asked = ["tract", "note"] if seed == DOSSIER else ["tract"]
        kinds = build.runnable_kinds(dossier, asked)[0]
        for job in build.plan(dossier, kinds):
            with mock.patch.object(build, "fit", spy):
                built = build.render_document(job.dossier, job.kind, build.Options(), workspace)
            if seed == DOSSIER:
                scales[job.kind.name] = chosen[-1]
            if job.kind.name == "tract":
                memo = build.Memo()
                for _ in range(2):  # the second time, the memo knows the page
                    again = build.render_document(
                        job.dossier, job.kind, build.Options(), workspace, memo=memo
                    )
                assert again.files == built.files, seed
                layouts = (
                    f"{built.layouts} (type scale {chosen[-1]:.3f}); built again: {again.layouts}"
                )
                rows.append(
                    (f"layouts the fitter ran for the tract, seed {seed.name}", layouts, "", "")
                )
    return scales


def overhead(
    rows: list[tuple[str, str, str, str]],
    doc: str,
    target: str,
    scale: float,
    runs: int,
    work: Path,
) -> tuple[float, float]:
    """Add `briefgen build -d doc` beside raw WeasyPrint on the HTML its PDF is made of
    (the `-f html` file, checked to be at the PDF's type scale); return briefgen's time
    built again and after an edit."""
    out = work / doc
    common = [*BRIEFGEN, "build", str(DOSSIER), "-d", doc, "--force"]
    subprocess.run(
        [*common, "-f", "pdf", "-f", "html", "-f", "md", "--out", str(out)],
        check=True,
        capture_output=True,
        cwd=ROOT,
    )
    html = next((out / DOSSIER.name).glob("*.html"))
    found = SCALED.search(html.read_text(encoding="utf-8"))
    assert found and float(found.group(1) or 1) == round(scale, 3), (doc, scale, found)
    raw = [str(BIN / "weasyprint"), "--base-url", str(ROOT), "--pdf-variant", "pdf/ua-1"]
    raw += [str(html), str(work / "raw.pdf")]
    ours = [*common, "-f", "pdf", "--out", str(work / "ours")]
    subprocess.run(ours, check=True, capture_output=True, cwd=ROOT)  # the fitter's memo
    edited = {**os.environ, "BRIEFGEN_FIT_MEMO": "0"}  # as after an edit: the memo misses
    cold = [*common, "-f", "pdf", "--out", str(work / "cold")]
    raw_times, our_times, edit_times, cold_times, one_times = [], [], [], [], []
    for _ in range(runs):  # alternate, so that all see the same machine load
        raw_times.append(timed(raw, 1, ROOT))
        our_times.append(timed(ours, 1, ROOT))
        edit_times.append(timed(ours, 1, ROOT, edited))
        shutil.rmtree(work / "cold", ignore_errors=True)
        cold_times.append(timed(cold, 1, ROOT))
        one_times.append(timed([*ours, "-j", "1"], 1, ROOT))
    raw_s, our_s = statistics.median(raw_times), statistics.median(our_times)
    edit_s, cold_s = statistics.median(edit_times), statistics.median(cold_times)
    one_s = statistics.median(one_times)
    rows.append(
        (
            f"raw WeasyPrint CLI on briefgen's HTML ({doc}, PDF/UA, type scale {scale:.3f})",
            f"{raw_s:.2f} s",
            "",
            "",
        )
    )
    for label, seconds, wanted in (
        ("built again (the fitter's memo hits), default `-j`", our_s, target),
        ("after an edit (memo off: BRIEFGEN_FIT_MEMO=0; starts at the last scale)", edit_s, target),
        ("first build (fresh `--out`: no memo, no last scale)", cold_s, ""),
        ("built again, `-j 1`", one_s, ""),
    ):
        rows.append(
            (
                f"`briefgen build -d {doc} -f pdf --force` (same PDF), {label}",
                f"{seconds:.2f} s",
                f"{seconds / raw_s:.2f}× raw",
                wanted,
            )
        )
    return our_s, edit_s


def page_rows(
    rows: list[tuple[str, str, str, str]],
    work: Path,
    runs: int,
    cli: dict[str, tuple[float, float]],
    renders: int,
) -> None:
    """Add « Produce » through a real server for the tract and for all documents: cold (the
    first request of a fresh process), warm with the dossier unchanged (beside the CLI
    building them again) and warm after an edit (beside the CLI after an edit); a save
    until the panel's PDF shows it (beside the CLI's tract after an edit); then the
    resident memory of the server and its workers after 10 and after `renders` tract
    renders, each after an edit (a document asked again unchanged is not made again)."""
    root = page_build.workspace(work / "ws", DOSSIER)
    edits = iter(range(1_000_000))
    for docs, name, target in (
        (["tract"], "the tract", "≤ 0.35×"),
        ([], "all documents", "≤ 0.6×"),
    ):
        again_cli, edited_cli = cli[name]
        cold, again, edited = [], [], []
        for _ in range(runs):
            with page_build.Server(root) as server:
                cold.append(server.produce(docs))
                again.append(server.produce(docs))
                server.edit(next(edits))
                edited.append(server.produce(docs))
        cold_s, again_s = statistics.median(cold), statistics.median(again)
        edited_s = statistics.median(edited)
        label = f"page « Produire », {name}"
        rows += [
            (
                f"{label}, cold (fresh server)",
                f"{cold_s:.2f} s",
                f"{cold_s / again_cli:.2f}× CLI built again",
                "",
            ),
            (
                f"{label}, warm, dossier unchanged (documents given as made)",
                f"{again_s:.2f} s",
                f"{again_s / again_cli:.2f}× CLI built again",
                target,
            ),
            (
                f"{label}, warm, after an edit (every document made again)",
                f"{edited_s:.2f} s",
                f"{edited_s / edited_cli:.2f}× CLI after an edit",
                target,
            ),
        ]
    with page_build.Server(root) as server:
        if server.has_panel():
            panel_s = statistics.median(server.save_then_panel(run) for run in range(runs))
            rows.append(
                (
                    "save a fact of the tract → panel's tract PDF updated (warm server)",
                    f"{panel_s:.2f} s",
                    f"{panel_s / cli['the tract'][1]:.2f}× CLI after an edit",
                    "≤ 0.5×",
                )
            )
        for _ in range(10):
            server.edit(next(edits))
            server.produce(["tract"])
        ten = server.rss_mib()
        for _ in range(renders - 10):
            server.edit(next(edits))
            server.produce(["tract"])
        many = server.rss_mib()
    what = "server memory (VmRSS of the server and its rendering processes)"
    rows.append((f"{what} after 10 tract renders", f"{ten:.0f} MiB", "", ""))
    rows.append(
        (
            f"{what} after {renders} tract renders",
            f"{many:.0f} MiB",
            f"{many / ten:.2f}× after 10",
            "≤ 1.2×",
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="Runs per timing (median).")
    parser.add_argument(
        "--renders",
        type=int,
        default=100,
        help="Tract renders through the page before the last memory figure.",
    )
    args = parser.parse_args()
    runs = args.runs
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)

        # 1. Overhead over raw WeasyPrint on the same HTML, for the tract and the note.
        scales = fitted(rows)
        tract_s, tract_edited_s = overhead(rows, "tract", "≤ 1.2×", scales["tract"], runs, work)
        our_s, _ = overhead(rows, "note", "≤ 1.10×", scales["note"], runs, work)
        markdown = work / "note" / "france-travail-linkedin" / "note-de-briefing.md"

        from briefgen.office import pandoc_path

        pandoc = shutil.which("pandoc") or pandoc_path()
        if pandoc:
            pandoc_s = timed(
                [
                    pandoc,
                    str(markdown),
                    "-o",
                    str(work / "pandoc.pdf"),
                    "--pdf-engine=weasyprint",
                    "--pdf-engine-opt=--base-url",
                    f"--pdf-engine-opt={ROOT}",
                ],
                runs,
                ROOT,
                env={**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"},
            )
            rows.append(
                (
                    "pandoc → PDF (WeasyPrint engine), same Markdown",
                    f"{pandoc_s:.2f} s",
                    f"{our_s / pandoc_s:.2f}× pandoc",
                    "for comparison",
                )
            )
        else:
            rows.append(("pandoc → PDF (WeasyPrint engine)", "not installed", "", ""))

        # 2. Start-up and no-op.
        help_s = timed([*BRIEFGEN, "--help"], runs * 2, ROOT)
        rows.append(("`briefgen --help`", f"{help_s:.3f} s", "", "< 0.3 s"))
        check_s = timed([*BRIEFGEN, "check", str(DOSSIER)], runs * 2, ROOT)
        rows.append(("`briefgen check` (first dossier)", f"{check_s:.3f} s", "", "< 0.3 s"))
        full = [*BRIEFGEN, "build", str(DOSSIER), "--out", str(work / "full")]
        subprocess.run(full, check=True, capture_output=True, cwd=ROOT)
        noop_s = timed(full, runs * 2, ROOT)
        rows.append(("no-op rebuild (five documents up to date)", f"{noop_s:.3f} s", "", "< 0.3 s"))

        # 3. Cold build of the five documents (built again: the fitter's memo hits; after
        # an edit: it misses).
        cold_j1 = timed([*full, "--force", "-j", "1"], runs, ROOT)
        cold_jn = timed([*full, "--force"], runs, ROOT)
        edited = {**os.environ, "BRIEFGEN_FIT_MEMO": "0"}
        edited_jn = timed([*full, "--force"], runs, ROOT, edited)
        rows.append(("full build, five documents, `-j 1`", f"{cold_j1:.2f} s", "", ""))
        rows.append(
            (
                "full build, five documents, after an edit (BRIEFGEN_FIT_MEMO=0)",
                f"{edited_jn:.2f} s",
                "",
                "",
            )
        )
        rows.append(
            (
                f"full build, five documents, `-j {os.cpu_count()}` (default)",
                f"{cold_jn:.2f} s",
                f"{cold_j1 / cold_jn:.2f}× faster",
                "",
            )
        )

        # 4. The editable files, beside the PDFs.
        office_s = timed([*full, "--force", "-f", "odt", "-f", "docx"], runs, ROOT)
        rows.append(
            (
                "full build, five documents as ODT and DOCX (pandoc)",
                f"{office_s:.2f} s",
                f"{office_s / cold_jn:.2f}× the PDFs",
                "",
            )
        )

        # 5. Twenty tract variants.
        variants = variants_dossier(work, 20)
        each = [
            *BRIEFGEN,
            "build",
            str(variants),
            "--each",
            "establishment",
            "-d",
            "tract",
            "--force",
            "--out",
            str(work / "variants-out"),
        ]
        subprocess.run(each, check=True, capture_output=True, cwd=ROOT)  # both built again
        v1 = timed([*each, "-j", "1"], max(1, runs // 2), ROOT)
        vn = timed([*each, "-j", str(os.cpu_count())], max(1, runs // 2), ROOT)
        rows.append(("20 tract variants, `-j 1`", f"{v1:.2f} s", "", ""))
        rows.append(
            (
                f"20 tract variants, `-j {os.cpu_count()}`",
                f"{vn:.2f} s",
                f"{v1 / vn:.2f}× faster",
                "≥ 1.7× on 2 cores",
            )
        )

        # 6. « Produce » through the page, and the server's memory.
        cli = {"the tract": (tract_s, tract_edited_s), "all documents": (cold_jn, edited_jn)}
        page_rows(rows, work, runs, cli, args.renders)

        # 7. Memory.
        peak1 = peak_rss_mib([*full, "--force", "-j", "1"], ROOT)
        peakn = peak_rss_mib([*full, "--force"], ROOT)
        rows.append(("peak memory, full build, `-j 1`", f"{peak1:.0f} MiB", "", "< 300 MB"))
        rows.append(
            (
                f"peak memory of one process, full build, `-j {os.cpu_count()}`",
                f"{peakn:.0f} MiB",
                "",
                "< 300 MB",
            )
        )

    print(
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, {platform.platform()}; {runs} runs per timing "
        f"(median)\n"
    )
    print("| measure | result | ratio | target |")
    print("|---|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    print(f"\n(children's CPU time: {usage.ru_utime + usage.ru_stime:.1f} s)")


if __name__ == "__main__":
    main()
