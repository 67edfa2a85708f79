"""Data loading, leave-one-out splits and full-ranking evaluation for the
sequential recommender (Amazon Beauty, RUCAIBox/CIKM2020-S3Rec format).

File format: one line per user, ``user item item ...`` (oldest first),
item ids 1-based and dense; id 0 is reserved for padding.

Protocol (leave-one-out):
  * test target       = items[-1], input = items[:-1]
  * validation target = items[-2], input = items[:-2]
  * training sequence = items[:-2]
  * model inputs are the most recent ``max_len`` items, left-padded with 0
  * full ranking over all items; every item the user interacted with before
    the target gets score -inf, except the target itself
  * HR@k / NDCG@k averaged over all users.  Exact score ties are broken by
    item id (lower id ranks first), i.e. like a stable sort.
"""
import os
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple

import numpy as np
import torch

REPO_ROOT = Path(__file__).resolve().parents[3]
KS = (5, 10, 20)


def default_data_path() -> str:
    env = os.environ.get("SHOP_DATA_DIR")
    if env:
        return os.path.join(env, "recsys", "Beauty.txt")
    return str((REPO_ROOT / ".." / "shared" / "data" / "recsys" / "Beauty.txt").resolve())


def load_sequences(path: str) -> Tuple[List[List[int]], int]:
    """Returns (list of per-user item sequences, num_items)."""
    seqs: List[List[int]] = []
    num_items = 0
    with open(path) as f:
        for line in f:
            parts = line.split()
            if not parts:
                continue
            items = [int(x) for x in parts[1:]]
            seqs.append(items)
            if items:
                num_items = max(num_items, max(items))
    for s in seqs:
        if len(s) < 3:
            raise ValueError("every user needs >= 3 interactions for leave-one-out")
    return seqs, num_items


def left_pad(seq: Sequence[int], max_len: int) -> List[int]:
    seq = list(seq)[-max_len:]
    return [0] * (max_len - len(seq)) + seq


def training_tensors(seqs: List[List[int]], max_len: int) -> Tuple[torch.Tensor, torch.Tensor]:
    """Next-item training pairs from items[:-2]: input = s[:-1], target = s[1:]
    (most recent max_len positions), both left-padded with 0."""
    inp, tgt = [], []
    for s in seqs:
        tr = s[:-2]
        inp.append(left_pad(tr[:-1], max_len))
        tgt.append(left_pad(tr[1:], max_len))
    return torch.tensor(inp, dtype=torch.long), torch.tensor(tgt, dtype=torch.long)


class Split:
    """One evaluation split (validation or test)."""

    def __init__(self, seqs: List[List[int]], which: str, max_len: int):
        assert which in ("valid", "test")
        cut = -2 if which == "valid" else -1
        self.name = which
        # users are stored ordered by history length so that evaluation batches
        # can be trimmed to their longest sequence (metrics are plain averages)
        order = sorted(range(len(seqs)), key=lambda u: min(len(seqs[u]) + cut, max_len))
        self.user_ids = torch.tensor(order, dtype=torch.long)
        seqs = [seqs[u] for u in order]
        hists = [s[:cut] for s in seqs]
        self.targets = torch.tensor([s[cut] for s in seqs], dtype=torch.long)
        self.inputs = torch.tensor([left_pad(h, max_len) for h in hists], dtype=torch.long)
        self.last_item = torch.tensor([h[-1] for h in hists], dtype=torch.long)
        # exclusion lists (full history, not only the truncated input), minus the target
        rows, cols, offs = [], [], [0]
        for u, (h, t) in enumerate(zip(hists, self.targets.tolist())):
            ex = sorted(set(h) - {t})
            cols.extend(ex)
            offs.append(offs[-1] + len(ex))
        self.excl_cols = torch.tensor(cols, dtype=torch.long)
        self.excl_offs = offs
        self.num_users = len(seqs)

    def exclusion(self, start: int, end: int) -> Tuple[torch.Tensor, torch.Tensor]:
        a, b = self.excl_offs[start], self.excl_offs[end]
        cols = self.excl_cols[a:b]
        counts = torch.tensor([self.excl_offs[i + 1] - self.excl_offs[i] for i in range(start, end)],
                              dtype=torch.long)
        rows = torch.repeat_interleave(torch.arange(end - start), counts)
        return rows, cols


