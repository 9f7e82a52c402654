"""Train a model from labelled units (and optionally word vectors from a corpus) and save it."""

import math
import random
from collections import Counter, defaultdict

from .embeddings import embed_corpus, load_vectors
from .errors import InputError
from .evaluation import agreeing_units, cross_validate, cross_validate_weights
from .label_set import DEFAULT as DEFAULT_LABEL_SET
from .labels import label_files, labels_sha256, load_labels, load_silver, read_report_ids
from .model import ThemeClassifier
from .records import read_settings
from .store import check_model_dir, save_model

#: Defaults of the shipped model, chosen by cross-validation grouped by report on the gold labels
#: with corpus word vectors, scored on the unbiased part of the gold set (scripts/select_model.py;
#: figures in docs/benchmarks.md): character 1-2-grams added to word unigrams was the one change
#: whose gain over the previous default held across the report bootstrap.
DEFAULT_PARAMS = {"ngram_range": (1, 1), "min_df": 1, "char_ngram_range": (1, 2), "use_tfidf": True,
                  "use_w2v": True, "w2v_weight": 2.0, "C": 1.0, "class_weight": "balanced"}


def model_params(config=None, seed=0, label_set=None):
    """The parameters a model is trained with: the defaults, a ``--config`` file's values over
    them, the seed, and the labels of a codebook of one's own."""
    params = {**DEFAULT_PARAMS, **(read_config(config) if config else {}), "seed": seed}
    if label_set is not None and not label_set.is_default:
        params["labels"] = label_set.labels
    return params


