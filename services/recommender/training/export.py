"""Export the best checkpoint to TorchScript for the C++ (LibTorch) server.

Writes models/recommender/<version>/model.pt, metadata.json and golden.json (golden.py:
the Python side's inputs and rankings for fixed histories, which
tests/recommender/golden_test.cc checks the server against).

model.pt:
  forward(items: int64 [B, max_len], left-padded with 0, most recent item last)
      -> float32 [B, d]   user representation (final hidden state, last position)
  item_embeddings: float32 [num_items+1, d] buffer, row 0 = padding
Scores for all items: user @ item_embeddings.T (no bias, no scale) -- exactly
the scores evaluate.py ranks (column 0 must be ignored / set to -inf).

Verification (default on): reloads model.pt with torch.jit.load, checks it
against the eager model on random inputs and recomputes test HR@10/NDCG@10
through forward + item_embeddings.
"""
import argparse
import json
import os
import sys

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import torch  # noqa: E402
import torch.nn as nn  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import (REPO_ROOT, Split, default_data_path, embedding_score_fn,  # noqa: E402
                  evaluate_split, load_sequences)
from evaluate import load_checkpoint_model  # noqa: E402
from golden import write_golden  # noqa: E402
from model import SASRec  # noqa: E402
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "common", "inference"))
from model_checksums import record_checksums  # noqa: E402


class UserEncoder(nn.Module):
    def __init__(self, model: SASRec):
        super().__init__()
        self.model = model
        self.register_buffer("item_embeddings", model.item_emb.weight.detach().clone())

    def forward(self, items: torch.Tensor) -> torch.Tensor:
        return self.model.user_repr(items)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--ckpt", default=str(REPO_ROOT / "build" / "recsys_ckpt" / "best.pt"))
    p.add_argument("--out_root", default=str(REPO_ROOT / "models" / "recommender"))
    p.add_argument("--version", type=int, default=1)
    p.add_argument("--data", default=default_data_path())
    p.add_argument("--no_verify", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)

    model, ck = load_checkpoint_model(args.ckpt)
    d, max_len, num_items = ck["config"]["d"], model.max_len, ck["num_items"]
    enc = UserEncoder(model).eval()
    scripted = torch.jit.script(enc)
    out_dir = os.path.join(args.out_root, str(args.version))
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, "model.pt")
    scripted.save(path)
    meta = {"name": "recommender", "version": args.version, "file": "model.pt",
            "inputs": [{"name": "items", "dtype": "int64", "shape": [-1, max_len]}],
            "outputs": [{"name": "user", "dtype": "float32", "shape": [-1, d]}],
            "warmup": {"batch_sizes": [1, 8, 32], "iterations": 2},
            "num_items": num_items, "max_len": max_len, "embedding_dim": d}
    with open(os.path.join(out_dir, "metadata.json"), "w") as f:
        json.dump(meta, f)
        f.write("\n")
    # Computed from the saved model.pt, as the server loads it; before the checksums,
    # which must cover golden.json too.
    write_golden(out_dir)
    record_checksums(out_dir)  # the server refuses files that do not match them
    print(f"exported {args.ckpt} (epoch {ck['epoch']}, val NDCG@10 {ck['val_ndcg10']:.4f}) -> {path} "
          f"({os.path.getsize(path) / 1e6:.1f} MB)")
    if args.no_verify:
        return

    # --- verification -----------------------------------------------------
    loaded = torch.jit.load(path, map_location="cpu").eval()
    emb = loaded.item_embeddings
    assert emb.dtype == torch.float32 and tuple(emb.shape) == (num_items + 1, d)
    assert torch.equal(emb, model.item_emb.weight.detach())
    assert float(emb[0].abs().max()) == 0.0, "padding row should be zero"
    g = torch.Generator().manual_seed(0)
    max_diff = 0.0
    with torch.no_grad():
        for b in (1, 8, 32, 100):
            items = torch.randint(1, num_items + 1, (b, max_len), generator=g)
            lens = torch.randint(1, max_len + 1, (b,), generator=g)
            items[torch.arange(max_len)[None, :] < (max_len - lens)[:, None]] = 0  # left padding
            u_ref = model.user_repr(items)
            u_ts = loaded(items)
            assert u_ts.dtype == torch.float32 and tuple(u_ts.shape) == (b, d)
            max_diff = max(max_diff, float((u_ts - u_ref).abs().max()),
                           float((u_ts @ emb.t() - u_ref @ model.item_emb.weight.t()).abs().max()))
    print(f"random-input check (batches 1/8/32/100): max |diff| user/scores = {max_diff:.3g}")

    seqs, _ = load_sequences(args.data)
    test = Split(seqs, "test", max_len)
    m_ts = evaluate_split(embedding_score_fn(loaded.forward, emb), test)
    m_ref = evaluate_split(embedding_score_fn(model.user_repr, model.item_emb.weight.detach()), test)
    print("test metrics via exported forward + item_embeddings vs. checkpoint (evaluate.py path):")
    for k in ("HR@10", "NDCG@10", "HR@5", "NDCG@5", "HR@20", "NDCG@20"):
        print(f"  {k:8s} exported {m_ts[k]:.6f}  checkpoint {m_ref[k]:.6f}  |diff| {abs(m_ts[k] - m_ref[k]):.2g}")
    ok = all(abs(m_ts[k] - m_ref[k]) < 1e-6 for k in m_ts)
    print("MATCH" if ok else "MISMATCH")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
