from conftest import SEEDS
import pytest

from theme_classifier.tokenize import BACKENDS, NUMBER, Memo, Tokenizer, default_tokenizer, tokenize_corpus


def test_tokenizer_uses_policy_terms_stopwords_and_folds_numbers():
    tokens = default_tokenizer()("培育专精特新企业125家，深化放管服改革，全面推行河长制。")
    assert {"专精特新", "放管服", "河长制"} <= set(tokens)
    assert tokens.count(NUMBER) == 1  # 125; the commas are punctuation, not numbers
    assert "，" not in tokens and "。" not in tokens and "的" not in tokens


def test_tokenizer_is_independent_of_the_global_jieba():
    import jieba
    jieba.add_word("推行河长")  # a change to jieba's global tokenizer must not leak in
    try:
        assert "推行河长" not in Tokenizer()("全面推行河长制。")
    finally:
        jieba.del_word("推行河长")


@pytest.mark.parametrize("backend", BACKENDS)
def test_tokenizer_builds_its_segmenter_only_when_first_used(backend):
    tokenizer = Tokenizer(backend=backend)
    assert tokenizer._cut is None  # building one is slow: many are built and never used
    assert "河长制" in tokenizer("全面推行河长制。")
    assert tokenizer._cut is not None


def test_backends_give_the_same_tokens_on_the_seed_reports():
    """rjieba (jieba-rs) against the reference jieba, with the policy dictionary and our
    normalisation (jieba-rs keeps "2011-2020" whole where jieba splits it)."""
    from theme_classifier.units import report_units
    texts = [unit.text for _, unit in report_units([SEEDS])]
    by_jieba, by_rjieba = Tokenizer(backend="jieba"), Tokenizer(backend="rjieba")
    jieba_tokens = [by_jieba(t) for t in texts]
    rjieba_tokens = [by_rjieba(t) for t in texts]
    assert len(texts) == 285 and jieba_tokens == rjieba_tokens
    assert by_rjieba("实施2011-2020年规划，防控COVID-19。") == by_jieba("实施2011-2020年规划，防控COVID-19。")


def test_tokenizer_memo_gives_the_same_tokens_as_a_fresh_tokenizer(seed_records):
    """The tokenizer remembers how it normalised each jieba word; reuse must not change results."""
    texts = [r["text"] for r in seed_records[:60]]
    warm = Tokenizer()
    first = [warm(t) for t in texts]
    assert [warm(t) for t in reversed(texts)] == first[::-1]
    fresh = Tokenizer()
    assert [fresh(t) for t in texts] == first


def test_user_dictionary_decides_segmentation():
    assert "峰碳达" not in Tokenizer(userdict="")("峰碳达目标。")
    assert "峰碳达" in Tokenizer(userdict="峰碳达 100000 n\n")("峰碳达目标。")


def test_tokenizer_config_records_the_dictionary_hash():
    a, b = Tokenizer().config(), Tokenizer(userdict="碳达峰 50 n\n").config()
    assert a["userdict_sha256"] != b["userdict_sha256"]
    assert a["backend"] in BACKENDS and a["backend_version"]


def test_tokenize_corpus_writes_one_unit_per_line(tmp_path):
    out = tmp_path / "tokens.txt"
    stats = tokenize_corpus([SEEDS], out, exclude_reports=[], extra_texts=["全面推行河长制。", "，。"])
    lines = out.read_text(encoding="utf-8").splitlines()
    assert stats["extra_texts"] == 1 and lines[0].split() == default_tokenizer()("全面推行河长制。")
    assert stats["reports"] == 5 and stats["units"] == len(lines) and stats["tokens"] == sum(len(l.split()) for l in lines)
    excluded = tokenize_corpus([SEEDS], tmp_path / "t2.txt", exclude_reports=[sorted(SEEDS.glob("*.txt"))[0].stem])
    assert excluded["reports"] == 4 and excluded["excluded_reports"] == 1


def test_segmenter_words_and_their_tokens_give_the_tokens_of_the_text(seed_records):
    texts = [r["text"] for r in seed_records[:40]] + ["", "，。", "实施2011-2020年规划"]
    tokenizer = Tokenizer()
    by_word = [[t for word in words for t in tokenizer.word_tokens(word)] for words in tokenizer.segment(texts)]
    assert by_word == [default_tokenizer()(t) for t in texts]


def test_the_word_memo_is_bounded_and_starts_empty_in_a_copy():
    import pickle
    memo = Memo(str.upper, limit=2)
    assert [memo[w] for w in ("a", "b", "c", "a")] == ["A", "B", "C", "A"]
    assert len(memo) == 2 and "c" not in memo
    copy = pickle.loads(pickle.dumps(memo))
    assert copy == {} and copy["d"] == "D"
    tokenizer = Tokenizer()
    tokenizer("全面推行河长制。")
    again = pickle.loads(pickle.dumps(tokenizer))
    assert again("全面推行河长制。") == tokenizer("全面推行河长制。") and len(again._seen) <= len(tokenizer._seen)
