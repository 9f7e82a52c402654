"""Label every paragraph of reports (or of pre-split units) with a fitted model, streaming.

Units are labelled in batches of at most ``_BATCH`` as a report is split, so memory
does not grow with the size of a report (plain-text reports are read a chunk at a
time, see :mod:`theme_classifier.reading`).
"""

import multiprocessing
import os
import signal
from collections import deque
from pathlib import Path

from .errors import InputError
from .reading import iter_input_paths, read_report, report_ids
from .records import iter_records
from .units import DEFAULT_MAX_CHARS, iter_units

UNIT_FILE_SUFFIXES = (".jsonl", ".csv")
_BATCH = 512
#: Inputs larger than this (bytes) are labelled in the main process, streaming, even with
#: ``jobs > 1``: a worker hands back all of an input's predictions at once. The largest
#: report of the corpus is 0.2 MB.
PARALLEL_MAX_BYTES = 4 << 20


def prediction_fields(labels):
    """Schema of prediction records for a model with these ``labels`` (``themes predict``)."""
    return ("id", "report", "unit", "heading", "text", "primary", ("scores", tuple(labels)), "themes",
            "top_terms", "region", "year", "line", "start", "end")


def is_units_file(path):
    return str(path).lower().endswith(UNIT_FILE_SUFFIXES)


def _batches(items):
    """Lists of at most ``_BATCH`` consecutive items."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


def _units_from_file(path, on_error):
    """Yield unit dicts from a JSONL/CSV file with a ``text`` field."""
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
        yield {"id": uid, "report": str(record.get("report") or uid.split("#")[0]),
               "unit": record.get("unit"), "heading": record.get("heading", ""), "text": text}


def _units_of(doc, max_chars):
    """Yield the unit dicts of a report as it is split."""
    meta = {"region": doc.region, "year": doc.year}
    for unit in iter_units(doc, max_chars or DEFAULT_MAX_CHARS):
        yield {**unit.to_dict(), **meta}


def iter_unit_batches(inputs, on_error, max_chars=None):
    """Yield lists of at most ``_BATCH`` unit dicts from report files/directories and units
    files, in input order, as each input is read."""
    claim = report_ids()
    for path in iter_input_paths(inputs, on_error=on_error):
        empty = True
        try:
            if is_units_file(path):
                yield from _batches(_units_from_file(path, on_error))
                continue
            claim(path)
            doc = read_report(path)
            # A streamed report was checked whole by read_report; an error here means the
            # file changed (or became unreadable) since, after some of its units went out.
            for batch in _batches(_units_of(doc, max_chars)):
                empty = False
                yield batch
        except InputError as err:
            on_error(err)
            continue
        if empty:
            on_error(InputError(doc.source, "no text units (only headings?)"))


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


def _too_big_for_a_worker(path):
    try:
        return os.stat(path).st_size > PARALLEL_MAX_BYTES
    except (OSError, ValueError):
        return False  # the worker reports what is wrong with it


def _in_parallel(paths, jobs):
    """Run :func:`_predict_one` over paths in ``jobs`` forked processes, yielding
    ``(path, result)`` in input order.

    At most two tasks per process are in flight, so inputs are consumed (and a
    progress bar advances) as results come back. An input above
    :data:`PARALLEL_MAX_BYTES` is not sent to a worker: its result is None, and the
    caller labels it in its place in the order while the workers go on with the next ones.
    """
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_ignore_interrupt) as pool:
        pending = deque()

        def result():
            path, task = pending.popleft()
            return path, task.get() if task is not None else None

        for path in paths:
            task = None if _too_big_for_a_worker(path) else pool.apply_async(_predict_one, (path,))
            pending.append((path, task))
            if len(pending) >= 2 * jobs:
                yield result()
        while pending:
            yield result()


def _predictions(inputs, model, top_terms, on_error, max_chars):
    """Label the inputs in this process, a batch at a time."""
    for batch in iter_unit_batches(inputs, on_error, max_chars):
        yield from _label(model, batch, top_terms)


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
        Inputs above :data:`PARALLEL_MAX_BYTES` are labelled in this process.

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
        yield from _predictions(inputs, model, top_terms, on_error, max_chars)
        return
    _WORKER.update(model=model, top_terms=top_terms, max_chars=max_chars)
    try:
        for path, result in _in_parallel(_tasks(inputs, on_error), jobs):
            if result is None:  # too big to come back whole from a worker
                yield from _predictions([path], model, top_terms, on_error, max_chars)
                continue
            records, errors = result
            for source, problem in errors:
                on_error(InputError(source, problem))
            yield from records
    finally:
        _WORKER.clear()
