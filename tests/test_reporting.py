import csv
import io
import json
import re

import pytest

from theme_classifier import THEMES
from theme_classifier.reporting import ShareSummary, write_report


def prediction(report, primary, text="一段文字。", **extra):
    scores = {label: 0.0 for label in ("industry", "ecology", "livelihood", "governance", "security", "other")}
    scores[primary] = 1.0
    return {"id": f"{report}#1", "report": report, "unit": 1, "heading": "", "text": text, "primary": primary,
            "scores": scores, "themes": [] if primary == "other" else [primary], "top_terms": ["词"], **extra}


def write_predictions(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def read_csv(path):
    """Rows of a CSV the tool wrote: UTF-8 with a byte-order mark, so that Excel reads it as UTF-8."""
    data = path.read_bytes()
    assert data.startswith("\ufeff".encode("utf-8"))
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def test_shares_sum_to_one_per_report_and_exclude_other():
    summary = ShareSummary()
    for primary, text in [("industry", "甲" * 30), ("industry", "乙" * 10), ("ecology", "丙" * 20),
                          ("other", "丁" * 99)]:
        summary.add(prediction("江苏省2020", primary, text))
    rows = summary.rows()
    assert [r["theme"] for r in rows] == list(THEMES)
    assert sum(r["unit_share"] for r in rows) == pytest.approx(1)
    assert sum(r["char_share"] for r in rows) == pytest.approx(1)
    industry = rows[0]
    assert (industry["units"], industry["chars"]) == (2, 40)
    assert industry["unit_share"] == pytest.approx(2 / 3) and industry["char_share"] == pytest.approx(40 / 60)


def test_a_report_with_only_other_is_kept_with_zero_shares():
    summary = ShareSummary()
    summary.add(prediction("国务院1954", "other"))
    summary.add(prediction("江苏省2020", "security"))
    rows = [r for r in summary.rows() if r["report"] == "国务院1954"]
    assert len(rows) == 5 and all(r["unit_share"] == 0 and r["char_share"] == 0 for r in rows)
    wide = {r["report"]: r for r in summary.wide_rows()}
    assert wide["国务院1954"]["other_units"] == 1 and wide["国务院1954"]["units"] == 1


def test_region_and_year_from_the_report_name_or_the_prediction():
    summary = ShareSummary()
    summary.add(prediction("江苏省2020", "industry"))
    summary.add(prediction("000_abc", "industry", region="句容市", year=2024))
    summary.add(prediction("notes", "industry"))
    meta = {r["report"]: (r["region"], r["year"]) for r in summary.wide_rows()}
    assert meta == {"江苏省2020": ("江苏省", 2020), "000_abc": ("句容市", 2024), "notes": ("", "")}


def test_write_report_tables_plots_and_html(tmp_path):
    rows = []
    for region in ("江苏省", "浙江省"):
        for year in (2018, 2019, 2020):
            for primary in ("industry", "ecology", "ecology", "other"):
                rows.append(prediction(f"{region}{year}", primary))
    rows.append(prediction("上海市2020", "livelihood", text="<script>alert('x')</script> & “引号”"))
    predictions = write_predictions(tmp_path / "pred.jsonl", rows)
    result = write_report(predictions, tmp_path / "out")
    out = tmp_path / "out"
    assert result["reports"] == 7 and result["units"] == 25
    shares = read_csv(out / "shares.csv")
    assert len(shares) == 7 * 5
    assert list(shares[0]) == ["report", "region", "level", "province_code", "province", "year", "theme", "units",
                               "chars", "unit_share", "char_share", "expected_share", "adjusted_share", "share_low",
                               "share_high"]
    assert (shares[0]["level"], shares[0]["province_code"], shares[0]["province"]) == ("provincial", "32", "Jiangsu")
    jiangsu_2019 = {r["theme"]: float(r["unit_share"]) for r in shares if r["report"] == "江苏省2019"}
    assert jiangsu_2019["ecology"] == pytest.approx(2 / 3)
    wide = read_csv(out / "shares_wide.csv")
    assert len(wide) == 7
    jiangsu = next(r for r in wide if r["report"] == "江苏省2019")
    assert (jiangsu["ecology_units"], jiangsu["industry_units"], jiangsu["other_units"]) == ("2", "1", "1")
    for name in ("shares_by_report", "by_year_ecology", "by_year_industry"):
        assert (out / f"{name}.png").stat().st_size > 1000
        svg = (out / f"{name}.svg").read_text(encoding="utf-8")
        assert "<svg" in svg
    # SVG keeps text as text, so Chinese report names are searchable and render in any browser
    assert "江苏省" in (out / "by_year_ecology.svg").read_text(encoding="utf-8")
    index = (out / "report.html").read_text(encoding="utf-8")
    pages = sorted((out / "reports").glob("*.html"))
    assert len(pages) == 7 and str(out / "report.html") in result["files"]
    for page in [index] + [p.read_text(encoding="utf-8") for p in pages]:
        assert "<script>alert" not in page
        assert not re.search(r"(src|href)\s*=\s*[\"']?(https?:)?//", page) and "<link" not in page  # offline
    text = "".join(p.read_text(encoding="utf-8") for p in pages)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; &amp;" in text
    assert text.count('class="unit"') == 25  # every paragraph, on its report's page


def test_csv_predictions_work_too(tmp_path, cli):
    path = tmp_path / "pred.csv"
    path.write_text("id,report,text,primary,themes,scores_industry,scores_other,top_terms\n"
                    "a#1,江苏省2020,增长。,industry,industry,0.9,0.1,增长\n"
                    "a#2,江苏省2020,各位代表：,other,,0.1,0.9,\n", encoding="utf-8")
    result = cli("report", path, "-o", tmp_path / "out", "-q")
    assert result.returncode == 0, result.stderr.decode()
    shares = read_csv(tmp_path / "out" / "shares.csv")
    assert shares[0]["theme"] == "industry" and float(shares[0]["unit_share"]) == 1.0


def test_report_on_bad_predictions_fails_cleanly(tmp_path, cli):
    path = write_predictions(tmp_path / "pred.jsonl", [{"id": "x"}])
    result = cli("report", path, "-o", tmp_path / "out")
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert f"{path}:1: not a prediction" in stderr and "no predictions to report on" in stderr
    assert "Traceback" not in stderr


PROVINCES = ("北京市", "天津市", "河北省", "山西省", "辽宁省", "吉林省", "江苏省", "浙江省", "安徽省", "福建省",
             "江西省", "山东省")


def svg_text(path):
    import html as html_module
    return html_module.unescape(path.read_text(encoding="utf-8"))


def test_by_year_plot_with_many_regions_shows_the_mean_and_spread(tmp_path):
    from theme_classifier.reporting import MAX_REGION_LINES, MIN_REGIONS_FOR_MEAN
    assert len(PROVINCES) > MAX_REGION_LINES
    rows = []
    for number, region in enumerate(PROVINCES):
        for year in (2018, 2019, 2020):
            if (region, year) == ("山东省", 2020):
                continue  # 2020 has 11 regions, the other years 12
            ecology = 1 + (number + year) % 4  # shares differ between regions
            for primary in ["ecology"] * ecology + ["industry"] * 3 + ["other"]:
                rows.append(prediction(f"{region}{year}", primary))
    for region in PROVINCES[:MIN_REGIONS_FOR_MEAN - 1]:  # 2021: too few regions for a mean
        rows.append(prediction(f"{region}2021", "ecology"))
    predictions = write_predictions(tmp_path / "pred.jsonl", rows)
    out = tmp_path / "out"
    result = write_report(predictions, out)
    assert result["reports"] == 12 * 3 - 1 + MIN_REGIONS_FOR_MEAN - 1
    for theme in THEMES:
        assert (out / f"by_year_{theme}.png").stat().st_size > 1000
        assert str(out / f"by_year_{theme}.svg") in result["files"]
    svg = svg_text(out / "by_year_ecology.svg")
    assert "mean over regions (11–12 per year)" in svg
    assert "25–75% of regions" in svg
    assert f"single reports (years with < {MIN_REGIONS_FOR_MEAN} regions)" in svg
    assert not any(region in svg for region in PROVINCES)  # no line, no legend entry per region
    regions = {r["region"] for r in read_csv(out / "shares.csv")}
    assert regions == set(PROVINCES)
    # the per-report bar chart still names every report
    bars = svg_text(out / "shares_by_report.svg")
    assert all(f"{region}2019" in bars for region in PROVINCES)
    assert "mean over regions (11–12 per year)" in svg_text(out / "report.html")  # the plot is in the page


@pytest.mark.parametrize("regions", [8, 9])
def test_by_year_plot_draws_a_line_per_region_up_to_the_limit(tmp_path, regions):
    from theme_classifier.reporting import MAX_REGION_LINES
    rows = [prediction(f"{region}{year}", primary) for region in PROVINCES[:regions] for year in (2019, 2020)
            for primary in ("ecology", "industry")]
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    svg = svg_text(out / "by_year_ecology.svg")
    if regions <= MAX_REGION_LINES:
        assert all(region in svg for region in PROVINCES[:regions]) and "mean over regions" not in svg
    else:
        assert not any(region in svg for region in PROVINCES) and f"mean over regions ({regions}–{regions} per year)" in svg


def test_a_report_named_like_a_formula_stays_text_in_the_shares_tables(tmp_path):
    rows = [prediction("=HYPERLINK(1)2020", "industry"), prediction("江苏省2020", "ecology")]
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), tmp_path / "out")
    for name in ("shares.csv", "shares_wide.csv"):
        text = (tmp_path / "out" / name).read_text(encoding="utf-8-sig")
        assert "'=HYPERLINK(1)2020" in text and "\n=HYPERLINK" not in text
        assert {r["report"] for r in read_csv(tmp_path / "out" / name)} == {"'=HYPERLINK(1)2020", "江苏省2020"}


