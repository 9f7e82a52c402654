"""The themes command as a user runs it (in-process, click's CliRunner): real files, real models."""

import csv
import io
import json

import pytest

from conftest import DEVSET, ROOT, SEEDS, needs_devset

SEED_LABELS = ROOT / "labels" / "seeds.jsonl"
DEFAULT_MODEL = ROOT / "models" / "default"


@pytest.fixture(scope="module")
def small_labels(tmp_path_factory):
    """Seed labels of four reports: enough for a real model that trains in seconds."""
    path = tmp_path_factory.mktemp("labels") / "small.jsonl"
    lines = [line for line in SEED_LABELS.read_text(encoding="utf-8").splitlines()
             if not json.loads(line)["id"].startswith("004_")]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory, small_labels, embeddings_dir):
    from conftest import run_cli
    out = tmp_path_factory.mktemp("models") / "m"
    result = run_cli("train", "--labels", small_labels, "--embeddings", embeddings_dir, "--seed", "7", "-o", out, "-q")
    assert result.returncode == 0, result.stderr.decode()
    return out, result


def test_train_prints_leave_one_report_out_scores(trained):
    model_dir, result = trained
    out = result.stdout.decode()
    assert "cross-validated, grouped by report" in out and "macro-F1" in out
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    assert meta["seed"] == 7
    assert meta["training"]["reports"] == 4 and len(meta["training"]["labels_sha256"]) == 64
    assert meta["metrics"]["cross_validation"]["folds"] == 4


def test_training_twice_gives_identical_predictions(cli, tmp_path, trained, small_labels, embeddings_dir):
    model_dir, _ = trained
    again = tmp_path / "again"
    assert cli("train", "--labels", small_labels, "--embeddings", embeddings_dir, "--seed", "7", "-o", again,
               "-q").returncode == 0
    first = cli("predict", SEEDS / "004_368e49043dcb499b.txt", "-m", model_dir, "-q")
    second = cli("predict", SEEDS / "004_368e49043dcb499b.txt", "-m", again, "-q")
    assert first.returncode == 0 and first.stdout == second.stdout and first.stdout


def test_predict_writes_units_with_labels_and_a_summary(cli, tmp_path, trained):
    model_dir, _ = trained
    out = tmp_path / "pred.jsonl"
    result = cli("predict", SEEDS, "-m", model_dir, "-o", out, "--top-terms", "3")
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(rows) == 285
    assert {"id", "report", "unit", "heading", "text", "primary", "scores", "themes", "top_terms"} <= set(rows[0])
    assert all(abs(sum(r["scores"].values()) - 1) < 1e-3 for r in rows)
    assert all(len(r["top_terms"]) <= 3 for r in rows)
    stderr = result.stderr.decode()
    assert "004_368e49043dcb499b" in stderr and "industry" in stderr


