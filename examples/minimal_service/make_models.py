#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Makes the tiny TorchScript models the common-layer tests and the benchmark serve.

Layout written under --out (a model repository plus staged versions tests copy in):
  repo/example/1, repo/example/2   linear 4 -> 2 models with known weights
  repo/rowsum/1                     variable-width input [-1, -1] -> row sums [-1, 1]
  staged/example_v3_corrupt         metadata + a model.pt that is not a TorchScript archive
  staged/example_v3_wrong_signature a valid model taking 3 features instead of 4
  staged/example_v3                 a good version 3
  bench/example/1                   a 2-layer transformer encoder for the batching benchmark
The weights are deterministic, so tests can compute expected outputs exactly.
"""
import argparse
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "common", "inference"))
from model_checksums import record_checksums  # noqa: E402


class Linear(torch.nn.Module):
    def __init__(self, weight, bias):
        super().__init__()
        self.weight = torch.nn.Parameter(weight, requires_grad=False)
        self.bias = torch.nn.Parameter(bias, requires_grad=False)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return features @ self.weight.t() + self.bias


class RowSum(torch.nn.Module):
    def forward(self, values: torch.Tensor) -> torch.Tensor:
        return values.sum(dim=1, keepdim=True)


class TransformerScorer(torch.nn.Module):
    """Features [B, seq*d] -> transformer encoder -> mean pool -> scores [B, 16]."""

    def __init__(self, seq: int, d: int, layers: int):
        super().__init__()
        self.seq = seq
        self.d = d
        layer = torch.nn.TransformerEncoderLayer(d, nhead=4, dim_feedforward=4 * d,
                                                 dropout=0.0, batch_first=True)
        self.encoder = torch.nn.TransformerEncoder(layer, layers)
        self.head = torch.nn.Linear(d, 16)

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        x = features.view(features.size(0), self.seq, self.d)
        return self.head(self.encoder(x).mean(dim=1))


def write(module, directory, metadata):
    os.makedirs(directory, exist_ok=True)
    torch.jit.script(module.eval()).save(os.path.join(directory, "model.pt"))
    with open(os.path.join(directory, "metadata.json"), "w") as f:
        json.dump(metadata, f, indent=2)
    record_checksums(directory)


def linear_metadata(version, width):
    return {
        "name": "example", "version": version, "file": "model.pt",
        "inputs": [{"name": "features", "dtype": "float32", "shape": [-1, width]}],
        "outputs": [{"name": "scores", "dtype": "float32", "shape": [-1, 2]}],
        "warmup": {"batch_sizes": [1, 4], "iterations": 2},
    }


def linear(scale, width=4):
    # Row i of the weight is scale * (i + 1) * ones: output j = scale * (j + 1) * sum(x) + j.
    weight = torch.stack([torch.full((width,), scale * (i + 1.0)) for i in range(2)])
    return Linear(weight, torch.arange(2, dtype=torch.float32))


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", required=True)
    parser.add_argument("--bench_seq", type=int, default=16)
    parser.add_argument("--bench_d", type=int, default=128)
    args = parser.parse_args()
    torch.manual_seed(0)
    out = args.out

    write(linear(1.0), f"{out}/repo/example/1", linear_metadata(1, 4))
    write(linear(2.0), f"{out}/repo/example/2", linear_metadata(2, 4))
    write(RowSum(), f"{out}/repo/rowsum/1", {
        "name": "rowsum", "version": 1,
        "inputs": [{"name": "values", "dtype": "float32", "shape": [-1, -1], "pad_value": 0}],
        "outputs": [{"name": "sums", "dtype": "float32", "shape": [-1, 1]}],
    })

    write(linear(3.0), f"{out}/staged/example_v3", linear_metadata(3, 4))
    write(linear(3.0, width=3), f"{out}/staged/example_v3_wrong_signature",
          linear_metadata(3, 3))
    corrupt = f"{out}/staged/example_v3_corrupt"
    os.makedirs(corrupt, exist_ok=True)
    with open(f"{corrupt}/model.pt", "wb") as f:
        f.write(b"PK\x03\x04 this is not a TorchScript archive" * 8)
    with open(f"{corrupt}/metadata.json", "w") as f:
        json.dump(linear_metadata(3, 4), f, indent=2)
    record_checksums(corrupt)  # intact as recorded: it fails at LibTorch's load, not before

    width = args.bench_seq * args.bench_d
    write(TransformerScorer(args.bench_seq, args.bench_d, 2), f"{out}/bench/example/1", {
        "name": "example", "version": 1,
        "inputs": [{"name": "features", "dtype": "float32", "shape": [-1, width]}],
        "outputs": [{"name": "scores", "dtype": "float32", "shape": [-1, 16]}],
        "warmup": {"batch_sizes": [1, 8, 64], "iterations": 2},
    })


if __name__ == "__main__":
    main()
