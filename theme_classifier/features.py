"""Features of tokenised units: TF-IDF over word n-grams plus word2vec document vectors."""

import re

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from .embeddings import document_vectors


def _identity(tokens):
    return tokens


def make_tfidf(ngram_range=(1, 2), min_df=1, sublinear_tf=True):
    """A TF-IDF vectorizer over already tokenised documents (lists of str)."""
    return TfidfVectorizer(tokenizer=_identity, preprocessor=_identity, lowercase=False,
                           token_pattern=None, ngram_range=tuple(ngram_range), min_df=min_df,
                           sublinear_tf=sublinear_tf, dtype=np.float64)


_DIGITS_RE = re.compile(r"\d+(?:\.\d+)?")


def fold_digits(text):
    """Every number becomes ``0`` so that character n-grams do not learn figures."""
    return _DIGITS_RE.sub("0", text)


def make_char_tfidf(ngram_range=(1, 2)):
    """A TF-IDF vectorizer over character n-grams of the raw unit text (numbers folded).

    Character n-grams need no segmentation, so they still work where jieba
    splits an unseen policy term badly.
    """
    return TfidfVectorizer(analyzer="char", preprocessor=fold_digits, lowercase=False,
                           ngram_range=tuple(ngram_range), sublinear_tf=True, dtype=np.float64)


def restore_tfidf(params, vocabulary, idf, char=False):
    """Rebuild a fitted vectorizer from its feature names (column order) and IDF weights."""
    vectorizer = make_char_tfidf(**params) if char else make_tfidf(**params)
    vectorizer.vocabulary_ = {term: i for i, term in enumerate(vocabulary)}
    vectorizer.idf_ = np.asarray(idf, dtype=np.float64)
    return vectorizer


def feature_names(vectorizer):
    """Feature names in column order (n-grams joined by a space)."""
    names = [None] * len(vectorizer.vocabulary_)
    for term, column in vectorizer.vocabulary_.items():
        names[column] = term
    return names


def unigram_idf(vectorizer):
    """IDF of single words, used to weight word vectors in a document mean."""
    return {term: float(vectorizer.idf_[col]) for term, col in vectorizer.vocabulary_.items() if " " not in term}


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
