"""Train a model from labelled units (and word vectors) and save it: cross-validation grouped by
report, the secondary-theme threshold chosen from its out-of-fold probabilities, and silver
labels (selection, filtering, weight)."""

import random
from collections import Counter, defaultdict

import numpy as np

from . import LABELS
from .embeddings import TokenStream, embed_corpus, load_vectors, train_word2vec
from .errors import InputError
from .evaluation import (calibration_error, choose_threshold, decisions, fit_temperature, group_splitter, score,
                         temper)
from .label_set import DEFAULT as DEFAULT_LABEL_SET
from .labels import label_files, labels_sha256, load_labels, load_silver, read_report_ids
from .model import ThemeClassifier, params_problem
from .records import read_settings
from .quantify import error_rates
from .store import check_model_dir, save_model

#: Fewest units not chosen by uncertainty sampling that error rates are measured on (else on all).
MIN_TYPICAL_UNITS = 100
#: Parameters a ``--config`` file may set (the others are set by training itself).
CONFIG_PARAMS = tuple(p for p in ThemeClassifier().get_params() if p not in ("vectors", "tokenizer", "seed", "labels"))


def model_params(config=None, seed=0, label_set=None):
    """The parameters a model is trained with: a ``--config`` file's values over the estimator's
    defaults, the seed, and the labels of a codebook of one's own."""
    params = {**(read_config(config) if config else {}), "seed": seed}
    if label_set is not None and not label_set.is_default:
        params["labels"] = label_set.labels
    return params


def read_config(path):
    """Model parameters from a TOML or JSON file (keys as in :class:`ThemeClassifier`)."""
    config = read_settings(path, "config")
    if not isinstance(config, dict):
        raise InputError(path, "a config is a table (TOML) or an object (JSON) of model parameters")
    problem = params_problem(config, CONFIG_PARAMS)
    if problem:
        raise InputError(path, problem)
    return config


def unit_vectors(texts, seed=0):
    """Word vectors trained on the labelled units alone, for a model given no corpus vectors."""
    from .tokenize import default_tokenizer
    tokens = [default_tokenizer()(text) for text in texts]
    return train_word2vec(TokenStream(lambda: iter(tokens)), seed=seed)


def fit_model(texts, labels, params, vectors=None, sample_weight=None):
    """A :class:`ThemeClassifier` with ``params`` fitted on ``texts``; without ``vectors`` (and
    with word vectors on), vectors are first trained on ``texts`` alone."""
    params = dict(params)
    if params.get("use_w2v", True) and vectors is None:
        vectors = unit_vectors(texts, params.get("seed", 0))
    return ThemeClassifier(**params, vectors=vectors).fit(texts, labels, sample_weight=sample_weight)


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


def agreeing_units(texts, labels, silver, params=None, vectors=None):
    """The ``silver`` units whose label a model trained on ``texts``/``labels`` alone also predicts.

    Heading rules are often wrong where a gold-only model is right (docs/benchmarks.md), so
    keeping only the units it agrees with drops most rule errors.
    """
    if not silver:
        return []
    model = fit_model(texts, labels, params or {}, vectors)
    predicted = model.predict([r["text"] for r in silver])
    return [r for r, label in zip(silver, predicted) if label == r["primary"]]


def out_of_fold(records, params=None, vectors=None, silver=(), silver_weights=(0.0,), filter_silver=False,
                progress=None):
    """Out-of-fold probabilities of every labelled unit, holding out whole reports.

    Leave-one-report-out for up to 10 reports, else grouped 5-fold. Every fold trains a fresh
    model (word vectors included, unless pre-trained ``vectors`` are given), so held-out
    reports are never seen. ``silver`` units (from other reports) join every fold's training
    data at each weight of ``silver_weights`` (0: gold only) and are never scored; with
    ``filter_silver``, only those a gold-only model of the same fold agrees with. Each fold's
    split and filtered silver units are computed once and shared by every weight.

    Returns
    -------
    (list of str, list of ndarray, int)
        The labels (column order), one probability matrix per weight (rows in the order of
        ``records``), and the number of folds.
    """
    params = dict(params or {})
    labels = list(params.get("labels") or LABELS)
    groups = [r["report"] for r in records]
    if len(set(groups)) < 2:
        raise ValueError("cross-validation needs labelled units from at least two reports")
    texts = [r["text"] for r in records]
    proba = [np.zeros((len(records), len(labels))) for _ in silver_weights]
    folds = list(group_splitter(groups).split(texts, groups=groups))
    silver = list(silver)
    for number, (train, test) in enumerate(folds, start=1):
        fold_texts, fold_labels = [texts[i] for i in train], [records[i]["primary"] for i in train]
        fold_vectors = vectors if vectors is not None or not params.get("use_w2v", True) else \
            unit_vectors(fold_texts, params.get("seed", 0))
        fold_silver = (agreeing_units(fold_texts, fold_labels, silver, params, fold_vectors)
                       if filter_silver and any(silver_weights) else silver)
        for weight, matrix in zip(silver_weights, proba):
            units = fold_silver if weight else []
            model = fit_model(fold_texts + [r["text"] for r in units], fold_labels + [r["primary"] for r in units],
                              params, fold_vectors, [1.0] * len(train) + [weight] * len(units))
            columns = [labels.index(c) for c in model.classes_]
            matrix[np.ix_(test, columns)] = model.predict_proba([texts[i] for i in test])
        if progress:
            progress(number, len(folds))
    return labels, proba, len(folds)


