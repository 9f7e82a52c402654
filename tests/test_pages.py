"""The report's HTML pages: the index, one page per report, the font subset; and, in the slow tier,
what a real browser (headless Chromium) makes of them."""

import json
import os
import re
import shutil
import subprocess
import sys
from urllib.parse import unquote

import pytest

from conftest import ROOT, SEEDS
from theme_classifier.pages import FONT_FAMILY, FONT_FILE, page_name, write_pages
from theme_classifier.reporting import prediction_problem, summarise_file, write_report

LABELS = ("industry", "ecology", "livelihood", "governance", "security", "other")
HOSTILE_ID = "\"><script>document.title='pwned'</script>江苏省2020"
HOSTILE_TEXT = "<script>document.title='pwned'</script><img src=x onerror=\"document.title='pwned'\">推进生态"


def prediction(report, primary, text="一段文字。", number=1, **extra):
    scores = {label: 0.0 for label in LABELS}
    scores[primary] = 1.0
    return {"id": f"{report}#{number}", "report": report, "unit": number, "heading": "标题", "text": text,
            "primary": primary, "confidence": 0.8, "scores": scores,
            "themes": [] if primary == "other" else [primary], "top_terms": ["词"], **extra}


def write_predictions(path, rows):
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def pages_of(out):
    """Report id (the page's h1) → page text, for every page in ``out/reports``."""
    import html
    pages = {}
    for path in (out / "reports").glob("*.html"):
        text = path.read_text(encoding="utf-8")
        pages[html.unescape(re.search(r"<h1>(.*?)</h1>", text).group(1))] = text
    return pages


AWKWARD_IDS = ["江苏省2020", "江苏省 2020/上半年", "../../etc/passwd", "..", "a/b", "a b", "a_b", "A_B", "CON",
               "报告" * 200, "///", " ", "Ｆｕｌｌ１", "x\x00y", "\"><script>alert(1)</script>"]


def test_page_names_are_safe_short_and_distinct():
    names = [page_name(report) for report in AWKWARD_IDS]
    assert len(set(names)) == len(names) and len({n.lower() for n in names}) == len(names)
    for name in names:
        assert re.fullmatch(r"[\w-]{1,60}\.html", name) and not name.startswith(("-", "_", "."))
        assert len(name.encode("utf-8")) < 255  # one path component on any file system
    assert page_name("江苏省2020").startswith("江苏省2020-")  # readable where the id allows it
    assert page_name("江苏省2020") == page_name("江苏省2020")  # stable across runs


def test_index_links_a_page_per_report_listing_all_its_paragraphs(tmp_path):
    rows = [prediction(report, primary, number=n) for report in AWKWARD_IDS[:10]
            for n, primary in enumerate(("industry", "ecology", "other"), start=1)]
    out = tmp_path / "out"
    result = write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    index = (out / "report.html").read_text(encoding="utf-8")
    links = re.findall(r"<a href=\"reports/([^\"]+)\">", index)
    assert len(links) == 10 and len(set(links)) == 10
    assert sorted(unquote(link) for link in links) == sorted(p.name for p in (out / "reports").glob("*.html"))
    assert str(out / "reports") in result["files"]
    pages = pages_of(out)
    assert sorted(pages) == sorted(AWKWARD_IDS[:10])
    for report, page in pages.items():
        assert page.count('class="unit"') == 3
        assert 'href="../report.html"' in page and "confidence: 0.80" in page  # back link; hover text
    regions = re.findall(r"<tr><td>([^<]*)</td><td data-v", index[index.index('id="regions"'):])
    assert regions == ["(unknown)", "江苏省"]  # from the ids that name one


def test_report_text_and_ids_are_escaped_on_every_page(tmp_path):
    rows = [prediction(HOSTILE_ID, "ecology", HOSTILE_TEXT), prediction("浙江省2020", "industry", HOSTILE_TEXT)]
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    for path in [out / "report.html", *(out / "reports").glob("*.html")]:
        page = path.read_text(encoding="utf-8")
        assert "<img" not in page and "<script>document" not in page and 'onerror="' not in page, path
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;&lt;img src=x" in "".join(pages_of(out).values())


