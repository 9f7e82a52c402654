"""Save and load models as plain directories: JSON and NumPy arrays.

Nothing is pickled. Loading parses JSON and ``.npz``/``.npy`` arrays (objects refused, never
unpickled; models of format 1 keep their word vectors in word2vec binary), and checks every file
against the SHA-256 recorded in ``meta.json``, so a model from a stranger cannot
run code and a modified or truncated one is refused.

Anything malformed is refused with a :class:`~theme_classifier.errors.ModelError`
naming the bad file (``meta.json`` for a bad field), never a traceback or a hang:

* ``meta.json`` must have the format, a whole-number ``format_version`` this
  package reads, ``labels`` (unique known labels), a ``threshold`` in [0, 1],
  ``params`` of :class:`~theme_classifier.model.ThemeClassifier` with the right
  types, and ``files``: an object of plain file names (no ``/``, ``\\``, ``.``
  or ``..``) of this format with their SHA-256.
* Every file in the directory besides ``meta.json`` must be listed in ``files``
  (an unlisted file is refused, so nothing unchecked is ever read), and every
  file the model needs must be listed: ``arrays.npz``, ``userdict.txt``,
  ``stopwords.txt``, ``vocabulary.json`` (word TF-IDF), ``char_vocabulary.json``
  (character TF-IDF) and ``vectors.npy`` with ``vector_words.json`` (word vectors and their
  words; ``vectors.bin`` in format 1), as ``params`` say;
  a listed file the model does not use is refused too.
* **Symbolic links are refused inside a model directory**, even to regular
  files, as are FIFOs, devices and directories: each file is checked with
  ``os.lstat`` before it is opened, so nothing can block or read ``/dev/zero``.
  (The model directory itself may be reached through a link.) Files over
  :data:`~theme_classifier.embeddings.MAX_FILE_BYTES` (2 GiB) are refused unread.
* Each file is read once, checked against its SHA-256, and parsed from those
  bytes: the arrays must be floating-point and finite, with the shapes the
  labels, vocabularies and vector size imply (checked from the ``.npy``
  headers before anything is allocated); vocabularies must be lists of unique
  strings; ``vectors.npy`` must have one row per word of ``vector_words.json`` and the
  size its header claims (a header claiming billions of words fails at once; so does
  ``vectors.bin``'s); the tokenizer files must be UTF-8.
"""

import hashlib
import io
import json
import os
import platform
import re
import zipfile
import zlib
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from . import LABELS, OTHER, __version__
from .embeddings import (DEFAULT_W2V, WordVectors, file_sha256, parse_json, parse_vectors, read_json,
                         read_regular_file)
from .errors import ModelError, short_repr as _short
from .features import FeaturePipeline, TfidfTransform
from .atomic import atomic_directory, check_replaceable, has_meta
from .model import (PARAM_CHECKS, ThemeClassifier, is_int as _is_int, is_number as _is_number, param_problem,
                    params_problem)
from .quantify import error_rates_problem
from .tokenize import BACKENDS, Tokenizer, backend_available, default_tokenizer

FORMAT = "theme_classifier.model"
#: Version 2 keeps word vectors as ``vectors.npy`` and ``vector_words.json`` (version 1: word2vec
#: binary ``vectors.bin``, still read), which load many times faster.
FORMAT_VERSION = 2
META_FILE = "meta.json"
ARRAYS_FILE = "arrays.npz"
VOCAB_FILE = "vocabulary.json"
CHAR_VOCAB_FILE = "char_vocabulary.json"
VECTORS_FILE = "vectors.bin"
VECTOR_ARRAY_FILE = "vectors.npy"
VECTOR_WORDS_FILE = "vector_words.json"
USERDICT_FILE = "userdict.txt"
STOPWORDS_FILE = "stopwords.txt"
_PICKLE_SUFFIXES = {".pkl", ".pickle", ".joblib", ".pt", ".pth", ".sav", ".dill"}
_REQUIRED = ("format", "format_version", "labels", "params", "seed", "threshold", "files")
#: Every file a model directory may hold besides meta.json.
_MODEL_FILES = (ARRAYS_FILE, VOCAB_FILE, CHAR_VOCAB_FILE, VECTOR_ARRAY_FILE, VECTOR_WORDS_FILE, VECTORS_FILE,
                USERDICT_FILE, STOPWORDS_FILE)