def cross_validate(records, params=None, vectors=None, silver=(), silver_weight=0.0,
                            filter_silver=False, progress=None):
    """Cross-validate training itself, holding out whole reports (see :func:`out_of_fold`).

    The calibration temperature is fitted on the out-of-fold probabilities
    (:func:`~theme_classifier.evaluation.fit_temperature`). Unless ``params`` fix a
    ``threshold``, the secondary-theme threshold is then chosen on the calibrated out-of-fold
    probabilities (:func:`~theme_classifier.evaluation.choose_threshold`), and set-F1 is
    measured at it: one number tuned on 12 candidates, slightly optimistic.

    Returns
    -------
    dict
        ``metrics`` (over all held-out units, with ``folds``, ``threshold`` and the expected
        calibration error before and after the temperature), ``predictions`` (each unit's
        out-of-fold ``primary``, ``themes`` and ``scores``, in the order of ``records``),
        ``threshold``, ``temperature`` and ``error_rates`` (for corrected shares:
        :func:`~theme_classifier.quantify.error_rates` of the calibrated out-of-fold probabilities).
    """
    params = dict(params or {})
    labels, [raw], folds = out_of_fold(records, params, vectors, silver, (silver_weight,), filter_silver, progress)
    gold = [labels.index(r["primary"]) for r in records]
    temperature = fit_temperature(raw, gold)
    proba = temper(raw, temperature)  # the probabilities the calibrated model will give
    threshold = params.get("threshold")
    if threshold is None:
        threshold = choose_threshold(proba, labels, [r["themes"] for r in records])
    predictions = [{"primary": primary, "themes": themes, "scores": dict(zip(labels, map(float, row)))}
                   for (primary, themes), row in zip(decisions(proba, labels, threshold), proba)]
    metrics = score([r["primary"] for r in records], [p["primary"] for p in predictions],
                    [r["themes"] for r in records], [p["themes"] for p in predictions], labels)
    metrics.update(folds=folds, threshold=threshold, temperature=temperature,
                   calibration_error=calibration_error(raw, gold), calibration_error_tempered=calibration_error(proba, gold))
    return {"metrics": metrics, "predictions": predictions, "threshold": threshold, "temperature": temperature,
            "error_rates": _error_rates(records, proba, gold, labels)}


def _error_rates(records, proba, gold, labels):
    """Error rates for corrected shares, from the units that represent whole reports.

    Units chosen by uncertainty sampling (``source: suggest``) were chosen because the model
    finds them hard: their errors overstate its errors on a report's typical paragraph, and
    would over-correct every share. They are left out when enough others remain.
    """
    typical = np.array([r.get("source") != "suggest" for r in records])
    if typical.sum() < MIN_TYPICAL_UNITS:
        typical[:] = True
    rates = error_rates(proba[typical], np.asarray(gold)[typical], labels)
    rates["source"] = (f"out-of-fold calibrated probabilities of {int(typical.sum())} gold units (grouped by report"
                       + ("; units chosen by uncertainty sampling left out)" if not typical.all() else ")"))
    return rates


def cross_validate_training(labels, config=None, seed=0, embeddings=None, label_set=None, progress=None):
    """Cross-validate training on label files, holding out whole reports (``themes evaluate --cv``).

    Parameters
    ----------
    labels : list of str or Path
        Label files or directories.
    config, seed, label_set
        As for :func:`train`.
    embeddings : str or Path, optional
        Word vectors from ``themes embed``; without them each fold trains vectors on its
        own labelled units.
    progress : callable, optional
        Called with ``(fold, folds)`` after each fold.

    Returns
    -------
    dict
        As :func:`cross_validate`.
    """
    label_set = label_set or DEFAULT_LABEL_SET
    records = load_labels(label_files(labels), label_set)
    vectors = load_vectors(embeddings)[0] if embeddings else None
    return cross_validate(records, model_params(config, seed, label_set), vectors, progress=progress)


