import numpy as np
import pytest

from theme_classifier.evaluation import choose_threshold, group_splitter, report_bootstrap, score, set_f1


def test_set_f1():
    assert set_f1([["industry"], []], [["industry"], []]) == 1.0
    assert set_f1([["industry", "ecology"]], [["industry"]]) == pytest.approx(2 / 3)
    assert set_f1([[]], [["industry"]]) == 0.0


def test_score_counts_every_label_of_the_codebook():
    metrics = score(["industry", "ecology", "other"], ["industry", "industry", "other"])
    assert metrics["accuracy"] == pytest.approx(2 / 3)
    assert list(metrics["per_label"]) == ["industry", "ecology", "livelihood", "governance", "security", "other"]
    assert metrics["per_label"]["ecology"]["recall"] == 0.0
    assert metrics["confusion"]["matrix"][1][0] == 1  # gold ecology, predicted industry


def test_choose_threshold_takes_the_best_set_f1_on_out_of_fold_probabilities():
    labels = ["industry", "ecology", "other"]
    proba = np.array([[0.6, 0.35, 0.05], [0.7, 0.1, 0.2], [0.5, 0.45, 0.05]])
    gold = [["industry", "ecology"], ["industry"], ["industry", "ecology"]]
    assert choose_threshold(proba, labels, gold) == 0.15  # the lowest above the wrong 0.1 that keeps 0.35
    assert choose_threshold(proba, labels, [["industry"]] * 3) == 0.5  # no secondary theme is right


def test_group_splitter_holds_out_whole_reports():
    groups = [f"r{i % 12}" for i in range(60)]
    for train, test in group_splitter(groups).split(groups, groups=groups):
        assert not {groups[i] for i in train} & {groups[i] for i in test}
    assert group_splitter([f"r{i % 4}" for i in range(20)]).get_n_splits(
        groups=[f"r{i % 4}" for i in range(20)]) == 4  # up to 10 reports: leave one report out


def test_report_bootstrap_resamples_reports_not_units():
    reports = ["a"] * 50 + ["b"] * 50
    values = np.array([1.0] * 50 + [0.0] * 50)
    low, high = report_bootstrap(reports, lambda i: values[i].mean(), n=200)
    assert low == 0.0 and high == 1.0  # two reports: a resample is all a, all b, or half and half
