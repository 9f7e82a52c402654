"""Save and load models as plain directories: JSON, NumPy arrays and word2vec binary.

Nothing is pickled. Loading parses JSON, ``.npz`` arrays with
``allow_pickle=False`` and the word2vec binary format, and checks every file
against the SHA-256 recorded in ``meta.json``, so a model from a stranger cannot
run code and a modified or truncated one is refused.
"""

import json
import platform
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import THEMES, __version__
from .embeddings import file_sha256, read_vectors, write_vectors
from .errors import ModelError
from .features import TfidfTransform
from .records import atomic_directory
from .model import ThemeClassifier
from .tokenize import Tokenizer, default_tokenizer

FORMAT = "theme_classifier.model"
FORMAT_VERSION = 1
META_FILE = "meta.json"
ARRAYS_FILE = "arrays.npz"
VOCAB_FILE = "vocabulary.json"
CHAR_VOCAB_FILE = "char_vocabulary.json"
VECTORS_FILE = "vectors.bin"
USERDICT_FILE = "userdict.txt"
STOPWORDS_FILE = "stopwords.txt"
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".sav", ".dill"}
_REQUIRED = ("format", "format_version", "labels", "params", "seed", "threshold", "files")


def library_versions():
    """Versions that a model's numbers depend on."""
    from importlib.metadata import version
    return {"theme_classifier": __version__, "python": platform.python_version(),
            **{name: version(name) for name in ("numpy", "scipy", "scikit-learn", "gensim", "jieba", "opencc")}}


def save_model(model, path, extra_meta=None):
    """Save a fitted :class:`ThemeClassifier` into directory ``path`` atomically.

    The directory is written under a temporary name and renamed into place, so
    readers never see a half-written model.

    Parameters
    ----------
    model : ThemeClassifier
        A fitted model.
    path : str or Path
        Target directory (replaced if it exists).
    extra_meta : dict, optional
        Merged into ``meta.json`` (training data hash, metrics, provenance).
    """
    with atomic_directory(path) as tmp:
        tokenizer = model.tokenizer if model.tokenizer is not None else default_tokenizer()
        (tmp / USERDICT_FILE).write_text(tokenizer.userdict, encoding="utf-8")
        (tmp / STOPWORDS_FILE).write_text("\n".join(sorted(tokenizer.stopwords)) + "\n", encoding="utf-8")
        arrays = {"coef": model.coef_, "intercept": model.intercept_}
        if model.tfidf_ is not None:
            arrays["idf"] = model.tfidf_.idf_
            (tmp / VOCAB_FILE).write_text(json.dumps(model.tfidf_.vocabulary, ensure_ascii=False), encoding="utf-8")
        if model.char_tfidf_ is not None:
            arrays["char_idf"] = model.char_tfidf_.idf_
            (tmp / CHAR_VOCAB_FILE).write_text(json.dumps(model.char_tfidf_.vocabulary, ensure_ascii=False),
                                               encoding="utf-8")
        np.savez_compressed(tmp / ARRAYS_FILE, **arrays)
        if model.wv_ is not None:
            write_vectors(model.wv_, tmp / VECTORS_FILE)
        files = {f.name: file_sha256(f) for f in sorted(tmp.iterdir())}
        params = {k: v for k, v in model.get_params().items() if k != "tokenizer"}
        params["ngram_range"] = list(params["ngram_range"])
        if params["char_ngram_range"]:
            params["char_ngram_range"] = list(params["char_ngram_range"])
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "themes": list(THEMES),
            "labels": [str(c) for c in model.classes_],
            "params": params,
            "seed": model.seed,
            "threshold": model.threshold_,
            "tokenizer": tokenizer.config(),
            "files": files,
            **(extra_meta or {}),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def read_meta(path):
    """Read and check a model's ``meta.json``; raises :class:`ModelError` with the reason."""
    path = Path(path)
    if not path.exists():
        raise ModelError(path, "no such model directory")
    if not path.is_dir():
        raise ModelError(path, "not a model directory")
    meta_file = path / META_FILE
    if not meta_file.is_file():
        raise ModelError(path, "not a model directory (no meta.json)")
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(meta_file, f"corrupt JSON ({exc})") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(meta_file, "not a theme_classifier model")
    missing = [key for key in _REQUIRED if key not in meta]
    if missing:
        raise ModelError(meta_file, f"missing field(s): {', '.join(missing)}")
    version = meta["format_version"]
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise ModelError(meta_file, f"model format version {version} is newer than this theme_classifier "
                                    f"reads ({FORMAT_VERSION}); upgrade theme_classifier")
    return meta


