import json
import pickle

import numpy as np
import pytest

from conftest import ROOT
from theme_classifier import LABELS
from theme_classifier.errors import ModelError
from theme_classifier.labels import load_labels
from theme_classifier.model import ThemeClassifier, set_f1, themes_from_scores
from theme_classifier.store import FORMAT_VERSION, load_model, save_model
from theme_classifier.tokenize import NUMBER, Tokenizer, default_tokenizer

SEED_LABELS = ROOT / "labels" / "seeds.jsonl"


@pytest.fixture(scope="module")
def records():
    return load_labels([SEED_LABELS])


@pytest.fixture(scope="module")
def small_model(records):
    """A real model (real jieba, real gensim) trained on the seed labels, quickly."""
    return ThemeClassifier(w2v_params={"epochs": 3}).fit(
        [r["text"] for r in records], [r["primary"] for r in records],
        themes=[r["themes"] for r in records], groups=[r["report"] for r in records])


# ---------------------------------------------------------------- tokenizer

def test_tokenizer_uses_policy_terms_stopwords_and_folds_numbers():
    tokens = default_tokenizer()("培育专精特新企业125家，深化放管服改革，全面推行河长制。")
    assert {"专精特新", "放管服", "河长制"} <= set(tokens)
    assert NUMBER in tokens
    assert "，" not in tokens and "。" not in tokens and "的" not in tokens


def test_tokenizer_is_independent_of_the_global_jieba():
    import jieba
    jieba.add_word("推行河长")  # a change to jieba's global tokenizer must not leak in
    assert "推行河长" not in Tokenizer()("全面推行河长制。")
    jieba.del_word("推行河长")


def test_tokenizer_memo_gives_the_same_tokens_as_a_fresh_tokenizer(records):
    """The tokenizer remembers how it normalised each jieba word; reuse must not change results."""
    texts = [r["text"] for r in records[:60]]
    warm = Tokenizer()
    first = [warm(t) for t in texts]
    assert [warm(t) for t in reversed(texts)] == first[::-1]
    assert [Tokenizer()(t) for t in texts] == first


def test_tokenizer_config_records_the_dictionary_hash():
    a, b = Tokenizer().config(), Tokenizer(userdict="碳达峰 50 n\n").config()
    assert a["userdict_sha256"] != b["userdict_sha256"]
    assert a["jieba_version"]


# ------------------------------------------------------------------ estimator

def test_fit_follows_sklearn_conventions(records, small_model):
    assert isinstance(small_model.fit.__self__, ThemeClassifier)
    proba = small_model.predict_proba(["全年地区生产总值增长6%。", "各位代表："])
    assert proba.shape == (2, len(small_model.classes_))
    assert np.allclose(proba.sum(axis=1), 1)
    assert list(small_model.predict(["全年地区生产总值增长6%。"])) == \
        [small_model.classes_[np.argmax(proba[0])]]
    assert sorted(small_model.classes_) == sorted(LABELS)
    assert 0 < small_model.threshold_ < 1
    fresh = ThemeClassifier(use_w2v=False)
    assert fresh.fit([r["text"] for r in records[:60]], [r["primary"] for r in records[:60]]) is fresh


def test_unknown_words_and_empty_text_do_not_crash(small_model):
    results = small_model.analyse(["𠀀𠀁𠀂", "", "ABCXYZ qwerty"])
    assert [sorted(r["scores"]) for r in results] == [sorted(LABELS)] * 3


def test_analyse_gives_scores_themes_and_top_terms(small_model):
    [result] = small_model.analyse(["深入打好污染防治攻坚战，PM2.5浓度下降，长江水质保持II类，推进河长制。"], top_terms=3)
    assert result["primary"] == "ecology"
    assert result["primary"] in result["themes"]
    assert list(result["scores"]) == list(LABELS)
    assert 1 <= len(result["top_terms"]) <= 3
    assert all(term in "深入打好污染防治攻坚战，PM2.5浓度下降，长江水质保持II类，推进河长制。".replace("，", "")
               or " " in term for term in result["top_terms"])


def test_themes_from_scores():
    scores = {"industry": 0.5, "ecology": 0.3, "livelihood": 0.15, "governance": 0.03, "security": 0.01, "other": 0.01}
    assert themes_from_scores(scores, 0.2) == ("industry", ["industry", "ecology"])
    assert themes_from_scores(scores, 0.1) == ("industry", ["industry", "ecology", "livelihood"])
    assert themes_from_scores({**scores, "other": 0.9}, 0.1) == ("other", [])


def test_set_f1():
    assert set_f1([["industry"], []], [["industry"], []]) == 1.0
    assert set_f1([["industry", "ecology"]], [["industry"]]) == pytest.approx(2 / 3)
    assert set_f1([[]], [["industry"]]) == 0.0


# ---------------------------------------------------------------- model store

