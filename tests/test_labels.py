import json

import pytest

from conftest import ROOT
from theme_classifier.errors import InputError
from theme_classifier.labels import check_labels, label_stats, labels_sha256, load_labels
from theme_classifier.reading import read_reports
from theme_classifier.units import split_units

SEED_LABELS = ROOT / "labels" / "seeds.jsonl"

GOOD = {"id": "r#1", "report": "r", "text": "全年地区生产总值增长6%。", "primary": "industry", "themes": ["industry"]}


def write_jsonl(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n"
                            for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("row,reason", [
    (dict(GOOD, primary="economy", themes=[]), "unknown primary theme 'economy'"),
    (dict(GOOD, themes=["industry", "culture"]), "unknown theme(s) in themes: 'culture'"),
    (dict(GOOD, themes=["ecology"]), "primary 'industry' missing from themes"),
    (dict(GOOD, text="  "), "empty text"),
    (dict(GOOD, primary="other", themes=["industry"]), "primary 'other' must have no themes"),
    ({"id": "r#1", "text": "x"}, "missing field(s): primary"),
    ("{not json", "invalid JSON"),
    ("[1, 2]", "not a JSON object"),
])
def test_each_problem_is_reported_with_its_line(tmp_path, row, reason):
    path = write_jsonl(tmp_path / "l.jsonl", [dict(GOOD, id="r#0", text="另一段。"), row])
    records, problems = check_labels([path])
    assert len(problems) == 1
    assert problems[0].source == str(path) and problems[0].line == 2 and reason in problems[0].reason
    assert len(records) == 1


def test_duplicate_ids_and_conflicting_duplicate_texts(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [
        GOOD,
        dict(GOOD, text="别的文字。"),                              # duplicate id
        dict(GOOD, id="r#2", primary="livelihood", themes=["livelihood"]),  # same text, other label
        dict(GOOD, id="r#3"),                                      # same text, same label: fine
    ])
    _, problems = check_labels([path])
    assert [(p.line, p.reason.split(" (")[0].split(" as ")[0]) for p in problems] == [
        (2, "duplicate id 'r#1'"), (3, "same text")]


def test_csv_labels_with_semicolon_themes(tmp_path):
    path = tmp_path / "l.csv"
    path.write_text("id,text,primary,themes\nr#1,全年增长6%。,industry,industry;livelihood\n"
                    "r#2,各位代表：,other,\n", encoding="utf-8")
    records = load_labels([path])
    assert [r["themes"] for r in records] == [["industry", "livelihood"], []]
    assert [r["report"] for r in records] == ["r", "r"]


def test_load_labels_raises_one_line_error(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [dict(GOOD, primary="economy")])
    with pytest.raises(InputError, match=r"l\.jsonl:1: unknown primary theme"):
        load_labels([path])


def test_hash_ignores_order_and_format(tmp_path):
    rows = [GOOD, dict(GOOD, id="r#2", text="新增就业2万人。", primary="livelihood", themes=["livelihood"])]
    a = load_labels([write_jsonl(tmp_path / "a.jsonl", rows)])
    b = load_labels([write_jsonl(tmp_path / "b.jsonl", rows[::-1])])
    assert labels_sha256(a) == labels_sha256(b)
    assert labels_sha256(a) != labels_sha256(a[:1])


def test_seed_labels_are_valid_and_cover_every_seed_unit():
    records, problems = check_labels([SEED_LABELS])
    assert problems == []
    units = [u for doc in read_reports([ROOT / "seeds"]) for u in split_units(doc)]
    assert {r["id"]: r["text"] for r in records} == {u.id: u.text for u in units}
    stats = label_stats(records)
    assert all(stats["primary"][theme] >= 15 for theme in ("industry", "ecology", "livelihood",
                                                           "governance", "security", "other"))


def test_cli_labels_check_and_stats(cli, tmp_path):
    ok = cli("labels", "check", SEED_LABELS)
    assert ok.returncode == 0 and "285 labelled units" in ok.stdout.decode()
    bad = write_jsonl(tmp_path / "bad.jsonl", [GOOD, GOOD])
    result = cli("labels", "check", bad)
    assert result.returncode == 1
    assert f"error: {bad}:2: duplicate id 'r#1'" in result.stderr.decode()
    stats = cli("labels", "stats", SEED_LABELS, "--json")
    assert json.loads(stats.stdout)["units"] == 285


def test_label_files_are_forgiving_where_people_are(tmp_path):
    # Excel on a Chinese Windows saves CSV in GB18030; people type " Industry " and leave themes empty.
    path = tmp_path / "excel.csv"
    path.write_bytes("id,text,primary,themes\nr#1,全年地区生产总值增长6%。, Industry ,\n"
                     "r#2,各位代表：,OTHER,\nr#3,新增城镇就业2万人。,livelihood,Livelihood; industry\n"
                     .encode("gb18030"))
    records, problems = check_labels([path])
    assert not problems
    assert [(r["primary"], r["themes"]) for r in records] == [
        ("industry", ["industry"]), ("other", []), ("livelihood", ["livelihood", "industry"])]
    assert records[0]["text"] == "全年地区生产总值增长6%。"


def test_a_problem_names_file_line_and_fix(tmp_path):
    path = write_jsonl(tmp_path / "l.jsonl", [GOOD, dict(GOOD, id="r#2", text="另一段。", primary="economy")])
    records, problems = check_labels([path])
    assert [(p.line, p.reason.split(" (")[0]) for p in problems] == [(2, "unknown primary theme 'economy'")]
    assert "expected one of industry" in problems[0].reason and "--themes" in problems[0].reason
