import json

import numpy as np
import pytest

from conftest import SEEDS
from theme_classifier.embeddings import load_vectors, read_vectors
from theme_classifier.features import document_vectors
from theme_classifier.errors import ModelError


@pytest.fixture(scope="module")
def embedded(tmp_path_factory):
    from conftest import run_cli
    out = tmp_path_factory.mktemp("emb")
    results = []
    for name in ("a", "b"):
        result = run_cli("embed", SEEDS, "-o", out / name, "--epochs", "2", "--min-count", "1",
                         "--exclude-reports", "004_368e49043dcb499b", "--seed", "3")
        assert result.returncode == 0, result.stderr.decode()
        results.append(result)
    return out, results


def test_embed_is_reproducible_and_records_provenance(embedded):
    out, _ = embedded
    meta_a = json.loads((out / "a" / "meta.json").read_text(encoding="utf-8"))
    meta_b = json.loads((out / "b" / "meta.json").read_text(encoding="utf-8"))
    assert meta_a["sha256"] == meta_b["sha256"]  # workers=1 + seed: identical vectors
    assert meta_a["corpus_stats"]["reports"] == 4 and meta_a["corpus_stats"]["excluded_reports"] == 1
    assert meta_a["excluded_report_ids"] == ["004_368e49043dcb499b"]
    assert meta_a["seed"] == 3 and meta_a["params"]["epochs"] == 2
    assert meta_a["vocabulary_size"] > 500


def test_our_reader_matches_gensim(embedded):
    from gensim.models import KeyedVectors
    out, _ = embedded
    ours, _ = load_vectors(out / "a")
    theirs = KeyedVectors.load_word2vec_format(str(out / "a" / "vectors.bin"), binary=True)
    assert ours.index_to_key == theirs.index_to_key
    assert np.array_equal(ours.vectors, theirs.vectors)


def test_truncated_or_modified_vectors_are_refused(embedded, tmp_path):
    out, _ = embedded
    data = (out / "a" / "vectors.bin").read_bytes()
    (tmp_path / "v.bin").write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelError, match="corrupt word vectors"):
        read_vectors(tmp_path / "v.bin")
    import shutil
    shutil.copytree(out / "a", tmp_path / "emb")
    (tmp_path / "emb" / "vectors.bin").write_bytes(data[:-8] + b"\0" * 8)
    with pytest.raises(ModelError, match="checksum"):
        load_vectors(tmp_path / "emb")


def test_document_vectors_skip_unknown_words(embedded):
    out, _ = embedded
    wv, _ = load_vectors(out / "a")
    known = wv.index_to_key[5]
    vecs = document_vectors([[known, "从未见过的词"], ["从未见过的词"], []], wv)
    assert np.allclose(np.linalg.norm(vecs[0]), 1)
    assert not vecs[1].any() and not vecs[2].any()


def test_document_vectors_are_the_normalised_weighted_mean(embedded):
    out, _ = embedded
    wv, _ = load_vectors(out / "a")
    a, b, c = wv.index_to_key[3:6]
    docs = [[a, b, a, "从未见过的词"], [c], [b, c, c]]
    weights = {a: 2.0, b: 0.5}  # c is missing: weight 1
    got = document_vectors(docs, wv, weights)
    for doc, row in zip(docs, got):
        known = [t for t in doc if t in wv.key_to_index]
        w = np.array([weights.get(t, 1.0) for t in known])
        mean = w @ np.array([wv.vectors[wv.key_to_index[t]] for t in known], dtype=np.float64) / w.sum()
        assert np.allclose(row, mean / np.linalg.norm(mean))


def test_train_with_corpus_trains_vectors_on_the_labels_and_the_corpus(tmp_path):
    from conftest import ROOT, run_cli
    labels = tmp_path / "two_reports.jsonl"
    lines = [line for line in (ROOT / "labels" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()
             if json.loads(line)["report"] in ("000_e4ed14a6ecf8fffb", "001_51dfa91dfa589ef3")]
    labels.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("train", "--labels", labels, "--corpus", SEEDS, "--exclude-reports", labels,
                     "--no-cv", "-o", tmp_path / "m", "-q")
    assert result.returncode == 0, result.stderr.decode()
    stats = json.loads((tmp_path / "m" / "meta.json").read_text(encoding="utf-8"))["embeddings"]["corpus_stats"]
    # The two labelled reports are left out of the corpus, but their labelled texts are trained on.
    assert stats["reports"] == 3 and stats["excluded_reports"] == 2
    assert stats["extra_texts"] == len(lines)
