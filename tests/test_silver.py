import json

import pytest

from conftest import ROOT, SEEDS
from theme_classifier.errors import InputError
from theme_classifier.labels import load_silver
from theme_classifier.silver import HeadingRules, silver_units

RULES = HeadingRules.load()


@pytest.mark.parametrize("path,theme,rule", [
    ("二、2024年主要工作 > （五）聚焦生态优先，在绿色低碳发展上实干争先", "ecology", "ecology:生态"),
    ("三、全面加强政府自身建设", "governance", "governance:政府自身建设"),
    ("（七）着力保障和改善民生", "livelihood", "livelihood:民生"),
    ("一、工作回顾 > （二）优化营商环境", "industry", "industry:营商"),
    ("一、2023年工作回顾", None, "no theme named"),
    ("切实保障和改善民生，维护社会和谐稳定", None, "ambiguous:livelihood:民生,security:稳定"),
    ("（三）加快建设美丽江苏 > 一、2023年工作回顾", "ecology", "ecology:美丽"),  # deepest naming heading decides
])
def test_rules_label_or_abstain(path, theme, rule):
    found, provenance = RULES.label(path)
    assert found == theme and provenance["rule"] == rule


def test_neutralised_phrases_do_not_count():
    assert RULES.match("构建良好产业生态") == {"industry": "产业"}
    assert RULES.match("持续优化营商环境") == {"industry": "营商"}


def test_rules_file_with_an_unknown_theme_is_refused(tmp_path):
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"themes": {"economy": ["经济"]}}), encoding="utf-8")
    with pytest.raises(InputError, match="unknown theme"):
        HeadingRules.load(path)


def test_bootstrap_seeds_with_provenance_and_exclusions():
    units, counts = silver_units([SEEDS], exclude_reports=["004_368e49043dcb499b"])
    units = list(units)
    assert counts["reports"] == 4 and counts["excluded_reports"] == 1
    assert counts["labelled"] == len(units) > 20
    assert counts["units"] == counts["labelled"] + counts["ambiguous"] + counts["no_theme"]
    assert not any(u["report"] == "004_368e49043dcb499b" for u in units)
    for unit in units:
        assert unit["themes"] == [unit["primary"]] and unit["label_source"] == "silver"
        assert unit["rule"].startswith(unit["primary"] + ":") and unit["rule_heading"] in unit["heading"]


def test_cli_bootstrap_prints_counts_and_writes_valid_labels(cli, tmp_path):
    out = tmp_path / "silver.jsonl"
    result = cli("bootstrap", SEEDS, "-o", out)
    assert result.returncode == 0, result.stderr.decode()
    stderr = result.stderr.decode()
    assert "units labelled" in stderr and "ecology" in stderr
    assert len(load_silver([out])) > 20
    check = cli("labels", "check", out)
    assert check.returncode == 0, check.stderr.decode()


def test_silver_with_conflicting_boilerplate_is_dropped_not_fatal(tmp_path):
    rows = [{"id": "a#1", "text": "坚持稳中求进。", "primary": "industry", "themes": ["industry"]},
            {"id": "b#1", "text": "坚持稳中求进。", "primary": "security", "themes": ["security"]},
            {"id": "b#2", "text": "加强生态保护。", "primary": "ecology", "themes": ["ecology"]}]
    path = tmp_path / "s.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert [r["id"] for r in load_silver([path])] == ["b#2"]


def test_train_with_silver_records_it(cli, tmp_path):
    silver = tmp_path / "silver.jsonl"
    assert cli("bootstrap", SEEDS, "-o", silver, "-q").returncode == 0
    labels = tmp_path / "gold.jsonl"
    lines = (ROOT / "labels" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()
    labels.write_text("\n".join(lines[:120]) + "\n", encoding="utf-8")
    result = cli("train", "--labels", labels, "--silver", silver, "--silver-weight", "0.1", "--no-cv",
                 "-o", tmp_path / "m", "-q")
    assert result.returncode == 0, result.stderr.decode()
    meta = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))
    assert meta["silver"]["weight"] == 0.1 and meta["silver"]["used"] > 0
    # By default only the silver units that a gold-only model agrees with are kept.
    assert 0 < meta["silver"]["kept"] < meta["silver"]["used"]
    unfiltered = cli("train", "--labels", labels, "--silver", silver, "--silver-weight", "0.1", "--no-cv",
                     "--no-silver-filter", "-o", tmp_path / "raw", "-q")
    assert unfiltered.returncode == 0, unfiltered.stderr.decode()
    raw = json.loads((tmp_path / "raw" / "meta.json").read_text(encoding="utf-8"))["silver"]
    assert raw["kept"] == raw["used"] == meta["silver"]["used"] and raw["filter"] is None


def test_agreeing_units_keep_what_a_gold_model_also_predicts():
    from theme_classifier.training import agreeing_units
    gold = [json.loads(line) for line in (ROOT / "labels" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()]
    gold = [r for r in gold if r["primary"] in ("ecology", "industry")]
    extra = [{"id": "x#1", "report": "x", "text": "加强大气污染防治，推进河湖生态修复和湿地保护。", "primary": "ecology"},
             {"id": "x#2", "report": "x", "text": "加强大气污染防治，推进河湖生态修复和湿地保护。", "primary": "industry"}]
    params = {"use_w2v": False, "C": 10.0}
    kept = agreeing_units([r["text"] for r in gold], [r["primary"] for r in gold], extra, params)
    assert [r["id"] for r in kept] == ["x#1"]