def test_save_and_load_give_identical_predictions(tmp_path, small_model):
    save_model(small_model, tmp_path / "m", {"training": {"units": 285}})
    loaded, meta = load_model(tmp_path / "m")
    texts = ["全年地区生产总值增长6%。", "新增城镇就业2万人。", "深化放管服改革。"]
    assert np.array_equal(loaded.predict_proba(texts), small_model.predict_proba(texts))
    assert loaded.analyse(texts, top_terms=3) == small_model.analyse(texts, top_terms=3)
    assert meta["format_version"] == FORMAT_VERSION
    assert meta["versions"]["scikit-learn"] and meta["versions"]["gensim"] and meta["versions"]["jieba"]
    assert meta["labels"] == list(small_model.classes_)
    assert not any(p.suffix in {".pkl", ".pickle", ".joblib"} for p in (tmp_path / "m").iterdir())


class _Payload:
    def __reduce__(self):
        import os
        return os.system, ("touch PWNED",)


def test_loading_refuses_a_planted_pickle_payload(tmp_path, small_model, monkeypatch):
    monkeypatch.chdir(tmp_path)
    model_dir = tmp_path / "m"
    save_model(small_model, model_dir)
    # 1. an object array with a pickle payload in place of the arrays
    np.save(tmp_path / "evil.npy", np.array([_Payload()], dtype=object), allow_pickle=True)
    with np.load(model_dir / "arrays.npz") as data:
        arrays = dict(data)
    arrays["coef"] = np.array([_Payload()], dtype=object)
    np.savez(model_dir / "arrays.npz", **arrays)
    meta = json.loads((model_dir / "meta.json").read_text())
    from theme_classifier.embeddings import file_sha256
    meta["files"]["arrays.npz"] = file_sha256(model_dir / "arrays.npz")  # even with a matching checksum
    (model_dir / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(ModelError, match="refusing to load"):
        load_model(model_dir)
    # 2. a pickle file dropped into the directory
    save_model(small_model, model_dir)
    (model_dir / "model.pkl").write_bytes(pickle.dumps(_Payload()))
    with pytest.raises(ModelError, match="pickle"):
        load_model(model_dir)
    assert not (tmp_path / "PWNED").exists()


def test_tampered_file_is_refused(tmp_path, small_model):
    save_model(small_model, tmp_path / "m")
    with open(tmp_path / "m" / "vocabulary.json", "a", encoding="utf-8") as fh:
        fh.write(" ")
    with pytest.raises(ModelError, match="checksum"):
        load_model(tmp_path / "m")


@pytest.mark.parametrize("damage,message", [
    (lambda d: (d / "meta.json").write_text("{not json"), "corrupt JSON"),
    (lambda d: (d / "meta.json").write_text(
        (d / "meta.json").read_text().replace(f'"format_version": {FORMAT_VERSION}', '"format_version": 99')),
     "format version 99 is newer"),
    (lambda d: (d / "arrays.npz").write_bytes((d / "arrays.npz").read_bytes()[:100]), "checksum"),
    (lambda d: (d / "meta.json").unlink(), "no meta.json"),
])
def test_broken_models_give_clear_errors(tmp_path, small_model, damage, message):
    save_model(small_model, tmp_path / "m")
    damage(tmp_path / "m")
    with pytest.raises(ModelError, match=message):
        load_model(tmp_path / "m")


def test_missing_model_directory(tmp_path):
    with pytest.raises(ModelError, match="no such model directory"):
        load_model(tmp_path / "nothere")


def test_saving_is_atomic_and_replaces(tmp_path, small_model):
    save_model(small_model, tmp_path / "m")
    save_model(small_model, tmp_path / "m")
    assert [p.name for p in tmp_path.iterdir()] == ["m"]  # no temporary directories left behind


def test_our_tfidf_and_softmax_give_scikit_learns_numbers(records):
    """Prediction runs without scikit-learn: check it reproduces scikit-learn exactly."""
    from sklearn.linear_model import LogisticRegression
    from theme_classifier.features import TfidfTransform, make_char_tfidf, make_tfidf
    from theme_classifier.model import softmax_proba
    texts = [r["text"] for r in records]
    tokens = [default_tokenizer()(t) for t in texts]
    for vectorizer, docs, analyzer in [(make_tfidf((1, 1)), tokens, "word"),
                                       (make_tfidf((1, 2)), tokens, "word"),
                                       (make_char_tfidf((1, 3)), texts, "char")]:
        fitted = vectorizer.fit(docs[:200])
        ours = TfidfTransform.from_sklearn(fitted, analyzer).transform(docs[200:])
        assert np.allclose(ours.toarray(), fitted.transform(docs[200:]).toarray())
    features = make_tfidf((1, 1)).fit_transform(tokens)
    labels = [r["primary"] for r in records]
    for classes in (labels, ["other" if l == "other" else "policy" for l in labels]):
        lr = LogisticRegression(max_iter=2000).fit(features, classes)
        assert np.allclose(softmax_proba(features, lr.coef_, lr.intercept_), lr.predict_proba(features))


def test_get_and_set_params_follow_scikit_learn():
    from sklearn.base import clone
    model = ThemeClassifier(C=3.0, use_w2v=False)
    assert model.get_params()["C"] == 3.0
    copy = clone(model)
    assert copy is not model and copy.get_params() == model.get_params()
    assert model.set_params(C=0.5) is model and model.C == 0.5
    with pytest.raises(ValueError):
        model.set_params(nonsense=1)
