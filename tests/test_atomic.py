"""theme_classifier/atomic.py: outputs swapped in by renames, never half-written, never over an input
or a folder that is not ours. Real files and folders in tmp_path; no mocks.

(The CLI-level cases — FIFOs, devices, symlinked outputs, `-o .` — are in test_bad_input.py.)
"""

import json
import os
import stat

import pytest

from theme_classifier.atomic import (atomic_directory, atomic_write, check_replaceable, has_meta,
                                     refuse_input_as_output)
from theme_classifier.errors import OutputError

DEAD_PID = 999_999_999  # above any pid_max: no such process


def names(folder):
    return sorted(p.name for p in folder.iterdir())


def ours(path):
    return has_meta(path, {"test-folder"})


def write_ours(folder, content="old"):
    folder.mkdir()
    (folder / "meta.json").write_text(json.dumps({"format": "test-folder"}), encoding="utf-8")
    (folder / "data.txt").write_text(content, encoding="utf-8")


class Boom(Exception):
    pass


# ------------------------------------------------------------------ atomic_write

def test_atomic_write_returns_what_write_returns_and_creates_missing_folders(tmp_path):
    target = tmp_path / "a" / "b" / "out.txt"
    assert atomic_write(target, lambda fh: fh.write("江苏省\n")) == 4
    assert target.read_bytes() == "江苏省\n".encode("utf-8")
    assert names(target.parent) == ["out.txt"]


def test_atomic_write_keeps_newlines_as_given_and_writes_bytes_in_binary_mode(tmp_path):
    text = tmp_path / "t.csv"
    atomic_write(text, lambda fh: fh.write("a\r\nb\n"))
    assert text.read_bytes() == b"a\r\nb\n"  # newline="" : no translation
    binary = tmp_path / "b.bin"
    atomic_write(binary, lambda fh: fh.write(b"\x00\xff"), mode="wb")
    assert binary.read_bytes() == b"\x00\xff"