def test_lines_break_at_missing_years():
    from theme_classifier.reporting import _gapped
    xs, ys = _gapped({2015: 0.2, 2010: 0.1, 2011: 0.3})
    assert xs[:2] == [2010, 2011] and xs[3:] == [2015] and ys[2] != ys[2]  # a NaN between 2011 and 2015


def test_the_state_council_is_left_out_of_the_provincial_mean(tmp_path):
    rows = []
    for region in PROVINCES + ("国务院",):
        for year in (2018, 2019):
            rows.append(prediction(f"{region}{year}", "ecology"))
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), tmp_path / "out")
    svg = svg_text(tmp_path / "out" / "by_year_ecology.svg")
    assert f"mean over regions ({len(PROVINCES)}–{len(PROVINCES)} per year)" in svg


def test_terminal_table_uses_the_shares_definition_and_aligns_chinese():
    summary = ShareSummary()
    for primary in ("ecology", "ecology", "industry", "other"):
        summary.add(prediction("江苏省2020", primary))
    summary.add(prediction("report_b", "industry"))
    lines = summary.table().splitlines()
    assert "66.7%" in lines[1] and "33.3%" in lines[1]  # of the 3 themed units, as in shares.csv
    assert lines[1].endswith("      1      4")  # other, units
    from theme_classifier.reporting import _width
    assert len({_width(line) for line in lines}) == 1  # columns line up, Chinese counted double


