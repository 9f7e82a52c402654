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


def test_calibration_error_is_the_gap_between_confidence_and_accuracy():
    from theme_classifier.evaluation import calibration_error
    proba = np.array([[0.9, 0.1]] * 10)
    assert calibration_error(proba, [0] * 10) == pytest.approx(0.1)  # 90% sure, always right
    assert calibration_error(proba, [0] * 9 + [1]) == pytest.approx(0.0)  # 90% sure, right 9 in 10


def test_fit_temperature_sharpens_under_confident_probabilities():
    from theme_classifier.evaluation import calibration_error, fit_temperature, temper
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(4000, 4))
    true = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    gold = np.array([rng.choice(4, p=p) for p in true])
    blurred = temper(true, 2.0)  # a model as under-confident as ours was
    temperature = fit_temperature(blurred, gold)
    assert temperature == pytest.approx(0.5, abs=0.05)
    assert calibration_error(temper(blurred, temperature), gold) < calibration_error(blurred, gold) / 3
