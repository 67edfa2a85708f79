#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Prints the messages per intent and language of the multilingual test set as the
Markdown table in README.md (tests/support-bot/multilingual_test_set_test.py checks that
the README shows exactly this table).

  /usr/bin/python3 services/support-bot/training/multilingual_test/counts.py
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from data import MULTILINGUAL_LANGUAGES, OOS, REPO_ROOT, load_multilingual  # noqa: E402

MODEL_METADATA = REPO_ROOT / "models" / "support-bot" / "2" / "metadata.json"


def model_labels():
    with open(MODEL_METADATA, encoding="utf-8") as f:
        return json.load(f)["labels"]


def table(directory=HERE):
    data = load_multilingual(directory)
    langs = MULTILINGUAL_LANGUAGES
    lines = ["| intent | " + " | ".join(langs) + " | all |",
             "|---|" + "---:|" * (len(langs) + 1)]
    for label in model_labels() + [OOS]:
        counts = [sum(y == label for _, y in data[lang]) for lang in langs]
        lines.append(f"| {label} | " + " | ".join(map(str, counts)) + f" | {sum(counts)} |")
    totals = [len(data[lang]) for lang in langs]
    lines.append("| **total** | " + " | ".join(map(str, totals)) + f" | {sum(totals)} |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(table())
