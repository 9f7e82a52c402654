"""The ``themes`` command line: parse options, call one library function, format its result."""

import functools
import json
import math
import os
import sys

# One BLAS thread unless the user says otherwise, set before NumPy loads: the matrices here are
# small, and a pool of OpenBLAS threads costs start-up time and spins on the cores that
# --jobs workers need (training several times slower on two cores, docs/benchmarks.md).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import click  # noqa: E402

from .errors import ThemeError, readable  # noqa: E402
from .records import write_records  # noqa: E402
from .quantify import GROUPINGS  # noqa: E402
from .embeddings import DEFAULT_W2V  # noqa: E402
from .tokenize import BACKENDS  # noqa: E402
from .units import DEFAULT_MAX_CHARS  # noqa: E402


class _ErrorCounter:
    """Prints each per-input error of a batch once and counts them, so the exit code says so;
    a notice (nothing lost) is printed but not counted."""

    def __init__(self):
        self.errors = 0

    def __call__(self, error):
        if not getattr(error, "lost", True):
            click.echo(f"notice: {error}", err=True)
            return
        self.errors += 1
        click.echo(f"error: {error} (skipped)", err=True)

    def finish(self):
        if self.errors > 1:  # one error's own line says it all
            click.echo(f"{self.errors} inputs skipped because of errors", err=True)
        if self.errors:
            sys.exit(1)


def _friendly(func):
    """Turn expected errors into a one-line message and exit code 1, never a traceback."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ThemeError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        except BrokenPipeError:
            sys.exit(0)
    return wrapper


class _Group(click.Group):
    """The command group; a usage error is one line (``error: ...``), exit code 2."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        try:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click.UsageError as exc:
            name = exc.ctx.command_path if exc.ctx else "themes"
            click.echo(f"error: {name}: {readable(exc.format_message())} (see '{name} --help')", err=True)
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            click.echo(f"error: {readable(exc.format_message())}", err=True)
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("aborted", err=True)
            sys.exit(130)


class _FiniteWeight(click.ParamType):
    name = "weight"

    def convert(self, value, param, ctx):
        try:
            number = float(value)
        except (TypeError, ValueError):
            self.fail(f"{value!r} is not a number", param, ctx)
        if not math.isfinite(number) or number < 0:
            self.fail(f"{value!r} must be a finite number >= 0", param, ctx)
        return number


_FINITE_WEIGHT = _FiniteWeight()
_SEED = click.IntRange(0, 2**32 - 1)


def _themes_option(func):
    return click.option("--themes", "themes_file", type=click.Path(), default=None,
                        help="JSON/TOML file naming and describing your own themes (default: the codebook's "
                             "five and other).")(func)


def _label_set(themes_file):
    from .label_set import DEFAULT, LabelSet
    return LabelSet.load(themes_file) if themes_file else DEFAULT


def _cap_jobs(jobs):
    """More workers than CPUs only add memory and start-up time."""
    cpus = os.cpu_count() or 1
    if jobs > cpus:
        click.echo(f"notice: --jobs {jobs} capped at the {cpus} CPUs of this machine", err=True)
    return min(jobs, cpus)


def _track(quiet, label):
    """A ``track`` for library functions: a progress bar on stderr over the input paths."""
    def track(paths):
        if quiet or len(paths) < 2:
            yield from paths
            return
        with click.progressbar(paths, label=label, file=sys.stderr, show_pos=True) as bar:
            yield from bar
    return track


def _say(quiet):
    """A ``progress`` for library functions: each message on a line of stderr."""
    return (lambda message: None) if quiet else (lambda message: click.echo(message, err=True))


