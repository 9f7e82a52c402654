"""Labelled units: loading, validation and statistics (JSONL or CSV).

A labelled unit has ``id``, ``text``, ``primary`` (a theme or ``other``) and
``themes`` (1–3 themes including ``primary``; empty when ``primary`` is
``other``); ``report`` is optional and defaults to the part of ``id`` before ``#``.
"""

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from . import OTHER
from .errors import InputError
from .label_set import DEFAULT
from .records import iter_records

REQUIRED_FIELDS = ("id", "text", "primary")
LABEL_SUFFIXES = (".jsonl", ".csv")


@dataclass
class Problem:
    """One validation problem: where it is and what is wrong."""

    source: str
    line: int
    reason: str

    def __str__(self):
        return f"{self.source}:{self.line}: {self.reason}"


#: Folders of a labels directory that hold no gold: annotation passes and unlabelled batches.
NOT_GOLD_DIRS = {"passes", "batches"}


def label_files(paths):
    """Expand files and directories into label files (``.jsonl``/``.csv``, sorted).

    In a directory, annotation passes (``passes/``) and batches (``batches/``) are not gold
    and are skipped, as are hidden files; a file named explicitly is always read.
    """
    files = []
    for item in paths:
        path = Path(item)
        if path.is_dir():
            files.extend(sorted(
                p for p in path.rglob("*") if p.suffix.lower() in LABEL_SUFFIXES and p.is_file()
                and not any(part in NOT_GOLD_DIRS or part.startswith(".") for part in p.relative_to(path).parts)))
        else:
            files.append(path)
    return files


def normalise_labels(record, label_set=DEFAULT):
    """Forgive what people type: theme names are trimmed and lower-cased, ``themes`` may be a
    ``;``-separated string, and a missing or empty ``themes`` means ``[primary]``."""
    if "primary" not in record:
        return record
    primary, themes = record["primary"], record.get("themes")
    if isinstance(primary, str):
        primary = primary.strip().lower()
    if isinstance(themes, str):
        themes = themes.split(";")
    if isinstance(themes, list):
        themes = [t.strip().lower() if isinstance(t, str) else t for t in themes]
        themes = [t for t in themes if t != ""]
    if not themes and isinstance(primary, str) and primary in label_set.themes:
        themes = [primary]
    elif themes is None:
        themes = []
    return {**record, "primary": primary, "themes": themes}


def _record_problems(record, label_set=DEFAULT):
    missing = [f for f in REQUIRED_FIELDS if f not in record]
    if missing:
        return [f"missing field(s): {', '.join(missing)} (a label needs id, text and primary)"]
    problems = []
    text, primary, themes = record["text"], record["primary"], record["themes"]
    if not isinstance(text, str) or not text.strip():
        problems.append("empty text")
    if not isinstance(themes, list) or not all(isinstance(t, str) for t in themes):
        return problems + ["themes must be a list of theme names"]
    if primary not in label_set.labels:
        hint = "" if not label_set.is_default else "; a codebook of your own needs --themes FILE"
        problems.append(f"unknown primary theme {primary!r} (expected one of {', '.join(label_set.labels)}{hint})")
    unknown = [t for t in themes if t not in label_set.themes]
    if unknown:
        problems.append(f"unknown theme(s) in themes: {', '.join(map(repr, unknown))}")
    if primary in label_set.themes and primary not in themes:
        problems.append(f"primary {primary!r} missing from themes")
    if primary == OTHER and themes:
        problems.append("primary 'other' must have no themes")
    if len(themes) > 3:
        problems.append(f"{len(themes)} themes (at most 3)")
    if len(set(themes)) != len(themes):
        problems.append("repeated theme in themes")
    return problems


