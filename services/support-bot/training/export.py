"""Export a trained intent ensemble (train.py's ensemble.pt) for the C++ IntentClassifier.

  /usr/bin/python3 services/support-bot/training/export.py \
      --ckpt build/support_bot_intent/bitext/ensemble.pt --out models/support-bot/2 --version 2

Writes into --out:
  model.pt       TorchScript IntentEnsemble: forward(ids int64 [B, L], 0-padded) ->
                 probabilities float32 [B, #labels]; the feature tables (and the
                 pretrained word vectors, shared by the bag members) stored as float16
  features.txt   the feature vocabulary (data.py: one FNV-1a 64 hash per line, id 4 + line)
  metadata.json  the model_metadata.h descriptor plus labels, threshold, margin and the
                 featurizer settings
  golden.json    golden.py: feature ids, probabilities and decisions of fixed messages,
                 computed here, that tests/support-bot/intent_golden_test.cc compares the
                 C++ classifier with
and checks that the saved TorchScript reproduces the checkpoint's decisions on the
validation split.  --reference prints the probabilities of a few fixed texts (the
numbers hard-coded in tests/support-bot/intent_classifier_test.cc).
"""
import argparse
import copy
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402
from data import FIRST_ID, OOS, UNK_OF_KIND, Vocabulary, default_data_dir, load_dataset, pad_batch  # noqa: E402
from golden import write_golden  # noqa: E402
from model import IntentModel, LinearMember  # noqa: E402
from train import build_ensemble, encode, predict  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "common", "inference"))
from model_checksums import record_checksums  # noqa: E402

# Fixed texts whose probabilities the C++ test compares with (see --reference).
REFERENCE_TEXTS = [
    "I want to cancel order 1234567",
    "where is my package?? it's been 2 weeks",
    "Can u help me get my MONEY back",
    "what's the weather like in Paris tomorrow",
    "",
    "Ich möchte meine Bestellung stornieren",
]


def load_exported(version_dir):
    """(vocabulary, TorchScript module, metadata) of an exported model directory."""
    with open(os.path.join(version_dir, "metadata.json")) as f:
        meta = json.load(f)
    vocab = Vocabulary.load(os.path.join(version_dir, meta["features"]), meta)
    module = torch.jit.load(os.path.join(version_dir, meta["file"]))
    module.eval()
    return vocab, module, meta


@torch.no_grad()
def predict_exported(module, vocab, texts, batch_size=512):
    out = [module(pad_batch([vocab.encode(t) for t in texts[s:s + batch_size]]))
           for s in range(0, len(texts), batch_size)]
    return torch.cat(out).numpy()


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--version", type=int, default=1)
    p.add_argument("--name", default="support-bot")
    p.add_argument("--data_dir", default=default_data_dir())
    p.add_argument("--reference", action="store_true", help="print the C++ test's reference numbers")
    args = p.parse_args(argv)
    torch.set_num_threads(1)

    ckpt = torch.load(args.ckpt)
    vocab, ens = build_ensemble(ckpt)
    half = copy.deepcopy(ens)
    shared = None
    for m in half.members:  # the big tables in float16; the layers after them stay float32
        (m.weight if isinstance(m, LinearMember) else m.embedding).half()
        if isinstance(m, IntentModel) and m.has_pretrained:
            # Every bag member holds the same frozen vectors: one tensor, saved once.
            if shared is None:
                shared = m.pretrained.weight.detach().half()
            if not torch.equal(m.pretrained.weight.detach().half(), shared):
                raise ValueError("bag members have different pretrained vectors")
            m.pretrained.weight = torch.nn.Parameter(shared, requires_grad=False)
    scripted = torch.jit.script(half)
    os.makedirs(args.out, exist_ok=True)
    scripted.save(os.path.join(args.out, "model.pt"))
    vocab.save_features(os.path.join(args.out, "features.txt"))
    labels = ckpt["labels"]
    meta = {
        "name": args.name,
        "version": args.version,
        "file": "model.pt",
        "inputs": [{"name": "ids", "dtype": "int64", "shape": [-1, -1], "pad_value": 0}],
        "outputs": [{"name": "probabilities", "dtype": "float32", "shape": [-1, len(labels)]}],
        "warmup": {"batch_sizes": [1, 8], "iterations": 2},
        "labels": labels,
        "threshold": ckpt["threshold"],
        "margin": ckpt["margin"],
        "dataset": ckpt["dataset"],
        "features": "features.txt",
        "num_features": len(vocab.hashes),
        "hash": "fnv1a64",
        "first_id": FIRST_ID,
        "unk_ids": UNK_OF_KIND,
        "featurizer": vocab.cfg,
        "ranges": vocab.ranges,
        "ensemble_size": len(ckpt["members"]),
        "members": [m["type"] for m in ckpt["members"]],
        "model": ckpt["model"],
    }
    if OOS in labels:  # trained with an out-of-scope class (train.py --oos_class 1)
        meta["oos_label"] = OOS
    if ckpt.get("languages"):
        # Trained on messages in these languages (train.py --dataset multilingual): the bot
        # classifies a message in one of them as written, not its English translation.
        meta["languages"] = ckpt["languages"]
    with open(os.path.join(args.out, "metadata.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    # Before the checksums: golden.json lies in the version directory, so they cover it.
    write_golden(args.out)
    record_checksums(args.out)  # the server refuses files that do not match them

    # The saved files, read back, against the float32 checkpoint on the validation split.
    vocab2, module, _ = load_exported(args.out)
    data = load_dataset("bitext" if ckpt["dataset"] == "multilingual" else ckpt["dataset"], args.data_dir)
    texts = [t for t, _ in data["val"]]
    label_id = {y: i for i, y in enumerate(labels)}
    y = [label_id[l] for _, l in data["val"]]
    p32 = predict(ens, encode(vocab, texts))
    p16 = predict_exported(module, vocab2, texts)
    t, m, oc = ckpt["threshold"], ckpt["margin"], ckpt["oos_class"]
    a32 = metrics.in_scope_accuracy(metrics.decide(p32, t, m, oc), y)
    a16 = metrics.in_scope_accuracy(metrics.decide(p16, t, m, oc), y)
    print(f"val in-scope accuracy: checkpoint {a32:.4f}, exported {a16:.4f}; "
          f"max |dp| {np.abs(p32 - p16).max():.2e}")
    size = sum(os.path.getsize(os.path.join(args.out, f)) for f in ("model.pt", "features.txt", "metadata.json"))
    print(f"wrote {args.out}: {size / 1e6:.2f} MB")

    if args.reference:  # one text per call, as IntentClassifier::Classify runs them
        for text in REFERENCE_TEXTS:
            pr = predict_exported(module, vocab2, [text])[0]
            top = np.argsort(-pr, kind="stable")[:3]
            ids = ", ".join(str(i) for i in vocab2.encode(text)[:12])
            tops = ", ".join(f'{{"{labels[i]}", {pr[i]:.8g}f}}' for i in top)
            print(f"      {{{json.dumps(text, ensure_ascii=False)}, {{{ids}}}, {{{tops}}}}},")


if __name__ == "__main__":
    main()
