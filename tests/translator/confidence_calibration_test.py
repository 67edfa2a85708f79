#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The confidence score's fitting (services/translator/training/calibrate_confidence.py): ROC AUC
with ties, and the logistic fit recovering a known curve."""
import math
import os
import random
import sys
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))

import calibrate_confidence as cc  # noqa: E402


class RocAucTest(unittest.TestCase):
    def test_perfect_inverse_and_tied(self):
        self.assertEqual(cc.roc_auc([0.1, 0.2, 0.8, 0.9], [False, False, True, True]), 1.0)
        self.assertEqual(cc.roc_auc([0.9, 0.8, 0.2, 0.1], [False, False, True, True]), 0.0)
        self.assertEqual(cc.roc_auc([0.5, 0.5, 0.5, 0.5], [False, True, False, True]), 0.5)

    def test_one_class_only_is_undefined(self):
        self.assertTrue(math.isnan(cc.roc_auc([0.1, 0.2], [True, True])))


class LogisticFitTest(unittest.TestCase):
    def test_recovers_the_curve_that_drew_the_labels(self):
        rng = random.Random(3)
        xs = [rng.uniform(-3.0, 0.0) for _ in range(4000)]
        ys = [rng.random() < 1 / (1 + math.exp(-(2.5 * x + 3.0))) for x in xs]
        slope, intercept = cc.fit_logistic(xs, ys)
        self.assertAlmostEqual(slope, 2.5, delta=0.3)
        self.assertAlmostEqual(intercept, 3.0, delta=0.3)


if __name__ == "__main__":
    unittest.main()
