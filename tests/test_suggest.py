"""themes suggest: which units to label next, with context, for blind annotation."""

import csv
import json

from click.testing import CliRunner

from conftest import ROOT, SEEDS
from theme_classifier.cli import main
from theme_classifier.labels import check_labels
from theme_classifier.reading import read_report, report_level
from theme_classifier.units import split_units

SEED = SEEDS / "002_088e3680e28b441a.txt"


def invoke(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def read_jsonl(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_suggestions_carry_context_and_the_models_top_two(tmp_path):
    out = tmp_path / "batch.jsonl"
    invoke("suggest", SEEDS, "-n", "12", "-o", out, "-q")
    rows = read_jsonl(out)
    assert len(rows) == 12 and len({r["id"] for r in rows}) == 12
    units = {u.id: u for path in sorted(SEEDS.glob("*.txt")) for u in split_units(read_report(path))}
    ordered = {report: [u for u in units.values() if u.report == report] for report in {u.report for u in units.values()}}
    for row in rows:
        siblings = ordered[row["report"]]
        i = [u.id for u in siblings].index(row["id"])
        assert row["text"] == siblings[i].text and row["heading"] == siblings[i].heading
        assert row["prev"] == (siblings[i - 1].text if i else "")
        assert row["next"] == (siblings[i + 1].text if i + 1 < len(siblings) else "")
        assert row["p_1"] >= row["p_2"] and row["model_1"] != row["model_2"]
        assert row["primary"] == "" and row["themes"] == [] and row["source"] == "suggest"
    # The most uncertain come first, but no report gives more than its share.
    margins = [r["p_1"] - r["p_2"] for r in rows]
    assert min(margins) == margins[0] and max(margins) < 0.5
    assert max(sum(r["report"] == rep for r in rows) for rep in ordered) <= 4


def test_labelled_units_and_excluded_reports_are_never_suggested(tmp_path):
    out = tmp_path / "batch.jsonl"
    invoke("suggest", SEEDS, "-n", "500", "--exclude-reports", "000_e4ed14a6ecf8fffb", "-o", out, "-q")
    rows = read_jsonl(out)
    assert rows and not any(r["report"] == "000_e4ed14a6ecf8fffb" for r in rows)
    invoke("suggest", SEEDS, "-n", "5", "--labelled", ROOT / "labels", "-o", out, "-q")
    assert read_jsonl(out) == []  # labels/ holds gold for every seed unit


def test_near_duplicate_paragraphs_are_suggested_once(tmp_path):
    text = SEED.read_text(encoding="utf-8")
    for name in ("a2020.txt", "b2021.txt"):
        (tmp_path / name).write_text(text, encoding="utf-8")
    out = tmp_path / "batch.jsonl"
    invoke("suggest", tmp_path / "a2020.txt", tmp_path / "b2021.txt", "-n", "1000", "--random", "-o", out, "-q")
    rows = read_jsonl(out)
    assert len(rows) == len(split_units(read_report(SEED)))
    assert len({r["text"] for r in rows}) == len(rows)


def test_random_sample_is_reproducible_and_blind_csv_opens_in_excel_and_reads_back(tmp_path):
    first, second, other = tmp_path / "1.csv", tmp_path / "2.csv", tmp_path / "3.csv"
    for out, seed in ((first, 1), (second, 1), (other, 2)):
        invoke("suggest", SEEDS, "-n", "20", "--random", "--blind", "--seed", seed, "-o", out, "-q")
    assert first.read_bytes() == second.read_bytes() != other.read_bytes()
    assert first.read_bytes().startswith("\ufeffid,".encode("utf-8"))
    with open(first, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 20 and {r["source"] for r in rows} == {"random"}
    assert "model_1" not in rows[0] and "p_1" not in rows[0]
    # Stratified over reports: all five seed reports are drawn from.
    assert len({r["report"] for r in rows}) == 5
    # The annotator fills primary and themes; the file is then a valid label file.
    filled = tmp_path / "filled.csv"
    with open(filled, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**r, "primary": "industry", "themes": "industry"} for r in rows)
    records, problems = check_labels([filled])
    assert not problems and len(records) == 20


def test_report_level_from_region_names():
    assert [report_level(r) for r in ("国务院", "上海市", "广西壮族自治区", "南通市", "句容县", None)] == \
        ["national", "provincial", "provincial", "prefecture", "county", None]