def _load_model(model_dir, segmenter=None):
    from .store import load_model
    model, meta = load_model(model_dir or None, segmenter)  # None: the default model
    trained = meta.get("tokenizer", {}).get("backend", "jieba")
    if segmenter and segmenter != trained:
        click.echo(f"notice: the model was trained with {trained}; segmenting with {segmenter} instead "
                   "(a few paragraphs may get other tokens)", err=True)
    return model


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="theme_classifier")
def main():
    """Policy themes of Chinese government work reports, paragraph by paragraph.

    \b
    Example:
      themes split seeds/ -o units.jsonl
      themes predict seeds/ -o predictions.csv
    """


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-o", "--output", default=None, help="Output file (.jsonl or .csv); default: JSONL on stdout.")
@click.option("--max-chars", default=DEFAULT_MAX_CHARS, show_default=True, type=click.IntRange(1, None),
              help="Paragraphs longer than this are cut at sentence ends.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@_friendly
def split(inputs, output, max_chars, quiet):
    """Split reports into paragraph units.

    INPUTS are .txt/.md/.html/.docx/.pdf files, directories (walked
    recursively) or - for standard input.

    \b
    Example:
      themes split seeds/ -o units.jsonl
      themes split 江苏省2020.txt -o units.csv
    """
    from .units import split_reports
    errors = _ErrorCounter()
    count = split_reports(inputs, output, max_chars, on_error=errors, track=_track(quiet, "splitting"))
    _say(quiet)(f"{count} units")
    errors.finish()


@main.group()
def labels():
    """Check and summarise labelled units (JSONL or CSV).

    \b
    Example:
      themes labels check labels/seeds.jsonl
      themes labels stats labels/
    """


@labels.command("check")
@click.argument("files", nargs=-1, required=True)
@_themes_option
@_friendly
def labels_check(files, themes_file):
    """Validate label files: every problem is listed with file and line.

    Checks for malformed lines, missing fields, unknown themes, primary missing
    from themes, empty texts, duplicate ids and duplicate texts with conflicting
    labels. Exit code 1 if anything is wrong.

    \b
    Example:
      themes labels check labels/seeds.jsonl my_labels.csv
    """
    from .labels import check_labels
    records, problems = check_labels(files, label_set=_label_set(themes_file))
    for problem in problems:
        click.echo(f"error: {problem}", err=True)
    if problems:
        click.echo(f"{len(problems)} problem(s) in {len(files)} file(s)", err=True)
        sys.exit(1)
    click.echo(f"ok: {len(records)} labelled units")


@labels.command("stats")
@click.argument("files", nargs=-1, required=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@_themes_option
@_friendly
def labels_stats(files, as_json, themes_file):
    """Counts of labelled units per theme and per report.

    \b
    Example:
      themes labels stats labels/seeds.jsonl
    """
    from .labels import label_files, label_stats, load_labels
    label_set = _label_set(themes_file)
    stats = label_stats(load_labels(label_files(files), label_set), label_set)
    click.echo(json.dumps(stats, ensure_ascii=False, indent=2) if as_json else _format_stats(stats, label_set))


def _format_stats(stats, label_set):
    lines = [f"{stats['units']} units", f"{'theme':<12}{'primary':>8}{'in themes':>10}"]
    for label in label_set.labels:
        mentioned = stats["themes"][label] if label in label_set.themes else ""
        lines.append(f"{label:<12}{stats['primary'][label]:>8}{mentioned:>10}")
    lines.append(f"\n{'report':<28}" + "".join(f"{label[:5]:>7}" for label in label_set.labels) + f"{'total':>7}")
    for report, counts in stats["reports"].items():
        lines.append(f"{report[:27]:<28}" + "".join(f"{counts[l]:>7}" for l in label_set.labels)
                     + f"{sum(counts.values()):>7}")
    return "\n".join(lines)


@labels.command("agree")
@click.argument("passes", nargs=-1, required=True)
@click.option("-o", "--output", default=None, help="Write the disagreements (.csv or .jsonl) for adjudication.")
@click.option("--units", multiple=True, type=click.Path(), help="Batch file(s) with the units' text, if the passes hold labels only.")
@_themes_option
@_friendly
def labels_agree(passes, output, units, themes_file):
    """Agreement between independent annotation passes over the same units.

    Prints the share of units with the same primary theme, Cohen's kappa (two
    passes) or Fleiss' kappa (three or more), agreement per theme, and writes
    the units they disagree on, with every pass's labels and the text.

    \b
    Example:
      themes labels agree pass_a.csv pass_b.csv -o disagreements.csv
    """
    from .agreement import agreement, disagreement_fields, load_units
    result = agreement(list(passes), _label_set(themes_file).labels, units=load_units(units))
    if output:  # before printing, so a closed pipe on stdout loses nothing
        write_records(result["disagreements"], output, fields=disagreement_fields(result["passes"]))
    click.echo(_format_agreement(result))
    if output:
        click.echo(f"{len(result['disagreements'])} disagreement(s) written to {output}")


def _format_agreement(result):
    lines = [f"{result['units']} units, {len(result['passes'])} passes: primary agrees on "
             f"{result['primary_agreement']:.1%}, {result['kappa_kind']}'s kappa {result['kappa']:.3f}",
             f"{'label':<12}" + "".join(f"{n[:10]:>11}" for n in result["passes"]) + f"{'specific':>10}"
             f"{'themes agree':>14}{'kappa':>8}"]
    for label, row in result["per_label"].items():
        theme = result["per_theme"].get(label, {})
        specific = "" if row["specific_agreement"] is None else f"{row['specific_agreement']:.2f}"
        lines.append(f"{label:<12}" + "".join(f"{c:>11}" for c in row["counts"].values()) + f"{specific:>10}"
                     + (f"{theme['agreement']:>14.1%}{theme['kappa']:>8.2f}" if theme else ""))
    return "\n".join(lines)


@labels.command("merge")
@click.argument("passes", nargs=-1, required=True)
@click.option("--adjudicated", type=click.Path(), help="Labels (id, primary, themes) decided for disputed units.")
@click.option("--units", multiple=True, type=click.Path(), help="Batch file(s) with the units' text, if the passes hold labels only.")
@click.option("-o", "--output", required=True, help="Gold labels to write (.jsonl or .csv).")
@_themes_option
@_friendly
def labels_merge(passes, adjudicated, units, output, themes_file):
    """Gold labels from agreeing passes plus an adjudication of the disputes.

    A unit whose passes agree on the primary theme keeps it (themes: those
    every pass named); a disputed unit takes the adjudicated labels. Nothing is
    written while any unit is still in dispute.

    \b
    Example:
      themes labels merge pass_a.csv pass_b.csv --adjudicated decided.csv -o gold.jsonl
    """
    from .agreement import GOLD_FIELDS, load_units, merge
    gold = merge(list(passes), adjudicated, _label_set(themes_file).labels, units=load_units(units))
    write_records(gold, output, fields=GOLD_FIELDS)
    click.echo(f"{len(gold)} gold units ({sum(g['agreement'] == 'adjudicated' for g in gold)} adjudicated) "
               f"written to {output}")


@main.command()
@click.option("--labels", "labels_", multiple=True, required=True,
              help="Labelled units: a JSONL/CSV file or a directory of them (repeatable).")
@click.option("--corpus", multiple=True, help="Unlabelled reports (file or directory) to train word vectors on.")
@click.option("--embeddings", type=click.Path(), help="Word vectors made by 'themes embed' (instead of --corpus).")
@click.option("--exclude-reports", multiple=True,
              help="Report id, or labels file whose reports, to leave out of --corpus (repeatable).")
@click.option("--silver", multiple=True, type=click.Path(),
              help="Silver-labelled units from 'themes bootstrap', weighted below gold (repeatable).")
@click.option("--silver-weight", type=_FINITE_WEIGHT, default=None,
              help="Weight of a silver unit (gold = 1); default: chosen by cross-validation.")
@click.option("--silver-filter/--no-silver-filter", default=True, show_default=True,
              help="Keep only the silver units that a model trained on the gold labels agrees with.")
@click.option("--seed", default=0, show_default=True, type=_SEED, help="Random seed.")
@click.option("--config", type=click.Path(), help="TOML/JSON file of model parameters.")
@click.option("--no-cv", is_flag=True, help="Skip cross-validation grouped by report (and keep the default threshold).")
@click.option("-o", "--output", required=True, type=click.Path(), help="Model directory to write.")
@_themes_option
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@_friendly
def train(labels_, corpus, embeddings, exclude_reports, silver, silver_weight, silver_filter, seed, config, no_cv,
          output, themes_file, quiet):
    """Train a model on labelled units and save it as a directory.

    Prints the scores of cross-validation grouped by report when done; the
    secondary-theme threshold is chosen from its out-of-fold probabilities.

    \b
    Example:
      themes train --labels labels/seeds.jsonl -o models/mine
      themes train --labels labels/ --embeddings emb/ --seed 1 -o models/mine
      themes train --labels labels/seeds.jsonl --silver work/silver.jsonl --embeddings work/emb -o models/mine
    """
    from .training import train as train_model
    errors = _ErrorCounter()
    meta = train_model(labels_, output, corpus=list(corpus), embeddings=embeddings,
                       exclude_reports=exclude_reports, seed=seed, config=config, cv=not no_cv,
                       on_error=errors, progress=_say(quiet), silver=list(silver), silver_weight=silver_weight,
                       filter_silver=silver_filter, label_set=_label_set(themes_file))
    click.echo(_format_training(meta, output))
    errors.finish()


def _format_training(meta, output):
    from .evaluation import format_metrics
    lines = [f"saved model to {output} ({meta['training']['units']} units from {meta['training']['reports']} reports)"]
    if meta.get("silver"):
        lines.append(f"silver: {meta['silver']['kept']} of {meta['silver']['used']} units kept, "
                     f"at weight {meta['silver']['weight']}")
    if "cross_validation" in meta["metrics"]:
        lines.append(format_metrics(meta["metrics"]["cross_validation"], "cross-validated, grouped by report:"))
    return "\n".join(lines)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-m", "--model", "model_dir", type=click.Path(), default=None,
              help="Model directory (default: the shipped models/default).")
@click.option("-o", "--output", default=None, help="Output file (.jsonl or .csv); default: JSONL on stdout.")
@click.option("--top-terms", default=5, show_default=True, type=click.IntRange(0, None), help="Terms listed per unit as the reason for its label.")
@click.option("--report", "report_dir", type=click.Path(), default=None,
              help="Also write the theme report (tables, plots, report.html) into this directory.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(1, None),
              help="Worker processes; the output is identical whatever the number.")
@click.option("--dask", "dask_address", default=None, metavar="ADDRESS",
              help="Run on a Dask cluster (scheduler address, e.g. tcp://10.0.0.1:8786) instead of --jobs; "
                   "workers must see the input files.")
@click.option("--segmenter", type=click.Choice(BACKENDS), default=None,
              help="Word segmenter; default: the one the model was trained with.")
@click.option("--review-below", type=click.FloatRange(0, 1), default=None, metavar="P",
              help="Also write the paragraphs whose confidence is below P, with context, to check by hand "
                   "(review.csv in --report, else <output>_review.csv; the format of 'themes suggest').")
@click.option("-q", "--quiet", is_flag=True, help="No progress or summary on stderr.")
@_friendly
def predict(inputs, model_dir, output, top_terms, report_dir, jobs, dask_address, segmenter, review_below, quiet):
    """Label every paragraph of reports with its policy themes.

    INPUTS are report files or directories (split as in 'themes split'), - for
    stdin, or .jsonl/.csv files of pre-split units with a 'text' field.
    A per-report summary (share of units per theme) is printed to stderr.

    \b
    Example:
      themes predict seeds/ -o predictions.csv
      themes predict 江苏省2020.txt -m models/default --top-terms 3
      themes predict ../shared/corpus/reports --jobs 2 --report out/   # + tables, plots, report.html
      themes predict reports/ --dask tcp://scheduler:8786 -o predictions.jsonl
      themes predict seeds/ -o pred.csv --review-below 0.6   # + pred_review.csv to check by hand
    """
    from .prediction import predict_reports
    errors = _ErrorCounter()
    result = predict_reports(inputs, _load_model(model_dir, segmenter), output, report_dir, top_terms, _cap_jobs(jobs),
                             on_error=errors, track=_track(quiet, "predicting"), dask=dask_address,
                             review_below=review_below)
    if not quiet:
        click.echo(result["summary"].table(), err=True)
        click.echo(f"{result['units']} units labelled", err=True)
        if result["review"]:
            click.echo(f"{result['review']['units']} units to review in {result['review']['file']}", err=True)
        _echo_report(result["report"], report_dir)
    errors.finish()


def _echo_report(result, out_dir):
    if result:
        click.echo(f"theme report of {result['reports']} reports ({result['units']} units) in {out_dir}:", err=True)
        for path in result["files"]:
            click.echo(f"  {path}", err=True)


@main.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option("-m", "--model", "model_dir", type=click.Path(), default=None,
              help="Model that scores the units (default: the shipped model).")
@click.option("-n", "count", default=100, show_default=True, type=click.IntRange(1, None),
              help="How many units to suggest.")
@click.option("-o", "--output", required=True, help="Batch to label (.csv, UTF-8 with BOM for Excel, or .jsonl).")
@click.option("--labelled", multiple=True, type=click.Path(),
              help="Label file or directory whose units are not suggested again (repeatable).")
@click.option("--exclude-reports", multiple=True,
              help="Report id, or labels file whose reports, to leave out (repeatable).")
@click.option("--random", "random_sample", is_flag=True,
              help="A random sample stratified by region and decade, for unbiased evaluation.")
@click.option("--blind", is_flag=True, help="Leave out the model's guesses, so annotators are not anchored.")
@click.option("--seed", default=0, show_default=True, type=_SEED, help="Random seed.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(1, None),
              help="Worker processes for scoring.")
@click.option("-q", "--quiet", is_flag=True, help="No summary on stderr.")
@_friendly
def suggest(inputs, model_dir, count, output, labelled, exclude_reports, random_sample, blind, seed, jobs, quiet):
    """Pick the units whose labels would teach the model most, for annotation.

    Suggests the units with the smallest margin between the model's two most
    probable themes, spread over reports, regions and decades, skipping near-
    duplicates and units already labelled. Each row has the unit's heading and
    neighbouring paragraphs, and empty primary/themes columns to fill in.

    \b
    Example:
      themes suggest ../shared/corpus/reports -n 200 --labelled labels/ -o batch.csv
      themes suggest ../shared/corpus/reports -n 200 --random --blind --seed 3 -o batch.jsonl
    """
    from .labels import read_report_ids
    from .suggest import write_suggestions
    errors = _ErrorCounter()
    model = None if random_sample and blind else _load_model(model_dir)  # a blind random sample needs none
    rows = write_suggestions(list(inputs), count, output, model=model, random_sample=random_sample, blind=blind,
                             labelled=labelled, exclude_reports=read_report_ids(exclude_reports), seed=seed, on_error=errors,
                             jobs=_cap_jobs(jobs))
    _say(quiet)(f"{len(rows)} units from {len({r['report'] for r in rows})} reports written to {output}")
    errors.finish()


@main.command()
@click.argument("predictions", type=click.Path())
@click.option("-o", "--output", default=None, type=click.Path(),
              help="Folder to write the report into [default: report]; with --by, the table (.csv, .jsonl, .dta, "
                   ".parquet or .xlsx) [default: JSONL on stdout].")
@click.option("--by", type=click.Choice(list(GROUPINGS)), default=None,
              help="Write one table of mean shares per group of reports (a panel) instead of the folder.")
@click.option("-m", "--model", "model_dir", type=click.Path(), default=None,
              help="The model that made the predictions: its cross-validated error rates give adjusted_share and "
                   "the intervals (default: the shipped model).")
@click.option("--title", default=None, help="Title of report.html.")
@click.option("-q", "--quiet", is_flag=True, help="Do not list the files written.")
@_friendly
def report(predictions, output, by, model_dir, title, quiet):
    """Theme shares per report, with intervals: tidy tables, plots and HTML pages.

    PREDICTIONS is the output of 'themes predict' (JSONL or CSV). Writes
    shares.csv (one row per report x theme), shares_wide.csv (one row per
    report), stacked bars per report, each theme's share by year (SVG and PNG)
    and report.html, an index linking a page per report (reports/). Shares
    exclude units labelled other. Each share comes as unit_share (labels
    counted), expected_share (mean probability), adjusted_share (corrected
    for the model's errors) and a 95% interval share_low-share_high
    (docs/shares.md says which to cite).

    With --by, one table of mean shares per region and year (or level and
    year, year, region, or report): a panel that merges with yearbook data.
    National reports (国务院) stay in rows of their own. Without -o, JSONL
    goes to stdout.

    \b
    Example:
      themes predict seeds/ -o pred.jsonl && themes report pred.jsonl -o report/
      themes report pred.jsonl --by region,year -o panel.dta
    """
    from .reporting import report_predictions
    errors = _ErrorCounter()
    result = report_predictions(predictions, output, by, model_dir, title, on_error=errors)
    if not quiet:
        _echo_shares(result, output, by)
    errors.finish()


def _echo_shares(result, output, by):
    if result["uncorrected"]:
        click.echo(f"note: {result['uncorrected']}; adjusted_share and the intervals are left empty", err=True)
    if by:
        click.echo(f"{result['groups']} groups of {result['reports']} reports ({result['rows']} rows) written to "
                   f"{output or 'stdout'}", err=True)
    else:
        _echo_report(result, output or "report")


@main.command()
@click.option("-m", "--model", "model_dir", type=click.Path(), default=None,
              help="Model directory to score (default: the shipped model).")
@click.option("--labels", "labels_", multiple=True, required=True, help="Labelled units (JSONL/CSV; repeatable).")
@click.option("--cv", is_flag=True, help="Cross-validate training itself on --labels, grouped by report.")
@click.option("--seed", default=0, show_default=True, type=_SEED, help="Random seed (with --cv).")
@click.option("--config", type=click.Path(), help="TOML/JSON model parameters (with --cv).")
@click.option("--embeddings", type=click.Path(), help="Word vectors from 'themes embed' (with --cv).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as JSON.")
@_themes_option
@_friendly
def evaluate(model_dir, labels_, cv, seed, config, embeddings, themes_file, as_json):
    """Score a model on labelled units, or cross-validate training with --cv.

    Prints accuracy, macro- and micro-F1 of the primary label, per-theme
    precision/recall/F1/support, the confusion matrix and set-F1 of themes.

    \b
    Example:
      themes evaluate -m models/default --labels ../shared/devset/devset.jsonl
      themes evaluate --cv --labels labels/seeds.jsonl --json
    """
    from .evaluation import evaluate_labels, format_metrics
    from .store import default_model_path
    from .training import cross_validate_training
    if cv:
        metrics = cross_validate_training(labels_, config, seed, embeddings, _label_set(themes_file))["metrics"]
        title = "cross-validated, grouped by report:"
    else:
        metrics = evaluate_labels(_load_model(model_dir), labels_)[0]
        title = f"model {model_dir or default_model_path()} on {', '.join(labels_)}:"
    click.echo(json.dumps(metrics, indent=2) if as_json else format_metrics(metrics, title))


@main.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="Directory to write the vectors to.")
@click.option("--exclude-reports", multiple=True,
              help="Report id, or labels file whose reports, to leave out (repeatable).")
