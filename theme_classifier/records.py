"""JSONL and CSV tables of records (units, labels, predictions), read and written safely.

CSV is chosen by the ``.csv`` extension, JSONL otherwise. In CSV a list is
``;``-separated and a dict ``{"a": 1}`` under field ``scores`` becomes a column
``scores_a``, so the file opens cleanly in a spreadsheet or pandas.

:func:`write_table` also writes Stata ``.dta``, ``.parquet`` and Excel ``.xlsx`` tables (the
``export`` extra: pandas, pyarrow, openpyxl, imported only then), with a type per column.
"""

import csv
import io
import json
import numbers
import re
import sys
import warnings
from pathlib import Path

from .atomic import atomic_write
from .errors import InputError, OutputError

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


def dict_field(record, name, keys):
    """A dict field of a record read back: the field itself (JSONL), or the ``name_key`` columns
    that :func:`write_records` flattened it into (CSV); a missing key gives None."""
    value = record.get(name)
    return value if isinstance(value, dict) else {key: record.get(f"{name}_{key}") for key in keys}


def flat_values(record, fields, join_lists=True):
    """``(column, value)`` of a record in the columns of a schema (:func:`csv_columns`): a dict
    field's keys as ``name_key`` columns, a list ``;``-joined (unless ``join_lists`` is False);
    an absent field or key is None."""
    for field in fields:
        if isinstance(field, tuple):
            name, keys = field
            values = record.get(name) or {}
            for key in keys:
                yield f"{name}_{key}", values.get(key)
            continue
        value = record.get(field)
        if join_lists and isinstance(value, (list, tuple)):
            value = LIST_SEPARATOR.join(str(v) for v in value)
        yield field, value


def _flatten(record, fields):
    return {column: "" if value is None else _cell(value) for column, value in flat_values(record, fields)}


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


# ------------------------------------------------------------ Stata, Parquet, Excel

#: What each pandas-written format needs besides pandas, by extension.
_FRAME_FORMATS = {".dta": (), ".parquet": ("pyarrow",), ".xlsx": ("openpyxl",)}
#: Every extension :func:`write_table` writes.
TABLE_EXTENSIONS = (".csv", ".jsonl") + tuple(_FRAME_FORMATS)
#: A Stata variable name: at most 32 ASCII letters, digits and ``_``, not starting with a digit.
_STATA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_EXCEL_MAX_ROWS = 1_048_576


def _missing(value):
    # "" is how our records spell an unknown year; NaN is a missing float.
    return value is None or (isinstance(value, str) and not value) or (isinstance(value, float) and value != value)


def _kind(values):
    """The type of a column from its values that are not missing: int, float, bool, str, or
    object for lists and dicts; None if every value is missing."""
    kinds = set()
    for value in values:
        if _missing(value):
            continue
        if isinstance(value, bool):
            kinds.add(bool)
        elif isinstance(value, numbers.Integral):
            kinds.add(int)
        elif isinstance(value, numbers.Real):
            kinds.add(float)
        elif isinstance(value, (list, tuple, dict)):
            kinds.add(object)
        else:
            kinds.add(str)
    if len(kinds) <= 1:
        return next(iter(kinds), None)
    return float if kinds == {int, float} else object if object in kinds else str


def _column(pd, values, kind):
    if kind is int:
        return pd.array([None if _missing(v) else int(v) for v in values], dtype="Int64")
    if kind is float:
        return pd.array([float("nan") if _missing(v) else float(v) for v in values], dtype="float64")
    if kind is bool:
        return pd.array([None if _missing(v) else bool(v) for v in values], dtype="boolean")
    if kind is object:
        return pd.Series(values, dtype=object)
    return pd.Series([None if v is None else str(v) for v in values], dtype=object)


def table_frame(rows, fields, join_lists=True, types=None):
    """A pandas DataFrame of records in the columns of a schema, one type per column.

    Parameters
    ----------
    rows : iterable of dict
    fields : sequence
        The schema, as for :func:`write_records`: a dict field ``(name, keys)`` becomes columns
        ``name_key``.
    join_lists : bool
        Join lists with ``;`` as in CSV; False keeps them as lists (an object column).
    types : dict, optional
        Column → ``int``, ``float`` or ``str``, for a column whose values cannot tell (one that
        is missing in every row); otherwise the type comes from the values.

    Returns
    -------
    pandas.DataFrame
        Whole numbers (missing ones too) as ``Int64``, any float makes a ``float64`` column,
        booleans as ``boolean``, anything else as text. ``None``, ``""`` and NaN are missing in
        a numeric column; a column with no values at all is text.
    """
    import pandas as pd
    columns = csv_columns(fields)
    data = {column: [] for column in columns}
    for row in rows:
        for column, value in flat_values(row, fields, join_lists):
            data[column].append(value)
    types = types or {}
    return pd.DataFrame({c: _column(pd, v, types.get(c) or _kind(v) or str) for c, v in data.items()},
                        columns=columns)


