"""Word segmentation with jieba (or its Rust port, rjieba), a policy-term user dictionary,
stopwords and number folding; and the tokenising of a whole corpus into a token file for word2vec.
"""

import hashlib
import logging
import re
from importlib import resources
from itertools import chain
from pathlib import Path

#: Token every number (2023, 8.8%, 1.2万) is folded into, so figures do not become vocabulary.
NUMBER = "<num>"

# A number has a digit: punctuation alone ("，", "%") is not one.
_NUMBER_RE = re.compile(r"^(?=.*[\d０-９])[\d０-９.,，．%％‰]+$|^\d+(?:\.\d+)?[万亿千百]?$")
_WORD_RE = re.compile(r"[\u3400-\u9fffA-Za-z]")
# jieba splits an ASCII run at a hyphen ("2011-2020", "COVID-19"); jieba-rs keeps it whole.
_ASCII_PIECES_RE = re.compile(r"[a-zA-Z0-9]+(?:\.\d+)?%?")

#: Segmenters: ``jieba`` (the reference, pure Python) and ``rjieba`` (jieba-rs, many times faster).
BACKENDS = ("jieba", "rjieba")


def backend_available(backend):
    """Whether segmenter ``backend`` is installed (without importing it: that builds a dictionary)."""
    import importlib.util
    return importlib.util.find_spec(backend) is not None


#: The backend new tokenizers (and so new models) use: rjieba where it is installed.
DEFAULT_BACKEND = "rjieba" if backend_available("rjieba") else "jieba"


class Memo(dict):
    """A dictionary that works out a missing value with ``compute(key)`` and keeps it (up to
    ``limit`` keys, which bounds its memory). ``list(map(memo.__getitem__, keys))`` looks up a
    whole batch at C speed, and runs Python only for keys never seen."""

    def __init__(self, compute, limit=200_000):
        super().__init__()
        self.compute, self.limit = compute, limit

    def __missing__(self, key):
        value = self.compute(key)
        if len(self) < self.limit:
            self[key] = value
        return value

    def __reduce__(self):  # a copy starts empty: the memo is a cache, not state
        return type(self), (self.compute, self.limit)


def _version(package):
    import importlib.metadata  # only when a model is saved: it takes a hundredth of a second to import
    return importlib.metadata.version(package)


def _rjieba_class():
    """rjieba's ``Jieba`` class, loaded from its extension module without running the package's
    ``__init__``, which builds a global segmenter we never use (a tenth of a second at start-up)."""
    import importlib.machinery
    import importlib.util
    import sys
    name = "rjieba.rjieba"
    if name not in sys.modules:
        package = importlib.util.find_spec("rjieba")
        found = [path for folder in package.submodule_search_locations for path in Path(folder).glob("rjieba*")
                 if path.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES))]
        if not found:  # an unusual build: the package's own import always works
            import rjieba
            return rjieba.Jieba
        spec = importlib.util.spec_from_file_location(name, found[0])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules[name] = module  # a later ``import rjieba`` reuses it
    return sys.modules[name].Jieba


def _data_path(name):
    return resources.files("theme_classifier") / "data" / name


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


