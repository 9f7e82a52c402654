"""Theme reports for researchers: attention shares per report, tidy tables, plots and HTML pages.

Everything here reads predictions (the output of ``themes predict``) in two
streaming passes — counts first, then paragraphs for the HTML pages
(:mod:`~theme_classifier.pages`) — so that thousands of reports never have to fit
in memory at once.
"""

import shutil
import unicodedata
from array import array
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from . import LABELS, OTHER
from .errors import InputError
from .reading import parse_metadata, report_level
from .regions import region_codes
from .quantify import DRAWS, GROUPINGS, ShareEstimator, error_rates_problem
from .atomic import atomic_directory, atomic_write, check_replaceable
from .records import check_table_path, dict_field, iter_records, write_records, write_table

#: One colour per label, used by every plot and the HTML page.
COLOURS = {"industry": "#4e79a7", "ecology": "#59a14f", "livelihood": "#f28e2b",
           "governance": "#b07aa1", "security": "#e15759", "other": "#9d9d9d"}
#: Above this many reports the per-report bar chart is unreadable and is not drawn.
MAX_BAR_REPORTS = 80
#: Above this many regions, the by-year plots show the mean and spread instead of one line each.
MAX_REGION_LINES = 8
#: Years with fewer regions than this are drawn as single points, not as a mean.
MIN_REGIONS_FOR_MEAN = 3
#: What :meth:`ShareSummary.estimates` gives beyond the counted shares (see quantify.py).
SHARE_ESTIMATES = ("expected_share", "adjusted_share", "share_low", "share_high")
#: The share columns of every table, in order.
SHARE_COLUMNS = ("unit_share", "char_share") + SHARE_ESTIMATES
#: Title of report.html unless one is given.
DEFAULT_TITLE = "Policy themes of government work reports"


