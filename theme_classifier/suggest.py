"""Choose the units to label next: those the model is least sure of, spread over reports, regions
and decades, or a stratified random sample (for unbiased evaluation).

Each suggestion carries its heading and neighbouring paragraphs, so an annotator can judge it
in context, and empty ``primary``/``themes`` columns for the annotator to fill in.
"""

import heapq
import random
import re
from collections import Counter, defaultdict

from .labels import label_files
from .prediction import in_context, model_guesses, suggest_fields
from .reading import iter_input_paths
from .records import iter_records, write_records

#: A repeated pick from the same report or stratum (region × decade) must be this much more
#: uncertain (in top-two margin) to be chosen, so suggestions spread over the corpus.
REPORT_PENALTY = 0.15
STRATUM_PENALTY = 0.05
#: Character 4-gram Jaccard similarity above which two paragraphs count as near-duplicates.
NEAR_DUPLICATE = 0.6


def _key(text):
    """Text with punctuation and spaces removed: equal keys are the same paragraph."""
    return re.sub(r"[\W_]+", "", text)


def _shingles(text):
    key = _key(text)
    return {key[i:i + 4] for i in range(max(1, len(key) - 3))}


def labelled_units(paths):
    """Ids and text keys of units already in label files (passes too: ``text`` is optional)."""
    ids, texts = set(), set()
    for path in label_files(paths):
        for _, record, _ in iter_records(path):
            if record:
                ids.add(str(record.get("id")))
                if isinstance(record.get("text"), str):
                    texts.add(_key(record["text"]))
    return ids, texts


def _stratum(record):
    year = record.get("year")
    return record.get("region") or "", (int(year) // 10 * 10) if year else 0


class _Chosen:
    """The picks so far, refusing near-duplicates of an earlier pick."""

    def __init__(self):
        self.rows, self.shingles = [], []

    def add(self, row):
        shingles = _shingles(row["text"])
        for other in self.shingles:
            if len(shingles & other) > NEAR_DUPLICATE * len(shingles | other):
                return False
        self.rows.append(row)
        self.shingles.append(shingles)
        return True


def _most_uncertain(candidates, n):
    """Greedy: the smallest top-two margin, penalised by picks already taken from the same report
    and stratum (penalties only grow, so a lazily re-scored heap finds the true minimum)."""
    by_report, by_stratum = Counter(), Counter()
    chosen = _Chosen()

    def cost(row):
        return row["_margin"] + REPORT_PENALTY * by_report[row["report"]] \
            + STRATUM_PENALTY * by_stratum[_stratum(row)]

    heap = [(row["_margin"], i) for i, row in enumerate(candidates)]
    heapq.heapify(heap)
    while heap and len(chosen.rows) < n:
        key, i = heapq.heappop(heap)
        row = candidates[i]
        current = cost(row)
        if current > key + 1e-12:
            heapq.heappush(heap, (current, i))
        elif chosen.add(row):
            by_report[row["report"]] += 1
            by_stratum[_stratum(row)] += 1
    return chosen.rows


def _stratified_random(candidates, n, rng):
    """A random sample allocated to strata (region × decade) in proportion to their size
    (largest remainder), drawn at random within each stratum."""
    strata = defaultdict(list)
    for row in candidates:
        strata[_stratum(row)].append(row)
    total = len(candidates)
    quota = {key: n * len(rows) / total for key, rows in strata.items()}
    counts = {key: int(q) for key, q in quota.items()}
    for key in sorted(quota, key=lambda k: (-(quota[k] - counts[k]), k))[:n - sum(counts.values())]:
        counts[key] += 1
    chosen = _Chosen()
    for key in sorted(strata):
        rows = strata[key]
        rng.shuffle(rows)
        taken = 0
        for row in rows:
            if taken == counts[key]:
                break
            taken += chosen.add(row)
    return chosen.rows


def suggest_units(inputs, n, model=None, random_sample=False, labelled=(), exclude_reports=(), seed=0,
                  on_error=None, jobs=1):
    """Pick ``n`` units of ``inputs`` for annotation.

    Parameters
    ----------
    inputs : list of str or Path
        Report files or directories.
    n : int
        How many units to pick.
    model : ThemeClassifier, optional
        Scores the units. Needed for uncertainty sampling; with ``random_sample`` it only fills
        the model columns (leave it out for blind batches).
    random_sample : bool
        Draw a stratified random sample instead of the most informative units.
    labelled : list of str or Path
        Label files (or directories) whose units (by id or text) are never suggested again.
    exclude_reports : iterable of str
        Report ids to leave out (e.g. an evaluation set's).
    seed : int
    on_error : callable, optional
        Receives each unreadable input's :class:`~theme_classifier.errors.InputError`.
    jobs : int
        Worker processes for scoring.

    Returns
    -------
    list of dict
        Records of :func:`suggest_fields`, in the order chosen; ``source`` is ``suggest`` or
        ``random``; ``primary`` and ``themes`` are empty.
    """
    from .prediction import iter_unit_batches, predict
    if model is None and not random_sample:
        raise ValueError("uncertainty sampling needs a model")
    exclude = set(exclude_reports)
    paths = [p for p in iter_input_paths(inputs) if str(p) == "-" or p.stem not in exclude]
    skip_ids, skip_texts = labelled_units(labelled)
    if model is None:
        records = (u for batch in iter_unit_batches(paths, on_error) for u in batch)
    else:
        records = predict(paths, model, top_terms=0, on_error=on_error, jobs=jobs)
    candidates, seen = [], set(skip_texts)
    for record in in_context(records):
        key = _key(record["text"])
        if record["id"] in skip_ids or key in seen or not key:
            continue
        seen.add(key)
        if model is not None:
            record.update(model_guesses(record))
        candidates.append(record)
    if random_sample:
        rows, source = _stratified_random(candidates, n, random.Random(seed)), "random"
    else:
        rows, source = _most_uncertain(candidates, n), "suggest"
    return [{**row, "source": source, "primary": "", "themes": []} for row in rows]


def write_suggestions(inputs, n, output, blind=False, **options):
    """:func:`suggest_units`, written to ``output`` as a batch to label (``themes suggest``);
    ``blind`` leaves out the model's guesses. Returns the rows written."""
    rows = suggest_units(inputs, n, **options)
    write_records(rows, output, fields=suggest_fields(blind))
    return rows