#: The arrays of arrays.npz.
_ARRAYS = ("coef", "intercept", "idf", "char_idf")
_SHA256_RE = re.compile(r"[0-9a-f]{64}")


def library_versions():
    """Versions that a model's numbers depend on."""
    from importlib.metadata import version
    return {"theme_classifier": __version__, "python": platform.python_version(),
            **{name: version(name) for name in ("numpy", "scipy", "scikit-learn", "gensim", "jieba", "opencc")}}


def _shipped_model():
    # Installed from a wheel, models/ is inside the package; in a source checkout it is beside it.
    here = Path(__file__).resolve().parent
    packaged = here / "models" / "default"
    return packaged if packaged.is_dir() else here.parent / "models" / "default"


#: The shipped model; THEMES_MODEL overrides it.
DEFAULT_MODEL = _shipped_model()


def default_model_path():
    """The model used when none is named (``themes`` without ``-m``,
    :func:`theme_classifier.load_model` without a path): ``$THEMES_MODEL``, else the shipped one."""
    return Path(os.environ.get("THEMES_MODEL") or DEFAULT_MODEL)


def _is_model_dir(path):
    return has_meta(path, {FORMAT})


def check_model_dir(path):
    """Raise :class:`~theme_classifier.errors.OutputError` if ``path`` cannot take a model
    (a file, or a non-empty folder that is not a model)."""
    check_replaceable(path, _is_model_dir, "model folder")


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
    with atomic_directory(path, _is_model_dir, "model folder") as tmp:
        tokenizer = model.tokenizer if model.tokenizer is not None else default_tokenizer()
        (tmp / USERDICT_FILE).write_text(tokenizer.userdict, encoding="utf-8")
        (tmp / STOPWORDS_FILE).write_text("\n".join(sorted(tokenizer.stopwords)) + "\n", encoding="utf-8")
        features = model.features_
        arrays = {"coef": model.coef_, "intercept": model.intercept_}
        for tfidf, key, file in ((features.tfidf_, "idf", VOCAB_FILE), (features.char_tfidf_, "char_idf", CHAR_VOCAB_FILE)):
            if tfidf is not None:
                arrays[key] = tfidf.idf_
                (tmp / file).write_text(json.dumps(tfidf.vocabulary, ensure_ascii=False), encoding="utf-8")
        np.savez(tmp / ARRAYS_FILE, **arrays)  # uncompressed: they hardly compress, and load faster
        if features.vectors is not None:
            with open(tmp / VECTOR_ARRAY_FILE, "wb") as fh:
                np.lib.format.write_array(fh, np.ascontiguousarray(features.vectors.vectors, dtype="<f4"),
                                          allow_pickle=False)
            (tmp / VECTOR_WORDS_FILE).write_text(json.dumps(features.vectors.index_to_key, ensure_ascii=False),
                                                 encoding="utf-8")
        files = {f.name: file_sha256(f) for f in sorted(tmp.iterdir())}
        params = {k: v for k, v in model.get_params().items() if k not in ("tokenizer", "vectors")}
        params["use_w2v"] = features.vectors is not None
        params["ngram_range"] = list(params["ngram_range"])
        if params["labels"] is not None:
            params["labels"] = list(params["labels"])
        if params["char_ngram_range"]:
            params["char_ngram_range"] = list(params["char_ngram_range"])
        meta = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "versions": library_versions(),
            "themes": [label for label in model.labels_ if label != OTHER],
            "labels": [str(c) for c in model.classes_],
            "params": params,
            "seed": model.seed,
            "threshold": model.threshold_,
            "temperature": model.temperature_,
            "error_rates": getattr(model, "error_rates_", None),
            "tokenizer": tokenizer.config(),
            "files": files,
            **(extra_meta or {}),
        }
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def _one_line(exc):
    return " ".join(str(exc).split())[:200] or type(exc).__name__


def _is_fraction(value):
    return _is_number(value) and 0 <= value <= 1


def _is_label_list(value):
    return value is not None and PARAM_CHECKS["labels"][0](value)


def _is_w2v_params(value):
    return value is None or (isinstance(value, dict) and all(key in DEFAULT_W2V and _is_number(setting)
                                                             for key, setting in value.items()))


#: Parameters that models of format 1 saved and today's estimator no longer has (word2vec
#: settings: models are now given trained vectors); checked, then dropped.
_LEGACY_PARAMS = {"w2v_params": (_is_w2v_params, f"null or an object of word2vec settings ({', '.join(DEFAULT_W2V)})")}


