"""Independent annotation passes: how far they agree (Cohen's or Fleiss' kappa), where they
disagree, and gold labels merged from them and an adjudication.

A pass is a JSONL/CSV file of ``id``, ``primary`` and optionally ``themes`` (and any other
fields, e.g. the text of a ``themes suggest`` batch the annotator filled in).
"""

from collections import Counter
from pathlib import Path

from . import LABELS, OTHER
from .errors import InputError
from .labels import normalise_labels
from .records import iter_records, read_records

#: Fields a gold unit keeps from its batch, besides its labels.
UNIT_FIELDS = ("id", "report", "region", "year", "level", "heading", "text", "start", "end", "source", "batch")


def load_pass(path, labels=LABELS):
    """One pass as ``{id: record}`` with normalised ``primary`` and ``themes``.

    Raises
    ------
    InputError
        Naming the file and 1-based line of the first malformed record or duplicate id.
    """
    found = {}
    for number, record, problem in iter_records(path):
        where = f"{path}:{number}"
        if problem:
            raise InputError(where, problem)
        if "id" not in record or "primary" not in record:
            raise InputError(where, "a pass needs 'id' and 'primary' on every line")
        record = normalise_labels(record)
        uid = str(record["id"])
        if record["primary"] not in labels:
            raise InputError(where, f"unknown primary {record['primary']!r} (expected one of {', '.join(labels)})")
        if uid in found:
            raise InputError(where, f"duplicate id {uid!r}")
        found[uid] = record
    if not found:
        raise InputError(path, "no labelled units")
    return found


def _aligned(passes, names):
    """The ids every pass labels; a unit missing from some pass is an error."""
    ids = list(passes[0])
    for name, labelled in zip(names, passes):
        missing = [uid for uid in ids if uid not in labelled]
        extra = [uid for uid in labelled if uid not in passes[0]]
        if missing or extra:
            uid = (missing or extra)[0]
            raise InputError(name, f"labels a different set of units from {names[0]} (first: {uid!r}); "
                                   "passes must cover the same units")
    return ids


def cohen_kappa(a, b):
    """Cohen's kappa of two raters' labels."""
    n = len(a)
    observed = sum(x == y for x, y in zip(a, b)) / n
    count_a, count_b = Counter(a), Counter(b)
    expected = sum(count_a[k] * count_b[k] for k in count_a) / n ** 2
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def fleiss_kappa(ratings):
    """Fleiss' kappa of a list of per-unit label lists (the same number of raters for each)."""
    raters = len(ratings[0])
    per_unit = [Counter(labels) for labels in ratings]
    agreement = sum((sum(c * c for c in counts.values()) - raters) / (raters * (raters - 1))
                    for counts in per_unit) / len(ratings)
    totals = Counter()
    for counts in per_unit:
        totals.update(counts)
    expected = sum((c / (len(ratings) * raters)) ** 2 for c in totals.values())
    return 1.0 if expected == 1 else (agreement - expected) / (1 - expected)


def _kappa(columns):
    return cohen_kappa(*columns) if len(columns) == 2 else fleiss_kappa(list(zip(*columns)))