def choose_silver_weight(gold, silver, params, vectors=None, weights=SILVER_WEIGHTS, progress=None,
                         filter_silver=True):
    """The silver weight with the best macro-F1 in cross-validation grouped by report.

    Returns
    -------
    (float, dict)
        The best weight and the macro-F1 of every weight tried (0 = gold only).
    """
    candidates = (0.0,) + tuple(weights)
    fold_progress = (lambda i, n: progress(f"silver weights: fold {i}/{n}")) if progress else None
    labels, probas, _ = out_of_fold(gold, params, vectors, silver, candidates, filter_silver, fold_progress)
    gold_labels = [r["primary"] for r in gold]
    scores = {}
    for weight, proba in zip(candidates, probas):
        predicted = [labels[i] for i in np.argmax(proba, axis=1)]
        scores[weight] = score(gold_labels, predicted, labels=labels)["macro_f1"]
        if progress:
            progress(f"silver weight {weight}: cross-validated macro-F1 {scores[weight]:.3f}")
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
        Run cross-validation grouped by report, record its scores, and choose the secondary-theme
        threshold from its out-of-fold probabilities (without it: the config's or the default).
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
    records = _training_labels(labels, label_set)
    params = model_params(config, seed, label_set)
    texts = [r["text"] for r in records]
    vectors, vectors_meta = None, {"kind": "word2vec", "trained_on": "the labelled units only"}
    if embeddings:
        vectors, vectors_meta = load_vectors(embeddings)
        vectors_meta = {**vectors_meta, "path": str(embeddings)}
    elif corpus and params.get("use_w2v", True):
        say("training word vectors on the labelled units and the corpus")
        # The labelled texts join the corpus, so their own words get vectors too.
        vectors, vectors_meta = embed_corpus(corpus, read_report_ids(exclude_reports), seed=seed,
                                             on_error=on_error, extra_texts=texts)
        vectors_meta["corpus"] = [str(c) for c in corpus]
    silver_pool, silver_meta = ([], None) if not silver else _silver_pool(records, silver, seed)
    if silver_meta is not None:
        if silver_weight is None and silver_pool:
            say(f"choosing the silver weight by cross-validation ({len(silver_pool)} silver units)")
            silver_weight, tried = choose_silver_weight(records, silver_pool, params, vectors, progress=say,
                                                        filter_silver=filter_silver)
            silver_meta["weights_tried"] = {str(w): round(f, 4) for w, f in tried.items()}
        silver_meta.update(weight=silver_weight or 0.0, filter="agrees with a gold-only model" if filter_silver else None)
        if not silver_weight:
            silver_pool = []
    metrics, threshold_from, temperature, rates = {}, "default", 1.0, None
    if cv and len({r["report"] for r in records}) > 1:
        say("cross-validating, grouped by report")
        result = cross_validate(records, params, vectors, silver_pool, silver_weight or 0.0,
                                         filter_silver, progress=lambda i, n: say(f"fold {i}/{n}"))
        metrics["cross_validation"] = result["metrics"]
        temperature, rates = result["temperature"], result["error_rates"]
        if params.get("threshold") is None:
            params["threshold"], threshold_from = result["threshold"], "out-of-fold probabilities"
    if params.get("threshold") is not None and threshold_from == "default":
        threshold_from = "config"
    silver_records = silver_pool
    if silver_pool and filter_silver:
        say("keeping the silver units a gold-only model agrees with")
        silver_records = agreeing_units(texts, [r["primary"] for r in records], silver_pool, params, vectors)
    if silver_meta is not None:
        silver_meta["kept"] = len(silver_records)
    say("training the final model")
    model = fit_model(texts + [r["text"] for r in silver_records],
                      [r["primary"] for r in records] + [r["primary"] for r in silver_records], params, vectors,
                      [1.0] * len(records) + [silver_weight or 0.0] * len(silver_records))
    model.temperature_ = temperature  # from the out-of-fold probabilities; 1 (none) without them
    model.error_rates_ = rates  # corrects shares for misclassification (quantify.py); None without them
    meta = {
        "training": {
            "label_files": [str(p) for p in label_files(labels)],
            "labels_sha256": labels_sha256(records),
            "units": len(records),
            "reports": len({r["report"] for r in records}),
            "primary_counts": dict(sorted(Counter(r["primary"] for r in records).items())),
            "threshold_from": threshold_from,
        },
        "label_set": label_set.to_json(),
        "silver": silver_meta,
        "embeddings": vectors_meta,
        "metrics": metrics,
    }
    save_model(model, output, meta)
    return meta


def _training_labels(labels, label_set):
    """The labelled units of ``labels``, refused if too few or all of one label to train on."""
    records = load_labels(label_files(labels), label_set)
    primaries = Counter(r["primary"] for r in records)
    where = ", ".join(map(str, labels))
    if len(primaries) < 2:
        raise InputError(where, f"all {len(records)} units have the same label ({next(iter(primaries))}); "
                                "a model needs at least two")
    if len(records) < MIN_UNITS:
        raise InputError(where, f"only {len(records)} labelled units; training needs at least {MIN_UNITS}")
    return records


def _silver_pool(records, silver, seed):
    """The sampled silver units (filtered per fold in cross-validation) and their provenance."""
    available = load_silver(label_files(silver))
    pool = select_silver(available, seed=seed, exclude_texts=[r["text"] for r in records])
    meta = {"files": [str(p) for p in label_files(silver)], "available": len(available), "used": len(pool),
            "used_per_theme": dict(sorted(Counter(r["primary"] for r in pool).items())),
            "reports": len({r["report"] for r in pool})}
    return pool, meta