def _param_message(name, value):
    if name in _LEGACY_PARAMS:
        check, must = _LEGACY_PARAMS[name]
        return None if check(value) else f"must be {must}"
    if name == "seed" and value is None:
        return None
    return param_problem(name, value)


def _default_params():
    params = {k: v for k, v in ThemeClassifier().get_params().items() if k not in ("tokenizer", "vectors")}
    return {**params, **dict.fromkeys(_LEGACY_PARAMS)}


def _effective_params(params):
    """The parameters a model is built with: the saved ones over the defaults."""
    return {**_default_params(), **params}


def _check_params(meta_file, params):
    if not isinstance(params, dict):
        raise ModelError(meta_file, f"params must be an object, not {_short(params)}")
    problem = params_problem(params, _default_params(), _param_message)
    if problem:
        raise ModelError(meta_file, f"params: {problem}")
    effective = _effective_params(params)
    if not (effective["use_tfidf"] or effective["char_ngram_range"] or effective["use_w2v"]):
        raise ModelError(meta_file, "params: the model uses no features (use_tfidf, char_ngram_range and "
                                    "use_w2v are all off)")


def _check_file_list(meta_file, files):
    if not isinstance(files, dict):
        raise ModelError(meta_file, f"files must be an object of file name -> sha256, not {type(files).__name__}")
    for name, digest in files.items():
        if (not name or name in (".", "..") or any(c in name for c in "/\\\0")
                or Path(name).name != name or not name.isprintable()):
            raise ModelError(meta_file, f"files: bad file name {_short(name)}")
        if name == META_FILE:
            raise ModelError(meta_file, "files: meta.json cannot list itself")
        if name not in _MODEL_FILES:
            raise ModelError(meta_file, f"files: {_short(name)} is not a file of a theme_classifier model "
                                        f"({', '.join(_MODEL_FILES)})")
        if not isinstance(digest, str) or not _SHA256_RE.fullmatch(digest):
            raise ModelError(meta_file, f"files: the checksum of {name} is not a sha256 hex digest")


def _check_meta(meta_file, meta):
    """Check the fields of a model's meta.json that loading uses (types and ranges)."""
    labels = meta["labels"]
    if (not isinstance(labels, list) or len(labels) < 2 or not all(isinstance(label, str) for label in labels)
            or len(set(labels)) != len(labels)):
        raise ModelError(meta_file, "labels must be a list of at least two unique strings")
    codebook = meta["params"].get("labels") if isinstance(meta["params"], dict) else None
    known = codebook if _is_label_list(codebook) else LABELS
    unknown = [label for label in labels if label not in known]
    if unknown:
        raise ModelError(meta_file, f"labels: unknown label {_short(unknown[0])} (known: {', '.join(known)})")
    if not _is_fraction(meta["threshold"]):
        raise ModelError(meta_file, f"threshold must be a number from 0 to 1, not {_short(meta['threshold'])}")
    temperature = meta.get("temperature", 1.0)
    if not (_is_number(temperature) and 0.01 <= temperature <= 100):
        raise ModelError(meta_file, f"temperature must be a number from 0.01 to 100, not {_short(temperature)}")
    rates = meta.get("error_rates")
    problem = rates is not None and error_rates_problem(rates, labels)
    if problem:
        raise ModelError(meta_file, problem)
    if not (meta["seed"] is None or _is_int(meta["seed"])):
        raise ModelError(meta_file, f"seed must be an integer or null, not {_short(meta['seed'])}")
    _check_params(meta_file, meta["params"])
    tokenizer = meta.get("tokenizer", {})
    if not isinstance(tokenizer, dict) or not isinstance(tokenizer.get("hmm", True), bool):
        raise ModelError(meta_file, "tokenizer must be an object whose hmm is true or false")
    if tokenizer.get("backend", "jieba") not in BACKENDS:
        raise ModelError(meta_file, f"tokenizer: backend must be one of {', '.join(BACKENDS)}, "
                                    f"not {_short(tokenizer.get('backend'))}")
    _check_file_list(meta_file, meta["files"])


