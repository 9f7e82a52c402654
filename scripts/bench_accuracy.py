#!/usr/bin/env python3
"""Accuracy of our pipeline against the baselines researchers use, on identical splits.

Splits: leave-one-report-out cross-validation on labels/seeds.jsonl, and
train on the seed labels -> test on ../shared/devset/devset.jsonl (reports never
seen). For every method: accuracy, macro-F1 over the six labels with a
bootstrap 95% interval, per-theme F1, and the paired-bootstrap difference in
macro-F1 to our full pipeline. Prints a table and writes it to docs/benchmarks.md.

    .venv/bin/python scripts/bench_accuracy.py --embeddings work/emb --silver work/silver.jsonl
    .venv/bin/python scripts/bench_accuracy.py --smoke      # a quick run on two methods, no file written

fastText comes from the ``fasttext-wheel`` package (``pip install -e '.[bench]'``).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sklearn.metrics import f1_score

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier import LABELS, OTHER, THEMES  # noqa: E402
from theme_classifier.embeddings import load_vectors  # noqa: E402
from theme_classifier.evaluation import agreeing_units, score  # noqa: E402
from theme_classifier.labels import load_labels, load_silver  # noqa: E402
from theme_classifier.model import ThemeClassifier, group_splitter  # noqa: E402
from theme_classifier.tokenize import default_tokenizer  # noqa: E402
from theme_classifier.training import DEFAULT_PARAMS, select_silver  # noqa: E402

from benchlib import machine_line, publish  # noqa: E402

# The keyword-dictionary method economists apply to work reports: count hits of a
# per-theme word list, take the theme with most hits, "other" when none. The lists
# were written from the codebook's definitions, as a researcher would, before any run.
KEYWORDS = {
    "industry": ["经济", "产业", "工业", "制造", "企业", "项目", "投资", "招商", "GDP", "生产总值", "增加值", "园区",
                 "开发区", "科技", "创新", "数字经济", "农业", "粮食", "服务业", "旅游", "消费", "外贸", "出口", "外资",
                 "开放", "金融", "交通", "物流", "港口", "营商环境", "专精特新", "高新技术", "上市", "集群", "产业链"],
    "ecology": ["生态", "环境保护", "环保", "污染", "大气", "水质", "PM2.5", "蓝天", "碧水", "净土", "河长制", "湿地",
                "森林", "绿化", "造林", "生物多样性", "绿色低碳", "低碳", "碳达峰", "碳中和", "节能", "减排", "排放",
                "污水", "垃圾分类", "督察", "长江保护"],
    "livelihood": ["民生", "就业", "收入", "社保", "社会保险", "养老", "医保", "医疗", "医院", "卫生", "健康", "教育",
                   "学校", "托育", "住房", "保障房", "安置房", "老旧小区", "救助", "低保", "扶贫", "脱贫", "文化",
                   "体育", "民生实事", "人居环境", "户厕", "供水", "公共服务"],
    "governance": ["政府自身建设", "依法行政", "法治政府", "放管服", "审批", "一网通办", "政务服务", "数字政府",
                   "人大", "政协", "建议", "提案", "审计", "统计", "廉政", "反腐", "八项规定", "形式主义", "官僚主义",
                   "过紧日子", "作风", "两个维护", "主题教育", "网格化", "枫桥经验", "监督"],
    "security": ["安全生产", "安全", "隐患", "平安", "扫黑除恶", "治安", "犯罪", "应急", "防汛", "防灾", "减灾",
                 "食品安全", "药品安全", "风险", "债务", "信访", "稳定", "国防", "双拥", "人防", "网络安全"],
}


def keyword_predict(texts):
    out = []
    for text in texts:
        hits = {theme: sum(text.count(word) for word in words) for theme, words in KEYWORDS.items()}
        best = max(THEMES, key=lambda t: hits[t])  # ties go to the earlier theme
        out.append(best if hits[best] else OTHER)
    return out


def fasttext_predictor(train_texts, train_labels, seed):
    """fastText supervised on the same jieba tokens (single thread: reproducible)."""
    import fasttext
    tokenizer = default_tokenizer()
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as fh:
        for text, label in zip(train_texts, train_labels):
            fh.write(f"__label__{label} {' '.join(tokenizer(text))}\n")
        path = fh.name
    model = fasttext.train_supervised(path, epoch=50, lr=0.5, wordNgrams=1, dim=100, minCount=1,
                                      thread=1, seed=seed, verbose=0)
    Path(path).unlink()

    def predict(texts):
        # model.f.predict avoids fasttext's NumPy-1-only wrapper
        return [model.f.predict(" ".join(tokenizer(t)) + "\n", 1, 0.0, "strict")[0][1][len("__label__"):]
                for t in texts]
    return predict


def ours(params, vectors=None, silver=(), silver_weight=0.0):
    def fit(texts, labels, groups, seed):
        texts = list(texts) + [r["text"] for r in silver]
        labels = list(labels) + [r["primary"] for r in silver]
        weights = [1.0] * (len(texts) - len(silver)) + [silver_weight] * len(silver)
        model = ThemeClassifier(**{**params, "seed": seed, "threshold": 0.3}).fit(
            texts, labels, vectors=vectors, sample_weight=weights)
        return lambda xs: list(model.predict(xs))
    return fit


def ours_agreeing(params, vectors, silver, silver_weight):
    """Gold + only the silver units that a gold-only model of the same fold agrees with
    (``themes train --silver`` does this by default): the rules' errors are filtered out
    without the filter seeing held-out labels."""
    def fit(texts, labels, groups, seed):
        kept = agreeing_units(list(texts), list(labels), silver, {**params, "seed": seed}, vectors)
        return ours(params, vectors, kept, silver_weight)(texts, labels, groups, seed)
    return fit


def method_table(args):
    base = {**DEFAULT_PARAMS}
    vectors = load_vectors(args.embeddings)[0] if args.embeddings else None
    methods = {
        "ours: TF-IDF + word2vec (corpus vectors)": ours(base, vectors),
        "TF-IDF only": ours({**base, "use_w2v": False, "C": 3.0}),
        "word2vec only (corpus vectors)": ours({**base, "use_tfidf": False, "C": 3.0}, vectors),
        "keyword dictionary": lambda texts, labels, groups, seed: keyword_predict,
        "fastText supervised (jieba tokens)": lambda texts, labels, groups, seed:
            fasttext_predictor(texts, labels, seed),
    }
    if args.smoke:
        return {k: methods[k] for k in list(methods)[1:2] + ["keyword dictionary"]}
    if args.silver:
        silver = select_silver(load_silver([args.silver]), args.silver_per_theme, 0)
        methods.update({
            "gold only, word2vec from the labelled texts": ours(base, None),
            "silver only (corpus vectors)": lambda texts, labels, groups, seed:
                ours(base, vectors, silver, 1.0)([], [], [], seed),
            f"gold + silver x{args.silver_weight} (corpus vectors)": ours(base, vectors, silver, args.silver_weight),
            f"gold + silver x{args.silver_weight}, word2vec from the labelled texts":
                ours(base, None, silver, args.silver_weight),
            f"gold + silver that a gold-only model agrees with x{args.agree_weight} (corpus vectors)":
                ours_agreeing(base, vectors, silver, args.agree_weight),
        })
    return methods


def run_split(fit, train, test, seed):
    predict = fit([r["text"] for r in train], [r["primary"] for r in train], [r["report"] for r in train], seed)
    return predict([r["text"] for r in test])


def evaluate(methods, gold, dev, seed, only_dev=False):
    results = {}
    groups = [r["report"] for r in gold]
    folds = list(group_splitter(groups).split(gold, groups=groups))
    for name, fit in methods.items():
        start = time.time()
        loro = [None] * len(gold)
        if not only_dev:
            for train, test in folds:
                for i, label in zip(test, run_split(fit, [gold[i] for i in train], [gold[i] for i in test], seed)):
                    loro[i] = label
        dev_pred = run_split(fit, gold, dev, seed)
        results[name] = {"loro": loro, "dev": dev_pred, "seconds": time.time() - start}
        print(f"  {name}: {time.time() - start:.0f}s", file=sys.stderr, flush=True)
    return results


def bootstrap(gold, preds, reference, n, seed):
    """Bootstrap 95% interval of macro-F1, and of its difference to the reference predictions."""
    gold, preds, reference = map(np.asarray, (gold, preds, reference))
    rng = np.random.default_rng(seed)
    values, diffs = [], []
    for _ in range(n):
        idx = rng.integers(0, len(gold), len(gold))
        a = f1_score(gold[idx], preds[idx], labels=list(LABELS), average="macro", zero_division=0)
        b = f1_score(gold[idx], reference[idx], labels=list(LABELS), average="macro", zero_division=0)
        values.append(a)
        diffs.append(a - b)
    return np.percentile(values, [2.5, 97.5]), np.percentile(diffs, [2.5, 97.5])


def table(results, gold, split, n_boot, seed, reference):
    gold_labels = [r["primary"] for r in gold]
    lines = ["| method | accuracy | macro-F1 [95% CI] | Δ macro-F1 vs ours [95% CI] | "
             + " | ".join(f"F1 {t}" for t in LABELS) + " |",
             "|---|---:|---:|---:|" + "---:|" * len(LABELS)]
    for name, result in results.items():
        preds = result[split]
        if preds[0] is None:
            continue
        metrics = score(gold_labels, preds)
        interval, diff = bootstrap(gold_labels, preds, results[reference][split], n_boot, seed)
        delta = "—" if name == reference else \
            f"{metrics['macro_f1'] - score(gold_labels, results[reference][split])['macro_f1']:+.3f} " \
            f"[{diff[0]:+.3f}, {diff[1]:+.3f}]"
        lines.append(f"| {name} | {metrics['accuracy']:.3f} | {metrics['macro_f1']:.3f} "
                     f"[{interval[0]:.3f}, {interval[1]:.3f}] | {delta} | "
                     + " | ".join(f"{metrics['per_label'][t]['f1']:.3f}" for t in LABELS) + " |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", default=ROOT / "labels" / "seeds.jsonl")
    parser.add_argument("--devset", default=ROOT.parent / "shared" / "devset" / "devset.jsonl")
    parser.add_argument("--embeddings", default=ROOT / "work" / "emb",
                        help="word vectors from 'themes embed' (devset reports excluded)")
    parser.add_argument("--silver", default=None, help="silver labels from 'themes bootstrap' (adds rows)")
    parser.add_argument("--silver-weight", type=float, default=0.03)
    parser.add_argument("--silver-per-theme", type=int, default=1000)
    parser.add_argument("--agree-weight", type=float, default=0.3,
                        help="silver weight in the row of model-agreeing silver units")
    parser.add_argument("--bootstrap", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--smoke", action="store_true", help="two quick methods, devset only, nothing written")
    parser.add_argument("--out", default=ROOT / "docs" / "benchmarks.md")
    args = parser.parse_args()
    if args.embeddings and not Path(args.embeddings).is_dir():
        sys.exit(f"error: {args.embeddings}: no embeddings; run 'themes embed' first (see models/README.md)")
    if not Path(args.devset).is_file():
        sys.exit(f"error: {args.devset}: devset not found")
    gold, dev = load_labels([args.labels]), load_labels([args.devset])
    methods = method_table(args)
    results = evaluate(methods, gold, dev, args.seed, only_dev=args.smoke)
    reference = next(iter(results))
    text = (f"Run {machine_line()}.\n\nLeave-one-report-out cross-validation on the {len(gold)} seed units "
            f"(5 reports):\n\n{table(results, gold, 'loro', args.bootstrap, args.seed, reference)}\n\n"
            if not args.smoke else "")
    text += (f"Trained on the seed labels, tested on the devset ({len(dev)} units from 10 reports never seen):\n\n"
             f"{table(results, dev, 'dev', args.bootstrap, args.seed, reference)}\n")
    publish(text, args.out, "accuracy", write=not args.smoke)


if __name__ == "__main__":
    main()
