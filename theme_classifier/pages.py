"""The HTML side of a theme report: an index page and one page per report, offline and readable
on a machine with no Chinese font.

``DIR/report.html`` is the index: a sortable table of reports, a table per region, the plots
(inline SVG) and a link to each report's page. ``DIR/reports/<name>.html`` lists every paragraph
of one report coloured by its theme. The pages are written in one streaming pass over the
predictions file, one open page at a time, so that the whole corpus never sits in memory.

Every page uses ``DIR/reports/fonts/report-cjk.woff2``: a subset of the bundled Noto Sans CJK
SC holding exactly the characters the pages use. It sits in a folder below both the index and
the report pages because Firefox loads a ``file://`` font only from the page's folder or below.
Its family name is the one the matplotlib SVGs ask for first, so the inline plots use it too.

This stage comes before :mod:`~theme_classifier.reporting`, which counts the shares and calls
:func:`write_pages`; the colours and the check of a prediction come in as arguments.
"""

import hashlib
import html
import re
import unicodedata
from pathlib import Path
from urllib.parse import quote

from . import OTHER
from .records import dict_field, iter_records

#: The index page, in the report folder.
INDEX = "report.html"
#: The folder of the per-report pages, in the report folder.
PAGES_DIR = "reports"
#: The font subset, relative to the report folder.
FONT_FILE = "reports/fonts/report-cjk.woff2"
#: The family the font subset is declared as: the first one the matplotlib SVGs name.
FONT_FAMILY = "Noto Sans CJK SC"
#: Face of the Noto Sans CJK collection with the Simplified Chinese glyph forms.
_SC_FACE = "Noto Sans CJK SC"
#: Columns of ``ShareSummary.rows()`` that are not measures of a share.
_ROW_KEYS = {"report", "region", "level", "province_code", "province", "year", "theme", "units", "chars",
             "unit_share", "char_share", "reports"}
#: Characters always in the font subset, so that labels and numbers look alike on every page.
_ALWAYS = "".join(chr(c) for c in range(0x20, 0x7F)) + "–—…·“”‘’、，。：；（）［］【】《》％"

_CSS = """
@font-face{font-family:"%s";src:url("%s") format("woff2")}
body{font-family:"%s","PingFang SC","Microsoft YaHei",sans-serif;margin:2em auto;max-width:70em;
color:#222;line-height:1.6;padding:0 1em}
table{border-collapse:collapse;font-size:.85em}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}
td:first-child,th:first-child,td.t,th.t{text-align:left}
table.sortable th{cursor:pointer;user-select:none}
table.sortable th[data-dir=asc]::after{content:" ▲"}table.sortable th[data-dir=desc]::after{content:" ▼"}
.unit{border-left:6px solid;padding:.2em .6em;margin:.3em 0;background:#fafafa}
.heading{color:#666;font-size:.8em}.label{font-size:.75em;color:#fff;padding:0 .4em;border-radius:3px}
.plots svg{max-width:100%%;height:auto}
#filters label{margin-right:1em}
"""

# Click a header to sort by it; cells with data-v sort as numbers, the others as Chinese text.
_SORT_JS = """
document.querySelectorAll('table.sortable th').forEach(function(th,i){th.addEventListener('click',function(){
var body=th.closest('table').tBodies[0],rows=Array.prototype.slice.call(body.rows),up=th.dataset.dir!=='asc';
th.parentNode.querySelectorAll('th').forEach(function(h){delete h.dataset.dir});th.dataset.dir=up?'asc':'desc';
function key(r){var c=r.cells[i];return c.dataset.v!==undefined?parseFloat(c.dataset.v):c.textContent}
rows.sort(function(a,b){var x=key(a),y=key(b),d=typeof x==='number'?x-y:x.localeCompare(y,'zh');return up?d:-d});
rows.forEach(function(r){body.appendChild(r)})})});
"""

_FILTER_JS = """
function applyFilter(){var on={};document.querySelectorAll('#filters input').forEach(function(b){on[b.value]=b.checked});
document.querySelectorAll('.unit').forEach(function(u){u.style.display=on[u.dataset.theme]?'':'none'})}
document.querySelectorAll('#filters input').forEach(function(b){b.addEventListener('change',applyFilter)});
"""


def _esc(value):
    return html.escape(str(value), quote=True)


def page_name(report):
    """File name of a report's page: safe on any file system, and distinct for distinct ids.

    Letters and digits of the id (any script, NFKC-normalised) are kept, up to 40 of them, every
    other run of characters becomes ``_``, and the first 10 hex digits of the id's SHA-1 follow,
    so that ``a/b``, ``a b`` and ``a_b`` get different names and ``..`` or ``/`` never get through.

    Parameters
    ----------
    report : str
        A report id.

    Returns
    -------
    str
        ``<letters>-<hash>.html``, at most 40 + 16 characters.
    """
    report = str(report)
    readable = re.sub(r"[^\w]+|_+", "_", unicodedata.normalize("NFKC", report)).strip("_")[:40]
    digest = hashlib.sha1(report.encode("utf-8", "surrogatepass")).hexdigest()[:10]
    return f"{readable}-{digest}.html" if readable else f"report-{digest}.html"


