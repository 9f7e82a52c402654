"""Features of units: TF-IDF over word (and optionally character) n-grams plus IDF-weighted
mean word vectors, stacked by :class:`FeaturePipeline` into one sparse matrix.

scikit-learn's ``TfidfVectorizer`` learns the vocabulary and IDF weights at training
time; :class:`TfidfTransform` applies them with NumPy/SciPy alone, so that predicting
never imports scikit-learn (a slow import). The two give the same numbers;
``tests/test_features.py`` checks it.
"""

import re

import numpy as np
import scipy.sparse as sp

from .tokenize import default_tokenizer


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


def check_fitted(estimator, attribute):
    """Raise scikit-learn's ``NotFittedError`` if ``estimator`` has no ``attribute`` yet.

    scikit-learn is imported only on that error, so predicting never pays for it.
    """
    if not hasattr(estimator, attribute):
        from sklearn.exceptions import NotFittedError
        raise NotFittedError(f"this {type(estimator).__name__} is not fitted yet: call fit first")


class FeaturePipeline:
    """Unit texts to one sparse matrix: word TF-IDF, character TF-IDF and word vectors.

    The blocks are stacked in that order, so the word TF-IDF columns come first and match
    :attr:`tfidf_`'s vocabulary. The word-vector block is the IDF-weighted mean of the
    pre-trained ``vectors`` of a unit's words, L2-normalised and scaled by ``w2v_weight``.

    Parameters
    ----------
    tokenizer : Tokenizer, optional
        Default: the shipped jieba tokenizer.
    ngram_range : tuple of int
        Word n-gram range of the word TF-IDF block.
    min_df : int
        Fewest units a word n-gram must occur in.
    char_ngram_range : tuple of int or None
        Character n-gram range of the character TF-IDF block; ``None`` for no block.
    use_tfidf : bool
        Whether to have the word TF-IDF block.
    vectors : KeyedVectors or WordVectors, optional
        Pre-trained word vectors (``themes embed``); ``None`` for no word-vector block.
    w2v_weight : float
        Scale of the word-vector block against the unit-norm TF-IDF blocks.

    Attributes
    ----------
    tfidf_, char_tfidf_ : TfidfTransform or None
    word_weights_ : ndarray or None
        IDF weight of each word of ``vectors`` (1 for words without one).
    """

    def __init__(self, tokenizer=None, ngram_range=(1, 1), min_df=1, char_ngram_range=(1, 2), use_tfidf=True,
                 vectors=None, w2v_weight=2.0):
        self.tokenizer = tokenizer
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.char_ngram_range = char_ngram_range
        self.use_tfidf = use_tfidf
        self.vectors = vectors
        self.w2v_weight = w2v_weight

    def tokenize(self, texts):
        """Token lists of ``texts``."""
        tokenizer = self.tokenizer if self.tokenizer is not None else default_tokenizer()
        return [tokenizer(text) for text in texts]

    def fit(self, texts):
        """Learn vocabularies and IDF weights from unit texts; returns self."""
        self.fit_transform(texts)
        return self

    def fit_transform(self, texts):
        """:meth:`fit`, then :meth:`transform` the same texts (tokenising them once)."""
        tokens = self.tokenize(texts)
        tfidf = make_tfidf(self.ngram_range, self.min_df).fit(tokens) if self.use_tfidf else None
        char_tfidf = make_char_tfidf(self.char_ngram_range).fit(texts) if self.char_ngram_range else None
        self.set_fitted(tfidf and TfidfTransform.from_sklearn(tfidf),
                        char_tfidf and TfidfTransform.from_sklearn(char_tfidf, "char"))
        return self._transform(tokens, texts)

    def set_fitted(self, tfidf, char_tfidf):
        """Set the fitted TF-IDF blocks (from :meth:`fit` or a saved model); returns self."""
        self.tfidf_, self.char_tfidf_ = tfidf, char_tfidf
        # Each word vector's IDF weight, computed once here rather than for every batch.
        self.word_weights_ = (word_weights(self.vectors, unigram_idf(tfidf))
                              if self.vectors is not None and tfidf is not None else None)
        return self

    def transform(self, texts):
        """The feature matrix (CSR, one row per text)."""
        check_fitted(self, "tfidf_")
        return self._transform(self.tokenize(texts), texts)

    def _transform(self, tokens, texts):
        blocks = []
        if self.tfidf_ is not None:
            blocks.append(self.tfidf_.transform(tokens))
        if self.char_tfidf_ is not None:
            blocks.append(self.char_tfidf_.transform(texts))
        if self.vectors is not None:
            vectors = document_vectors(tokens, self.vectors, self.word_weights_)
            blocks.append(sp.csr_matrix(self.w2v_weight * vectors))
        return sp.hstack(blocks, format="csr")
