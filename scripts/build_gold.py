#!/usr/bin/env python3
"""Rebuild labels/gold/ from labels/batches/ and the two passes (and adjudication) of each batch.

For every batch with both passes in labels/passes/ (``<batch>_a.jsonl``, ``<batch>_b.jsonl``,
optionally ``<batch>_adjudicated.jsonl``) it measures agreement, merges the gold labels (the
same as ``themes labels merge``) and prints the per-batch agreement table that labels/README.md
quotes. A batch with passes but disputes left unadjudicated is reported and not merged.

Usage: scripts/build_gold.py [--check]   (--check: write nothing, fail if labels/gold/ is stale)
"""

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier import LABELS  # noqa: E402
from theme_classifier.agreement import GOLD_FIELDS, agreement, load_units, merge  # noqa: E402
from theme_classifier.errors import InputError  # noqa: E402
from theme_classifier.records import write_records  # noqa: E402

LABELS_DIR = ROOT / "labels"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if labels/gold/ differs from a rebuild")
    args = parser.parse_args()
    rows, stale, total = [], [], Counter()
    for batch_file in sorted((LABELS_DIR / "batches").glob("*.jsonl")):
        batch = batch_file.stem
        passes = [LABELS_DIR / "passes" / f"{batch}_{p}.jsonl" for p in "ab"]
        if not all(p.is_file() for p in passes):
            rows.append(f"| {batch} | waiting for two passes | | | | |")
            continue
        units = load_units([batch_file])
        result = agreement(passes, units=units)
        adjudicated = LABELS_DIR / "passes" / f"{batch}_adjudicated.jsonl"
        try:
            gold = merge(passes, adjudicated if adjudicated.is_file() else None, units=units)
        except InputError as err:
            print(f"{batch}: not merged: {err}", file=sys.stderr)
            continue
        source = Counter(u.get("source") for u in units.values()).most_common(1)[0][0]
        reports = len({u["report"] for u in units.values()})
        rows.append(f"| {batch} | {source} | {result['units']} | {reports} | "
                    f"{result['primary_agreement']:.1%} | {result['kappa']:.3f} |")
        total.update(units=result["units"], agreed=result["units"] - len(result["disagreements"]))
        total.update(g["primary"] for g in gold)
        out = LABELS_DIR / "gold" / f"{batch}.jsonl"
        if args.check:
            with tempfile.TemporaryDirectory() as tmp:
                write_records(gold, Path(tmp) / out.name, fields=GOLD_FIELDS)
                if not out.is_file() or out.read_bytes() != (Path(tmp) / out.name).read_bytes():
                    stale.append(str(out.relative_to(ROOT)))
        else:
            write_records(gold, out, fields=GOLD_FIELDS)
    print("| batch | sampled by | units | reports | primary agreement | Cohen's kappa |")
    print("|---|---|---:|---:|---:|---:|")
    print("\n".join(rows))
    if total["units"]:
        print(f"\n{total['units']} units in merged batches, passes agree on {total['agreed'] / total['units']:.1%}; "
              "gold primary: " + ", ".join(f"{label} {total[label]}" for label in LABELS))
    if stale:
        print("stale gold files (run scripts/build_gold.py): " + ", ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