@click.option("--seed", default=0, show_default=True, type=_SEED, help="Random seed (training is single-threaded).")
@click.option("--vector-size", default=DEFAULT_W2V["vector_size"], show_default=True, type=click.IntRange(1, 1000))
@click.option("--epochs", default=DEFAULT_W2V["epochs"], show_default=True, type=click.IntRange(1, 1000))
@click.option("--min-count", default=DEFAULT_W2V["min_count"], show_default=True, type=click.IntRange(1, None),
              help="Ignore words that occur fewer times.")
@click.option("--max-vocab", default=DEFAULT_W2V["max_vocab"], show_default=True, type=click.IntRange(1, None),
              help="Keep at most this many words.")
@click.option("-q", "--quiet", is_flag=True, help="No progress on stderr.")
@_friendly
def embed(corpus, output, exclude_reports, seed, vector_size, epochs, min_count, max_vocab, quiet):
    """Train word2vec vectors on a corpus of reports, streamed from disk.

    \b
    Example:
      themes embed ../shared/corpus/reports --exclude-reports ../shared/devset/devset.jsonl -o emb/
    """
    from .embeddings import embed_corpus
    from .labels import read_report_ids
    errors = _ErrorCounter()
    params = {"vector_size": vector_size, "epochs": epochs, "min_count": min_count, "max_vocab": max_vocab}
    wv, meta = embed_corpus(corpus, read_report_ids(exclude_reports), seed, params, on_error=errors, output=output,
                            epoch_progress=lambda e: _say(quiet)(f"epoch {e}/{epochs}"),
                            track=_track(quiet, "tokenising"))
    click.echo(f"saved {len(wv.index_to_key)} word vectors to {output} "
               f"({meta['corpus_stats']['reports']} reports, {meta['corpus_stats']['tokens']} tokens)")
    errors.finish()


