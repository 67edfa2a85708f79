"""Fit the confidence score of a translator version on the dev splits.

The server reports, per translation, ``confidence`` = sigmoid(slope * x + intercept),
where x is the mean log-probability per output token (EOS included) of the text's
translation under the model itself (TranslationModel::Confidence).  This script
translates a seeded sample of every dev/validation split in both directions with
the server's defaults (beam 4, the version's length penalty), labels each
translation good when its sentence chrF against the reference is >= 30 (below
that a translation is usually garbled), fits the logistic curve by Newton's
method, and prints:
  * ROC AUC of x for good versus bad, overall and per set: how well the score
    separates them (a monotone calibration does not change it);
  * a reliability table: in bins of predicted confidence, the predicted and the
    observed share of good translations.
With ``--write`` the fit goes into the version's metadata.json (``confidence``),
which the server reads on load.  Only dev splits are used; test splits never.

Example:
  /usr/bin/python3 services/translator/training/calibrate_confidence.py --model_dir models/translator/6 --write
"""
import argparse
import json
import math
import os
import random
import sys
import time
from typing import List, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import mt_metrics  # noqa: E402

DEV_SETS = ("massive_dev_de", "massive_dev_fr", "massive_dev_es", "bcontrast_dev_de",
            "shop_ui_dev_de", "shop_ui_dev_fr", "shop_ui_dev_es", "multi30k_val_de",
            "multi30k_val_fr", "fashion12k_val_de", "ikea_val_de", "ikea_val_fr", "tatoeba_val_es")
GOOD_CHRF = 30.0


def roc_auc(scores: Sequence[float], labels: Sequence[bool]) -> float:
    """Probability that a random good item scores above a random bad one (ties count half)."""
    order = sorted(range(len(scores)), key=lambda i: scores[i])
    ranks = [0.0] * len(scores)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        for k in range(i, j + 1):
            ranks[order[k]] = (i + j) / 2 + 1
        i = j + 1
    pos = sum(labels)
    neg = len(labels) - pos
    if pos == 0 or neg == 0:
        return float("nan")
    rank_sum = sum(r for r, y in zip(ranks, labels) if y)
    return (rank_sum - pos * (pos + 1) / 2) / (pos * neg)


def fit_logistic(x: Sequence[float], y: Sequence[bool], iters: int = 50) -> Tuple[float, float]:
    """Maximum-likelihood (slope, intercept) of P(y) = sigmoid(slope * x + intercept),
    by Newton's method with a tiny ridge for stability."""
    a, b = 1.0, 0.0
    for _ in range(iters):
        ga = gb = haa = hab = hbb = 0.0
        for xi, yi in zip(x, y):
            p = 1.0 / (1.0 + math.exp(-(a * xi + b)))
            w = p * (1 - p)
            ga += (p - yi) * xi
            gb += p - yi
            haa += w * xi * xi
            hab += w * xi
            hbb += w
        haa += 1e-6
        hbb += 1e-6
        det = haa * hbb - hab * hab
        da = (hbb * ga - hab * gb) / det
        db = (haa * gb - hab * ga) / det
        a, b = a - da, b - db
        if abs(da) < 1e-9 and abs(db) < 1e-9:
            break
    return a, b


def sample(pairs: List[data.Pair], n: int, seed: int) -> List[data.Pair]:
    pairs = list(pairs)
    random.Random(seed).shuffle(pairs)
    return pairs[:n]


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=data.default_data_dir())
    p.add_argument("--model_dir", default=str(data.REPO_ROOT / "models" / "translator" / "6"))
    p.add_argument("--per_set", type=int, default=200, help="sentences per dev set and direction")
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--write", action="store_true", help="store the fit in metadata.json")
    args = p.parse_args(argv)

    from translate import Translator

    t = Translator(args.model_dir, threads=args.threads)
    sets = data.validation_sets(args.data_dir)
    xs: List[float] = []
    ys: List[bool] = []
    per_set = []
    t0 = time.time()
    for name in DEV_SETS:
        pairs = sample(sets[name], args.per_set, args.seed)
        lang = pairs[0][1]
        for src, tgt, srcs, refs in (("en", lang, [x[2] for x in pairs], [x[3] for x in pairs]),
                                     (lang, "en", [x[3] for x in pairs], [x[2] for x in pairs])):
            out = t.translate_scored(srcs, tgt, beam=args.beam)
            x = [lp for _, lp in out]
            y = [mt_metrics.sentence_chrf(h, r) >= GOOD_CHRF for (h, _), r in zip(out, refs)]
            per_set.append((f"{name} {src}->{tgt}", len(x), sum(y), roc_auc(x, y)))
            xs += x
            ys += y
            print(f"{name} {src}->{tgt}: {len(x)} sentences, {sum(y)} good, "
                  f"ROC AUC {per_set[-1][3]:.3f} ({time.time() - t0:.0f}s)", flush=True)
    slope, intercept = fit_logistic(xs, ys)
    auc = roc_auc(xs, ys)
    print(f"\n# confidence calibration: {args.model_dir}, {len(xs)} dev translations, "
          f"{sum(ys)} with sentence chrF >= {GOOD_CHRF:g}\n")
    print(f"confidence = sigmoid({slope:.4f} * mean_token_log_prob + {intercept:.4f})")
    print(f"ROC AUC (chrF < {GOOD_CHRF:g} vs >= {GOOD_CHRF:g}), all dev sets: {auc:.3f}\n")
    print("| dev set | sentences | good | ROC AUC |\n|---|---:|---:|---:|")
    for name, n, good, a in per_set:
        print(f"| {name} | {n} | {good} | {a:.3f} |")
    print("\n| confidence bin | translations | mean confidence | share good |\n|---|---:|---:|---:|")
    conf = [1 / (1 + math.exp(-(slope * x + intercept))) for x in xs]
    for lo in (0.0, 0.2, 0.4, 0.6, 0.8):
        idx = [i for i, c in enumerate(conf) if lo <= c < lo + 0.2 or (lo == 0.8 and c == 1.0)]
        if idx:
            print(f"| {lo:.1f}-{lo + 0.2:.1f} | {len(idx)} | {sum(conf[i] for i in idx) / len(idx):.3f} | "
                  f"{sum(ys[i] for i in idx) / len(idx):.3f} |")
    if args.write:
        path = os.path.join(args.model_dir, "metadata.json")
        with open(path) as f:
            meta = json.load(f)
        meta["confidence"] = {
            "feature": "mean log-probability per output token, EOS included",
            "slope": round(slope, 6), "intercept": round(intercept, 6),
            "label": f"sentence chrF >= {GOOD_CHRF:g}",
            "fitted_on": f"{len(xs)} dev translations ({args.per_set} per set and direction, seed "
                         f"{args.seed}): " + ", ".join(DEV_SETS),
            "roc_auc_dev": round(auc, 4),
        }
        with open(path + ".tmp", "w") as f:
            json.dump(meta, f, indent=1)
        os.replace(path + ".tmp", path)
        print(f"\nwrote confidence into {path}")


if __name__ == "__main__":
    main()