class _Chars:
    """Writes text to a binary file, noting every character for the font subset."""

    def __init__(self, chars):
        self.chars = chars

    def encode(self, text):
        self.chars.update(text)
        return text.encode("utf-8")


def _head(title, font_url):
    return (f"<!DOCTYPE html>\n<html lang=\"zh-Hans\"><head><meta charset=\"utf-8\">"
            f"<meta name=\"viewport\" content=\"width=device-width\"><title>{_esc(title)}</title>"
            f"<style>{_CSS % (FONT_FAMILY, font_url, FONT_FAMILY)}</style></head><body>\n")


def _pct(value):
    return f"{float(value):.1%}"


def _share_cell(row):
    """A share with its interval when the row has one, and any other share measures on hover."""
    text = _pct(row["unit_share"])
    if row.get("share_low") not in (None, "") and row.get("share_high") not in (None, ""):
        text += f" [{float(row['share_low']) * 100:.1f}, {float(row['share_high']) * 100:.1f}]"
    extra = [f"{key}: {_number_text(row[key])}" for key in row if key not in _ROW_KEYS]
    title = f" title=\"{_esc('; '.join(extra))}\"" if extra else ""
    return f"<td data-v=\"{float(row['unit_share']):.6f}\"{title}>{_esc(text)}</td>"


def _share_text(key, value):
    """A share column (``*_share``, ``share_low``, ``share_high``) as a percentage like the others."""
    if (key.endswith("_share") or key.startswith("share_")) and value not in (None, ""):
        try:
            return _pct(value)
        except (TypeError, ValueError):
            pass
    return _number_text(value)


def _number_text(value, digits=3):
    try:
        return f"{float(value):.{digits}f}"
    except (TypeError, ValueError):  # shown as it is: the page is for reading, not checking
        return str(value)


def _by_report(summary):
    """Rows of ``summary.rows()`` per report and theme."""
    rows = {}
    for row in summary.rows():
        rows.setdefault(row["report"], {})[row["theme"]] = row
    return rows


# ------------------------------------------------------------------ report pages

def _labels_list(value):
    if isinstance(value, str):
        return [item for item in value.split(";") if item]
    return [str(item) for item in value or []]


def _unit_html(record, labels, colours):
    scores = dict_field(record, "scores", labels)  # CSV predictions flatten the scores
    tip = "\n".join(f"{label}: {_number_text(scores.get(label) or 0, 2)}" for label in labels)
    if record.get("confidence") not in (None, ""):
        tip += f"\nconfidence: {_number_text(record['confidence'], 2)}"
    tip += ("\ntop terms: " + ", ".join(_labels_list(record.get("top_terms")))
            + "\nthemes: " + ", ".join(_labels_list(record.get("themes"))))
    primary = record["primary"]
    colour = colours.get(primary, "#999")
    return (f"<div class=\"unit\" data-theme=\"{_esc(primary)}\" style=\"border-color:{colour}\" "
            f"title=\"{_esc(tip)}\"><span class=\"label\" style=\"background:{colour}\">{_esc(primary)}</span> "
            f"<span class=\"heading\">{_esc(record.get('id', ''))} {_esc(record.get('heading') or '')}</span><br>"
            f"{_esc(record.get('text') or '')}</div>\n")


def _page_top(report, entry, rows, summary, title, colours):
    out = [_head(f"{report} — {title}", "fonts/report-cjk.woff2"),
           f"<p><a href=\"../{INDEX}\">← {_esc(title)}</a></p>\n<h1>{_esc(report)}</h1>\n",
           f"<p>{_esc(entry['region'] or 'region unknown')} · {_esc(entry['year'] or 'year unknown')} · "
           f"{sum(entry['units'].values())} paragraphs, {entry['units'].get(OTHER, 0)} labelled other</p>\n"]
    extra = [key for key in next(iter(rows.values()), {}) if key not in _ROW_KEYS]
    out.append("<table><thead><tr><th>theme</th><th>units</th><th>chars</th><th>unit share</th><th>char share</th>"
               + "".join(f"<th>{_esc(key.replace('_', ' '))}</th>" for key in extra) + "</tr></thead><tbody>\n")
    for theme, row in rows.items():
        out.append(f"<tr><td style=\"color:{colours.get(theme, '#999')}\">{_esc(theme)}</td><td>{row['units']}</td>"
                   f"<td>{row['chars']}</td><td>{_pct(row['unit_share'])}</td><td>{_pct(row['char_share'])}</td>"
                   + "".join(f"<td>{_esc(_share_text(key, row[key]))}</td>" for key in extra) + "</tr>\n")
    out.append("</tbody></table>\n<h2>Paragraphs</h2>\n<p id=\"filters\">Show: " + "".join(
        f"<label style=\"color:{colours.get(label, '#999')}\"><input type=\"checkbox\" value=\"{_esc(label)}\" checked> "
        f"{_esc(label)}</label>" for label in summary.labels)
        + "</p>\n<p>Hover over a paragraph for its probabilities, confidence and top terms.</p>\n")
    return "".join(out)


