"""Word vectors (gensim word2vec): train from streamed reports, save and load safely.

Vectors are stored in the word2vec binary format with a ``meta.json``; loading
them parses numbers and words only, never pickled objects.
"""

import functools
import hashlib
import json
import os
import re
import stat
import tempfile
from pathlib import Path

import numpy as np

from .errors import InputError, ModelError
from .atomic import atomic_directory, check_replaceable, has_meta

VECTORS_FILE = "vectors.bin"
META_FILE = "meta.json"
FORMAT = "theme_classifier.embeddings"

#: word2vec settings; workers=1 makes training reproducible for a given seed.
DEFAULT_W2V = {"vector_size": 100, "window": 5, "min_count": 2, "sg": 1, "negative": 5,
               "epochs": 10, "sample": 1e-3, "max_vocab": 60000}


class TokenStream:
    """A re-iterable stream of token lists (gensim iterates once per epoch).

    Parameters
    ----------
    factory : callable
        Returns a fresh iterator of token lists each time it is called, so that
        nothing is held in memory between passes.
    """

    def __init__(self, factory):
        self.factory = factory

    def __iter__(self):
        return iter(self.factory())


def train_word2vec(sentences, seed=0, progress=None, **params):
    """Train word2vec on an iterable of token lists.

    Parameters
    ----------
    sentences : iterable of list of str
        Re-iterable (e.g. :class:`TokenStream`); streamed, never held whole.
    seed : int
        Random seed; training is single-threaded so the result is reproducible.
    progress : callable, optional
        Called with the epoch number after each epoch.
    **params
        Overrides of :data:`DEFAULT_W2V`.

    Returns
    -------
    gensim.models.KeyedVectors
        Vectors of the kept vocabulary (at most ``max_vocab`` most frequent words).
    """
    from gensim.models import Word2Vec
    from gensim.models.callbacks import CallbackAny2Vec

    settings = {**DEFAULT_W2V, **params}
    max_vocab = settings.pop("max_vocab")
    epochs = settings.pop("epochs")

    class _Epochs(CallbackAny2Vec):
        def __init__(self):
            self.epoch = 0

        def on_epoch_end(self, model):
            self.epoch += 1
            if progress:
                progress(self.epoch)

    model = Word2Vec(vector_size=settings["vector_size"], window=settings["window"],
                     min_count=settings["min_count"], sg=settings["sg"], negative=settings["negative"],
                     sample=settings["sample"], max_final_vocab=max_vocab, workers=1, seed=seed)
    model.build_vocab(sentences)
    if not model.wv.index_to_key:
        raise InputError("word vectors", f"no word occurs at least {settings['min_count']} times in the "
                                         "texts; lower --min-count or give more text")
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs, callbacks=[_Epochs()])
    return model.wv


def save_vectors(wv, path, meta):
    """Save vectors (word2vec binary format) and ``meta.json`` into directory ``path``, atomically."""
    with atomic_directory(path, _is_vectors_dir, "word-vectors folder") as tmp:
        write_vectors(wv, tmp / VECTORS_FILE)
        meta = {"format": FORMAT, **meta, "vocabulary_size": len(wv.index_to_key), "vector_size": wv.vector_size,
                "sha256": file_sha256(tmp / VECTORS_FILE)}
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


def check_vectors_dir(path):
    """Raise :class:`~theme_classifier.errors.OutputError` if ``path`` cannot take word vectors."""
    check_replaceable(path, _is_vectors_dir, "word-vectors folder")


def _is_vectors_dir(path):
    # Folders written before meta.json named its format hold vectors.bin beside meta.json.
    return has_meta(path, {FORMAT}) or ((path / VECTORS_FILE).is_file() and (path / META_FILE).is_file())


def write_vectors(wv, file):
    """Write gensim KeyedVectors or :class:`WordVectors` in the word2vec binary format."""
    wv.save_word2vec_format(str(file), binary=True)


class WordVectors:
    """Word vectors for inference: a vocabulary and a matrix (the part of gensim's
    KeyedVectors that features need), so predicting never has to import gensim.

    Attributes
    ----------
    index_to_key : list of str
    key_to_index : dict
    vectors : ndarray of shape (n_words, vector_size), float32
    vector_size : int
    """

    def __init__(self, words, vectors):
        self.index_to_key = list(words)
        self.vectors = vectors
        self.vector_size = vectors.shape[1]

    @functools.cached_property
    def key_to_index(self):
        # Built on first use: predicting through FeaturePipeline's joint word index never needs it.
        return {word: i for i, word in enumerate(self.index_to_key)}

    def save_word2vec_format(self, file, binary=True):
        """Write the word2vec binary format (readable by gensim and the original C tool)."""
        with open(file, "wb") as fh:
            fh.write(f"{len(self.index_to_key)} {self.vector_size}\n".encode("utf-8"))
            for word, vector in zip(self.index_to_key, self.vectors):
                fh.write(word.encode("utf-8") + b" " + vector.astype("<f4").tobytes() + b"\n")