class ShareSummary:
    """Accumulates, per report, units, characters and probabilities per label (streaming), and
    turns them into shares with intervals (:mod:`~theme_classifier.quantify`).

    Parameters
    ----------
    labels : sequence of str
        The labels of the predictions.
    error_rates : dict, optional
        ``error_rates`` of the model that made the predictions (its ``meta.json``); without
        them, ``adjusted_share``, ``share_low`` and ``share_high`` are left empty.
    draws : int
        Bootstrap draws per report.
    estimates : bool
        Keep each unit's probabilities for the estimates (their memory grows with the input);
        False: counts only, for :meth:`table`.

    Attributes
    ----------
    reports : dict
        Report id → {"region", "year", "units": Counter, "chars": Counter, "scores": array of
        the units' probabilities, or None}, in first-seen order.
    """

    def __init__(self, labels=LABELS, error_rates=None, draws=DRAWS, estimates=True):
        self.keep_scores = estimates
        self.labels = tuple(labels)
        self.themes = tuple(label for label in self.labels if label != OTHER)
        self.reports = {}
        self.estimator = ShareEstimator(self.labels, error_rates, draws)
        self._estimates = {}

    def add(self, prediction):
        """Count one prediction; returns it unchanged so it can sit in a pipeline."""
        report = str(prediction["report"])
        entry = self.reports.get(report)
        if entry is None:
            region, year = prediction.get("region"), prediction.get("year")
            if region in (None, "") or year in (None, ""):
                parsed = parse_metadata(report)
                region = region or parsed[0]
                year = year or parsed[1]
            entry = self.reports[report] = {"region": region or "", "year": _as_year(year),
                                            "units": Counter(), "chars": Counter(),
                                            "scores": array("d") if self.keep_scores else None}
        entry["units"][prediction["primary"]] += 1
        entry["chars"][prediction["primary"]] += len(prediction.get("text") or "")
        if entry["scores"] is not None:
            scores = prediction_scores(prediction, self.labels)
            if scores is None:
                entry["scores"] = None  # a unit without probabilities: no expected or adjusted share
            else:
                entry["scores"].extend(scores)  # 8 bytes a probability: long reports stay small
        self._estimates.pop(report, None)
        return prediction

    def estimates(self, report):
        """Shares of one report: ``unit_share``, ``char_share``, ``expected_share``,
        ``adjusted_share``, ``share_low``, ``share_high`` (each theme → a float, or None when
        unavailable), and the bootstrap ``draws`` of the adjusted share (or None)."""
        if report not in self._estimates:
            entry = self.reports[report]
            unit_total = sum(entry["units"][t] for t in self.themes)
            char_total = sum(entry["chars"][t] for t in self.themes)
            found = {"unit_share": {t: entry["units"][t] / unit_total if unit_total else 0.0 for t in self.themes},
                     "char_share": {t: entry["chars"][t] / char_total if char_total else 0.0 for t in self.themes}}
            scores = np.frombuffer(entry["scores"] or array("d"), dtype=np.float64).reshape(-1, len(self.labels))
            estimated = self.estimator.estimate(report, scores)
            for key in SHARE_ESTIMATES:
                values = estimated[key] if entry["scores"] else None
                found[key] = dict.fromkeys(self.themes) if values is None else dict(zip(self.themes, map(float, values)))
            found["draws"] = estimated["draws"] if entry["scores"] else None
            self._estimates[report] = found
        return self._estimates[report]

    def rows(self):
        """Tidy rows: one per report × theme; shares exclude ``other`` and sum to 1 per report.

        A report whose units are all ``other`` keeps its rows, with zero shares.
        """
        rows = []
        for report, entry in self.reports.items():
            codes = region_codes(entry["region"])
            found = self.estimates(report)
            for theme in self.themes:
                rows.append({"report": report, "region": entry["region"], **codes, "year": entry["year"] or "",
                             "theme": theme, "units": entry["units"][theme], "chars": entry["chars"][theme],
                             **{key: _rounded(found[key][theme]) for key in SHARE_COLUMNS}})
        return rows

    def wide_rows(self):
        """One row per report: region codes, unit counts (all, other, each theme) and each
        theme's shares."""
        wide = []
        for report, entry in self.reports.items():
            found = self.estimates(report)
            row = {"report": report, "region": entry["region"], **region_codes(entry["region"]),
                   "year": entry["year"] or "", "units": sum(entry["units"].values()),
                   "other_units": entry["units"][OTHER]}
            row.update({f"{t}_units": entry["units"][t] for t in self.themes})
            for key in SHARE_COLUMNS:
                row.update({f"{t}_{key}": _rounded(found[key][t]) for t in self.themes})
            wide.append(row)
        return wide

    def panel(self, by):
        """Mean shares over groups of reports: a region × year (or level × year, year, region)
        panel, one row per group × theme.

        Each report counts once, whatever its length. National reports (国务院) are a level of
        their own: grouping by ``year`` or ``region,year`` keeps them in their own rows, and
        grouping by ``year`` alone leaves them out, so a year's mean is over sub-national
        governments. The interval of a mean is from the means of the reports' bootstrap draws.

        Parameters
        ----------
        by : str
            One of :data:`~theme_classifier.quantify.GROUPINGS`.
        """
        if by == "report":
            return self.rows()
        keys = GROUPINGS[by]
        groups = {}
        for report, entry in self.reports.items():
            codes = region_codes(entry["region"])
            if by == "year" and codes["level"] == "national":
                continue
            values = {"region": entry["region"], "year": entry["year"] or "", "level": codes["level"]}
            groups.setdefault(tuple(values[k] for k in keys), []).append(report)
        rows = []
        for key, reports in groups.items():
            found = [self.estimates(r) for r in reports]
            ident = dict(zip(keys, key))
            if "region" in ident:
                ident.update(region_codes(ident["region"]))
            draws = [f["draws"] for f in found]
            interval = (self.estimator.interval(np.mean(draws, axis=0))
                        if draws and all(d is not None for d in draws) else None)
            for i, theme in enumerate(self.themes):
                row = {**ident, "theme": theme, "reports": len(reports),
                       "units": sum(self.reports[r]["units"][theme] for r in reports)}
                for column in ("unit_share", "char_share", "expected_share", "adjusted_share"):
                    values = [f[column][theme] for f in found]
                    row[column] = _rounded(None if None in values else float(np.mean(values)))
                row["share_low"] = _rounded(None if interval is None else float(interval[0][i]))
                row["share_high"] = _rounded(None if interval is None else float(interval[1][i]))
                rows.append(row)
        return sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))

    def table(self, max_reports=20):
        """Text table for the terminal, with the shares of ``shares.csv``: each theme's share of
        the units that have a theme (``other`` left out), then the units labelled ``other`` and
        all units. Above ``max_reports`` reports, one line of totals over all of them instead."""
        lines = [_pad("report", 28) + "".join(f"{label[:10]:>11}" for label in self.themes)
                 + f"{'other':>7}{'units':>7}"]
        entries = list(self.reports.items())
        if len(entries) > max_reports:
            total = Counter()
            for _, entry in entries:
                total.update(entry["units"])
            entries = [(f"all {len(entries)} reports", {"units": total})]
        for report, entry in entries:
            counts = entry["units"]
            themed = sum(counts[t] for t in self.themes)
            lines.append(_pad(report, 28) + "".join(f"{counts[t] / themed if themed else 0:>11.1%}" for t in self.themes)
                         + f"{counts[OTHER]:>7d}{sum(counts.values()):>7d}")
        return "\n".join(lines)


