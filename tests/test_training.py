"""theme_classifier/training.py: configs, cross-validation that holds out whole reports, the threshold
it chooses, silver labels on the default path, and vectors trained on the labels alone.

The real tokenizer, real gensim vectors (the session's small ``embeddings_dir``), real files; small label
sets (three or four seed reports) keep every training run to seconds.
"""

import json
from collections import Counter

import numpy as np
import pytest

from conftest import SEED_LABELS, SEEDS
from theme_classifier import LABELS
from theme_classifier.errors import InputError
from theme_classifier.model import DEFAULT_THRESHOLD, themes_from_scores
from theme_classifier.training import (SILVER_WEIGHTS, cross_validate, fit_model, model_params, read_config,
                                       select_silver)

REPORTS = ("000_e4ed14a6ecf8fffb", "002_088e3680e28b441a", "003_017b3d9cd5b7877b")


def write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def seed_rows():
    return [json.loads(line) for line in SEED_LABELS.read_text(encoding="utf-8").splitlines()]


def meta_of(model_dir):
    return json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module", autouse=True)
def one_blas_thread():
    """Training here is many small logistic regressions; OpenBLAS threads spinning on two cores made
    this file several times slower (same results, one thread is faster)."""
    from threadpoolctl import threadpool_limits
    with threadpool_limits(limits=1, user_api="blas"):
        yield


@pytest.fixture(scope="module")
def small_labels(tmp_path_factory):
    """The seed labels of three reports (134 units): three folds of leave-one-report-out."""
    rows = [r for r in seed_rows() if r["report"] in REPORTS]
    return write_jsonl(tmp_path_factory.mktemp("labels") / "small.jsonl", rows)


@pytest.fixture(scope="module")
def small_records(seed_records):
    return [r for r in seed_records if r["report"] in REPORTS]


def train(cli, out, labels, embeddings, *extra):
    result = cli("train", "--labels", labels, "--embeddings", embeddings, "-o", out, "-q", *extra)
    assert result.returncode == 0, result.stderr.decode()
    return meta_of(out)


# ------------------------------------------------------------------ --config and the threshold

def test_a_config_sets_the_model_parameters(cli, tmp_path, small_labels, embeddings_dir):
    config = tmp_path / "c.toml"
    config.write_text("C = 3.0\nchar_ngram_range = [1, 3]\n", encoding="utf-8")
    meta = train(cli, tmp_path / "m", small_labels, embeddings_dir, "--config", config, "--no-cv")
    assert meta["params"]["C"] == 3.0 and meta["params"]["char_ngram_range"] == [1, 3]
    assert meta["params"]["ngram_range"] == [1, 1]  # what the config does not set keeps its default
    from theme_classifier.store import CHAR_VOCAB_FILE
    vocabulary = json.loads((tmp_path / "m" / CHAR_VOCAB_FILE).read_text(encoding="utf-8"))
    assert max(len(term) for term in vocabulary) == 3  # the saved character n-grams go up to 3


def test_a_config_threshold_is_kept_by_cross_validation(cli, tmp_path, small_labels, embeddings_dir):
    config = tmp_path / "c.json"
    config.write_text(json.dumps({"threshold": 0.45}), encoding="utf-8")
    meta = train(cli, tmp_path / "m", small_labels, embeddings_dir, "--config", config)
    assert meta["threshold"] == 0.45 and meta["params"]["threshold"] == 0.45
    assert meta["training"]["threshold_from"] == "config"
    assert meta["metrics"]["cross_validation"]["threshold"] == 0.45  # measured at the config's threshold


def test_without_a_config_cross_validation_chooses_the_threshold(cli, tmp_path, small_labels, embeddings_dir):
    meta = train(cli, tmp_path / "m", small_labels, embeddings_dir)
    assert meta["training"]["threshold_from"] == "out-of-fold probabilities"
    cv = meta["metrics"]["cross_validation"]
    assert meta["threshold"] == cv["threshold"] and 0 < cv["threshold"] < 1
    assert cv["folds"] == 3 and meta["training"]["reports"] == 3 and meta["training"]["units"] == 134


def test_without_cross_validation_the_threshold_is_the_default(cli, tmp_path, small_labels, embeddings_dir):
    meta = train(cli, tmp_path / "m", small_labels, embeddings_dir, "--no-cv")
    assert meta["threshold"] == DEFAULT_THRESHOLD == 0.3
    assert meta["training"]["threshold_from"] == "default"
    assert "cross_validation" not in meta["metrics"]


