"""Train the SASRec-style recommender (full softmax CE) on Amazon Beauty.

Resumable: a checkpoint ``last.pt`` (model, optimizer, epoch, best metric,
early-stopping counter, RNG states) is written atomically after every epoch;
re-running the same command continues from it.  ``best.pt`` holds the model
with the best validation NDCG@10.  One log line per epoch goes to stdout and
``<out_dir>/train.log``.

The defaults are the recipe for a shop's own log (training/README.md, "Train on your own
data"): peak learning rate 2e-3 with a one-epoch warm-up and cosine decay over 60 epochs,
validation every 2 epochs, early stopping after 5 validations without a new best, at most
55 minutes of training. On Beauty (22k users) it stops after ~16 minutes on 2 cores.

Example:
  /usr/bin/python3 services/recommender/training/train.py --data my_log.txt --out_dir build/recsys_mine
"""
import argparse
import math
import os
import random
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before torch/numpy load OpenBLAS
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import (REPO_ROOT, Split, default_data_path, embedding_score_fn,  # noqa: E402
                  evaluate_split, load_sequences, training_tensors)
from model import SASRec  # noqa: E402

MODEL_KEYS = ("d", "layers", "heads", "dropout", "max_len", "freq_alpha", "freq_window")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default=default_data_path())
    p.add_argument("--out_dir", default=str(REPO_ROOT / "build" / "recsys_ckpt"))
    p.add_argument("--epochs", type=int, default=60,
                   help="maximum number of epochs (with --schedule cosine, where the rate reaches 0)")
    p.add_argument("--batch_size", type=int, default=128)
    p.add_argument("--lr", type=float, default=2e-3, help="peak learning rate")
    p.add_argument("--weight_decay", type=float, default=0.0)
    p.add_argument("--d", type=int, default=64)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=1)
    p.add_argument("--dropout", type=float, default=0.5)
    p.add_argument("--max_len", type=int, default=50)
    p.add_argument("--freq_alpha", type=float, default=0.0,
                   help="weight of the causal frequency filter beside attention in each block "
                        "(model.py; 0 = plain SASRec)")
    p.add_argument("--freq_window", type=int, default=3,
                   help="items averaged into the filter's low-frequency part")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--threads", type=int, default=0, help="torch threads (0: every core)")
    p.add_argument("--eval_every", type=int, default=2, help="validate every N epochs")
    p.add_argument("--patience", type=int, default=5,
                   help="stop after this many consecutive validations without a new best NDCG@10")
    p.add_argument("--bf16_logits", type=int, default=-1,
                   help="1: compute the training output layer (h @ E^T) in bfloat16 (fast with AMX or "
                        "AVX512-BF16; eval is fp32); 0: fp32; -1 (default): 1 where the CPU has "
                        "either, else 0 (emulated bfloat16 is slower than fp32)")
    p.add_argument("--schedule", choices=("constant", "cosine"), default="cosine",
                   help="learning rate: constant --lr, or linear warm-up over --warmup_epochs then "
                        "cosine decay to 0 at --epochs")
    p.add_argument("--warmup_epochs", type=float, default=1.0)
    p.add_argument("--time_budget_min", type=float, default=55.0,
                   help="stop after this many minutes of training (0: no limit); best.pt is the "
                        "best validation so far, so a stopped run can still be exported")
    p.add_argument("--bucket", type=int, default=50,
                   help="sort each random chunk of bucket*batch_size users by length before batching "
                        "(batches are trimmed to their longest sequence); 0 = plain random batches")
    p.add_argument("--max_batches", type=int, default=0, help="debug: limit batches per epoch")
    return p.parse_args(argv)


# Values of model keys that checkpoints from before the key existed were trained with.
DEFAULTS = {"freq_alpha": 0.0, "freq_window": 3}


