#!/usr/bin/env python3
"""Learning curve: devset macro-F1 against the number of gold units the model learns from.

For each size, several random subsets of the gold units (labels/) train the default pipeline
with the corpus word vectors; each is scored on the devset (10 reports never seen). Prints a
table (mean, min, max over subsets, and the 95% interval resampling devset reports of the
mean subset's score), writes it to docs/benchmarks.md and plots docs/images/learning_curve.png.

    .venv/bin/python scripts/learning_curve.py --embeddings work/emb
    .venv/bin/python scripts/learning_curve.py --smoke     # tiny sizes on the seeds, nothing written
"""

import argparse
import random
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier.embeddings import load_vectors  # noqa: E402
from theme_classifier.evaluation import macro_f1, report_bootstrap  # noqa: E402
from theme_classifier.labels import label_files, load_labels  # noqa: E402
from theme_classifier.training import fit_model  # noqa: E402

from benchlib import machine_line, publish  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--labels", default=ROOT / "labels")
    parser.add_argument("--devset", default=ROOT.parent / "shared" / "devset" / "devset.jsonl")
    parser.add_argument("--embeddings", default=ROOT / "work" / "emb")
    parser.add_argument("--sizes", default="150,300,600,1000,1400", help="subset sizes (the full set is added)")
    parser.add_argument("--repeats", type=int, default=5, help="random subsets per size")
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if not Path(args.devset).is_file():
        sys.exit(f"error: {args.devset}: devset not found")
    labels = ROOT / "labels" / "seeds.jsonl" if args.smoke else args.labels
    gold, dev = load_labels(label_files([labels])), load_labels([args.devset])
    vectors = None if args.smoke else load_vectors(args.embeddings)[0]
    sizes = [60, 120] if args.smoke else [int(s) for s in args.sizes.split(",")]
    sizes = [s for s in sizes if s < len(gold)] + [len(gold)]
    repeats = 2 if args.smoke else args.repeats
    dev_gold = np.asarray([r["primary"] for r in dev], dtype=object)
    dev_reports = [r["report"] for r in dev]
    rows, curve = [], []
    for size in sizes:
        scores, predictions = [], []
        for repeat in range(1 if size == len(gold) else repeats):
            subset = random.Random(repeat).sample(gold, size)
            if len({r["primary"] for r in subset}) < 2:
                continue
            model = fit_model([r["text"] for r in subset], [r["primary"] for r in subset],
                              {"threshold": 0.3, "seed": 0}, vectors)
            predicted = np.asarray(model.predict([r["text"] for r in dev]), dtype=object)
            scores.append(macro_f1(dev_gold, predicted))
            predictions.append(predicted)
        middle = predictions[int(np.argsort(scores)[len(scores) // 2])]
        low, high = report_bootstrap(dev_reports, lambda i: macro_f1(dev_gold[i], middle[i]), 1000)
        curve.append((size, np.mean(scores), min(scores), max(scores)))
        rows.append(f"| {size} | {len(scores)} | {np.mean(scores):.3f} | {min(scores):.3f} – {max(scores):.3f} | "
                    f"[{low:.3f}, {high:.3f}] |")
        print(f"  {size}: {np.mean(scores):.3f}", file=sys.stderr, flush=True)
    text = "\n".join([
        f"Run {machine_line()}.", "",
        f"Devset macro-F1 of the default pipeline trained on random subsets of the {len(gold)} gold units "
        "(corpus word vectors throughout; the interval resamples devset reports for the median subset):", "",
        "| gold units | subsets | mean macro-F1 | min – max | 95% CI (median subset) |", "|---:|---:|---:|---:|---:|",
        *rows, "", "![Learning curve](images/learning_curve.png)", ""])
    if not args.smoke:
        plot(curve, ROOT / "docs" / "images" / "learning_curve.png")
    publish(text, args.out, "learning-curve", write=not args.smoke)


def plot(curve, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    sizes, mean, low, high = map(np.asarray, zip(*curve))
    fig, ax = plt.subplots(figsize=(6, 3.6))
    ax.fill_between(sizes, low, high, alpha=0.25, label="min – max over random subsets")
    ax.plot(sizes, mean, marker="o", label="mean")
    ax.set_xlabel("gold units in training")
    ax.set_ylabel("devset macro-F1")
    ax.set_title("Learning curve (10 unseen devset reports)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, metadata={"Software": None})
    plt.close(fig)


if __name__ == "__main__":
    main()