def test_terminal_table_totals_many_reports():
    summary = ShareSummary()
    for n in range(25):
        summary.add(prediction(f"report{n}", "ecology" if n % 5 else "industry"))
    lines = summary.table().splitlines()
    assert len(lines) == 2 and lines[1].startswith("all 25 reports") and "80.0%" in lines[1]


# ------------------------------------------------------------- shares with intervals, panels

def _rates(accuracy=0.9, units=300):
    labels = ["industry", "ecology", "livelihood", "governance", "security", "other"]
    means = [[accuracy if i == j else (1 - accuracy) / 5 for j in range(6)] for i in range(6)]
    return {"labels": labels, "units": [units] * 6, "mean_scores": means}


def _panel_predictions():
    rows = []
    for region, industry in (("江苏省", 6), ("浙江省", 2), ("国务院", 4)):
        for year in (2019, 2020):
            rows += [prediction(f"{region}{year}", "industry") for _ in range(industry)]
            rows += [prediction(f"{region}{year}", "ecology") for _ in range(8 - industry)]
            rows.append(prediction(f"{region}{year}", "other"))
    return rows


def test_shares_with_error_rates_have_adjusted_shares_inside_their_intervals():
    summary = ShareSummary(error_rates=_rates(), draws=300)
    for row in _panel_predictions():
        summary.add(row)
    for row in summary.rows():
        assert row["share_low"] <= row["adjusted_share"] <= row["share_high"]
        assert row["expected_share"] == pytest.approx(row["unit_share"])  # probabilities of 0 and 1
    jiangsu = {r["theme"]: r for r in summary.rows() if r["report"] == "江苏省2020"}
    # a model right 90% of the time on average would report 6/8 industry for a truer 0.8 or so
    assert jiangsu["industry"]["adjusted_share"] > jiangsu["industry"]["unit_share"] == 0.75