def read_config(path):
    """Model parameters from a TOML or JSON file (keys as in :class:`ThemeClassifier`)."""
    config = read_settings(path, "config")
    if not isinstance(config, dict):
        raise InputError(path, "a config is a table (TOML) or an object (JSON) of model parameters")
    allowed = set(ThemeClassifier().get_params()) - {"tokenizer", "seed", "labels"}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise InputError(path, f"unknown parameter(s): {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    for name, value in config.items():
        problem = _param_problem(name, value)
        if problem:
            raise InputError(path, f"{name} = {value!r}: {problem}")
    return config


def _is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _param_problem(name, value):
    """Why a model parameter's value is invalid, or None."""
    if name in ("ngram_range", "char_ngram_range"):
        if value is None and name == "char_ngram_range":
            return None
        if not (isinstance(value, (list, tuple)) and len(value) == 2
                and all(isinstance(v, int) and not isinstance(v, bool) for v in value) and 1 <= value[0] <= value[1] <= 6):
            return "must be two integers [low, high] with 1 <= low <= high <= 6"
    elif name == "C" and not (_is_number(value) and value > 0):
        return "must be a number > 0"
    elif name == "threshold" and value is not None and not (_is_number(value) and 0 <= value <= 1):
        return "must be a number between 0 and 1 (or absent to choose it by cross-validation)"
    elif name == "min_df" and not (isinstance(value, int) and not isinstance(value, bool) and value >= 1):
        return "must be an integer >= 1"
    elif name == "w2v_weight" and not (_is_number(value) and value >= 0):
        return "must be a number >= 0"
    elif name in ("use_tfidf", "use_w2v") and not isinstance(value, bool):
        return "must be true or false"
    elif name == "class_weight" and value not in ("balanced", "sqrt", None):
        return "must be \"balanced\" or \"sqrt\" (or absent for none)"
    elif name == "w2v_params" and value is not None and not isinstance(value, dict):
        return "must be a table of word2vec settings"
    return None


#: Fewest labelled units a model is trained on (cross-validation needs several per fold).
MIN_UNITS = 10

#: Silver weights tried by cross-validation (gold units weigh 1).
SILVER_WEIGHTS = (0.03, 0.1, 0.3, 1.0)
#: Most silver units kept per theme: balances themes and bounds training time.
SILVER_MAX_PER_THEME = 3000


def select_silver(records, max_per_theme=SILVER_MAX_PER_THEME, seed=0, exclude_texts=()):
    """A reproducible sample of at most ``max_per_theme`` silver units per theme.

    Units whose text is also a gold unit's are dropped (gold wins).
    """
    exclude = {" ".join(t.split()) for t in exclude_texts}
    by_theme = defaultdict(list)
    for record in records:
        if " ".join(record["text"].split()) not in exclude:
            by_theme[record["primary"]].append(record)
    rng = random.Random(seed)
    chosen = []
    for theme in sorted(by_theme):
        units = by_theme[theme]
        chosen.extend(units if len(units) <= max_per_theme else rng.sample(units, max_per_theme))
    return sorted(chosen, key=lambda r: r["id"])


def choose_silver_weight(gold, silver, params, vectors=None, weights=SILVER_WEIGHTS, progress=None,
                         filter_silver=True):
    """The silver weight with the best macro-F1 in cross-validation grouped by report.

    Returns
    -------
    (float, dict)
        The best weight and the macro-F1 of every weight tried (0 = gold only).
    """
    # The threshold does not change the primary label: fix it to keep the search fast.
    fast = {**params, "threshold": 0.3}
    candidates = (0.0,) + tuple(weights)
    fold_progress = (lambda i, n: progress(f"silver weights: fold {i}/{n}")) if progress else None
    results = cross_validate_weights(gold, candidates, fast, vectors=vectors, extra=silver,
                                     filter_extra=filter_silver, progress=fold_progress)
    scores = {}
    for weight, (metrics, _) in zip(candidates, results):
        scores[weight] = metrics["macro_f1"]
        if progress:
            progress(f"silver weight {weight}: cross-validated macro-F1 {metrics['macro_f1']:.3f}")
    best = max(scores, key=lambda w: (scores[w], -w))
    return best, scores


def train(labels, output, corpus=None, embeddings=None, exclude_reports=(), seed=0, config=None,
          cv=True, on_error=None, progress=None, silver=None, silver_weight=None, filter_silver=True,
          label_set=None):
    """Train a model on labelled units, cross-validate it by report, and save it.

    Parameters
    ----------
    labels : list of str or Path
        Label files or directories (JSONL/CSV).
    output : str or Path
        Model directory to write.
    corpus : list of str or Path, optional
        Unlabelled reports to train word vectors on (streamed from disk).
    embeddings : str or Path, optional
        A directory written by ``themes embed`` (used instead of ``corpus``).
    exclude_reports : iterable of str
        Report ids (or labels files) whose reports are left out of ``corpus``.
    seed : int
    config : str or Path, optional
        TOML/JSON file of model parameters.
    cv : bool
        Run cross-validation grouped by report and record its scores.
    silver : list of str or Path, optional
        Silver-labelled units (``themes bootstrap``), added to training at a lower weight.
    silver_weight : float, optional
        Weight of a silver unit (gold weighs 1); ``None`` chooses it by cross-validation
        among :data:`SILVER_WEIGHTS` (0 = not using silver is a candidate too).
    filter_silver : bool
        Keep only the silver units that a model trained on the gold labels alone agrees with
        (in cross-validation, a model of the same fold); raw heading-rule labels measurably hurt.
    progress : callable, optional
        Called with a short message at each step.
    label_set : LabelSet, optional
        The codebook's labels (a ``--themes`` file); default: the five themes and ``other``.

    Returns
    -------
    dict
        The saved model's metadata.
    """
    say = progress or (lambda message: None)
    check_model_dir(output)  # refuse a folder that is not ours before any work
    label_set = label_set or DEFAULT_LABEL_SET
    records = load_labels(label_files(labels), label_set)
    primaries = Counter(r["primary"] for r in records)
    if len(primaries) < 2:
        raise InputError(", ".join(map(str, labels)), f"all {len(records)} units have the same label "
                                                      f"({next(iter(primaries))}); a model needs at least two")
    if len(records) < MIN_UNITS:
        raise InputError(", ".join(map(str, labels)), f"only {len(records)} labelled units; training needs "
                                                      f"at least {MIN_UNITS}")
    params = model_params(config, seed, label_set)
    vectors, vectors_meta = None, {"kind": "word2vec", "trained_on": "the labelled units only"}
    if embeddings:
        vectors, vectors_meta = load_vectors(embeddings)
        vectors_meta = {**vectors_meta, "path": str(embeddings)}
    elif corpus and params.get("use_w2v", True):
        say("training word vectors on the labelled units and the corpus")
        # The labelled texts join the corpus, so their own words get vectors too.
        vectors, vectors_meta = embed_corpus(corpus, read_report_ids(exclude_reports), seed=seed,
                                             on_error=on_error, extra_texts=[r["text"] for r in records])
        vectors_meta["corpus"] = [str(c) for c in corpus]
    metrics = {}
    # silver_pool: the sampled silver units, filtered per fold in cross-validation;
    # silver_records: those the final model trains on.
    silver_pool, silver_records, silver_meta = [], [], None
    if silver:
        available = load_silver(label_files(silver))
        silver_pool = select_silver(available, seed=seed, exclude_texts=[r["text"] for r in records])
        silver_meta = {"files": [str(p) for p in label_files(silver)], "available": len(available),
                       "used": len(silver_pool),
                       "used_per_theme": dict(sorted(Counter(r["primary"] for r in silver_pool).items())),
                       "reports": len({r["report"] for r in silver_pool})}
        if silver_weight is None:
            say(f"choosing the silver weight by cross-validation ({len(silver_pool)} silver units)")
            silver_weight, tried = choose_silver_weight(records, silver_pool, params, vectors, progress=say,
                                                        filter_silver=filter_silver)
            silver_meta["weights_tried"] = {str(w): round(f, 4) for w, f in tried.items()}
        silver_meta["weight"] = silver_weight
        silver_meta["filter"] = "agrees with a gold-only model" if filter_silver else None
        if not silver_weight:
            silver_pool = []
        elif filter_silver:
            say("keeping the silver units a gold-only model agrees with")
        silver_records = (agreeing_units([r["text"] for r in records], [r["primary"] for r in records],
                                         silver_pool, params, vectors) if filter_silver else silver_pool)
        silver_meta["kept"] = len(silver_records)
    if cv and len({r["report"] for r in records}) > 1:
        say("cross-validating, grouped by report")
        cv_metrics, _ = cross_validate(records, params, vectors=vectors, extra=silver_pool,
                                       extra_weight=silver_weight or 0.0, filter_extra=filter_silver,
                                       progress=lambda i, n: say(f"fold {i}/{n}"))
        metrics["cross_validation"] = cv_metrics
    say("training the final model")
    model = ThemeClassifier(**params).fit(
        [r["text"] for r in records] + [r["text"] for r in silver_records],
        [r["primary"] for r in records] + [r["primary"] for r in silver_records],
        themes=[r["themes"] for r in records] + [None] * len(silver_records),
        groups=[r["report"] for r in records] + [r["report"] for r in silver_records], vectors=vectors,
        sample_weight=[1.0] * len(records) + [silver_weight or 0.0] * len(silver_records))
    meta = {
        "training": {
            "label_files": [str(p) for p in label_files(labels)],
            "labels_sha256": labels_sha256(records),
            "units": len(records),
            "reports": len({r["report"] for r in records}),
            "primary_counts": dict(sorted(Counter(r["primary"] for r in records).items())),
        },
        "label_set": label_set.to_json(),
        "silver": silver_meta,
        "embeddings": vectors_meta,
        "metrics": metrics,
    }
    save_model(model, output, meta)
    return meta