# ------------------------------------------------------------------ cross_validate

@pytest.fixture(scope="module")
def cv_result(small_records, seed_vectors):
    return cross_validate(small_records, {"seed": 0}, seed_vectors)


def test_cross_validate_gives_one_prediction_per_record_and_a_fold_per_report(cv_result, small_records):
    predictions, metrics = cv_result["predictions"], cv_result["metrics"]
    assert len(predictions) == len(small_records) == 134
    assert metrics["folds"] == len(REPORTS)
    assert metrics["threshold"] == cv_result["threshold"]
    for prediction in predictions:
        assert list(prediction["scores"]) == list(LABELS)
        assert sum(prediction["scores"].values()) == pytest.approx(1)
        assert (prediction["primary"], prediction["themes"]) == \
            themes_from_scores(prediction["scores"], cv_result["threshold"])
    # the metrics are those of these predictions
    accuracy = np.mean([p["primary"] == r["primary"] for p, r in zip(predictions, small_records)])
    assert metrics["accuracy"] == pytest.approx(accuracy)


def test_each_report_is_predicted_by_a_model_that_never_saw_it(cv_result, small_records, seed_vectors):
    texts = [r["text"] for r in small_records]
    labels = [r["primary"] for r in small_records]
    everything = fit_model(texts, labels, {"seed": 0}, seed_vectors)
    differs_from_a_model_that_saw_it = []
    for report in REPORTS:
        held_out = [i for i, r in enumerate(small_records) if r["report"] == report]
        rest = [i for i, r in enumerate(small_records) if r["report"] != report]
        model = fit_model([texts[i] for i in rest], [labels[i] for i in rest], {"seed": 0}, seed_vectors)
        model.temperature_ = cv_result["temperature"]  # out-of-fold scores are calibrated ones
        expected = model.predict_proba([texts[i] for i in held_out])
        columns = list(model.classes_)
        for row, i in zip(expected, held_out):
            scores = cv_result["predictions"][i]["scores"]
            assert [scores[c] for c in columns] == pytest.approx(list(row), abs=1e-6), (report, i)
            assert all(scores[label] == 0 for label in LABELS if label not in columns)
        seen = everything.predict_proba([texts[i] for i in held_out])
        oof = np.array([[cv_result["predictions"][i]["scores"][c] for c in everything.classes_] for i in held_out])
        differs_from_a_model_that_saw_it.append(not np.allclose(seen, oof, atol=1e-3))
    assert all(differs_from_a_model_that_saw_it)


def test_cross_validate_is_deterministic(cv_result, small_records, seed_vectors):
    assert cross_validate(small_records, {"seed": 0}, seed_vectors) == cv_result


def test_cross_validate_with_many_reports_uses_five_grouped_folds(seed_records):
    # Twelve pseudo-reports (each seed report cut in parts); word vectors off to stay fast.
    records = [{**r, "report": f"{r['report']}/{i % 3}"} for i, r in enumerate(seed_records)
               if r["report"] != "001_51dfa91dfa589ef3"]
    assert len({r["report"] for r in records}) == 12
    result = cross_validate(records, {"seed": 0, "use_w2v": False, "threshold": 0.3})
    assert result["metrics"]["folds"] == 5 and len(result["predictions"]) == len(records)
    assert result["threshold"] == 0.3  # a fixed threshold is not chosen again


def test_cross_validate_needs_two_reports(small_records):
    with pytest.raises(ValueError, match="at least two reports"):
        cross_validate([r for r in small_records if r["report"] == REPORTS[0]], {"use_w2v": False})


# ------------------------------------------------------------------ silver on the default path

