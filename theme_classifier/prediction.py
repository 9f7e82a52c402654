"""Label every paragraph of reports (or of pre-split units) with a fitted model, streaming."""

import multiprocessing
import signal
from collections import deque
from pathlib import Path

from .errors import InputError
from .reading import iter_input_paths, read_report, report_ids
from .records import iter_records
from .units import split_units

UNIT_FILE_SUFFIXES = (".jsonl", ".csv")
_BATCH = 512


def prediction_fields(labels):
    """Schema of prediction records for a model with these ``labels`` (``themes predict``)."""
    return ("id", "report", "unit", "heading", "text", "primary", ("scores", tuple(labels)), "themes",
            "top_terms", "region", "year", "line", "start", "end")


def is_units_file(path):
    return str(path).lower().endswith(UNIT_FILE_SUFFIXES)


def _units_from_file(path, on_error):
    """Yield batches of unit dicts from a JSONL/CSV file with a ``text`` field."""
    batch = []
    stem = Path(path).stem
    for number, record, problem in iter_records(path):
        if problem is None:
            text = record.get("text")
            if not isinstance(text, str) or not text.strip():
                problem = "no text" if "text" in record else "no 'text' field"
        if problem:
            on_error(InputError(f"{path}:{number}", problem))
            continue
        uid = str(record.get("id") or f"{stem}#{number}")
        batch.append({"id": uid, "report": str(record.get("report") or uid.split("#")[0]),
                      "unit": record.get("unit"), "heading": record.get("heading", ""), "text": text})
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _units_of(doc, max_chars, on_error):
    units = split_units(doc, max_chars=max_chars) if max_chars else split_units(doc)
    if not units:
        on_error(InputError(doc.source, "no text units (only headings?)"))
    meta = {"region": doc.region, "year": doc.year}
    return [{**u.to_dict(), **meta} for u in units]


def iter_unit_batches(inputs, on_error, max_chars=None):
    """Yield lists of unit dicts from report files/directories and units files, in input order."""
    claim = report_ids()
    for path in iter_input_paths(inputs, on_error=on_error):
        try:
            if is_units_file(path):
                yield from _units_from_file(path, on_error)
                continue
            claim(path)
            doc = read_report(path)
        except InputError as err:
            on_error(err)
            continue
        batch = _units_of(doc, max_chars, on_error)
        if batch:
            yield batch


def _tasks(inputs, on_error):
    """Input paths for workers; report-id clashes are settled here, in input order, as
    :func:`iter_unit_batches` does, so the outcome is the same for any number of workers."""
    claim = report_ids()
    for path in iter_input_paths(inputs, on_error=on_error):
        if not is_units_file(path):
            try:
                claim(path)
            except InputError as err:
                on_error(err)
                continue
        yield path


def _label(model, batch, top_terms):
    for unit, result in zip(batch, model.analyse([u["text"] for u in batch], top_terms=top_terms)):
        yield {"id": unit["id"], "report": unit["report"], "unit": unit.get("unit"),
               "heading": unit.get("heading", ""), "text": unit["text"], **result,
               **{k: unit[k] for k in ("region", "year", "line", "start", "end") if k in unit}}


# The model a forked worker uses: set before the pool forks, so it is shared, never pickled.
_WORKER = {}


def _predict_one(path):
    """Worker: all predictions of one input, or the errors it raised (as plain tuples)."""
    errors = []
    records = []
    for batch in iter_unit_batches([path], lambda err: errors.append((err.source, err.problem)),
                                   _WORKER["max_chars"]):
        records.extend(_label(_WORKER["model"], batch, _WORKER["top_terms"]))
    return records, errors


def _ignore_interrupt():
    # Ctrl-C reaches every process of the group: the parent stops the pool, workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _in_parallel(paths, jobs):
    """Run :func:`_predict_one` over paths in ``jobs`` forked processes, yielding results in input order.

    At most two tasks per process are in flight, so inputs are consumed (and a
    progress bar advances) as results come back.
    """
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_ignore_interrupt) as pool:
        pending = deque()
        for path in paths:
            pending.append(pool.apply_async(_predict_one, (path,)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()


def predict(inputs, model, top_terms=5, on_error=None, max_chars=None, jobs=1):
    """Label every unit of the inputs.

    Parameters
    ----------
    inputs : list of str or Path
        Report files, directories, ``-``, or ``.jsonl``/``.csv`` files of
        pre-split units with a ``text`` field (``id`` kept when present).
    model : ThemeClassifier
        A fitted model.
    top_terms : int
        Terms listed per unit as the reason for its primary label.
    on_error : callable, optional
        Receives each :class:`InputError`; bad inputs are skipped. Without it the
        first error is raised.
    jobs : int
        Worker processes (one report at a time each); the output is the same,
        in the same order, whatever the number. Standard input (``-``) needs 1.

    Yields
    ------
    dict
        ``id, report, unit, heading, text, primary, scores, themes, top_terms``
        (plus ``region``, ``year``, ``line``, ``start``, ``end`` for report files).
    """
    def raise_error(err):
        raise err

    on_error = on_error or raise_error
    if jobs <= 1:
        for batch in iter_unit_batches(inputs, on_error, max_chars):
            yield from _label(model, batch, top_terms)
        return
    _WORKER.update(model=model, top_terms=top_terms, max_chars=max_chars)
    try:
        for records, errors in _in_parallel(_tasks(inputs, on_error), jobs):
            for source, problem in errors:
                on_error(InputError(source, problem))
            yield from records
    finally:
        _WORKER.clear()