def cpu_has_fast_bf16() -> bool:
    """AMX or AVX512-BF16: the CPUs where a bfloat16 matmul beats fp32 in torch 1.13."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def lr_at(args, epoch_progress: float) -> float:
    """Learning rate at a fractional epoch (0 = start of training)."""
    if args.schedule == "constant":
        return args.lr
    if epoch_progress < args.warmup_epochs:
        return args.lr * max(epoch_progress, 1e-3) / args.warmup_epochs
    span = max(args.epochs - args.warmup_epochs, 1e-9)
    t = min((epoch_progress - args.warmup_epochs) / span, 1.0)
    return 0.5 * args.lr * (1.0 + math.cos(math.pi * t))


def rng_state(gen):
    return {"torch": torch.get_rng_state(), "numpy": np.random.get_state(),
            "random": random.getstate(), "shuffle": gen.get_state()}


def set_rng_state(st, gen):
    torch.set_rng_state(st["torch"])
    np.random.set_state(st["numpy"])
    random.setstate(st["random"])
    gen.set_state(st["shuffle"])


def make_batches(n, batch_size, bucket, lengths, gen):
    """Random batches; with bucket > 0, users inside each random chunk of
    bucket*batch_size are sorted by length first (less padding), and the batch
    order is shuffled again."""
    perm = torch.randperm(n, generator=gen)
    if bucket <= 0:
        return [perm[s:s + batch_size] for s in range(0, n, batch_size)]
    batches = []
    chunk = bucket * batch_size
    for c in range(0, n, chunk):
        idx = perm[c:c + chunk]
        idx = idx[torch.argsort(lengths[idx], stable=True)]
        batches.extend(idx[s:s + batch_size] for s in range(0, len(idx), batch_size))
    order = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[i] for i in order]


def atomic_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main(argv=None):
    args = parse_args(argv)
    if args.threads <= 0:
        args.threads = os.cpu_count() or 1
    if args.bf16_logits < 0:
        args.bf16_logits = int(cpu_has_fast_bf16())
    torch.set_num_threads(args.threads)
    # Settable once per process (a second call aborts it, not only raises), so only when
    # it differs: tests call main() more than once.
    if torch.get_num_interop_threads() != args.threads:
        try:
            torch.set_num_interop_threads(args.threads)
        except RuntimeError:
            pass
    os.makedirs(args.out_dir, exist_ok=True)
    with open(os.path.join(args.out_dir, "train.log"), "a") as log_f:
        def log(msg):
            line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg
            print(line, flush=True)
            log_f.write(line + "\n")
            log_f.flush()

        train(args, log)


def train(args, log):

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    seqs, num_items = load_sequences(args.data)
    train_in, train_tgt = training_tensors(seqs, args.max_len)
    train_len = (train_tgt != 0).sum(1)
    valid = Split(seqs, "valid", args.max_len)

    model = SASRec(num_items, args.d, args.layers, args.heads, args.dropout, args.max_len,
                   args.freq_alpha, args.freq_window)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, weight_decay=args.weight_decay)

    last_path = os.path.join(args.out_dir, "last.pt")
    best_path = os.path.join(args.out_dir, "best.pt")
    start_epoch, best, best_epoch, bad, early_stopped, train_time = 1, -1.0, 0, 0, False, 0.0
    if os.path.exists(last_path):
        ck = torch.load(last_path)
        for k in MODEL_KEYS + ("data_num_items",):
            old = (ck["config"].get(k, DEFAULTS.get(k)) if k != "data_num_items"
                   else ck["num_items"])
            new = getattr(args, k) if k != "data_num_items" else num_items
            if old != new:
                raise SystemExit(f"checkpoint {last_path} has {k}={old}, args say {new}; "
                                 f"use another --out_dir")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        set_rng_state(ck["rng"], gen)
        start_epoch = ck["epoch"] + 1
        best, best_epoch, bad = ck["best_ndcg10"], ck["best_epoch"], ck["bad_evals"]
        early_stopped = ck.get("early_stopped", bad >= args.patience)
        train_time = ck.get("train_time_s", 0.0)
        log(f"resumed from {last_path} at epoch {ck['epoch']} (best NDCG@10 {best:.4f} @ {best_epoch})")
    else:
        log("start " + " ".join(f"{k}={v}" for k, v in sorted(vars(args).items())))
        log(f"users={len(seqs)} items={num_items} train_positions={(train_tgt != 0).sum().item()} "
            f"params={sum(p.numel() for p in model.parameters())}")
    if early_stopped or start_epoch > args.epochs:
        log(f"training already finished (epoch {start_epoch - 1}, best NDCG@10 {best:.4f} @ epoch {best_epoch})")
        return

    n = len(seqs)
    for epoch in range(start_epoch, args.epochs + 1):
        t0 = time.time()
        model.train()
        batches = make_batches(n, args.batch_size, args.bucket, train_len, gen)
        tot, cnt = 0.0, 0
        for bi, idx in enumerate(batches):
            if args.max_batches and bi >= args.max_batches:
                break
            lr = lr_at(args, epoch - 1 + bi / len(batches))
            for group in opt.param_groups:
                group["lr"] = lr
            loss = model.loss(train_in[idx], train_tgt[idx], bool(args.bf16_logits))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            tot += loss.item()
            cnt += 1
        t_train = time.time() - t0
        train_time += t_train
        msg = f"epoch {epoch:4d} loss {tot / cnt:.4f} lr {lr:.2e} time {t_train:.1f}s"
        improved = False
        if epoch % args.eval_every == 0 or epoch == args.epochs:
            t1 = time.time()
            model.eval()
            m = evaluate_split(embedding_score_fn(model.user_repr, model.item_embeddings()), valid)
            ndcg = m["NDCG@10"]
            if ndcg > best:
                best, best_epoch, bad, improved = ndcg, epoch, 0, True
            else:
                bad += 1
            msg += (f" | val HR@10 {m['HR@10']:.4f} NDCG@10 {ndcg:.4f} HR@20 {m['HR@20']:.4f} "
                    f"NDCG@20 {m['NDCG@20']:.4f} (eval {time.time() - t1:.1f}s) best {best:.4f} @ {best_epoch}")
            if improved:
                msg += " *"
        out_of_time = args.time_budget_min > 0 and train_time >= args.time_budget_min * 60
        if out_of_time and epoch % args.eval_every != 0 and epoch != args.epochs:
            # The budget ends here: validate once more so best.pt covers the last epochs.
            model.eval()
            m = evaluate_split(embedding_score_fn(model.user_repr, model.item_embeddings()), valid)
            if m["NDCG@10"] > best:
                best, best_epoch, bad, improved = m["NDCG@10"], epoch, 0, True
                msg += f" | val NDCG@10 {best:.4f} (final) *"
        stop = bad >= args.patience or out_of_time
        state = {"model": model.state_dict(), "optimizer": opt.state_dict(), "epoch": epoch,
                 "best_ndcg10": best, "best_epoch": best_epoch, "bad_evals": bad,
                 "early_stopped": stop,
                 "train_time_s": train_time, "config": vars(args), "num_items": num_items,
                 "rng": rng_state(gen)}
        if improved:
            atomic_save({"model": model.state_dict(), "epoch": epoch, "val_ndcg10": best,
                         "config": vars(args), "num_items": num_items}, best_path)
        atomic_save(state, last_path)
        log(msg)
        if stop:
            why = (f"time budget of {args.time_budget_min:g} min spent" if out_of_time and
                   bad < args.patience else f"no improvement for {bad} validations")
            log(f"early stop at epoch {epoch}: {why}; best NDCG@10 {best:.4f} @ epoch {best_epoch}")
            break
    log(f"finished: epochs={epoch} train_time={train_time / 60:.1f}min best NDCG@10 {best:.4f} @ epoch {best_epoch}")


if __name__ == "__main__":
    main()
