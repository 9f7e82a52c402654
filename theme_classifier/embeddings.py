"""Word vectors (gensim word2vec): train from streamed reports, save and load safely.

Vectors are stored in the word2vec binary format with a ``meta.json``; loading
them parses numbers and words only, never pickled objects.
"""

import hashlib
import json
import tempfile
from pathlib import Path

import numpy as np

from .errors import ModelError
from .records import atomic_directory

VECTORS_FILE = "vectors.bin"
META_FILE = "meta.json"

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
        raise ValueError("no word occurs often enough to train word vectors")
    model.train(sentences, total_examples=model.corpus_count, epochs=epochs, callbacks=[_Epochs()])
    return model.wv


def save_vectors(wv, path, meta):
    """Save vectors (word2vec binary format) and ``meta.json`` into directory ``path``, atomically."""
    with atomic_directory(path) as tmp:
        write_vectors(wv, tmp / VECTORS_FILE)
        meta = {**meta, "vocabulary_size": len(wv.index_to_key), "vector_size": wv.vector_size,
                "sha256": file_sha256(tmp / VECTORS_FILE)}
        (tmp / META_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")


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
        self.key_to_index = {word: i for i, word in enumerate(self.index_to_key)}
        self.vectors = vectors
        self.vector_size = vectors.shape[1]

    def save_word2vec_format(self, file, binary=True):
        """Write the word2vec binary format (readable by gensim and the original C tool)."""
        with open(file, "wb") as fh:
            fh.write(f"{len(self.index_to_key)} {self.vector_size}\n".encode("utf-8"))
            for word, vector in zip(self.index_to_key, self.vectors):
                fh.write(word.encode("utf-8") + b" " + vector.astype("<f4").tobytes() + b"\n")


def read_vectors(file, source=None):
    """Read a word2vec binary file into :class:`WordVectors`; errors name the file.

    A plain parser (no gensim): it reads numbers and words only, and takes
    tens of milliseconds where gensim's loader takes about a second.
    """
    file = Path(file)
    try:
        data = file.read_bytes()
    except FileNotFoundError:
        raise ModelError(source or file, f"missing {file.name}") from None
    try:
        header_end = data.index(b"\n")
        count, size = map(int, data[:header_end].split())
        width = 4 * size
        words, starts = [], np.empty(count, dtype=np.int64)
        pos = header_end + 1
        for row in range(count):
            if data[pos:pos + 1] == b"\n":  # the C tool ends each vector with a newline, gensim not always
                pos += 1
            space = data.index(b" ", pos)
            words.append(data[pos:space].decode("utf-8"))
            starts[row] = space + 1
            pos = space + 1 + width
        if count == 0 or pos > len(data) or data[pos:].strip():
            raise ValueError("unexpected size")
        # One join of every vector's bytes instead of a NumPy call per word.
        packed = b"".join([data[start:start + width] for start in starts.tolist()])
        vectors = np.frombuffer(packed, dtype="<f4").reshape(count, size).astype(np.float32)
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise ModelError(source or file, f"corrupt word vectors ({type(exc).__name__})") from None
    return WordVectors(words, vectors)


def load_vectors(path):
    """Load vectors saved by :func:`save_vectors`; returns ``(WordVectors, meta)``."""
    path = Path(path)
    if not (path / META_FILE).is_file():
        raise ModelError(path, "not an embeddings directory (no meta.json)")
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ModelError(path / META_FILE, f"corrupt JSON ({exc})") from None
    if meta.get("sha256") and file_sha256(path / VECTORS_FILE) != meta["sha256"]:
        raise ModelError(path / VECTORS_FILE, "checksum does not match meta.json (modified or truncated)")
    return read_vectors(path / VECTORS_FILE, path), meta


def file_sha256(file):
    digest = hashlib.sha256()
    try:
        with open(file, "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except FileNotFoundError:
        raise ModelError(file, "missing file") from None
    return digest.hexdigest()


def tokenize_corpus(inputs, out_file, exclude_reports=(), tokenizer=None, on_error=None, extra_texts=()):
    """Split and tokenise reports into a token file (one unit per line, tokens space-separated).

    word2vec reads the corpus once per epoch; tokenising once into a file and
    streaming it keeps memory flat whatever the corpus size. ``extra_texts``
    (e.g. the labelled units) are tokenised into the same file first.

    Returns
    -------
    dict
        Counts: reports, units, tokens, characters, and excluded reports.
    """
    from collections import Counter

    from .tokenize import default_tokenizer
    from .units import units_of_reports

    tokenizer = tokenizer or default_tokenizer()
    stats = Counter(reports=0, units=0, tokens=0, characters=0, excluded_reports=0, extra_texts=0)
    with open(out_file, "w", encoding="utf-8") as fh:
        def write(text):
            tokens = tokenizer(text)
            if tokens:
                fh.write(" ".join(tokens) + "\n")
                stats["units"] += 1
                stats["tokens"] += len(tokens)
                stats["characters"] += len(text)
            return bool(tokens)

        stats["extra_texts"] = sum(write(text) for text in extra_texts)
        for _, units in units_of_reports(inputs, exclude_reports, stats, on_error):
            for unit in units:
                write(unit.text)
    return dict(stats)


def embed_corpus(inputs, exclude_reports=(), seed=0, params=None, on_error=None, epoch_progress=None,
                 extra_texts=()):
    """Train word vectors on report files, streamed from disk.

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

    Returns
    -------
    (KeyedVectors, dict)
        The vectors and their provenance (counts, parameters, seed), for ``meta.json``.
    """
    from gensim.models.word2vec import LineSentence

    settings = {**DEFAULT_W2V, **(params or {})}
    with tempfile.TemporaryDirectory(prefix="themes-embed-") as tmp:
        token_file = Path(tmp) / "tokens.txt"
        stats = tokenize_corpus(inputs, token_file, exclude_reports, on_error=on_error, extra_texts=extra_texts)
        if not stats["units"]:
            raise ValueError("the corpus has no text to train word vectors on")
        wv = train_word2vec(LineSentence(str(token_file), max_sentence_length=100000), seed=seed,
                            progress=epoch_progress, **settings)
    meta = {"kind": "word2vec", "corpus_stats": stats,
            "excluded_report_ids": sorted(set(exclude_reports)), "params": settings, "seed": seed}
    return wv, meta
