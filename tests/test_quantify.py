"""Shares with uncertainty: the misclassification correction (PACC) and its bootstrap intervals."""

import numpy as np
import pytest

from theme_classifier import LABELS
from theme_classifier.quantify import (ShareEstimator, adjusted, error_rates, error_rates_problem, without_other)

CONFUSED = np.array([[0.8, 0.2], [0.3, 0.7]])  # rows: true label, columns: mean probabilities


def test_adjusted_recovers_the_true_shares_from_biased_mean_probabilities():
    truth = np.array([0.25, 0.75])
    observed = CONFUSED.T @ truth  # what a model with these error rates reports on average
    assert observed[0] == pytest.approx(0.425)  # label 0 looks much bigger than it is
    assert adjusted(CONFUSED, observed) == pytest.approx(truth)


def test_adjusted_clips_impossible_solutions_and_renormalises():
    pi = adjusted(CONFUSED, np.array([0.1, 0.9]))  # below what even a share of 0 would give
    assert pi == pytest.approx([0.0, 1.0])


def test_adjusted_broadcasts_over_draws_and_survives_a_singular_matrix():
    draws = np.stack([CONFUSED, np.array([[0.5, 0.5], [0.5, 0.5]])])
    pi = adjusted(draws, np.array([[0.425, 0.575], [0.4, 0.6]]))
    assert pi[0] == pytest.approx([0.25, 0.75])
    assert pi[1] == pytest.approx([0.4, 0.6])  # no solution: the observed shares are kept


def test_without_other_renormalises_over_the_themes():
    labels = ("industry", "other", "ecology")
    assert without_other([0.3, 0.4, 0.3], labels) == pytest.approx([0.5, 0.5])
    assert without_other([0.0, 1.0, 0.0], labels) == pytest.approx([0.0, 0.0])


def test_error_rates_are_the_mean_probabilities_per_gold_label():
    proba = np.array([[0.9, 0.1], [0.7, 0.3], [0.2, 0.8]])
    rates = error_rates(proba, [0, 0, 1], ["a", "b"])
    assert rates["units"] == [2, 1]
    assert rates["mean_scores"] == [[0.8, 0.2], [0.2, 0.8]]
    assert error_rates_problem(rates, ["b", "a"]) is None  # any order of the same labels


@pytest.mark.parametrize("change, problem", [
    (lambda r: r.update(labels=["a", "c"]), "model's labels"),
    (lambda r: r.update(units=[1, -1]), "whole numbers"),
    (lambda r: r.update(mean_scores=[[0.5, 0.6], [0.2, 0.8]]), "rows sum to 1"),
    (lambda r: r.update(mean_scores=[[1.0]]), "2 x 2"),
    (lambda r: r.update(mean_scores="many"), "2 x 2"),
])
def test_bad_error_rates_are_named(change, problem):
    rates = error_rates(np.array([[0.9, 0.1], [0.2, 0.8]]), [0, 1], ["a", "b"])
    change(rates)
    assert problem in error_rates_problem(rates, ["a", "b"])


def _rates(accuracy=0.9, units=200):
    n = len(LABELS)
    means = np.full((n, n), (1 - accuracy) / (n - 1))
    np.fill_diagonal(means, accuracy)
    return {"labels": list(LABELS), "units": [units] * n, "mean_scores": means.tolist()}


def _scores(primaries, confidence=0.9):
    rows = np.full((len(primaries), len(LABELS)), (1 - confidence) / (len(LABELS) - 1))
    rows[np.arange(len(primaries)), [LABELS.index(p) for p in primaries]] = confidence
    return rows


def test_estimate_gives_intervals_around_the_adjusted_share_and_is_reproducible():
    scores = _scores(["industry"] * 30 + ["ecology"] * 10 + ["other"] * 5)
    found = ShareEstimator(LABELS, _rates(), draws=400).estimate("江苏省2020", scores)
    adjusted_share = dict(zip(LABELS, found["adjusted_share"]))
    assert adjusted_share["industry"] == pytest.approx(0.75, abs=1e-6)  # the model's own calibration undone
    assert np.all(found["share_low"] <= found["adjusted_share"] + 1e-9)
    assert np.all(found["adjusted_share"] <= found["share_high"] + 1e-9)
    assert 0.5 < found["share_low"][0] < 0.75 < found["share_high"][0] < 0.95
    again = ShareEstimator(LABELS, _rates(), draws=400).estimate("江苏省2020", scores)
    assert np.array_equal(found["draws"], again["draws"])
    other = ShareEstimator(LABELS, _rates(), draws=400).estimate("浙江省2020", scores)
    assert not np.array_equal(found["draws"], other["draws"])  # each report its own resampling


def test_more_units_and_more_training_units_give_narrower_intervals():
    width = {}
    for n_units, n_train in ((20, 50), (200, 50), (200, 5000)):
        scores = _scores(["industry", "ecology", "livelihood", "governance"] * (n_units // 4))
        found = ShareEstimator(LABELS, _rates(units=n_train), draws=400).estimate("r", scores)
        width[n_units, n_train] = float(np.mean(found["share_high"] - found["share_low"]))
    assert width[20, 50] > width[200, 50] > width[200, 5000]


def test_without_error_rates_only_the_expected_share():
    found = ShareEstimator(LABELS).estimate("r", _scores(["industry", "other"]))
    # mean probabilities: industry (0.9 + 0.02) / 2, each other theme 0.02; other left out
    assert found["expected_share"][0] == pytest.approx(0.46 / (0.46 + 4 * 0.02))
    assert found["adjusted_share"] is None and found["share_low"] is None and found["draws"] is None
