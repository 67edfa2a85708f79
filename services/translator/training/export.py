"""Export a trained translator as a model-repository version.

Writes ``<out>/<version>/``:
  model.pt       TorchScript, fp32: forward() encodes, step() decodes one token
                 (see model.ExportTranslator);
  model_int8.pt  the same with the vocabulary projection dynamically quantized to int8
                 (per output channel; ONEDNN engine: this LibTorch has no FBGEMM; see
                 model.Int8OutputExportTranslator for why only that layer); --int8;
  spm.model      the SentencePiece vocabulary the model was trained with;
  langid.bin     the language identifier (--langid; langid_train.py's output);
  golden.json    what the Python side computes on fixed inputs (language identifier
                 features and probabilities, SentencePiece ids, greedy output and
                 first-step log-probabilities; golden.py), which
                 tests/translator/golden_test.cc holds the C++ server to;
  metadata.json  signature and decoding facts the server needs (ids, tags, sizes) and
                 the SHA-256 of every other file.

The weights can be the average of the last ``--average`` epoch checkpoints
(``epoch<N>.pt`` in the training directory), a cheap and reliable gain for
small NMT models.

Example:
  /usr/bin/python3 services/translator/training/export.py --ckpt_dir build/translator_ckpt --version 1
"""
import argparse
import glob
import json
import os
import re
import shutil
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import vocab  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "common", "inference"))
from model_checksums import record_checksums  # noqa: E402
from model import ExportTranslator, Int8OutputExportTranslator, Transformer  # noqa: E402
from golden import write_golden  # noqa: E402

SUPPORTED_PAIRS = [("en", "de"), ("de", "en"), ("en", "fr"), ("fr", "en"), ("en", "es"), ("es", "en")]


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt_dir", default=str(data.REPO_ROOT / "build" / "translator_ckpt"))
    p.add_argument("--checkpoint", default="", help="one checkpoint file instead of averaging epochs")
    p.add_argument("--average", type=int, default=3, help="average the last N epoch checkpoints")
    p.add_argument("--checkpoints", default="",
                   help="comma-separated checkpoint files (e.g. copies of last.pt taken while "
                        "training) to average, in training order; the training facts are the last one's")
    p.add_argument("--out", default=str(data.REPO_ROOT / "models" / "translator"))
    p.add_argument("--version", type=int, default=1)
    p.add_argument("--length_penalty", type=float, default=1.0,
                   help="the version's default length penalty (metadata.json), chosen on the "
                        "validation splits with evaluate.py --split val --length_penalties ...")
    p.add_argument("--langid", default=str(data.REPO_ROOT / "build" / "langid" / "langid.bin"),
                   help="language identifier (langid_train.py output); trained here if missing")
    return p.parse_args(argv)


def average_weights(cks):
    """The element-wise mean of the checkpoints' model weights (in float32)."""
    return {k: sum(ck["model"][k].float() for ck in cks) / len(cks) for k in cks[0]["model"]}


def load_weights(args):
    """(state_dict, config, description of what was loaded, training facts of the
    newest checkpoint: epoch, step, validation loss, where recorded)."""
    if args.checkpoint:
        ck = torch.load(args.checkpoint, map_location="cpu")
        return ck["model"], ck["config"], os.path.basename(args.checkpoint), training_facts(ck)
    if args.checkpoints:
        files = [f for f in args.checkpoints.split(",") if f]
        cks = [torch.load(f, map_location="cpu") for f in files]
        facts = training_facts(cks[-1])
        facts["averaged_steps"] = [ck["state"]["step"] if "state" in ck else ck.get("step") for ck in cks]
        avg = average_weights(cks)
        return (avg, cks[-1]["config"], "average of " + ", ".join(os.path.basename(f) for f in files),
                facts)
    files = sorted(glob.glob(os.path.join(args.ckpt_dir, "epoch*.pt")),
                   key=lambda f: int(re.search(r"epoch(\d+)\.pt$", f).group(1)))
    if not files:
        raise SystemExit(f"no epoch*.pt in {args.ckpt_dir}; pass --checkpoint")
    files = files[-args.average:]
    cks = [torch.load(f, map_location="cpu") for f in files]
    avg = average_weights(cks)
    return (avg, cks[-1]["config"], "average of " + ", ".join(os.path.basename(f) for f in files),
            training_facts(cks[-1]))


