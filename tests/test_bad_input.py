"""Bad input and careless outputs: a one-line error naming the file, the rest of the batch still
processed, and nothing outside the intended output changed.

Each case runs the real CLI in-process on real files and compares every file around it, byte
for byte, before and after. (Model directories that are malformed are in test_store.py.)
"""

import json
import os
import stat
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SEEDS
from theme_classifier.cli import main

SEED_TEXT = (SEEDS / "002_088e3680e28b441a.txt").read_text(encoding="utf-8")
SHORT = "各位代表：\n\n一、过去一年工作回顾\n\n全年地区生产总值增长6%，城镇新增就业2万人。\n\n持续打好污染防治攻坚战，PM2.5浓度下降5%。\n"


def snapshot(root):
    """Every file under ``root`` (not following links) with its bytes, or its kind if not a file."""
    found = {}
    for path in sorted(Path(root).rglob("*")):
        mode = path.lstat().st_mode
        if stat.S_ISREG(mode):
            found[str(path.relative_to(root))] = path.read_bytes()
        else:
            found[str(path.relative_to(root))] = stat.S_IFMT(mode)
    return found


def run(*args, cwd=None):
    runner = CliRunner()
    old = os.getcwd()
    try:
        if cwd:
            os.chdir(cwd)
        return runner.invoke(main, [str(a) for a in args])
    finally:
        os.chdir(old)


def one_line_error(result, *names):
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("error:")]
    assert errors, result.stderr
    assert "Traceback" not in result.stderr and result.exception is None or isinstance(result.exception, SystemExit)
    for name in names:
        assert any(str(name) in line for line in errors), (name, result.stderr)
    return errors


def jsonl(path):
    return [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]


# ------------------------------------------------------------------ data loss

@pytest.mark.parametrize("command", [
    ["train", "--labels", ROOT / "labels" / "seeds.jsonl", "--no-cv", "-q"],
    ["embed", SEEDS, "-q"],
])
@pytest.mark.parametrize("target", ["folder", "dot"])
def test_train_and_embed_refuse_a_folder_that_is_not_ours(tmp_path, command, target):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "thesis.txt").write_text("draft", encoding="utf-8")
    before = snapshot(tmp_path)
    out = "x" if target == "folder" else "."
    result = run(*command, "-o", out, cwd=tmp_path / ("." if target == "folder" else "x"))
    assert result.exit_code == 1
    assert len(one_line_error(result, "refusing to replace it")) == 1
    assert snapshot(tmp_path) == before


def test_concurrent_saves_never_fail_and_readers_see_whole_models(tmp_path):
    from theme_classifier.store import load_model, save_model
    model, _ = load_model(ROOT / "models" / "default")
    target = tmp_path / "m"
    save_model(model, target)
    errors, loads = [], []
    stop = threading.Event()

    def writer():
        for _ in range(2):
            try:
                save_model(model, target)
            except Exception as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)

    def reader():
        while not stop.is_set():
            try:
                loads.append(load_model(target)[1]["threshold"])
            except Exception as exc:  # noqa: BLE001
                errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(3)]
    watcher = threading.Thread(target=reader)
    watcher.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stop.set()
    watcher.join()
    assert not errors and loads
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m"]  # no temporaries or old copies left


