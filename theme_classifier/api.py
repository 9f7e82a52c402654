"""The Python API for notebooks and scripts: load a model, label reports, get theme shares, as
rows or pandas DataFrames. ``import theme_classifier`` gives these functions (docs/api.md).

Each function imports what it needs when called, so importing the package stays cheap.
"""

import os

#: Prediction columns that are whole numbers even where every row lacks them (a report set
#: without years), so a DataFrame gets ``Int64`` columns rather than empty text.
PREDICTION_TYPES = {"unit": int, "year": int, "line": int, "start": int, "end": int}


def load_model(path=None, segmenter=None):
    """Load a model directory.

    Parameters
    ----------
    path : str or Path, optional
        A model directory written by ``themes train``; default: ``$THEMES_MODEL``, else the
        shipped default model (as ``themes`` without ``-m``).
    segmenter : {"rjieba", "jieba"}, optional
        Word segmenter; default: the one the model was trained with.

    Returns
    -------
    ThemeClassifier
        The fitted model; ``model.labels_`` are its labels.

    Raises
    ------
    ModelError
        If the directory is missing, corrupt or unsafe (the message names the bad file).
    """
    from .store import load_model as load
    return load(path, segmenter)[0]


def _rows_or_frame(rows, fields, as_frame, types=None):
    """``rows``, or a DataFrame of them (:func:`~theme_classifier.records.table_frame`) when
    pandas is there and ``as_frame`` is not False."""
    if as_frame is False:
        return rows
    try:
        import pandas  # noqa: F401
    except ImportError:
        if as_frame:
            raise ImportError("as_frame=True needs pandas: pip install 'theme_classifier[export]' "
                              "(or as_frame=False for a list of dicts)") from None
        return rows
    from .records import table_frame
    return table_frame(rows, fields, join_lists=False, types=types)


def _as_list(inputs):
    return [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)


def predict_reports(inputs, model=None, top_terms=5, jobs=1, on_error=None, as_frame=None):
    """Label every paragraph of reports; the rows ``themes predict`` writes.

    Parameters
    ----------
    inputs : str, Path or list of them
        Report files (.txt .md .html .docx .pdf), folders of them (walked recursively, in
        sorted order), or ``.jsonl``/``.csv`` files of pre-split units with a ``text`` field.
    model : ThemeClassifier, str or Path, optional
        A model from :func:`load_model`, or its directory; default: the default model. Load
        it once with :func:`load_model` when you predict more than once.
    top_terms : int
        Words listed per paragraph as the reason for its primary theme.
    jobs : int
        Worker processes; the rows are the same, in the same order, whatever the number.
    on_error : callable, optional
        Receives each :class:`~theme_classifier.errors.InputError` (a missing, empty or
        unreadable report) and that input is skipped, e.g. ``on_error=print``; without it the
        first one is raised.
    as_frame : bool, optional
        True: a pandas DataFrame; False: a list of dicts; None (default): a DataFrame when
        pandas is installed.

    Returns
    -------
    list of dict or pandas.DataFrame
        One row per paragraph, in input order: ``id, report, unit, heading, text, primary,
        confidence, scores, themes, top_terms, region, year, line, start, end`` (the last five
        for report files). In a DataFrame ``scores`` becomes ``scores_<label>`` float columns,
        as in the CSV of ``themes predict``; ``themes`` and ``top_terms`` stay lists; whole
        numbers are ``Int64`` (a year the report does not give is ``<NA>``).

    Raises
    ------
    InputError
        For an input that cannot be read, unless ``on_error`` is given.
    ImportError
        For ``as_frame=True`` without pandas.
    """
    from .prediction import predict, prediction_fields
    from .reading import input_paths
    if model is None or isinstance(model, (str, os.PathLike)):
        model = load_model(model)
    rows = list(predict(input_paths(_as_list(inputs), on_error), model, top_terms=top_terms, on_error=on_error,
                        jobs=jobs))
    return _rows_or_frame(rows, prediction_fields(model.labels_), as_frame, PREDICTION_TYPES)


def _records(predictions):
    """Dict records of a DataFrame (missing values as None) or of a list of rows."""
    if hasattr(predictions, "to_dict"):
        frame = predictions.astype(object)
        return frame.where(frame.notna(), None).to_dict("records")
    return list(predictions)


def shares(predictions, model=None, by="report", wide=False, as_frame=None):
    """Each theme's share of each report (``shares.csv``), or of groups of reports (a panel).

    Parameters
    ----------
    predictions : str, Path, list of dict or pandas.DataFrame
        What :func:`predict_reports` returned, or a predictions file of ``themes predict``
        (JSONL or CSV).
    model : ThemeClassifier, str or Path, optional
        The model that made the predictions (default: the shipped one): its cross-validated
        error rates give ``adjusted_share`` and the intervals (left empty if it has none, or
        if its labels are not the predictions').
    by : str
        ``report``, or a grouping of ``themes report --by``: ``region,year``, ``level,year``,
        ``year``, ``region``.
    wide : bool
        One row per report (``shares_wide.csv``) instead of one per report × theme.
    as_frame : bool, optional
        As for :func:`predict_reports`.

    Returns
    -------
    list of dict or pandas.DataFrame
        Rows of :meth:`~theme_classifier.reporting.ShareSummary.rows` (``report, region,
        level, province_code, province, year, theme, units, chars, unit_share, char_share,
        expected_share, adjusted_share, share_low, share_high``), ``wide_rows`` or ``panel``.
        Shares leave out paragraphs labelled ``other``.
    """
    from .quantify import error_rates_problem
    from .records import iter_records
    from .reporting import PANEL_TYPES, ShareSummary, labels_of, prediction_problem, record_labels
    from .store import share_model
    is_file = isinstance(predictions, (str, os.PathLike))
    records = None if is_file else _records(predictions)
    labels = labels_of(predictions) if is_file else record_labels(records[0]) if records else ()
    rates = getattr(model, "error_rates_", None) if hasattr(model, "classes_") else share_model(model)[0]
    if rates is not None and error_rates_problem(rates, labels):  # another model's predictions
        rates = None
    summary = ShareSummary(labels, rates)
    for _, record, problem in (iter_records(predictions) if is_file else ((None, r, None) for r in records)):
        if not problem and not prediction_problem(record, summary.labels):
            summary.add(record)
    rows = summary.wide_rows() if wide else summary.panel(by)
    return _rows_or_frame(rows, tuple(rows[0]) if rows else (), as_frame, PANEL_TYPES)
