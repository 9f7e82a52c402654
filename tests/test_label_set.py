"""A codebook of one's own: the label set is data (a --themes file), not code."""

import csv
import json

import pytest
from click.testing import CliRunner

from conftest import ROOT, SEEDS
from theme_classifier.cli import main
from theme_classifier.errors import InputError
from theme_classifier.label_set import LabelSet

#: The seed labels folded into a three-theme codebook.
FOLD = {"industry": "economy", "ecology": "society", "livelihood": "society", "governance": "state",
        "security": "state", "other": "other"}
THEMES_FILE = {"themes": {"economy": "growth and producers", "society": "people and nature",
                          "state": "government and order"}, "other": "ceremonial text"}


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


@pytest.fixture(scope="module")
def codebook(tmp_path_factory):
    folder = tmp_path_factory.mktemp("codebook")
    labels = folder / "mine.jsonl"
    with open(labels, "w", encoding="utf-8") as out:
        for line in (ROOT / "labels" / "seeds.jsonl").read_text(encoding="utf-8").splitlines():
            record = json.loads(line)
            primary = FOLD[record["primary"]]
            themes = [] if primary == "other" else sorted({FOLD[t] for t in record["themes"]} | {primary})
            out.write(json.dumps({**record, "primary": primary, "themes": themes}, ensure_ascii=False) + "\n")
    themes = folder / "themes.json"
    themes.write_text(json.dumps(THEMES_FILE), encoding="utf-8")
    config = folder / "config.toml"
    config.write_text("threshold = 0.3\n", encoding="utf-8")
    model = folder / "model"
    result = invoke("train", "--labels", labels, "--themes", themes, "--config", config, "--no-cv", "-o", model, "-q")
    assert result.exit_code == 0, result.output
    return labels, themes, model


def test_labels_of_another_codebook_need_its_themes_file(codebook):
    labels, themes, _ = codebook
    result = invoke("labels", "check", labels)
    assert result.exit_code == 1 and "unknown primary theme 'economy'" in result.stderr
    assert "--themes FILE" in result.stderr
    result = invoke("labels", "check", labels, "--themes", themes)
    assert result.exit_code == 0 and "ok: 285 labelled units" in result.output
    result = invoke("labels", "stats", labels, "--themes", themes)
    assert result.exit_code == 0 and "economy" in result.output and "industry" not in result.output


def test_a_model_of_another_codebook_predicts_and_reports_its_own_labels(codebook, tmp_path):
    _, _, model = codebook
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    assert meta["params"]["labels"] == ["economy", "society", "state", "other"]
    assert meta["label_set"]["descriptions"]["state"] == "government and order"
    out = tmp_path / "p.csv"
    result = invoke("predict", SEEDS / "002_088e3680e28b441a.txt", "-m", model, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [c for c in rows[0] if c.startswith("scores_")] == \
        ["scores_economy", "scores_society", "scores_state", "scores_other"]
    assert {r["primary"] for r in rows} <= {"economy", "society", "state", "other"}
    assert len({r["primary"] for r in rows}) >= 3
    for row in rows:
        assert all(t in ("economy", "society", "state") for t in row["themes"].split(";") if t)
    result = invoke("report", out, "-o", tmp_path / "report", "-q")
    assert result.exit_code == 0, result.output
    with open(tmp_path / "report" / "shares.csv", encoding="utf-8-sig", newline="") as fh:
        assert {r["theme"] for r in csv.DictReader(fh)} == {"economy", "society", "state"}


def test_evaluate_scores_a_model_on_its_own_labels(codebook):
    labels, _, model = codebook
    result = invoke("evaluate", "-m", model, "--labels", labels, "--json")
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert list(metrics["per_label"]) == ["economy", "society", "state", "other"]
    assert metrics["accuracy"] > 0.8  # scored on its own training units


@pytest.mark.parametrize("content,message", [
    ({"themes": {"economy": "x"}}, "at least two themes"),
    ({"themes": {"Economy!": "x", "b": "y"}}, "lower-case letters"),
    ({"themes": {"other": "x", "b": "y"}}, "no-theme label"),
    ({"themes": {"a": 1, "b": "y"}}, "description must be text"),
])
def test_a_bad_themes_file_is_a_one_line_error(tmp_path, content, message):
    path = tmp_path / "themes.json"
    path.write_text(json.dumps(content), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        LabelSet.load(path)


def test_a_codebook_without_other(tmp_path):
    path = tmp_path / "themes.toml"
    path.write_text('[themes]\na = "first"\nb = "second"\n', encoding="utf-8")
    label_set = LabelSet.load(path)
    assert label_set.labels == ("a", "b") and not label_set.has_other
