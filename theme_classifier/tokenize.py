"""Word segmentation with jieba, a policy-term user dictionary, stopwords and number folding;
and the tokenising of a whole corpus into a token file for word2vec."""

import hashlib
import logging
import re
from importlib import resources

import jieba

#: Token every number (2023, 8.8%, 1.2万) is folded into, so figures do not become vocabulary.
NUMBER = "<num>"

# A number has a digit: punctuation alone ("，", "%") is not one.
_NUMBER_RE = re.compile(r"^(?=.*[\d０-９])[\d０-９.,，．%％‰]+$|^\d+(?:\.\d+)?[万亿千百]?$")
_WORD_RE = re.compile(r"[\u3400-\u9fffA-Za-z]")
_SEEN_MAX = 200_000  # bounds the word memo's memory; the corpus has fewer distinct words

jieba.setLogLevel(logging.WARNING)  # jieba logs dictionary loading to stderr at DEBUG


def _data_path(name):
    return resources.files("theme_classifier") / "data" / name


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


class Tokenizer:
    """Segment report text into word tokens.

    Uses its own ``jieba.Tokenizer`` (never jieba's global one, which other code
    may change) with a shipped dictionary of policy terms (专精特新, 放管服, 河长制 …).
    Punctuation and stopwords are dropped and numbers become :data:`NUMBER`.

    Parameters
    ----------
    userdict : str, optional
        Text of a jieba user dictionary; default: the shipped policy terms.
    stopwords : iterable of str, optional
        Words to drop; default: the shipped list.
    hmm : bool
        Let jieba's HMM find words missing from its dictionary.
    """

    def __init__(self, userdict=None, stopwords=None, hmm=True):
        if userdict is None:
            userdict = _data_path("userdict.txt").read_text(encoding="utf-8")
        if stopwords is None:
            stopwords = _data_path("stopwords.txt").read_text(encoding="utf-8").split()
        self.userdict = userdict
        self.stopwords = frozenset(stopwords)
        self.hmm = hmm
        self._seen = {}  # jieba word -> our token (None: dropped); reports reuse few words
        self._jieba = None  # loaded on first use, as jieba does: building one is slow

    def _segmenter(self):
        if self._jieba is None:
            segmenter = jieba.Tokenizer()
            segmenter.initialize()
            for line in self.userdict.splitlines():
                parts = line.split()
                if parts:
                    freq = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else None
                    segmenter.add_word(parts[0], freq)
            self._jieba = segmenter
        return self._jieba

    def __call__(self, text):
        """Tokens of ``text`` (a list of str)."""
        seen = self._seen
        tokens = []
        for word in self._segmenter().cut(text, HMM=self.hmm):
            token = seen.get(word, "")
            if token == "":
                token = self._normalise(word)
                if len(seen) < _SEEN_MAX:
                    seen[word] = token
            if token is not None:
                tokens.append(token)
        return tokens

    def _normalise(self, word):
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
            "jieba_version": jieba.__version__,
            "hmm": self.hmm,
            "number_token": NUMBER,
            "userdict_sha256": _sha256(self.userdict.encode("utf-8")),
            "stopwords_sha256": _sha256("\n".join(sorted(self.stopwords)).encode("utf-8")),
        }


_DEFAULT = None


def default_tokenizer():
    """The shared tokenizer with the shipped dictionary (built once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Tokenizer()
    return _DEFAULT


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
