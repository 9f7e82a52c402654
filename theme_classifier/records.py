"""JSONL and CSV tables of records (units, labels, predictions), read and written safely.

CSV is chosen by the ``.csv`` extension, JSONL otherwise. In CSV a list is
``;``-separated and a dict ``{"a": 1}`` under field ``scores`` becomes a column
``scores_a``, so the file opens cleanly in a spreadsheet or pandas.
"""

import csv
import io
import json
import sys
from pathlib import Path

from .atomic import atomic_write
from .errors import InputError

LIST_SEPARATOR = ";"
#: A CSV cell starting with one of these is a formula to a spreadsheet (OWASP "CSV injection");
#: it is written with a leading apostrophe, which reading removes again.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(value):
    # A text that already looks neutralised ('=x) gets a quote too, so reading gives it back whole.
    if isinstance(value, str) and (value.startswith(_FORMULA_START)
                                   or (value.startswith("'") and value[1:].startswith(_FORMULA_START))):
        return "'" + value
    return value


def _uncell(value):
    if isinstance(value, str) and value.startswith("'") and (
            value[1:].startswith(_FORMULA_START)
            or (value[1:].startswith("'") and value[2:].startswith(_FORMULA_START))):
        return value[1:]
    return value


def is_csv(path):
    """Whether records at ``path`` are CSV (by extension; anything else is JSONL)."""
    return str(path).lower().endswith(".csv")


def csv_columns(fields):
    """CSV header of a schema: a field name, or ``(name, keys)`` for a dict flattened to ``name_key``."""
    columns = []
    for field in fields:
        if isinstance(field, tuple):
            name, keys = field
            columns.extend(f"{name}_{key}" for key in keys)
        else:
            columns.append(field)
    return columns


def _flatten(record, fields):
    flat = {}
    for field in fields:
        if isinstance(field, tuple):
            name, keys = field
            values = record.get(name) or {}
            flat.update((f"{name}_{key}", values.get(key, "")) for key in keys)
            continue
        value = record.get(field)
        if isinstance(value, (list, tuple)):
            value = LIST_SEPARATOR.join(str(v) for v in value)
        flat[field] = "" if value is None else _cell(value)
    return flat


#: ``json.dumps(record, ensure_ascii=False)`` without building an encoder for every record.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def _write(records, fh, fields, csv_format):
    """Write records as JSONL, or as CSV with the explicit schema ``fields`` (never the first
    record's keys: records of one kind may lack optional fields). JSONL keeps the schema's fields."""
    count = 0
    if fields is None or not csv_format:
        names = None if fields is None else [f[0] if isinstance(f, tuple) else f for f in fields]
        for record in records:
            if names is not None:  # the schema's fields, in its order; absent optional ones stay absent
                record = {name: record[name] for name in names if name in record}
            fh.write(_encode(record) + "\n")
            count += 1
        return count
    writer = csv.writer(fh)
    writer.writerow(csv_columns(fields))
    for record in records:
        writer.writerow(_flatten(record, fields).values())
        count += 1
    return count


def write_records(records, path=None, fields=None):
    """Write dict records as JSONL, or as CSV for a ``.csv`` path; ``None`` or ``-`` is stdout.

    Parameters
    ----------
    records : iterable of dict
    path : str or Path, optional
    fields : sequence, optional
        The record kind's schema (required for CSV): field names, and ``(name, keys)`` for a
        dict field written as columns ``name_key``. CSV is UTF-8 with a BOM, so Excel opens it.

    Returns
    -------
    int
        The number of records written.
    """
    if path is None or str(path) == "-":
        out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="",
                               line_buffering=False, write_through=True)
        try:
            return _write(records, out, fields, False)
        finally:
            out.flush()
            out.detach()
    if is_csv(path):
        if fields is None:
            raise ValueError("writing CSV needs the record kind's fields")

        def write_csv(fh):
            fh.write("\ufeff")
            return _write(records, fh, fields, True)
        return atomic_write(path, write_csv)
    return atomic_write(path, lambda fh: _write(records, fh, fields, False))


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
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        # Excel on a Chinese Windows saves "CSV" in the ANSI code page, GB18030 (GBK).
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise InputError(path, f"not UTF-8 (or GB18030) text at byte {exc.start}; "
                                   "save it as UTF-8") from None
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
        if _has_lone_surrogate(record):
            yield number, None, "a text holds a lone surrogate escape (\\ud800-\\udfff), not a character"
            continue
        yield number, record, None


def _has_lone_surrogate(value):
    """Whether a decoded JSON value holds a string that is not valid Unicode (``"\ud800"``)."""
    if isinstance(value, str):
        return not value.isascii() and any("\ud800" <= c <= "\udfff" for c in value)
    if isinstance(value, dict):
        return any(_has_lone_surrogate(k) or _has_lone_surrogate(v) for k, v in value.items())
    if isinstance(value, list):
        return any(map(_has_lone_surrogate, value))
    return False


def _iter_csv(text):
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            number = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield number, None, "wrong number of fields"
                continue
            record = {key: _uncell(value) for key, value in row.items()}
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


def read_settings(path, what):
    """A JSON or TOML (by suffix) settings file as parsed data; an :class:`InputError` naming
    the file says what is wrong (``what`` names the kind of file, e.g. "config")."""
    import tomllib
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
        return tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (OSError, UnicodeDecodeError, ValueError) as exc:  # TOMLDecodeError and JSONDecodeError too
        raise InputError(path, f"invalid {what} ({exc})") from None