def test_without_error_rates_the_adjusted_columns_are_empty():
    summary = ShareSummary()
    summary.add(prediction("江苏省2020", "industry"))
    row = summary.rows()[0]
    assert row["expected_share"] == 1.0
    assert (row["adjusted_share"], row["share_low"], row["share_high"]) == ("", "", "")


def test_panel_means_over_reports_and_keeps_national_reports_apart():
    summary = ShareSummary(error_rates=_rates(), draws=300)
    for row in _panel_predictions():
        summary.add(row)
    by_year = {(r["year"], r["theme"]): r for r in summary.panel("year")}
    industry = by_year[2020, "industry"]
    assert industry["reports"] == 2  # 国务院 left out of the mean over provinces
    assert industry["unit_share"] == pytest.approx((6 / 8 + 2 / 8) / 2)
    assert industry["share_low"] < industry["adjusted_share"] < industry["share_high"]
    by_level = {(r["level"], r["year"], r["theme"]) for r in summary.panel("level,year")}
    assert ("national", 2019, "industry") in by_level and ("provincial", 2019, "industry") in by_level
    by_region = summary.panel("region,year")
    assert len(by_region) == 6 * 5 and by_region[0]["province_code"] in ("", "32", "33")
    assert all(r["reports"] == 1 for r in by_region)


@pytest.mark.parametrize("suffix", [".csv", ".dta", ".parquet", ".xlsx"])
def test_report_by_region_and_year_writes_a_panel_that_loads_with_the_right_types(tmp_path, cli, suffix):
    pd = pytest.importorskip("pandas")
    predictions = write_predictions(tmp_path / "pred.jsonl", _panel_predictions())
    out = tmp_path / f"panel{suffix}"
    result = cli("report", predictions, "--by", "region,year", "-o", out)
    assert result.returncode == 0, result.stderr.decode()
    read = {".csv": lambda p: pd.read_csv(p, encoding="utf-8-sig"), ".dta": pd.read_stata,
            ".parquet": pd.read_parquet, ".xlsx": pd.read_excel}[suffix]
    frame = read(out)
    assert len(frame) == 6 * 5
    assert set(frame["region"]) == {"江苏省", "浙江省", "国务院"}
    assert pd.api.types.is_integer_dtype(frame["year"]) and pd.api.types.is_integer_dtype(frame["reports"])
    for column in ("unit_share", "adjusted_share", "share_low", "share_high"):
        assert pd.api.types.is_float_dtype(frame[column])
    assert (frame["share_low"] <= frame["share_high"]).all()


def test_report_to_a_table_it_cannot_write_is_a_one_line_error(tmp_path, cli):
    predictions = write_predictions(tmp_path / "pred.jsonl", _panel_predictions())
    result = cli("report", predictions, "--by", "year", "-o", tmp_path / "panel.unknown")
    assert result.returncode != 0
    message = result.stderr.decode().strip()
    assert "panel.unknown" in message and ".dta" in message and len(message.splitlines()) == 1
    assert not (tmp_path / "panel.unknown").exists()
