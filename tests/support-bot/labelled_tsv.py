# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""What the tests of the hand-written intent files (multilingual_test_set_test.py,
multilingual_train_set_test.py) share: the model's labels, a raw reader of a
text<TAB>label file and the per-line format check."""
import json
import os

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def model_labels():
    """The 27 intents of the shipped intent model (the label set of every file)."""
    with open(os.path.join(REPO, "models", "support-bot", "2", "metadata.json"), encoding="utf-8") as f:
        return json.load(f)["labels"]


def read_raw(path):
    """[(line number, text, label, fields)] of a text<TAB>label file, read without
    data.py's parser; the label is "" when the line has no tab."""
    with open(path, encoding="utf-8", newline="") as f:
        content = f.read()
    lines = content.split("\n")
    if lines and lines[-1] == "":
        lines.pop()  # the final newline
    rows = []
    for n, line in enumerate(lines, 1):
        parts = line.split("\t")
        rows.append((n, parts[0], parts[1] if len(parts) > 1 else "", len(parts)))
    return rows


def check_lines(test, name, rows, labels):
    """Every line of file `name` is text<TAB>label: a stripped, non-empty text without CR
    and one of `labels` or "oos"."""
    for n, text, label, fields in rows:
        where = f"{name} line {n}"
        test.assertEqual(fields, 2, f"{where}: want text<TAB>label")
        test.assertTrue(text.strip(), f"{where}: empty text")
        test.assertEqual(text, text.strip(), f"{where}: text with surrounding whitespace")
        test.assertNotIn("\r", text + label, f"{where}: CR")
        test.assertIn(label, labels | {"oos"}, f"{where}: unknown label {label!r}")
