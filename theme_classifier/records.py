"""JSONL and CSV tables of records (units, labels, predictions), read and written safely.

CSV is chosen by the ``.csv`` extension, JSONL otherwise. In CSV a list is
``;``-separated and a dict ``{"a": 1}`` under field ``scores`` becomes a column
``scores_a``, so the file opens cleanly in a spreadsheet or pandas.
"""

import contextlib
import csv
import io
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from .errors import InputError

LIST_SEPARATOR = ";"


def is_csv(path):
    return str(path).lower().endswith(".csv")


def _flatten(record):
    flat = {}
    for key, value in record.items():
        if isinstance(value, dict):
            for sub, inner in value.items():
                flat[f"{key}_{sub}"] = inner
        elif isinstance(value, (list, tuple)):
            flat[key] = LIST_SEPARATOR.join(str(v) for v in value)
        else:
            flat[key] = value
    return flat


def _write(records, fh, csv_format):
    count = 0
    writer = None
    for record in records:
        if csv_format:
            flat = _flatten(record)
            if writer is None:
                writer = csv.DictWriter(fh, fieldnames=list(flat), extrasaction="ignore")
                writer.writeheader()
            writer.writerow(flat)
        else:
            fh.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1
    return count


def atomic_write(path, write, mode="w"):
    """Fill ``path`` atomically: ``write(fh)`` writes a temporary file that then replaces it.

    A crash or error part-way leaves any previous file intact and no partial file behind.
    Returns what ``write`` returns.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        if "b" in mode:
            with open(tmp, mode) as fh:
                result = write(fh)
        else:
            with open(tmp, mode, encoding="utf-8", newline="") as fh:
                result = write(fh)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return result


@contextlib.contextmanager
def atomic_directory(path):
    """Build a directory atomically: yields a temporary directory beside ``path`` that replaces
    ``path`` (if any) when the block ends without error; on error nothing is left behind.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{path.name}.", dir=path.parent))
    try:
        yield tmp
        tmp.chmod(0o755)  # mkdtemp makes it private; models and vectors are meant to be shared
        if path.exists():
            shutil.rmtree(path)
        tmp.rename(path)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)


def write_records(records, path=None):
    """Write dict records as JSONL (or CSV for a ``.csv`` path); ``None`` or ``-`` is stdout.

    Returns the number of records written.
    """
    if path is None or str(path) == "-":
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                               line_buffering=False, write_through=True)
        try:
            return _write(records, out, csv_format=False)
        finally:
            out.flush()
            out.detach()
    return atomic_write(path, lambda fh: _write(records, fh, is_csv(path)))


def iter_records(path):
    """Yield ``(line_number, record, problem)`` for each non-blank line of a JSONL or CSV file.

    Exactly one of ``record`` (a dict) and ``problem`` (why the line is malformed) is
    not None. In CSV, ``themes`` is split on ``;``.

    Raises
    ------
    InputError
        If the file cannot be opened or decoded as UTF-8.
    """
    path = Path(path)
    if not path.exists():
        raise InputError(path, "no such file or directory")
    if path.is_dir():
        raise InputError(path, "is a directory, expected a .jsonl or .csv file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"not UTF-8 text (byte {exc.start})") from None
    if is_csv(path):
        yield from _iter_csv(text)
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, None, f"invalid JSON ({exc.msg})"
            continue
        if not isinstance(record, dict):
            yield number, None, "not a JSON object"
            continue
        yield number, record, None


def _iter_csv(text):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            number = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield number, None, "wrong number of fields"
                continue
            record = dict(row)
            if "themes" in record:
                record["themes"] = [t.strip() for t in record["themes"].split(LIST_SEPARATOR) if t.strip()]
            yield number, record, None
    except csv.Error as exc:
        yield reader.line_num, None, f"malformed CSV ({exc})"


def read_records(path):
    """All records of a JSONL/CSV file; the first malformed line raises :class:`InputError`."""
    records = []
    for number, record, problem in iter_records(path):
        if problem:
            raise InputError(f"{path}:{number}", problem)
        records.append(record)
    return records