def test_a_report_whose_predictions_are_not_contiguous_gets_one_whole_page(tmp_path):
    rows = [prediction("江苏省2020", "industry", "第一段", 1), prediction("浙江省2020", "ecology", "别的报告", 1),
            prediction("江苏省2020", "ecology", "第二段", 2), prediction("浙江省2020", "other", "又一段", 2),
            prediction("江苏省2020", "security", "第三段", 3)]
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    pages = pages_of(out)
    jiangsu = pages["江苏省2020"]
    assert [m for m in re.findall(r"<br>(.*?)</div>", jiangsu)] == ["第一段", "第二段", "第三段"]
    assert jiangsu.count("</html>") == 1 and jiangsu.rstrip().endswith("</html>")
    assert pages["浙江省2020"].count('class="unit"') == 2


def test_the_font_subset_covers_every_character_of_the_pages(tmp_path):
    from fontTools.ttLib import TTFont
    rows = [prediction("江苏省2020", "industry", "推进新型工业化，发展数字经济"),
            prediction("四川省2021", "ecology", "长江上游生态屏障𠀀")]  # one outside the BMP
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    font = TTFont(out / FONT_FILE)
    assert font.flavor == "woff2" and font["name"].getDebugName(1) == FONT_FAMILY
    cmap = font.getBestCmap()
    pages = [out / "report.html", *(out / "reports").glob("*.html")]
    used = {c for page in pages for c in page.read_text(encoding="utf-8") if ord(c) > 0x2E7F}  # CJK and beyond
    assert {"推", "屏", "障", "省"} <= used
    assert not {c for c in used if ord(c) not in cmap} - {"𠀀"}  # the font has no glyph for that one
    assert len(cmap) < 500  # a subset, not the whole font
    for page in pages:  # every page finds the font at its relative URL
        url = re.search(r"@font-face\{font-family:\"([^\"]+)\";src:url\(\"([^\"]+)\"\)", page.read_text(encoding="utf-8"))
        assert url.group(1) == FONT_FAMILY and (page.parent / url.group(2)).resolve() == (out / FONT_FILE).resolve()


def test_the_plots_name_the_family_of_the_embedded_font(tmp_path):
    rows = [prediction(f"{region}{year}", "ecology") for region in ("江苏省", "浙江省") for year in (2019, 2020)]
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    index = (out / "report.html").read_text(encoding="utf-8")
    assert index.count("<svg") >= 2  # inline, so the page's @font-face applies to their text
    assert re.search(rf"font-family: '{FONT_FAMILY}'", index)


def test_region_table_averages_the_shares_of_a_regions_reports(tmp_path):
    rows = [prediction("江苏省2019", "ecology"), prediction("江苏省2020", "ecology", number=1),
            prediction("江苏省2020", "industry", number=2), prediction("浙江省2020", "industry")]
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", rows), out)
    index = (out / "report.html").read_text(encoding="utf-8")
    regions = index[index.index('id="regions"'):]
    jiangsu = re.search(r"<tr><td>江苏省</td>(.*?)</tr>", regions).group(1)
    cells = re.findall(r"<td data-v=\"([^\"]+)\"", jiangsu)
    assert cells[:4] == ["2", "3", "0.250000", "0.750000"]  # reports, units, industry (0 and 1/2), ecology
    assert index.count('class="sortable"') == 2 and "addEventListener('click'" in index


def test_intervals_and_other_share_columns_are_shown_when_the_model_has_error_rates(tmp_path):
    path = write_predictions(tmp_path / "pred.jsonl", [prediction("江苏省2020", "ecology", number=1),
                                                        prediction("江苏省2020", "industry", number=2)])
    labels = list(LABELS)
    perfect = {"labels": labels, "units": [100] * len(labels),
               "mean_scores": [[1.0 if i == j else 0.0 for j in range(len(labels))] for i in range(len(labels))]}
    write_report(path, tmp_path / "out", error_rates=perfect)
    index = (tmp_path / "out" / "report.html").read_text(encoding="utf-8")
    assert re.search(r"50\.0% \[\d+\.\d, \d+\.\d\]", index) and "adjusted_share: 0.500" in index
    page = next((tmp_path / "out" / "reports").glob("*.html")).read_text(encoding="utf-8")
    assert "<th>share low</th>" in page


