#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The hand-written multilingual training and development messages of the intent model
(services/support-bot/training/multilingual_train, read by train.py --dataset multilingual):
- every line is text<TAB>label with a label of the shipped model or "oos";
- every language has train and dev files, with every label in both: at least 20
  training and 6 development messages per intent, 50 and 20 oos ones;
- no text twice across the training, development and test files of all languages, and
  no training or development message close to a test message (difflib ratio >= 0.8
  after case folding and dropping punctuation): the test set measures only if nothing
  like it was trained or tuned on (multilingual_test/README.md);
- the README's count table is the one counts.py --split train,dev computes."""
import os
import sys
import unittest

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
INTENT = os.path.join(REPO, "services", "support-bot", "training")
TRAIN_DIR = os.path.join(INTENT, "multilingual_train")
TEST_DIR = os.path.join(INTENT, "multilingual_test")
sys.path.insert(0, INTENT)
sys.path.insert(0, TRAIN_DIR)
import counts  # noqa: E402  (multilingual_train/counts.py)
from decontaminate import CLOSE, close_test_message, normalized  # noqa: E402
from labelled_tsv import check_lines, model_labels, read_raw  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es")
MIN_PER_INTENT = {"train": 20, "dev": 6}
MIN_OOS = {"train": 50, "dev": 20}


class MultilingualTrainSetTest(unittest.TestCase):
    longMessage = False

    @classmethod
    def setUpClass(cls):
        cls.labels = set(model_labels())
        cls.files = {(lang, split): read_raw(os.path.join(TRAIN_DIR, f"{lang}.{split}.tsv"))
                     for lang in LANGUAGES for split in ("train", "dev")}
        cls.test = {lang: read_raw(os.path.join(TEST_DIR, f"{lang}.tsv")) for lang in LANGUAGES}

    def test_every_line_is_text_tab_label_with_a_known_label(self):
        for (lang, split), rows in self.files.items():
            check_lines(self, f"{lang}.{split}.tsv", rows, self.labels)

    def test_every_label_has_enough_messages_in_every_file(self):
        for (lang, split), rows in self.files.items():
            per = {}
            for _, _, label, _ in rows:
                per[label] = per.get(label, 0) + 1
            for label in self.labels:
                self.assertGreaterEqual(per.get(label, 0), MIN_PER_INTENT[split], f"{lang}.{split}: {label}")
            self.assertGreaterEqual(per.get("oos", 0), MIN_OOS[split], f"{lang}.{split}: oos")

    def test_no_text_twice_across_train_dev_and_test(self):
        seen = {}
        named = [(f"{lang}.{split}.tsv", rows) for (lang, split), rows in self.files.items()]
        named += [(f"multilingual_test/{lang}.tsv", rows) for lang, rows in self.test.items()]
        for name, rows in named:
            for n, text, _, _ in rows:
                key = normalized(text)
                self.assertFalse(key in seen, f"{name} line {n} repeats {seen.get(key)}: {text!r}")
                seen[key] = f"{name} line {n}"

    def test_nothing_close_to_a_test_message(self):
        self.assertEqual(CLOSE, 0.8)  # the rule the test set's README states
        test = [(lang, n, normalized(t)) for lang, rows in self.test.items() for n, t, _, _ in rows]
        for (lang, split), rows in self.files.items():
            for n, text, _, _ in rows:
                hit = close_test_message(normalized(text), test)
                if hit:
                    self.fail(f"{lang}.{split}.tsv line {n} {text!r} is close to the test message "
                              f"multilingual_test/{hit[0]}.tsv line {hit[1]} (ratio {hit[2]:.2f})")

    def test_readme_table_is_current(self):
        with open(os.path.join(TRAIN_DIR, "README.md"), encoding="utf-8") as f:
            readme = f.read()
        self.assertIn(counts.table(), readme, "README.md: paste the output of multilingual_train/counts.py")


if __name__ == "__main__":
    unittest.main()
