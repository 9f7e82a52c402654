"""Plain-text reports are streamed: read a chunk at a time, split and labelled as they go.

Each case reads a real file with a tiny chunk size (so characters, CRLF pairs and lines are cut
between chunks) and compares it with the same bytes read whole, the way HTML and stdin still are.
"""

import json

import pytest
from click.testing import CliRunner

from conftest import ROOT, SEEDS
from theme_classifier import prediction, reading
from theme_classifier.cli import main
from theme_classifier.reading import Document, decode_bytes, normalise, parse_metadata, read_report
from theme_classifier.units import split_units

TRADITIONAL = (SEEDS / "004_368e49043dcb499b.txt").read_text(encoding="utf-8")  # with pinyin debris
SIMPLIFIED = (SEEDS / "002_088e3680e28b441a.txt").read_text(encoding="utf-8")
MARKUP = "## 一、工作回顾\n- 规上工业增加值增长**8.8%**，PM<sub>2.5</sub>下降。\n[链接](http://x)\n"

VARIANTS = {
    "traditional": TRADITIONAL.encode("utf-8"),
    "gb18030": TRADITIONAL.encode("gb18030"),
    "big5": TRADITIONAL.encode("big5", errors="ignore"),  # Big5 has no toned pinyin letters
    "gbk_crlf": SIMPLIFIED.replace("\n", "\r\n").encode("gbk"),
    "crlf": TRADITIONAL.replace("\n", "\r\n").encode("utf-8"),
    "lone_cr": SIMPLIFIED.replace("\n", "\r").encode("utf-8") + b"\r",
    "bom": b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8"),
    "utf16": TRADITIONAL.encode("utf-16"),
    "separators": "\f\v\u2028\u2029\x85\r\n".join(SIMPLIFIED.split("\n")).encode("utf-8"),
    "markup": (MARKUP + SIMPLIFIED).encode("utf-8"),
}


def read_whole(path):
    """The document as the bytes read whole give it (decode_bytes, then normalise)."""
    text, encoding = decode_bytes(path.read_bytes(), str(path))
    text = normalise(text)
    return Document(path.stem, str(path), text, *parse_metadata(path.stem, text), encoding)


def unit_dicts(document):
    return [u.to_dict() for u in split_units(document)]


@pytest.fixture
def tiny_chunks(monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_BYTES", 7)  # cuts characters and CRLF pairs
    monkeypatch.setattr(reading, "BLOCK_CHARS", 1)  # normalises line by line


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_streamed_file_gives_the_units_of_the_whole_file(tmp_path, tiny_chunks, variant):
    path = tmp_path / f"{variant}.txt"  # region and year come from the opening of the text
    path.write_bytes(VARIANTS[variant])
    streamed, whole = read_report(path), read_whole(path)
    assert (streamed.region, streamed.year, streamed.encoding) == (whole.region, whole.year, whole.encoding)
    assert list(streamed.lines()) == whole.text.split("\n")
    assert unit_dicts(streamed) == unit_dicts(whole)
    assert streamed.text == whole.text


def test_the_samples_that_decide_encoding_and_script_need_not_be_the_whole_file(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "DETECT_BYTES", 1000)  # cut inside a character, trimmed to a line
    monkeypatch.setattr(reading, "SIMPLIFY_SAMPLE_CHARS", 2000)
    for name in ("gb18030", "big5", "traditional"):
        path = tmp_path / f"{name}.txt"
        path.write_bytes(VARIANTS[name])
        assert unit_dicts(read_report(path)) == unit_dicts(read_whole(path))


@pytest.mark.parametrize("newline", [b"\r\n", b"\r"])
def test_a_line_break_at_a_chunk_edge(tmp_path, monkeypatch, newline):
    data = newline.join(["一、总体要求".encode(), "全年地区生产总值增长6%。".encode(), b""])
    monkeypatch.setattr(reading, "CHUNK_BYTES", data.index(b"\r") + 1)  # the "\r" ends the first chunk
    monkeypatch.setattr(reading, "BLOCK_CHARS", 1)
    path = tmp_path / "r.txt"
    path.write_bytes(data)
    document = read_report(path)
    assert list(document.lines()) == ["一、总体要求", "全年地区生产总值增长6%。", ""]
    assert [(u.line, u.heading) for u in split_units(document)] == [(2, "一、总体要求")]


def test_a_file_that_stops_decoding_after_its_first_chunk_is_refused_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(reading, "CHUNK_BYTES", 64)
    monkeypatch.setattr(reading, "DETECT_BYTES", 64)
    monkeypatch.setattr(prediction, "_BATCH", 2)  # units would go out before the bad byte is read
    bad_bom = tmp_path / "1bad_bom.txt"
    bad_bom.write_bytes(b"\xef\xbb\xbf" + SIMPLIFIED.encode("utf-8") + b"\xff" + SIMPLIFIED.encode("utf-8"))
    bad_gb = tmp_path / "2bad_gb.txt"  # the first chunk is plausible GB18030; byte 0xff is not
    bad_gb.write_bytes(SIMPLIFIED.encode("gb18030") + b"\xff\n" + SIMPLIFIED.encode("gb18030"))
    good = tmp_path / "3good.txt"
    good.write_bytes(VARIANTS["crlf"])
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["predict", str(tmp_path), "-o", str(out), "-q"])
    assert result.exit_code == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"error: {bad_bom}: cannot decode as utf-8-sig at byte {3 + len(SIMPLIFIED.encode())} (skipped)",
        f"error: {bad_gb}: cannot decode as gb18030 at byte {len(SIMPLIFIED.encode('gb18030'))} (skipped)",
        "2 inputs skipped because of errors"]
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert {r["report"] for r in records} == {"3good"} and len(records) == len(unit_dicts(read_report(good)))


def test_jobs_give_the_same_output_when_an_input_is_labelled_in_the_main_process(monkeypatch):
    from theme_classifier.store import load_model
    monkeypatch.setattr(prediction, "PARALLEL_MAX_BYTES", 20_000)
    inputs = sorted(SEEDS.glob("*.txt"))
    assert 0 < sum(p.stat().st_size > 20_000 for p in inputs) < len(inputs)
    model, _ = load_model(ROOT / "models" / "default")
    one = list(prediction.predict(inputs, model, jobs=1))
    two = list(prediction.predict(inputs, model, jobs=2))
    assert one == two and len({r["report"] for r in one}) == len(inputs)
