"""Agreement between annotation passes, and gold merged from them (themes labels agree / merge)."""

import csv
import json

import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score

from theme_classifier.agreement import agreement, cohen_kappa, fleiss_kappa, merge
from theme_classifier.cli import main
from theme_classifier.errors import InputError
from theme_classifier.labels import check_labels

UNITS = [{"id": f"r#{i}", "report": "r", "heading": "h", "text": f"第{i}段。"} for i in range(1, 7)]
A = ["industry", "ecology", "other", "security", "industry", "livelihood"]
B = ["industry", "ecology", "other", "governance", "industry", "industry"]


def write(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def passes(tmp_path, *columns):
    paths = []
    for name, column in zip("abc", columns):
        rows = [{"id": u["id"], "primary": p, "themes": [] if p == "other" else [p, "livelihood"] if name == "a"
                 and p != "livelihood" else [p]} for u, p in zip(UNITS, column)]
        paths.append(write(tmp_path / f"pass_{name}.jsonl", rows))
    return paths


def test_cohen_kappa_matches_scikit_learn():
    assert cohen_kappa(A, B) == pytest.approx(cohen_kappa_score(A, B))
    assert cohen_kappa(A, A) == 1.0


def test_fleiss_kappa_of_a_textbook_example():
    # Fleiss (1971)-style toy data: 4 units, 3 raters. Hand computation:
    # P_i = 1, 1/3, 1/3, 1 -> mean 2/3; p = (5/12, 4/12, 3/12) -> Pe = 50/144; kappa = (2/3 - 50/144)/(1 - 50/144)
    ratings = [["x", "x", "x"], ["x", "y", "y"], ["y", "z", "z"], ["z", "x", "x"]]
    ratings[3] = ["y", "y", "y"]
    counts = {"x": 4, "y": 6, "z": 2}
    expected_pe = sum((c / 12) ** 2 for c in counts.values())
    p_bar = (1 + 1 / 3 + 1 / 3 + 1) / 4
    assert fleiss_kappa(ratings) == pytest.approx((p_bar - expected_pe) / (1 - expected_pe))
    # Two raters: Fleiss' kappa differs from Cohen's only in the chance term; identical raters give 1.
    assert fleiss_kappa([[a, a] for a in A]) == 1.0


def test_agreement_counts_and_lists_disagreements_with_text(tmp_path):
    a, b = passes(tmp_path, A, B)
    result = agreement([a, b], units={u["id"]: u for u in UNITS})
    assert result["units"] == 6 and result["primary_agreement"] == pytest.approx(4 / 6, abs=1e-4)
    assert result["kappa_kind"] == "Cohen" and result["kappa"] == pytest.approx(cohen_kappa_score(A, B), abs=1e-4)
    assert result["per_label"]["industry"]["counts"] == {"pass_a": 2, "pass_b": 3}
    assert result["per_label"]["industry"]["specific_agreement"] == pytest.approx(2 * 2 / 5)
    assert [d["id"] for d in result["disagreements"]] == ["r#4", "r#6"]
    assert result["disagreements"][0]["text"] == "第4段。"
    assert result["disagreements"][0]["primary"] == {"pass_a": "security", "pass_b": "governance"}
    three = agreement(passes(tmp_path, A, B, A))
    assert three["kappa_kind"] == "Fleiss"


def test_merge_refuses_disputes_then_uses_the_adjudication(tmp_path):
    a, b = passes(tmp_path, A, B)
    units = {u["id"]: u for u in UNITS}
    with pytest.raises(InputError, match="2 unit\\(s\\) still in dispute"):
        merge([a, b], units=units)
    decided = write(tmp_path / "decided.jsonl", [{"id": "r#4", "primary": "Security "},
                                                  {"id": "r#6", "primary": "livelihood", "themes": "livelihood;industry"}])
    gold = merge([a, b], decided, units=units)
    by_id = {g["id"]: g for g in gold}
    assert len(gold) == 6 and by_id["r#4"]["primary"] == "security" and by_id["r#4"]["themes"] == ["security"]
    assert by_id["r#6"]["themes"] == ["livelihood", "industry"] and by_id["r#6"]["agreement"] == "adjudicated"
    # Agreed units keep only the themes both passes named (pass a added livelihood alone).
    assert by_id["r#1"]["themes"] == ["industry"] and by_id["r#1"]["text"] == "第1段。"
    assert by_id["r#3"]["themes"] == []


def test_passes_over_different_units_are_refused(tmp_path):
    a, b = passes(tmp_path, A, B)
    write(b, [json.loads(line) for line in b.read_text(encoding="utf-8").splitlines()][:-1])
    with pytest.raises(InputError, match="different set of units"):
        agreement([a, b])


def test_cli_agree_then_merge_builds_a_valid_gold_file(tmp_path):
    a, b = passes(tmp_path, A, B)
    units = write(tmp_path / "batch.jsonl", UNITS)
    runner = CliRunner()
    result = runner.invoke(main, ["labels", "agree", str(a), str(b), "--units", str(units),
                                  "-o", str(tmp_path / "dis.csv")])
    assert result.exit_code == 0, result.output
    assert "Cohen's kappa" in result.output and "2 disagreement(s)" in result.output
    with open(tmp_path / "dis.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["primary_pass_a"] for r in rows] == ["security", "livelihood"] and rows[0]["text"] == "第4段。"
    gold = tmp_path / "gold.jsonl"
    result = runner.invoke(main, ["labels", "merge", str(a), str(b), "--units", str(units), "-o", str(gold)])
    assert result.exit_code == 1 and "still in dispute" in result.output and not gold.exists()
    decided = write(tmp_path / "decided.jsonl", [{"id": r["id"], "primary": "industry"} for r in rows])
    result = runner.invoke(main, ["labels", "merge", str(a), str(b), "--units", str(units),
                                  "--adjudicated", str(decided), "-o", str(gold)])
    assert result.exit_code == 0, result.output
    records, problems = check_labels([gold])
    assert not problems and len(records) == 6
