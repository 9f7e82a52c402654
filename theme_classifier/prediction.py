"""Label every paragraph of reports (or of pre-split units) with a fitted model, streaming,
and explain each label by the terms that pushed the unit towards it.

Units are labelled in batches of at most ``_BATCH`` as a report is split, so memory
does not grow with the size of a report (plain-text reports are read a chunk at a
time, see :mod:`theme_classifier.reading`).
"""

import itertools
import multiprocessing
import os
import signal
from collections import deque
from pathlib import Path

import numpy as np

from .errors import ClusterError, InputError, OutputError
from .model import decisions
from .reading import input_paths, iter_input_paths, report_ids, report_level
from .records import iter_records
from .units import report_units

UNIT_FILE_SUFFIXES = (".jsonl", ".csv")
_BATCH = 512
#: Inputs larger than this (bytes) are labelled in the main process, streaming, even with
#: ``jobs > 1``: a worker hands back all of an input's predictions at once; reports are far
#: smaller.
PARALLEL_MAX_BYTES = 4 << 20


#: Columns with the model's two most probable labels; left out of blind batches.
MODEL_FIELDS = ("model_1", "p_1", "model_2", "p_2")
_BASE_FIELDS = ("id", "report", "region", "year", "level", "heading", "prev", "text", "next",
                "start", "end", "source")


def suggest_fields(blind=False):
    """Schema of units to label (``themes suggest``, ``predict --review-below``); ``blind`` drops
    the model's columns."""
    return _BASE_FIELDS + (() if blind else MODEL_FIELDS) + ("primary", "themes")


def in_context(records):
    """Add ``prev``/``next`` paragraphs and ``level`` to unit records that arrive report by report."""
    for _, group in itertools.groupby(records, key=lambda r: r["report"]):
        group = list(group)
        for i, record in enumerate(group):
            yield {**record, "level": report_level(record.get("region")),
                   "prev": group[i - 1]["text"] if i else "",
                   "next": group[i + 1]["text"] if i + 1 < len(group) else ""}


def model_guesses(record):
    """The model's two most probable labels of a prediction, and the gap between them."""
    (first, p1), (second, p2) = sorted(record["scores"].items(), key=lambda kv: -kv[1])[:2]
    return {"model_1": first, "p_1": p1, "model_2": second, "p_2": p2, "_margin": p1 - p2}


def prediction_fields(labels):
    """Schema of prediction records for a model with these ``labels`` (``themes predict``)."""
    return ("id", "report", "unit", "heading", "text", "primary", "confidence", ("scores", tuple(labels)),
            "themes", "top_terms", "region", "year", "line", "start", "end")


def is_units_file(path):
    """Whether ``path`` is a file of pre-split units (``.jsonl``/``.csv``) rather than a report."""
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


def iter_unit_batches(inputs, on_error, max_chars=None):
    """Yield lists of at most ``_BATCH`` unit dicts from report files/directories and units
    files, in input order, as each input is read (a batch may span several short reports)."""
    claim = report_ids()

    def units():
        for path in iter_input_paths(inputs, on_error=on_error):
            if is_units_file(path):
                yield from _units_from_file(path, on_error)
            else:
                yield from ({**unit.to_dict(), "region": doc.region, "year": doc.year}
                            for doc, unit in report_units([path], on_error, max_chars, claim=claim))
    return _batches(units())


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


def analyse(model, texts, top_terms=5):
    """Everything a researcher needs per unit: primary, scores, themes and top terms.

    Parameters
    ----------
    model : ThemeClassifier
        A fitted model.
    texts : list of str
        Unit texts.
    top_terms : int
        How many terms that pushed each unit towards its primary label to list.

    Returns
    -------
    list of dict
        ``primary``, ``confidence`` (its calibrated probability), ``scores`` (label →
        calibrated probability, in ``model.labels_`` order, rounded to 4 decimals), ``themes``
        and ``top_terms``.
    """
    if not len(texts):
        return []
    features = model.features_.transform(list(texts))
    classes, labels = list(model.classes_), list(model.labels_)
    proba = np.zeros((features.shape[0], len(labels)))  # columns in labels_ order, as scores list them
    proba[:, [labels.index(c) for c in classes]] = model.proba_of_features(features)
    results = []
    for (primary, themes), scores in zip(decisions(proba, labels, model.threshold_), np.round(proba, 4).tolist()):
        scores = dict(zip(labels, scores))
        results.append({"primary": primary, "confidence": scores[primary], "scores": scores, "themes": themes,
                        "top_terms": []})
    if top_terms > 0:
        primaries = np.array([classes.index(r["primary"]) for r in results])
        for result, terms in zip(results, _top_terms(model, features, primaries, top_terms)):
            result["top_terms"] = terms
    return results