def training_facts(ck) -> dict:
    """What train.py --init_from needs to continue from an exported version: epochs
    finished, batches done of the next one, optimizer steps (and the validation
    loss, when the checkpoint is an epoch's end).  ``last.pt`` may stop mid-epoch."""
    if "state" in ck:  # last.pt: the epoch in progress and the batch reached in it
        st = ck["state"]
        facts = {"epoch": st["epoch"] - 1, "batch": st["batch"], "step": st["step"]}
        if st.get("mix_stages"):
            facts["mix_stages"] = st["mix_stages"]
        if st.get("cooldown"):
            facts["cooldown"] = st["cooldown"]
        return facts
    facts = {k: ck[k] for k in ("epoch", "step", "val_loss") if k in ck}
    if "epoch" in facts:
        facts["batch"] = 0
    return facts


def build_model(state, cfg) -> Transformer:
    m = Transformer(cfg["vocab_size"], cfg["d"], cfg["heads"], cfg["ff"], cfg["enc_layers"],
                    cfg["dec_layers"], 0.0, pad_id=vocab.PAD_ID)
    m.load_state_dict(state)
    return m.eval()


def script(model: Transformer, int8: bool):
    if not int8:
        return torch.jit.script(ExportTranslator(model).eval())
    torch.backends.quantized.engine = "onednn"
    exp = Int8OutputExportTranslator(model).eval()
    # Per-channel weights: the 8,000 embedding rows differ widely in norm.
    exp = torch.quantization.quantize_dynamic(
        exp, {"out": torch.quantization.per_channel_dynamic_qconfig}, dtype=torch.qint8)
    return torch.jit.script(exp)


def main(argv=None):
    args = parse_args(argv)
    if not 0 < args.length_penalty <= 2:
        raise SystemExit(f"--length_penalty {args.length_penalty}: must be in (0, 2] (what the server accepts)")
    state, cfg, source, training = load_weights(args)
    model = build_model(state, cfg)
    final = os.path.join(args.out, str(args.version))
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    script(model, False).save(os.path.join(tmp, "model.pt"))
    script(model, True).save(os.path.join(tmp, "model_int8.pt"))
    spm_path = os.path.join(args.ckpt_dir, "spm.model")
    if not os.path.exists(spm_path):
        spm_path = os.path.join(cfg["out_dir"], "spm.model")
    shutil.copy(spm_path, os.path.join(tmp, "spm.model"))
    if not os.path.exists(args.langid):
        subprocess.run([sys.executable, os.path.join(os.path.dirname(__file__), "langid_train.py"),
                        "--out", args.langid], check=True)
    shutil.copy(args.langid, os.path.join(tmp, "langid.bin"))
    L, H, dh = cfg["dec_layers"], cfg["heads"], cfg["d"] // cfg["heads"]
    meta = {
        "name": "translator", "version": args.version, "file": "model.pt",
        "variants": {"int8": "model_int8.pt"},
        "inputs": [{"name": "src", "dtype": "int64", "shape": [-1, -1], "pad_value": vocab.PAD_ID}],
        "outputs": [{"name": "cross_kv", "dtype": "float32", "shape": [-1, L, 2, H, -1, dh]},
                    {"name": "src_bias", "dtype": "float32", "shape": [-1, 1, 1, -1]}],
        "warmup": {"batch_sizes": [1, 8], "iterations": 1},
        "tokenizer": "spm.model",
        "language_detector": "langid.bin",
        "pad_id": vocab.PAD_ID, "unk_id": vocab.UNK_ID, "eos_id": vocab.EOS_ID,
        "lang_tags": {t[2:-1]: t for t in vocab.LANG_TAGS},
        "num_placeholders": vocab.NUM_PLACEHOLDERS,
        "decoder": {"layers": L, "heads": H, "head_dim": dh},
        "max_positions": 1024,
        "pairs": [list(p) for p in SUPPORTED_PAIRS],
        "weights": source,
        # The mix of the last stage (what --init_from compares against) and, when
        # --mix changed it during training, every stage with the step it began at.
        "training": {**training, "mix": (training["mix_stages"][-1]["mix"] if training.get("mix_stages")
                                         else dict(data.TRAINING_MIX))},
        "default_length_penalty": args.length_penalty,
    }
    with open(os.path.join(tmp, "metadata.json"), "w") as f:
        json.dump(meta, f, indent=1)
    # The C++ server re-implements the language identifier, the tokenizer call and the
    # decoder: golden.json is what the Python side computes, for golden_test.cc to compare.
    # Written before the checksums: metadata.json's sha256 covers every file of the version
    # but Markdown (model_checksums.py --check and the checksums test refuse one it lacks).
    write_golden(tmp)
    record_checksums(tmp)  # the server refuses files that do not match them
    shutil.rmtree(final, ignore_errors=True)
    os.replace(tmp, final)
    print(f"exported {source} -> {final}")


if __name__ == "__main__":
    main()
