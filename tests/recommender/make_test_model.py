#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""A tiny recommender model with known behaviour for the engine tests.

The user vector is the mean of the history items' embeddings, and `item_embeddings`
(20 items + padding, d = 4) is a fixed table, so a test can compute the expected ranking
exactly. Same interface as the trained model: items int64 [B, 8] left-padded -> user [B, 4].

  make_test_model.py --out DIR   writes DIR/recommender/1/{model.pt,metadata.json}
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "inference"))
from model_checksums import record_checksums  # noqa: E402


class MeanOfHistory(torch.nn.Module):
    def __init__(self, embeddings: torch.Tensor):
        super().__init__()
        self.register_buffer("item_embeddings", embeddings)

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        mask = (items > 0).float().unsqueeze(-1)
        summed = (self.item_embeddings[items] * mask).sum(dim=1)
        return summed / mask.sum(dim=1).clamp(min=1.0)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    generator = torch.Generator().manual_seed(3)
    embeddings = torch.randn(21, 4, generator=generator)
    embeddings[0] = 0.0
    directory = os.path.join(args.out, "recommender", "1")
    os.makedirs(directory, exist_ok=True)
    torch.jit.script(MeanOfHistory(embeddings).eval()).save(os.path.join(directory, "model.pt"))
    with open(os.path.join(directory, "metadata.json"), "w") as f:
        json.dump({
            "name": "recommender", "version": 1, "file": "model.pt",
            "inputs": [{"name": "items", "dtype": "int64", "shape": [-1, 8]}],
            "outputs": [{"name": "user", "dtype": "float32", "shape": [-1, 4]}],
            "warmup": {"batch_sizes": [1, 4], "iterations": 1},
        }, f, indent=2)
    record_checksums(directory)


if __name__ == "__main__":
    main()