def test_without_intervals_the_index_shows_plain_shares(tmp_path):
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "pred.jsonl", [prediction("江苏省2020", "ecology")]), out)
    index = (out / "report.html").read_text(encoding="utf-8")
    assert ">100.0%</td>" in index and "[" not in re.sub(r"<(script|svg).*?</\1>", "", index[index.index("<body>"):], flags=re.S)


def test_csv_predictions_and_a_rerun_into_the_same_folder(tmp_path):
    path = tmp_path / "pred.csv"
    path.write_text("id,report,text,primary,themes,scores_industry,scores_other,top_terms\n"
                    "a#1,江苏省2020,增长。,industry,industry,0.9,0.1,增长\n"
                    "a#2,江苏省2020,各位代表：,other,,0.1,0.9,\n", encoding="utf-8")
    out = tmp_path / "out"
    write_report(write_predictions(tmp_path / "old.jsonl", [prediction("浙江省2020", "industry")]), out)
    write_report(path, out)  # the old report folder is ours: replaced whole
    pages = pages_of(out)
    assert list(pages) == ["江苏省2020"] and "industry: 0.90" in pages["江苏省2020"]
    assert "top terms: 增长" in pages["江苏省2020"]


def test_records_left_out_of_the_shares_are_left_out_of_the_pages(tmp_path):
    rows = [prediction("江苏省2020", "industry"), {**prediction("江苏省2020", "ecology", "坏的记录"), "scores": {"a": "x"}},
            {"report": "", "primary": "industry", "text": "没有报告"},
            {**prediction("江苏省2020", "ecology", "置信度不是数", 2), "confidence": "high"}]  # shown as it is
    path = write_predictions(tmp_path / "pred.jsonl", rows)
    summary = summarise_file(path)
    write_pages(summary, path, tmp_path, [], "t", {}, lambda record: prediction_problem(record, LABELS))
    page = pages_of(tmp_path)["江苏省2020"]
    assert page.count('class="unit"') == 2 and "坏的记录" not in page and "confidence: high" in page


# ------------------------------------------------------------------ in a browser

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium; "
                                                             "scripts/test.sh installs it)")


def chromium(tmp_path, *args, timeout=120):
    """Run headless Chromium; the flags keep it from reaching for the network, which hangs here."""
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
               "--disable-background-networking", "--disable-component-update", "--disable-sync",
               "--hide-scrollbars", f"--user-data-dir={tmp_path / 'chromium-profile'}",
               "--virtual-time-budget=10000", *map(str, args)]
    result = subprocess.run(command, capture_output=True, timeout=timeout)
    assert result.returncode == 0, result.stderr.decode(errors="replace")[-2000:]
    return result.stdout.decode("utf-8")


def with_probe(page, script, name):
    """A copy of ``page`` beside it (same relative URLs) that runs ``script`` once the fonts are in."""
    text = page.read_text(encoding="utf-8")
    probe = page.with_name(name)
    probe.write_text(text.replace("</body>", f"<pre id=\"probe\"></pre><script>document.fonts.ready.then(function(){{"
                                             f"{script}}})</script></body>"), encoding="utf-8")
    return probe


@pytest.fixture(scope="module")
def browser_report(tmp_path_factory):
    """The seed reports' predictions from the shipped model, with one hostile report added."""
    from conftest import run_cli
    tmp = tmp_path_factory.mktemp("browser")
    predictions = tmp / "pred.jsonl"
    result = run_cli("predict", SEEDS, "-o", predictions, "-q")
    assert result.returncode == 0, result.stderr.decode()
    with predictions.open("a", encoding="utf-8") as fh:
        fh.write(json.dumps(prediction(HOSTILE_ID, "ecology", HOSTILE_TEXT), ensure_ascii=False) + "\n")
    result = run_cli("report", predictions, "-o", tmp / "out", "-q")
    assert result.returncode == 0, result.stderr.decode()
    return tmp / "out"


def page_of(out, report):
    return out / "reports" / page_name(report)


@pytest.mark.slow
@needs_chromium
def test_screenshots_of_the_index_and_a_report_page_show_something(browser_report, tmp_path):
    from PIL import Image
    for page in (browser_report / "report.html", page_of(browser_report, "001_51dfa91dfa589ef3")):
        shot = tmp_path / f"{page.stem}.png"
        chromium(tmp_path, f"--screenshot={shot}", "--window-size=1280,1600", page.as_uri())
        image = Image.open(shot).convert("RGB")
        assert image.size == (1280, 1600) and len(image.getcolors(1 << 20)) > 50  # text and colours, not blank