class Tokenizer:
    """Segment report text into word tokens.

    Uses its own segmenter (never jieba's global one, which other code may change) with a
    shipped dictionary of policy terms (专精特新, 放管服, 河长制 …), added with the same
    frequencies in either backend. Punctuation and stopwords are dropped and numbers become
    :data:`NUMBER`.

    Parameters
    ----------
    userdict : str, optional
        Text of a jieba user dictionary; default: the shipped policy terms.
    stopwords : iterable of str, optional
        Words to drop; default: the shipped list.
    hmm : bool
        Let the HMM find words missing from the dictionary.
    backend : {"jieba", "rjieba"}, optional
        The segmenter; default :data:`DEFAULT_BACKEND`.
    """

    def __init__(self, userdict=None, stopwords=None, hmm=True, backend=None):
        if userdict is None:
            userdict = _data_path("userdict.txt").read_text(encoding="utf-8")
        if stopwords is None:
            stopwords = _data_path("stopwords.txt").read_text(encoding="utf-8").split()
        self.userdict = userdict
        self.stopwords = frozenset(stopwords)
        self.hmm = hmm
        self.backend = backend or DEFAULT_BACKEND
        if self.backend not in BACKENDS:
            raise ValueError(f"unknown segmenter backend {self.backend!r} (known: {', '.join(BACKENDS)})")
        self._seen = Memo(self._tokens)  # segmenter word -> our tokens; reports reuse few words
        self._cut = None  # loaded on first use, as jieba does: building a segmenter is slow

    def __getstate__(self):
        # Sent to another process (a Dask worker): the segmenter and memo are rebuilt there.
        return {**self.__dict__, "_cut": None, "_seen": None}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._seen = Memo(self._tokens)

    def _words(self):
        """``cut(text)``: the segmenter's words, built (dictionary and user words) on first use."""
        if self._cut is None:
            entries = []
            for line in self.userdict.splitlines():
                parts = line.split()
                if parts:
                    entries.append((parts[0], int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None))
            if self.backend == "rjieba":
                segmenter = _rjieba_class()()
                for word, freq in entries:
                    segmenter.add_word(word, freq, None)
                hmm = self.hmm
                self._cut = lambda text: segmenter.cut(text, hmm)
            else:
                import jieba
                jieba.setLogLevel(logging.WARNING)  # jieba logs dictionary loading to stderr
                segmenter = jieba.Tokenizer()
                segmenter.initialize()
                for word, freq in entries:
                    segmenter.add_word(word, freq)
                self._cut = lambda text: segmenter.lcut(text, HMM=self.hmm)
        return self._cut

    def __call__(self, text):
        """Tokens of ``text`` (a list of str)."""
        return list(chain.from_iterable(self._found(self._words()(text))))

    def _found(self, words):
        """Our tokens (a tuple) of each segmenter word: one pass over the memo, at C speed."""
        return list(map(self._seen.__getitem__, words))

    def segment(self, texts):
        """The segmenter's words of each text (lists of str); :meth:`word_tokens` gives their tokens."""
        cut = self._words()
        return [cut(text) for text in texts]

    def word_tokens(self, word):
        """Our tokens of one segmenter word (a tuple: usually one token, or none); not memoised,
        for callers that keep a memo of their own."""
        return self._tokens(word)

    def _tokens(self, word):
        """Our tokens of one segmenter word (a tuple: usually one token, or none)."""
        if "-" in word and word.isascii():
            return tuple(token for token in map(self._normalise, _ASCII_PIECES_RE.findall(word)) if token is not None)
        token = self._normalise(word)
        return () if token is None else (token,)

    def _normalise(self, word):
        if "\u4e00" <= word[:1] <= "\u9fff" and word.isalpha():  # most words: Han characters only
            return None if word in self.stopwords else word
        word = word.strip()
        if not word:
            return None
        if _NUMBER_RE.match(word):
            return NUMBER
        if _WORD_RE.search(word) and word not in self.stopwords:
            return word
        return None

    def config(self):
        """What a saved model records to rebuild (and check) this tokenizer."""
        return {
            "backend": self.backend,
            "backend_version": _version(self.backend),
            "hmm": self.hmm,
            "number_token": NUMBER,
            "userdict_sha256": _sha256(self.userdict.encode("utf-8")),
            "stopwords_sha256": _sha256("\n".join(sorted(self.stopwords)).encode("utf-8")),
        }


_DEFAULTS = {}


def default_tokenizer(backend=None):
    """The shared tokenizer with the shipped dictionary (one per backend and process)."""
    backend = backend or DEFAULT_BACKEND
    if backend not in _DEFAULTS:
        _DEFAULTS[backend] = Tokenizer(backend=backend)
    return _DEFAULTS[backend]


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

    from .units import report_units

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
        for _, unit in report_units(inputs, on_error, exclude_reports=exclude_reports, counts=stats):
            write(unit.text)
    return dict(stats)
