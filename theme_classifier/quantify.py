"""Attention shares with uncertainty: what a researcher cites from a report's labelled paragraphs.

A report's share of a theme is the part of its policy paragraphs (units labelled ``other``
left out) about that theme. Three estimates of it, from the same predictions:

``unit_share``
    Classify and count: the share of units whose ``primary`` label is the theme. Biased
    wherever the model confuses themes (a theme it over-predicts looks too big).
``expected_share``
    Probabilistic classify and count: the mean of the calibrated probabilities.
``adjusted_share``
    Probabilistic adjusted classify and count (PACC; Bella, Ferri, Hernández-Orallo and
    Ramírez-Quintana, "Quantification via probability estimators", IEEE ICDM 2010): the mean
    probabilities ``q`` of a report are what its true shares ``π`` give through the model's
    cross-validated error rates, ``q = Mᵀπ``, where row ``i`` of ``M`` is the mean calibrated
    probability the model gives units whose gold label is ``i`` (measured out of fold,
    grouped by report, when the model was trained). Solving for ``π`` (negative parts set
    to zero, then renormalised) corrects the shares for misclassification. It is the
    probabilistic form of adjusted classify and count (Forman, "Quantifying counts and costs
    via classification", Data Mining and Knowledge Discovery 17, 2008). On the training
    cross-validation it had a lower error than the confusion-matrix form, though not lower than
    plain counting (docs/benchmarks.md; docs/shares.md says which share to cite).

``share_low`` and ``share_high`` bound a 95% interval for ``adjusted_share``: percentiles of
bootstrap draws that resample the report's units and, at once, the error rates (each row of
``M`` from a Dirichlet distribution centred on it, as concentrated as the row's number of
training units; wider than the sampling error of a mean of probabilities, so the interval
errs on the wide side). The error-rate draws are shared by all reports, so means over a
region or a year (:meth:`~theme_classifier.reporting.ShareSummary.panel`) keep their correlation.
"""

import hashlib

import numpy as np

from . import OTHER

#: Bootstrap draws per report.
DRAWS = 1000
#: Central interval given by ``share_low`` and ``share_high``.
LEVEL = 0.95
#: Most probabilities resampled at once (memory: 8 bytes each).
_RESAMPLED_SCORES = 2_000_000
#: Aggregations of ``ShareSummary.panel`` (``themes report --by``): the columns that identify a row.
GROUPINGS = {"report": ("report",), "region,year": ("region", "year"), "level,year": ("level", "year"),
             "year": ("year",), "region": ("region",)}


def error_rates(proba, gold, labels):
    """The error rates that :func:`adjusted` needs, from out-of-fold calibrated probabilities.

    Parameters
    ----------
    proba : ndarray of shape (n_units, n_labels)
        Calibrated probabilities of units the model did not train on.
    gold : array of int
        Each unit's gold label, as a column of ``proba``.
    labels : sequence of str
        The labels, in column order.

    Returns
    -------
    dict
        ``labels``, ``units`` (gold units per label) and ``mean_scores`` (row ``i``: the mean
        probabilities of the units whose gold label is ``i``), as ``meta.json`` stores them.
    """
    proba, gold = np.asarray(proba, dtype=np.float64), np.asarray(gold)
    counts = np.bincount(gold, minlength=len(labels))
    sums = np.zeros((len(labels), len(labels)))
    np.add.at(sums, gold, proba)
    means = np.divide(sums, counts[:, None], out=np.eye(len(labels)), where=counts[:, None] > 0)
    return {"labels": list(labels), "units": counts.tolist(), "mean_scores": np.round(means, 6).tolist(),
            "source": "out-of-fold calibrated probabilities, grouped by report"}


def error_rates_problem(rates, labels):
    """Why ``rates`` (``meta.json``'s ``error_rates``) cannot correct shares of ``labels``, or None."""
    if not isinstance(rates, dict):
        return "error_rates must be an object"
    names = rates.get("labels")
    if not isinstance(names, list) or len(set(map(str, names))) != len(names) or sorted(map(str, names)) != sorted(labels):
        return f"error_rates labels must be the model's labels ({', '.join(labels)}), each once"
    units, means = rates.get("units"), rates.get("mean_scores")
    n = len(labels)
    if not (isinstance(units, list) and len(units) == n
            and all(isinstance(u, int) and not isinstance(u, bool) and u >= 0 for u in units)):
        return f"error_rates units must be {n} whole numbers >= 0"
    try:
        array = np.array(means, dtype=np.float64)
    except (TypeError, ValueError):
        array = None
    if array is None or array.shape != (n, n) or not np.isfinite(array).all() or (array < 0).any() \
            or not np.allclose(array.sum(axis=1), 1.0, atol=1e-3):
        return f"error_rates mean_scores must be a {n} x {n} matrix of probabilities whose rows sum to 1"
    return None