def read_vectors(file, source=None):
    """Read a word2vec binary file into :class:`WordVectors`; errors name the file.

    A plain parser (no gensim, whose loader is much slower to import and run): it
    reads numbers and words only. Anything
    but a regular file (a symbolic link, FIFO, device or directory) is refused
    without being opened.
    """
    file = Path(file)
    return parse_vectors(read_regular_file(file), source or file)


def parse_vectors(data, source):
    """:class:`WordVectors` from the bytes of a word2vec binary file; errors name ``source``.

    The header's word count and vector size are checked against the number of
    bytes before anything is allocated, so a header claiming billions of words
    fails at once.
    """
    header_end = data.find(b"\n", 0, _MAX_HEADER)
    try:
        if header_end < 0:
            raise ValueError
        count, size = map(int, data[:header_end].split())
    except ValueError:
        raise ModelError(source, "corrupt word vectors (the first line is not '<words> <dimensions>')") from None
    if count < 1 or size < 1:
        raise ModelError(source, f"corrupt word vectors (the header claims {count} words of {size} dimensions)")
    width = 4 * size
    body = len(data) - header_end - 1
    if count * (width + 1) > body:  # every word takes at least a space and its vector
        raise ModelError(source, f"corrupt word vectors (truncated: the header claims {count} words of {size} "
                                 f"dimensions, at least {count * (width + 1)} bytes, but {body} bytes follow it)")
    # One regular-expression pass in C finds every record (``[newline] word space vector``); the
    # records must then cover the body exactly, so garbage between them cannot slip through.
    records = re.compile(rb"(\n?)([^ \n]+) (.{%d})" % width, re.S).findall(data, header_end + 1)
    newlines, words, vectors = zip(*records) if records else ((), (), ())
    words = b"\n".join(words)
    covered = len(b"".join(newlines)) + len(words) - max(len(records) - 1, 0) + len(records) * (width + 1)
    rest = data[header_end + 1 + covered:]
    if len(records) != count or rest not in (b"", b"\n"):
        raise ModelError(source, f"corrupt word vectors (the header claims {count} words of {size} dimensions, "
                                 f"but the file holds {len(records)} such records, or bytes that are not one)")
    try:
        words = words.decode("utf-8").split("\n")
    except UnicodeDecodeError as exc:
        raise ModelError(source, f"corrupt word vectors ({type(exc).__name__}; a word is not UTF-8)") from None
    # One join of every vector's bytes instead of a NumPy call per word.
    vectors = np.frombuffer(b"".join(vectors), dtype="<f4").reshape(count, size).astype(np.float32)
    if not np.isfinite(vectors).all():
        raise ModelError(source, "corrupt word vectors (NaN or infinite values)")
    return WordVectors(words, vectors)


def load_vectors(path):
    """Load vectors saved by :func:`save_vectors`; returns ``(WordVectors, meta)``.

    Like a model directory (see :mod:`theme_classifier.store`), ``meta.json`` and
    ``vectors.bin`` must be regular files, not symbolic links, FIFOs or devices.
    """
    path = Path(path)
    meta_file = path / META_FILE
    try:
        os.lstat(meta_file)
    except OSError:
        raise ModelError(path, "not an embeddings directory (no meta.json)") from None
    meta = read_json(meta_file)
    if not isinstance(meta, dict):
        raise ModelError(meta_file, "not the meta.json of word vectors (expected a JSON object)")
    digest = meta.get("sha256")
    if digest is not None and not isinstance(digest, str):
        raise ModelError(meta_file, "sha256 must be a string")
    for key in ("vocabulary_size", "vector_size"):
        value = meta.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise ModelError(meta_file, f"{key} must be a positive integer")
    file = path / VECTORS_FILE
    data = read_regular_file(file)
    if digest and hashlib.sha256(data).hexdigest() != digest:
        raise ModelError(file, "checksum does not match meta.json (modified or truncated)")
    wv = parse_vectors(data, file)
    for key, value in (("vocabulary_size", len(wv.index_to_key)), ("vector_size", wv.vector_size)):
        if meta.get(key) is not None and meta[key] != value:
            raise ModelError(file, f"has {key.replace('_', ' ')} {value}, but meta.json says {meta[key]}")
    return wv, meta


#: Longest first line of a word2vec file ("<words> <dimensions>") that is accepted.
_MAX_HEADER = 64
#: Largest file of a model or of word vectors that is read (a guard against sparse or huge files).
MAX_FILE_BYTES = 1 << 31