def _stata(frame, fh, path):
    bad = [c for c in frame.columns if not _STATA_NAME.fullmatch(c)]
    if bad:
        raise OutputError(path, f"Stata cannot take the column name(s) {', '.join(bad)} (at most 32 letters, "
                                "digits and _); write .csv or .parquet")
    frame = frame.copy()
    for column in frame.columns:
        if frame[column].dtype == "boolean":
            frame[column] = frame[column].astype("Int8")  # Stata has no boolean type
        elif frame[column].dtype == object:
            frame[column] = frame[column].fillna("")  # Stata's missing text is ""
    from pandas.io.stata import InvalidColumnName
    with warnings.catch_warnings():
        # pandas would rename a reserved word (``int``) silently; a renamed column is a lost column.
        warnings.simplefilter("error", InvalidColumnName)
        try:
            frame.to_stata(fh, version=118, write_index=False)
        except InvalidColumnName as exc:
            raise OutputError(path, "Stata cannot take a column name: "
                                    + " ".join(str(exc).split())) from None


def _parquet(frame, fh, path):
    frame.to_parquet(fh, engine="pyarrow", index=False)


def _excel(frame, fh, path):
    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    if len(frame) >= _EXCEL_MAX_ROWS:
        raise OutputError(path, f"{len(frame)} rows do not fit in an Excel sheet (at most "
                                f"{_EXCEL_MAX_ROWS - 1} and a header); write .csv or .parquet")
    text = [c for c in frame.columns if frame[c].dtype == object]
    frame = frame.copy()
    for column in text:  # control characters cannot be stored in .xlsx; they become U+FFFD
        frame[column] = frame[column].map(lambda v: ILLEGAL_CHARACTERS_RE.sub("\ufffd", v) if isinstance(v, str) else v)
    with pd.ExcelWriter(fh, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name="table")
        sheet = writer.sheets["table"]
        for j in (frame.columns.get_loc(c) + 1 for c in text):
            for (cell,) in sheet.iter_rows(min_row=2, min_col=j, max_col=j):
                if cell.data_type == "f":  # text starting with "=" is kept as text, never a formula
                    cell.data_type = "s"


_WRITERS = {".dta": _stata, ".parquet": _parquet, ".xlsx": _excel}


def _check_installed(path, suffix):
    needs = ("pandas",) + _FRAME_FORMATS[suffix]
    try:
        for module in needs:
            __import__(module)
    except ImportError:
        raise OutputError(path, f"writing {suffix} needs {' and '.join(needs)}: "
                                "pip install 'theme_classifier[export]'") from None


def check_table_path(path):
    """The extension of ``path`` if :func:`write_table` can write it here; else an
    :class:`~theme_classifier.errors.OutputError` saying why (checked before any work)."""
    suffix = Path(path).suffix.lower()
    if suffix in (".csv", ".jsonl"):
        return suffix
    if suffix not in _WRITERS:
        raise OutputError(path, f"cannot write a table as {suffix or 'a file without an extension'}; "
                                f"give one of {', '.join(TABLE_EXTENSIONS)}")
    _check_installed(path, suffix)
    return suffix


def write_table(rows, path, fields, types=None):
    """Write a table of records in the format the extension of ``path`` names.

    Parameters
    ----------
    rows : iterable of dict
    path : str or Path
        ``.csv`` (UTF-8 with a BOM, formula cells neutralised) or ``.jsonl``, as
        :func:`write_records`; ``.dta`` (Stata 14 or later: format 118, so Chinese text
        survives), ``.parquet`` or ``.xlsx`` (text that looks like a formula stays text), through
        pandas (:func:`table_frame` gives the column types). Written atomically.
    fields : sequence
        The schema: field names, and ``(name, keys)`` for a dict field written as columns
        ``name_key``.
    types : dict, optional
        Column → ``int``, ``float`` or ``str`` where the values cannot tell (see
        :func:`table_frame`); not used for CSV and JSONL.

    Returns
    -------
    int
        The number of rows written.

    Raises
    ------
    OutputError
        For any other extension (nothing is written under a name that does not say its format),
        when pandas or the format's writer is not installed, for a column name Stata cannot
        take, or for more rows than an Excel sheet holds.
    """
    suffix = check_table_path(path)
    if suffix in (".csv", ".jsonl"):
        return write_records(rows, path, fields=fields)
    frame = table_frame(rows, fields, types=types)
    atomic_write(path, lambda fh: _WRITERS[suffix](frame, fh, path), mode="wb")
    return len(frame)


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
        # Only a \ud800-\udfff escape can decode to a lone surrogate: a line without one skips the walk.
        if _SURROGATE_ESCAPE_RE.search(line) and _has_lone_surrogate(record):
            yield number, None, "a text holds a lone surrogate escape (\\ud800-\\udfff), not a character"
            continue
        yield number, record, None


_SURROGATE_ESCAPE_RE = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")


def _has_lone_surrogate(value):
    """Whether a decoded JSON value holds a string that is not valid Unicode (``"\ud800"``)."""
    if isinstance(value, str):
        return not value.isascii() and _SURROGATE_RE.search(value) is not None
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
