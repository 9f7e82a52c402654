#!/usr/bin/env python3
"""How well the shipped model's probabilities are calibrated on the devset (10 reports it never
saw), before and after the temperature that training fitted on its out-of-fold probabilities.

Expected calibration error (ECE, 10 bins of the top probability) with a 95% interval that
resamples the devset's reports, mean confidence against accuracy, and a reliability diagram
(docs/images/reliability.png). Prints a table and writes it to docs/benchmarks.md.

    .venv/bin/python scripts/bench_calibration.py
    .venv/bin/python scripts/bench_calibration.py --smoke      # the seed labels, nothing written
"""

import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier.evaluation import calibration_error, reliability, report_bootstrap  # noqa: E402
from theme_classifier.labels import load_labels  # noqa: E402
from theme_classifier.store import load_model  # noqa: E402

from benchlib import devset_parser, machine_line, publish, table  # noqa: E402


def main():
    parser = devset_parser(__doc__)
    args = parser.parse_args()
    model, meta = load_model(args.model)
    dev = load_labels([ROOT / "labels" / "seeds.jsonl" if args.smoke else args.devset])
    features = model.features_.transform([r["text"] for r in dev])
    classes = list(model.classes_)
    gold = np.array([classes.index(r["primary"]) for r in dev])
    reports = [r["report"] for r in dev]
    temperature = model.temperature_
    rows, curves = [], {}
    for name, t in (("raw scores (temperature 1)", 1.0), (f"calibrated (temperature {temperature:.3f})", temperature)):
        model.temperature_ = t
        proba = model.proba_of_features(features)
        ece = calibration_error(proba, gold)
        low, high = report_bootstrap(reports, lambda i: calibration_error(proba[i], gold[i]))
        rows.append([name, f"{ece:.3f} [{low:.3f}, {high:.3f}]", f"{proba.max(axis=1).mean():.3f}",
                     f"{np.mean(proba.argmax(axis=1) == gold):.3f}"])
        curves[name] = reliability(proba, gold)
    model.temperature_ = temperature
    cv = meta.get("metrics", {}).get("cross_validation", {})
    text = table(f"Run {machine_line()}; {len(dev)} devset units of {len(set(reports))} reports; the temperature "
                 f"was fitted on the out-of-fold probabilities of training (there ECE "
                 f"{cv.get('calibration_error', float('nan')):.3f} → {cv.get('calibration_error_tempered', float('nan')):.3f}).",
                 ["scores", "ECE [95% CI]:", "mean confidence:", "accuracy:"], rows)
    text += "\n![Reliability diagram on the devset](images/reliability.png)\n"
    if not args.smoke:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        fig, ax = plt.subplots(figsize=(4.5, 4.5))
        ax.plot([0, 1], [0, 1], color="#999", linestyle="--", label="perfect calibration")
        for (name, points), style in zip(curves.items(), ("o--", "o-")):
            ax.plot([c for c, _, _ in points], [a for _, a, _ in points], style, label=name)
        ax.set_xlabel("top probability (bin mean)")
        ax.set_ylabel("accuracy in the bin")
        ax.set_title("Devset reliability")
        ax.legend(frameon=False, fontsize=8)
        fig.tight_layout()
        fig.savefig(ROOT / "docs" / "images" / "reliability.png", dpi=120)
    publish(text, args.out, "calibration", write=not args.smoke)


if __name__ == "__main__":
    main()