def _width(text):
    """Columns ``text`` takes in a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text, width):
    """``text`` cut and padded to ``width`` terminal columns (one column left as a gap)."""
    while _width(text) > width - 1:
        text = text[:-1]
    return text + " " * (width - _width(text))


def _rounded(value):
    return "" if value is None else round(value, 6)


def prediction_scores(record, labels):
    """A prediction's probabilities in ``labels`` order (from ``scores`` in JSONL or the
    ``scores_<label>`` columns of CSV), or None when it has none."""
    scores = dict_field(record, "scores", labels)
    try:
        values = [float(scores[label]) for label in labels]
    except (KeyError, TypeError, ValueError):
        return None
    return values if all(v == v for v in values) else None


def _as_year(value):
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


# ------------------------------------------------------------------ tables

def _write_csv(path, rows, fields):
    # Through records: UTF-8 with a BOM for Excel, and a report named like a formula stays text.
    write_records(rows, path, fields=tuple(fields))


# ------------------------------------------------------------------- plots

def _pyplot():
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    try:  # a bundled CJK font, so PNGs show Chinese report names instead of boxes
        import noto_cjk_sans_otc
        font_manager.fontManager.addfont(str(noto_cjk_sans_otc.FONT_PATH))
    except (ImportError, OSError, RuntimeError):
        pass
    plt.rcParams.update({
        "svg.fonttype": "none",  # SVG keeps text as text: any browser renders the Chinese names
        "font.family": ["sans-serif"],
        "font.sans-serif": ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "SimHei",
                            "Microsoft YaHei", "PingFang SC", "DejaVu Sans"],
        "axes.spines.top": False, "axes.spines.right": False,
        "text.parse_math": False,  # report names are text: a "$" must not start mathtext
    })
    return plt


def _save(fig, out_dir, stem):
    files = []
    for suffix in ("svg", "png"):
        path = Path(out_dir) / f"{stem}.{suffix}"
        # No creation date in the files: the same predictions give byte-identical plots.
        metadata = {"Date": None} if suffix == "svg" else {"Software": None}
        atomic_write(path, lambda fh: fig.savefig(fh, format=suffix, dpi=150, bbox_inches="tight",
                                                  metadata=metadata), mode="wb")
        files.append(path)
    return files


def _report_label(report, entry):
    """The report id, with its region and year when the id does not already say them."""
    extra = " ".join(str(v) for v in (entry["region"], entry["year"]) if v and str(v) not in report)
    return f"{report} ({extra})" if extra else report


def plot_report_bars(summary, out_dir, share="unit_share"):
    """Stacked horizontal bars: each report's share of each theme. Returns the files written."""
    rows = summary.rows()
    reports = list(summary.reports)
    if not reports or len(reports) > MAX_BAR_REPORTS:
        return []
    plt = _pyplot()
    values = {(r["report"], r["theme"]): r[share] for r in rows}
    fig, ax = plt.subplots(figsize=(8, 1.2 + 0.35 * len(reports)))
    left = [0.0] * len(reports)
    for theme in summary.themes:
        widths = [values[(report, theme)] for report in reports]
        ax.barh(range(len(reports)), widths, left=left, color=colour(theme), label=theme, height=0.7)
        left = [a + b for a, b in zip(left, widths)]
    ax.set_yticks(range(len(reports)), [_report_label(r, summary.reports[r]) for r in reports])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("share of policy paragraphs (units labelled other excluded)")
    ax.legend(ncol=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, fontsize=8)
    files = _save(fig, out_dir, "shares_by_report")
    plt.close(fig)
    return files


