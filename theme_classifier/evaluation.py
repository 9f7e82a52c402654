"""Scores of a model on labelled units, and cross-validation grouped by report."""

import numpy as np
from sklearn.metrics import confusion_matrix, f1_score, precision_recall_fscore_support

from . import LABELS
from .model import ThemeClassifier, group_splitter, set_f1


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


def evaluate_model(model, records):
    """Score a fitted model on labelled records; returns ``(metrics, predictions)``."""
    predictions = model.analyse([r["text"] for r in records], top_terms=0)
    metrics = score([r["primary"] for r in records], [p["primary"] for p in predictions],
                    [r["themes"] for r in records], [p["themes"] for p in predictions], model.labels_)
    return metrics, predictions


def agreeing_units(texts, labels, extra, params=None, vectors=None):
    """The ``extra`` units (e.g. silver labels) whose label a model trained on ``texts``/``labels``
    alone also predicts.

    Heading rules are wrong on about one silver unit in six; a gold-only model is more accurate
    on the same units, so keeping only the units it agrees with drops most rule errors.
    """
    if not extra:
        return []
    model = ThemeClassifier(**{**(params or {}), "threshold": 0.3}).fit(texts, labels, vectors=vectors)
    predicted = model.predict([r["text"] for r in extra])
    return [r for r, label in zip(extra, predicted) if label == r["primary"]]


def cross_validate(records, params=None, vectors=None, sentences=None, progress=None, extra=None,
                   extra_weight=1.0, filter_extra=False):
    """Cross-validate training itself, holding out whole reports.

    Leave-one-report-out for up to 10 reports, else grouped 5-fold. Every fold
    trains a fresh model (word vectors included, unless pre-trained ``vectors``
    are given), so held-out reports are never seen. ``extra`` labelled units
    (e.g. silver labels from other reports) join every fold's training data
    with weight ``extra_weight`` and are never scored; with ``filter_extra`` only those a
    gold-only model of the same fold agrees with (:func:`agreeing_units`), so the filter never
    sees a held-out report either.

    Returns
    -------
    (dict, list of dict)
        Metrics over all held-out units, and each unit's out-of-fold prediction
        in the order of ``records``.
    """
    return cross_validate_weights(records, [extra_weight], params, vectors, sentences, progress, extra,
                                  filter_extra)[0]


def cross_validate_weights(records, extra_weights, params=None, vectors=None, sentences=None, progress=None,
                           extra=None, filter_extra=False):
    """:func:`cross_validate` for several weights of the ``extra`` units at once.

    Each fold's split and its filtered ``extra`` units are computed once and shared by
    every weight; weight 0 trains on ``records`` alone. Returns one ``(metrics,
    predictions)`` pair per weight, in the order of ``extra_weights``.
    """
    params = dict(params or {})
    groups = [r["report"] for r in records]
    if len(set(groups)) < 2:
        raise ValueError("cross-validation needs labelled units from at least two reports")
    texts = [r["text"] for r in records]
    predictions = [[None] * len(records) for _ in extra_weights]
    folds = list(group_splitter(groups).split(texts, groups=groups))
    extra = extra or []
    for number, (train, test) in enumerate(folds, start=1):
        fold_texts, fold_labels = [texts[i] for i in train], [records[i]["primary"] for i in train]
        fold_extra = (agreeing_units(fold_texts, fold_labels, extra, params, vectors)
                      if filter_extra and any(extra_weights) else extra)
        for weight, weight_predictions in zip(extra_weights, predictions):
            units = fold_extra if weight else []
            model = ThemeClassifier(**params).fit(
                fold_texts + [r["text"] for r in units],
                fold_labels + [r["primary"] for r in units],
                themes=[records[i]["themes"] for i in train] + [None] * len(units),
                groups=[groups[i] for i in train] + [r["report"] for r in units],
                vectors=vectors, sentences=sentences,
                sample_weight=[1.0] * len(train) + [weight] * len(units))
            for i, prediction in zip(test, model.analyse([texts[i] for i in test], top_terms=0)):
                weight_predictions[i] = prediction
        if progress:
            progress(number, len(folds))
    results = []
    for weight_predictions in predictions:
        metrics = score([r["primary"] for r in records], [p["primary"] for p in weight_predictions],
                        [r["themes"] for r in records], [p["themes"] for p in weight_predictions],
                        params.get("labels") or LABELS)
        metrics["folds"] = len(folds)
        results.append((metrics, weight_predictions))
    return results


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
