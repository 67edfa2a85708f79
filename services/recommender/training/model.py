"""SASRec-style causal transformer for next-item prediction.

* item embedding (row 0 = padding, kept at zero) shared with the output layer:
  score(item) = h_user . item_embeddings[item]   (no bias, no scale)
* learned absolute positional embedding over the (left-padded) window of
  ``max_len`` positions; the most recent item is always at position max_len-1
* pre-LN transformer blocks with causal self-attention, final LayerNorm
* trained with full softmax cross-entropy over all items at every non-pad
  position (logits only computed where target != 0)
* optionally (freq_alpha > 0) each block mixes its attention with a causal filter, the
  inductive bias of BSARec (Shin et al., AAAI 2024) made causal so that training at every
  position cannot see the future: low = mean of the last freq_window items' states,
  filter = low + beta * (x - low) with a learned per-dimension beta (beta > 1 boosts the
  high frequencies), output = alpha * filter + (1 - alpha) * attention

The module is TorchScript-scriptable (see export.py).
"""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F


class CausalSelfAttention(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        assert d % heads == 0
        self.heads = heads
        self.dh = d // heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.attn_drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        # x: [B, L, d]; allowed: [B, 1, L, L] bool (query, key)
        B, L, d = x.shape
        qkv = self.qkv(x).view(B, L, 3, self.heads, self.dh).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]  # [B, H, L, dh]
        att = torch.matmul(q, k.transpose(-2, -1)) / math.sqrt(self.dh)
        att = att.masked_fill(~allowed, float("-inf"))
        att = self.attn_drop(torch.softmax(att, dim=-1))
        y = torch.matmul(att, v).transpose(1, 2).reshape(B, L, d)
        return self.out(y)


class CausalFilter(nn.Module):
    """low + beta * (x - low), low = mean of the states of the current and the previous
    window - 1 real items (padding excluded, so left padding never changes a result)."""

    def __init__(self, d: int, window: int):
        super().__init__()
        self.window = window
        # BSARec's parameterisation: beta = sqrt_beta ** 2 >= 0, one per dimension.
        self.sqrt_beta = nn.Parameter(torch.randn(1, 1, d))

    def forward(self, x: torch.Tensor, nonpad: torch.Tensor) -> torch.Tensor:
        m = nonpad.unsqueeze(-1).to(x.dtype)                 # [B, L, 1]
        sums = (x * m).cumsum(1)
        counts = m.cumsum(1)
        w = self.window
        sums = sums - F.pad(sums, (0, 0, w, 0))[:, :sums.shape[1]]
        counts = counts - F.pad(counts, (0, 0, w, 0))[:, :counts.shape[1]]
        low = sums / counts.clamp(min=1.0)
        return low + self.sqrt_beta * self.sqrt_beta * (x - low)


class Block(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float, freq_alpha: float = 0.0,
                 freq_window: int = 3):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = CausalSelfAttention(d, heads, dropout)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, 4 * d)
        self.ff2 = nn.Linear(4 * d, d)
        self.drop = nn.Dropout(dropout)
        self.freq_alpha = freq_alpha
        # Empty without the filter, so that models without it keep their exact parameters
        # (and v1's checkpoint loads); a ModuleList because TorchScript iterates it.
        self.filters = nn.ModuleList([CausalFilter(d, freq_window)] if freq_alpha > 0 else [])

    def forward(self, x: torch.Tensor, allowed: torch.Tensor, nonpad: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        y = self.attn(h, allowed)
        for f in self.filters:
            y = self.freq_alpha * f(h, nonpad) + (1.0 - self.freq_alpha) * y
        x = x + self.drop(y)
        x = x + self.drop(self.ff2(self.drop(F.gelu(self.ff1(self.ln2(x))))))
        return x


class SASRec(nn.Module):
    def __init__(self, num_items: int, d: int = 64, layers: int = 2, heads: int = 1,
                 dropout: float = 0.3, max_len: int = 50, freq_alpha: float = 0.0,
                 freq_window: int = 3):
        super().__init__()
        self.num_items = num_items
        self.max_len = max_len
        self.item_emb = nn.Embedding(num_items + 1, d, padding_idx=0)
        self.pos_emb = nn.Embedding(max_len, d)
        self.emb_drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList([Block(d, heads, dropout, freq_alpha, freq_window)
                                     for _ in range(layers)])
        self.ln_f = nn.LayerNorm(d)
        self.register_buffer("causal", torch.tril(torch.ones(max_len, max_len, dtype=torch.bool)),
                             persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(m: nn.Module):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, std=0.02)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, std=0.02)
            if m.padding_idx is not None:
                with torch.no_grad():
                    m.weight[m.padding_idx].zero_()

    def encode(self, items: torch.Tensor) -> torch.Tensor:
        """items: [B, L] int64, left-padded with 0, most recent last. Returns [B, L, d]."""
        B, L = items.shape
        pos = torch.arange(self.max_len - L, self.max_len, device=items.device)
        x = self.item_emb(items) + self.pos_emb(pos)[None, :, :]
        x = self.emb_drop(x)
        nonpad = items != 0
        eye = torch.eye(L, dtype=torch.bool, device=items.device)
        causal = self.causal[self.max_len - L:, self.max_len - L:]
        # causal, keys must be real items; a position may always attend to itself
        # (keeps padding rows finite; padding outputs are never used)
        allowed = causal[None, :, :] & (nonpad[:, None, :] | eye[None, :, :])
        allowed = allowed[:, None, :, :]
        for blk in self.blocks:
            x = blk(x, allowed, nonpad)
        return self.ln_f(x)

    def user_repr(self, items: torch.Tensor) -> torch.Tensor:
        """Hidden state at the last (most recent) position: [B, d].

        Leading all-padding columns are dropped first (pure speed-up: padding
        keys are masked, so real positions never see them)."""
        return self.encode(trim_left_padding(items))[:, -1, :]

    def item_embeddings(self) -> torch.Tensor:
        return self.item_emb.weight

    def loss(self, inputs: torch.Tensor, targets: torch.Tensor, bf16_logits: bool = False) -> torch.Tensor:
        """Full softmax CE over all items at every position with target != 0.

        bf16_logits: compute the [N, num_items] output product in bfloat16
        (oneDNN/AMX on recent Xeons, ~5-10x faster on CPU); softmax/CE in fp32.
        """
        L = int((targets != 0).sum(1).max().item())
        inputs, targets = inputs[:, -L:], targets[:, -L:]
        h = self.encode(inputs)
        mask = targets != 0
        h = h[mask]                               # [N, d]
        w = self.item_emb.weight[1:]              # class c = item c+1
        if bf16_logits:
            logits = (h.bfloat16() @ w.bfloat16().t()).float()
        else:
            logits = h @ w.t()
        return F.cross_entropy(logits, targets[mask] - 1)


def trim_left_padding(items: torch.Tensor) -> torch.Tensor:
    """Drop leading columns that are padding in every row (keeps >= 1 column)."""
    L = int((items != 0).sum(1).max().item())
    L = max(L, 1)
    return items[:, items.shape[1] - L:]
