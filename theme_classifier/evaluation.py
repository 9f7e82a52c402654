"""Scores of a model on labelled units: metrics, splitters that hold out whole reports, the
choice of the secondary-theme threshold, and the bootstrap over reports."""

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from . import LABELS
from .model import decisions
from .prediction import analyse

#: Secondary-theme thresholds tried by :func:`choose_threshold`.
THRESHOLD_GRID = tuple(round(t, 2) for t in np.arange(0.05, 0.65, 0.05))


def set_f1(gold_sets, predicted_sets):
    """Mean per-unit F1 between gold and predicted theme sets (two empty sets agree fully)."""
    total = 0.0
    for gold, pred in zip(gold_sets, predicted_sets):
        gold, pred = set(gold), set(pred)
        if not gold and not pred:
            total += 1.0
        elif gold and pred:
            total += 2 * len(gold & pred) / (len(gold) + len(pred))
    return total / max(len(gold_sets), 1)


def group_splitter(groups, n_splits=5):
    """Leave-one-report-out for up to 10 reports, else grouped k-fold."""
    from sklearn.model_selection import GroupKFold, LeaveOneGroupOut
    n_groups = len(set(groups))
    if n_groups <= 10:
        return LeaveOneGroupOut()
    return GroupKFold(n_splits=min(n_splits, n_groups))


def choose_threshold(proba, labels, gold_themes, grid=THRESHOLD_GRID):
    """The secondary-theme threshold with the best set-F1 on out-of-fold probabilities.

    Parameters
    ----------
    proba : ndarray
        Out-of-fold probabilities, columns in ``labels`` order.
    labels : sequence of str
    gold_themes : list of list of str
        Gold theme set of each row.
    grid : sequence of float
        Thresholds tried; of equally good ones, the lowest.
    """
    return float(max(grid, key=lambda t: (set_f1(gold_themes, [themes for _, themes in
                                                                 decisions(proba, labels, t)]), -t)))


def score(gold, predicted, gold_themes=None, predicted_themes=None, labels=LABELS):
    """Accuracy, macro/micro-F1, per-label P/R/F1/support, confusion matrix and set-F1.

    Parameters
    ----------
    gold, predicted : list of str
        Primary labels.
    gold_themes, predicted_themes : list of list of str, optional
        Theme sets, for set-F1 (mean per-unit F1 of the sets).
    labels : sequence of str
        The codebook's labels (default: the five themes and ``other``).

    Returns
    -------
    dict
        JSON-ready metrics; F1 averages run over every label of the codebook.
    """
    labels = list(labels)
    precision, recall, f1, support = precision_recall_fscore_support(
        gold, predicted, labels=labels, zero_division=0)
    metrics = {
        "units": len(gold),
        "accuracy": float(np.mean(np.asarray(gold) == np.asarray(predicted))) if len(gold) else 0.0,
        "macro_f1": float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0)),
        "micro_f1": float(f1_score(gold, predicted, labels=labels, average="micro", zero_division=0)),
        "per_label": {label: {"precision": float(p), "recall": float(r), "f1": float(f), "support": int(s)}
                      for label, p, r, f, s in zip(labels, precision, recall, f1, support)},
        "confusion": {"labels": labels,
                      "matrix": confusion_matrix(gold, predicted, labels=labels).tolist()},
    }
    if gold_themes is not None and predicted_themes is not None:
        metrics["set_f1"] = set_f1(gold_themes, predicted_themes)
    return metrics


def macro_f1(gold, predicted, labels=LABELS):
    """Macro-F1 over ``labels`` (all six by default)."""
    return float(f1_score(gold, predicted, labels=list(labels), average="macro", zero_division=0))


def reliability(proba, gold, bins=10):
    """Over ``bins`` equal-width bins of the top probability: ``(mean top probability, accuracy,
    units)`` of each bin that has units (a reliability diagram's points).

    Parameters
    ----------
    proba : ndarray
        Probabilities, one row per unit.
    gold : array of int
        The column of each unit's gold label.
    """
    proba, gold = np.asarray(proba), np.asarray(gold)
    confidence, right = proba.max(axis=1), proba.argmax(axis=1) == gold
    which = np.minimum((confidence * bins).astype(int), bins - 1)
    return [(float(confidence[which == b].mean()), float(right[which == b].mean()), int(np.sum(which == b)))
            for b in range(bins) if np.any(which == b)]


