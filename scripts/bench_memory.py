#!/usr/bin/env python3
"""Peak memory of ``themes predict`` on one big plain-text report.

A report is streamed (read, split and labelled a chunk at a time), so peak RSS should
stay near the model's own, whatever the size of the file. The file is made by
concatenating the corpus reports, repeated, into a temporary directory; one row per size
(20 MB and ``--mb``, 200 MB by default), plus the model alone (one seed report).

Prints a table and writes it to docs/benchmarks.md (date, machine, commit).

    .venv/bin/python scripts/bench_memory.py             # about 5 minutes
    .venv/bin/python scripts/bench_memory.py --smoke     # 2 MB, seconds, nothing written
"""

import argparse
import itertools
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench_speed import THEMES_CMD, child_peak_rss  # noqa: E402
from benchlib import machine_line, publish, table  # noqa: E402


def build_report(sources, size, path):
    """Write ``sources`` one after the other, repeated, into ``path`` until it holds ``size`` bytes."""
    written = 0
    with open(path, "wb") as out:
        for source in itertools.cycle(sources):
            data = source.read_bytes().rstrip(b"\n") + b"\n"
            out.write(data)
            written += len(data)
            if written >= size:
                return written


def measure(report, model, out):
    """Peak RSS (MB), wall time (s) and number of units of ``themes predict`` on one file."""
    rss, seconds = child_peak_rss(THEMES_CMD + ["predict", str(report), "-m", str(model), "-o", str(out), "-q"])
    with open(out, "rb") as lines:
        units = sum(1 for _ in lines)
    return rss, seconds, units


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus" / "reports")
    parser.add_argument("--model", default=ROOT / "models" / "default")
    parser.add_argument("--mb", type=float, default=200, help="size of the biggest file, in MB")
    parser.add_argument("--smoke", action="store_true", help="one 2 MB file, nothing written")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    corpus = args.corpus
    if args.smoke and not corpus.is_dir():
        corpus = ROOT / "seeds"  # CI has no ../shared
    sources = sorted(corpus.rglob("*.txt"))
    if not sources:
        sys.exit(f"error: {corpus}: no reports")
    sizes = [2] if args.smoke else sorted({min(20, args.mb), args.mb})

    rows = []
    with tempfile.TemporaryDirectory(prefix="bench_memory_") as tmp:
        out = Path(tmp) / "predictions.jsonl"
        seed = ROOT / "seeds" / "004_368e49043dcb499b.txt"
        rss, seconds, units = measure(seed, args.model, out)
        rows.append(("one seed report (the model alone)", seed.stat().st_size / 1e6, units, seconds, rss))
        for mb in sizes:
            report = Path(tmp) / f"big{mb:g}.txt"
            size = build_report(sources, int(mb * 1e6), report)
            rss, seconds, units = measure(report, args.model, out)
            rows.append((f"one {mb:g} MB file", size / 1e6, units, seconds, rss))
            report.unlink()

    text = table(f"Run {machine_line()}; `themes predict BIG.txt -o x.jsonl -q` in a child process, BIG.txt "
                 f"made of the {len(sources)} reports of {corpus.name}/ repeated.",
                 ["input", "MB:", "units:", "wall time (s):", "peak RSS (MB):"],
                 [[name, f"{size_mb:.2f}", f"{units:,}", f"{seconds:.1f}", f"{rss:.0f}"]
                  for name, size_mb, units, seconds, rss in rows])
    publish(text, args.out, "memory", write=not args.smoke)


if __name__ == "__main__":
    main()
