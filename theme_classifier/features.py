"""Features of units: TF-IDF over word (and optionally character) n-grams plus IDF-weighted
mean word vectors, stacked by :class:`FeaturePipeline` into one sparse matrix.

scikit-learn's ``TfidfVectorizer`` learns the vocabulary and IDF weights at training
time; :class:`TfidfTransform` applies them with NumPy/SciPy alone, so that predicting
never imports scikit-learn (a slow import). The two give the same numbers;
``tests/test_features.py`` checks it.
"""

import functools
import re
from itertools import chain, repeat

import numpy as np
import scipy.sparse as sp

from .tokenize import Memo, default_tokenizer


_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")
_WHITESPACE_RE = re.compile(r"\s\s+")


def _identity(tokens):
    return tokens


def fold_digits(text):
    """Every number becomes ``0`` so that character n-grams do not learn figures."""
    return _DIGITS_RE.sub("0", text)


def _char_texts(texts):
    """Texts as character n-grams see them: numbers folded, runs of whitespace as one space.

    Done on all texts joined by NUL (which neither pattern matches, so no match spans two
    texts): two regular-expression passes instead of two per text.
    """
    joined = "\0".join(texts)
    if joined.count("\0") != len(texts) - 1:  # a text with a NUL of its own: one at a time
        return [_WHITESPACE_RE.sub(" ", fold_digits(text)) for text in texts]
    return _WHITESPACE_RE.sub(" ", fold_digits(joined)).split("\0") if texts else []


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
        self.idf_ = np.asarray(idf, dtype=np.float64)
        self.ngram_range = tuple(ngram_range)
        self.analyzer = analyzer
        # Character n-grams of up to 3 characters are counted with NumPy: each n-gram becomes
        # one integer (21 bits per code point), looked up in a hash table of the vocabulary's.
        self._ngram_keys = None
        if analyzer == "char" and self.ngram_range[1] <= _MAX_PACKED:
            self._ngram_keys = {}
            lengths = np.fromiter(map(len, self.vocabulary), dtype=np.int64, count=len(self.vocabulary))
            for n in range(self.ngram_range[0], self.ngram_range[1] + 1):
                columns = np.flatnonzero(lengths == n)
                keys = _pack([self.vocabulary[c] for c in columns.tolist()], n)
                self._ngram_keys[n] = (_DirectTable if n == 1 else _IntTable)(keys, columns)

    @functools.cached_property
    def vocabulary_(self):
        """Term → column. Built on first use: counting characters through the hash tables never
        needs it, and for the character vocabulary it is the slowest part of loading a model."""
        return {term: i for i, term in enumerate(self.vocabulary)}

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
        if self._ngram_keys is not None:
            return self.weigh(self._char_counts(docs))
        return self.weigh(count_matrix((self._terms(doc) for doc in docs), self.vocabulary_, len(self.vocabulary)))

    def weigh(self, counts):
        """TF-IDF rows from a matrix of term counts (sublinear term frequency, L2-normalised)."""
        counts.data = (1.0 + np.log(counts.data)) * self.idf_[counts.indices]
        return normalise_rows(counts)


    def _char_counts(self, texts):
        """:func:`count_matrix` of the character n-grams of ``texts``, computed with NumPy."""
        docs = _char_texts(texts)
        lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
        points = np.frombuffer("".join(docs).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        doc_of = np.repeat(np.arange(len(docs)), lengths)
        rows, cols = [], []
        for n, table in self._ngram_keys.items():
            count = len(points) - n + 1
            if count <= 0:
                continue
            grams = points[:count].copy()
            for k in range(1, n):
                grams = (grams << np.uint64(_BITS)) | points[k:k + count]
            found = table.lookup(grams)
            known = (found >= 0) & (doc_of[:count] == doc_of[n - 1:])  # an n-gram never spans two texts
            rows.append(doc_of[:count][known])
            cols.append(found[known])
        rows = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        cols = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        return sparse_counts(rows, cols, (len(docs), len(self.vocabulary)))


def _token_ids(tokenizer, index, word):
    """The ids in ``index`` of the tokens of one segmenter word (unknown tokens left out)."""
    tokens = tokenizer.word_tokens(word)
    if len(tokens) == 1:  # most words
        i = index.get(tokens[0], -1)
        return (i,) if i >= 0 else ()
    return tuple(i for i in map(index.get, tokens, repeat(-1)) if i >= 0)


class _DirectTable:
    """Single characters to columns: an array indexed by code point (a lookup is one gather)."""

    def __init__(self, keys, values):
        keys = np.asarray(keys, dtype=np.int64)
        self.values = np.full(int(keys.max()) + 1 if len(keys) else 1, -1, dtype=np.int64)
        self.values[keys] = values

    def lookup(self, queries):
        """The value of each query, or -1 where it is not a key."""
        inside = queries < np.uint64(len(self.values))
        return np.where(inside, self.values[np.where(inside, queries, 0).astype(np.int64)], -1)


class _IntTable:
    """A hash table from unique non-negative integers (below 2**63) to columns, in NumPy arrays:
    open addressing with linear probing, built and looked up a whole array at a time."""

    _EMPTY = np.uint64(2 ** 64 - 1)

    def __init__(self, keys, values):
        bits = max(4, int(np.ceil(np.log2(max(len(keys), 1) * 3))))  # at most a third full
        self._mask = np.uint64((1 << bits) - 1)
        self._shift = np.uint64(64 - bits)
        self.keys = np.full(1 << bits, self._EMPTY, dtype=np.uint64)
        self.values = np.full(1 << bits, -1, dtype=np.int64)
        keys = np.asarray(keys, dtype=np.uint64)
        slots = self._slots(keys)
        pending = np.arange(len(keys))
        while len(pending):
            wanted = slots[pending]
            free = self.keys[wanted] == self._EMPTY
            # A free slot goes to the first key that wants it; every other key moves on one slot,
            # so no empty slot ever lies between a key's hash slot and the key.
            claimed, first = np.unique(wanted[free], return_index=True)
            winners = pending[free][first]
            self.keys[claimed], self.values[claimed] = keys[winners], values[winners]
            placed = np.zeros(len(keys), dtype=bool)
            placed[winners] = True
            pending = pending[~placed[pending]]
            slots[pending] = (slots[pending] + np.uint64(1)) & self._mask

    def _slots(self, keys):
        with np.errstate(over="ignore"):  # Fibonacci hashing wraps around on purpose
            return (keys * np.uint64(0x9E3779B97F4A7C15)) >> self._shift

    def lookup(self, queries):
        """The value of each query, or -1 where it is not a key."""
        found = np.full(len(queries), -1, dtype=np.int64)
        slots = self._slots(queries)
        todo = np.arange(len(queries))
        while len(todo):
            stored = self.keys[slots[todo]]
            hit = stored == queries[todo]
            found[todo[hit]] = self.values[slots[todo[hit]]]
            todo = todo[~hit & (stored != self._EMPTY)]
            slots[todo] = (slots[todo] + np.uint64(1)) & self._mask
        return found


_BITS = 21  # a Unicode code point fits in 21 bits
_MAX_PACKED = 3  # three code points fit in 64 bits


def _pack(terms, n):
    """Each ``n``-character term as one integer, as :meth:`TfidfTransform._char_counts` packs n-grams."""
    points = np.frombuffer("".join(terms).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64).reshape(-1, n)
    keys = np.zeros(len(terms), dtype=np.uint64)
    for k in range(n):
        keys = (keys << np.uint64(_BITS)) | points[:, k]
    return keys


def count_matrix(term_lists, index, n_columns):
    """How often each known term occurs in each document (CSR, float64, sorted indices).

    Terms missing from ``index`` (term → column) are skipped.
    """
    term_lists = term_lists if isinstance(term_lists, list) else list(term_lists)
    rows, columns = lookup_terms(term_lists, index)
    return sparse_counts(rows, columns, (len(term_lists), n_columns))


def lookup_terms(term_lists, index):
    """``(rows, values)``: for each term of each list found in ``index``, the list's number
    and ``index[term]``, in order (one dictionary lookup per term, at C speed)."""
    term_lists = term_lists if isinstance(term_lists, list) else list(term_lists)
    lengths = np.fromiter(map(len, term_lists), dtype=np.int64, count=len(term_lists))
    return lookup_flat(list(chain.from_iterable(term_lists)), lengths, index)


def lookup_flat(terms, lengths, index):
    """:func:`lookup_terms` of the lists that ``terms`` (all of them, in order) and ``lengths``
    (how many belong to each list) make."""
    values = np.fromiter(map(index.get, terms, repeat(-1)), dtype=np.int64, count=len(terms))
    rows = np.repeat(np.arange(len(lengths)), lengths)
    known = values >= 0
    return rows[known], values[known]


def sparse_counts(rows, columns, shape):
    """CSR matrix counting each ``(row, column)`` pair (float64, sorted indices)."""
    matrix = sp.csr_matrix((np.ones(len(rows)), (rows, columns)), shape=shape)
    matrix.sum_duplicates()
    matrix.sort_indices()
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
    if isinstance(weights, dict):
        weights = word_weights(wv, weights)
    return mean_vectors(count_matrix(token_lists, wv.key_to_index, len(wv.index_to_key)), wv, weights)


def mean_vectors(counts, wv, weights=None):
    """:func:`document_vectors` from a matrix of word counts (columns in ``wv``'s word order)."""
    if weights is not None:
        counts.data *= weights[counts.indices]
    used = np.unique(counts.indices)  # only the rows of the vocabulary this batch needs
    sums = counts[:, used] @ wv.vectors[used].astype(np.float64)
    # The weighted mean and the weighted sum point the same way: normalising either gives the same.
    norms = np.linalg.norm(sums, axis=1, keepdims=True)
    return np.divide(sums, norms, out=np.zeros_like(sums), where=norms > 0)


def word_weights(wv, weights):
    """Array of ``weights`` (word → weight, default 1) in ``wv``'s word order."""
    return np.array([weights.get(word, 1.0) for word in wv.index_to_key], dtype=np.float64)


def _some(rows, columns, shape):
    """:func:`sparse_counts` of the pairs whose column is known (not -1)."""
    known = columns >= 0
    return sparse_counts(rows[known], columns[known], shape)


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
        self.word_weights_ = None
        if self.vectors is not None and tfidf is not None and tuple(tfidf.ngram_range) != (1, 1):
            self.word_weights_ = word_weights(self.vectors, unigram_idf(tfidf))
        # Word unigrams and word vectors: one dictionary of every word, so that each token of a
        # batch is looked up once for both blocks (its TF-IDF column and its vector's row).
        self.word_index_ = None
        if self.vectors is not None and tfidf is not None and tuple(tfidf.ngram_range) == (1, 1):
            index = dict(tfidf.vocabulary_)
            extra = [word for word in self.vectors.index_to_key if word not in index]
            index.update(zip(extra, range(len(index), len(index) + len(extra))))
            columns = np.full(len(index), -1, dtype=np.int64)
            columns[:len(tfidf.vocabulary)] = np.arange(len(tfidf.vocabulary))
            rows = np.full(len(index), -1, dtype=np.int64)
            known = np.fromiter(map(index.get, self.vectors.index_to_key), dtype=np.int64,
                                count=len(self.vectors.index_to_key))
            rows[known] = np.arange(len(known))
            self.word_index_ = (index, columns, rows)
            # Segmenter word -> ids of its tokens (see _word_ids): a cache, filled as texts come.
            self._ids_memo = self._word_memo(self.tokenizer if self.tokenizer is not None else default_tokenizer())
            # A vector's weight is its word's IDF where the word has a TF-IDF column, else 1.
            vector_columns = columns[known]
            self.word_weights_ = np.where(vector_columns >= 0, tfidf.idf_[np.maximum(vector_columns, 0)], 1.0)
        return self

    def transform(self, texts):
        """The feature matrix (CSR, one row per text)."""
        check_fitted(self, "tfidf_")
        texts = list(texts)
        if self.word_index_ is not None:  # the fast path: no token list per text
            return self._transform(None, texts, self._word_ids(texts))
        return self._transform(self.tokenize(texts), texts)

    def _word_ids(self, texts):
        """``(rows, ids)``: the joint word-index id of every known token of ``texts``, and its text.

        Memoised per segmenter word (:meth:`_word_memo`), so that each word of a batch costs one
        dictionary lookup, not one for its tokens and one for their ids.
        """
        tokenizer = self.tokenizer if self.tokenizer is not None else default_tokenizer()
        memo = self._ids_memo
        if memo.compute.args[0] is not tokenizer:  # the tokenizer was swapped since fitting
            memo = self._ids_memo = self._word_memo(tokenizer)
        words = tokenizer.segment(texts)
        ids = list(map(memo.__getitem__, chain.from_iterable(words)))
        per_word = np.fromiter(map(len, ids), dtype=np.int64, count=len(ids))
        ends = np.concatenate([[0], np.cumsum(per_word)])[np.cumsum([len(w) for w in words], dtype=np.int64)]
        values = np.fromiter(chain.from_iterable(ids), dtype=np.int64, count=int(per_word.sum()))
        return np.repeat(np.arange(len(texts)), np.diff(ends, prepend=0)), values

    def _word_memo(self, tokenizer):
        """Segmenter word → the ids of its tokens in the joint word index (:class:`Memo`)."""
        return Memo(functools.partial(_token_ids, tokenizer, self.word_index_[0]))

    def _transform(self, tokens, texts, found=None):
        if self.word_index_ is not None:
            index, columns, vector_rows = self.word_index_
            rows, words = lookup_terms(tokens, index) if found is None else found
            word_counts = _some(rows, columns[words], (len(texts), len(self.tfidf_.vocabulary)))
            vector_counts = _some(rows, vector_rows[words], (len(texts), len(self.vectors.index_to_key)))
        else:
            word_counts = vector_counts = None
        blocks = []
        if self.tfidf_ is not None:
            blocks.append(self.tfidf_.weigh(word_counts) if word_counts is not None else self.tfidf_.transform(tokens))
        if self.char_tfidf_ is not None:
            blocks.append(self.char_tfidf_.transform(texts))
        if self.vectors is not None:
            vectors = (mean_vectors(vector_counts, self.vectors, self.word_weights_) if vector_counts is not None
                       else document_vectors(tokens, self.vectors, self.word_weights_))
            blocks.append(sp.csr_matrix(self.w2v_weight * vectors))
        return sp.hstack(blocks, format="csr")
