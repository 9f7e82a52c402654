"""Features of tokenised units: TF-IDF over word (and optionally character) n-grams plus
word2vec document vectors.

scikit-learn's ``TfidfVectorizer`` learns the vocabulary and IDF weights at training
time; :class:`TfidfTransform` applies them with NumPy/SciPy alone, so that predicting
never imports scikit-learn (about a second of start-up). The two give the same
numbers; ``tests/test_model.py`` checks it.
"""

import math
import re
from collections import Counter

import numpy as np
import scipy.sparse as sp

from .embeddings import document_vectors

_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")
_WHITESPACE_RE = re.compile(r"\s\s+")


def _identity(tokens):
    return tokens


def fold_digits(text):
    """Every number becomes ``0`` so that character n-grams do not learn figures."""
    return _DIGITS_RE.sub("0", text)


def make_tfidf(ngram_range=(1, 2), min_df=1, sublinear_tf=True):
    """A scikit-learn TF-IDF vectorizer over already tokenised documents (lists of str)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(tokenizer=_identity, preprocessor=_identity, lowercase=False,
                           token_pattern=None, ngram_range=tuple(ngram_range), min_df=min_df,
                           sublinear_tf=sublinear_tf, dtype=np.float64)


def make_char_tfidf(ngram_range=(1, 2)):
    """A scikit-learn TF-IDF vectorizer over character n-grams of the raw text (numbers folded).

    Character n-grams need no segmentation, so they still work where jieba
    splits an unseen policy term badly.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer
    return TfidfVectorizer(analyzer="char", preprocessor=fold_digits, lowercase=False,
                           ngram_range=tuple(ngram_range), sublinear_tf=True, dtype=np.float64)


class TfidfTransform:
    """Fitted TF-IDF weights (sublinear term frequency, L2-normalised rows).

    Parameters
    ----------
    vocabulary : list of str
        Feature names in column order (word n-grams joined by a space).
    idf : array of float
        IDF weight of each column.
    ngram_range : tuple of int
    analyzer : {"word", "char"}
        ``word`` takes lists of tokens; ``char`` takes raw text.
    """

    def __init__(self, vocabulary, idf, ngram_range=(1, 1), analyzer="word"):
        self.vocabulary = list(vocabulary)
        self.vocabulary_ = {term: i for i, term in enumerate(self.vocabulary)}
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.ngram_range = tuple(ngram_range)
        self.analyzer = analyzer

    @classmethod
    def from_sklearn(cls, vectorizer, analyzer="word"):
        names = [None] * len(vectorizer.vocabulary_)
        for term, column in vectorizer.vocabulary_.items():
            names[column] = term
        return cls(names, vectorizer.idf_, vectorizer.ngram_range, analyzer)

    def _terms(self, doc):
        low, high = self.ngram_range
        if self.analyzer == "char":
            text = _WHITESPACE_RE.sub(" ", fold_digits(doc))
            return [text[i:i + n] for n in range(low, high + 1) for i in range(len(text) - n + 1)]
        return [" ".join(doc[i:i + n]) for n in range(low, high + 1) for i in range(len(doc) - n + 1)]

    def transform(self, docs):
        """TF-IDF matrix (CSR, one row per document) of token lists or texts."""
        indptr, indices, values = [0], [], []
        for doc in docs:
            counts = Counter(t for t in self._terms(doc) if t in self.vocabulary_)
            row = sorted((self.vocabulary_[t], (1.0 + math.log(c)) * self.idf_[self.vocabulary_[t]])
                         for t, c in counts.items())
            norm = math.sqrt(sum(v * v for _, v in row)) or 1.0
            indices.extend(col for col, _ in row)
            values.extend(v / norm for _, v in row)
            indptr.append(len(indices))
        return sp.csr_matrix((np.array(values, dtype=np.float64), np.array(indices, dtype=np.int32),
                              np.array(indptr, dtype=np.int64)), shape=(len(indptr) - 1, len(self.vocabulary)))


def unigram_idf(transform):
    """IDF of single words, used to weight word vectors in a document mean."""
    return {term: float(transform.idf_[col]) for term, col in transform.vocabulary_.items() if " " not in term}


def combine(token_lists, texts, tfidf=None, char_tfidf=None, wv=None, w2v_weight=1.0, idf_weights=None):
    """Stack word TF-IDF, character TF-IDF and scaled word2vec document vectors (sparse CSR).

    The word TF-IDF block comes first, so its columns match its feature names.
    """
    blocks = []
    if tfidf is not None:
        blocks.append(tfidf.transform(token_lists))
    if char_tfidf is not None:
        blocks.append(char_tfidf.transform(texts))
    if wv is not None:
        blocks.append(sp.csr_matrix(w2v_weight * document_vectors(token_lists, wv, idf_weights)))
    return sp.hstack(blocks, format="csr")
