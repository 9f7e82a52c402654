"""theme_classifier/records.py: JSONL and CSV tables written with a schema and read back safely; Stata,
Parquet and Excel tables by extension (write_table)."""

import csv
import io
import json

import pytest

from theme_classifier.errors import InputError, OutputError
from theme_classifier.records import (csv_columns, iter_records, read_records, read_settings,
                                      write_records, write_table)

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


# ------------------------------------------------------------ write_table: Stata, Parquet, Excel

SHARE_FIELDS = ("report", "region", "level", "province_code", "province", "year", "theme", "units", "chars",
                "unit_share", "char_share")
SHARE_ROWS = [
    {"report": "江苏省2020", "region": "江苏省", "level": "provincial", "province_code": "32", "province": "Jiangsu",
     "year": 2020, "theme": "ecology", "units": 12, "chars": 840, "unit_share": 0.25, "char_share": 0.3125},
    {"report": "南通市政府工作报告", "region": "南通市", "level": "prefecture", "province_code": "", "province": "",
     "year": "", "theme": "industry", "units": 0, "chars": 0, "unit_share": 0.0, "char_share": 0.0},
    {"report": "=HYPERLINK(\"x\")", "region": "", "level": "", "province_code": "", "province": "",
     "year": None, "theme": "livelihood", "units": 3, "chars": 95, "unit_share": 1, "char_share": 1.0},
]


def read_table(path):
    import pandas as pd
    readers = {".dta": pd.read_stata, ".parquet": pd.read_parquet,
               # read_excel would guess that text "32" is a number; Excel itself keeps it text
               ".xlsx": lambda p: pd.read_excel(p, dtype={"province_code": str})}
    return readers[path.suffix](path)


@pytest.mark.parametrize("ext", [".dta", ".parquet", ".xlsx"])
def test_each_table_format_loads_in_pandas_with_types_and_values_kept(tmp_path, ext):
    import pandas as pd
    from pandas.api import types
    path = tmp_path / f"shares{ext}"
    assert write_table(SHARE_ROWS, path, SHARE_FIELDS) == 3
    frame = read_table(path)
    assert list(frame.columns) == list(SHARE_FIELDS)
    for column in ("units", "chars"):
        assert types.is_integer_dtype(frame[column]), (column, frame[column].dtype)
    for column in ("unit_share", "char_share"):  # an int among floats (unit_share 1) makes no int column
        assert types.is_float_dtype(frame[column]), (column, frame[column].dtype)
    for column in ("report", "region", "theme"):
        assert types.is_string_dtype(frame[column]), (column, frame[column].dtype)
    # a missing year ("" or None) is a missing number, not text
    assert types.is_numeric_dtype(frame["year"]) and frame["year"].iloc[0] == 2020
    assert frame["year"].iloc[1:].isna().all()
    assert frame["report"].tolist() == [r["report"] for r in SHARE_ROWS]  # Chinese, and formula text as text
    assert frame["province_code"].iloc[0] == "32"
    assert frame["units"].tolist() == [12, 0, 3]
    assert frame["char_share"].tolist() == [0.3125, 0.0, 1.0]
    assert pd.isna(frame["level"].iloc[2]) or frame["level"].iloc[2] == ""  # Excel has no empty text
    assert sorted(p.name for p in tmp_path.iterdir()) == [path.name]  # no temporary file left


def test_parquet_keeps_nullable_integers(tmp_path):
    path = tmp_path / "shares.parquet"
    write_table(SHARE_ROWS, path, SHARE_FIELDS)
    assert str(read_table(path)["year"].dtype) == "Int64"


def test_a_dict_field_becomes_typed_columns_and_lists_are_joined(tmp_path):
    path = tmp_path / "predictions.parquet"
    write_table(RECORDS, path, FIELDS)
    frame = read_table(path)
    assert list(frame.columns) == csv_columns(FIELDS)
    assert frame["scores_industry"].tolist() == [0.8, 0.1]
    assert frame["scores_ecology"].iloc[0] == 0.15 and frame["scores_ecology"].isna().iloc[1]  # absent key
    assert frame["themes"].tolist() == ["industry;ecology", ""]
    assert frame["text"].iloc[0] == "全年地区生产总值增长6%。"


