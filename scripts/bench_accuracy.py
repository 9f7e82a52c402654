#!/usr/bin/env python3
"""Accuracy of our pipeline against the baselines researchers use, on identical splits.

Splits: cross-validation grouped by report on the gold labels (labels/: seeds and corpus
batches), and train on all gold -> test on ../shared/devset/devset.jsonl (10 reports never
seen). For every method: accuracy, macro-F1 over the six labels, per-theme F1, precision of
`other`, the difference in macro-F1 to our pipeline, and on the devset the mean absolute error
of each report's theme shares (`other` left out) against its gold shares. All 95% intervals
resample whole reports (a report's units are correlated). Prints the tables and writes them to
docs/benchmarks.md.

    .venv/bin/python scripts/bench_accuracy.py --embeddings work/emb
    .venv/bin/python scripts/bench_accuracy.py --smoke      # two quick methods on the seeds, no file written

fastText comes from the ``fasttext-wheel`` package (``pip install -e '.[bench]'``).
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from theme_classifier import LABELS, OTHER, THEMES  # noqa: E402
from theme_classifier.embeddings import load_vectors  # noqa: E402
from theme_classifier.evaluation import group_splitter, macro_f1, report_bootstrap, score  # noqa: E402
from theme_classifier.labels import label_files, load_labels, load_silver  # noqa: E402
from theme_classifier.tokenize import default_tokenizer  # noqa: E402
from theme_classifier.training import agreeing_units, fit_model, select_silver  # noqa: E402

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
        model = fit_model(texts, labels, {**params, "seed": seed, "threshold": 0.3}, vectors, weights)
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


def seeds_only(params, vectors):
    """Our pipeline trained on the five seed reports' labels only (the previous default's data)."""
    def fit(texts, labels, groups, seed):
        keep = [i for i, g in enumerate(groups) if g in SEED_REPORTS]
        return ours(params, vectors)([texts[i] for i in keep], [labels[i] for i in keep], None, seed)
    return fit


SEED_REPORTS = {p.stem for p in (ROOT / "seeds").glob("*.txt")}


def method_table(args):
    base = {}  # the estimator's defaults: the shipped settings
    vectors = load_vectors(args.embeddings)[0] if args.embeddings and not args.smoke else None
    methods = {
        "ours: TF-IDF + word2vec (corpus vectors)": ours(base, vectors),
        "ours, trained on the seed labels only": seeds_only(base, vectors),
        "TF-IDF only": ours({**base, "use_w2v": False, "C": 3.0}),
        "word2vec only (corpus vectors)": ours({**base, "use_tfidf": False, "C": 3.0}, vectors),
        "keyword dictionary": lambda texts, labels, groups, seed: keyword_predict,
        "fastText supervised (jieba tokens)": lambda texts, labels, groups, seed:
            fasttext_predictor(texts, labels, seed),
    }
    if args.smoke:
        return {k: methods[k] for k in ["TF-IDF only", "keyword dictionary"]}
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
        if not only_dev and "seed labels only" not in name:
            for train, test in folds:
                for i, label in zip(test, run_split(fit, [gold[i] for i in train], [gold[i] for i in test], seed)):
                    loro[i] = label
        dev_pred = run_split(fit, gold, dev, seed)
        results[name] = {"loro": loro, "dev": dev_pred, "seconds": time.time() - start}
        print(f"  {name}: {time.time() - start:.0f}s", file=sys.stderr, flush=True)
    return results


def shares(records, labels):
    """Each report's share of units per theme (``other`` left out; all zero if every unit is other)."""
    out = {}
    for record, label in zip(records, labels):
        out.setdefault(record["report"], []).append(label)
    result = {}
    for report, report_labels in out.items():
        themed = [label for label in report_labels if label != OTHER]
        result[report] = np.array([themed.count(t) / len(themed) if themed else 0.0 for t in THEMES])
    return result


def share_mae(records, predicted, reports=None):
    """Mean absolute error of per-report theme shares against the gold shares."""
    gold, pred = shares(records, [r["primary"] for r in records]), shares(records, predicted)
    reports = sorted(gold) if reports is None else reports
    return float(np.mean([np.abs(pred[r] - gold[r]).mean() for r in reports]))