def _gapped(by_year):
    """Years and values of one line, with a gap (NaN) wherever a year is missing, so that a line
    never joins two years with no report between them."""
    xs, ys = [], []
    for year in sorted(by_year):
        if xs and year != xs[-1] + 1:
            xs.append(year - 0.5)
            ys.append(float("nan"))
        xs.append(year)
        ys.append(by_year[year])
    return xs, ys


def plot_theme_by_year(summary, theme, out_dir, share="unit_share"):
    """A theme's share by year: one line per region, or the mean and spread when regions are many.

    Lines break where a year has no report. The mean and spread are over sub-national reports
    only: the State Council's report (国务院) is not one region among the provinces. With the
    model's error rates, each line has a band (the 95% interval of each report's share) and the
    mean has error bars (the interval of the mean, :meth:`ShareSummary.panel`).
    """
    points = defaultdict(dict)  # region -> year -> share
    bands = defaultdict(dict)  # region -> year -> (share_low, share_high)
    for row in summary.rows():
        if row["theme"] == theme and row["year"] != "":
            points[row["region"] or "(unknown)"][int(row["year"])] = row[share]
            if row["share_low"] != "":
                bands[row["region"] or "(unknown)"][int(row["year"])] = (row["share_low"], row["share_high"])
    years = sorted({year for by_year in points.values() for year in by_year})
    if len(years) < 2:
        return []
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(9, 4.5))
    if len(points) <= MAX_REGION_LINES:
        for region, by_year in sorted(points.items()):
            line, = ax.plot(*_gapped(by_year), marker="o", markersize=3, label=region)
            if bands[region]:  # the 95% interval of each report's share, broken where its line is
                xs, low = _gapped({y: band[0] for y, band in bands[region].items()})
                ax.fill_between(xs, low, _gapped({y: band[1] for y, band in bands[region].items()})[1],
                                color=line.get_color(), alpha=0.15, linewidth=0)
        ax.legend(frameon=False, fontsize=8, ncol=2)
    else:
        import numpy as np
        regional = {region: by_year for region, by_year in points.items() if report_level(region) != "national"}
        dense, sparse = [], []  # the mean and spread only mean something with several regions
        for year in years:
            values = np.array([by_year[year] for by_year in regional.values() if year in by_year])
            if not len(values):
                continue
            (dense if len(values) >= MIN_REGIONS_FOR_MEAN else sparse).append((year, values))
        if dense:
            xs, low = _gapped({y: np.percentile(v, 25) for y, v in dense})
            high = _gapped({y: np.percentile(v, 75) for y, v in dense})[1]
            ax.fill_between(xs, low, high, color=colour(theme), alpha=0.25, label="25–75% of regions")
            counts = [len(v) for _, v in dense]
            ax.plot(*_gapped({y: v.mean() for y, v in dense}), color=colour(theme), marker="o", markersize=3,
                    label=f"mean over regions ({min(counts)}–{max(counts)} per year)")
            means = {r["year"]: r for r in summary.panel("year") if r["theme"] == theme and r["share_low"] != ""}
            shown = [(y, v.mean(), means[y]) for y, v in dense if y in means]
            if shown:  # the 95% interval of each year's mean (reports' units and the model's errors)
                ax.errorbar([y for y, _, _ in shown], [m for _, m, _ in shown], fmt="none", ecolor="#333",
                            elinewidth=0.8, capsize=2, label="95% interval of the mean",
                            yerr=[[max(m - r["share_low"], 0) for _, m, r in shown],
                                  [max(r["share_high"] - m, 0) for _, m, r in shown]])
        if sparse:
            ax.plot([y for y, v in sparse for _ in v], [x for _, v in sparse for x in v], linestyle="none",
                    marker="o", markersize=3, color="#777",
                    label=f"single reports (years with < {MIN_REGIONS_FOR_MEAN} regions)")
        ax.legend(frameon=False, fontsize=8)
    ax.set_xlabel("year of the report")
    ax.set_ylabel(f"share of {theme} ({share.replace('_', ' ')})")
    ax.set_title(f"Attention to {theme} in government work reports")
    ax.set_ylim(bottom=0)
    files = _save(fig, out_dir, f"by_year_{theme}")
    plt.close(fig)
    return files