def _top_terms(model, features, class_of_row, k):
    """For each row of ``features``, the (at most ``k``) word terms whose TF-IDF weight pushed
    it towards its class the most, most first; for the whole batch at once."""
    tfidf = model.features_.tfidf_
    if tfidf is None:
        return [[] for _ in class_of_row]
    n_words = len(tfidf.vocabulary)  # the word TF-IDF block is the first columns
    coef = model.coef_[:, :n_words]
    if coef.shape[0] == 1:  # binary problems store one row
        coef = np.vstack([-coef, coef])
    coef = coef - coef.mean(axis=0)  # towards this class rather than towards every class
    rows = np.repeat(np.arange(features.shape[0]), np.diff(features.indptr))
    word = features.indices < n_words
    rows, cols = rows[word], features.indices[word]
    contribution = features.data[word] * coef[class_of_row[rows], cols]
    pushed = contribution > 0
    rows, cols, contribution = rows[pushed], cols[pushed], contribution[pushed]
    order = np.lexsort((-contribution, rows))  # by row, then most first; ties in column order
    rows, cols = rows[order], cols[order]
    bounds = np.searchsorted(rows, np.arange(features.shape[0] + 1))
    vocabulary = tfidf.vocabulary
    return [[vocabulary[c] for c in cols[start:min(end, start + k)]] for start, end in zip(bounds[:-1], bounds[1:])]


def _label(model, batch, top_terms):
    for unit, result in zip(batch, analyse(model, [u["text"] for u in batch], top_terms=top_terms)):
        yield {"id": unit["id"], "report": unit["report"], "unit": unit.get("unit"),
               "heading": unit.get("heading", ""), "text": unit["text"], **result,
               **{k: unit[k] for k in ("region", "year", "line", "start", "end") if k in unit}}


# The model a forked worker uses: set before the pool forks, so it is shared, never pickled.
_WORKER = {}


def _label_path(path, model, top_terms, max_chars):
    """All predictions of one input, and the errors it raised (as plain tuples): what a worker
    process or a Dask worker hands back."""
    errors = []
    records = []
    for batch in iter_unit_batches([path], lambda err: errors.append((err.source, err.problem)), max_chars):
        records.extend(_label(model, batch, top_terms))
    return records, errors


def _label_paths(paths, model, top_terms, max_chars):
    """:func:`_label_path` of each of ``paths`` (one Dask task)."""
    return [_label_path(path, model, top_terms, max_chars) for path in paths]


def _predict_group(paths):
    """Pool worker: :func:`_label_paths` with the model forked from the parent."""
    return _label_paths(paths, _WORKER["model"], _WORKER["top_terms"], _WORKER["max_chars"])


def _ignore_interrupt():
    # Ctrl-C reaches every process of the group: the parent stops the pool, workers stay quiet.
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _too_big_for_a_worker(path):
    return _size(path) > PARALLEL_MAX_BYTES  # an unreadable input goes to a worker, which reports it


#: Reports are sent to worker processes in groups of about this many bytes: one report is
#: too little work to pay for a task's round trip once segmentation is fast.
TASK_BYTES = 256 << 10


def _groups(paths):
    """Consecutive groups of ``paths`` of about :data:`TASK_BYTES`, as ``(group, too_big)``; an
    input too big for a worker is a group of its own."""
    group, total = [], 0
    for path in paths:
        if _too_big_for_a_worker(path):
            if group:
                yield group, False
            yield [path], True
            group, total = [], 0
            continue
        group.append(path)
        total += _size(path)
        if total >= TASK_BYTES:
            yield group, False
            group, total = [], 0
    if group:
        yield group, False


