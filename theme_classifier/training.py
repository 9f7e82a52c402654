"""Train a model from labelled units (and optionally word vectors from a corpus) and save it."""

import json
import tomllib
from collections import Counter
from pathlib import Path

from .embeddings import embed_corpus, load_vectors
from .errors import InputError
from .evaluation import cross_validate
from .labels import label_files, labels_sha256, load_labels
from .model import ThemeClassifier
from .store import save_model

#: Defaults of the shipped model, chosen by leave-one-report-out CV on the seed labels with
#: corpus word vectors (word unigrams beat uni+bigrams and character n-grams there; see README).
DEFAULT_PARAMS = {"ngram_range": (1, 1), "min_df": 1, "char_ngram_range": None, "use_tfidf": True,
                  "use_w2v": True, "w2v_weight": 2.0, "C": 1.0, "class_weight": "balanced"}


def read_config(path):
    """Model parameters from a TOML or JSON file (keys as in :class:`ThemeClassifier`)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        config = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except (tomllib.TOMLDecodeError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(path, f"invalid config ({exc})") from None
    allowed = set(ThemeClassifier().get_params()) - {"tokenizer", "seed"}
    unknown = sorted(set(config) - allowed)
    if unknown:
        raise InputError(path, f"unknown parameter(s): {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})")
    return config


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


def train(labels, output, corpus=None, embeddings=None, exclude_reports=(), seed=0, config=None,
          cv=True, on_error=None, progress=None):
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
        Run leave-one-report-out cross-validation and record its scores.
    progress : callable, optional
        Called with a short message at each step.

    Returns
    -------
    dict
        The saved model's metadata.
    """
    say = progress or (lambda message: None)
    records = load_labels(label_files(labels))
    params = {**DEFAULT_PARAMS, **(read_config(config) if config else {}), "seed": seed}
    vectors, vectors_meta = None, {"kind": "word2vec", "trained_on": "the labelled units only"}
    if embeddings:
        vectors, vectors_meta = load_vectors(embeddings)
        vectors_meta = {**vectors_meta, "path": str(embeddings)}
    elif corpus and params.get("use_w2v", True):
        say("training word vectors on the corpus")
        vectors, vectors_meta = embed_corpus(corpus, read_report_ids(exclude_reports), seed=seed,
                                             on_error=on_error)
        vectors_meta["corpus"] = [str(c) for c in corpus]
    metrics = {}
    if cv and len({r["report"] for r in records}) > 1:
        say("cross-validating (leave one report out)")
        cv_metrics, _ = cross_validate(records, params, vectors=vectors,
                                       progress=lambda i, n: say(f"fold {i}/{n}"))
        metrics["cross_validation"] = cv_metrics
    say("training the final model")
    model = ThemeClassifier(**params).fit(
        [r["text"] for r in records], [r["primary"] for r in records],
        themes=[r["themes"] for r in records], groups=[r["report"] for r in records], vectors=vectors)
    meta = {
        "training": {
            "label_files": [str(p) for p in label_files(labels)],
            "labels_sha256": labels_sha256(records),
            "units": len(records),
            "reports": len({r["report"] for r in records}),
            "primary_counts": dict(sorted(Counter(r["primary"] for r in records).items())),
        },
        "embeddings": vectors_meta,
        "metrics": metrics,
    }
    save_model(model, output, meta)
    return meta
