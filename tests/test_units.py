import csv
import io
import json
import random
import re

import pytest

from conftest import CORPUS, SEEDS, needs_corpus
from theme_classifier.reading import Document, read_report, read_reports
from theme_classifier.units import HEADING_MAX_CHARS, classify_line, iter_units, split_long, split_units

PINYIN_RESIDUE = re.compile(r"[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")


def doc(text, report="r"):
    return Document(report, f"{report}.txt", text)


def test_headings_are_not_units_and_give_the_heading_path():
    text = ("各位代表：\n"
            "一、2023年工作回顾\n"
            "全年经济平稳运行。\n"
            "（一）产业发展\n"
            "新增规上企业100家。\n"
            "二、2024年主要工作\n"
            "（五）聚焦生态优先，在绿色低碳发展上实干争先。坚决打好污染防治攻坚战。\n"
            "PM2.5浓度下降。\n")
    units = split_units(doc(text))
    assert [u.text for u in units] == [
        "各位代表：", "全年经济平稳运行。", "新增规上企业100家。",
        "（五）聚焦生态优先，在绿色低碳发展上实干争先。坚决打好污染防治攻坚战。", "PM2.5浓度下降。"]
    assert [u.heading for u in units] == [
        "", "一、2023年工作回顾", "一、2023年工作回顾 > （一）产业发展",
        "二、2024年主要工作 > （五）聚焦生态优先，在绿色低碳发展上实干争先",
        "二、2024年主要工作 > （五）聚焦生态优先，在绿色低碳发展上实干争先"]
    assert [u.line for u in units] == [1, 3, 5, 7, 8]


def test_markdown_headings_and_bullets():
    text = "# 标题\n## 1 工作回顾\n- 粮食生产实现“三增长”。\n- 新增就业5万人\n### 坚持项目为王\n全年新签约项目389个。"
    units = split_units(doc(text))
    assert [u.text for u in units] == ["粮食生产实现“三增长”。", "新增就业5万人", "全年新签约项目389个。"]
    assert units[0].heading == "标题 > 1 工作回顾"
    assert units[2].heading == "标题 > 1 工作回顾 > 坚持项目为王"


@pytest.mark.parametrize("line,kind", [
    ("一、2023年工作回顾", "heading"),
    ("（一）经济发展取得新成绩。", "heading"),
    ("（一）经济发展取得新成绩。针对经济下行压力，我们出台了稳增长措施。", "inline"),
    ("1. 始终坚持人民至上,树牢造福人民的政绩观。", "unit"),
    ("①“四上”企业:规模以上工业企业等四类企业的统称。", "unit"),
    ("2023年工作回顾", "heading"),
    ("各位代表：", "unit"),
    ("- 新增就业5万人", "unit"),
    ("- 突出科技支撑:", "heading"),
    ("——2024年1月9日在东台市第十七届人民代表大会第三次会议上", "heading"),
])
def test_classify_line(line, kind):
    assert classify_line(line)[0] == kind