# ------------------------------------------------------------------ driver

def _number(value):
    try:
        return float(value) == float(value)  # not NaN
    except (TypeError, ValueError):
        return False


def prediction_problem(record, labels=LABELS):
    """Why a record is not a usable prediction (``report``, ``primary``, numeric scores), or None."""
    report, primary = record.get("report"), record.get("primary")
    if isinstance(report, bool) or not isinstance(report, (str, int)) or not str(report).strip():
        return "not a prediction: 'report' must be a report name"
    if not isinstance(primary, str) or primary not in labels:
        return f"not a prediction: 'primary' must be one of {', '.join(labels)}, not {primary!r}"
    if "text" in record and not isinstance(record["text"], (str, type(None))):
        return "not a prediction: 'text' must be a string"
    scores = record.get("scores")
    values = scores.values() if isinstance(scores, dict) else \
        [v for k, v in record.items() if k.startswith("scores_") and v not in ("", None)]
    if scores is not None and not isinstance(scores, dict) or not all(_number(v) for v in values):
        return "not a prediction: scores must be numbers"
    return None


def labels_of(predictions_path):
    """The label set of a predictions file (:func:`record_labels` of its first record)."""
    for _, record, problem in iter_records(predictions_path):
        if not problem:
            return record_labels(record)
    return LABELS


def record_labels(record):
    """The label set of a prediction: the keys of its ``scores`` (JSONL) or its ``scores_<label>``
    columns (CSV); the default codebook's if it has none."""
    scores = record.get("scores")
    labels = list(scores) if isinstance(scores, dict) else \
        [key[len("scores_"):] for key in record if key.startswith("scores_")]
    return tuple(labels) if len(labels) >= 2 else LABELS


