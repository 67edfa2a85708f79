#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Intent classification per message, in process, one thread: the bot's C++ path (its
featurizer + the ensemble computed directly from the weights, intent_ensemble.h), the C++
featurizer + the TorchScript module (what the bot ran before), and the Python path
(services/support-bot/training/data.py's featurizer + the same TorchScript module through
PyTorch), on the same messages: the hand-written multilingual test set, all four
languages. Rounds alternate C++ and Python; prints calls/s per round and the ratios.

  /usr/bin/python3 scripts/bench_intent.py --model_dir models/support-bot/3
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "services", "support-bot", "training"))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import machine_line  # noqa: E402


def python_path(model_dir, texts, seconds):
    """data.py's Vocabulary.encode + the module's forward on one message at a time."""
    import torch
    import data
    torch.set_num_threads(1)
    with open(os.path.join(model_dir, "metadata.json")) as f:
        meta = json.load(f)
    vocab = data.Vocabulary.load(os.path.join(model_dir, "features.txt"), meta)
    module = torch.jit.load(os.path.join(model_dir, meta.get("file", "model.pt"))).eval()

    def classify(text):
        ids = vocab.encode(text) or [0]
        return int(module(torch.tensor([ids], dtype=torch.long))[0].argmax())
    with torch.inference_mode():
        for t in texts:  # warm-up: one pass
            classify(t)
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds:
            for t in texts:
                classify(t)
            calls += len(texts)
        elapsed = time.perf_counter() - start
    return calls / elapsed


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model_dir", default=os.path.join(REPO, "models", "support-bot", "3"))
    p.add_argument("--bench", default=os.path.join(REPO, "build", "services", "support-bot",
                                                   "support_bot_intent_bench"))
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args()
    import data
    texts = [t for rows in data.load_multilingual().values() for t, _ in rows]
    print(f"# intent classification per message, in process, 1 thread\n\nmachine: {machine_line()}\n"
          f"command: {' '.join(sys.argv)}\nmodel: {args.model_dir}\n"
          f"messages: {len(texts)} (services/support-bot/training/multilingual_test, en/de/fr/es)\n")
    print("| round | C++ direct calls/s | C++ TorchScript calls/s | Python calls/s | direct / Python | direct / TorchScript |")
    print("|---:|---:|---:|---:|---:|---:|")
    with tempfile.NamedTemporaryFile("w", suffix=".txt", encoding="utf-8", delete=False) as f:
        f.write("\n".join(t.replace("\n", " ") for t in texts) + "\n")
        texts_file = f.name
    try:
        ratios = []
        for r in range(1, args.rounds + 1):
            out = subprocess.run([args.bench, f"--model_dir={args.model_dir}", f"--texts={texts_file}",
                                  f"--seconds={args.seconds}"], check=True, capture_output=True, text=True)
            cpp = {row["path"]: row["calls_per_s"] for row in map(json.loads, out.stdout.split("\n")[:-1])}
            py = python_path(args.model_dir, texts, args.seconds)
            ratios.append((cpp["direct"] / py, cpp["direct"] / cpp["torchscript"]))
            print(f"| {r} | {cpp['direct']:,.0f} | {cpp['torchscript']:,.0f} | {py:,.0f} | "
                  f"{ratios[-1][0]:.1f} | {ratios[-1][1]:.1f} |", flush=True)
        lo, hi = min(x for x, _ in ratios), max(x for x, _ in ratios)
        print(f"\nC++ direct / Python: {lo:.1f}-{hi:.1f}x over {args.rounds} rounds")
    finally:
        os.unlink(texts_file)


if __name__ == "__main__":
    main()
