#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Machine-translate bitext-intent training utterances into German, French and Spanish
with the project's translator ("translate-train"), as extra training data for
train.py --dataset multilingual --translated.

  nice /usr/bin/python3 services/support-bot/training/translate_train.py \
      --per_intent 100 --out build/support_bot_intent/bitext_translated.tsv

Per intent, --per_intent training utterances drawn with a fixed seed (bitext-intent's
train split only), each translated to every language by services/translator/training/translate.py
(greedy, the model's length penalty).  Writes text<TAB>intent<TAB>language<TAB>confidence
(the translator's calibrated confidence, translate.Translator.confidence) so the trainer
can leave out the translations the translator itself doubts.  Resumable: languages
already in --out are skipped.
"""
import argparse
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import REPO_ROOT, default_data_dir, load_bitext  # noqa: E402
from to_english import _load_translator_module  # noqa: E402


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=default_data_dir())
    p.add_argument("--translator_model_dir", default=str(REPO_ROOT / "models" / "translator" / "6"))
    p.add_argument("--languages", default="de,fr,es")
    p.add_argument("--per_intent", type=int, default=100)
    p.add_argument("--seed", type=int, default=20261206)
    p.add_argument("--beam", type=int, default=1)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(REPO_ROOT / "build" / "support_bot_intent" / "bitext_translated.tsv"))
    args = p.parse_args(argv)

    by_intent = {}
    for text, intent in load_bitext(args.data_dir)["train"]:
        by_intent.setdefault(intent, []).append(text)
    rng = random.Random(args.seed)
    rows = []
    for intent in sorted(by_intent):
        texts = by_intent[intent]
        rows += [(t, intent) for t in rng.sample(texts, min(args.per_intent, len(texts)))]
    done = set()
    if os.path.exists(args.out):
        with open(args.out, encoding="utf-8") as f:
            done = {line.split("\t")[2] for line in f if line.count("\t") == 3}
    translator = _load_translator_module("translate").Translator(args.translator_model_dir, threads=args.threads)
    for lang in args.languages.split(","):
        if lang in done:
            print(f"{lang}: already in {args.out}")
            continue
        t0 = time.time()
        out = translator.translate_scored([t for t, _ in rows], lang, beam=args.beam)
        with open(args.out, "a", encoding="utf-8") as f:
            for (_, intent), (text, lp) in zip(rows, out):
                text = " ".join(text.split())
                if text:
                    f.write(f"{text}\t{intent}\t{lang}\t{translator.confidence(lp):.3f}\n")
        print(f"{lang}: {len(rows)} utterances in {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