def _file_kind(mode):
    """What a non-regular file is, for error messages; ``None`` for a regular file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in ((stat.S_ISLNK, "a symbolic link (links are refused)"), (stat.S_ISDIR, "a directory"),
                       (stat.S_ISFIFO, "a FIFO (named pipe)"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "not a regular file"


def read_regular_file(file, max_bytes=MAX_FILE_BYTES):
    """The bytes of ``file``, which must be a regular file; raises :class:`ModelError` naming it.

    ``file`` is checked with ``os.lstat`` before it is opened, so a symbolic link
    (even to a regular file), FIFO, device or directory is refused without
    blocking, and opened with ``O_NOFOLLOW | O_NONBLOCK`` and checked again, in
    case it is swapped in between.
    """
    file = Path(file)
    try:
        info = os.lstat(file)
    except FileNotFoundError:
        raise ModelError(file, "missing file") from None
    except (OSError, ValueError) as exc:
        raise ModelError(file, f"cannot read ({getattr(exc, 'strerror', None) or exc})") from None
    kind = _file_kind(info.st_mode)
    if kind:
        raise ModelError(file, f"is {kind}, not a regular file; refusing to open it")
    if info.st_size > max_bytes:
        raise ModelError(file, f"too large ({info.st_size} bytes; at most {max_bytes} are read)")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(file, flags)
        with open(fd, "rb") as fh:
            kind = _file_kind(os.fstat(fd).st_mode)
            if kind:
                raise ModelError(file, f"is {kind}, not a regular file; refusing to read it")
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise ModelError(file, f"cannot read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise ModelError(file, f"too large (more than {max_bytes} bytes)")
    return data


def read_json(file):
    """Parsed JSON of a regular file (see :func:`read_regular_file`); errors name the file."""
    return parse_json(read_regular_file(file), file)


def parse_json(data, source):
    """Parsed JSON of UTF-8 bytes; a :class:`ModelError` naming ``source`` if they are not JSON."""
    try:
        return json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ModelError(source, f"corrupt JSON (not UTF-8 at byte {exc.start})") from None
    except (ValueError, RecursionError) as exc:  # ValueError covers JSONDecodeError and overlong numbers
        raise ModelError(source, f"corrupt JSON ({' '.join(str(exc).split())[:200]})") from None


def file_sha256(file):
    """SHA-256 (hex) of a file, read in blocks; a missing file is a :class:`ModelError`."""
    digest = hashlib.sha256()
    try:
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise ModelError(file, "missing file") from None
    return digest.hexdigest()


def embed_corpus(inputs, exclude_reports=(), seed=0, params=None, on_error=None, epoch_progress=None,
                 extra_texts=(), output=None, track=None):
    """Train word vectors on report files, streamed from disk (and save them into ``output``).

    Parameters
    ----------
    inputs : list of str or Path
        Report files or directories.
    exclude_reports : iterable of str
        Report ids to leave out (e.g. those of an evaluation set).
    seed : int
    params : dict, optional
        Overrides of :data:`DEFAULT_W2V`.
    extra_texts : iterable of str
        Texts trained on besides the reports (``themes train --corpus`` adds its labelled units).
    output : str or Path, optional
        Directory to save the vectors into (:func:`save_vectors`); checked before any work.
    track : callable, optional
        Wraps the list of input paths, e.g. in a progress bar.

    Returns
    -------
    (KeyedVectors, dict)
        The vectors and their provenance (counts, parameters, seed), for ``meta.json``.
    """
    from gensim.models.word2vec import LineSentence

    from .reading import input_paths
    from .tokenize import tokenize_corpus

    if output is not None:
        check_vectors_dir(output)  # before hours of work, not after
    paths = input_paths(inputs, on_error, track=track)
    settings = {**DEFAULT_W2V, **(params or {})}
    with tempfile.TemporaryDirectory(prefix="themes-embed-") as tmp:
        token_file = Path(tmp) / "tokens.txt"
        stats = tokenize_corpus(paths, token_file, exclude_reports, on_error=on_error, extra_texts=extra_texts)
        if not stats["units"]:
            raise InputError(", ".join(map(str, inputs)) or "corpus", "no text to train word vectors on")
        wv = train_word2vec(LineSentence(str(token_file), max_sentence_length=100000), seed=seed,
                            progress=epoch_progress, **settings)
    meta = {"kind": "word2vec", "corpus_stats": stats,
            "excluded_report_ids": sorted(set(exclude_reports)), "params": settings, "seed": seed}
    if output is not None:
        save_vectors(wv, output, {**meta, "corpus": [str(i) for i in inputs]})
    return wv, meta
