import numpy as np
import pytest

from theme_classifier.features import FeaturePipeline, TfidfTransform, make_char_tfidf, make_tfidf
from theme_classifier.tokenize import default_tokenizer


def test_our_tfidf_gives_scikit_learns_numbers(seed_records):
    """Prediction runs without scikit-learn: check our TF-IDF reproduces it exactly."""
    texts = [r["text"] for r in seed_records]
    tokens = [default_tokenizer()(t) for t in texts]
    for vectorizer, docs, analyzer in [(make_tfidf((1, 1)), tokens, "word"),
                                       (make_tfidf((1, 2)), tokens, "word"),
                                       (make_char_tfidf((1, 3)), texts, "char")]:
        fitted = vectorizer.fit(docs[:200])
        ours = TfidfTransform.from_sklearn(fitted, analyzer).transform(docs[200:])
        assert np.allclose(ours.toarray(), fitted.transform(docs[200:]).toarray())


def test_pipeline_stacks_word_char_and_vector_blocks(seed_records, seed_vectors):
    texts = [r["text"] for r in seed_records]
    pipeline = FeaturePipeline(char_ngram_range=(1, 2), vectors=seed_vectors, w2v_weight=2.0)
    fitted = pipeline.fit_transform(texts)
    assert pipeline.fit(texts) is pipeline
    n_words, n_chars = len(pipeline.tfidf_.vocabulary), len(pipeline.char_tfidf_.vocabulary)
    assert fitted.shape == (len(texts), n_words + n_chars + seed_vectors.vector_size)
    again = pipeline.transform(texts)
    assert np.allclose(again.toarray(), fitted.toarray())  # fit_transform tokenises once, same numbers
    row = again[0].toarray()[0]
    assert np.linalg.norm(row[:n_words]) == pytest.approx(1.0)
    assert np.linalg.norm(row[n_words:n_words + n_chars]) == pytest.approx(1.0)
    assert np.linalg.norm(row[n_words + n_chars:]) == pytest.approx(2.0)  # unit vector times w2v_weight


def test_pipeline_without_vectors_has_no_vector_block(seed_records):
    texts = [r["text"] for r in seed_records[:50]]
    pipeline = FeaturePipeline(char_ngram_range=None)
    assert pipeline.fit_transform(texts).shape == (50, len(pipeline.tfidf_.vocabulary))
    assert pipeline.word_weights_ is None


def test_transform_does_not_change_the_fitted_pipeline(seed_records, seed_vectors):
    texts = [r["text"] for r in seed_records]
    pipeline = FeaturePipeline(vectors=seed_vectors).fit(texts[:100])
    before = dict(vars(pipeline))
    pipeline.transform(texts[100:])
    assert vars(pipeline).keys() == before.keys() and all(vars(pipeline)[k] is v for k, v in before.items())


def test_unfitted_pipeline_raises_not_fitted_error():
    from sklearn.exceptions import NotFittedError
    with pytest.raises(NotFittedError):
        FeaturePipeline().transform(["全面推行河长制。"])


def test_one_lookup_for_words_and_vectors_gives_the_same_features(seed_records, seed_vectors):
    """The joint word index (one dictionary lookup per token for both blocks) is only faster."""
    texts = [r["text"] for r in seed_records]
    pipeline = FeaturePipeline(vectors=seed_vectors).fit(texts[:150])
    assert pipeline.word_index_ is not None
    fast = pipeline.transform(texts[150:])
    pipeline.word_index_ = None
    slow = pipeline.transform(texts[150:])
    assert (fast != slow).nnz == 0 and np.array_equal(fast.indices, slow.indices)