def _check_files(path, meta):
    for item in path.iterdir():
        if item.suffix.lower() in _PICKLE_SUFFIXES:
            raise ModelError(item, "pickle-like file in model directory; models never contain "
                                   "pickles, refusing to load")
    for name, digest in meta["files"].items():
        if Path(name).name != name:
            raise ModelError(path / META_FILE, f"bad file name {name!r}")
        if file_sha256(path / name) != digest:
            raise ModelError(path / name, "checksum does not match meta.json (modified or truncated)")


def load_model(path):
    """Load a model saved by :func:`save_model`, never unpickling anything.

    Returns
    -------
    (ThemeClassifier, dict)
        The fitted model and its metadata.

    Raises
    ------
    ModelError
        If the directory is missing, corrupt, modified, unsafe or from a newer format.
    """
    path = Path(path)
    meta = read_meta(path)
    _check_files(path, meta)
    try:
        with np.load(path / ARRAYS_FILE, allow_pickle=False) as data:
            arrays = {key: data[key] for key in data.files}
    except ValueError as exc:
        raise ModelError(path / ARRAYS_FILE, f"refusing to load: {exc}") from None
    except (OSError, EOFError) as exc:
        raise ModelError(path / ARRAYS_FILE, f"corrupt arrays ({exc})") from None
    params = dict(meta["params"])
    params["ngram_range"] = tuple(params["ngram_range"])
    if params.get("char_ngram_range"):
        params["char_ngram_range"] = tuple(params["char_ngram_range"])
    tokenizer = _load_tokenizer(path, meta)
    model = ThemeClassifier(**params, tokenizer=tokenizer)
    model.tfidf_ = model.char_tfidf_ = None
    if "idf" in arrays:
        vocabulary = json.loads((path / VOCAB_FILE).read_text(encoding="utf-8"))
        model.tfidf_ = TfidfTransform(vocabulary, arrays["idf"], params["ngram_range"])
    if "char_idf" in arrays:
        vocabulary = json.loads((path / CHAR_VOCAB_FILE).read_text(encoding="utf-8"))
        model.char_tfidf_ = TfidfTransform(vocabulary, arrays["char_idf"], params["char_ngram_range"], "char")
    model.wv_ = read_vectors(path / VECTORS_FILE, path) if (path / VECTORS_FILE).exists() else None
    model.classes_ = np.array(meta["labels"], dtype=object)
    model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
    if model.coef_.shape[0] not in (1, len(model.classes_)) or model.intercept_.shape[0] != model.coef_.shape[0]:
        raise ModelError(path / ARRAYS_FILE, "coefficients do not match the labels in meta.json")
    model.threshold_ = float(meta["threshold"])
    return model, meta


def _load_tokenizer(path, meta):
    userdict = (path / USERDICT_FILE).read_text(encoding="utf-8")
    stopwords = (path / STOPWORDS_FILE).read_text(encoding="utf-8").split()
    default = default_tokenizer()
    # Re-using the default tokenizer when the files match saves a jieba initialisation.
    if userdict == default.userdict and set(stopwords) == default.stopwords \
            and meta.get("tokenizer", {}).get("hmm", True) == default.hmm:
        return None
    return Tokenizer(userdict, stopwords, hmm=meta.get("tokenizer", {}).get("hmm", True))
