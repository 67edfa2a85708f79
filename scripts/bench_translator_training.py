#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Seconds per translator training step in fp32 and under bfloat16 autocast, on this CPU.

train.py --amp auto turns autocast on only where the CPU has bfloat16 instructions; this
shows why on the machine at hand. One step = forward, backward and Adam update of the
shipped architecture (d=256, 4+3 layers, 8,000 pieces) on a random batch of the size
train.py uses (about 6,000 padded tokens: 200 pairs of 15 and 17 pieces).

Example:
  /usr/bin/python3 scripts/bench_translator_training.py --steps 3
"""
import argparse
import os
import platform
import sys
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))
import torch  # noqa: E402

import train  # noqa: E402
import vocab  # noqa: E402
from model import Transformer  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--steps", type=int, default=3, help="timed steps per mode, after one untimed")
    p.add_argument("--threads", type=int, default=2)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    src = torch.randint(4, 8000, (200, 15))
    tgt = torch.randint(4, 8000, (200, 17))
    print(f"cpu: {platform.processor() or platform.machine()}, native bfloat16: {train.cpu_has_bf16()}, "
          f"threads: {args.threads}")
    for amp in (False, True):
        model = Transformer(8000, 256, 4, 1024, 4, 3, 0.1, pad_id=vocab.PAD_ID)
        opt = torch.optim.Adam(model.parameters(), lr=1e-4)
        for i in range(args.steps + 1):
            if i == 1:
                t0 = time.time()
            loss, ntok = train.loss_fn(model, src, tgt, 0.1, "cpu", amp)
            opt.zero_grad()
            (loss / ntok).backward()
            opt.step()
        print(f"{'bfloat16 autocast' if amp else 'fp32'}: {(time.time() - t0) / args.steps:.2f} s/step",
              flush=True)


if __name__ == "__main__":
    main()
