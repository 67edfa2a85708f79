#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""services/translator/training/markup.py (what the v6 model is trained with as <phN>) and the C++
SpanProtector (kinds kMarkup and kFormatPlaceholder, what the server protects) find the
same spans: on every case of tests/translator/text/markup_cases.tsv, which also states the
spans both must find, and, with --spans_tool, on random strings of markup-like characters
(tags, references, placeholders, Python's Unicode whitespace) run through the C++ side.

The random strings hold no URL, e-mail address or "<phN>"/"<2xx>" look-alike: the
protector deliberately differs there (markup inside an address is part of the address).

Exits 0 when all agree, 1 with a line per disagreement otherwise."""
import argparse
import os
import random
import subprocess
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, "services", "translator", "training"))
import markup  # noqa: E402

CASES = os.path.join(REPO_ROOT, "tests", "translator", "text", "markup_cases.tsv")

# Pieces that make markup and near-misses; single characters for the rest, among them every
# kind of whitespace Python's \s and RE2's \s disagree on, and characters that can never
# form a URL ("www.", "http"), an e-mail ("@") or a reserved token ("<ph", "<2").
PIECES = ["<a", "</b", "<br/>", "&amp;", "&#", "&#x", "&x", "{{", "}}", "%{", "%1", "{x}",
          " href=", "%name", "&hearts;", "<img", "10", "/>"]
CHARS = list("<>/aBz10-_\"'=&;#xF{}%.") + [" ", "\t", "\n", "\v", "\x1f", "\x85", "\xa0",
                                           "\u2003", "\u3000", "\u200b", "é"]


def read_cases(path):
    cases = []
    with open(path, encoding="utf-8", newline="\n") as f:
        for line in f:
            line = line.rstrip("\n")
            if line and not line.startswith("#"):
                columns = line.split("\t")
                cases.append((columns[0], columns[1:]))
    return cases


def random_text(rng):
    parts = []
    for _ in range(rng.randint(1, 12)):
        parts.append(rng.choice(PIECES) if rng.random() < 0.4 else rng.choice(CHARS))
    return "".join(parts)


def cpp_spans(tool, texts):
    stdin = "".join(text.encode("utf-8").hex() + "\n" for text in texts)
    out = subprocess.run([tool], input=stdin, capture_output=True, text=True, check=True).stdout
    lines = out.split("\n")[:-1]
    if len(lines) != len(texts):
        sys.exit(f"{tool} answered {len(lines)} lines for {len(texts)} texts")
    return [[bytes.fromhex(h).decode("utf-8") for h in line.split()] for line in lines]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--spans_tool", help="the translator_markup_spans binary (C++ side)")
    parser.add_argument("--cases", default=CASES, help="default: %(default)s")
    parser.add_argument("--random", type=int, default=20000,
                        help="random strings (default %(default)s)")
    parser.add_argument("--seed", type=int, default=6)
    args = parser.parse_args()

    failures = []
    cases = read_cases(args.cases)
    for text, want in cases:
        got = markup.spans(text)
        if got != want:
            failures.append(f"markup.py {text!r}: {got} != fixture {want}")
    checked = len(cases)
    if args.spans_tool:
        rng = random.Random(args.seed)
        texts = [text for text, _ in cases] + [random_text(rng) for _ in range(args.random)]
        for text, got in zip(texts, cpp_spans(args.spans_tool, texts)):
            want = markup.spans(text)
            if got != want:
                failures.append(f"C++ {text!r}: {got} != markup.py {want}")
        checked = len(texts)
    for failure in failures[:50]:
        print(failure)
    if failures:
        print(f"{len(failures)} disagreements in {checked} texts")
        return 1
    print(f"markup.py and SpanProtector agree on {checked} texts")
    return 0


if __name__ == "__main__":
    sys.exit(main())