def check_labels(paths, drop_conflicts=False, label_set=DEFAULT):
    """Validate label files and return ``(records, problems)``.

    Reports malformed lines, missing fields, unknown themes, ``primary``
    missing from ``themes``, empty texts, duplicate ids and duplicate texts
    with conflicting labels (across all files), each with file and line.
    With ``drop_conflicts``, every unit of a text with conflicting labels is
    dropped silently instead. Labels are checked against ``label_set`` (the
    default codebook unless a ``--themes`` file says otherwise).
    """
    records, problems = [], []
    seen_ids, seen_texts, conflicts = {}, {}, set()
    for path in label_files(paths):
        try:
            rows = list(iter_records(path))
        except InputError as err:
            problems.append(Problem(str(path), 0, err.problem))
            continue
        if not rows:
            problems.append(Problem(str(path), 0, "no labelled units"))
        for number, record, problem in rows:
            where = (str(path), number)
            if problem:
                problems.append(Problem(*where, problem))
                continue
            record = normalise_labels(record, label_set)
            found = _record_problems(record, label_set)
            problems.extend(Problem(*where, reason) for reason in found)
            if found:
                continue
            uid = str(record["id"])
            if uid in seen_ids:
                problems.append(Problem(*where, f"duplicate id {uid!r} (first at {seen_ids[uid]})"))
                continue
            seen_ids[uid] = "{}:{}".format(*where)
            key = " ".join(record["text"].split())
            label = (record["primary"], tuple(sorted(record["themes"])))
            if key in seen_texts and seen_texts[key][0] != label:
                if drop_conflicts:
                    conflicts.add(key)
                else:
                    problems.append(Problem(*where, f"same text as {seen_texts[key][1]} with different labels"))
                continue
            seen_texts.setdefault(key, (label, "{}:{}".format(*where)))
            record = dict(record, id=uid, report=str(record.get("report") or uid.split("#")[0]))
            records.append(record)
    if conflicts:
        records = [r for r in records if " ".join(r["text"].split()) not in conflicts]
    return records, problems


def load_labels(paths, label_set=DEFAULT):
    """Load and validate labelled units; the first problem raises :class:`InputError`.

    Returns
    -------
    list of dict
        Records with ``id``, ``report``, ``text``, ``primary`` and ``themes``.
    """
    records, problems = check_labels(paths, label_set=label_set)
    if problems:
        first = problems[0]
        more = f" (and {len(problems) - 1} more problem(s); run 'themes labels check')" if len(problems) > 1 else ""
        raise InputError(f"{first.source}:{first.line}" if first.line else first.source, first.reason + more)
    if not records:
        raise InputError(", ".join(map(str, paths)), "no labelled units")
    return records


def load_silver(paths):
    """Load silver labels, validated like gold ones except that a text occurring with different
    labels (boilerplate under headings of different themes) is dropped everywhere, not an error.
    """
    records, problems = check_labels(paths, drop_conflicts=True)
    if problems:
        first = problems[0]
        raise InputError(f"{first.source}:{first.line}" if first.line else first.source, first.reason)
    return records


def read_report_ids(items):
    """Report ids to exclude, from ids given directly or from labels files (their ``report`` field)."""
    ids = set()
    for item in items:
        path = Path(item)
        if path.is_file() or path.is_dir():
            ids.update(r["report"] for r in load_labels(label_files([path])))
        else:
            ids.add(str(item))
    return ids


def labels_sha256(records):
    """A hash of the labelled data (id, text, labels), independent of file format and order."""
    digest = hashlib.sha256()
    for record in sorted(records, key=lambda r: r["id"]):
        digest.update(json.dumps([record["id"], record["text"], record["primary"], sorted(record["themes"])],
                                 ensure_ascii=False).encode("utf-8"))
    return digest.hexdigest()


def label_stats(records, label_set=DEFAULT):
    """Counts per primary label, per theme (any mention) and per report × primary label."""
    labels, themes = label_set.labels, label_set.themes
    per_report = {}
    for record in records:
        per_report.setdefault(record["report"], Counter())[record["primary"]] += 1
    return {
        "units": len(records),
        "primary": {label: sum(r["primary"] == label for r in records) for label in labels},
        "themes": {theme: sum(theme in r["themes"] for r in records) for theme in themes},
        "reports": {report: {label: counts[label] for label in labels} for report, counts in sorted(per_report.items())},
    }
