#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Continuing translator training from a shipped model (train.py --init_from): the
weights arrive exactly, the epoch/batch/step come from the metadata export.py writes
(or the flags, for versions exported before it did), and the learning rate ramps up
again while Adam's fresh moment estimates settle."""
import json
import os
import sys
import tempfile
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))
import torch  # noqa: E402

import export  # noqa: E402
import train  # noqa: E402
import vocab  # noqa: E402
from model import Transformer  # noqa: E402

SHIPPED = os.path.join(REPO, "models", "translator", "5")
# What export.py recorded for it: epochs done, batches of the next one, optimizer steps.
SHIPPED_FACTS = (7, 0, 10938)


def fresh_model():
    return Transformer(8000, 256, 4, 1024, 4, 3, 0.1, pad_id=vocab.PAD_ID)


class InitFromShippedTest(unittest.TestCase):
    def test_weights_arrive_exactly(self):
        model = fresh_model()
        # The metadata's facts win over the flags (kept for versions exported without them).
        args = train.parse_args(["--init_epoch", "9", "--init_step", "99"])
        got = train.init_from_shipped(SHIPPED, model, args, lambda msg: None)
        self.assertEqual(got, SHIPPED_FACTS)
        scripted = torch.jit.load(os.path.join(SHIPPED, "model.pt")).state_dict()
        for name, value in model.state_dict().items():
            self.assertTrue(torch.equal(value, scripted["m." + name]), name)

    def test_without_recorded_facts_the_flags_are_required(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(SHIPPED, "metadata.json")) as f:
                meta = json.load(f)
            meta.pop("training", None)
            os.symlink(os.path.join(SHIPPED, meta["file"]), os.path.join(d, meta["file"]))
            with open(os.path.join(d, "metadata.json"), "w") as f:
                json.dump(meta, f)
            with self.assertRaises(SystemExit) as e:
                train.init_from_shipped(d, fresh_model(), train.parse_args([]), lambda msg: None)
            self.assertIn("--init_epoch", str(e.exception))

            args = train.parse_args(["--init_epoch", "4", "--init_step", "6254"])
            got = train.init_from_shipped(d, fresh_model(), args, lambda msg: None)
            self.assertEqual(got, (4, 0, 6254))


class TrainingFactsTest(unittest.TestCase):
    def test_mid_epoch_checkpoint(self):
        # last.pt holds the epoch in progress (5) and the batches done in it.
        facts = export.training_facts({"state": {"epoch": 5, "batch": 900, "step": 7154}})
        self.assertEqual(facts, {"epoch": 4, "batch": 900, "step": 7154})

    def test_mix_stages_travel_with_the_checkpoint(self):
        stages = [{"from_step": 0, "mix": {"a": 1.0}}, {"from_step": 500, "mix": {"a": 2.0}}]
        facts = export.training_facts({"state": {"epoch": 2, "batch": 10, "step": 510,
                                                 "mix_stages": stages}})
        self.assertEqual(facts["mix_stages"], stages)

    def test_averaging_snapshots_of_last_pt(self):
        with tempfile.TemporaryDirectory() as d:
            files = []
            for i, step in enumerate((100, 200, 300)):
                path = os.path.join(d, f"snap{i}.pt")
                torch.save({"model": {"w": torch.full((2,), float(i))}, "config": {"d": 8},
                            "state": {"epoch": 3, "batch": step, "step": step}}, path)
                files.append(path)
            args = export.parse_args(["--checkpoints", ",".join(files)])
            state, cfg, source, facts = export.load_weights(args)
            self.assertTrue(torch.equal(state["w"], torch.full((2,), 1.0)))
            self.assertEqual(cfg, {"d": 8})
            self.assertEqual(source, "average of snap0.pt, snap1.pt, snap2.pt")
            self.assertEqual(facts, {"epoch": 2, "batch": 300, "step": 300,
                                     "averaged_steps": [100, 200, 300]})

    def test_epoch_checkpoint(self):
        facts = export.training_facts({"epoch": 5, "step": 7815, "val_loss": 1.79, "model": {}})
        self.assertEqual(facts, {"epoch": 5, "step": 7815, "val_loss": 1.79, "batch": 0})


