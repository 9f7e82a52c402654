"""theme_classifier/errors.py: one-line, printable, user-facing messages."""

import os

import pytest

from theme_classifier.errors import (InputError, InputNotice, ModelError, OutputError, ThemeError,
                                     readable)


@pytest.mark.parametrize("text,expected", [
    ("江苏省2020.txt", "江苏省2020.txt"),
    ("evil\x1b[31mred.txt", "evil\\x1b[31mred.txt"),  # a terminal escape is shown, not obeyed
    ("two\nlines\r", "two\\x0alines\\x0d"),  # stays one line
    ("tab\there", "tab\\x09here"),
    ("del\x7f c1\x9b", "del\\x7f c1\\x9b"),  # DEL and the C1 range (0x9b is a one-byte CSI)
    ("nul\x00", "nul\\x00"),
    ("“引号” é ½", "“引号” é ½"),  # printable non-ASCII is kept
])
def test_readable_escapes_control_characters(text, expected):
    assert readable(text) == expected


def test_readable_decodes_a_gbk_file_name():
    name = os.fsdecode("江苏省2020年政府工作报告.txt".encode("gb18030"))  # unzipped from a Windows archive
    assert name != "江苏省2020年政府工作报告.txt"
    assert readable(name) == "江苏省2020年政府工作报告.txt"


def test_readable_keeps_the_utf8_folder_of_a_gbk_file_name():
    path = "/data/政府工作报告/" + os.fsdecode("江苏省2020.txt".encode("gb18030"))
    assert readable(path) == "/data/政府工作报告/江苏省2020.txt"


def test_readable_escapes_bytes_that_are_neither_utf8_nor_gb18030():
    name = os.fsdecode(b"r\xff\xfe.txt")
    result = readable(name)
    assert result == "r\\xff\\xfe.txt"
    result.encode("utf-8")  # printable and encodable


def test_readable_never_raises_on_a_lone_surrogate():
    result = readable("key\ud800")
    result.encode("utf-8")
    str(InputError("u.jsonl:1", "text \ud800"))


@pytest.mark.parametrize("cls", [InputError, InputNotice, ModelError, OutputError])
def test_errors_read_file_colon_problem(cls):
    error = cls("labels/批次1.jsonl:3", "invalid JSON (Expecting value)")
    assert str(error) == "labels/批次1.jsonl:3: invalid JSON (Expecting value)"
    assert error.source == "labels/批次1.jsonl:3" and error.problem == "invalid JSON (Expecting value)"
    assert isinstance(error, ThemeError) and isinstance(error, Exception)


def test_errors_accept_paths_and_make_source_and_problem_readable():
    from pathlib import Path
    error = OutputError(Path("out") / "bad\x1bname", "cannot write\n(Permission denied)")
    assert str(error) == "out/bad\\x1bname: cannot write\\x0a(Permission denied)"
    assert "\n" not in str(error) and "\x1b" not in str(error)
    assert error.source == "out/bad\\x1bname"
    assert error.problem == "cannot write\n(Permission denied)"  # kept as given; only str() is escaped
    gbk = ModelError(os.fsdecode("模型".encode("gb18030")), "no such model directory")
    assert str(gbk) == "模型: no such model directory"


def test_a_notice_is_an_input_error_that_lost_nothing():
    notice = InputNotice("in/loop", "symbolic link to a directory already read")
    assert isinstance(notice, InputError)
    assert notice.lost is False and InputError("x", "y").lost is True
    with pytest.raises(InputError):
        raise notice