def test_an_error_inside_atomic_write_leaves_the_old_file_and_no_temporary(tmp_path):
    target = tmp_path / "out.jsonl"
    target.write_text("precious\n", encoding="utf-8")

    def half_then_fail(fh):
        fh.write("partial")
        fh.flush()
        assert (tmp_path / f".out.jsonl.{os.getpid()}.tmp").exists()  # written beside the target
        raise Boom

    with pytest.raises(Boom):
        atomic_write(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "precious\n"
    assert names(tmp_path) == ["out.jsonl"]


def test_an_error_inside_atomic_write_of_a_new_file_leaves_nothing(tmp_path):
    def fail(fh):
        fh.write("x")
        raise Boom

    with pytest.raises(Boom):
        atomic_write(tmp_path / "new.txt", fail)
    assert names(tmp_path) == []


def test_atomic_write_keeps_the_permissions_of_the_file_it_replaces(tmp_path):
    target = tmp_path / "private.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o640)
    inode = target.stat().st_ino
    atomic_write(target, lambda fh: fh.write("new"))
    assert target.read_text(encoding="utf-8") == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert target.stat().st_ino != inode  # replaced by a rename, not rewritten in place


def test_atomic_write_through_a_link_to_another_folder_writes_there(tmp_path):
    (tmp_path / "data").mkdir()
    (tmp_path / "links").mkdir()
    real = tmp_path / "data" / "real.txt"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "links" / "link.txt"
    link.symlink_to(os.path.relpath(real, link.parent))
    atomic_write(link, lambda fh: fh.write("new"))
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"
    assert names(tmp_path / "data") == ["real.txt"] and names(tmp_path / "links") == ["link.txt"]


def test_atomic_write_writes_through_a_device(tmp_path):
    assert atomic_write(os.devnull, lambda fh: fh.write("gone")) == 4
    assert stat.S_ISCHR(os.lstat(os.devnull).st_mode)


def test_atomic_write_refuses_a_directory_and_a_folder_that_is_a_file(tmp_path):
    (tmp_path / "adir").mkdir()
    with pytest.raises(OutputError, match="is a directory; give a file name") as caught:
        atomic_write(tmp_path / "adir", lambda fh: fh.write("x"))
    assert str(caught.value).startswith(str(tmp_path / "adir") + ": ")
    (tmp_path / "afile").write_text("mine", encoding="utf-8")
    with pytest.raises(OutputError, match="cannot"):
        atomic_write(tmp_path / "afile" / "out.txt", lambda fh: fh.write("x"))
    assert (tmp_path / "afile").read_text(encoding="utf-8") == "mine"


def test_stale_temporaries_of_dead_processes_are_cleaned_and_others_kept(tmp_path):
    stale = tmp_path / f".out.txt.{DEAD_PID}.tmp"
    stale.write_text("partial", encoding="utf-8")
    stale_dir = tmp_path / f".out.txt.{DEAD_PID}.ab12cd34.tmp"  # a folder's temporary, with its contents
    stale_dir.mkdir()
    (stale_dir / "x").write_text("x", encoding="utf-8")
    live = tmp_path / f".out.txt.{os.getppid()}.tmp"  # a running process's
    live.write_text("in use", encoding="utf-8")
    other_name = tmp_path / f".other.txt.{DEAD_PID}.tmp"  # another output's: not ours to clean now
    other_name.write_text("x", encoding="utf-8")
    not_a_pid = tmp_path / ".out.txt.backup.tmp"
    not_a_pid.write_text("x", encoding="utf-8")
    atomic_write(tmp_path / "out.txt", lambda fh: fh.write("done"))
    assert not stale.exists() and not stale_dir.exists()
    assert live.exists() and other_name.exists() and not_a_pid.exists()
    assert (tmp_path / "out.txt").read_text(encoding="utf-8") == "done"


# ------------------------------------------------------------------ atomic_directory

def test_atomic_directory_builds_a_new_folder(tmp_path):
    target = tmp_path / "nested" / "model"
    with atomic_directory(target, ours, "test folder") as tmp:
        assert tmp.parent == target.parent and tmp.name.startswith(".model.") and tmp.name.endswith(".tmp")
        assert not target.exists()  # nothing in place until the block ends
        (tmp / "meta.json").write_text("{}", encoding="utf-8")
    assert names(target) == ["meta.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert names(target.parent) == ["model"]


def test_atomic_directory_replaces_a_folder_of_ours_and_leaves_no_old_copy(tmp_path):
    target = tmp_path / "model"
    write_ours(target, "old")
    (target / "only-in-old.txt").write_text("x", encoding="utf-8")
    with atomic_directory(target, ours, "test folder") as tmp:
        (tmp / "meta.json").write_text(json.dumps({"format": "test-folder"}), encoding="utf-8")
        (tmp / "data.txt").write_text("new", encoding="utf-8")
    assert names(target) == ["data.txt", "meta.json"]
    assert (target / "data.txt").read_text(encoding="utf-8") == "new"
    assert names(tmp_path) == ["model"]


def test_an_error_inside_atomic_directory_keeps_the_old_folder_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "model"
    write_ours(target, "old")
    with pytest.raises(Boom):
        with atomic_directory(target, ours, "test folder") as tmp:
            (tmp / "data.txt").write_text("half", encoding="utf-8")
            raise Boom
    assert (target / "data.txt").read_text(encoding="utf-8") == "old"
    assert names(tmp_path) == ["model"]


@pytest.mark.parametrize("make", ["non-empty folder", "file", "link to our folder"])
def test_atomic_directory_refuses_what_is_not_ours_before_the_block_runs(tmp_path, make):
    target = tmp_path / "target"
    if make == "non-empty folder":
        target.mkdir()
        (target / "thesis.txt").write_text("draft", encoding="utf-8")
        message = "not empty and not a test folder of ours"
    elif make == "file":
        target.write_text("draft", encoding="utf-8")
        message = "exists and is not a folder"
    else:
        write_ours(tmp_path / "real")
        target.symlink_to(tmp_path / "real")
        message = "exists and is not a folder"
    before = sorted(str(p) for p in tmp_path.rglob("*"))
    ran = []
    with pytest.raises(OutputError, match=message) as caught:
        with atomic_directory(target, ours, "test folder"):
            ran.append(True)
    assert not ran and str(caught.value).startswith(f"{target}: ")
    assert sorted(str(p) for p in tmp_path.rglob("*")) == before


def test_atomic_directory_takes_an_empty_folder_that_is_not_ours(tmp_path):
    target = tmp_path / "empty"
    target.mkdir()
    with atomic_directory(target, lambda path: False, "test folder") as tmp:
        (tmp / "a.txt").write_text("a", encoding="utf-8")
    assert names(target) == ["a.txt"]


def test_atomic_directory_cleans_stale_folders_of_dead_processes(tmp_path):
    stale = tmp_path / f".model.{DEAD_PID}.0badf00d.tmp"
    stale.mkdir()
    (stale / "coef.npz").write_bytes(b"half")
    old_aside = tmp_path / f".model.{DEAD_PID}.0badf00d.old.tmp"  # an old model renamed aside, then killed
    old_aside.mkdir()
    with atomic_directory(tmp_path / "model", ours, "test folder") as tmp:
        (tmp / "x").write_text("x", encoding="utf-8")
    assert names(tmp_path) == ["model"]


def test_check_replaceable(tmp_path):
    check_replaceable(tmp_path / "absent", ours, "model")
    (tmp_path / "empty").mkdir()
    check_replaceable(tmp_path / "empty", ours, "model")
    write_ours(tmp_path / "mine")
    check_replaceable(tmp_path / "mine", ours, "model")
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "notes.md").write_text("keep", encoding="utf-8")
    with pytest.raises(OutputError, match="refusing to replace it"):
        check_replaceable(tmp_path / "theirs", ours, "model")
    (tmp_path / "link").symlink_to(tmp_path / "empty")
    with pytest.raises(OutputError, match="not a folder"):
        check_replaceable(tmp_path / "link", ours, "model")


# ------------------------------------------------------------------ has_meta

@pytest.mark.parametrize("content,expected", [
    (json.dumps({"format": "test-folder", "format_version": 1}), True),
    (json.dumps({"format": "something-else"}), False),
    (json.dumps({"no_format": 1}), False),
    (json.dumps(["test-folder"]), False),
    ("{not json", False),
    (b"\xff\xfe\x00", False),
    (None, False),
])
def test_has_meta(tmp_path, content, expected):
    folder = tmp_path / "f"
    folder.mkdir()
    if isinstance(content, bytes):
        (folder / "meta.json").write_bytes(content)
    elif content is not None:
        (folder / "meta.json").write_text(content, encoding="utf-8")
    assert has_meta(folder, {"test-folder", "other"}) is expected


def test_has_meta_of_a_missing_folder_or_a_file_is_false(tmp_path):
    (tmp_path / "file").write_text("{}", encoding="utf-8")
    assert has_meta(tmp_path / "absent", {"x"}) is False
    assert has_meta(tmp_path / "file", {"x"}) is False


# ------------------------------------------------------------------ refuse_input_as_output

def test_refuse_input_as_output(tmp_path):
    report = tmp_path / "r.txt"
    report.write_text("text", encoding="utf-8")
    other = tmp_path / "other.txt"
    other.write_text("text", encoding="utf-8")
    with pytest.raises(OutputError, match="is also an input") as caught:
        refuse_input_as_output(report, [other, report])
    assert str(caught.value).startswith(f"{report}: ")
    refuse_input_as_output(other, [report])  # a different file, same content: fine
    refuse_input_as_output(tmp_path / "new.jsonl", [report])  # not there yet
    refuse_input_as_output(None, [report])
    refuse_input_as_output("-", ["-", report])  # stdout
    refuse_input_as_output(other, ["-", tmp_path / "missing.txt", report])  # unreadable inputs are passed over
    assert report.read_text(encoding="utf-8") == "text"


@pytest.mark.parametrize("alias", ["symlink to the input", "hard link to the input", "relative path"])
def test_refuse_input_as_output_sees_through_other_names_of_the_same_file(tmp_path, alias, monkeypatch):
    report = tmp_path / "r.txt"
    report.write_text("text", encoding="utf-8")
    output = tmp_path / "out.jsonl"
    if alias == "symlink to the input":
        output.symlink_to(report)
    elif alias == "hard link to the input":
        os.link(report, output)
    else:
        monkeypatch.chdir(tmp_path)
        output = "./sub/../r.txt"
        (tmp_path / "sub").mkdir()
    with pytest.raises(OutputError, match="is also an input"):
        refuse_input_as_output(output, [report])
    # ...and the other way round: an input given as a link to the output
    if alias == "symlink to the input":
        with pytest.raises(OutputError, match="is also an input"):
            refuse_input_as_output(report, [output])