def table(results, gold, split, n_boot, seed, reference, with_shares=False):
    gold_labels = np.asarray([r["primary"] for r in gold], dtype=object)
    reports = [r["report"] for r in gold]
    lines = ["| method | accuracy | macro-F1 [95% CI] | Δ macro-F1 vs ours [95% CI] | precision of `other` | "
             + " | ".join(f"F1 {t}" for t in LABELS) + " |",
             "|---|---:|---:|---:|---:|" + "---:|" * len(LABELS)]
    ref = np.asarray(results[reference][split], dtype=object)
    for name, result in results.items():
        if result[split][0] is None:
            continue
        preds = np.asarray(result[split], dtype=object)
        metrics = score(list(gold_labels), list(preds))
        low, high = report_bootstrap(reports, lambda i: macro_f1(gold_labels[i], preds[i]), n_boot, seed)
        delta = "—"
        if name != reference:
            d_low, d_high = report_bootstrap(
                reports, lambda i: macro_f1(gold_labels[i], preds[i]) - macro_f1(gold_labels[i], ref[i]), n_boot, seed)
            delta = f"{metrics['macro_f1'] - macro_f1(gold_labels, ref):+.3f} [{d_low:+.3f}, {d_high:+.3f}]"
        lines.append(f"| {name} | {metrics['accuracy']:.3f} | {metrics['macro_f1']:.3f} [{low:.3f}, {high:.3f}] | "
                     f"{delta} | {metrics['per_label'][OTHER]['precision']:.3f} | "
                     + " | ".join(f"{metrics['per_label'][t]['f1']:.3f}" for t in LABELS) + " |")
    if with_shares:
        lines += ["", share_table(results, gold, split, n_boot, seed, reference)]
    return "\n".join(lines)


def share_table(results, gold, split, n_boot, seed, reference, dictionary="keyword dictionary"):
    """Per-report theme shares against the gold shares: MAE, and its ratio to the dictionary's."""
    names = sorted({r["report"] for r in gold})
    rng = np.random.default_rng(seed)
    resamples = [[names[j] for j in rng.integers(0, len(names), len(names))] for _ in range(n_boot)]
    lines = [f"Theme shares per report (`other` left out) against the gold shares of the {len(names)} devset "
             "reports; mean absolute error over report × theme cells, 95% intervals resampling reports:", "",
             "| method | share MAE [95% CI] | MAE ÷ dictionary's MAE [95% CI] |", "|---|---:|---:|"]
    dict_preds = results[dictionary][split]
    for name, result in results.items():
        preds = result[split]
        if preds[0] is None:
            continue
        mae = share_mae(gold, preds)
        values = [share_mae(gold, preds, sample) for sample in resamples]
        ratios = [share_mae(gold, preds, sample) / share_mae(gold, dict_preds, sample) for sample in resamples]
        ratio = mae / share_mae(gold, dict_preds)
        lines.append(f"| {name} | {mae:.3f} [{np.percentile(values, 2.5):.3f}, {np.percentile(values, 97.5):.3f}] | "
                     f"{ratio:.2f} [{np.percentile(ratios, 2.5):.2f}, {np.percentile(ratios, 97.5):.2f}] |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labels", default=ROOT / "labels", help="gold labels (file or folder)")
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
    if args.embeddings and not args.smoke and not Path(args.embeddings).is_dir():
        sys.exit(f"error: {args.embeddings}: no embeddings; run 'themes embed' first (see models/README.md)")
    if not Path(args.devset).is_file():
        sys.exit(f"error: {args.devset}: devset not found")
    labels = ROOT / "labels" / "seeds.jsonl" if args.smoke else args.labels
    gold, dev = load_labels(label_files([labels])), load_labels([args.devset])
    methods = method_table(args)
    results = evaluate(methods, gold, dev, args.seed, only_dev=args.smoke)
    reference = next(iter(results))
    n_reports = len({r["report"] for r in gold})
    text = (f"Run {machine_line()}.\n\nCross-validation grouped by report (5 folds) on the {len(gold)} gold units "
            f"of {n_reports} reports:\n\n{table(results, gold, 'loro', args.bootstrap, args.seed, reference)}\n\n"
            if not args.smoke else "")
    text += (f"Trained on all {len(gold)} gold units, tested on the devset ({len(dev)} units from 10 reports never "
             f"seen):\n\n{table(results, dev, 'dev', args.bootstrap, args.seed, reference, with_shares=True)}\n")
    publish(text, args.out, "accuracy", write=not args.smoke)


if __name__ == "__main__":
    main()