@main.command()
@click.argument("corpus", nargs=-1, required=True)
@click.option("-o", "--output", required=True, type=click.Path(), help="Silver units (.jsonl or .csv).")
@click.option("--rules", type=click.Path(), default=None, help="Heading rules JSON (default: the shipped rules).")
@click.option("--exclude-reports", multiple=True,
              help="Report id, or labels file whose reports, to leave out (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="No progress or counts on stderr.")
@_friendly
def bootstrap(corpus, output, rules, exclude_reports, quiet):
    """Silver-label units by the theme their section heading names.

    A unit takes the theme of the deepest heading above it that names exactly
    one theme (rules: theme_classifier/data/heading_rules.json); headings that
    name several themes abstain. Prints counts per theme and the share labelled.

    \b
    Example:
      themes bootstrap ../shared/corpus/reports --exclude-reports ../shared/devset/devset.jsonl -o work/silver.jsonl
    """
    from .labels import read_report_ids
    from .silver import HeadingRules, bootstrap as bootstrap_units
    errors = _ErrorCounter()
    counts = bootstrap_units(corpus, output, HeadingRules.load(rules), read_report_ids(exclude_reports),
                             on_error=errors,
                             track=_track(quiet, "bootstrapping"))
    _say(quiet)(_format_silver_counts(counts))
    errors.finish()


def _format_silver_counts(counts):
    from . import THEMES
    total = counts["units"] or 1
    lines = [f"{counts['written']} of {counts['units']} units labelled ({counts['labelled'] / total:.1%}) "
             f"from {counts['reports']} reports; {counts['ambiguous']} abstained on ambiguous headings, "
             f"{counts['no_theme']} under headings naming no theme"]
    return "\n".join(lines + [f"  {theme:<12}{counts[theme]:>8}" for theme in THEMES])


if __name__ == "__main__":  # pragma: no cover
    main()
