#!/usr/bin/env python3
"""How long `themes suggest` takes to pick a batch from 100 corpus reports (issue 13: under 30 s).

Times the installed command, start-up included, in a child process: uncertainty sampling with
the shipped model, and a blind stratified random sample (no model). Median of --runs runs.

    .venv/bin/python scripts/bench_suggest.py             # writes docs/benchmarks.md
    .venv/bin/python scripts/bench_suggest.py --smoke     # 5 reports, one run, nothing written
"""

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import machine_line, publish  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "reports"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    source = CORPUS if CORPUS.is_dir() else ROOT / "seeds"
    reports = sorted(source.rglob("*.txt"))[:5 if args.smoke else args.reports]
    runs = 1 if args.smoke else args.runs
    themes = Path(sys.executable).with_name("themes")
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, extra in (("uncertainty (shipped model)", []), ("--random --blind (no model)", ["--random", "--blind"])):
            times = []
            for _ in range(runs):
                start = time.perf_counter()
                subprocess.run([str(themes), "suggest", *map(str, reports), "-n", "100", *extra, "-q",
                                "-o", str(Path(tmp) / "batch.csv")], check=True)
                times.append(time.perf_counter() - start)
            rows.append(f"| {name} | {len(reports)} | {statistics.median(times):.1f} s |")
    mb = sum(p.stat().st_size for p in reports) / 2 ** 20
    text = "\n".join([f"Run {machine_line()}.", "",
                      f"`themes suggest -n 100` on the first {len(reports)} corpus reports ({mb:.1f} MB), "
                      f"wall time with start-up, median of {runs}:", "",
                      "| sampling | reports | time |", "|---|---:|---:|", *rows, ""])
    publish(text, args.out, "suggest-speed", write=not args.smoke)


if __name__ == "__main__":
    main()