def colour(label):
    """The colour of a label in every plot and page (a fixed palette for a codebook of your own)."""
    if label in COLOURS:
        return COLOURS[label]
    palette = ("#76b7b2", "#edc948", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d37295", "#fabfd2")
    return palette[sum(map(ord, label)) % len(palette)]


def summarise_file(predictions_path, on_error=None, error_rates=None):
    """First pass: a :class:`ShareSummary` of a predictions file (JSONL or CSV); ``error_rates``
    of the model that made them correct the shares (see :class:`ShareSummary`)."""
    labels = labels_of(predictions_path)
    if error_rates is not None and error_rates_problem(error_rates, labels):
        raise InputError(predictions_path, f"its labels ({', '.join(labels)}) are not the model's "
                                           f"({', '.join(error_rates['labels'])}): give the model that made them")
    summary = ShareSummary(labels, error_rates)
    for number, record, problem in iter_records(predictions_path):
        problem = problem or prediction_problem(record, summary.labels)
        if problem:
            if on_error:
                on_error(InputError(f"{predictions_path}:{number}", problem))
            continue
        summary.add(record)
    return summary


def write_report(predictions_path, out_dir, title=DEFAULT_TITLE, on_error=None, model=None, error_rates=None):
    """Write shares tables, plots, ``report.html`` and a page per report for a predictions file.

    Parameters
    ----------
    predictions_path : str or Path
        Output of ``themes predict`` (JSONL or CSV).
    out_dir : str or Path
        Directory for ``shares.csv``, ``shares_wide.csv``, plots (SVG and PNG), ``report.html`` and
        ``reports/`` (:func:`~theme_classifier.pages.write_pages`).
    model : dict, optional
        The model that made the predictions (its ``provenance_``), recorded in ``provenance.json``.
    error_rates : dict, optional
        That model's ``error_rates_``, for ``adjusted_share`` and the intervals.

    Returns
    -------
    dict
        Reports and units counted, and the files written.
    """
    final_dir = Path(out_dir)
    summary = summarise_file(predictions_path, on_error, error_rates)
    if not summary.reports:
        raise InputError(predictions_path, "no predictions to report on")
    with atomic_directory(final_dir, _is_report_dir, "report folder") as out_dir:
        predictions = Path(predictions_path)
        if predictions.parent.resolve() == final_dir.resolve():
            shutil.copy2(predictions, out_dir / predictions.name)  # predict --report keeps its predictions there
        files = _write_report_files(summary, predictions_path, out_dir, title)
        files.append(_write_provenance(out_dir, predictions, model))
    return {"reports": len(summary.reports),
            "units": sum(sum(e["units"].values()) for e in summary.reports.values()),
            "files": [str(final_dir / Path(f).relative_to(out_dir)) for f in files]}


def report_predictions(predictions_path, output=None, by=None, model_dir=None, title=None, on_error=None):
    """What ``themes report`` does: the report folder, or with ``by`` a panel table.

    Parameters
    ----------
    predictions_path : str or Path
        Output of ``themes predict`` (JSONL or CSV).
    output : str or Path, optional
        The folder (default ``report``), or with ``by`` the table (default: JSONL on stdout).
    by : str, optional
        Aggregate into a panel (:func:`write_panel`) instead of writing the folder.
    model_dir : str or Path, optional
        The model that made the predictions (default: the shipped one): its cross-validated
        error rates correct the shares, and it is named in ``provenance.json``.
    title : str, optional
        Title of ``report.html``.

    Returns
    -------
    dict
        What :func:`write_report` or :func:`write_panel` returned, and ``uncorrected``: why
        the shares could not be corrected for the model's errors, or None.
    """
    from .store import share_model
    error_rates, model = share_model(model_dir)
    why = None if error_rates is not None else "the model has no cross-validated error rates (trained with --no-cv)"
    if error_rates is not None and model_dir is None and error_rates_problem(error_rates, labels_of(predictions_path)):
        error_rates = model = None  # another codebook's predictions: not the default model's
        why = "the predictions have labels of their own: give the model that made them (-m)"
    if by:
        result = write_panel(predictions_path, output, by, error_rates, on_error)
    else:
        result = write_report(predictions_path, output or "report", title=title or DEFAULT_TITLE,
                              on_error=on_error, model=model, error_rates=error_rates)
    return {**result, "uncorrected": why}


#: Column types of panel tables where a value cannot tell (a year may be missing in every row).
PANEL_TYPES = {"year": int, "reports": int, "units": int, **dict.fromkeys(SHARE_COLUMNS, float)}


def write_panel(predictions_path, output=None, by="region,year", error_rates=None, on_error=None):
    """Write the shares of a predictions file aggregated into a panel (``themes report --by``).

    Parameters
    ----------
    predictions_path : str or Path
        Output of ``themes predict`` (JSONL or CSV).
    output : str or Path, optional
        The table: ``.csv`` (UTF-8 with BOM), ``.jsonl``, ``.dta``, ``.parquet`` or ``.xlsx``
        (:func:`~theme_classifier.records.write_table`); ``None`` or ``-``: JSONL on stdout.
    by : str
        A key of :data:`~theme_classifier.quantify.GROUPINGS` (``report`` gives one row per
        report × theme, as ``shares.csv``); see :meth:`ShareSummary.panel`.
    error_rates : dict, optional
        ``error_rates`` of the model that made the predictions.

    Returns
    -------
    dict
        ``rows`` and ``groups`` written, ``reports`` counted, and ``output``.
    """
    if by not in GROUPINGS:
        raise InputError(by, f"cannot group by this (choose one of {', '.join(GROUPINGS)})")
    if output is not None and str(output) != "-":
        check_table_path(output)  # before reading anything
    summary = summarise_file(predictions_path, on_error, error_rates)
    if not summary.reports:
        raise InputError(predictions_path, "no predictions to report on")
    rows = summary.panel(by)
    fields = list(rows[0])
    if output is None or str(output) == "-":
        write_records(rows, None, fields=tuple(fields))
    else:
        write_table(rows, output, fields, types={k: v for k, v in PANEL_TYPES.items() if k in fields})
    return {"rows": len(rows), "groups": len(rows) // len(summary.themes), "reports": len(summary.reports),
            "output": output}


def _write_provenance(out_dir, predictions, model):
    """``provenance.json``: what produced the tables (package, date, predictions file, model)."""
    import datetime
    import json
    from . import __version__
    from .embeddings import file_sha256
    record = {"theme_classifier": __version__,
              "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
              "predictions": {"file": str(predictions), "sha256": file_sha256(predictions)},
              "model": model or "unknown: the predictions file does not say (themes predict --report records it)"}
    path = out_dir / "provenance.json"
    path.write_text(json.dumps(record, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


def check_report_dir(path):
    """Raise :class:`~theme_classifier.errors.OutputError` if ``path`` cannot take a report."""
    check_replaceable(path, _is_report_dir, "report folder")


def _is_report_dir(path):
    names = {p.name for p in path.iterdir()}
    # predict --report writes its predictions there first.
    from .pages import INDEX
    return {"shares.csv", INDEX} <= names or names <= {"predictions.jsonl"}


def _write_report_files(summary, predictions_path, out_dir, title):
    files = []
    shares = out_dir / "shares.csv"
    _write_csv(shares, summary.rows(), ["report", "region", "level", "province_code", "province", "year", "theme",
                                        "units", "chars", *SHARE_COLUMNS])
    wide = summary.wide_rows()
    _write_csv(out_dir / "shares_wide.csv", wide, list(wide[0]))
    files += [shares, out_dir / "shares_wide.csv"]
    plots = plot_report_bars(summary, out_dir)
    for theme in summary.themes:
        plots += plot_theme_by_year(summary, theme, out_dir)
    files += plots
    svgs = [p for p in plots if p.suffix == ".svg"]
    from .pages import write_pages  # only with a report folder: themes predict -o does not load it
    files += write_pages(summary, predictions_path, out_dir, svgs, title, {label: colour(label) for label in summary.labels},
                         lambda record: prediction_problem(record, summary.labels))
    return files
