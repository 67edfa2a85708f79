#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The translator's training-data plumbing: markup turned into placeholders on both sides
of a pair (markup.protect_pair), the per-epoch corpus mix (train.epoch_indices), and the
packed data.pt format (train.pack_examples / unpack_examples)."""
import os
import sys
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))

import torch  # noqa: E402

import markup  # noqa: E402
import train  # noqa: E402


class ProtectPairTest(unittest.TestCase):
    def test_numbers_spans_in_source_order_on_both_sides(self):
        got = markup.protect_pair('Click <a href="%1">here</a> to see %2 orders.',
                                  'Klicken Sie <a href="%1">hier</a>, um %2 Bestellungen zu sehen.')
        self.assertEqual(got, ("Click <ph0>here<ph1> to see <ph2> orders.",
                               "Klicken Sie <ph0>hier<ph1>, um <ph2> Bestellungen zu sehen."))

    def test_reordered_spans_keep_their_source_numbers(self):
        got = markup.protect_pair("%1 of %2 items", "%2 Artikel, davon %1")
        self.assertEqual(got, ("<ph0> of <ph1> items", "<ph1> Artikel, davon <ph0>"))

    def test_repeated_span_maps_occurrence_by_occurrence(self):
        got = markup.protect_pair("<b>A</b> and <b>B</b>", "<b>A</b> und <b>B</b>")
        self.assertEqual(got, ("<ph0>A<ph1> and <ph2>B<ph3>", "<ph0>A<ph1> und <ph2>B<ph3>"))

    def test_pairs_whose_sides_differ_or_hold_no_markup_are_left_alone(self):
        self.assertIsNone(markup.protect_pair("Save %1", "Speichern"))
        self.assertIsNone(markup.protect_pair("Save & Edit", "Speichern & Bearbeiten"))
        self.assertIsNone(markup.protect_pair("100% cotton", "100% Baumwolle"))

    def test_template_variables_entities_and_named_placeholders(self):
        self.assertEqual(markup.spans("{{base_url}} &copy; %store_name %{count} {name} 50%off"),
                         ["{{base_url}}", "&copy;", "%store_name", "%{count}", "{name}"])


class EpochMixTest(unittest.TestCase):
    def setUp(self):
        # 1,000 examples of corpus "a" (weight 0.25) and 10 of corpus "b" (weight 3).
        self.ds = {"corpus": torch.tensor([0] * 1000 + [1] * 10, dtype=torch.int8),
                   "corpora": ["a", "b"]}
        self.mix = {"a": 0.25, "b": 3.0}

    def test_weights_set_the_draws(self):
        idx = train.epoch_indices(self.ds, self.mix, torch.Generator().manual_seed(1))
        from_b = [i for i in idx if i >= 1000]
        self.assertEqual(sorted(from_b), sorted(list(range(1000, 1010)) * 3))
        from_a = len(idx) - len(from_b)
        self.assertGreater(from_a, 200)
        self.assertLess(from_a, 300)
        self.assertEqual(len(set(i for i in idx if i < 1000)), from_a)  # each at most once

    def test_same_seed_same_epoch_other_seed_other_sample(self):
        a = train.epoch_indices(self.ds, self.mix, torch.Generator().manual_seed(5))
        b = train.epoch_indices(self.ds, self.mix, torch.Generator().manual_seed(5))
        c = train.epoch_indices(self.ds, self.mix, torch.Generator().manual_seed(6))
        self.assertEqual(a, b)
        self.assertNotEqual(a, c)

    def test_batches_cover_exactly_the_drawn_indices(self):
        examples = [(torch.arange(2 + i % 7, dtype=torch.int16), torch.arange(3 + i % 5, dtype=torch.int16))
                    for i in range(1010)]
        idx = train.epoch_indices(self.ds, self.mix, torch.Generator().manual_seed(2))
        batches = train.make_batches(examples, 200, torch.Generator().manual_seed(3), idx)
        self.assertEqual(sorted(i for b in batches for i in b), sorted(idx))


class MixOverrideTest(unittest.TestCase):
    """--mix changes the weights from the current step on, and a resumed run keeps them."""

    def setUp(self):
        self.ds = {"corpora": ["a", "b"], "mix": {"a": 0.25, "b": 3.0}}
        self.logged = []

    def args(self, mix):
        return type("Args", (), {"mix": mix})()

    def test_parse(self):
        self.assertEqual(train.parse_mix("a=2, b=0.5", ["a", "b"]), {"a": 2.0, "b": 0.5})
        self.assertEqual(train.parse_mix("", ["a"]), {})
        for bad in ("c=1", "a", "a=x", "a=-1"):
            with self.assertRaises(SystemExit, msg=bad):
                train.parse_mix(bad, ["a", "b"])

    def test_no_override_is_data_mix_in_one_stage(self):
        state = {"step": 0}
        self.assertEqual(train.current_mix(self.ds, state, self.args(""), self.logged.append),
                         {"a": 0.25, "b": 3.0})
        self.assertEqual(state["mix_stages"], [{"from_step": 0, "mix": {"a": 0.25, "b": 3.0}}])

    def test_override_opens_a_stage_that_a_resume_keeps(self):
        state = {"step": 0}
        train.current_mix(self.ds, state, self.args(""), self.logged.append)
        state["step"] = 500
        mix = train.current_mix(self.ds, state, self.args("a=1"), self.logged.append)
        self.assertEqual(mix, {"a": 1.0, "b": 3.0})
        self.assertEqual([s["from_step"] for s in state["mix_stages"]], [0, 500])
        # Resumed later without --mix, or with the same --mix: the stage goes on.
        state["step"] = 800
        self.assertEqual(train.current_mix(self.ds, state, self.args(""), self.logged.append), mix)
        self.assertEqual(train.current_mix(self.ds, state, self.args("a=1"), self.logged.append), mix)
        self.assertEqual(len(state["mix_stages"]), 2)


class PackedDataTest(unittest.TestCase):
    def test_round_trip(self):
        train_ex = [(torch.tensor([5, 6, 3], dtype=torch.int16), torch.tensor([7, 3], dtype=torch.int16)),
                    (torch.tensor([9, 3], dtype=torch.int16), torch.tensor([4, 4, 4, 3], dtype=torch.int16))]
        ds = {"train": train_ex, "val": train_ex[:1], "vocab_size": 8000}
        back = train.unpack_examples(train.pack_examples(ds))
        self.assertEqual(back["vocab_size"], 8000)
        for got, want in ((back["train"], train_ex), (back["val"], train_ex[:1])):
            self.assertEqual(len(got), len(want))
            for (gs, gt), (ws, wt) in zip(got, want):
                self.assertTrue(torch.equal(gs, ws))
                self.assertTrue(torch.equal(gt, wt))


if __name__ == "__main__":
    unittest.main()
