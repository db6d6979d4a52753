"""How long `briefgen watch` takes from a saved dossier change to rebuilt documents.

Usage: .venv/bin/python bench/watch_latency.py [--format html] [--format pdf] [--runs 5]

Makes a throw-away workspace with a copy of the first dossier, starts
`briefgen watch --no-serve`, saves a change to facts.yaml, and times the
moment the watcher reports the rebuild.  Prints the median and the worst run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--format", "-f", action="append", default=None)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    formats = args.format or ["html"]
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        shutil.copytree(ROOT / "seeds" / "france-travail-linkedin", ws / "seeds" / "ftl")
        (ws / "briefgen.toml").write_text("")
        command = [sys.executable, "-m", "briefgen", "watch", "ftl", "--no-serve"]
        for fmt in formats:
            command += ["-f", fmt]
        watcher = subprocess.Popen(
            command, cwd=ws, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert watcher.stdout is not None
        first = watcher.stdout.readline()
        assert first.startswith("rebuilt"), first
        facts = ws / "seeds" / "ftl" / "facts.yaml"
        timings = []
        for run in range(args.runs):
            text = facts.read_text(encoding="utf-8")
            facts.write_text(text + f"\n# run {run}\n", encoding="utf-8")
            saved = time.perf_counter()
            while True:
                line = watcher.stdout.readline()
                if line.startswith(("rebuilt", "error")):
                    break
            timings.append(time.perf_counter() - saved)
            assert line.startswith("rebuilt"), line
        watcher.terminate()
        watcher.wait()
    median = statistics.median(timings)
    print(
        f"formats {'+'.join(formats)}: save → rebuilt, median {median:.2f} s, "
        f"worst {max(timings):.2f} s over {len(timings)} runs"
    )


if __name__ == "__main__":
    main()
