"""Features of tokenised units: TF-IDF over word n-grams plus word2vec document vectors."""

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


def restore_tfidf(params, vocabulary, idf):
    """Rebuild a fitted vectorizer from its feature names (column order) and IDF weights."""
    vectorizer = make_tfidf(**params)
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


def combine(token_lists, tfidf=None, wv=None, w2v_weight=1.0, idf_weights=None):
    """Stack the TF-IDF matrix and the scaled word2vec document vectors (sparse CSR)."""
    blocks = []
    if tfidf is not None:
        blocks.append(tfidf.transform(token_lists))
    if wv is not None:
        blocks.append(sp.csr_matrix(w2v_weight * document_vectors(token_lists, wv, idf_weights)))
    return sp.hstack(blocks, format="csr")
