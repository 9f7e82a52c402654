"""Features of tokenised units: TF-IDF over word (and optionally character) n-grams plus
word2vec document vectors.

scikit-learn's ``TfidfVectorizer`` learns the vocabulary and IDF weights at training
time; :class:`TfidfTransform` applies them with NumPy/SciPy alone, so that predicting
never imports scikit-learn (about a second of start-up). The two give the same
numbers; ``tests/test_model.py`` checks it.
"""

import re

import numpy as np
import scipy.sparse as sp


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
        if (low, high) == (1, 1):
            return doc
        return [" ".join(doc[i:i + n]) for n in range(low, high + 1) for i in range(len(doc) - n + 1)]

    def transform(self, docs):
        """TF-IDF matrix (CSR, one row per document) of token lists or texts."""
        matrix = count_matrix((self._terms(doc) for doc in docs), self.vocabulary_, len(self.vocabulary))
        matrix.data = (1.0 + np.log(matrix.data)) * self.idf_[matrix.indices]
        return normalise_rows(matrix)


def count_matrix(term_lists, index, n_columns):
    """How often each known term occurs in each document (CSR, float64, sorted indices).

    Terms missing from ``index`` (term → column) are skipped.
    """
    indptr, indices = [0], []
    get = index.get
    for terms in term_lists:
        indices.extend(col for col in map(get, terms) if col is not None)
        indptr.append(len(indices))
    matrix = sp.csr_matrix((np.ones(len(indices)), np.array(indices, dtype=np.int32),
                            np.array(indptr, dtype=np.int64)), shape=(len(indptr) - 1, n_columns))
    matrix.sum_duplicates()
    return matrix


def normalise_rows(matrix):
    """Scale each row of a CSR matrix to unit L2 norm, in place (all-zero rows stay zero)."""
    squares = np.bincount(np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr)),
                          weights=matrix.data ** 2, minlength=matrix.shape[0])
    norms = np.sqrt(squares)
    norms[norms == 0] = 1.0
    matrix.data /= np.repeat(norms, np.diff(matrix.indptr))
    return matrix


def unigram_idf(transform):
    """IDF of single words, used to weight word vectors in a document mean."""
    return {term: float(transform.idf_[col]) for term, col in transform.vocabulary_.items() if " " not in term}


def document_vectors(token_lists, wv, weights=None):
    """Weighted mean word vector of each document, L2-normalised.

    Words without a vector are skipped; a document with none gets a zero vector.

    Parameters
    ----------
    token_lists : list of list of str
    wv : WordVectors or gensim.models.KeyedVectors
    weights : dict or ndarray, optional
        Word → weight (e.g. IDF; missing words weigh 1), or an array of weights
        in ``wv``'s word order (faster when called many times).
    """
    counts = count_matrix(token_lists, wv.key_to_index, len(wv.index_to_key))
    if weights is not None:
        if isinstance(weights, dict):
            weights = word_weights(wv, weights)
        counts.data *= weights[counts.indices]
    used = np.unique(counts.indices)  # only the rows of the vocabulary this batch needs
    sums = counts[:, used] @ wv.vectors[used].astype(np.float64)
    # The weighted mean and the weighted sum point the same way: normalising either gives the same.
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)


def word_weights(wv, weights):
    """Array of ``weights`` (word → weight, default 1) in ``wv``'s word order."""
    return np.array([weights.get(word, 1.0) for word in wv.index_to_key], dtype=np.float64)


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
