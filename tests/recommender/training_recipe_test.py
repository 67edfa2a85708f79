#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The recommender's training recipe on a shop's own log (services/recommender/training/
README.md, "Train on your own data"): the learning-rate schedule, the time budget that
stops a run with a usable best.pt, resuming, and evaluate.py printing Beauty's published
figures only for Beauty's own file. Runs on a small synthetic log, in seconds."""
import contextlib
import io
import math
import os
import random
import sys
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "services", "recommender", "training"))
import torch  # noqa: E402

import evaluate  # noqa: E402
import export  # noqa: E402
import train  # noqa: E402
from model import SASRec  # noqa: E402


def write_log(path, users=60, items=40, seed=0):
    """Users walk item ids upwards (item i is mostly followed by i+1): learnable."""
    rng = random.Random(seed)
    with open(path, "w") as f:
        for u in range(users):
            start = rng.randint(1, items - 8)
            seq = [start + k for k in range(rng.randint(4, 8))]
            f.write(" ".join(map(str, [u + 1] + seq)) + "\n")
        f.write(" ".join(map(str, [users + 1] + list(range(1, items + 1)))) + "\n")


def run_quiet(fn, argv):
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        result = fn(argv)
    return result, out.getvalue()


class ScheduleTest(unittest.TestCase):
    def test_cosine_warms_up_then_decays_to_zero(self):
        args = train.parse_args(["--schedule", "cosine", "--lr", "0.01", "--epochs", "10",
                                 "--warmup_epochs", "2"])
        self.assertAlmostEqual(train.lr_at(args, 1.0), 0.005)
        self.assertAlmostEqual(train.lr_at(args, 2.0), 0.01)
        self.assertAlmostEqual(train.lr_at(args, 6.0), 0.005)
        self.assertAlmostEqual(train.lr_at(args, 10.0), 0.0, places=12)
        rates = [train.lr_at(args, e / 4) for e in range(8, 41)]
        self.assertTrue(all(a >= b for a, b in zip(rates, rates[1:])), rates)

    def test_the_default_recipe(self):
        args = train.parse_args([])
        self.assertEqual((args.schedule, args.lr, args.epochs, args.eval_every, args.patience,
                          args.time_budget_min), ("cosine", 2e-3, 60, 2, 5, 55.0))

    def test_constant_keeps_the_rate(self):
        args = train.parse_args(["--schedule", "constant", "--lr", "0.003"])
        self.assertEqual(train.lr_at(args, 0.0), 0.003)
        self.assertEqual(train.lr_at(args, 57.5), 0.003)

    def test_bf16_follows_the_cpu_unless_set(self):
        self.assertEqual(train.parse_args([]).bf16_logits, -1)  # resolved in main()
        self.assertEqual(train.parse_args(["--bf16_logits", "0"]).bf16_logits, 0)
        self.assertIsInstance(train.cpu_has_fast_bf16(), bool)


class TrainOnOwnLogTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.data = os.path.join(self.tmp.name, "log.txt")
        write_log(self.data)
        self.out = os.path.join(self.tmp.name, "ckpt")
        self.common = ["--data", self.data, "--out_dir", self.out, "--d", "16", "--max_len", "10",
                       "--batch_size", "16", "--dropout", "0.1", "--bf16_logits", "0",
                       "--schedule", "cosine", "--lr", "5e-3", "--eval_every", "2"]

    def tearDown(self):
        self.tmp.cleanup()

    def log_lines(self):
        with open(os.path.join(self.out, "train.log")) as f:
            return f.read().splitlines()

    def test_time_budget_stops_with_a_validated_best_checkpoint(self):
        # A budget of ~0: the first epoch spends it; it is validated although eval_every is 2.
        run_quiet(train.main, self.common + ["--epochs", "30", "--time_budget_min", "1e-6"])
        lines = self.log_lines()
        self.assertTrue(any("time budget of 1e-06 min spent" in line for line in lines), lines)
        self.assertTrue(any("epoch    1" in line and "(final) *" in line for line in lines), lines)
        best = torch.load(os.path.join(self.out, "best.pt"))
        self.assertEqual(best["epoch"], 1)
        last = torch.load(os.path.join(self.out, "last.pt"))
        self.assertTrue(last["early_stopped"])
        # Re-running the command resumes, sees the run finished and trains nothing more.
        run_quiet(train.main, self.common + ["--epochs", "30", "--time_budget_min", "1e-6"])
        self.assertIn("training already finished", self.log_lines()[-1])

    def test_learns_the_log_and_beats_popularity(self):
        run_quiet(train.main, self.common + ["--epochs", "24", "--patience", "20"])
        results, _ = run_quiet(evaluate.main, ["--data", self.data,
                                               "--ckpt", os.path.join(self.out, "best.pt")])
        valid = dict(results["valid"])
        model = next(v for k, v in valid.items() if k.startswith("model"))
        self.assertGreater(model["HR@10"], valid["popularity (train counts)"]["HR@10"] + 0.2)
        self.assertFalse(math.isnan(model["NDCG@10"]))


class CausalFilterTest(unittest.TestCase):
    """The BSARec-style filter (--freq_alpha) keeps what serving relies on."""

    def setUp(self):
        torch.manual_seed(0)
        self.model = SASRec(30, d=16, layers=2, heads=2, dropout=0.0, max_len=10,
                            freq_alpha=0.6, freq_window=3).eval()
        with torch.no_grad():  # beta away from its random start, so the filter matters
            for blk in self.model.blocks:
                blk.filters[0].sqrt_beta.fill_(1.3)

    def test_left_padding_changes_nothing(self):
        items = torch.tensor([[0, 0, 0, 0, 0, 4, 7, 9, 2, 5]])
        with torch.no_grad():
            full = self.model.encode(items)[:, -1]
            trimmed = self.model.encode(items[:, 5:])[:, -1]
        self.assertTrue(torch.allclose(full, trimmed, atol=1e-6), (full - trimmed).abs().max())

    def test_no_position_sees_a_later_item(self):
        a = torch.tensor([[3, 4, 7, 9, 2, 5]])
        b = torch.tensor([[3, 4, 7, 9, 2, 11]])
        with torch.no_grad():
            ha, hb = self.model.encode(a), self.model.encode(b)
        self.assertTrue(torch.equal(ha[:, :-1], hb[:, :-1]))
        self.assertFalse(torch.equal(ha[:, -1], hb[:, -1]))

    def test_exports_as_torchscript(self):
        scripted = torch.jit.script(export.UserEncoder(self.model))
        items = torch.tensor([[0, 0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 0, 0, 0, 0, 0, 0, 0, 9, 3]])
        with torch.no_grad():
            self.assertTrue(torch.allclose(scripted(items), self.model.user_repr(items), atol=1e-6))

    def test_without_it_the_parameters_are_plain_sasrec(self):
        plain = SASRec(30, d=16, layers=2, heads=2, dropout=0.0, max_len=10)
        self.assertFalse(any("filters" in k for k in plain.state_dict()))


class PublishedRowsTest(unittest.TestCase):
    def test_only_beauty_gets_beautys_published_figures(self):
        with tempfile.TemporaryDirectory() as tmp:
            data = os.path.join(tmp, "log.txt")
            write_log(data)
            _, out = run_quiet(evaluate.main, ["--data", data, "--no_model"])
            self.assertNotIn("published:", out)
            self.assertIn("no published figures", out)
            self.assertNotEqual(evaluate.sha256_file(data), evaluate.PUBLISHED_DATA_SHA256)
            _, out = run_quiet(evaluate.main, ["--data", data, "--no_model", "--no_published"])
            self.assertNotIn("no published figures", out)


if __name__ == "__main__":
    unittest.main()