def adjusted(mean_scores, q):
    """True label shares ``π`` with ``q = mean_scoresᵀ π``: solved, clipped at zero, renormalised.

    Broadcasts: ``mean_scores`` of shape (..., L, L) and ``q`` of shape (..., L). Where the
    system has no solution the observed ``q`` is returned.
    """
    mean_scores, q = np.asarray(mean_scores, dtype=np.float64), np.asarray(q, dtype=np.float64)
    a = np.swapaxes(mean_scores, -1, -2)
    a, b = np.broadcast_arrays(a, q[..., :, None])
    try:
        pi = np.linalg.solve(a, b)[..., 0]
    except np.linalg.LinAlgError:  # a singular draw: solve one by one, keep q where singular
        pi = np.array([_solve_one(x, y[:, 0]) for x, y in zip(a.reshape(-1, *a.shape[-2:]),
                                                               b.reshape(-1, *b.shape[-2:]))]).reshape(q.shape)
    pi = np.clip(pi, 0.0, None)
    total = pi.sum(axis=-1, keepdims=True)
    return np.divide(pi, total, out=np.broadcast_to(q, pi.shape).copy(), where=total > 0)


def _solve_one(a, b):
    try:
        return np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        return b


def without_other(pi, labels):
    """Shares over the themes: ``pi`` without the ``other`` column, renormalised to sum to 1
    (zeros where nothing is left). Works on the last axis."""
    pi = np.asarray(pi, dtype=np.float64)
    keep = [i for i, label in enumerate(labels) if label != OTHER]
    themed = pi[..., keep]
    total = themed.sum(axis=-1, keepdims=True)
    return np.divide(themed, total, out=np.zeros_like(themed), where=total > 0)


class ShareEstimator:
    """Shares of reports with intervals, from their units' calibrated probabilities.

    Parameters
    ----------
    labels : sequence of str
        The labels of the scores, in column order.
    rates : dict, optional
        :func:`error_rates` of the model that made the predictions (``meta.json``'s
        ``error_rates``). Without them there is no ``adjusted_share`` and no interval.
    draws : int
        Bootstrap draws.
    seed : int
        Seeds the error-rate draws; each report's unit resampling is seeded by its name too,
        so a report's interval does not depend on the other reports or their order.
    """

    def __init__(self, labels, rates=None, draws=DRAWS, seed=0):
        self.labels = tuple(labels)
        self.themes = tuple(label for label in self.labels if label != OTHER)
        self.draws = draws
        self.seed = seed
        self.mean_scores = self.rate_draws = None
        if rates is not None:
            order = [rates["labels"].index(label) for label in self.labels]
            self.mean_scores = np.asarray(rates["mean_scores"], dtype=np.float64)[np.ix_(order, order)]
            units = np.asarray(rates["units"], dtype=np.float64)[order]
            rng = np.random.default_rng(seed)
            # Each row of M from a Dirichlet centred on it, as concentrated as its training units.
            alpha = self.mean_scores * units[:, None] + 1e-3
            self.rate_draws = np.stack([rng.dirichlet(row, size=draws) for row in alpha], axis=1)

    def estimate(self, report, scores):
        """Estimates of one report.

        Parameters
        ----------
        report : str
            The report's name (seeds its bootstrap).
        scores : ndarray of shape (n_units, n_labels)
            Its units' calibrated probabilities, columns in ``labels`` order.

        Returns
        -------
        dict
            ``expected_share``, ``adjusted_share``, ``share_low``, ``share_high`` (arrays over
            :attr:`themes`; the last three None without error rates) and ``draws`` (the
            bootstrap draws of ``adjusted_share``, shape (draws, n_themes), or None).
        """
        scores = np.asarray(scores, dtype=np.float64)
        result = {"expected_share": without_other(scores.mean(axis=0), self.labels) if len(scores) else None,
                  "adjusted_share": None, "share_low": None, "share_high": None, "draws": None}
        if self.mean_scores is None or not len(scores):
            return result
        q = scores.mean(axis=0)
        result["adjusted_share"] = without_other(adjusted(self.mean_scores, q), self.labels)
        rng = np.random.default_rng([self.seed, int.from_bytes(hashlib.sha256(report.encode("utf-8")).digest()[:8],
                                                                "little")])
        # Resampled units, a few draws at a time so that memory stays bounded for any report length.
        n, chunk = len(scores), max(1, _RESAMPLED_SCORES // (len(scores) * scores.shape[1]))
        q_draws = np.concatenate([scores[rng.integers(0, n, size=(min(chunk, self.draws - start), n))].mean(axis=1)
                                  for start in range(0, self.draws, chunk)])
        draws = without_other(adjusted(self.rate_draws, q_draws), self.labels)
        low, high = self.interval(draws)
        result.update(share_low=low, share_high=high, draws=draws)
        return result

    def interval(self, draws):
        """The central interval of a stack of draws (e.g. a region's mean over its reports)."""
        return np.percentile(draws, [50 * (1 - LEVEL), 50 * (1 + LEVEL)], axis=0)