class StopBySignalTest(unittest.TestCase):
    """SIGTERM ends training after the current batch with last.pt saved at that batch, so a
    resumed run loses nothing (not up to 10 minutes since the periodic checkpoint)."""

    def test_sigterm_saves_the_batch_reached(self):
        import shutil
        import signal
        import subprocess
        import time
        with tempfile.TemporaryDirectory() as out:
            shutil.copy(os.path.join(SHIPPED, "spm.model"), os.path.join(out, "spm.model"))
            gen = torch.Generator().manual_seed(0)
            ex = [(torch.randint(5, 8000, (4 + i % 5,), generator=gen, dtype=torch.int16),
                   torch.randint(5, 8000, (3 + i % 4,), generator=gen, dtype=torch.int16))
                  for i in range(400)]
            ds = {"train": ex, "val": ex[:8], "vocab_size": 8000,
                  "corpus": torch.zeros(len(ex), dtype=torch.int8), "corpora": ["a"], "mix": {"a": 1.0}}
            torch.save(train.pack_examples(ds), os.path.join(out, "data.pt"))
            cmd = [sys.executable, os.path.join(REPO, "services", "translator", "training", "train.py"),
                   "--out_dir", out, "--d", "32", "--heads", "2", "--ff", "64", "--enc_layers", "1",
                   "--dec_layers", "1", "--max_tokens", "40", "--epochs", "1000", "--threads", "1",
                   "--amp", "off", "--device", "cpu"]
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            log = os.path.join(out, "train.log")
            deadline = time.time() + 120
            while time.time() < deadline:
                if os.path.exists(log) and "epoch 1 batch 0/" in open(log).read():
                    break
                time.sleep(0.2)
            time.sleep(1.0)  # some batches past the first
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=120)
            self.assertEqual(proc.returncode, 0, err)
            text = open(log).read()
            self.assertIn("stopped by signal", text)
            state = torch.load(os.path.join(out, "last.pt"))["state"]
            self.assertGreater(state["step"], 1)
            self.assertIn(f"step {state['step']}: saved", text)


class LearningRateTest(unittest.TestCase):
    def test_rewarm_after_init(self):
        args = train.parse_args(["--init_rewarm", "200"])
        plain = train.lr_at(6454, args)
        self.assertEqual(train.lr_at(6254, args, init_step=6254), 0.0)
        self.assertAlmostEqual(train.lr_at(6354, args, init_step=6254), 0.5 * train.lr_at(6354, args))
        self.assertAlmostEqual(train.lr_at(6454, args, init_step=6254), plain)
        self.assertAlmostEqual(train.lr_at(9000, args, init_step=6254), train.lr_at(9000, args))
        # Without --init_from the schedule is the usual warm-up and decay.
        self.assertAlmostEqual(train.lr_at(500, args), args.lr * 0.5)
        self.assertAlmostEqual(train.lr_at(4000, args), args.lr * 0.5)

    def test_cooldown_decays_to_zero_then_stops(self):
        args = train.parse_args([])
        cooldown = {"from_step": 20000, "steps": 2000}
        self.assertAlmostEqual(train.lr_at(20000, args, cooldown=cooldown), train.lr_at(20000, args))
        self.assertAlmostEqual(train.lr_at(21000, args, cooldown=cooldown), 0.5 * train.lr_at(21000, args))
        self.assertEqual(train.lr_at(22000, args, cooldown=cooldown), 0.0)
        self.assertEqual(train.lr_at(23000, args, cooldown=cooldown), 0.0)
        self.assertFalse(train.cooldown_done({"step": 21999, "cooldown": cooldown}))
        self.assertTrue(train.cooldown_done({"step": 22000, "cooldown": cooldown}))
        self.assertFalse(train.cooldown_done({"step": 30000}))


if __name__ == "__main__":
    unittest.main()
