import json

import pytest

from conftest import SEEDS
from theme_classifier import LABELS
from theme_classifier.model import ThemeClassifier
from theme_classifier.prediction import analyse, predict, predict_reports

ECOLOGY = "深入打好污染防治攻坚战，PM2.5浓度下降，长江水质保持II类，推进河长制。"


@pytest.fixture(scope="module")
def small_model(seed_records, seed_vectors):
    return ThemeClassifier(vectors=seed_vectors).fit([r["text"] for r in seed_records],
                                                     [r["primary"] for r in seed_records])


def test_analyse_gives_scores_themes_and_top_terms(small_model):
    [result] = analyse(small_model, [ECOLOGY], top_terms=3)
    assert result["primary"] == "ecology" and result["primary"] in result["themes"]
    assert list(result["scores"]) == list(LABELS)
    assert 1 <= len(result["top_terms"]) <= 3
    assert all(term in ECOLOGY for term in result["top_terms"])


def test_top_terms_push_towards_the_primary_label(small_model):
    [result] = analyse(small_model, [ECOLOGY], top_terms=20)
    vocabulary = small_model.features_.tfidf_.vocabulary_
    row = list(small_model.classes_).index("ecology")
    centred = small_model.coef_[row] - small_model.coef_.mean(axis=0)
    assert all(centred[vocabulary[term]] > 0 for term in result["top_terms"])
    assert analyse(small_model, [ECOLOGY], top_terms=0)[0]["top_terms"] == []


def test_unknown_words_and_empty_text_do_not_crash(small_model):
    results = analyse(small_model, ["𠀀𠀁𠀂", "", "ABCXYZ qwerty"])
    assert [sorted(r["scores"]) for r in results] == [sorted(LABELS)] * 3
    assert analyse(small_model, []) == []


def test_predict_streams_every_unit_of_reports_with_provenance(small_model):
    records = list(predict([SEEDS], small_model, top_terms=0))
    assert len({r["report"] for r in records}) == 5
    first = records[0]
    assert {"id", "report", "unit", "heading", "text", "primary", "scores", "themes", "region", "year",
            "line", "start", "end"} <= set(first)


def test_predict_reports_writes_predictions_summary_and_report(tmp_path, small_model):
    result = predict_reports([SEEDS], small_model, report_dir=tmp_path / "report", top_terms=2)
    out = tmp_path / "report" / "predictions.jsonl"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert result["units"] == len(lines) and result["output"] == str(out)
    assert len(result["summary"].reports) == 5 and result["report"]["reports"] == 5
    assert (tmp_path / "report" / "shares.csv").is_file() and json.loads(lines[0])["top_terms"]


def test_a_dask_cluster_gives_the_local_output_byte_for_byte(tmp_path, small_model):
    """Two worker processes on a LocalCluster; reports are partitioned by size, the model is
    sent to each worker once, and the predictions come back in input order."""
    from distributed import Client, LocalCluster
    local = predict_reports([SEEDS], small_model, tmp_path / "local.jsonl", top_terms=3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = predict_reports([SEEDS], small_model, tmp_path / "dask.jsonl", top_terms=3, dask=client)
    assert remote["units"] == local["units"] == 285
    assert (tmp_path / "dask.jsonl").read_bytes() == (tmp_path / "local.jsonl").read_bytes()


def test_partitions_keep_input_order_and_balance_bytes(tmp_path):
    from theme_classifier.prediction import partitions
    paths = []
    for i, size in enumerate([100, 100, 100, 100, 1000, 100, 100, 100]):
        paths.append(tmp_path / f"r{i}.txt")
        paths[-1].write_bytes(b"x" * size)
    groups = partitions(paths, 4)
    assert [p for group in groups for p in group] == paths
    assert [len(g) for g in groups] == [4, 1, 3]  # the large report alone


def test_an_unusable_dask_address_is_a_one_line_error_and_writes_nothing(cli, tmp_path):
    result = cli("predict", SEEDS, "--dask", "not an address", "-o", tmp_path / "p.jsonl", "-q")
    assert result.returncode == 1
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: not an address: cannot reach the Dask scheduler")
    assert not (tmp_path / "p.jsonl").exists()


def test_a_report_records_which_model_made_it(tmp_path):
    from conftest import ROOT
    from theme_classifier.store import load_model
    model, _ = load_model(ROOT / "models" / "default")
    predict_reports([SEEDS / "004_368e49043dcb499b.txt"], model, report_dir=tmp_path / "report")
    provenance = json.loads((tmp_path / "report" / "provenance.json").read_text(encoding="utf-8"))
    import hashlib
    assert provenance["model"]["meta_sha256"] == hashlib.sha256(
        (ROOT / "models" / "default" / "meta.json").read_bytes()).hexdigest()
    assert provenance["predictions"]["sha256"] == hashlib.sha256(
        (tmp_path / "report" / "predictions.jsonl").read_bytes()).hexdigest()
    assert provenance["theme_classifier"] and provenance["created"]


def test_review_below_writes_the_doubtful_units_in_the_suggest_format(cli, tmp_path):
    from theme_classifier.prediction import suggest_fields
    from theme_classifier.records import read_records
    out = tmp_path / "pred.csv"
    result = cli("predict", SEEDS, "-o", out, "--review-below", "0.6")
    assert result.returncode == 0, result.stderr.decode()
    predicted = read_records(out)
    review = read_records(tmp_path / "pred_review.csv")
    doubtful = [p for p in predicted if float(p["confidence"]) < 0.6]
    assert 0 < len(review) == len(doubtful) < len(predicted)
    assert [r["id"] for r in review] == [p["id"] for p in doubtful]
    assert list(review[0]) == [f for f in suggest_fields()]
    assert all(r["source"] == "review" and not r["primary"] and r["model_1"] for r in review)
    assert f"{len(review)} units to review in" in result.stderr.decode()
    assert cli("predict", SEEDS, "--review-below", "0.6", "-q").returncode == 1  # stdout: nowhere to put it
