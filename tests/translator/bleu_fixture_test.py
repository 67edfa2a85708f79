#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""services/translator/training/mt_metrics.py reproduces sacreBLEU 2.6.0: corpus BLEU and chrF2
on the first 10, 100 and all lines of nmt/bleu-fixture, and sentence BLEU and chrF2
on lines 1-5, each within 0.01 of the values sacreBLEU printed (4 decimals).

Exits 0 when every value agrees, 1 with a line per mismatch otherwise, 2 when the
fixture cannot be read."""
import argparse
import os
import re
import sys

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(REPO_ROOT, "services", "translator", "training"))
import data  # noqa: E402
import mt_metrics  # noqa: E402

TOLERANCE = 0.01
HYP_FILE = "apertium.mt4all_cs.eng-spa.spa"
REF_FILE = "reference.spa"


def read_raw_lines(path):
    # Exactly the file's lines: no NFC or whitespace cleanup, which could change scores.
    with open(path, encoding="utf-8", newline="\n") as f:
        return [line.rstrip("\n") for line in f]


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data_dir", default=data.default_data_dir(),
                        help="dataset root holding nmt/bleu-fixture (default: %(default)s)")
    args = parser.parse_args()
    fixture_dir = os.path.join(args.data_dir, "nmt", "bleu-fixture")
    try:
        hyps = read_raw_lines(os.path.join(fixture_dir, HYP_FILE))
        refs = read_raw_lines(os.path.join(fixture_dir, REF_FILE))
        with open(os.path.join(fixture_dir, "sacrebleu_fixture_values.tsv"), encoding="utf-8") as f:
            rows = [line.rstrip("\n").split("\t") for line in f][1:]
    except OSError as e:
        print(f"FAIL: cannot read the fixture in {fixture_dir}: {e}", file=sys.stderr)
        return 2
    if len(hyps) != len(refs):
        print(f"FAIL: {HYP_FILE} has {len(hyps)} lines, {REF_FILE} {len(refs)}", file=sys.stderr)
        return 2

    checks = []  # (what, got, want)
    for row in rows:
        if len(row) < 4 or not row[0]:
            continue
        name, want_bleu, want_chrf = row[0], row[2], row[3]
        corpus = re.match(r"reference\.spa first (\d+) lines", name)
        sentence = re.match(r"sentence (\d+) ", name)
        if corpus:
            n = int(corpus.group(1))
            h, r = hyps[:n], refs[:n]
            checks.append((f"corpus BLEU, first {n} lines", mt_metrics.corpus_bleu(h, r), want_bleu))
            checks.append((f"corpus chrF2, first {n} lines", mt_metrics.corpus_chrf(h, r), want_chrf))
        elif sentence:
            i = int(sentence.group(1)) - 1
            checks.append((f"sentence BLEU, line {i + 1}",
                           mt_metrics.sentence_bleu(hyps[i], refs[i]), want_bleu))
            checks.append((f"sentence chrF2, line {i + 1}",
                           mt_metrics.sentence_chrf(hyps[i], refs[i]), want_chrf))
        else:
            print(f"FAIL: unknown fixture row {name!r}", file=sys.stderr)
            return 2

    failures = 0
    compared = 0
    for what, got, want in checks:
        if want in ("", "-"):
            continue  # the fixture gives no value for this one
        compared += 1
        ok = abs(got - float(want)) <= TOLERANCE
        failures += not ok
        print(f"{'ok  ' if ok else 'FAIL'} {what}: got {got:.4f}, sacreBLEU 2.6.0 {float(want):.4f}")
    # 3 corpus subsets x 2 metrics + 5 sentences x 2 metrics.
    if compared < 16:
        print(f"FAIL: only {compared} values compared, expected 16", file=sys.stderr)
        return 1
    if failures:
        print(f"FAIL: {failures} of {compared} values differ from sacreBLEU by more than "
              f"{TOLERANCE}", file=sys.stderr)
        return 1
    print(f"all {compared} values within {TOLERANCE} of sacreBLEU 2.6.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
