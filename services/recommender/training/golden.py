#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Golden file of a recommender model version: what the Python side computes, for the
C++ server to match (tests/recommender/golden_test.cc).

The server re-implements in C++ what training defines in Python: item id -> model index,
dropping unknown ids, keeping the last max_len, left padding, and ranking by
user . item_embeddings. golden.json records the Python side's answers for a few fixed
histories, so that test can prove both sides agree on every shipped version.

export.py writes golden.json beside model.pt before it records the checksums. By hand
(writes golden.json, then re-records metadata.json's sha256, which must cover it):

  /usr/bin/python3 services/recommender/training/golden.py models/recommender/1

golden.json, one JSON object:
  format          1
  model_version   metadata.json "version"; num_items, max_len: metadata.json's too
  recommend       list of cases:
    name          what the case exercises
    history       item ids as Recommend takes them (strings), oldest first. An id is
                  known when it is the canonical decimal of 1..num_items (catalog_file.h
                  CatalogIndex, with every vocabulary item in the catalog); others are
                  dropped, as the server drops unknown items
    unknown       how many history ids were dropped
    input_ids     the model input: max_len ints, the known ids' indices with the last
                  max_len kept, left-padded with 0, most recent last
    top           10 [item_id, score] pairs (fewer if fewer are left), best first:
                  score = user . item_embeddings[i], user = model.pt forward(input_ids as
                  int64 [1, max_len]); row 0 and every known history item (the whole
                  history, not only the last max_len) excluded, as the service excludes
                  the history; ties to the lower index
  similar         list of {"item": item_id, "top": 10 [item_id, score] pairs}: cosine of
                  the item_embeddings rows (each divided by max(norm, 1e-12)), the item
                  itself and row 0 excluded
Scores are the float32 results, written so that they read back exactly. Only what the
server computes the same way is recorded (no popularity fallback, no reasons, no filters).
"""
import argparse
import json
import os
import random
import sys
from typing import List, Optional

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import left_pad  # noqa: E402

TOP_K = 10
FILE_NAME = "golden.json"


def model_index(item_id: str, num_items: int) -> Optional[int]:
    """The model index of an item id, or None when the server treats it as unknown."""
    canonical = (0 < len(item_id) <= 19 and item_id[0] != "0"
                 and all(c in "0123456789" for c in item_id))
    if not canonical:
        return None
    index = int(item_id)
    return index if 1 <= index <= num_items else None


def input_ids(history: List[str], num_items: int, max_len: int):
    """(model input of max_len indices, count of unknown ids): unknown ids dropped, then
    data.left_pad, which builds every training and evaluation input."""
    known = [i for i in (model_index(h, num_items) for h in history) if i is not None]
    return left_pad(known, max_len), len(history) - len(known)


def top_items(scores: torch.Tensor, excluded: List[int], k: int = TOP_K):
    """[[item_id, score]] of the k best columns of `scores` [num_items + 1]."""
    scores = scores.clone()
    scores[0] = float("-inf")
    if excluded:
        scores[torch.tensor(excluded, dtype=torch.long)] = float("-inf")
    # A stable descending sort puts the lower index first among equal scores.
    order = torch.sort(scores, descending=True, stable=True).indices[:k]
    # Fewer than k when fewer items are left (a tiny test vocabulary), as the server does.
    return [[str(int(i)), float(scores[i])] for i in order if scores[i] > float("-inf")]


def histories(num_items: int, max_len: int):
    """(name, history) pairs; a fixed seed, so the file only changes with the model."""
    rng = random.Random(22)

    def items(n):
        return [str(rng.randint(1, num_items)) for _ in range(n)]

    unknown = ["0", "042", str(num_items + 1), "99999999", "sku-17", "-1"]
    with_unknown = items(4)
    for j, u in enumerate(unknown[:3]):
        with_unknown.insert(2 * j + 1, u)
    a, b, c = items(3)
    # Unknown ids among the last max_len raw ids: the server drops them before it keeps the
    # last max_len, so the input holds max_len items, not max_len minus the unknown.
    tail = items(max_len + 10)
    for j, u in enumerate(unknown):
        tail.insert(len(tail) - 3 - 4 * j, u)
    return [
        ("single item", items(1)),
        ("short", items(3)),
        ("short with unknown ids", with_unknown),
        ("repeated item", [a, b, a, c, a]),
        ("exactly max_len", items(max_len)),
        ("one more than max_len: the oldest is dropped", items(max_len + 1)),
        ("longer than max_len: truncated", items(2 * max_len + 20)),
        ("longer than max_len with unknown ids in the last max_len", tail),
    ]


@torch.no_grad()
def golden(version_dir: str) -> dict:
    with open(os.path.join(version_dir, "metadata.json")) as f:
        meta = json.load(f)
    num_items, max_len = int(meta["num_items"]), int(meta["max_len"])
    model = torch.jit.load(os.path.join(version_dir, meta.get("file", "model.pt")),
                           map_location="cpu").eval()
    emb = model.item_embeddings.float()
    assert tuple(emb.shape) == (num_items + 1, int(meta["embedding_dim"])), emb.shape
    out = {"format": 1, "model_version": meta["version"], "num_items": num_items,
           "max_len": max_len, "recommend": [], "similar": []}
    for name, history in histories(num_items, max_len):
        ids, unknown = input_ids(history, num_items, max_len)
        # One row, as the server's batcher feeds a lone request (int64 [1, max_len]).
        user = model(torch.tensor([ids], dtype=torch.long))[0]
        seen = sorted({i for i in (model_index(h, num_items) for h in history) if i is not None})
        out["recommend"].append({"name": name, "history": history, "unknown": unknown,
                                 "input_ids": ids, "top": top_items(emb @ user, seen)})
    unit = emb / emb.norm(dim=1, keepdim=True).clamp_min(1e-12)
    for item in (out["recommend"][0]["history"][0], "1", str(num_items)):
        index = model_index(item, num_items)
        out["similar"].append({"item": item, "top": top_items(unit @ unit[index], [index])})
    return out


def write_golden(version_dir: str) -> str:
    """Writes <version_dir>/golden.json from its metadata.json and model file; returns the
    path. The caller records the checksums afterwards (the server refuses the version
    until metadata.json's sha256 covers golden.json)."""
    path = os.path.join(version_dir, FILE_NAME)
    data = golden(version_dir)
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        # One case per line keeps the file short and its diffs readable.
        f.write("{\n")
        head = {k: v for k, v in data.items() if k not in ("recommend", "similar")}
        for k, v in head.items():
            f.write(f" {json.dumps(k)}: {json.dumps(v, allow_nan=False)},\n")
        for key in ("recommend", "similar"):
            f.write(f" {json.dumps(key)}: [\n")
            f.write(",\n".join("  " + json.dumps(case, allow_nan=False) for case in data[key]))
            f.write("\n ]" + (",\n" if key == "recommend" else "\n"))
        f.write("}\n")
    with open(tmp) as f:
        assert json.load(f) == data  # the hand-made layout is still plain JSON
    os.replace(tmp, path)
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("version_dirs", nargs="+", help="e.g. models/recommender/1")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                    "..", "..", "..", "common", "inference"))
    from model_checksums import record_checksums
    for d in args.version_dirs:
        path = write_golden(d)
        record_checksums(d)
        print(f"{path}: written; {d}/metadata.json checksums re-recorded")


if __name__ == "__main__":
    main()
