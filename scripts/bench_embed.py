#!/usr/bin/env python3
"""How far `themes embed` goes on one machine: wall time and peak memory at 1×, 2× and 4× the
corpus, the larger corpora made by repeating it (hard links under other report names, so every
copy is a report of its own).

Prints a table and writes it to docs/benchmarks.md.

    .venv/bin/python scripts/bench_embed.py              # about half an hour
    .venv/bin/python scripts/bench_embed.py --smoke      # 8 reports at 1× and 2×, nothing written
"""

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import machine_line, publish, table  # noqa: E402
from bench_speed import THEMES_CMD, child_peak_rss  # noqa: E402
from theme_classifier.reading import iter_input_paths  # noqa: E402


def repeated_corpus(paths, times, folder):
    """``times`` copies of every report in ``folder`` (hard links; copy k renamed ``<stem>~k``)."""
    for copy in range(times):
        for path in paths:
            target = folder / f"{path.stem}~{copy}{path.suffix}"
            try:
                os.link(path, target)
            except OSError:  # another file system: a symbolic link reads the same
                target.symlink_to(path)
    return folder


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=ROOT.parent / "shared" / "corpus" / "reports")
    parser.add_argument("--smoke", action="store_true", help="8 reports at 1× and 2×, nothing written")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    paths = [Path(p) for p in iter_input_paths([args.corpus])]
    if args.smoke:
        paths = paths[::max(1, len(paths) // 8)][:8]
    size = sum(p.stat().st_size for p in paths) / 1e6
    rows = []
    for times in ((1, 2) if args.smoke else (1, 2, 4)):
        with tempfile.TemporaryDirectory(prefix="themes-bench-embed-") as tmp:
            folder = Path(tmp) / "corpus"
            folder.mkdir()
            repeated_corpus(paths, times, folder)
            extra = ["--epochs", "1", "--min-count", "1"] if args.smoke else []
            rss, seconds = child_peak_rss(THEMES_CMD + ["embed", str(folder), "--seed", "0", "-o",
                                                        str(Path(tmp) / "emb"), "-q", *extra])
        rows.append((times, len(paths) * times, size * times, seconds, rss))
        print(f"  {times}×: {seconds / 60:.1f} min, {rss:.0f} MB", file=sys.stderr, flush=True)
    text = table(f"Run {machine_line()}; `themes embed` (word2vec, 10 epochs, one thread) on the corpus "
                 f"repeated 1, 2 and 4 times.",
                 ["corpus", "reports:", "MB:", "wall time:", "seconds per MB:", "peak RSS:"],
                 [[f"{times}×", reports, f"{mb:.0f}", f"{seconds / 60:.1f} min", f"{seconds / mb:.1f}", f"{rss:.0f} MB"]
                  for times, reports, mb, seconds, rss in rows])
    publish(text, args.out, "embed-scaling", write=not args.smoke)


if __name__ == "__main__":
    main()