def read_meta(path):
    """Read and check a model's ``meta.json``; raises :class:`ModelError` with the reason."""
    path = Path(path)
    if not path.exists():
        raise ModelError(path, "no such model directory")
    if not path.is_dir():
        raise ModelError(path, "not a model directory")
    meta_file = path / META_FILE
    try:
        meta_file.lstat()
    except OSError:
        raise ModelError(path, "not a model directory (no meta.json)") from None
    meta = read_json(meta_file)  # refuses a link, FIFO or device without opening it
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ModelError(meta_file, "not a theme_classifier model")
    missing = [key for key in _REQUIRED if key not in meta]
    if missing:
        raise ModelError(meta_file, f"missing field(s): {', '.join(missing)}")
    version = meta["format_version"]
    if not _is_int(version):
        raise ModelError(meta_file, f"format_version must be a whole number, not {_short(version)}")
    if version > FORMAT_VERSION:
        raise ModelError(meta_file, f"model format version {version} is newer than this theme_classifier "
                                    f"reads ({FORMAT_VERSION}); upgrade theme_classifier")
    if version < 1:
        raise ModelError(meta_file, f"unknown model format version {version}")
    _check_meta(meta_file, meta)
    return meta


def _needed_files(params, version=FORMAT_VERSION):
    """File name -> why the model needs it, for the effective ``params`` and the format version."""
    params = _effective_params(params)
    needed = {ARRAYS_FILE: "every model has one", USERDICT_FILE: "every model has one",
              STOPWORDS_FILE: "every model has one"}
    if params["use_tfidf"]:
        needed[VOCAB_FILE] = "params use_tfidf is true"
    if params["char_ngram_range"]:
        needed[CHAR_VOCAB_FILE] = "params char_ngram_range is set"
    if params["use_w2v"]:
        for name in (VECTORS_FILE,) if version < 2 else (VECTOR_ARRAY_FILE, VECTOR_WORDS_FILE):
            needed[name] = "params use_w2v is true"
    return needed


def _display(path, name):
    """``path / name`` for a message, with unprintable characters of a found file name escaped."""
    return path / (name if name.isprintable() else repr(name)[1:-1])


def _check_files(path, meta):
    """Check the directory against meta.json's ``files``; return ``{name: bytes}`` of every file.

    Refuses pickle-like and unlisted files, files the model needs but meta.json does
    not list (or lists but does not need), anything but a regular file (checked with
    ``os.lstat`` before opening) and checksum mismatches. Each file is read once.
    """
    files = meta["files"]
    try:
        present = sorted(entry.name for entry in os.scandir(path))
    except OSError as exc:
        raise ModelError(path, f"cannot list the model directory ({exc.strerror or exc})") from None
    for name in present:
        if Path(name).suffix.lower() in _PICKLE_SUFFIXES:
            raise ModelError(_display(path, name), "pickle-like file in model directory; models never contain "
                                                   "pickles, refusing to load")
    for name in present:
        if name != META_FILE and name not in files:
            raise ModelError(_display(path, name), "not listed in meta.json files, so it cannot be checked; "
                                                   "refusing a model directory with unlisted files")
    needed = _needed_files(meta["params"], meta["format_version"])
    for name, reason in needed.items():
        if name not in files:
            raise ModelError(path / name, f"missing ({reason}; meta.json files must list it)")
    for name in files:
        if name not in needed:
            raise ModelError(path / name, "listed in meta.json files, but this model does not use it "
                                          "(see params); refusing an inconsistent model")
    contents = {}
    for name, digest in files.items():
        data = read_regular_file(path / name)
        if hashlib.sha256(data).hexdigest() != digest:
            raise ModelError(path / name, "checksum does not match meta.json (modified or truncated)")
        contents[name] = data
    return contents