@pytest.mark.slow
@needs_chromium
def test_chinese_renders_with_the_embedded_font(browser_report, tmp_path):
    from PIL import Image, ImageChops
    page = page_of(browser_report, "001_51dfa91dfa589ef3")
    probe = with_probe(page, "var s=[];document.fonts.forEach(function(f){s.push(f.family+'='+f.status)});"
                             f"document.getElementById('probe').textContent=s.join(';')+' check='+"
                             f"document.fonts.check('16px \"{FONT_FAMILY}\"','中文')", "probe.html")
    dom = chromium(tmp_path, "--dump-dom", probe.as_uri())
    assert f"{FONT_FAMILY}=loaded check=true" in dom
    # The same Chinese text with the font, and with a family that does not exist (no CJK font is
    # installed here, so that is the tofu a reader without the embedded font would see).
    text = re.search(r"<br>([^<]{12})", page.read_text(encoding="utf-8")).group(1)
    shots = []
    for family in (FONT_FAMILY, "No Such Font"):
        sample = page.with_name(f"sample-{len(shots)}.html")
        sample.write_text(page.read_text(encoding="utf-8").split("<body>")[0]
                          + f"<body><p style=\"font:40px '{family}'\">{text}</p></body></html>", encoding="utf-8")
        shots.append(tmp_path / f"sample-{len(shots)}.png")
        chromium(tmp_path, f"--screenshot={shots[-1]}", "--window-size=900,200", sample.as_uri())
    with_font, without = (Image.open(shot).convert("L") for shot in shots)
    difference = ImageChops.difference(with_font, without)
    assert sum(difference.histogram()[65:]) > 500  # pixels that differ clearly


@pytest.mark.slow
@needs_chromium
def test_no_script_runs_from_report_text_or_ids(browser_report, tmp_path):
    for page in (browser_report / "report.html", page_of(browser_report, HOSTILE_ID)):
        dom = chromium(tmp_path, "--dump-dom", page.as_uri())
        assert "pwned</title>" not in dom and "<title>pwned" not in dom
        assert not re.search(r"<img[^>]*>", dom)
        assert "&lt;script&gt;document.title='pwned'&lt;/script&gt;" in dom
    assert "&lt;img src=x onerror=" in dom  # the unit text, shown as text


@pytest.mark.slow
@needs_chromium
def test_clicking_a_header_sorts_the_reports_table(browser_report, tmp_path):
    index = browser_report / "report.html"
    probe = with_probe(index, "var th=document.querySelectorAll('#reports th')[3];th.click();th.click();"
                              "document.getElementById('probe').textContent=Array.prototype.map.call("
                              "document.querySelectorAll('#reports tbody tr'),function(r){return r.cells[3].textContent})"
                              ".join(',')", "probe-index.html")
    dom = chromium(tmp_path, "--dump-dom", probe.as_uri())
    units = [int(n) for n in re.search(r"<pre id=\"probe\">([\d,]+)</pre>", dom).group(1).split(",")]
    assert len(units) == 6 and units == sorted(units, reverse=True)  # two clicks: largest first


@pytest.mark.slow
@needs_chromium
def test_the_readme_screenshot_script_still_runs(tmp_path):
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "screenshots.py"), "--out", str(tmp_path),
                             "--chromium", CHROMIUM], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert all((tmp_path / f"report_{name}.png").stat().st_size > 20000 for name in ("index", "page"))


def test_predict_report_reruns_replace_the_folder_with_its_pages(cli, tmp_path):
    out = tmp_path / "rep"
    for seed in ("003_017b3d9cd5b7877b", "004_368e49043dcb499b"):
        result = cli("predict", SEEDS / f"{seed}.txt", "--report", out, "--review-below", "0.5", "-q")
        assert result.returncode == 0, result.stderr.decode()
    assert [p.name for p in (out / "reports").glob("*.html")] == [page_name("004_368e49043dcb499b")]
    assert (out / FONT_FILE).is_file() and (out / "review.csv").is_file()
    assert not list(tmp_path.glob(".rep.*"))  # no temporary folder left beside it
