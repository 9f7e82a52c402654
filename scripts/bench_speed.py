#!/usr/bin/env python3
"""Speed and memory on the real corpus, measured side by side in one run.

- raw ``jieba.lcut`` throughput on the same 200 corpus reports (the reference), raw
  ``rjieba`` (jieba-rs), and our split, tokenise (each backend) and end-to-end predict
  (each backend) throughput (MB/s of UTF-8 text, units/s) as a ratio to it, all on one core,
  interleaved (end to end in eight groups of 25 reports, each after its reports' other timings);
- cost growth: end-to-end time for 1/8, 1/4, 1/2 and all of the corpus;
- peak RSS of ``themes predict`` on 1/8 and on all of the corpus;
- ``themes predict --jobs 2`` against ``--jobs 1``;
- cold start: wall time of ``themes predict`` on one seed report, from process start;
- training time of the default model.

Prints a table and writes it to docs/benchmarks.md (date, machine, commit).

    .venv/bin/python scripts/bench_speed.py                 # about 15 minutes
    .venv/bin/python scripts/bench_speed.py --smoke         # a few reports, nothing written
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import machine_line, publish  # noqa: E402

# The installed command, as users run it (``python -m theme_classifier`` adds runpy's start-up).
_SCRIPT = Path(sys.executable).with_name("themes")
THEMES_CMD = [str(_SCRIPT)] if _SCRIPT.exists() else [sys.executable, "-m", "theme_classifier"]


def mb(chars_bytes):
    return chars_bytes / 1e6


def timed(func):
    start = time.perf_counter()
    result = func()
    return result, time.perf_counter() - start


def run_child(args, repeat=1):
    """Median wall time of a child process over ``repeat`` runs."""
    walls = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        walls.append(time.perf_counter() - start)
        if proc.returncode:
            sys.exit(f"error: {' '.join(map(str, args))} failed: {proc.stderr.decode()[-500:]}")
    return statistics.median(walls)


# Forks the measured command from a small, fresh process: a child forked straight from this
# big benchmark process would report this process's memory as its own peak RSS.
_LAUNCHER = ("import os, sys, time\n"
             "start = time.perf_counter()\n"
             "pid = os.fork()\n"
             "if pid == 0:\n"
             "    os.execvp(sys.argv[1], sys.argv[1:])\n"
             "_, status, usage = os.wait4(pid, 0)\n"
             "print(usage.ru_maxrss, time.perf_counter() - start)\n"
             "sys.exit(os.waitstatus_to_exitcode(status))\n")


def child_peak_rss(args):
    """Peak RSS (MB) and wall time (s) of one run of a command."""
    proc = subprocess.run([sys.executable, "-c", _LAUNCHER, *map(str, args)], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"error: {' '.join(map(str, args))} failed: {proc.stderr[-500:]}")
    rss_kb, seconds = proc.stdout.split()[-2:]
    return int(rss_kb) / 1024, float(seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=ROOT.parent / "shared" / "corpus" / "reports")
    parser.add_argument("--model", default=ROOT / "models" / "default")
    parser.add_argument("--embeddings", default=ROOT / "work" / "emb", help="for the training-time row")
    parser.add_argument("--smoke", action="store_true", help="16 reports, nothing written")
    parser.add_argument("--corpus-commands", action="store_true",
                        help="also time `themes bootstrap` and `themes embed` on the whole corpus (+6 minutes)")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    import jieba
    from theme_classifier.prediction import predict
    from theme_classifier.reading import decode_bytes, iter_input_paths, read_report
    from theme_classifier.store import load_model
    from theme_classifier.tokenize import Tokenizer
    from theme_classifier.units import split_units

    paths = list(iter_input_paths([args.corpus]))
    if not paths:
        sys.exit(f"error: {args.corpus}: no reports")
    all_paths = paths
    paths = paths[::max(1, len(paths) // (16 if args.smoke else 200))][:16 if args.smoke else 200]
    raw = [decode_bytes(Path(p).read_bytes(), p)[0] for p in paths]
    size = sum(len(t.encode("utf-8")) for t in raw)
    rows = []

    # 1. the reference (jieba.lcut on the same text) and our stages, one core. Interleaved
    # report by report, so that a change in machine speed during the run (other tenants,
    # frequency scaling) affects the reference and our stages alike.
    import rjieba
    jieba.setLogLevel(60)
    jieba.initialize()
    segmenter = rjieba.Jieba()
    tokenizers = {b: Tokenizer(backend=b) for b in ("jieba", "rjieba")}
    models = {b: load_model(args.model, backend=b)[0] for b in ("jieba", "rjieba")}
    trained_with = json.loads((Path(args.model) / "meta.json").read_text(encoding="utf-8")).get(
        "tokenizer", {}).get("backend", "jieba")

    def end_to_end(subset, backend):
        return sum(len(json.dumps(p, ensure_ascii=False)) for p in predict(subset, models[backend]))

    for backend in models:  # first-call costs (building a segmenter) belong to cold start
        end_to_end(paths[:1], backend)
        tokenizers[backend]("预热。")
    t = dict.fromkeys(("jieba", "rjieba", "split", "tok_jieba", "tok_rjieba", "e2e_jieba", "e2e_rjieba"), 0.0)
    n_units = 0
    # End to end in groups of reports (whole batches, as predict runs), between the groups'
    # per-report timings: the ratio to jieba.lcut is then measured under the same conditions.
    groups = 8
    for group in range(groups):
        members = list(range(group, len(paths), groups))
        for i in members:
            path, text = paths[i], raw[i]
            t["jieba"] += timed(lambda: jieba.lcut(text))[1]
            t["rjieba"] += timed(lambda: segmenter.cut(text, True))[1]
            units, seconds = timed(lambda: split_units(read_report(path)))
            t["split"] += seconds
            n_units += len(units)
            for backend in ("jieba", "rjieba"):
                t[f"tok_{backend}"] += timed(lambda: [tokenizers[backend](u.text) for u in units])[1]
        for backend in ("jieba", "rjieba"):
            t[f"e2e_{backend}"] += timed(lambda: end_to_end([paths[i] for i in members], backend))[1]
    t_jieba = t["jieba"]
    for name, key, per_unit in [("raw `jieba.lcut` (reference)", "jieba", False),
                                ("raw `rjieba` cut (jieba-rs)", "rjieba", False),
                                ("read + normalise + split", "split", True),
                                ("tokenise units (our Tokenizer, jieba)", "tok_jieba", True),
                                ("tokenise units (our Tokenizer, rjieba)", "tok_rjieba", True),
                                ("end-to-end predict, jieba segmenter (split → JSON)", "e2e_jieba", True),
                                (f"**end-to-end predict, rjieba segmenter** (the model's: {trained_with})",
                                 "e2e_rjieba", True)]:
        rows.append((name, t[key], mb(size) / t[key], n_units / t[key] if per_unit else None, t_jieba / t[key]))

    # Each share is timed twice, once going up and once coming down in size, and the faster
    # run kept, so that a drift in machine speed does not pass for non-linear growth.
    fractions = (8, 4, 2, 1)
    best = {}
    for fraction in fractions + fractions[::-1]:
        seconds = timed(lambda: end_to_end(paths[::fraction], "rjieba"))[1]
        best[fraction] = min(seconds, best.get(fraction, seconds))
    growth = []
    for fraction in fractions:
        sub_size = sum(len(raw[i].encode("utf-8")) for i in range(0, len(paths), fraction))
        growth.append((f"1/{fraction}" if fraction > 1 else "all", len(paths[::fraction]), mb(sub_size),
                       best[fraction]))

    # 3. the command as a user runs it: memory, parallel speed-up, cold start
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "pred.jsonl"
        eighth = [str(p) for p in all_paths[::8]]
        rss_eighth, _ = child_peak_rss(THEMES_CMD + ["predict", *eighth, "-m", str(args.model), "-q",
                                                     "-o", str(out)])
        cmd_all = THEMES_CMD + ["predict", str(args.corpus) if not args.smoke else paths[0], "-m", str(args.model),
                                "-q", "-o", str(out)]
        if args.smoke:
            cmd_all = THEMES_CMD + ["predict", *map(str, paths), "-m", str(args.model), "-q", "-o", str(out)]
        rss_all, t_jobs1 = child_peak_rss(cmd_all + ["--jobs", "1"])
        t_jobs2 = run_child(cmd_all + ["--jobs", "2"])
        seed = ROOT / "seeds" / "004_368e49043dcb499b.txt"
        run_child(THEMES_CMD + ["predict", str(seed), "-m", str(args.model), "-q"])  # warm the OS file cache
        cold = run_child(THEMES_CMD + ["predict", str(seed), "-m", str(args.model), "-q"], repeat=5)
        train = None
        if Path(args.embeddings).is_dir() and not args.smoke:
            train = run_child(THEMES_CMD + ["train", "--labels", str(ROOT / "labels" / "seeds.jsonl"),
                                            "--embeddings", str(args.embeddings), "-o", str(Path(tmp) / "m"), "-q"])
        corpus_commands = []
        if args.corpus_commands:
            corpus_dir = str(args.corpus) if not args.smoke else paths[0]
            for name, command in [("bootstrap", ["bootstrap", corpus_dir, "-o", str(Path(tmp) / "silver.jsonl")]),
                                  ("embed", ["embed", corpus_dir, "--seed", "0", "-o", str(Path(tmp) / "emb")])]:
                rss, seconds = child_peak_rss(THEMES_CMD + command + ["-q"])
                corpus_commands.append((name, seconds, rss))

    lines = [f"Run {machine_line()}; {len(paths)} of the {len(all_paths)} corpus reports (every "
             f"{max(1, len(all_paths) // len(paths))}th), {mb(size):.1f} MB of UTF-8 text, {n_units} units; "
             "commands run on the whole corpus.", "",
             "| stage (one core) | seconds | MB/s | units/s | × raw jieba throughput |",
             "|---|---:|---:|---:|---:|"]
    for name, seconds, speed, per_unit, ratio in rows:
        lines.append(f"| {name} | {seconds:.1f} | {speed:.2f} | {'' if per_unit is None else f'{per_unit:,.0f}'} "
                     f"| {ratio:.2f} |")
    lines += ["", "Cost growth (end-to-end predict with rjieba, in process; faster of two runs):", "",
              "| share of the sampled reports | reports | MB | seconds | seconds per MB |", "|---|---:|---:|---:|---:|"]
    for label, n, size_mb, seconds in growth:
        lines.append(f"| {label} | {n} | {size_mb:.1f} | {seconds:.1f} | {seconds / size_mb:.2f} |")
    lines += ["", "`themes predict` as a command:", "", "| measure | value |", "|---|---:|",
              f"| peak RSS, 1/8 of the corpus | {rss_eighth:.0f} MB |",
              f"| peak RSS, whole corpus | {rss_all:.0f} MB |",
              f"| wall time `--jobs 1` | {t_jobs1:.1f} s |",
              f"| wall time `--jobs 2` | {t_jobs2:.1f} s |",
              f"| speed-up `--jobs 2` / `--jobs 1` | {t_jobs1 / t_jobs2:.2f}× |",
              f"| cold start: `themes predict` on one seed report (median of 5) | {cold:.2f} s |"]
    if train is not None:
        lines.append(f"| `themes train` on the 285 seed units (with cross-validation) | {train:.1f} s |")
    for name, seconds, rss in corpus_commands:
        lines.append(f"| `themes {name}` on the whole corpus: wall time, peak RSS | {seconds / 60:.1f} min, {rss:.0f} MB |")
    text = "\n".join(lines) + "\n"
    publish(text, args.out, "speed", write=not args.smoke)


if __name__ == "__main__":
    main()