def test_types_give_the_type_of_a_column_that_is_missing_everywhere(tmp_path):
    rows = [{**row, "year": ""} for row in SHARE_ROWS]
    write_table(rows, tmp_path / "text.parquet", SHARE_FIELDS)
    write_table(rows, tmp_path / "int.parquet", SHARE_FIELDS, types={"year": int})
    assert read_table(tmp_path / "text.parquet")["year"].tolist() == ["", "", ""]
    year = read_table(tmp_path / "int.parquet")["year"]
    assert str(year.dtype) == "Int64" and year.isna().all()


@pytest.mark.parametrize("ext", [".csv", ".jsonl"])
def test_csv_and_jsonl_tables_are_what_write_records_writes(tmp_path, ext):
    write_table(SHARE_ROWS, tmp_path / f"a{ext}", SHARE_FIELDS)
    write_records(SHARE_ROWS, tmp_path / f"b{ext}", SHARE_FIELDS)
    assert (tmp_path / f"a{ext}").read_bytes() == (tmp_path / f"b{ext}").read_bytes()


def test_excel_text_that_looks_like_a_formula_stays_text(tmp_path):
    from openpyxl import load_workbook
    path = tmp_path / "shares.xlsx"
    write_table(SHARE_ROWS, path, SHARE_FIELDS)
    cells = [cell for row in load_workbook(path).active.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    assert '=HYPERLINK("x")' in [cell.value for cell in cells]


@pytest.mark.parametrize("name", ["shares.unknown", "shares", "shares.json", "shares.xls"])
def test_an_extension_it_cannot_write_is_a_one_line_error_and_nothing_is_written(tmp_path, name):
    with pytest.raises(OutputError) as err:
        write_table(SHARE_ROWS, tmp_path / name, SHARE_FIELDS)
    message = str(err.value)
    assert "\n" not in message and name in message
    assert ".csv, .jsonl, .dta, .parquet, .xlsx" in message
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("field, problem", [("scores_环境", "scores_环境"), ("a" * 33, "a" * 33), ("int", "int")])
def test_a_column_stata_cannot_take_fails_and_leaves_the_old_file(tmp_path, field, problem):
    path = tmp_path / "shares.dta"
    path.write_bytes(b"old")
    with pytest.raises(OutputError) as err:
        write_table([{field: 1}], path, (field,))
    assert "\n" not in str(err.value) and "shares.dta" in str(err.value) and problem in str(err.value)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["shares.dta"]


@pytest.mark.parametrize("ext, absent, needs", [(".dta", "pandas", "pandas"), (".parquet", "pyarrow", "pandas and pyarrow"),
                                                (".xlsx", "openpyxl", "pandas and openpyxl")])
def test_a_missing_writer_is_a_one_line_error_naming_the_extra(tmp_path, monkeypatch, ext, absent, needs):
    import sys
    monkeypatch.setitem(sys.modules, absent, None)  # as if not installed: importing it fails
    with pytest.raises(OutputError) as err:
        write_table(SHARE_ROWS, tmp_path / f"x{ext}", SHARE_FIELDS)
    assert str(err.value) == (f"{tmp_path / f'x{ext}'}: writing {ext} needs {needs}: "
                              "pip install 'theme_classifier[export]'")
    assert not list(tmp_path.iterdir())


def test_empty_tables_have_their_columns(tmp_path):
    for ext in (".dta", ".parquet", ".xlsx"):
        assert write_table([], tmp_path / f"e{ext}", SHARE_FIELDS) == 0
        assert list(read_table(tmp_path / f"e{ext}").columns) == list(SHARE_FIELDS)


def test_a_dict_field_reads_back_from_jsonl_and_from_its_csv_columns(tmp_path):
    from theme_classifier.records import dict_field
    record = {"id": "a#1", "scores": {"industry": 0.9, "other": 0.1}}
    fields = ("id", ("scores", ("industry", "other")))
    for suffix in (".jsonl", ".csv"):
        write_records([record], tmp_path / f"r{suffix}", fields=fields)
        (_, back, _), = iter_records(tmp_path / f"r{suffix}")
        assert {k: float(v) for k, v in dict_field(back, "scores", ("industry", "other")).items()} == record["scores"]
    assert dict_field({"scores_industry": "0.5"}, "scores", ("industry", "other")) == {"industry": "0.5", "other": None}