def _in_parallel(paths, jobs):
    """Run :func:`_predict_group` over groups of paths in ``jobs`` forked processes, yielding
    ``(path, result)`` in input order.

    At most two tasks per process are in flight, so inputs are consumed (and a
    progress bar advances) as results come back. An input above
    :data:`PARALLEL_MAX_BYTES` is not sent to a worker: its result is None, and the
    caller labels it in its place in the order while the workers go on with the next ones.
    """
    with multiprocessing.get_context("fork").Pool(jobs, initializer=_ignore_interrupt) as pool:
        pending = deque()

        def results():
            group, task = pending.popleft()
            return zip(group, task.get() if task is not None else [None])

        for group, too_big in _groups(paths):
            pending.append((group, None if too_big else pool.apply_async(_predict_group, (group,))))
            if len(pending) >= 2 * jobs:
                yield from results()
        while pending:
            yield from results()


def _size(path):
    """Size of an input in bytes; 0 if it cannot be read (whoever reads it reports why)."""
    try:
        return os.stat(path).st_size
    except (OSError, ValueError):
        return 0


def partitions(paths, parts):
    """Consecutive groups of ``paths`` of about equal size in bytes (at most ``parts`` groups,
    a large file alone in its group), so that Dask tasks carry similar work in input order."""
    sizes = [_size(p) for p in paths]
    target = max(1, sum(sizes) / max(parts, 1))
    groups, group, total = [], [], 0
    for path, size in zip(paths, sizes):
        if group and total + size > target:
            groups.append(group)
            group, total = [], 0
        group.append(path)
        total += size
    return groups + [group] if group else groups


def _connect(address):
    """A Dask client of the scheduler at ``address``; a one-line error if that cannot be."""
    try:
        from distributed import Client
    except ImportError:
        raise ClusterError(address, "--dask needs Dask's distributed scheduler: "
                                    "pip install 'theme_classifier[dask]'") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise ClusterError(address, f"cannot reach the Dask scheduler ({type(exc).__name__}: {exc})") from None


def _on_dask(paths, client, model, top_terms, max_chars):
    """Run :func:`_label_paths` over a Dask cluster, yielding ``(path, result)`` in input order.

    The model goes to each worker once (``scatter`` with ``broadcast``); reports are read by
    the workers, so they must see the same files (a shared file system, as on a cluster).
    """
    if isinstance(client, str):
        client = _connect(client)
    paths = list(paths)
    [shared_model] = client.scatter([model], broadcast=True)
    workers = max(1, len(client.scheduler_info()["workers"]))
    groups = partitions(paths, 4 * workers)
    tasks = [client.submit(_label_paths, group, shared_model, top_terms, max_chars, pure=False) for group in groups]
    for group, task in zip(groups, tasks):
        yield from zip(group, task.result())
        task.release()


def _predictions(inputs, model, top_terms, on_error, max_chars):
    """Label the inputs in this process, a batch at a time."""
    for batch in iter_unit_batches(inputs, on_error, max_chars):
        yield from _label(model, batch, top_terms)