def test_long_paragraph_is_cut_at_sentence_ends():
    sentences = [f"第{i}句话讲的是推进高质量发展的具体措施和成效。" for i in range(40)]
    text = "".join(sentences)
    chunks = split_long(text, 400)
    assert "".join(chunks) == text
    assert all(len(c) <= 400 for c in chunks)
    assert all(c.endswith("。") for c in chunks)
    assert len(chunks) == -(-len(text) // 400)


def test_huge_single_line_without_punctuation(tmp_path):
    path = tmp_path / "huge.txt"
    path.write_text("发展" * 150_000, encoding="utf-8")
    units = split_units(read_report(path))
    assert len(units) == 750
    assert all(len(u.text) <= 400 for u in units)
    assert "".join(u.text for u in units) == "发展" * 150_000


def test_max_chars_is_configurable():
    text = "甲乙丙丁。" * 100
    assert max(len(u.text) for u in split_units(doc(text), max_chars=100)) <= 100


def _seed_docs():
    return list(read_reports([SEEDS]))


def test_seeds_split_with_exact_offsets_and_stable_ids():
    docs = _seed_docs()
    assert len(docs) == 5
    for document in docs:
        units = split_units(document)
        assert units and units == split_units(document)
        assert [u.id for u in units] == [f"{document.id}#{i}" for i in range(1, len(units) + 1)]
        lines = document.text.split("\n")
        for unit in units:
            assert document.text[unit.start:unit.end] == unit.text
            assert unit.text in lines[unit.line - 1]


def test_iter_units_yields_the_units_of_split_units_as_lines_are_read():
    for document in _seed_docs():
        assert list(iter_units(document, 120)) == split_units(document, 120)
    read = []

    def lines():
        for line in ["正文一。", "正文二。"]:
            read.append(line)
            yield line

    units = iter_units(Document("r", "r.txt", lines=lines))
    assert next(units).text == "正文一。" and read == ["正文一。"]


def test_seeds_lose_no_text():
    """Every line is either covered in full by units or is a short heading."""
    for document in _seed_docs():
        by_line = {}
        for unit in split_units(document):
            by_line.setdefault(unit.line, []).append(unit.text)
        for number, line in enumerate(document.text.split("\n"), start=1):
            body = re.sub(r"^\s*(?:[-*+•]\s*)?", "", line).strip()
            if number in by_line:
                assert "".join(by_line[number]).replace(" ", "") == body.replace(" ", "")
            elif body:
                assert len(body) <= HEADING_MAX_CHARS or body.startswith("#"), (document.id, number, body)


def test_traditional_pinyin_seed_becomes_clean_simplified():
    document = read_report(SEEDS / "004_368e49043dcb499b.txt")
    assert not PINYIN_RESIDUE.search(document.text)
    assert "现在，我代表句容市人民政府" in document.text.replace(",", "，")
    for traditional in "現報؛們國經濟發這":
        assert traditional not in document.text
    for unit in split_units(document):
        assert not PINYIN_RESIDUE.search(unit.text)


def test_cli_split_writes_jsonl_and_csv(cli, tmp_path):
    out = tmp_path / "units.jsonl"
    result = cli("split", SEEDS, "-o", out, "-q")
    assert result.returncode == 0, result.stderr
    units = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert set(units[0]) == {"id", "report", "unit", "heading", "text", "line", "start", "end"}
    assert len({u["report"] for u in units}) == 5
    csv_out = tmp_path / "units.csv"
    assert cli("split", SEEDS, "-o", csv_out, "-q").returncode == 0
    rows = list(csv.DictReader(io.StringIO(csv_out.read_text(encoding="utf-8-sig"))))
    assert [r["text"] for r in rows] == [u["text"] for u in units]


@pytest.mark.parametrize("make,problem", [
    (lambda p: p.write_bytes(b""), "empty file"),
    (lambda p: p.write_bytes(b"\x00\x01\x02\x03" * 100), "binary file, not a text report"),
    (lambda p: None, "no such file or directory"),
])
def test_cli_bad_input_gives_one_line_error_and_keeps_good_files(cli, tmp_path, make, problem):
    bad = tmp_path / "bad.txt"
    make(bad)
    good = tmp_path / "good.txt"
    good.write_text("全年地区生产总值增长6%。", encoding="utf-8")
    out = tmp_path / "units.jsonl"
    result = cli("split", bad, good, "-o", out, "-q")
    assert result.returncode == 1
    errors = result.stderr.decode().strip().splitlines()
    assert errors[0] == f"error: {bad}: {problem} (skipped)"
    assert "Traceback" not in result.stderr.decode()
    assert [json.loads(line)["report"] for line in out.read_text(encoding="utf-8").splitlines()] == ["good"]


def test_cli_gbk_and_big5_files(cli, tmp_path):
    (tmp_path / "gbk.txt").write_bytes("现在，我代表市人民政府向大会作工作报告。".encode("gbk"))
    (tmp_path / "big5.txt").write_bytes("現在，我代表市人民政府向大會作工作報告。".encode("big5"))
    result = cli("split", tmp_path, "-q")
    assert result.returncode == 0, result.stderr
    texts = [json.loads(line)["text"] for line in result.stdout.decode().splitlines()]
    assert texts == ["现在，我代表市人民政府向大会作工作报告。"] * 2


@needs_corpus
def test_corpus_sample_splits_without_error():
    paths = sorted(CORPUS.glob("*/*.txt"))
    assert len(paths) > 800
    sample = random.Random(0).sample(paths, 60)
    errors = []
    docs = list(read_reports(sample, on_error=errors.append))
    assert not errors and len(docs) == 60
    for document in docs:
        assert "\r" not in document.text and "\ufeff" not in document.text
        units = split_units(document)
        assert len(units) >= 10, document.id
        assert document.year is not None and document.region is not None
        assert all(len(u.text) <= 400 for u in units)
        assert all(document.text[u.start:u.end] == u.text for u in units)