def test_train_with_silver_chooses_the_weight_and_filters_by_default(cli, tmp_path, embeddings_dir):
    per_report = Counter()
    gold = []
    for row in seed_rows():  # the first 25 units of four seed reports keep the 5 weights x 4 folds quick
        if row["report"] != "004_368e49043dcb499b" and per_report[row["report"]] < 25:
            per_report[row["report"]] += 1
            gold.append(row)
    labels = write_jsonl(tmp_path / "gold.jsonl", gold)
    silver = tmp_path / "silver.jsonl"
    result = cli("bootstrap", SEEDS, "--exclude-reports", labels, "-o", silver, "-q")
    assert result.returncode == 0, result.stderr.decode()
    meta = train(cli, tmp_path / "m", labels, embeddings_dir, "--silver", silver, "--no-cv")
    info = meta["silver"]
    assert set(info["weights_tried"]) == {"0.0", *map(str, SILVER_WEIGHTS)}
    assert all(0 <= f <= 1 for f in info["weights_tried"].values())
    assert info["weight"] in (0.0, *SILVER_WEIGHTS)
    assert info["weights_tried"][str(info["weight"])] == max(info["weights_tried"].values())  # the best one
    assert info["filter"] == "agrees with a gold-only model"
    assert info["reports"] == 1 and info["used"] > 0  # only the report the gold labels do not cover
    assert 0 <= info["kept"] <= info["used"] <= info["available"]
    if info["weight"] == 0.0:
        assert info["kept"] == 0  # gold only won: no silver in the final model


# ------------------------------------------------------------------ fit_model, select_silver, configs

def test_fit_model_without_vectors_trains_them_on_the_texts(seed_records):
    texts, labels = [r["text"] for r in seed_records], [r["primary"] for r in seed_records]
    model = fit_model(texts, labels, {"seed": 0})
    vectors = model.features_.vectors
    assert vectors is not None
    assert {"产业", "企业"} <= set(vectors.key_to_index)  # words of the labelled texts
    assert fit_model(texts[:60], labels[:60], {"use_w2v": False}).features_.vectors is None


def test_select_silver_caps_each_theme_reproducibly_and_drops_gold_texts():
    silver = [{"id": f"s#{i:03d}", "text": f"第{i}段 文字。", "primary": "industry" if i % 4 else "ecology"}
              for i in range(40)]
    chosen = select_silver(silver, max_per_theme=5, seed=1, exclude_texts=["第4段\u3000文字。", "第1段  文字。"])
    by_theme = Counter(r["primary"] for r in chosen)
    assert by_theme == {"industry": 5, "ecology": 5}
    assert [r["id"] for r in chosen] == sorted(r["id"] for r in chosen)
    assert not {"s#004", "s#001"} & {r["id"] for r in chosen}  # gold wins, whatever its spacing
    assert select_silver(silver, max_per_theme=5, seed=1, exclude_texts=["第4段\u3000文字。", "第1段  文字。"]) == chosen
    everything = select_silver(silver, max_per_theme=100)
    assert len(everything) == 40


def test_read_config_and_model_params(tmp_path):
    config = tmp_path / "c.toml"
    config.write_text("C = 2.0\nclass_weight = \"sqrt\"\n", encoding="utf-8")
    assert read_config(config) == {"C": 2.0, "class_weight": "sqrt"}
    assert model_params(config, seed=5) == {"C": 2.0, "class_weight": "sqrt", "seed": 5}
    assert model_params(None) == {"seed": 0}


@pytest.mark.parametrize("name,content,message", [
    ("c.toml", "colour = 3\n", "unknown parameter(s): 'colour'"),
    ("c.toml", "seed = 3\n", "unknown parameter(s): 'seed'"),  # set by --seed, not by a config
    ("c.toml", "C = -1\n", "C = -1: must be a number > 0"),
    ("c.json", json.dumps({"char_ngram_range": [3, 1]}), "char_ngram_range = [3, 1]: must be"),
    ("c.json", json.dumps([1, 2]), "a config is a table"),
    ("c.toml", "C = [\n", "invalid config"),
])
def test_read_config_refuses_naming_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        read_config(path)
    assert str(caught.value).startswith(f"{path}: ") and message in str(caught.value)


def test_training_calibrates_on_out_of_fold_probabilities(cli, tmp_path, embeddings_dir):
    from conftest import SEED_LABELS
    from theme_classifier.prediction import analyse
    from theme_classifier.store import load_model
    result = cli("train", "--labels", SEED_LABELS, "--embeddings", embeddings_dir, "-o", tmp_path / "m", "-q")
    assert result.returncode == 0, result.stderr.decode()
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    cv = meta["metrics"]["cross_validation"]
    assert meta["temperature"] == cv["temperature"] != 1.0
    assert cv["calibration_error_tempered"] <= cv["calibration_error"]
    model, _ = load_model(tmp_path / "m")
    assert model.temperature_ == meta["temperature"]
    [unit] = analyse(model, ["深入打好污染防治攻坚战，推进河长制。"])
    assert unit["confidence"] == max(unit["scores"].values()) == unit["scores"][unit["primary"]]
