#!/usr/bin/env python3
"""Parity of the two segmenter backends, jieba (the reference) and rjieba (jieba-rs), in one run.

- on every unit of the corpus: how often our tokens (policy dictionary, stopwords, numbers
  folded) are the same sequence with both backends, and each backend's segmentation speed;
- how often the shipped model gives the same primary label to a unit whichever backend
  segments it at prediction time;
- devset macro-F1 of a model trained (same gold labels, vectors and settings) with each
  backend, and the difference, with a 95% interval that resamples the devset's reports.

Prints a table and writes it to docs/benchmarks.md.

    .venv/bin/python scripts/bench_backends.py --embeddings work/emb     # a few minutes
    .venv/bin/python scripts/bench_backends.py --smoke                   # the seeds, nothing written
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier.embeddings import load_vectors  # noqa: E402
from theme_classifier.evaluation import macro_f1, report_bootstrap  # noqa: E402
from theme_classifier.labels import label_files, load_labels  # noqa: E402
from theme_classifier.prediction import analyse  # noqa: E402
from theme_classifier.store import load_model  # noqa: E402
from theme_classifier.tokenize import Tokenizer  # noqa: E402
from theme_classifier.training import fit_model  # noqa: E402
from theme_classifier.units import report_units  # noqa: E402

from benchlib import machine_line, publish  # noqa: E402

BACKENDS = ("jieba", "rjieba")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=ROOT.parent / "shared" / "corpus" / "reports")
    parser.add_argument("--devset", default=ROOT.parent / "shared" / "devset" / "devset.jsonl")
    parser.add_argument("--labels", default=ROOT / "labels")
    parser.add_argument("--model", default=ROOT / "models" / "default")
    parser.add_argument("--embeddings", default=ROOT / "work" / "emb")
    parser.add_argument("--smoke", action="store_true", help="the seed reports and labels, nothing written")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()

    corpus = [ROOT / "seeds"] if args.smoke else [args.corpus]
    units = [unit for _, unit in report_units(corpus)]
    texts = [u.text for u in units]
    size = sum(len(t.encode("utf-8")) for t in texts) / 1e6
    print(f"{len(units)} units, {size:.1f} MB", file=sys.stderr, flush=True)

    # 1. tokens, and each backend's speed (segmenter built before the clock starts)
    tokens, seconds = {}, {}
    for backend in BACKENDS:
        tokenizer = Tokenizer(backend=backend)
        tokenizer("预热。")
        start = time.perf_counter()
        tokens[backend] = [tokenizer(t) for t in texts]
        seconds[backend] = time.perf_counter() - start
    same_tokens = np.mean([a == b for a, b in zip(tokens["jieba"], tokens["rjieba"])])

    # 2. the shipped model, segmenting with each backend at prediction time
    primaries = {}
    for backend in BACKENDS:
        model, meta = load_model(args.model, backend=backend)
        primaries[backend] = [p["primary"] for start in range(0, len(texts), 2048)
                              for p in analyse(model, texts[start:start + 2048], top_terms=0)]
    same_primary = np.mean([a == b for a, b in zip(primaries["jieba"], primaries["rjieba"])])
    trained_with = meta.get("tokenizer", {}).get("backend", "jieba")

    # 3. a model trained with each backend, scored on the devset
    gold = load_labels([ROOT / "labels" / "seeds.jsonl"] if args.smoke else label_files([args.labels]))
    dev = load_labels([args.devset]) if Path(args.devset).is_file() and not args.smoke else gold[:60]
    vectors = None if args.smoke else load_vectors(args.embeddings)[0]
    params = {"threshold": meta["threshold"], "seed": 0, **({"use_w2v": False} if args.smoke else {})}
    dev_gold = np.asarray([r["primary"] for r in dev], dtype=object)
    predicted = {}
    for backend in BACKENDS:
        model = fit_model([r["text"] for r in gold], [r["primary"] for r in gold],
                          {**params, "tokenizer": Tokenizer(backend=backend)}, vectors)
        predicted[backend] = np.asarray(model.predict([r["text"] for r in dev]), dtype=object)
    scores = {b: macro_f1(dev_gold, predicted[b]) for b in BACKENDS}
    reports = [r["report"] for r in dev]
    low, high = report_bootstrap(reports, lambda i: macro_f1(dev_gold[i], predicted["rjieba"][i])
                                 - macro_f1(dev_gold[i], predicted["jieba"][i]))

    lines = [f"Run {machine_line()}; {len(units)} units ({size:.1f} MB) of "
             f"{'the seed reports' if args.smoke else 'every corpus report'}.", "",
             "| measure | jieba (reference) | rjieba |", "|---|---:|---:|",
             f"| segmentation with our Tokenizer, one core | {size / seconds['jieba']:.2f} MB/s | "
             f"{size / seconds['rjieba']:.2f} MB/s ({seconds['jieba'] / seconds['rjieba']:.1f}×) |",
             f"| units whose token sequence is the same | — | {same_tokens:.4%} "
             f"({sum(a != b for a, b in zip(tokens['jieba'], tokens['rjieba']))} differ) |",
             f"| units with the same primary label (shipped model, trained with {trained_with}) | — | "
             f"{same_primary:.4%} ({sum(a != b for a, b in zip(primaries['jieba'], primaries['rjieba']))} differ) |",
             f"| devset macro-F1, model trained with this backend | {scores['jieba']:.3f} | {scores['rjieba']:.3f} |",
             f"| difference rjieba − jieba [95% CI over devset reports] | — | "
             f"{scores['rjieba'] - scores['jieba']:+.3f} [{low:+.3f}, {high:+.3f}] |"]
    publish("\n".join(lines) + "\n", args.out, "backends", write=not args.smoke)


if __name__ == "__main__":
    main()