def predict(inputs, model, top_terms=5, on_error=None, max_chars=None, jobs=1, dask=None):
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
    dask : distributed.Client or str, optional
        Label the inputs over a Dask cluster (a client, or the scheduler's address) instead:
        the same output, in the same order.

    Yields
    ------
    dict
        ``id, report, unit, heading, text, primary, scores, themes, top_terms``
        (plus ``region``, ``year``, ``line``, ``start``, ``end`` for report files).
    """
    def raise_error(err):
        raise err

    on_error = on_error or raise_error
    if jobs <= 1 and dask is None:
        yield from _predictions(inputs, model, top_terms, on_error, max_chars)
        return
    _WORKER.update(model=model, top_terms=top_terms, max_chars=max_chars)
    try:
        results = (_on_dask(_tasks(inputs, on_error), dask, model, top_terms, max_chars) if dask is not None
                   else _in_parallel(_tasks(inputs, on_error), jobs))
        for path, result in results:
            if result is None:  # too big to come back whole from a worker
                yield from _predictions([path], model, top_terms, on_error, max_chars)
                continue
            records, errors = result
            for source, problem in errors:
                on_error(InputError(source, problem))
            yield from records
    finally:
        _WORKER.clear()


def predict_reports(inputs, model, output=None, report_dir=None, top_terms=5, jobs=1, on_error=None, track=None,
                    title=None, dask=None, review_below=None):
    """Label every unit of the inputs, write the predictions, and (optionally) the theme report.

    What ``themes predict`` does, as one call. For the predictions as rows or a DataFrame in
    memory (a notebook), use :func:`theme_classifier.predict_reports`.

    Parameters
    ----------
    inputs : list of str or Path
        As for :func:`predict`.
    model : ThemeClassifier
        A fitted model (:func:`~theme_classifier.store.load_model`).
    output : str or Path, optional
        Predictions file (``.jsonl`` or ``.csv``, written atomically); ``None``: JSONL on
        stdout, or ``predictions.jsonl`` in ``report_dir`` when there is one.
    report_dir : str or Path, optional
        Also write the theme report (tables, plots, ``report.html``) into this directory;
        checked before any work.
    top_terms, jobs, on_error, dask
        As for :func:`predict` (standard input forces ``jobs=1`` and no Dask).
    track : callable, optional
        Wraps the list of input paths, e.g. in a progress bar.
    review_below : float, optional
        Also write the units whose ``confidence`` is below this, with their context, for a
        person to check (``review.csv`` in ``report_dir``, else ``<output>_review.csv``), in
        the format of ``themes suggest``.

    Returns
    -------
    dict
        ``units`` (count), ``output``, ``summary`` (a
        :class:`~theme_classifier.reporting.ShareSummary`), ``report`` (what
        :func:`~theme_classifier.reporting.write_report` returned, or None) and ``review``
        (the review file and how many units it holds, or None).
    """
    from .records import write_records
    from .reporting import ShareSummary, check_report_dir, write_report

    if report_dir:
        check_report_dir(report_dir)  # before any work, not after
        output = output or str(Path(report_dir) / "predictions.jsonl")
    review = None
    if review_below is not None:
        if output is None or str(output) == "-":
            raise OutputError("--review-below", "needs an output file (-o) or a report folder (--report)")
        review = (Path(report_dir) / "review.csv" if report_dir
                  else Path(output).with_name(Path(output).stem + "_review.csv"))
    paths = input_paths(inputs, on_error, output, track)
    if "-" in map(str, inputs):
        jobs, dask = 1, None  # worker processes cannot read standard input
    summary = ShareSummary(model.labels_, estimates=False)  # counts for the table; memory stays flat
    predictions = map(summary.add, predict(paths, model, top_terms=top_terms, on_error=on_error, jobs=jobs, dask=dask))
    doubtful = []
    if review is not None:
        predictions = _watch(predictions, review_below, doubtful)
    count = write_records(predictions, output, fields=prediction_fields(model.labels_))
    report = None
    if report_dir and count:
        report = write_report(output, report_dir, title=title or "Policy themes of government work reports",
                              on_error=on_error, model=getattr(model, "provenance_", None),
                              error_rates=getattr(model, "error_rates_", None))
    if review is not None:  # after the report, which replaces the report folder whole
        write_records(doubtful, review, fields=suggest_fields())
        review = {"file": str(review), "units": len(doubtful)}
    return {"units": count, "output": output, "summary": summary, "report": report, "review": review}


def _watch(predictions, below, doubtful):
    """Pass ``predictions`` on (with their context fields, which the predictions schema leaves
    out), and append to ``doubtful`` those with confidence below ``below``."""
    for record in in_context(predictions):  # holds one report at a time
        if record["confidence"] < below:
            doubtful.append({**record, **model_guesses(record), "source": "review", "primary": "", "themes": []})
        yield record
