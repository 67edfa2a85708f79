"""CLINC150 test results of several train.py runs (seeds, variants), each at the threshold
and margin its own run tuned on validation, with the mean and standard deviation per
group: how much of a difference between two configurations is the seed.

  /usr/bin/python3 services/support-bot/training/seed_study.py \
      --group "bags + linear" build/s1/ensemble.pt build/s2/ensemble.pt ... \
      --group "with pretrained vectors" build/p1/ensemble.pt ...

Per run: validation accuracy without rejection, the tuned threshold / margin, and on test
the in-scope accuracy without and with rejection and the out-of-scope recall.  Nothing is
tuned on test.
"""
import argparse
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402
from data import default_data_dir, load_clinc150  # noqa: E402
from train import build_ensemble, encode, predict  # noqa: E402


def evaluate(path, data):
    ckpt = torch.load(path)
    vocab, ens = build_ensemble(ckpt)
    lid = {y: i for i, y in enumerate(ckpt["labels"])}

    def probs(split):
        return predict(ens, encode(vocab, [t for t, _ in data[split]]))

    val_y = [lid[y] for _, y in data["val"]]
    test_y = [lid[y] for _, y in data["test"]]
    vp, tp, op = probs("val"), probs("test"), probs("oos_test")
    t, m, oc = ckpt["threshold"], ckpt["margin"], ckpt["oos_class"]
    r = {
        "seed": ckpt["args"]["seed"],
        "rule": ckpt["args"].get("clinc_rule", "recall"),
        "val_raw": metrics.in_scope_accuracy(vp.argmax(1), val_y),
        "tm": (t, m),
        "test_raw": metrics.in_scope_accuracy(tp.argmax(1), test_y),
        "test_in": metrics.in_scope_accuracy(metrics.decide(tp, t, m, oc), test_y),
        "test_oos": metrics.oos_recall(metrics.decide(op, t, m, oc)),
    }
    r["meets"] = r["test_in"] >= 0.93 and r["test_oos"] >= 0.5
    return r


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=default_data_dir())
    p.add_argument("--group", nargs="+", action="append", required=True, metavar=("NAME", "CKPT"),
                   help="a name, then the ensemble.pt of each run")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    data = load_clinc150(args.data_dir)
    print("| group | seed | rule | val acc, no rejection | threshold / margin | test in-scope, no rejection "
          "| test in-scope | test oos recall | meets both (>= 93 / >= 50) |")
    print("|---|---:|---|---:|---|---:|---:|---:|---|")
    for name, *paths in args.group:
        rows = [evaluate(path, data) for path in paths]
        for r in rows:
            print(f"| {name} | {r['seed']} | {r['rule']} | {100 * r['val_raw']:.2f} | {r['tm'][0]:.2f} / "
                  f"{r['tm'][1]:.2f} | {100 * r['test_raw']:.2f} | {100 * r['test_in']:.2f} | "
                  f"{100 * r['test_oos']:.2f} | {'yes' if r['meets'] else 'no'} |")
        if len(rows) > 1:
            def ms(key):
                x = 100 * np.array([r[key] for r in rows])
                return f"{x.mean():.2f} ± {x.std(ddof=1):.2f}"
            met = sum(r["meets"] for r in rows)
            print(f"| **{name}: mean ± sd of {len(rows)}** | | | {ms('val_raw')} | | {ms('test_raw')} | "
                  f"{ms('test_in')} | {ms('test_oos')} | {met} of {len(rows)} |")


if __name__ == "__main__":
    main()