def _text(file, data):
    """UTF-8 text of a file's bytes, newlines translated as ``Path.read_text`` does."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError(file, f"not UTF-8 text (byte {exc.start})") from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _vocabulary(file, data, what="the TF-IDF feature names in column order"):
    vocabulary = parse_json(data, file)
    if not isinstance(vocabulary, list) or not set(map(type, vocabulary)) <= {str}:
        raise ModelError(file, f"must be a JSON list of strings ({what})")
    if len(set(vocabulary)) != len(vocabulary):
        raise ModelError(file, "has duplicate terms")
    return vocabulary


def _vector_arrays(path, contents):
    """Word vectors of a version-2 model: ``vector_words.json`` (unique strings) and ``vectors.npy``
    (a finite float matrix, one row per word), its header checked before anything is allocated."""
    words = _vocabulary(path / VECTOR_WORDS_FILE, contents.pop(VECTOR_WORDS_FILE), "the words of vectors.npy, in "
                                                                                  "row order")
    file, data = path / VECTOR_ARRAY_FILE, contents.pop(VECTOR_ARRAY_FILE)
    fh = io.BytesIO(data)
    try:
        shape, fortran, dtype = _npy_shape(file, "vectors", fh)
    except ValueError as exc:
        raise ModelError(file, f"not a .npy array ({_one_line(exc)})") from None
    if len(shape) != 2 or shape[1] < 1 or fortran:
        raise ModelError(file, f"must be a matrix (C order) of one vector per word, not of shape {shape}")
    if shape[0] != len(words):
        raise ModelError(file, f"has {shape[0]} vectors, but {VECTOR_WORDS_FILE} has {len(words)} words")
    if len(data) - fh.tell() != shape[0] * shape[1] * dtype.itemsize:
        raise ModelError(file, f"corrupt vectors (truncated, or the header's shape {shape} does not match the data)")
    # A read-only view of the bytes read (no copy): features never write to the vectors.
    vectors = np.frombuffer(data, dtype=dtype, offset=fh.tell()).reshape(shape).astype(np.float32, copy=False)
    if not np.isfinite(vectors).all():
        raise ModelError(file, "holds NaN or infinite values")
    return WordVectors(words, vectors)


def _npy_shape(file, key, fh):
    """Shape, Fortran order and dtype from the .npy header at ``fh``; refuses objects and non-floats."""
    version = np.lib.format.read_magic(fh)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
    elif version == (2, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
    else:
        raise ModelError(file, f"{key}: unsupported .npy format version {version}")
    if dtype.hasobject:
        raise ModelError(file, f"refusing to load: {key} holds Python objects, which would need unpickling")
    if dtype.kind != "f":
        raise ModelError(file, f"{key} must hold floating-point numbers, not {dtype}")
    return shape, fortran, dtype


def _npy_header(file, key, archive, info):
    """Shape of one array of an .npz, read from its .npy header; refuses objects and non-floats."""
    with archive.open(info) as fh:
        return _npy_shape(file, key, fh)[0]


def _read_arrays(file, data, check):
    """The arrays of an .npz (never unpickling); ``check(shapes)`` runs on the shapes in the
    ``.npy`` headers before any array is read, so a huge claimed shape allocates nothing.
    """
    if not data.startswith(b"PK\x03\x04"):
        what = "a single .npy array" if data.startswith(b"\x93NUMPY") else "not a zip archive"
        raise ModelError(file, f"not an .npz archive of arrays ({what})")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {}
            for info in archive.infolist():
                key = info.filename[:-4] if info.filename.endswith(".npy") else None
                if key not in _ARRAYS:
                    raise ModelError(file, f"unexpected member {_short(info.filename)} (a model's arrays are "
                                           f"{', '.join(_ARRAYS)})")
                if key in members:
                    raise ModelError(file, f"array {key!r} appears twice")
                members[key] = info
            check({key: _npy_header(file, key, archive, info) for key, info in members.items()})
            arrays = {}
            for key, info in members.items():
                with archive.open(info) as fh:
                    arrays[key] = np.lib.format.read_array(fh, allow_pickle=False)
    except (zipfile.BadZipFile, zlib.error, ValueError, OSError, EOFError, NotImplementedError,
            RuntimeError) as exc:
        raise ModelError(file, f"corrupt arrays ({_one_line(exc)})") from None
    for key, array in arrays.items():
        if not np.isfinite(array).all():
            raise ModelError(file, f"{key} holds NaN or infinite values")
    return arrays


def _recorded_vector_size(meta):
    """The word-vector size meta.json's provenance (``embeddings``) records, or None."""
    embeddings = meta.get("embeddings")
    if not isinstance(embeddings, dict):
        return None
    params = embeddings.get("params")
    for size in (embeddings.get("vector_size"), params.get("vector_size") if isinstance(params, dict) else None):
        if _is_int(size):
            return size
    return None


