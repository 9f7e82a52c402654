"""theme_classifier's Python API (api.py, re-exported by the package): the shipped model, real
seed reports, rows or DataFrames, the same predictions as ``themes predict``."""

import json
import subprocess
import sys

import pytest

import theme_classifier
from theme_classifier import LABELS, load_model, predict_reports, shares
from theme_classifier.errors import InputError, ModelError
from theme_classifier.prediction import prediction_fields
from theme_classifier.records import csv_columns, read_records

from conftest import ROOT, SEEDS

SEED = SEEDS / "003_017b3d9cd5b7877b.txt"  # a report with a region and a year
INTEGERS = ("unit", "year", "line", "start", "end")


@pytest.fixture(scope="module")
def model():
    return load_model()


def test_the_default_model_loads_and_a_path_or_the_environment_names_another(model, tmp_path, monkeypatch):
    assert model.labels_ == LABELS
    assert load_model(ROOT / "models" / "default").labels_ == LABELS
    monkeypatch.setenv("THEMES_MODEL", str(tmp_path / "absent"))  # as `themes` honours it
    with pytest.raises(ModelError, match="absent"):
        load_model()


def test_rows_of_a_seed_report(model):
    rows = predict_reports(SEED, model, as_frame=False)
    assert isinstance(rows, list) and len(rows) > 10
    assert all(list(row) == [f if isinstance(f, str) else f[0] for f in prediction_fields(LABELS)] for row in rows)
    assert {row["report"] for row in rows} == {SEED.stem}
    assert [row["unit"] for row in rows] == list(range(1, len(rows) + 1))
    assert {row["region"] for row in rows} == {"东台市"} and {row["year"] for row in rows} == {2024}
    for row in rows:
        assert row["primary"] in LABELS and row["confidence"] == row["scores"][row["primary"]]
        assert list(row["scores"]) == list(LABELS) and sum(row["scores"].values()) == pytest.approx(1, abs=1e-3)
        assert isinstance(row["themes"], list) and isinstance(row["top_terms"], list)


def test_a_dataframe_has_the_csv_columns_with_their_types(model):
    import pandas as pd
    from pandas.api import types
    frame = predict_reports([SEEDS], model)  # a folder, in a list
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == csv_columns(prediction_fields(LABELS))
    assert frame["report"].nunique() == 5 and frame["id"].is_unique
    for column in INTEGERS:
        assert str(frame[column].dtype) == "Int64", column
    assert frame["year"].isna().any() and (frame["year"].dropna() == 2024).all()  # a year some reports lack
    for column in ["confidence"] + [f"scores_{label}" for label in LABELS]:
        assert types.is_float_dtype(frame[column]), column
    for column in ("id", "report", "text", "primary", "heading"):
        assert types.is_string_dtype(frame[column]), column
    assert all(isinstance(themes, list) for themes in frame["themes"])  # kept as lists, for explode()
    assert "scores" not in frame  # flattened, as in the CSV


def test_the_api_predicts_what_themes_predict_writes(model, cli, tmp_path):
    import pandas as pd
    for name in ("p.jsonl", "p.csv"):
        result = cli("predict", SEEDS, "-o", tmp_path / name, "-q")
        assert result.returncode == 0, result.stderr.decode()
    rows = predict_reports(SEEDS, model, as_frame=False)
    assert rows == read_records(tmp_path / "p.jsonl")
    frame, written = predict_reports(SEEDS, model), pd.read_csv(tmp_path / "p.csv", keep_default_na=False)
    scores = [f"scores_{label}" for label in LABELS]
    assert frame[scores].values.tolist() == written[scores].values.tolist()
    assert frame["themes"].str.join(";").tolist() == written["themes"].tolist()
    assert frame["text"].tolist() == written["text"].tolist()


def test_a_model_directory_and_worker_processes_give_the_same_rows(model):
    rows = predict_reports(SEED, model, as_frame=False)
    assert predict_reports(str(SEED), str(ROOT / "models" / "default"), as_frame=False) == rows
    assert predict_reports([SEED, SEED.with_name("004_368e49043dcb499b.txt")], model, jobs=2,
                           as_frame=False)[:len(rows)] == rows


def test_a_bad_input_raises_or_goes_to_on_error(model, tmp_path):
    missing = tmp_path / "absent.txt"
    with pytest.raises(InputError, match="absent.txt"):
        predict_reports([missing, SEED], model, as_frame=False)
    errors = []
    rows = predict_reports([missing, SEED], model, on_error=errors.append, as_frame=False)
    assert [e.source for e in errors] == [str(missing)] and {r["report"] for r in rows} == {SEED.stem}


def test_as_frame_true_without_pandas_says_how_to_install_it(model, monkeypatch):
    monkeypatch.setitem(sys.modules, "pandas", None)  # as if pandas were not installed
    with pytest.raises(ImportError, match=r"as_frame=True needs pandas: pip install 'theme_classifier\[export\]'"):
        predict_reports(SEED, model, as_frame=True)
    assert isinstance(predict_reports(SEED, model), list)  # the default falls back to rows


def test_shares_of_rows_a_dataframe_and_a_file_agree(model, cli, tmp_path):
    path = tmp_path / "p.jsonl"
    assert cli("predict", SEEDS, "-o", path, "-q").returncode == 0
    from_file = shares(path, as_frame=False)
    assert shares(predict_reports(SEEDS, model, as_frame=False), as_frame=False) == from_file
    table = shares(predict_reports(SEEDS, model))
    assert table.astype(object).where(table.notna(), "").to_dict("records") == from_file
    assert str(table["units"].dtype) == "Int64" and str(table["year"].dtype) == "Int64"
    assert table.groupby("report")["unit_share"].sum().round(4).isin([0, 1]).all()
    wide = shares(path, wide=True)
    assert len(wide) == 5 and "ecology_unit_share" in wide.columns


def test_importing_the_package_loads_neither_pandas_nor_scikit_learn():
    code = ("import sys, theme_classifier; from theme_classifier import load_model, predict_reports, shares; "
            "import theme_classifier.cli; import json; "
            "print(json.dumps(sorted(m for m in ('pandas', 'sklearn', 'pyarrow', 'openpyxl', 'jieba', 'gensim') "
            "if m in sys.modules)))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_the_package_lists_its_api():
    assert set(theme_classifier.__all__) >= {"load_model", "predict_reports", "shares", "THEMES", "LABELS"}
    assert "predict_reports" in dir(theme_classifier)
    with pytest.raises(AttributeError):
        theme_classifier.no_such_function


def test_shares_carry_the_models_corrections_and_group_into_panels(model):
    rows = predict_reports(SEEDS, model, as_frame=False)
    table = shares(rows, model=model, as_frame=False)
    assert all(r["share_low"] <= r["adjusted_share"] <= r["share_high"] for r in table)
    assert shares(rows, as_frame=False) == table  # the default model made them: the same correction
    panel = shares(rows, model=model, by="level,year", as_frame=False)
    assert {"prefecture", "county"} <= {r["level"] for r in panel}
    assert sum(r["reports"] for r in panel if r["theme"] == "industry") == 5
