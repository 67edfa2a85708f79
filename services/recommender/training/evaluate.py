"""Evaluate the recommender and two baselines on Amazon Beauty (leave-one-out,
full ranking over all items, history items excluded, target never excluded).

Rows: the model (training checkpoint or exported TorchScript model), a
popularity baseline and a last-item -> next-item transition-count baseline
(both counted on training data only, i.e. items[:-2] of every user; the
transition baseline breaks ties / fills empty rows by popularity).  Prints
Markdown tables for the validation and test splits.

Examples:
  /usr/bin/python3 services/recommender/training/evaluate.py                      # build/recsys_ckpt/best.pt
  /usr/bin/python3 services/recommender/training/evaluate.py --model models/recommender/1/model.pt
"""
import argparse
import os
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import (REPO_ROOT, Split, TransitionCounts, default_data_path,  # noqa: E402
                  embedding_score_fn, evaluate_split, load_sequences, markdown_table,
                  popularity_counts, popularity_score_fn, transition_score_fn)
from model import SASRec  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "common", "inference"))
from model_checksums import sha256_file  # noqa: E402

# Reported numbers on the same Beauty.txt / protocol (test split, full ranking).
# Not reproduced here; quoted for reference only, and printed only when --data is that
# file (by content: the SHA-256 of S3Rec's data/Beauty.txt, ../shared/data/README.md), so
# another shop's log is never shown beside Beauty's figures.
PUBLISHED_DATA_SHA256 = "226cce9c3105299ca0db9615d7d3fb32b3175e90da43100ae352599f0f0107b8"
PUBLISHED = [
    ("published: SASRec (BCE, 1 negative)", {"HR@10": 0.0605, "NDCG@10": 0.0318}),
    ("published: transition-count baseline (approx.)", {"HR@10": 0.067, "NDCG@10": 0.044}),
    ("published: SASRec + full softmax CE (Klenitskiy & Vasilev, RecSys 2023, approx.)",
     {"HR@10": 0.085, "NDCG@10": 0.043}),
    ("published: BSARec (best reported)", {"HR@10": 0.1008, "NDCG@10": 0.0611}),
]


def load_checkpoint_model(path: str):
    ck = torch.load(path, map_location="cpu")
    c = ck["config"]
    model = SASRec(ck["num_items"], c["d"], c["layers"], c["heads"], c["dropout"], c["max_len"],
                   c.get("freq_alpha", 0.0), c.get("freq_window", 3))
    model.load_state_dict(ck["model"])
    model.eval()
    return model, ck


def model_score_fn(args):
    """Returns (label, score_fn, max_len)."""
    if args.model:
        m = torch.jit.load(args.model, map_location="cpu")
        m.eval()
        emb = m.item_embeddings
        max_len = args.max_len
        return f"model (TorchScript {os.path.relpath(args.model, os.getcwd())})", \
            embedding_score_fn(m.forward, emb), max_len
    model, ck = load_checkpoint_model(args.ckpt)
    label = f"model (SASRec full-CE, checkpoint epoch {ck['epoch']})"
    return label, embedding_score_fn(model.user_repr, model.item_embeddings().detach()), \
        model.max_len


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=default_data_path())
    p.add_argument("--ckpt", default=str(REPO_ROOT / "build" / "recsys_ckpt" / "best.pt"),
                   help="training checkpoint (best.pt / last.pt)")
    p.add_argument("--model", default="", help="exported TorchScript model.pt (used instead of --ckpt)")
    p.add_argument("--max_len", type=int, default=50, help="input length for --model")
    p.add_argument("--no_model", action="store_true", help="baselines only")
    p.add_argument("--no_published", action="store_true")
    p.add_argument("--batch_size", type=int, default=1024)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    t0 = time.time()
    seqs, num_items = load_sequences(args.data)
    print(f"data: {args.data} users={len(seqs)} items={num_items} "
          f"interactions={sum(len(s) for s in seqs)}\n")

    methods = []
    max_len = args.max_len
    if not args.no_model:
        label, fn, max_len = model_score_fn(args)
        methods.append((label, fn))
    pop = popularity_counts(seqs, num_items)
    trans = TransitionCounts(seqs, num_items)
    methods.append(("popularity (train counts)", popularity_score_fn(pop)))
    methods.append(("transition counts last->next (train, pop backfill)", transition_score_fn(trans, pop)))

    results = {}
    for split_name in ("valid", "test"):
        split = Split(seqs, split_name, max_len)
        results[split_name] = [(name, evaluate_split(fn, split, args.batch_size)) for name, fn in methods]

    print("### Validation (target items[-2], input items[:-2])\n")
    print(markdown_table(results["valid"]))
    print("\n### Test (target items[-1], input items[:-1])\n")
    rows = list(results["test"])
    published = not args.no_published and sha256_file(args.data) == PUBLISHED_DATA_SHA256
    if published:
        rows += PUBLISHED
    print(markdown_table(rows))
    if not args.no_published and not published:
        print("\n(no published figures: they belong to Amazon Beauty's Beauty.txt, and --data "
              "is another file)")
    print(f"\nfull ranking over all {num_items} items; items in the user's history before the target "
          f"are excluded (target never); exact ties broken by item id. ({time.time() - t0:.0f}s)")
    return results


if __name__ == "__main__":
    main()