_PAGE_END = f"<script>{_FILTER_JS}</script>\n</body></html>\n"


class _Pages:
    """The per-report pages, written as the predictions stream past with one page open at a time.

    A report whose predictions come back after another report's is reopened: its closing tags
    are cut off, its new paragraphs appended and the tags written again.
    """

    def __init__(self, folder, summary, title, colours, writer):
        self.folder, self.summary, self.title, self.colours, self.writer = folder, summary, title, colours, writer
        self.rows = _by_report(summary)
        self.names, self.ends = {}, {}  # report -> file name; report -> offset of its closing tags
        self.taken = set()  # the file names given, kept as they go: 80,000 county reports stay linear
        self.report, self.fh = None, None

    def name(self, report):
        """The page file name of ``report``; a longer hash on the (unlikely) clash of two ids."""
        if report not in self.names:
            name = page_name(report)
            if name in self.taken:
                name = name[:-len(".html")] + "-" + hashlib.sha256(report.encode("utf-8", "surrogatepass")
                                                                   ).hexdigest()[:16] + ".html"
            self.names[report] = name
            self.taken.add(name)
        return self.names[report]

    def add(self, report, record):
        if report != self.report:
            self.close()
            path = self.folder / self.name(report)
            if report in self.ends:
                self.fh = open(path, "r+b")
                self.fh.seek(self.ends[report])
                self.fh.truncate()
            else:
                self.fh = open(path, "wb")
                self.fh.write(self.writer.encode(_page_top(report, self.summary.reports[report], self.rows[report],
                                                           self.summary, self.title, self.colours)))
            self.report = report
        self.fh.write(self.writer.encode(_unit_html(record, self.summary.labels, self.colours)))

    def close(self):
        if self.fh is not None:
            self.ends[self.report] = self.fh.tell()
            self.fh.write(self.writer.encode(_PAGE_END))
            self.fh.close()
        self.report, self.fh = None, None


# ------------------------------------------------------------------ index page

def _inline_svg(path):
    text = Path(path).read_text(encoding="utf-8")
    text = text[text.find("<svg"):]
    return re.sub(r"<metadata>.*?</metadata>", "", text, flags=re.S)


def _index(summary, rows, plots, title, names, predictions_name):
    themes = summary.themes
    out = [_head(title, FONT_FILE), f"<h1>{_esc(title)}</h1>\n",
           f"<p>{len(summary.reports)} reports, {sum(sum(e['units'].values()) for e in summary.reports.values())} "
           f"paragraphs (all of them, with their probabilities, are in {_esc(predictions_name)}). Shares are of the "
           "paragraphs with a policy theme: those labelled other are left out. Click a column header to sort; "
           "click a report for its paragraphs.</p>\n<p><a href=\"#reports\">Reports</a> · <a href=\"#regions\">Regions</a> · "
           "<a href=\"#plots\">Plots</a></p>\n",
           "<h2>Reports</h2>\n<table class=\"sortable\" id=\"reports\"><thead><tr><th>report</th><th class=\"t\">region</th>"
           "<th>year</th><th>units</th>" + "".join(f"<th>{_esc(t)}</th>" for t in themes)
           + "<th>other units</th></tr></thead><tbody>\n"]
    for report, entry in summary.reports.items():
        href = f"{PAGES_DIR}/{quote(names[report])}"
        year = entry["year"]
        out.append(f"<tr><td><a href=\"{_esc(href)}\">{_esc(report)}</a></td><td class=\"t\">{_esc(entry['region'])}</td>"
                   f"<td data-v=\"{year if year else -1e9}\">{_esc(year or '')}</td>"
                   f"<td data-v=\"{sum(entry['units'].values())}\">{sum(entry['units'].values())}</td>"
                   + "".join(_share_cell(rows[report][t]) for t in themes)
                   + f"<td data-v=\"{entry['units'].get(OTHER, 0)}\">{entry['units'].get(OTHER, 0)}</td></tr>\n")
    out.append("</tbody></table>\n")
    out.append(_region_table(summary))
    if plots:
        out.append("<h2 id=\"plots\">Plots</h2>\n<div class=\"plots\">\n"
                   + "".join(f"<figure>{_inline_svg(svg)}</figure>\n" for svg in plots) + "</div>\n")
    out.append(f"<script>{_SORT_JS}</script>\n</body></html>\n")
    return "".join(out)


