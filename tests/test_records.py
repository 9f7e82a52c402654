"""theme_classifier/records.py: JSONL and CSV tables written with a schema and read back safely."""

import csv
import io
import json

import pytest

from theme_classifier.errors import InputError
from theme_classifier.records import (csv_columns, iter_records, read_records, read_settings,
                                      write_records)

LABELS = ("industry", "ecology", "other")
FIELDS = ("id", "report", "text", "primary", ("scores", LABELS), "themes", "top_terms", "year")

RECORDS = [
    {"id": "江苏省2020#1", "report": "江苏省2020", "text": "全年地区生产总值增长6%。", "primary": "industry",
     "scores": {"industry": 0.8, "ecology": 0.15, "other": 0.05}, "themes": ["industry", "ecology"],
     "top_terms": ["增长", "生产总值"], "year": 2020},
    {"id": "江苏省2020#2", "report": "江苏省2020", "text": "各位代表：", "primary": "other",
     "scores": {"industry": 0.1, "other": 0.9}, "themes": [], "top_terms": [], "year": None},
]


def raw_csv(path):
    return list(csv.reader(io.StringIO(path.read_bytes().decode("utf-8-sig"), newline="")))


# ------------------------------------------------------------------ JSONL

def test_jsonl_round_trips_nested_fields_in_the_schema_order(tmp_path):
    path = tmp_path / "p.jsonl"
    extra = [{**RECORDS[0], "not_in_schema": "dropped"}, {k: v for k, v in RECORDS[1].items() if k != "top_terms"}]
    assert write_records(extra, path, FIELDS) == 2
    lines = path.read_text(encoding="utf-8").splitlines()
    assert "全年" in lines[0]  # UTF-8, not \u escapes
    first = json.loads(lines[0])
    assert list(first) == ["id", "report", "text", "primary", "scores", "themes", "top_terms", "year"]
    back = read_records(path)
    assert back[0] == RECORDS[0]  # nested scores and lists come back as they were
    assert "top_terms" not in back[1]  # an absent optional field stays absent
    assert back[1]["scores"] == {"industry": 0.1, "other": 0.9} and back[1]["year"] is None


def test_jsonl_without_a_schema_keeps_every_field(tmp_path):
    path = tmp_path / "p.jsonl"
    write_records([{"b": 1, "a": {"x": [1, 2]}}], path)
    assert read_records(path) == [{"b": 1, "a": {"x": [1, 2]}}]


def test_an_unknown_extension_is_written_and_read_as_jsonl(tmp_path):
    path = tmp_path / "predictions.txt"
    write_records(RECORDS, path, FIELDS)
    assert json.loads(path.read_text(encoding="utf-8").splitlines()[0])["scores"]["industry"] == 0.8
    assert read_records(path) == RECORDS


def test_write_records_to_stdout(capfdbinary):
    assert write_records(RECORDS[:1], "-", FIELDS) == 1
    out = capfdbinary.readouterr().out
    assert json.loads(out.decode("utf-8")) == RECORDS[0]


# ------------------------------------------------------------------ CSV

def test_csv_is_utf8_with_a_bom_and_the_schema_header(tmp_path):
    path = tmp_path / "p.csv"
    assert write_records(RECORDS, path, FIELDS) == 2
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and data.count(b"\xef\xbb\xbf") == 1
    data[3:].decode("utf-8")
    rows = raw_csv(path)
    assert rows[0] == csv_columns(FIELDS) == ["id", "report", "text", "primary", "scores_industry", "scores_ecology",
                                              "scores_other", "themes", "top_terms", "year"]
    assert rows[1][4:10] == ["0.8", "0.15", "0.05", "industry;ecology", "增长;生产总值", "2020"]
    assert rows[2][4:10] == ["0.1", "", "0.9", "", "", ""]  # a missing score and None are empty cells


def test_csv_reads_back_flattened_scores_and_split_themes(tmp_path):
    path = tmp_path / "P.CSV"  # the extension is case-insensitive
    write_records(RECORDS, path, FIELDS)
    back = read_records(path)
    assert back[0]["text"] == RECORDS[0]["text"] and back[0]["id"] == "江苏省2020#1"
    assert {k: float(v) for k, v in back[0].items() if k.startswith("scores_")} == \
        {"scores_" + k: v for k, v in RECORDS[0]["scores"].items()}
    assert back[0]["themes"] == ["industry", "ecology"] and back[1]["themes"] == []
    assert back[0]["top_terms"] == "增长;生产总值"  # only themes is a list in CSV


def test_csv_needs_a_schema(tmp_path):
    with pytest.raises(ValueError, match="fields"):
        write_records(RECORDS, tmp_path / "p.csv")
    assert not (tmp_path / "p.csv").exists()


@pytest.mark.parametrize("text", ["=SUM(A1)", "+1", "-x", "@x", "\t=1", "\r=1", '=HYPERLINK("http://x","点")'])
def test_formula_like_cells_are_neutralised_and_read_back_unchanged(tmp_path, text):
    path = tmp_path / "p.csv"
    write_records([{"id": "a#1", "text": text, "themes": [text]}], path, ("id", "text", "themes"))
    row = raw_csv(path)[1]
    assert row[1] == "'" + text and row[2] == "'" + text  # a spreadsheet shows it as text
    back = read_records(path)
    assert back[0]["text"] == text
    assert [r["text"] for _, r, _ in iter_records(path)] == [text]


