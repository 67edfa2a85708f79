#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Drops from the multilingual training and development files every message that an
earlier file already has (files in the order en, de, fr, es, train before dev; after
case folding and dropping punctuation: "newsletter" in two languages), and every one
that is the same as, or close to, a message of the test set (multilingual_test/): difflib ratio >=
0.8 after case folding and dropping punctuation, the rule
tests/support-bot/multilingual_train_set_test.py checks.  Short common requests ("where
is my order") are written alike by anyone; dropping them from training keeps the test
set a measure of what the model was not shown.  Prints what it dropped.

  /usr/bin/python3 services/support-bot/training/multilingual_train/decontaminate.py
"""
import difflib
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
TEST_DIR = os.path.join(os.path.dirname(HERE), "multilingual_test")
LANGUAGES = ("en", "de", "fr", "es")
CLOSE = 0.8


def normalized(text):
    """Case-folded words, punctuation dropped: the form texts are compared in."""
    return " ".join(re.sub(r"[^\w]+", " ", text.casefold()).split())


def test_messages():
    """[(language, line number, normalized text)] of the test set."""
    test = []
    for lang in LANGUAGES:
        with open(os.path.join(TEST_DIR, f"{lang}.tsv"), encoding="utf-8") as f:
            test += [(lang, n, normalized(line.split("\t")[0])) for n, line in enumerate(f, 1) if line.strip()]
    return test


def close_test_message(text, test):
    """(language, line number, ratio) of the first test message within difflib ratio
    CLOSE of `text` (both normalized), or None."""
    m = difflib.SequenceMatcher(autojunk=False)
    m.set_seq2(text)
    for lang, n, b in test:
        m.set_seq1(b)
        if m.real_quick_ratio() >= CLOSE and m.quick_ratio() >= CLOSE and m.ratio() >= CLOSE:
            return lang, n, m.ratio()
    return None


def main():
    test = test_messages()
    seen = set()
    for lang in LANGUAGES:
        for split in ("train", "dev"):
            path = os.path.join(HERE, f"{lang}.{split}.tsv")
            with open(path, encoding="utf-8") as f:
                lines = [line for line in f if line.strip()]
            kept = []
            for line in lines:
                a = normalized(line.split("\t")[0])
                if a in seen:
                    print(f"{lang}.{split}: dropped {line.strip()!r} (an earlier file has it)")
                    continue
                seen.add(a)
                hit = close_test_message(a, test)
                if hit:
                    print(f"{lang}.{split}: dropped {line.strip()!r} (close to test {hit[0]}.tsv line {hit[1]})")
                else:
                    kept.append(line)
            if len(kept) != len(lines):
                with open(path + ".tmp", "w", encoding="utf-8") as f:
                    f.writelines(kept)
                os.replace(path + ".tmp", path)
            print(f"{lang}.{split}: {len(lines)} -> {len(kept)}")


if __name__ == "__main__":
    main()