def _shape_check(path, n_labels, blocks, recorded_vector_size=None):
    """A check of arrays.npz's shapes (see :func:`_read_arrays`) against the labels and the
    other files. ``blocks`` are the feature blocks in column order, as
    :func:`~theme_classifier.features.combine` stacks them: ``(array key or None, size,
    description, file the size comes from)``; ``None`` is the word-vector block, sized by vectors.bin.
    Each mismatch blames the file the others disagree with.
    """
    file = path / ARRAYS_FILE
    used = {key for key, *_ in blocks if key}

    def check(shapes):
        for key in ("coef", "intercept", *used):
            if key not in shapes:
                raise ModelError(file, f"missing array {key!r}")
        for key in set(shapes) - used - {"coef", "intercept"}:
            raise ModelError(file, f"has array {key!r}, which this model does not use (see params in meta.json)")
        coef = shapes["coef"]
        if len(coef) != 2:
            raise ModelError(file, f"coef must be a matrix (labels x features), not of shape {coef}")
        rows = coef[0]
        if rows != n_labels and not (rows == 1 and n_labels == 2):
            raise ModelError(file, f"coef has {rows} rows, but meta.json has {n_labels} labels")
        if shapes["intercept"] != (rows,):
            raise ModelError(file, f"intercept has shape {shapes['intercept']}, expected ({rows},)")
        for key in used:
            if len(shapes[key]) != 1:
                raise ModelError(file, f"{key} must be a vector, not of shape {shapes[key]}")
        # Columns as arrays.npz alone implies them: if they fit coef, arrays.npz is consistent
        # and a disagreeing vocabulary is the file to blame.
        own_width = sum(shapes[key][0] if key else size for key, size, _, _ in blocks)
        for key, size, _, source in blocks:
            if key and shapes[key][0] != size:
                if coef[1] == own_width:
                    raise ModelError(source, f"has {size} terms, but arrays.npz has {key} weights and "
                                             f"coefficients for {shapes[key][0]}")
                raise ModelError(file, f"{key} has {shapes[key][0]} weights, but {source.name} has {size} terms")
        width = sum(size for _, size, _, _ in blocks)
        vectors = [(size, source) for key, size, _, source in blocks if key is None]
        if coef[1] != width and vectors and recorded_vector_size not in (None, vectors[0][0]) \
                and coef[1] == width - vectors[0][0] + recorded_vector_size:
            # coef and meta.json's provenance agree on the vector size: vectors.bin is the odd one out.
            raise ModelError(vectors[0][1], f"has vectors of {vectors[0][0]} dimensions, but coef in arrays.npz "
                                            f"and the embeddings in meta.json have {recorded_vector_size}")
        if coef[1] != width:
            parts = " + ".join(f"{size} {what}" for _, size, what, _ in blocks)
            raise ModelError(file, f"coef has {coef[1]} columns, but the model's features have {width} ({parts})")
    return check


def _identity(path):
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def load_model(path=None, backend=None):
    """Load a model saved by :func:`save_model`, never unpickling anything.

    Without ``path``, the default model (:func:`default_model_path`).

    The model segments text with the backend it was trained with (``meta.json``'s
    ``tokenizer.backend``; ``jieba`` for models that predate the choice), unless ``backend``
    says otherwise: then its tokens may differ from training's on a few paragraphs
    (docs/benchmarks.md measures how often, and what it does to the labels).

    A model replaced while it is being read (``save_model`` swaps folders) is read again, so a
    reader gets the old model or the new one, whole.

    Returns
    -------
    (ThemeClassifier, dict)
        The fitted model and its metadata.

    Raises
    ------
    ModelError
        If the directory is missing, corrupt, modified, unsafe, inconsistent or from a
        newer format; the message names the bad file (see the module docstring).
    """
    path = Path(path) if path is not None else default_model_path()
    for attempt in range(3):
        before = _identity(path)
        try:
            return _load_model(path, backend)
        except ModelError:
            if attempt == 2 or before is None or _identity(path) == before:
                raise


