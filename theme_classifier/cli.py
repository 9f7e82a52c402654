"""The ``themes`` command line: parse options, call one library function, format its result."""

import functools
import sys

import click

from .errors import ThemeError
from .reading import iter_input_paths, read_reports
from .records import write_records
from .units import DEFAULT_MAX_CHARS, split_units


class _Batch:
    """Collects per-file errors of a batch: each is printed once, and the exit code says so."""

    def __init__(self):
        self.errors = 0

    def __call__(self, error):
        self.errors += 1
        click.echo(f"error: {error} (skipped)", err=True)

    def finish(self):
        if self.errors:
            click.echo(f"{self.errors} input(s) skipped because of errors", err=True)
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


def _progress(items, quiet, label):
    """Show a progress bar on stderr for more than one item, unless quiet."""
    items = list(items)
    if quiet or len(items) < 2:
        return items
    return click.progressbar(items, label=label, file=sys.stderr, show_pos=True)


def _with_progress(iterable_factory, paths, quiet, label):
    bar = _progress(paths, quiet, label)
    if isinstance(bar, list):
        yield from iterable_factory(bar)
        return
    with bar as items:
        yield from iterable_factory(items)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
@click.option("--max-chars", default=DEFAULT_MAX_CHARS, show_default=True,
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
    batch = _Batch()
    paths = list(iter_input_paths(inputs))

    def units(items):
        for doc in read_reports(items, on_error=batch):
            for unit in split_units(doc, max_chars=max_chars):
                yield unit.to_dict()

    count = write_records(_with_progress(units, paths, quiet, "splitting"), output)
    if not quiet:
        click.echo(f"{count} units", err=True)
    batch.finish()


if __name__ == "__main__":  # pragma: no cover
    main()
