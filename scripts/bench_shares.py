#!/usr/bin/env python3
"""How close each share estimate comes to the gold shares of reports, and how often the 95%
intervals cover them.

1. Choice of the misclassification correction, on the training data only: out-of-fold
   probabilities of the gold units not chosen by uncertainty sampling (5 folds grouped by
   report), pooled into one pseudo-report per region; each region's shares are estimated with
   error rates measured on the other regions. Mean absolute error over region x theme cells.
2. The devset (10 reports the model never saw, 25 gold units each): each report's gold labels
   are its true shares; mean absolute error of each estimate over report x theme cells (95%
   interval resampling reports), and coverage and width of [share_low, share_high].

Prints both tables and writes them to docs/benchmarks.md.

    .venv/bin/python scripts/bench_shares.py
    .venv/bin/python scripts/bench_shares.py --smoke      # seed labels, nothing written
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier.embeddings import load_vectors  # noqa: E402
from theme_classifier.evaluation import fit_temperature, report_bootstrap, temper  # noqa: E402
from theme_classifier.labels import label_files, load_labels  # noqa: E402
from theme_classifier.quantify import ShareEstimator, adjusted, error_rates, without_other  # noqa: E402
from theme_classifier.reading import parse_metadata  # noqa: E402
from theme_classifier.store import load_model  # noqa: E402
from theme_classifier.training import model_params, out_of_fold  # noqa: E402

from benchlib import devset_parser, machine_line, publish, table  # noqa: E402

ESTIMATES = ("unit_share", "expected_share", "adjusted_share (PACC)")


def counts(indices, n):
    return np.bincount(indices, minlength=n).astype(np.float64)


def choice_on_training(labels_dir, embeddings):
    """Mean absolute error of CC, PCC, ACC and PACC on regions of the training units."""
    records = [r for r in load_labels(label_files([labels_dir])) if r.get("source") != "suggest"]
    labels, [raw], _ = out_of_fold(records, model_params(None, 0), load_vectors(embeddings)[0])
    gold = np.array([labels.index(r["primary"]) for r in records])
    proba = temper(raw, fit_temperature(raw, gold))
    predicted = proba.argmax(axis=1)
    regions = np.array([r.get("region") or parse_metadata(r["report"])[0] or "?" for r in records])
    n, errors = len(labels), {k: [] for k in ("CC", "PCC", "ACC", "PACC")}
    for region in np.unique(regions):
        inside, outside = regions == region, regions != region
        if inside.sum() < 15:
            continue
        confusion = np.zeros((n, n))
        np.add.at(confusion, (gold[outside], predicted[outside]), 1)
        confusion /= np.maximum(confusion.sum(axis=1, keepdims=True), 1)
        means = np.array(error_rates(proba[outside], gold[outside], labels)["mean_scores"])
        q_hard, q_soft = counts(predicted[inside], n) / inside.sum(), proba[inside].mean(axis=0)
        truth = without_other(counts(gold[inside], n), labels)
        for name, pi in (("CC", q_hard), ("PCC", q_soft), ("ACC", adjusted(confusion, q_hard)),
                         ("PACC", adjusted(means, q_soft))):
            errors[name].extend(np.abs(without_other(pi, labels) - truth))
    regions_used = len(errors["CC"]) // (n - 1)
    return {k: float(np.mean(v)) for k, v in errors.items()}, regions_used, len(records)


def devset_table(model, meta, dev):
    """Per report x theme: gold share and the three estimates, with the interval."""
    labels = list(model.classes_)
    proba = model.predict_proba([r["text"] for r in dev])
    estimator = ShareEstimator(labels, meta["error_rates"])
    cells = []  # (report, gold, unit, expected, adjusted, low, high) per theme
    for report in sorted({r["report"] for r in dev}):
        rows = [i for i, r in enumerate(dev) if r["report"] == report]
        truth = without_other(counts([labels.index(dev[i]["primary"]) for i in rows], len(labels)), labels)
        unit = without_other(counts(proba[rows].argmax(axis=1), len(labels)), labels)
        found = estimator.estimate(report, proba[rows])
        for values in zip(truth, unit, found["expected_share"], found["adjusted_share"], found["share_low"],
                          found["share_high"]):
            cells.append((report, *values))
    return cells


def main():
    parser = devset_parser(__doc__)
    parser.add_argument("--labels", default=ROOT / "labels")
    parser.add_argument("--embeddings", default=ROOT / "work" / "emb")
    args = parser.parse_args()
    model, meta = load_model(args.model)
    text = ""
    if not args.smoke:
        mae, regions, units = choice_on_training(args.labels, args.embeddings)
        text += table(f"Choice of the correction, run {machine_line()}: out-of-fold probabilities of the "
                      f"{units} training units not chosen by uncertainty sampling, pooled by region ({regions} "
                      "regions with at least 15 units); each region's error rates come from the other regions. "
                      "Mean absolute error of the theme shares over region x theme cells.",
                      ["estimator", "what it is", "MAE:"],
                      [["CC", "classify and count (`unit_share`)", f"{mae['CC']:.4f}"],
                       ["PCC", "mean calibrated probabilities (`expected_share`)", f"{mae['PCC']:.4f}"],
                       ["ACC", "adjusted classify and count, confusion matrix", f"{mae['ACC']:.4f}"],
                       ["PACC", "probabilistic ACC, mean probabilities per gold label (`adjusted_share`)",
                        f"{mae['PACC']:.4f}"]]) + "\n"
    dev = load_labels([ROOT / "labels" / "seeds.jsonl" if args.smoke else args.devset])
    cells = devset_table(model, meta, dev)
    reports = [c[0] for c in cells]
    gold = np.array([c[1] for c in cells])
    rows = []
    for k, name in enumerate(ESTIMATES, start=2):
        values = np.array([c[k] for c in cells])
        low, high = report_bootstrap(reports, lambda i: float(np.mean(np.abs(values[i] - gold[i]))))
        rows.append([f"`{name.split()[0]}`", f"{np.mean(np.abs(values - gold)):.4f} [{low:.4f}, {high:.4f}]"])
    lows, highs = np.array([c[5] for c in cells]), np.array([c[6] for c in cells])
    covered = (lows - 1e-9 <= gold) & (gold <= highs + 1e-9)
    text += table(f"Devset, run {machine_line()}: {len(dev)} gold units of {len(set(reports))} reports, "
                  f"{len(cells)} report x theme cells; the gold labels of a report's units are its true shares. "
                  "MAE with a 95% interval resampling reports.",
                  ["share", "MAE [95% CI]:"], rows)
    text += (f"\n`[share_low, share_high]` covers the gold share in {covered.sum()} of {len(cells)} cells "
             f"({covered.mean():.0%}); mean width {np.mean(highs - lows):.3f} ({len(dev) / len(set(reports)):.0f} units "
             f"per report: most of the width is the resampling of so few units).\n")
    publish(text, args.out, "shares", write=not args.smoke)


if __name__ == "__main__":
    main()