# score_fn(inputs [B,L] int64, last_item [B] int64) -> scores [B, num_items+1] (column 0 ignored)
ScoreFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@torch.no_grad()
def evaluate_split(score_fn: ScoreFn, split: Split, batch_size: int = 1024,
                   ks: Sequence[int] = KS) -> Dict[str, float]:
    hr = {k: 0.0 for k in ks}
    ndcg = {k: 0.0 for k in ks}
    n = split.num_users
    for start in range(0, n, batch_size):
        end = min(n, start + batch_size)
        scores = score_fn(split.inputs[start:end], split.last_item[start:end]).clone()
        scores = scores.to(torch.float64) if scores.dtype == torch.float64 else scores.float()
        scores[:, 0] = float("-inf")
        rows, cols = split.exclusion(start, end)
        scores[rows, cols] = float("-inf")
        tgt = split.targets[start:end]
        t_score = scores.gather(1, tgt[:, None])
        ids = torch.arange(scores.shape[1])[None, :]
        rank = (scores > t_score).sum(1) + ((scores == t_score) & (ids < tgt[:, None])).sum(1)
        rank = rank.to(torch.float64)
        for k in ks:
            hit = rank < k
            hr[k] += hit.sum().item()
            ndcg[k] += (hit.to(torch.float64) / torch.log2(rank + 2.0)).sum().item()
    out = {}
    for k in ks:
        out[f"HR@{k}"] = hr[k] / n
        out[f"NDCG@{k}"] = ndcg[k] / n
    return out


def popularity_counts(seqs: List[List[int]], num_items: int) -> torch.Tensor:
    """Item counts on TRAINING data only (items[:-2] of every user)."""
    flat = np.fromiter((i for s in seqs for i in s[:-2]), dtype=np.int64)
    return torch.from_numpy(np.bincount(flat, minlength=num_items + 1).astype(np.float64))


class TransitionCounts:
    """last-item -> next-item counts over consecutive pairs in training sequences."""

    def __init__(self, seqs: List[List[int]], num_items: int):
        a, b = [], []
        for s in seqs:
            tr = s[:-2]
            a.extend(tr[:-1])
            b.extend(tr[1:])
        key = np.asarray(a, dtype=np.int64) * (num_items + 1) + np.asarray(b, dtype=np.int64)
        uniq, cnt = np.unique(key, return_counts=True)  # sorted by (a, b)
        src = uniq // (num_items + 1)
        self.dst = torch.from_numpy(uniq % (num_items + 1))
        self.cnt = torch.from_numpy(cnt.astype(np.float64))
        self.ptr = np.searchsorted(src, np.arange(num_items + 2))
        self.num_items = num_items

    def dense(self, last_items: torch.Tensor) -> torch.Tensor:
        out = torch.zeros(len(last_items), self.num_items + 1, dtype=torch.float64)
        for r, a in enumerate(last_items.tolist()):
            lo, hi = self.ptr[a], self.ptr[a + 1]
            out[r, self.dst[lo:hi]] = self.cnt[lo:hi]
        return out


def popularity_score_fn(pop: torch.Tensor) -> ScoreFn:
    def fn(inputs: torch.Tensor, last_item: torch.Tensor) -> torch.Tensor:
        return pop[None, :].expand(len(inputs), -1)
    return fn


def transition_score_fn(trans: TransitionCounts, pop: torch.Tensor) -> ScoreFn:
    big = float(pop.max().item() + 1.0)

    def fn(inputs: torch.Tensor, last_item: torch.Tensor) -> torch.Tensor:
        # transition count first, popularity breaks ties / fills empty rows
        return trans.dense(last_item) * big + pop[None, :]
    return fn


def embedding_score_fn(user_fn: Callable[[torch.Tensor], torch.Tensor],
                       item_embeddings: torch.Tensor) -> ScoreFn:
    """scores = user_repr @ item_embeddings.T -- exactly what the C++ server computes."""
    def fn(inputs: torch.Tensor, last_item: torch.Tensor) -> torch.Tensor:
        return user_fn(inputs) @ item_embeddings.t()
    return fn


def markdown_table(rows: List[Tuple[str, Dict[str, float]]], ks: Sequence[int] = KS) -> str:
    cols = [f"HR@{k}" for k in ks] + [f"NDCG@{k}" for k in ks]
    lines = ["| Method | " + " | ".join(cols) + " |",
             "|---|" + "---:|" * len(cols)]
    for name, m in rows:
        cells = [("%.4f" % m[c]) if c in m and m[c] is not None else "–" for c in cols]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)
