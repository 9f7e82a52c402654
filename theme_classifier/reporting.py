"""Per-report theme summaries of predictions (shares of units per theme)."""

from collections import Counter

from . import LABELS


class ShareSummary:
    """Accumulates, per report, how many units got each primary label (streaming-friendly)."""

    def __init__(self):
        self.counts = {}

    def add(self, prediction):
        self.counts.setdefault(prediction["report"], Counter())[prediction["primary"]] += 1
        return prediction

    def table(self):
        """Text table: one row per report, the share of its units per label, and the unit count."""
        header = f"{'report':<28}" + "".join(f"{label[:10]:>11}" for label in LABELS) + f"{'units':>7}"
        lines = [header]
        for report, counts in self.counts.items():
            total = sum(counts.values())
            lines.append(f"{report[:27]:<28}" + "".join(f"{counts[label] / total:>11.1%}" for label in LABELS)
                         + f"{total:>7d}")
        return "\n".join(lines)
