"""briefgen's benchmark: run it with `bench/run` (or `.venv/bin/python bench/bench.py`).

Every figure is measured side by side in one run, on this machine, and printed
as a Markdown table with the target it is compared with.  Timings are the
median of several runs of the whole command (Python start-up included).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="Runs per timing (median).")
    args = parser.parse_args()
    runs = args.runs
    rows: list[tuple[str, str, str, str]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        out = work / "out"

        # 1. Overhead over raw WeasyPrint on the same HTML.
        subprocess.run(
            [
                *BRIEFGEN,
                "build",
                str(DOSSIER),
                "-d",
                "note",
                "-f",
                "html",
                "-f",
                "md",
                "--out",
                str(out),
            ],
            check=True,
            capture_output=True,
            cwd=ROOT,
        )
        html = out / "france-travail-linkedin" / "note-de-briefing.html"
        markdown = out / "france-travail-linkedin" / "note-de-briefing.md"
        raw = [
            str(BIN / "weasyprint"),
            "--base-url",
            str(ROOT),
            "--pdf-variant",
            "pdf/ua-1",
            str(html),
            str(work / "raw.pdf"),
        ]
        ours = [*BRIEFGEN, "build", str(DOSSIER), "-d", "note", "--force"]
        ours += ["--out", str(work / "ours")]
        raw_times, our_times, one_times = [], [], []
        for _ in range(runs):  # alternate, so that all see the same machine load
            raw_times.append(timed(raw, 1, ROOT))
            our_times.append(timed(ours, 1, ROOT))
            one_times.append(timed([*ours, "-j", "1"], 1, ROOT))
        raw_s, our_s = statistics.median(raw_times), statistics.median(our_times)
        one_s = statistics.median(one_times)
        rows.append(
            ("raw WeasyPrint CLI on briefgen's HTML (note, PDF/UA)", f"{raw_s:.2f} s", "", "")
        )
        rows.append(
            (
                "`briefgen build -d note` (same PDF, default `-j`)",
                f"{our_s:.2f} s",
                f"{our_s / raw_s:.2f}× raw",
                "≤ 1.10×",
            )
        )
        rows.append(
            ("`briefgen build -d note -j 1`", f"{one_s:.2f} s", f"{one_s / raw_s:.2f}× raw", "")
        )

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

        # 3. Cold build of the five documents.
        cold_j1 = timed([*full, "--force", "-j", "1"], runs, ROOT)
        cold_jn = timed([*full, "--force"], runs, ROOT)
        rows.append(("full build, five documents, `-j 1`", f"{cold_j1:.2f} s", "", ""))
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

        # 5. Memory.
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