def calibration_error(proba, gold, bins=10):
    """Expected calibration error: the gap between mean top probability and accuracy in each bin
    of :func:`reliability`, weighted by the share of units in the bin."""
    return float(sum(abs(accuracy - confidence) * units
                     for confidence, accuracy, units in reliability(proba, gold, bins)) / max(len(gold), 1))


def fit_temperature(proba, gold):
    """The temperature that makes out-of-fold probabilities best calibrated: the ``T`` minimising
    the log-loss of ``softmax(log(proba) / T)`` (temperature scaling, Guo et al. 2017)."""
    from scipy.optimize import minimize_scalar
    logits = np.log(np.clip(np.asarray(proba, dtype=np.float64), 1e-12, 1.0))
    gold = np.asarray(gold)

    def log_loss(temperature):
        scaled = logits / temperature
        scaled -= scaled.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(scaled).sum(axis=1))
        return float(np.mean(log_norm - scaled[np.arange(len(gold)), gold]))
    return float(minimize_scalar(log_loss, bounds=(0.05, 20.0), method="bounded").x)


def temper(proba, temperature):
    """``proba`` as a model with that calibration temperature would give them (a label with no
    probability, one its fold never saw, keeps none)."""
    with np.errstate(divide="ignore"):
        scaled = np.log(np.asarray(proba, dtype=np.float64)) / temperature
    scaled -= scaled.max(axis=1, keepdims=True)
    np.exp(scaled, out=scaled)
    return scaled / scaled.sum(axis=1, keepdims=True)


def report_bootstrap(reports, statistic, n=1000, seed=0):
    """95% interval of ``statistic(indices)`` when whole reports are resampled with replacement.

    Units of one report are correlated (same year, region, drafting office), so resampling
    units would understate the uncertainty; resampling reports does not.

    Parameters
    ----------
    reports : sequence of str
        The report of each unit.
    statistic : callable
        Takes an array of unit indices (a resample, with repeats) and returns a number.
    n : int
        Bootstrap resamples.

    Returns
    -------
    (float, float)
        The 2.5th and 97.5th percentiles.
    """
    by_report = {}
    for i, report in enumerate(reports):
        by_report.setdefault(report, []).append(i)
    groups = [np.asarray(v) for _, v in sorted(by_report.items())]
    rng = np.random.default_rng(seed)
    values = [statistic(np.concatenate([groups[j] for j in rng.integers(0, len(groups), len(groups))]))
              for _ in range(n)]
    low, high = np.percentile(values, [2.5, 97.5])
    return float(low), float(high)


def evaluate_labels(model, labels):
    """Score a fitted model on label files or directories; returns ``(metrics, predictions)``."""
    from .label_set import LabelSet
    from .labels import label_files, load_labels
    return evaluate_model(model, load_labels(label_files(labels), LabelSet.from_labels(model.labels_)))


def evaluate_model(model, records):
    """Score a fitted model on labelled records; returns ``(metrics, predictions)``."""
    predictions = analyse(model, [r["text"] for r in records], top_terms=0)
    metrics = score([r["primary"] for r in records], [p["primary"] for p in predictions],
                    [r["themes"] for r in records], [p["themes"] for p in predictions], model.labels_)
    return metrics, predictions


def format_metrics(metrics, title=None):
    """A plain-text table of metrics for the terminal."""
    lines = [title] if title else []
    lines.append(f"units {metrics['units']}  accuracy {metrics['accuracy']:.3f}  "
                 f"macro-F1 {metrics['macro_f1']:.3f}  micro-F1 {metrics['micro_f1']:.3f}"
                 + (f"  set-F1 {metrics['set_f1']:.3f}" if "set_f1" in metrics else ""))
    lines.append(f"{'label':<12}{'precision':>10}{'recall':>8}{'F1':>8}{'support':>9}")
    for label, row in metrics["per_label"].items():
        lines.append(f"{label:<12}{row['precision']:>10.3f}{row['recall']:>8.3f}{row['f1']:>8.3f}{row['support']:>9d}")
    labels = metrics["confusion"]["labels"]
    lines.append("confusion (rows gold, columns predicted): " + " ".join(l[:4] for l in labels))
    for label, row in zip(labels, metrics["confusion"]["matrix"]):
        lines.append(f"  {label:<12}" + "".join(f"{v:>5d}" for v in row))
    return "\n".join(lines)
