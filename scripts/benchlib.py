"""Shared helpers of the benchmark scripts: what machine and commit a figure comes from, and
writing a script's section of docs/benchmarks.md without touching the others."""

import datetime
import os
import platform
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def machine_line():
    """'on 2026-11-22, <cpu>, N cores, X GiB, Python x.y, commit abc1234'."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30
    except (ValueError, OSError):
        mem = float("nan")
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip() or "unknown"
    # docs/ is where benchmarks write their own results: only changes elsewhere make a run dirty.
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!docs"],
                           cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return (f"on {datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} cores, {mem:.0f} GiB, "
            f"Python {platform.python_version()}, commit {commit}{' (with local changes)' if dirty else ''}")


def update_section(path, name, text):
    """Replace the text between <!-- name:start --> and <!-- name:end --> (append if absent)."""
    path = Path(path)
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    block = f"{start}\n{text.rstrip()}\n{end}"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    new = pattern.sub(lambda _: block, old) if pattern.search(old) else old.rstrip() + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")


def table(intro, header, rows):
    """A benchmark's result: an intro line, a blank line and a Markdown table (header: column
    names, a trailing ``:`` right-aligns; rows: lists of already formatted cells)."""
    names = [h.rstrip(":") for h in header]
    rules = ["---:" if h.endswith(":") else "---" for h in header]
    lines = [intro, "", "| " + " | ".join(names) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(map(str, row)) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def publish(text, path, name, write=True):
    """Print a benchmark's result and, unless ``write`` is false (smoke runs), store it as section ``name``."""
    print(text)
    if write:
        update_section(path, name, text)
        print(f"written to {path}", file=sys.stderr)


def devset_parser(description):
    """The options of a benchmark that scores a model on the devset: --model, --devset,
    --smoke (the seed labels instead, nothing written) and --out."""
    import argparse
    root = Path(__file__).resolve().parents[1]
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=root / "models" / "default")
    parser.add_argument("--devset", default=root.parent / "shared" / "devset" / "devset.jsonl")
    parser.add_argument("--smoke", action="store_true", help="the seed labels, nothing written")
    parser.add_argument("--out", default=root / "docs" / "benchmarks.md")
    return parser
