#!/usr/bin/env python3
"""Precision of the heading rules (themes bootstrap) against the gold devset labels.

The devset's ten reports are in the corpus. Each report is split as
``themes bootstrap`` splits it, its units are matched to devset units by text,
and the silver label the rules give (or their abstention) is compared with the
gold primary label. Prints a table and writes it to docs/benchmarks.md.

    .venv/bin/python scripts/bench_silver.py
    .venv/bin/python scripts/bench_silver.py --smoke     # the same, nothing written
"""

import argparse
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchlib import machine_line, publish  # noqa: E402
from theme_classifier import THEMES  # noqa: E402
from theme_classifier.labels import load_labels  # noqa: E402
from theme_classifier.reading import iter_input_paths, read_reports  # noqa: E402
from theme_classifier.silver import HeadingRules  # noqa: E402
from theme_classifier.prediction import analyse  # noqa: E402
from theme_classifier.store import load_model  # noqa: E402
from theme_classifier.units import split_units  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", default=ROOT.parent / "shared" / "corpus" / "reports")
    parser.add_argument("--devset", default=ROOT.parent / "shared" / "devset" / "devset.jsonl")
    parser.add_argument("--rules", default=None)
    parser.add_argument("--model", default=ROOT / "models" / "default",
                        help="gold-trained model scored on the same units, for comparison")
    parser.add_argument("--smoke", action="store_true", help="print only, write nothing")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    dev = load_labels([args.devset])
    reports = {r["report"] for r in dev}
    paths = [p for p in iter_input_paths([args.corpus]) if Path(p).stem in reports]
    rules = HeadingRules.load(args.rules)
    units = {(d.id, u.text): u for d in read_reports(paths) for u in split_units(d)}
    matched = [(r, units[(r["report"], r["text"])]) for r in dev if (r["report"], r["text"]) in units]
    model, _ = load_model(args.model)
    predicted = [p["primary"] for p in analyse(model, [gold["text"] for gold, _ in matched], top_terms=0)]
    counts, correct, confusions, model_correct = Counter(), Counter(), Counter(), Counter()
    for (gold, unit), model_label in zip(matched, predicted):
        theme, provenance = rules.label(unit.heading)
        if theme is None:
            counts["abstained"] += 1
            continue
        counts[theme] += 1
        correct[theme] += theme == gold["primary"]
        model_correct[theme] += model_label == gold["primary"]
        if theme != gold["primary"]:
            confusions[(theme, gold["primary"])] += 1
    labelled = sum(counts[t] for t in THEMES)
    lines = [f"Run {machine_line()}.", "",
             f"Devset units matched to a unit of their corpus report by text: {len(matched)} of {len(dev)} "
             f"(the rest were split differently). The rules labelled {labelled} of them "
             f"({labelled / len(matched):.0%}) and abstained on {counts['abstained']}.", "",
             f"The last column is the accuracy of `{Path(args.model).name}` (trained on gold labels only) "
             "on the same units: where the model is already more accurate than the rules, silver labels "
             "mostly teach it the rules' errors.", "",
             "| silver theme | units labelled | correct | precision | model accuracy, same units |",
             "|---|---:|---:|---:|---:|"]
    for theme in THEMES:
        if counts[theme]:
            lines.append(f"| {theme} | {counts[theme]} | {correct[theme]} | {correct[theme] / counts[theme]:.2f} "
                         f"| {model_correct[theme] / counts[theme]:.2f} |")
    total_correct, total_model = sum(correct.values()), sum(model_correct.values())
    lines.append(f"| all | {labelled} | {total_correct} | {total_correct / labelled:.2f} "
                 f"| {total_model / labelled:.2f} |")
    lines += ["", "Commonest errors (silver → gold): " + ", ".join(
        f"{s} → {g} ({n})" for (s, g), n in confusions.most_common(5)) + "."]
    text = "\n".join(lines) + "\n"
    publish(text, args.out, "silver", write=not args.smoke)


if __name__ == "__main__":
    main()
