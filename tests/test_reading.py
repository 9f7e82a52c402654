import json

import pytest

from theme_classifier.errors import InputError
from theme_classifier.reading import (
    decode_bytes, fold_width, html_to_text, normalise, normalise_newlines, parse_metadata,
    read_report, read_reports, remove_pinyin, strip_markup, to_simplified)

TEXT = "各位代表：\n现在，我代表市人民政府向大会作工作报告，请予审议。\n一、2023年工作回顾\n全年地区生产总值增长6%。"


# ------------------------------------------------------------- decoding

@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "gbk"])
def test_decode_detects_simplified_encodings(encoding):
    text, used = decode_bytes(TEXT.encode(encoding))
    assert text == TEXT
    assert used.replace("_", "-") in {encoding, "gb18030", "utf-8-sig"}


def test_decode_detects_big5():
    traditional = "現在，我代表市人民政府向大會作工作報告，請予審議。全年地區生產總值增長百分之六。"
    text, used = decode_bytes(traditional.encode("big5"))
    assert text == traditional
    assert used == "big5"


@pytest.mark.parametrize("data,problem", [
    (b"", "empty file"),
    (b"  \r\n\n ", "empty file"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    (bytes(range(1, 32)) * 50, "binary file"),
])
def test_decode_rejects_empty_and_binary(data, problem):
    with pytest.raises(InputError, match=problem):
        decode_bytes(data, "x.txt")


# -------------------------------------------------------- normalisation

def test_normalise_newlines():
    assert normalise_newlines("a\r\nb\rc\nd") == "a\nb\nc\nd"


def test_remove_pinyin_drops_annotations_only():
    assert remove_pinyin("現(xiàn)在，報(bào)告") == "現在，報告"
    assert remove_pinyin("质（zhì）量") == "质量"
    # real parenthesised text survives
    kept = "(一)扎实推进(2024年)工作，GDP(国内生产总值)(GDP)增长(e)"
    assert remove_pinyin(kept) == kept


def test_remove_pinyin_where_a_garbled_character_ate_the_bracket():
    assert remove_pinyin("燃?xì)安全") == "燃安全"


def test_to_simplified_converts_traditional_reports():
    assert to_simplified("現在，我代表市人民政府向大會作工作報告") == "现在，我代表市人民政府向大会作工作报告"


def test_to_simplified_leaves_simplified_text_alone():
    # OpenCC t2s alone would turn 覆盖 into 复盖
    text = "实现5G网络全覆盖，" + "推动经济高质量发展。" * 40
    assert to_simplified(text) == text


def test_fold_width():
    assert fold_width("ＰＭ２．５，增长１２％　全年") == "PM2．5，增长12％ 全年"


def test_fold_width_is_its_table_on_every_character():
    from theme_classifier.reading import _WIDTH_TABLE
    every = "".join(map(chr, range(0xD800))) + "".join(map(chr, range(0xE000, 0x10000)))
    assert fold_width(every) == every.translate(_WIDTH_TABLE)


def test_strip_markup_keeps_structure():
    text = "## 一、工作回顾\n- 规上工业增加值增长**8.8%**，PM<sub>2.5</sub>下降。\n[链接](http://x)"
    assert strip_markup(text) == "## 一、工作回顾\n- 规上工业增加值增长8.8%，PM2.5下降。\n链接"


def test_normalisation_keeps_every_line_break():
    # A "tag" across lines is not removed: line numbers stay those of the file, and a
    # streamed report, normalised a few lines at a time, gives the same text.
    text = "全年<span\nclass='x'>增长</span>6%。\r\n**重点**\u2028工作<br\n/>"
    assert normalise(text).count("\n") == normalise_newlines(text).count("\n") == 4


def test_html_visible_text_only():
    html = ("<html><head><title>t</title><style>p{}</style></head><body>"
            "<script>var x='隐藏';</script><h2>一、工作回顾</h2><p>全年增长6%。</p>"
            "<ul><li>新增就业2万人</li></ul></body></html>")
    text = html_to_text(html)
    assert "隐藏" not in text and "p{}" not in text
    assert text.splitlines() == ["## 一、工作回顾", "全年增长6%。", "- 新增就业2万人"]


# -------------------------------------------------------------- metadata

@pytest.mark.parametrize("name,text,expected", [
    ("江苏省2020", "", ("江苏省", 2020)),
    ("国务院1954", "", ("国务院", 1954)),
    ("内蒙古自治区2006", "", ("内蒙古自治区", 2006)),
    ("report", "人民政府门户网站\n2024年《政府工作报告》(摘登)\n——2024年1月9日在东台市第十七届人民代表大会第三次会议上",
     ("东台市", 2024)),
    ("notes", "没有年份的文本。", (None, None)),
])
def test_parse_metadata(name, text, expected):
    assert parse_metadata(name, text) == expected


# ----------------------------------------------------------------- files

def test_read_report_of_each_encoding(tmp_path):
    (tmp_path / "a.txt").write_bytes(TEXT.replace("\n", "\r\n").encode("gbk"))
    (tmp_path / "b.txt").write_bytes(b"\xef\xbb\xbf" + TEXT.encode("utf-8"))
    docs = list(read_reports([tmp_path]))
    assert [d.id for d in docs] == ["a", "b"]
    assert docs[0].text == docs[1].text == TEXT
    assert docs[0].encoding == "gb18030"


def test_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(InputError) as err:
        read_report(tmp_path / "nothere.txt")
    assert "nothere.txt" in str(err.value) and "no such file" in str(err.value)


def test_directory_with_one_bad_file_keeps_the_good_ones(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "1good.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "2bad.txt").write_bytes(b"\x00\x01\x02binary\x00" * 10)
    (tmp_path / "3empty.md").write_text("", encoding="utf-8")
    (tmp_path / "sub" / "4good.md").write_text(TEXT, encoding="utf-8")
    (tmp_path / "ignored.png").write_bytes(b"\x89PNG")
    errors = []
    docs = list(read_reports([tmp_path], on_error=errors.append))
    assert [d.id for d in docs] == ["1good", "4good"]
    assert sorted(e.source.rsplit("/", 1)[-1] for e in errors) == ["2bad.txt", "3empty.md"]


def test_a_directory_readme_is_not_a_report_but_a_named_one_is(tmp_path):
    (tmp_path / "江苏省2020.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "README.md").write_text("# About this collection\n\nSources and licences.\n", encoding="utf-8")
    assert [d.id for d in read_reports([tmp_path])] == ["江苏省2020"]
    assert [d.id for d in read_reports([tmp_path / "README.md"])] == ["README"]


def test_undecodable_file(tmp_path):
    path = tmp_path / "latin.txt"
    path.write_bytes(bytes(range(0x80, 0x100)) * 20)
    with pytest.raises(InputError, match="latin.txt"):
        read_report(path)


def test_docx_paragraphs_and_headings(tmp_path):
    import docx
    document = docx.Document()
    document.add_heading("一、2023年工作回顾", level=1)
    document.add_paragraph("全年地区生产总值增长6%。")
    document.add_paragraph("")
    document.add_paragraph("新增城镇就业2万人。")
    path = tmp_path / "report.docx"
    document.save(path)
    assert read_report(path).text.splitlines() == ["# 一、2023年工作回顾", "全年地区生产总值增长6%。", "新增城镇就业2万人。"]


def _minimal_pdf(lines):
    """A real one-page PDF with Helvetica text lines, built by hand (no PDF writer needed)."""
    stream = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(f"({line}) Tj T*" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = "%PDF-1.4\n", []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n{body}\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n"
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n"
    return out.encode("latin-1")


def test_pdf_text_is_read(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(_minimal_pdf(["GDP grew by six percent in the", "whole year.", "Jobs: 20000."]))
    assert read_report(path).text.splitlines() == ["GDP grew by six percent in the whole year.", "Jobs: 20000."]


def test_corrupt_pdf_and_docx_give_clear_errors(tmp_path):
    for name in ("broken.pdf", "broken.docx"):
        path = tmp_path / name
        path.write_bytes(b"this is not really a " + name.encode())
        with pytest.raises(InputError, match=name.replace(".", r"\.")):
            read_report(path)


def test_a_named_pipe_is_read_once_not_streamed(tmp_path):
    import os
    import threading
    fifo = tmp_path / "r.txt"
    os.mkfifo(fifo)
    documents = []
    # Were it streamed, the reader would wait forever for a second writer: it runs apart.
    reader = threading.Thread(target=lambda: documents.append(read_report(fifo)), daemon=True)
    reader.start()
    fifo.write_bytes(TEXT.encode("gbk"))
    reader.join(timeout=10)
    assert documents and documents[0].text == TEXT and list(documents[0].lines()) == TEXT.split("\n")


def test_stdin(cli):
    result = cli("split", "-", stdin=TEXT.encode("gbk"))
    assert result.returncode == 0, result.stderr
    units = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [u["report"] for u in units] == ["stdin"] * 3