def test_cells_that_only_contain_formula_characters_later_are_left_alone(tmp_path):
    path = tmp_path / "p.csv"
    write_records([{"id": "a=1", "text": "增长-5%", "primary": "'quoted'"}], path, ("id", "text", "primary"))
    assert raw_csv(path)[1] == ["a=1", "增长-5%", "'quoted'"]
    assert read_records(path)[0] == {"id": "a=1", "text": "增长-5%", "primary": "'quoted'"}


def test_a_cell_starting_with_an_apostrophe_and_a_formula_character_round_trips(tmp_path):
    path = tmp_path / "p.csv"
    write_records([{"id": "a#1", "text": "'=x"}], path, ("id", "text"))
    assert read_records(path)[0]["text"] == "'=x"


def test_gb18030_csv_from_excel_is_read(tmp_path):
    path = tmp_path / "labels.csv"
    path.write_bytes("id,text,primary,themes\r\n江苏#1,加强生态环境保护。,ecology,ecology;livelihood\r\n"
                     .encode("gb18030"))
    assert read_records(path) == [{"id": "江苏#1", "text": "加强生态环境保护。", "primary": "ecology",
                                   "themes": ["ecology", "livelihood"]}]


def refused(path, match):
    """The one-line message of ``read_records(path)``, which must fail with ``match``."""
    with pytest.raises(InputError, match=match) as caught:
        read_records(path)
    return str(caught.value)


def test_text_that_is_neither_utf8_nor_gb18030_is_refused_naming_the_file(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes(b"id,text\r\n1,ok\r\n2,\xff\xff\r\n")
    assert refused(path, "not UTF-8 \\(or GB18030\\) text at byte").startswith(f"{path}: ")


def test_csv_rows_with_the_wrong_number_of_fields_are_named_by_line(tmp_path):
    path = tmp_path / "p.csv"
    path.write_text("id,text\n1,ok\n2,too,many\n3\n4,fine\n", encoding="utf-8")
    found = list(iter_records(path))
    assert [(n, p) for n, _, p in found] == [(2, None), (3, "wrong number of fields"), (4, "wrong number of fields"),
                                             (5, None)]
    assert [r["id"] for _, r, _ in found if r] == ["1", "4"]
    assert refused(path, "wrong number of fields").startswith(f"{path}:3: ")


def test_jsonl_problems_are_reported_per_line_and_blank_lines_skipped(tmp_path):
    path = tmp_path / "p.jsonl"
    path.write_text('{"id": 1}\n\n  \n{oops\n[1, 2]\n{"id": 2}\n', encoding="utf-8")
    found = list(iter_records(path))
    assert [n for n, _, _ in found] == [1, 4, 5, 6]
    assert found[0][1] == {"id": 1} and found[0][2] is None
    assert found[1][1] is None and found[1][2].startswith("invalid JSON")
    assert found[2] == (5, None, "not a JSON object")
    with pytest.raises(InputError, match=":4: invalid JSON"):
        read_records(path)


def test_reading_a_missing_file_or_a_folder_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        read_records(tmp_path / "absent.jsonl")
    with pytest.raises(InputError, match="is a directory"):
        read_records(tmp_path)


def test_a_lone_surrogate_in_jsonl_is_a_one_line_error_not_a_crash(tmp_path, cli):
    units = tmp_path / "u.jsonl"
    units.write_text('{"id": "a#1", "text": "增长\\ud800。"}\n{"id": "a#2", "text": "加强生态保护。"}\n', encoding="utf-8")
    out = tmp_path / "p.jsonl"
    result = cli("predict", units, "-o", out, "-q")
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert f"{units}:1" in stderr and "Traceback" not in stderr
    assert [r["id"] for r in read_records(out)] == ["a#2"]


# ------------------------------------------------------------------ settings

def test_read_settings_toml_and_json(tmp_path):
    toml = tmp_path / "c.toml"
    toml.write_text('C = 3.0\nchar_ngram_range = [1, 3]\nname = "江苏"\n', encoding="utf-8")
    assert read_settings(toml, "config") == {"C": 3.0, "char_ngram_range": [1, 3], "name": "江苏"}
    upper = tmp_path / "c.TOML"
    upper.write_text("threshold = 0.45\n", encoding="utf-8")
    assert read_settings(upper, "config") == {"threshold": 0.45}
    js = tmp_path / "c.json"
    js.write_bytes(b"\xef\xbb\xbf" + json.dumps({"C": 2, "labels": ["a", "b"]}).encode("utf-8"))  # a BOM is fine
    assert read_settings(js, "config") == {"C": 2, "labels": ["a", "b"]}


def test_read_settings_reads_any_other_extension_as_json(tmp_path):
    path = tmp_path / "c.cfg"
    path.write_text('{"C": 2}', encoding="utf-8")
    assert read_settings(path, "config") == {"C": 2}
    path.write_text("C = 2\n", encoding="utf-8")  # TOML, but not named .toml
    with pytest.raises(InputError, match="invalid config"):
        read_settings(path, "config")


@pytest.mark.parametrize("name,content,message", [
    ("c.toml", "C = \n", "invalid rules"),
    ("c.json", "{'C': 1}", "invalid rules"),
    ("c.toml", b"C = '\xff'\n", "invalid rules"),
    ("absent.toml", None, "no such file"),
])
def test_read_settings_errors_name_the_file(tmp_path, name, content, message):
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError, match=message) as caught:
        read_settings(path, "rules")
    assert str(caught.value).startswith(f"{path}: ")