def test_predict_csv_and_pre_split_units(cli, tmp_path, trained):
    model_dir, _ = trained
    units = tmp_path / "units.jsonl"
    units.write_text(json.dumps({"id": "mine#1", "text": "新增城镇就业2万人。"}, ensure_ascii=False) + "\n"
                     + json.dumps({"text": "各位代表："}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "pred.csv"
    result = cli("predict", units, "-m", model_dir, "-o", out, "-q")
    assert result.returncode == 0, result.stderr.decode()
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["id"] for r in rows] == ["mine#1", "units#2"]
    assert "scores_industry" in rows[0] and "themes" in rows[0]


@pytest.mark.parametrize("make,message", [
    (lambda d: d / "nothere", "no such model directory"),
    (lambda d: (d.mkdir() or (d / "meta.json").write_text("{oops") and d), "corrupt JSON"),
])
def test_predict_with_a_bad_model_fails_cleanly(cli, tmp_path, make, message):
    model_dir = make(tmp_path / "model")
    result = cli("predict", SEEDS / "000_e4ed14a6ecf8fffb.txt", "-m", model_dir)
    stderr = result.stderr.decode()
    assert result.returncode == 1
    assert len(stderr.strip().splitlines()) == 1 and message in stderr and "Traceback" not in stderr


def test_predict_input_with_no_text(cli, tmp_path, trained):
    model_dir, _ = trained
    units = tmp_path / "units.jsonl"
    units.write_text('{"id": "a#1", "text": ""}\n', encoding="utf-8")
    headings_only = tmp_path / "headings.txt"
    headings_only.write_text("一、工作回顾\n二、主要任务\n", encoding="utf-8")
    result = cli("predict", units, headings_only, "-m", model_dir, "-q")
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert f"{units}:1: no text" in stderr and f"{headings_only}: no text units" in stderr
    assert "Traceback" not in stderr


def test_train_rejects_unknown_themes(cli, tmp_path):
    labels = tmp_path / "bad.jsonl"
    labels.write_text('{"id": "a#1", "text": "增长。", "primary": "economy", "themes": ["economy"]}\n', encoding="utf-8")
    result = cli("train", "--labels", labels, "-o", tmp_path / "m")
    assert result.returncode == 1
    assert "unknown primary theme 'economy'" in result.stderr.decode()
    assert not (tmp_path / "m").exists()


def test_evaluate_prints_all_metrics(cli, trained, small_labels):
    model_dir, _ = trained
    result = cli("evaluate", "-m", model_dir, "--labels", SEED_LABELS, "--json")
    assert result.returncode == 0, result.stderr.decode()
    metrics = json.loads(result.stdout)
    assert {"accuracy", "macro_f1", "micro_f1", "per_label", "confusion", "set_f1"} <= set(metrics)
    assert metrics["units"] == 285 and len(metrics["confusion"]["matrix"]) == 6


def test_every_command_has_help_with_an_example(cli):
    for command in (["split"], ["train"], ["predict"], ["evaluate"], ["embed"], ["labels", "check"],
                    ["labels", "stats"]):
        result = cli(*command, "--help")
        assert result.returncode == 0 and "Example:" in result.stdout.decode(), command


def test_default_model_labels_the_seeds(cli):
    result = cli("predict", SEEDS / "004_368e49043dcb499b.txt", "-q")
    assert result.returncode == 0, result.stderr.decode()
    rows = [json.loads(line) for line in result.stdout.decode().splitlines()]
    by_text = {r["text"]: r for r in rows}
    assert by_text["各位代表:"]["primary"] == "other"
    assert len({r["primary"] for r in rows}) >= 5


@needs_devset
def test_default_model_on_the_devset(cli):
    result = cli("evaluate", "--labels", DEVSET, "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert json.loads(result.stdout)["macro_f1"] > 0.6


def test_evaluate_cv_cross_validates_training_by_report(cli, small_labels):
    result = cli("evaluate", "--cv", "--labels", small_labels, "--json")
    assert result.returncode == 0, result.stderr.decode()
    metrics = json.loads(result.stdout)
    assert metrics["folds"] == 4 and metrics["units"] == 214
    assert 0 < metrics["macro_f1"] <= 1


def test_parallel_predict_gives_the_same_output_and_keeps_going(cli, tmp_path, trained):
    model_dir, _ = trained
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01" * 50)
    inputs = [SEEDS / "000_e4ed14a6ecf8fffb.txt", bad, SEEDS / "003_017b3d9cd5b7877b.txt",
              SEEDS / "004_368e49043dcb499b.txt"]
    one = cli("predict", *inputs, "-m", model_dir, "-q", "--jobs", "1")
    two = cli("predict", *inputs, "-m", model_dir, "-q", "--jobs", "2")
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout and len(one.stdout.splitlines()) == 47 + 50 + 71
    assert f"error: {bad}: binary file" in two.stderr.decode()


def test_predict_with_the_other_segmenter_says_so_and_agrees_on_the_seeds(cli, tmp_path):
    import json as _json
    meta = _json.loads((DEFAULT_MODEL / "meta.json").read_text(encoding="utf-8"))
    trained = meta["tokenizer"]["backend"]
    other = {"jieba": "rjieba", "rjieba": "jieba"}[trained]
    report = SEEDS / "004_368e49043dcb499b.txt"
    same = cli("predict", report, "-o", tmp_path / "a.jsonl", "-q")
    swapped = cli("predict", report, "--segmenter", other, "-o", tmp_path / "b.jsonl", "-q")
    assert same.returncode == swapped.returncode == 0
    assert b"notice: the model was trained with " + trained.encode() in swapped.stderr and not same.stderr
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
