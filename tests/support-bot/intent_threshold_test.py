#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The out-of-scope rule of the intent classifier (services/support-bot/training/metrics.py)
and the threshold tuning train.py applies:
- bitext-intent: the least rejecting (threshold, margin) that reaches an oos_val recall
  target without letting validation in-scope accuracy fall below a floor;
- CLINC150: the published protocol, the threshold with the best validation accuracy over
  all intents with out-of-scope counted as one more."""
import os
import sys
import unittest

import numpy as np

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "services", "support-bot", "training"))
import metrics  # noqa: E402


def rows(best_probs, classes=4):
    """One probability row per entry: class 0 gets it, the others 0."""
    out = np.zeros((len(best_probs), classes), np.float32)
    out[:, 0] = best_probs
    return out


class DecideTest(unittest.TestCase):
    def test_threshold_margin_and_oos_class(self):
        probs = np.array([[0.6, 0.3, 0.1, 0.0],    # kept
                          [0.4, 0.35, 0.25, 0.0],  # margin 0.05 < 0.1: rejected
                          [0.2, 0.1, 0.1, 0.6],    # best is the oos class: rejected
                          [0.25, 0.0, 0.0, 0.75]], np.float32)
        self.assertEqual(metrics.decide(probs, 0.3, 0.1).tolist(), [0, metrics.REJECT, 3, 3])
        self.assertEqual(metrics.decide(probs, 0.3, 0.1, oos_class=3).tolist(),
                         [0, metrics.REJECT, metrics.REJECT, metrics.REJECT])


class TuneForRecallTest(unittest.TestCase):
    # 10 in-scope rows, all of class 0 and right; their best probabilities:
    IN = rows([0.95, 0.9, 0.9, 0.85, 0.8, 0.7, 0.6, 0.5, 0.45, 0.3])
    LABELS = [0] * 10
    # 10 out-of-scope rows with best probabilities 0.05 .. 0.5.
    OOS = rows([0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5])

    def test_least_rejecting_pair_that_reaches_the_target(self):
        t, m = metrics.tune_for_recall(self.IN, self.LABELS, self.OOS, 0.0, 0.6)
        # The least rejecting pair rejects exactly 6 of 10 (0.05..0.3; here the runner-up
        # is 0, so a margin cuts like a threshold), and then 1 of 10 in-scope rows goes too.
        self.assertAlmostEqual(metrics.oos_recall(metrics.decide(self.OOS, t, m)), 0.6)
        self.assertAlmostEqual(metrics.in_scope_accuracy(metrics.decide(self.IN, t, m), self.LABELS), 0.9)

    def test_a_higher_target_rejects_more(self):
        t6, m6 = metrics.tune_for_recall(self.IN, self.LABELS, self.OOS, 0.0, 0.6)
        t9, m9 = metrics.tune_for_recall(self.IN, self.LABELS, self.OOS, 0.0, 0.9)
        self.assertGreater(metrics.oos_recall(metrics.decide(self.OOS, t9, m9)),
                           metrics.oos_recall(metrics.decide(self.OOS, t6, m6)))

    def test_in_scope_floor_wins_over_the_target(self):
        # Reaching 90% recall needs t > 0.45 and so costs 2 of 10 in-scope rows; with a
        # floor of 0.9 the target is out of reach and the fallback takes the highest recall
        # that keeps 9 of 10: t in (0.3, 0.45], rejecting 0.05..0.4 (8 of 10).
        t, m = metrics.tune_for_recall(self.IN, self.LABELS, self.OOS, 0.9, 0.9)
        self.assertGreaterEqual(metrics.in_scope_accuracy(metrics.decide(self.IN, t, m), self.LABELS), 0.9)
        self.assertAlmostEqual(metrics.oos_recall(metrics.decide(self.OOS, t, m)), 0.8)


class TuneJointAccuracyTest(unittest.TestCase):
    def test_best_accuracy_over_in_scope_and_oos_together(self):
        # 6 in-scope rows (class 0: right in the first five, wrong in the last) and 4 oos rows.
        # Right decisions out of 10 by threshold: <= 0.1: 5 + 0; (0.2, 0.3]: 5 + 3 = 8, the
        # best, from 0.21 on the grid; (0.3, 0.35]: 4 + 3; (0.35, 0.4]: 3 + 3; (0.4, 0.7]:
        # 3 + 4.  Rejecting every oos row costs more right in-scope rows than it gains.
        probs = rows([0.9, 0.8, 0.7, 0.35, 0.3, 0.25])
        labels = [0, 0, 0, 0, 0, 1]
        oos = rows([0.1, 0.15, 0.2, 0.4])
        t, m = metrics.tune_joint_accuracy(probs, labels, oos)
        self.assertEqual(m, 0.0)
        self.assertAlmostEqual(t, 0.21)
        kept = metrics.decide(probs, t, m)
        right = np.sum(kept == np.array(labels)) + np.sum(metrics.decide(oos, t, m) == metrics.REJECT)
        self.assertEqual(right, 8)

    def test_no_oos_rows_keeps_everything(self):
        probs = rows([0.9, 0.5, 0.05])
        self.assertEqual(metrics.tune_joint_accuracy(probs, [0, 0, 0], rows([]))[0], 0.0)


if __name__ == "__main__":
    unittest.main()