def agreement(paths, labels=LABELS, units=None):
    """Agreement between two or more passes over the same units.

    Parameters
    ----------
    paths : list of str or Path
        Pass files (two for Cohen's kappa, more for Fleiss').
    labels : sequence of str
        The label set.
    units : dict, optional
        ``{id: record}`` giving text and heading when the passes hold labels only.

    Returns
    -------
    dict
        ``units``, ``passes``, ``primary_agreement`` (share of units where all passes agree),
        ``kappa`` and ``kappa_kind``, ``per_label`` (specific agreement on each primary label,
        with counts per pass), ``per_theme`` (agreement and kappa on each theme's presence in
        ``themes``), and ``disagreements``: one record per unit whose primary differs, with
        ``primary`` and ``themes`` as ``{pass: value}``.
    """
    if len(paths) < 2:
        raise InputError(", ".join(map(str, paths)), "agreement needs at least two passes")
    names = [Path(p).stem for p in paths]
    if len(set(names)) < len(names):
        names = [str(p) for p in paths]
    passes = [load_pass(p, labels) for p in paths]
    ids = _aligned(passes, [str(p) for p in paths])
    primaries = [[labelled[uid]["primary"] for uid in ids] for labelled in passes]
    per_label = {}
    for label in labels:
        counts = [sum(p == label for p in column) for column in primaries]
        both = sum(all(column[i] == label for column in primaries) for i in range(len(ids)))
        per_label[label] = {"counts": dict(zip(names, counts)),
                            "specific_agreement": round(len(paths) * both / sum(counts), 4) if sum(counts) else None}
    per_theme = {}
    for theme in (t for t in labels if t != OTHER):
        present = [[theme in labelled[uid]["themes"] for uid in ids] for labelled in passes]
        agreed = sum(len(set(values)) == 1 for values in zip(*present)) / len(ids)
        per_theme[theme] = {"agreement": round(agreed, 4), "kappa": round(_kappa(present), 4)}
    disagreements = []
    for i, uid in enumerate(ids):
        if len({column[i] for column in primaries}) > 1:
            context = _unit_fields(uid, passes, units)
            disagreements.append({**context,
                                  "primary": {n: labelled[uid]["primary"] for n, labelled in zip(names, passes)},
                                  "themes": {n: ";".join(labelled[uid]["themes"]) for n, labelled in zip(names, passes)}})
    agreed = len(ids) - len(disagreements)
    return {"units": len(ids), "passes": names, "primary_agreement": round(agreed / len(ids), 4),
            "kappa": round(_kappa(primaries), 4), "kappa_kind": "Cohen" if len(paths) == 2 else "Fleiss",
            "per_label": per_label, "per_theme": per_theme, "disagreements": disagreements}


def disagreement_fields(names):
    """Schema of disagreement records for passes ``names``."""
    return ("id", "report", "heading", "text", ("primary", tuple(names)), ("themes", tuple(names)))


def _unit_fields(uid, passes, units):
    """A unit's own fields (text, report, heading…) from the units file or the first pass that has them."""
    source = (units or {}).get(uid) or next((p[uid] for p in passes if "text" in p[uid]), {})
    fields = {k: source[k] for k in UNIT_FIELDS if k in source and source[k] not in (None, "")}
    fields["id"] = uid
    fields.setdefault("report", uid.split("#")[0])
    return fields


def load_units(paths):
    """``{id: record}`` of the unit files (e.g. ``themes suggest`` batches) given with ``--units``."""
    return {str(record["id"]): record for path in paths for record in read_records(path) if "id" in record}


def merge(paths, adjudicated=None, labels=LABELS, units=None):
    """Gold labels from agreeing passes and an adjudication of the units they disagree on.

    Where every pass names the same ``primary``, it is gold, and ``themes`` holds the themes
    every pass named, plus ``primary``. A unit the passes disagree on takes its labels from the
    adjudication file; one that is still in dispute is an error (nothing is written).

    Returns
    -------
    list of dict
        Gold records: the unit's fields (``id``, ``report``, ``heading``, ``text``, offsets,
        ``source``…), ``primary``, ``themes`` and ``agreement`` (``passes`` or ``adjudicated``).
    """
    passes = [load_pass(p, labels) for p in paths]
    ids = _aligned(passes, [str(p) for p in paths])
    decided = load_pass(adjudicated, labels) if adjudicated else {}
    unknown = [uid for uid in decided if uid not in passes[0]]
    if unknown:
        raise InputError(adjudicated, f"adjudicates {unknown[0]!r}, which is in no pass")
    gold, disputed = [], []
    for uid in ids:
        votes = [labelled[uid] for labelled in passes]
        if uid in decided:
            primary, themes, how = decided[uid]["primary"], decided[uid]["themes"], "adjudicated"
        elif len({v["primary"] for v in votes}) == 1:
            primary, how = votes[0]["primary"], "passes"
            shared = set.intersection(*(set(v["themes"]) for v in votes))
            themes = [] if primary == OTHER else [t for t in labels if t in shared | {primary}]
        else:
            disputed.append(uid)
            continue
        record = _unit_fields(uid, passes, units)
        if "text" not in record:
            raise InputError(paths[0], f"no text for {uid!r}: give the batch file with --units")
        gold.append({**record, "primary": primary, "themes": themes, "agreement": how})
    if disputed:
        raise InputError(adjudicated or paths[0],
                         f"{len(disputed)} unit(s) still in dispute (first: {disputed[0]!r}); "
                         "adjudicate them with 'themes labels agree -o' and --adjudicated")
    return gold


#: Schema of merged gold records.
GOLD_FIELDS = UNIT_FIELDS + ("primary", "themes", "agreement")

