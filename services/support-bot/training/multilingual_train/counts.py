#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Prints the messages per intent, language and split of the hand-written multilingual
training and development files as the Markdown table in README.md
(tests/support-bot/multilingual_train_set_test.py checks that the README shows it).

  /usr/bin/python3 services/support-bot/training/multilingual_train/counts.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from data import MULTILINGUAL_LANGUAGES, OOS, REPO_ROOT, load_multilingual_split  # noqa: E402

MODEL_METADATA = REPO_ROOT / "models" / "support-bot" / "2" / "metadata.json"


def table(directory=HERE):
    with open(MODEL_METADATA, encoding="utf-8") as f:
        labels = json.load(f)["labels"]
    splits = {s: load_multilingual_split(s, directory) for s in ("train", "dev")}
    cols = [(lang, s) for lang in MULTILINGUAL_LANGUAGES for s in ("train", "dev")]
    lines = ["| intent | " + " | ".join(f"{lang} {s}" for lang, s in cols) + " | all |",
             "|---|" + "---:|" * (len(cols) + 1)]
    for label in labels + [OOS]:
        n = [sum(y == label for _, y in splits[s][lang]) for lang, s in cols]
        lines.append(f"| {label} | " + " | ".join(map(str, n)) + f" | {sum(n)} |")
    totals = [len(splits[s][lang]) for lang, s in cols]
    lines.append("| **total** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