def _region_table(summary):
    """Per region: reports, units, and each theme's share averaged over the region's reports."""
    regions = {}
    for report, entry in summary.reports.items():
        regions.setdefault(entry["region"] or "(unknown)", []).append(report)
    out = ["<h2>Regions</h2>\n<p>Mean share of each theme over the reports of the region (each report counts once), "
           "with the 95% interval of the mean where the model has error rates.</p>\n"
           "<table class=\"sortable\" id=\"regions\"><thead><tr><th>region</th><th>reports</th><th>units</th>"
           + "".join(f"<th>{_esc(t)}</th>" for t in summary.themes) + "</tr></thead><tbody>\n"]
    means = {(row["region"] or "(unknown)", row["theme"]): row for row in summary.panel("region")}
    for region, reports in sorted(regions.items()):
        units = sum(sum(summary.reports[r]["units"].values()) for r in reports)
        out.append(f"<tr><td>{_esc(region)}</td><td data-v=\"{len(reports)}\">{len(reports)}</td>"
                   f"<td data-v=\"{units}\">{units}</td>"
                   + "".join(_share_cell(means[region, t]) for t in summary.themes) + "</tr>\n")
    out.append("</tbody></table>\n")
    return "".join(out)


# ------------------------------------------------------------------ font

def write_font_subset(chars, path):
    """Write a WOFF2 subset of the bundled Noto Sans CJK SC holding ``chars``.

    Parameters
    ----------
    chars : iterable of str
        The characters the pages use.
    path : str or Path
        The ``.woff2`` file to write.

    Returns
    -------
    Path or None
        ``path``, or None when fontTools, Brotli or the font package is missing (the pages then
        fall back to the system's fonts).
    """
    try:
        import noto_cjk_sans_otc
        from fontTools import subset
        from fontTools.ttLib import TTCollection, TTFont
    except ImportError:
        return None
    font_path = str(noto_cjk_sans_otc.FONT_PATH)
    # The file is a collection: pick the Simplified Chinese face by name, not by position.
    faces = [f["name"].getDebugName(4) for f in TTCollection(font_path, lazy=True).fonts]
    font = TTFont(font_path, fontNumber=faces.index(_SC_FACE) if _SC_FACE in faces else 0)
    options = subset.Options()
    options.flavor = "woff2"
    options.hinting = False  # browsers hint CJK outlines themselves; the hints only add bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted({ord(c) for c in chars if not unicodedata.category(c).startswith("C")}))
    subsetter.subset(font)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    font.flavor = "woff2"
    font.save(str(path))
    return path


# ------------------------------------------------------------------ driver

def write_pages(summary, predictions_path, out_dir, plots, title, colours, problem=None):
    """Write the index page, one page per report and the font subset they share.

    Parameters
    ----------
    summary : ShareSummary
        The shares of the predictions (:func:`~theme_classifier.reporting.summarise_file`).
    predictions_path : str or Path
        The predictions file, read once more, as a stream, for the paragraphs.
    out_dir : str or Path
        The report folder (a temporary one: the caller swaps it in whole).
    plots : list of Path
        SVG plots to show inline on the index page.
    title : str
        Title of the index page.
    colours : dict
        Label → CSS colour.
    problem : callable, optional
        ``problem(record)`` says why a record is not a usable prediction, or returns None; records
        with a problem, or of a report not in ``summary``, are left out, as in the shares.

    Returns
    -------
    list of Path
        The index page and the folder of the report pages (with the font).
    """
    out_dir = Path(out_dir)
    folder = out_dir / PAGES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    chars = set(_ALWAYS)
    writer = _Chars(chars)
    pages = _Pages(folder, summary, title, colours, writer)
    try:
        for _, record, bad in iter_records(predictions_path):
            if bad or (problem and problem(record)) or str(record.get("report")) not in summary.reports:
                continue
            pages.add(str(record["report"]), record)
    finally:
        pages.close()
    for report in summary.reports:  # every report counted has a page, even if the file changed since
        if report not in pages.ends:
            (folder / pages.name(report)).write_bytes(writer.encode(
                _page_top(report, summary.reports[report], pages.rows[report], summary, title, colours) + _PAGE_END))
            pages.ends[report] = 0
    index = out_dir / INDEX
    index.write_bytes(writer.encode(_index(summary, pages.rows, plots, title, pages.names, Path(predictions_path).name)))
    write_font_subset(chars, out_dir / FONT_FILE)
    return [index, folder]
