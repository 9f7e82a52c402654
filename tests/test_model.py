import numpy as np
import pytest

from theme_classifier import LABELS
from theme_classifier.model import ThemeClassifier, param_problem, themes_from_scores, unit_weights


@pytest.fixture(scope="module")
def small_model(seed_records, seed_vectors):
    """A real model (real jieba, real gensim vectors) trained on the seed labels."""
    return ThemeClassifier(vectors=seed_vectors).fit([r["text"] for r in seed_records],
                                                     [r["primary"] for r in seed_records])


def test_fit_returns_the_estimator_with_fitted_attributes(seed_records, seed_vectors):
    model = ThemeClassifier(vectors=seed_vectors)
    assert model.fit([r["text"] for r in seed_records[:80]], [r["primary"] for r in seed_records[:80]]) is model
    assert {"classes_", "labels_", "features_", "coef_", "intercept_", "threshold_"} <= set(vars(model))
    assert model.coef_.shape == (len(model.classes_), model.features_.transform(["河长制"]).shape[1])


def test_predict_proba_columns_follow_classes(small_model):
    proba = small_model.predict_proba(["全年地区生产总值增长6%。", "各位代表："])
    assert proba.shape == (2, len(small_model.classes_)) and np.allclose(proba.sum(axis=1), 1)
    assert list(small_model.predict(["全年地区生产总值增长6%。"])) == [small_model.classes_[np.argmax(proba[0])]]
    assert sorted(small_model.classes_) == sorted(LABELS)


def test_predict_fills_no_cache_on_the_estimator(small_model):
    before = {k: v for k, v in vars(small_model).items()}
    features_before = dict(vars(small_model.features_))
    small_model.predict_proba(["深化放管服改革。"])
    assert vars(small_model).keys() == before.keys() and all(vars(small_model)[k] is v for k, v in before.items())
    assert vars(small_model.features_).keys() == features_before.keys()


def test_unfitted_estimator_raises_not_fitted_error():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        ThemeClassifier().predict(["深化放管服改革。"])


def test_fit_never_trains_word_vectors(seed_records):
    with pytest.raises(ValueError, match="no word vectors"):
        ThemeClassifier().fit([r["text"] for r in seed_records], [r["primary"] for r in seed_records])
    model = ThemeClassifier(use_w2v=False).fit([r["text"] for r in seed_records], [r["primary"] for r in seed_records])
    assert model.features_.vectors is None


def test_unknown_labels_are_refused(seed_records):
    with pytest.raises(ValueError, match="unknown labels: weather"):
        ThemeClassifier(use_w2v=False).fit(["a", "b"], ["industry", "weather"])


def test_scikit_learn_recognises_clones_and_cross_validates_it(seed_records, seed_vectors):
    from sklearn.base import clone, is_classifier
    from sklearn.model_selection import GroupKFold, cross_val_score
    model = ThemeClassifier(C=3.0, vectors=seed_vectors)
    assert is_classifier(model)
    copy = clone(model)
    assert copy is not model and copy.C == 3.0 and copy.get_params().keys() == model.get_params().keys()
    assert model.set_params(C=0.5) is model and model.C == 0.5
    with pytest.raises(ValueError):
        model.set_params(nonsense=1)
    texts, labels = [r["text"] for r in seed_records], [r["primary"] for r in seed_records]
    groups = [r["report"] for r in seed_records]
    scores = cross_val_score(model, texts, labels, groups=groups, cv=GroupKFold(3))
    assert len(scores) == 3 and all(0.3 < s <= 1 for s in scores)  # accuracy on held-out reports


def test_defaults_are_the_shipped_configuration():
    import json
    from conftest import ROOT
    shipped = json.loads((ROOT / "models" / "default" / "meta.json").read_text(encoding="utf-8"))["params"]
    defaults = ThemeClassifier().get_params()
    for name in ("ngram_range", "min_df", "char_ngram_range", "use_tfidf", "use_w2v", "w2v_weight", "C",
                 "class_weight"):
        assert shipped[name] == (list(defaults[name]) if isinstance(defaults[name], tuple) else defaults[name]), name


def test_themes_from_scores():
    scores = {"industry": 0.5, "ecology": 0.3, "livelihood": 0.15, "governance": 0.03, "security": 0.01, "other": 0.01}
    assert themes_from_scores(scores, 0.2) == ("industry", ["industry", "ecology"])
    assert themes_from_scores(scores, 0.1) == ("industry", ["industry", "ecology", "livelihood"])
    assert themes_from_scores({**scores, "governance": 0.12}, 0.1) == ("industry", ["industry", "ecology", "livelihood"])
    assert themes_from_scores({**scores, "other": 0.9}, 0.1) == ("other", [])


def test_unit_weights_balance_by_weighted_mass():
    y = ["a", "a", "a", "b"]
    balanced = unit_weights(y)
    assert balanced[:3].sum() == pytest.approx(balanced[3])  # each label weighs the same in all
    half = unit_weights(y, [1, 1, 1, 3])
    assert half[:3].sum() == pytest.approx(half[3])
    assert np.allclose(unit_weights(y, class_weight=None), 1)
    sqrt = unit_weights(y, class_weight="sqrt")
    assert sqrt[3] / sqrt[0] == pytest.approx(np.sqrt(3))
    with pytest.raises(ValueError, match="class_weight"):
        unit_weights(y, class_weight="loud")


@pytest.mark.parametrize("name,value,ok", [("C", 0, False), ("C", 0.5, True), ("ngram_range", [1, 7], False),
                                           ("ngram_range", (1, 2), True), ("char_ngram_range", None, True),
                                           ("min_df", 1.5, False), ("threshold", 1.2, False),
                                           ("class_weight", "sqrt", True), ("use_w2v", 1, False)])
def test_param_problem(name, value, ok):
    assert (param_problem(name, value) is None) == ok


def test_decisions_of_a_batch_follow_the_rule_of_one_unit():
    from theme_classifier.model import decisions, themes_from_scores
    labels = ["industry", "ecology", "livelihood", "governance", "security", "other"]
    rng = np.random.default_rng(0)
    proba = rng.dirichlet(np.full(6, 0.4), size=3000)
    proba[:50] = np.round(proba[:50], 1)  # ties, and values exactly at the threshold
    proba[50] = [0.2, 0.2, 0.2, 0.2, 0.1, 0.1]  # four-way tie for primary and the secondary themes
    proba[51] = [0.1, 0.1, 0.1, 0.1, 0.1, 0.5]  # other: no themes
    for threshold in (0.1, 0.2, 0.3):
        assert decisions(proba, labels, threshold) == [themes_from_scores(dict(zip(labels, row)), threshold)
                                                       for row in proba]
    assert decisions(proba[50:51], labels, 0.1) == [("industry", ["industry", "ecology", "livelihood"])]