def _load_model(path, backend=None):
    meta = read_meta(path)
    contents = _check_files(path, meta)
    effective = _effective_params(meta["params"])
    tokenizer = _load_tokenizer(path, meta, contents, backend)
    blocks, vocabularies, wv = [], {}, None
    if effective["use_tfidf"]:
        vocabularies["idf"] = _vocabulary(path / VOCAB_FILE, contents[VOCAB_FILE])
        blocks.append(("idf", len(vocabularies["idf"]), "vocabulary terms", path / VOCAB_FILE))
    if effective["char_ngram_range"]:
        vocabularies["char_idf"] = _vocabulary(path / CHAR_VOCAB_FILE, contents[CHAR_VOCAB_FILE])
        blocks.append(("char_idf", len(vocabularies["char_idf"]), "character n-grams", path / CHAR_VOCAB_FILE))
    if effective["use_w2v"]:
        if meta["format_version"] < 2:
            wv, source = parse_vectors(contents.pop(VECTORS_FILE), path / VECTORS_FILE), path / VECTORS_FILE
        else:
            wv, source = _vector_arrays(path, contents), path / VECTOR_ARRAY_FILE
        blocks.append((None, wv.vector_size, "word-vector dimensions", source))
    check = _shape_check(path, len(meta["labels"]), blocks, _recorded_vector_size(meta))
    arrays = _read_arrays(path / ARRAYS_FILE, contents[ARRAYS_FILE], check)
    params = {k: v for k, v in meta["params"].items() if k not in _LEGACY_PARAMS}
    if "ngram_range" in params:
        params["ngram_range"] = tuple(params["ngram_range"])
    if params.get("char_ngram_range"):
        params["char_ngram_range"] = tuple(params["char_ngram_range"])
    if params.get("labels"):
        params["labels"] = tuple(params["labels"])
    model = ThemeClassifier(**params, tokenizer=tokenizer, vectors=wv)
    model.labels_ = params.get("labels") or LABELS
    tfidf = char_tfidf = None
    if "idf" in vocabularies:
        tfidf = TfidfTransform(vocabularies["idf"], arrays["idf"], tuple(effective["ngram_range"]))
    if "char_idf" in vocabularies:
        char_tfidf = TfidfTransform(vocabularies["char_idf"], arrays["char_idf"],
                                    tuple(effective["char_ngram_range"]), "char")
    model.features_ = FeaturePipeline(tokenizer, effective["ngram_range"], effective["min_df"],
                                      effective["char_ngram_range"], effective["use_tfidf"], wv,
                                      effective["w2v_weight"]).set_fitted(tfidf, char_tfidf)
    model.classes_ = np.array(meta["labels"], dtype=object)
    model.coef_, model.intercept_ = arrays["coef"], arrays["intercept"]
    model.threshold_ = float(meta["threshold"])
    model.temperature_ = float(meta.get("temperature", 1.0))  # models before calibration have none
    model.error_rates_ = meta.get("error_rates")  # models trained without cross-validation have none
    model.provenance_ = provenance(path, meta)
    return model, meta


def provenance(path, meta):
    """Where a model came from, for the provenance of what it produces: its folder, name, the
    sha256 of its ``meta.json`` and when it was trained."""
    path = Path(path)
    return {"path": str(path), "name": path.resolve().name, "meta_sha256": file_sha256(path / META_FILE),
            "created": meta.get("created")}


def share_model(path=None):
    """What correcting shares needs of a model, without loading its arrays: ``(error_rates or
    None, provenance)`` of the model at ``path`` (default: :func:`default_model_path`)."""
    path = Path(path) if path else default_model_path()
    meta = read_meta(path)
    return meta.get("error_rates"), provenance(path, meta)


def _load_tokenizer(path, meta, contents, backend=None):
    userdict = _text(path / USERDICT_FILE, contents[USERDICT_FILE])
    for number, line in enumerate(userdict.splitlines(), start=1):
        parts = line.split()
        if len(parts) > 1 and parts[1].isdigit():  # how Tokenizer reads a frequency
            try:
                int(parts[1])
            except ValueError:
                raise ModelError(path / USERDICT_FILE, f"line {number}: bad frequency {_short(parts[1])}") from None
    stopwords = _text(path / STOPWORDS_FILE, contents[STOPWORDS_FILE]).split()
    hmm = meta.get("tokenizer", {}).get("hmm", True)
    backend = backend or meta.get("tokenizer", {}).get("backend", "jieba")  # models before rjieba used jieba
    if not backend_available(backend):
        raise ModelError(path / META_FILE, f"the model segments text with {backend}, which is not installed "
                                           f"(pip install {backend})")
    default = default_tokenizer(backend)
    # Re-using the shared tokenizer when the files match saves building a segmenter.
    if userdict == default.userdict and set(stopwords) == default.stopwords and hmm == default.hmm:
        return default
    return Tokenizer(userdict, stopwords, hmm=hmm, backend=backend)
