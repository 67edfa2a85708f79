"""Golden file of an exported intent model: what the Python side computes for a few fixed
messages, so the C++ featurizer and classifier are checked against it rather than trusted
to mirror data.py by hand.

  /usr/bin/python3 services/support-bot/training/golden.py models/support-bot/3 [...]

export.py calls write_golden() on every export, before it records the checksums (the file
is served with the model, so metadata.json's sha256 covers it).
tests/support-bot/intent_golden_test.cc loads every version under models/support-bot/
as the server does and compares it with its golden.json; a version without one fails.

Format of <version_dir>/golden.json (UTF-8, the texts not escaped):
  {
    "format": 1,
    "version": 3,                  metadata.json's version
    "labels": ["cancel_order", ...],   metadata.json's labels: the order of "probabilities"
    "cases": [
      {
        "text": "Ich möchte ...",   the message, as the classifier receives it
        "ids": [13, 122, ...],     data.Vocabulary.encode(text): feature ids, in order
        "probabilities": [...],    model.pt (torch.jit.load) on [ids] (ids [0] when the
                                   message has no feature), float32 written as double
        "intent": "cancel_order",  the most probable label, first index on ties
        "runner_up": "change_order",  the second most probable
        "in_scope": true           metrics.decide with metadata's threshold, margin and
                                   oos_label: whether the server acts on the intent
      }, ...
    ]
  }
The server never classifies an empty or all-blank message (INVALID_ARGUMENT), so the
message without features is "???"; its ids are the featurizer's answer for any text
without words (the unknown "<s> </s>" bigram).
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402
from data import Vocabulary, pad_batch  # noqa: E402

GOLDEN_FILE = "golden.json"
FORMAT = 1

# Chosen to reach every branch of data.words_of and feature_keys: upper case, both
# apostrophes, digit runs inside and beside words, non-ASCII letters (accents, umlauts,
# ñ, fullwidth forms, emoji, a combining accent, a zero-width space), tabs and CR/LF, more
# than max_words (64) words, and no word at all; in the four languages of v3, with typos
# and an out-of-scope request.
MESSAGES = [
    "I want to cancel order 1234567",
    "Where is my order ORD-48213907? It's been 2 weeks!!",
    "Can u help me get my MONEY back",
    "i wnat to cancle my ordr",
    "Ich möchte meine Bestellung 48213907 stornieren, bitte.",
    "Où est mon colis ? Je l’attends depuis une semaine",
    "¿Dónde está mi pedido #00123? Lo necesito para mañana.",
    "what's the weather like in Paris tomorrow",
    "???",
    "📦 where's my parcel 🙄 — order no. 2nd-77/B",
    "ＯＲＤ－１２３ ｐｌｅａｓｅ cafe\u0301 zero\u200bwidth",
    "I forgot my password\r\n\tplease help me reset it",
    " ".join(["ok"] * 70),
]


def golden(version_dir, messages=MESSAGES):
    """The golden object (format above) of the exported model in `version_dir`."""
    with open(os.path.join(version_dir, "metadata.json"), encoding="utf-8") as f:
        meta = json.load(f)
    vocab = Vocabulary.load(os.path.join(version_dir, meta["features"]), meta)
    module = torch.jit.load(os.path.join(version_dir, meta["file"]))
    module.eval()
    labels = meta["labels"]
    oos = labels.index(meta["oos_label"]) if "oos_label" in meta else -1
    # The server compares in float (intent_classifier.cc Predict): so do the same here.
    threshold, margin = np.float32(meta["threshold"]), np.float32(meta["margin"])
    cases = []
    with torch.no_grad():
        for text in messages:
            ids = vocab.encode(text)
            # One message per call, as the server classifies them.
            p = module(pad_batch([ids]))[0].numpy().astype(np.float32)
            order = np.argsort(-p, kind="stable")  # stable: first index wins ties
            decision = metrics.decide(p[None, :], threshold, margin, oos)[0]
            cases.append({
                "text": text,
                "ids": [int(i) for i in ids],
                "probabilities": [float(x) for x in p],
                "intent": labels[order[0]],
                "runner_up": labels[order[1]],
                "in_scope": bool(decision != metrics.REJECT),
            })
            # A decision this close to the margin could flip on float rounding between
            # the two sides; say so rather than ship a flaky golden case.
            if margin > 0 and abs((p[order[0]] - p[order[1]]) - margin) < 1e-5:
                print(f"golden: {text!r} is within 1e-5 of the margin", file=sys.stderr)
    return {"format": FORMAT, "version": meta["version"], "labels": labels, "cases": cases}


def write_golden(version_dir, messages=MESSAGES):
    """Writes <version_dir>/golden.json; returns its path. Call before record_checksums."""
    path = os.path.join(version_dir, GOLDEN_FILE)
    obj = golden(version_dir, messages)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        # One case per line, each list on it: small diffs when a model is re-exported.
        f.write('{"format": %d, "version": %d,\n "labels": %s,\n "cases": [\n'
                % (obj["format"], obj["version"], json.dumps(obj["labels"])))
        f.write(",\n".join("  " + json.dumps(c, ensure_ascii=False) for c in obj["cases"]))
        f.write("\n ]}\n")
    with open(tmp, encoding="utf-8") as f:
        if json.load(f) != obj:  # the hand-made layout must still be the same JSON
            raise AssertionError(f"{tmp}: does not read back as written")
    os.replace(tmp, path)
    return path


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("version_dirs", nargs="+", help="exported model directories (export.py --out)")
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    for d in args.version_dirs:
        print(f"wrote {write_golden(d)}; now record the checksums: "
              f"/usr/bin/python3 common/inference/model_checksums.py {d}")


if __name__ == "__main__":
    main()
