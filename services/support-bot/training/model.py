"""The intent classifier: a fastText-style bag of features with a small MLP head.

Input: int64 ids [B, L], padded with 0 (data.py's featurizer).  One embedding table holds
every feature; the features of each kind (word, word bigram, char n-gram; the kind's
unknown id included) are mean-pooled separately.  With pretrained word vectors (the
"pword" kind, pretrain_words.py) a frozen second table holds them; their mean goes through
a trained Linear to the same width.  The three (or four) means are concatenated and go
through LayerNorm -> dropout -> Linear -> GELU -> dropout -> Linear to the logits.
``IntentEnsemble`` averages the softmax of several such members (trained with different
seeds) and is what gets exported: forward(ids) -> probabilities [B, C].
"""
from typing import List

import torch
from torch import nn

from data import UNK_BIGRAM, UNK_CHAR, UNK_WORD


class IntentModel(nn.Module):
    def __init__(self, vocab_size: int, ranges, num_classes: int, dim: int = 64,
                 hidden: int = 256, dropout: float = 0.3, pretrained_dim: int = 0):
        super().__init__()
        # Pretrained word vectors (the "pword" kind, the last id range), when the
        # featurizer has them: a frozen table of their own, mean-pooled and projected to
        # `dim` by a trained layer, so words the training split lacks still carry meaning.
        pword = ranges.get("pword", [vocab_size, vocab_size])
        self.pword_lo = int(pword[0])
        self.has_pretrained = int(pword[1]) > self.pword_lo
        self.embedding = nn.Embedding(self.pword_lo, dim, padding_idx=0)
        nn.init.normal_(self.embedding.weight, std=0.1)
        with torch.no_grad():
            self.embedding.weight[0].zero_()
        n_pwords = int(pword[1]) - self.pword_lo if self.has_pretrained else 1
        self.pretrained = nn.Embedding(n_pwords, max(pretrained_dim, 1))
        self.pretrained.weight.requires_grad_(False)
        self.project = nn.Linear(max(pretrained_dim, 1), dim)
        self.word_lo, self.word_hi = int(ranges["word"][0]), int(ranges["word"][1])
        self.bigram_lo, self.bigram_hi = int(ranges["bigram"][0]), int(ranges["bigram"][1])
        self.char_lo, self.char_hi = int(ranges["char"][0]), int(ranges["char"][1])
        self.unk_word, self.unk_bigram, self.unk_char = UNK_WORD, UNK_BIGRAM, UNK_CHAR
        kinds = 4 if self.has_pretrained else 3
        self.norm = nn.LayerNorm(kinds * dim)
        self.drop = nn.Dropout(dropout)
        self.hidden = nn.Linear(kinds * dim, hidden)
        self.out = nn.Linear(hidden, num_classes)

    def _pool(self, emb: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        m = mask.to(emb.dtype).unsqueeze(-1)
        return (emb * m).sum(1) / m.sum(1).clamp(min=1.0)

    def features(self, ids: torch.Tensor) -> torch.Tensor:
        is_pword = ids >= self.pword_lo
        # the exported table is float16
        emb = self.embedding(ids.masked_fill(is_pword, 0)).float()
        word = ((ids >= self.word_lo) & (ids < self.word_hi)) | (ids == self.unk_word)
        bigram = ((ids >= self.bigram_lo) & (ids < self.bigram_hi)) | (ids == self.unk_bigram)
        char = ((ids >= self.char_lo) & (ids < self.char_hi)) | (ids == self.unk_char)
        pooled = [self._pool(emb, word), self._pool(emb, bigram), self._pool(emb, char)]
        if self.has_pretrained:
            pw = self.pretrained((ids - self.pword_lo).clamp(min=0)).float()
            pooled.append(self.project(self._pool(pw, is_pword)))
        return torch.cat(pooled, -1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits [B, C]."""
        h = self.drop(self.norm(self.features(ids)))
        h = self.drop(torch.nn.functional.gelu(self.hidden(h)))
        return self.out(h)


class LinearMember(nn.Module):
    """TF-IDF + multinomial logistic regression over the same features: each feature is
    weighted by its idf (unknown ids and padding: 0), the weights of each kind are L2
    normalised, and a full-rank linear layer (a [vocab, classes] table) gives the logits."""

    def __init__(self, vocab_size: int, ranges, num_classes: int, idf: torch.Tensor):
        super().__init__()
        # Pretrained word ids (the last range, if any) are not its features.
        self.limit = int(ranges.get("pword", [vocab_size, vocab_size])[0])
        self.weight = nn.Embedding(self.limit, num_classes)
        nn.init.zeros_(self.weight.weight)
        self.bias = nn.Parameter(torch.zeros(num_classes))
        self.register_buffer("idf", idf.to(torch.float32))
        self.word_hi = int(ranges["word"][1])
        self.bigram_hi = int(ranges["bigram"][1])

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits [B, C]."""
        ids = ids.masked_fill(ids >= self.limit, 0)
        w = self.idf[ids]
        x = torch.zeros_like(w)
        kinds = [ids < self.word_hi, (ids >= self.word_hi) & (ids < self.bigram_hi), ids >= self.bigram_hi]
        for m in kinds:
            wk = w * m.to(w.dtype)
            x = x + wk / (wk * wk).sum(1, keepdim=True).sqrt().clamp(min=1e-6)
        x = x * (1.0 / 3.0 ** 0.5)
        return (self.weight(ids).float() * x.unsqueeze(-1)).sum(1) + self.bias


class IntentEnsemble(nn.Module):
    def __init__(self, members: List[nn.Module]):
        super().__init__()
        self.members = nn.ModuleList(members)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Mean of the members' softmax probabilities [B, C]."""
        probs = torch.zeros(0)
        n = 0
        for m in self.members:
            p = torch.softmax(m(ids), dim=-1)
            probs = p if n == 0 else probs + p
            n += 1
        return probs / float(n)