def test_output_that_is_an_input_is_refused(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    before = snapshot(tmp_path)
    for command in (["predict", report, "-o", report], ["split", report, "-o", report],
                    ["predict", tmp_path, "-o", report]):
        result = run(*command)
        assert result.exit_code == 1 and one_line_error(result, "is also an input")
    assert snapshot(tmp_path) == before


def test_output_through_a_fifo_and_a_device_never_replaces_them(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    result = run("split", report, "-o", fifo, "-q")
    reader.join(timeout=30)
    assert result.exit_code == 0, result.output
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    texts = [json.loads(line)["text"] for line in received[0].decode("utf-8").splitlines()]
    assert texts == ["各位代表：", "全年地区生产总值增长6%，城镇新增就业2万人。", "持续打好污染防治攻坚战，PM2.5浓度下降5%。"]
    result = run("split", report, "-o", os.devnull, "-q")
    assert result.exit_code == 0 and stat.S_ISCHR(os.lstat(os.devnull).st_mode)


def test_output_through_a_symlink_replaces_its_target_and_keeps_the_link(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    (tmp_path / "real.jsonl").write_text("old\n", encoding="utf-8")
    (tmp_path / "link.jsonl").symlink_to("real.jsonl")
    result = run("split", report, "-o", tmp_path / "link.jsonl", "-q")
    assert result.exit_code == 0
    assert (tmp_path / "link.jsonl").is_symlink()
    assert len(jsonl(tmp_path / "real.jsonl")) == 3


def test_a_gbk_file_name_is_a_readable_report_id_and_the_batch_goes_on(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    name = os.fsdecode("江苏省2020.txt".encode("gb18030"))  # as unzipped from a Windows archive
    (folder / name).write_text(SHORT, encoding="utf-8")
    (folder / "b.txt").write_text(SHORT, encoding="utf-8")
    out = tmp_path / "units.jsonl"
    result = run("split", folder, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert sorted({u["report"] for u in jsonl(out)}) == ["b", "江苏省2020"]


def test_a_non_utf8_name_that_is_not_gbk_either_is_escaped(tmp_path):
    name = os.fsdecode(b"r\xff\xfe.txt")
    (tmp_path / name).write_text(SHORT, encoding="utf-8")
    out = tmp_path / "units.jsonl"
    result = run("split", tmp_path / name, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    assert jsonl(out)[0]["report"] == "r\\xff\\xfe"


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_same_report_id_twice_is_skipped_whatever_the_jobs(tmp_path, jobs):
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "江苏省2020.txt").write_text(SHORT, encoding="utf-8")
    out = tmp_path / "p.jsonl"
    result = run("predict", tmp_path / "a", tmp_path / "b", "-j", jobs, "-o", out, "-q")
    assert result.exit_code == 1
    one_line_error(result, str(tmp_path / "b" / "江苏省2020.txt"), "already used")
    rows = jsonl(out)
    assert len(rows) == 3 and {r["report"] for r in rows} == {"江苏省2020"}


def test_dangling_links_and_link_loops_are_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text(SHORT, encoding="utf-8")
    (folder / "gone.txt").symlink_to(tmp_path / "nowhere.txt")
    (folder / "loop").symlink_to(folder)
    out = tmp_path / "units.jsonl"
    result = run("split", folder, "-o", out, "-q")
    assert result.exit_code == 1  # the dangling link lost a report
    one_line_error(result, "gone.txt")
    assert any(line.startswith("notice:") and "loop" in line for line in result.stderr.splitlines())
    assert {u["report"] for u in jsonl(out)} == {"good"}
    # A loop alone loses nothing: a notice, exit code 0.
    (folder / "gone.txt").unlink()
    result = run("split", folder, "-o", out, "-q")
    assert result.exit_code == 0 and "notice:" in result.stderr


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to read the folder as another user")
def test_an_unreadable_folder_is_reported_as_lost():
    import shutil
    import tempfile
    from theme_classifier.reading import iter_input_paths
    base = Path(tempfile.mkdtemp(dir="/tmp"))  # a path "nobody" can reach
    try:
        base.chmod(0o755)
        (base / "locked").mkdir(mode=0o700)  # root's, unreadable to "nobody"
        (base / "locked" / "x.txt").write_text(SHORT, encoding="utf-8")
        (base / "ok.txt").write_text(SHORT, encoding="utf-8")
        errors = []
        os.seteuid(65534)
        try:
            paths = list(iter_input_paths([base], on_error=errors.append))
        finally:
            os.seteuid(0)
        assert paths == [base / "ok.txt"]
        assert [(e.lost, e.source) for e in errors] == [(True, str(base / "locked"))]
        assert errors[0].problem.startswith("cannot read directory")
    finally:
        shutil.rmtree(base)


def test_csv_has_one_schema_whatever_the_first_record(tmp_path):
    units = tmp_path / "units.jsonl"
    units.write_text(json.dumps({"id": "mine#1", "text": "新增城镇就业2万人。"}, ensure_ascii=False) + "\n",
                     encoding="utf-8")
    report = tmp_path / "江苏省2020.txt"
    report.write_text(SHORT, encoding="utf-8")
    out = tmp_path / "x.csv"
    result = run("predict", units, report, "-o", out, "-q")
    assert result.exit_code == 0, result.output
    import csv
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"region", "year", "line", "start", "end"} <= set(rows[0])
    assert rows[0]["region"] == "" and rows[1]["region"] == "江苏省" and rows[1]["year"] == "2020"
    assert rows[1]["start"] and rows[1]["line"]


def test_csv_cells_that_look_like_formulas_are_neutralised_and_read_back(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("=HYPERLINK(\"http://x\")全年地区生产总值增长6%。\n\n@SUM(A1)城镇新增就业2万人。\n",
                      encoding="utf-8")
    out = tmp_path / "u.csv"
    assert run("split", report, "-o", out, "-q").exit_code == 0
    raw = out.read_text(encoding="utf-8-sig")
    assert "'=HYPERLINK" in raw and "'@SUM" in raw
    from theme_classifier.records import iter_records
    texts = [record["text"] for _, record, _ in iter_records(out)]
    assert texts[0].startswith("=HYPERLINK") and texts[1].startswith("@SUM")


# ------------------------------------------------------------ one-line errors

def test_a_dollar_in_a_report_name_does_not_break_the_plots(tmp_path):
    report = tmp_path / "price$2020.txt"
    report.write_text(SEED_TEXT, encoding="utf-8")
    result = run("predict", report, "--report", tmp_path / "rep", "-q")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "rep" / "shares_by_report.png").is_file() and (tmp_path / "rep" / "predictions.jsonl").is_file()


def test_report_skips_malformed_prediction_lines_naming_them(tmp_path):
    good = {"id": "r#1", "report": "r", "text": "x", "primary": "industry", "themes": ["industry"],
            "scores": {"industry": 0.9, "other": 0.1}}
    lines = [json.dumps(good), json.dumps({**good, "report": None}), json.dumps({**good, "primary": ["x"]}),
             json.dumps({"id": "r#4", "text": "x", "primary": "industry"})]
    predictions = tmp_path / "p.jsonl"
    predictions.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run("report", predictions, "-o", tmp_path / "rep", "-q")
    assert result.exit_code == 1
    errors = one_line_error(result)
    assert [e.split(":")[2] for e in errors[:3]] == ["2", "3", "4"]
    assert (tmp_path / "rep" / "shares.csv").is_file()


@pytest.mark.parametrize("args,message", [
    (["split", "--max-chars", "0"], "--max-chars"),
    (["split", "--max-chars", "-5"], "--max-chars"),
    (["train", "--labels", "l.jsonl", "--seed", "-1", "-o", "m"], "--seed"),
    (["embed", "--epochs", "0", "-o", "e"], "--epochs"),
    (["embed", "--vector-size", "0", "-o", "e"], "--vector-size"),
    (["train", "--labels", "l.jsonl", "--silver-weight", "-1", "-o", "m"], "--silver-weight"),
    (["train", "--labels", "l.jsonl", "--silver-weight", "nan", "-o", "m"], "--silver-weight"),
    (["predict", "--top-terms", "-1"], "--top-terms"),
    (["predict", "--jobs", "0"], "--jobs"),
])
def test_option_ranges_are_one_line_usage_errors(tmp_path, args, message):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    result = run(*args, report)
    assert result.exit_code == 2
    errors = one_line_error(result, message)
    assert len([line for line in result.stderr.splitlines() if line.strip()]) == 1, errors


def test_more_jobs_than_cpus_are_capped_with_a_notice(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    result = run("predict", report, "-j", "1000", "-o", tmp_path / "p.jsonl", "-q")
    assert result.exit_code == 0 and "capped at" in result.stderr


@pytest.mark.parametrize("config,message", [
    ("C = 0", "C = 0: must be a number > 0"),
    ("C = -1.5", "must be a number > 0"),
    ("threshold = 1.5", "between 0 and 1"),
    ('threshold = "0.3"', "between 0 and 1"),
    ("ngram_range = [2, 1]", "1 <= low <= high"),
    ("min_df = 0", "integer >= 1"),
    ("use_w2v = 1", "true or false"),
    ("colour = 3", "unknown parameter"),
])
def test_bad_config_values_are_refused_before_training(tmp_path, config, message):
    path = tmp_path / "c.toml"
    path.write_text(config + "\n", encoding="utf-8")
    result = run("train", "--labels", ROOT / "labels" / "seeds.jsonl", "--config", path, "-o", tmp_path / "m", "-q")
    assert result.exit_code == 1
    one_line_error(result, "c.toml", message)
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("rows,message", [
    ([{"id": f"r#{i}", "text": f"第{i}段。", "primary": "industry"} for i in range(20)], "same label"),
    ([{"id": f"r#{i}", "text": f"第{i}段。", "primary": p} for i, p in enumerate(["industry", "other"] * 2)],
     "only 4 labelled units"),
])
def test_labels_too_few_to_train_are_refused(tmp_path, rows, message):
    labels = tmp_path / "l.jsonl"
    labels.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    result = run("train", "--labels", labels, "-o", tmp_path / "m", "-q")
    assert result.exit_code == 1
    one_line_error(result, "l.jsonl", message)


def test_outputs_that_cannot_be_written_are_one_line_errors(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    (tmp_path / "adir").mkdir()
    result = run("split", report, "-o", tmp_path / "adir")
    assert result.exit_code == 1 and one_line_error(result, "adir", "is a directory")
    (tmp_path / "file.txt").write_text("mine", encoding="utf-8")
    predictions = tmp_path / "p.jsonl"
    assert run("predict", report, "-o", predictions, "-q").exit_code == 0
    result = run("report", predictions, "-o", tmp_path / "file.txt")
    assert result.exit_code == 1 and one_line_error(result, "file.txt", "not a folder")
    assert (tmp_path / "file.txt").read_text(encoding="utf-8") == "mine"
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.md").write_text("keep", encoding="utf-8")
    result = run("predict", report, "--report", tmp_path / "mine", "-q")
    assert result.exit_code == 1 and one_line_error(result, "mine", "refusing to replace it")
    assert sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.md"]


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to write as another user")
def test_an_unwritable_output_folder_is_a_one_line_error():
    import shutil
    import tempfile
    base = Path(tempfile.mkdtemp(dir="/tmp"))
    try:
        base.chmod(0o755)  # readable by "nobody", writable by root only
        report = base / "r.txt"
        report.write_text(SHORT, encoding="utf-8")
        report.chmod(0o644)
        before = snapshot(base)
        os.seteuid(65534)
        try:
            result = run("split", report, "-o", base / "u.jsonl")
        finally:
            os.seteuid(0)
        assert result.exit_code == 1
        one_line_error(result, "u.jsonl", "cannot write")
        assert snapshot(base) == before
    finally:
        shutil.rmtree(base)


# ------------------------------------------------------------ resources, hygiene

def test_nul_bytes_anywhere_make_a_file_binary(tmp_path):
    report = tmp_path / "r.txt"
    report.write_bytes(SHORT.encode("utf-8") * 2000 + b"\x00" + SHORT.encode("utf-8"))
    result = run("split", report, "-o", tmp_path / "u.jsonl", "-q")
    assert result.exit_code == 1 and one_line_error(result, "r.txt", "binary")


def test_a_corrupt_html_file_is_named_by_its_path(tmp_path):
    page = tmp_path / "bad.html"
    page.write_bytes(b"<html><body>\x00\x01\x02 binary</body></html>")
    result = run("split", page, "-o", tmp_path / "u.jsonl", "-q")
    assert result.exit_code == 1
    errors = one_line_error(result, "bad.html")
    assert "<html>" not in errors[0]


def test_a_docx_zip_bomb_is_refused_quickly(tmp_path):
    import zipfile
    bomb = tmp_path / "bomb.docx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", b"<w:t>" + b"a" * (210 * 1024 * 1024) + b"</w:t>")
    assert bomb.stat().st_size < 2 * 1024 * 1024
    result = run("split", bomb, "-o", tmp_path / "u.jsonl", "-q")
    assert result.exit_code == 1 and one_line_error(result, "bomb.docx", "zip bomb")


def test_terminal_escapes_in_file_names_are_not_echoed(tmp_path):
    name = "evil\x1b[31mred.txt"
    (tmp_path / name).write_bytes(b"")
    result = run("split", tmp_path / name, "-o", tmp_path / "u.jsonl", "-q")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr and "\\x1b[31m" in result.stderr


def test_temporary_files_of_a_killed_run_are_cleaned_by_the_next(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text(SHORT, encoding="utf-8")
    stale = tmp_path / ".u.jsonl.999999999.tmp"  # no such process
    stale.write_text("partial", encoding="utf-8")
    live = tmp_path / f".u.jsonl.{os.getppid()}.tmp"  # a running process's: kept
    live.write_text("in use", encoding="utf-8")
    assert run("split", report, "-o", tmp_path / "u.jsonl", "-q").exit_code == 0
    assert not stale.exists() and live.exists()


def test_a_pdf_with_quirks_does_not_leak_pypdf_log_lines(tmp_path):
    pdf = tmp_path / "broken.pdf"
    pdf.write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")
    result = run("split", pdf, "-o", tmp_path / "u.jsonl", "-q")
    assert result.exit_code == 1
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert all(line.startswith("error:") for line in lines), lines
