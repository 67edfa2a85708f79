"""Encoder-decoder Transformer for multilingual product translation.

One model serves every direction: the source is prefixed with the target
language tag (``<2de>`` ...) and the decoder starts from the same tag, so the
tag both tells the encoder what is wanted and forces the output language.

Pre-layer-norm blocks (stable with a short warm-up on small data), sinusoidal
positions (no position table to outgrow at inference), and one embedding
matrix shared by the encoder, the decoder and the output layer (the
SentencePiece vocabulary is joint).

Attention is written out by hand rather than with nn.MultiheadAttention so the
exported decoder step can take and return its key/value cache: each step costs
one new position instead of recomputing the prefix.
"""
import math
from typing import List, Optional, Tuple

import torch
from torch import Tensor, nn


def sinusoid_table(n: int, d: int) -> Tensor:
    pos = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    div = torch.exp(torch.arange(0, d, 2, dtype=torch.float32) * (-math.log(10000.0) / d))
    pe = torch.zeros(n, d)
    pe[:, 0::2] = torch.sin(pos * div)
    pe[:, 1::2] = torch.cos(pos * div)
    return pe


class Attention(nn.Module):
    def __init__(self, d: int, heads: int, dropout: float):
        super().__init__()
        self.heads = heads
        self.dh = d // heads
        self.q = nn.Linear(d, d)
        self.kv = nn.Linear(d, 2 * d)
        self.o = nn.Linear(d, d)
        self.drop = nn.Dropout(dropout)

    def split(self, x: Tensor) -> Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.heads, self.dh).transpose(1, 2)

    def project_kv(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        k, v = self.kv(x).chunk(2, dim=-1)
        return self.split(k), self.split(v)

    def attend(self, x: Tensor, k: Tensor, v: Tensor, bias: Optional[Tensor]) -> Tensor:
        """x [B,T,D] attends to k/v [B,H,S,dh]; bias is additive, broadcast to [B,H,T,S]."""
        b, t, d = x.shape
        q = self.split(self.q(x)) * (self.dh ** -0.5)
        s = torch.matmul(q, k.transpose(-1, -2))
        if bias is not None:
            s = s + bias
        a = self.drop(torch.softmax(s.float(), dim=-1).to(v.dtype))
        y = torch.matmul(a, v).transpose(1, 2).reshape(b, t, d)
        return self.o(y)


class FeedForward(nn.Module):
    def __init__(self, d: int, ff: int, dropout: float):
        super().__init__()
        self.w1 = nn.Linear(d, ff)
        self.w2 = nn.Linear(ff, d)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor) -> Tensor:
        return self.w2(self.drop(torch.relu(self.w1(x))))


class EncoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int, dropout: float):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = Attention(d, heads, dropout)
        self.ln2 = nn.LayerNorm(d)
        self.ff = FeedForward(d, ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, bias: Tensor) -> Tensor:
        h = self.ln1(x)
        k, v = self.attn.project_kv(h)
        x = x + self.drop(self.attn.attend(h, k, v, bias))
        return x + self.drop(self.ff(self.ln2(x)))


class DecoderLayer(nn.Module):
    def __init__(self, d: int, heads: int, ff: int, dropout: float):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.self_attn = Attention(d, heads, dropout)
        self.ln2 = nn.LayerNorm(d)
        self.cross_attn = Attention(d, heads, dropout)
        self.ln3 = nn.LayerNorm(d)
        self.ff = FeedForward(d, ff, dropout)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: Tensor, self_k: Tensor, self_v: Tensor, self_bias: Optional[Tensor],
                cross_k: Tensor, cross_v: Tensor, cross_bias: Tensor) -> Tensor:
        # self_k/self_v already include the positions of x (the caller projects them).
        h = self.ln1(x)
        x = x + self.drop(self.self_attn.attend(h, self_k, self_v, self_bias))
        x = x + self.drop(self.cross_attn.attend(self.ln2(x), cross_k, cross_v, cross_bias))
        return x + self.drop(self.ff(self.ln3(x)))


class Transformer(nn.Module):
    def __init__(self, vocab: int, d: int = 256, heads: int = 4, ff: int = 1024,
                 enc_layers: int = 4, dec_layers: int = 4, dropout: float = 0.1,
                 max_positions: int = 1024, pad_id: int = 0):
        super().__init__()
        self.d = d
        self.pad_id = pad_id
        self.emb = nn.Embedding(vocab, d, padding_idx=pad_id)
        nn.init.normal_(self.emb.weight, mean=0.0, std=d ** -0.5)
        with torch.no_grad():
            self.emb.weight[pad_id].zero_()
        self.register_buffer("pos", sinusoid_table(max_positions, d), persistent=False)
        self.enc = nn.ModuleList([EncoderLayer(d, heads, ff, dropout) for _ in range(enc_layers)])
        self.dec = nn.ModuleList([DecoderLayer(d, heads, ff, dropout) for _ in range(dec_layers)])
        self.enc_ln = nn.LayerNorm(d)
        self.dec_ln = nn.LayerNorm(d)
        self.drop = nn.Dropout(dropout)

    def embed(self, ids: Tensor, offset: int = 0) -> Tensor:
        x = self.emb(ids) * math.sqrt(self.d)
        return self.drop(x + self.pos[offset:offset + ids.size(1)].to(x.dtype))

    def src_bias(self, src: Tensor) -> Tensor:
        """Additive mask [B,1,1,S]: -inf-ish on padding."""
        return (src == self.pad_id).to(torch.float32).mul(-1e9).view(src.size(0), 1, 1, src.size(1))

    def encode(self, src: Tensor) -> Tuple[Tensor, Tensor]:
        bias = self.src_bias(src)
        x = self.embed(src)
        for layer in self.enc:
            x = layer(x, bias)
        return self.enc_ln(x), bias

    def logits(self, h: Tensor) -> Tensor:
        return torch.matmul(h, self.emb.weight.t())

    def forward(self, src: Tensor, tgt_in: Tensor) -> Tensor:
        """Teacher-forced training pass: logits [B,T,V] for every target position."""
        memory, bias = self.encode(src)
        t = tgt_in.size(1)
        causal = torch.full((t, t), -1e9, device=src.device).triu(1)
        x = self.embed(tgt_in)
        for layer in self.dec:
            h = layer.ln1(x)
            k, v = layer.self_attn.project_kv(h)
            ck, cv = layer.cross_attn.project_kv(memory)
            x = layer(x, k, v, causal, ck, cv, bias)
        return self.logits(self.dec_ln(x))


class ExportTranslator(nn.Module):
    """The serving interface, batch dimension first everywhere.

    forward(src[B,S] int64) -> (cross_kv [B,L,2,H,S,dh], src_bias [B,1,1,S])
        Encodes and projects the decoder's cross-attention keys/values once, so
        each decoding step only reads them.
    step(tokens[N] int64, position[1] int64, self_kv [N,L,2,H,T,dh], cross_kv, src_bias)
        -> (log_probs [N,V], self_kv [N,L,2,H,T+1,dh])
        One decoding step for N hypotheses: ``self_kv`` holds the keys/values of
        the T tokens decoded so far (T may be 0); the step appends the new one.
        Beam search reorders hypotheses with index_select on dimension 0.
    """

    def __init__(self, model: Transformer):
        super().__init__()
        self.m = model

    def forward(self, src: Tensor) -> Tuple[Tensor, Tensor]:
        memory, bias = self.m.encode(src)
        kvs: List[Tensor] = []
        for layer in self.m.dec:
            k, v = layer.cross_attn.project_kv(memory)
            kvs.append(torch.stack([k, v], dim=1))
        return torch.stack(kvs, dim=1), bias

    @torch.jit.export
    def step(self, tokens: Tensor, position: Tensor, self_kv: Tensor, cross_kv: Tensor,
             src_bias: Tensor) -> Tuple[Tensor, Tensor]:
        m = self.m
        pos = int(position[0].item())
        x = m.emb(tokens.view(-1, 1)) * math.sqrt(m.d) + m.pos[pos:pos + 1]
        new_kv: List[Tensor] = []
        i = 0
        for layer in m.dec:
            h = layer.ln1(x)
            k, v = layer.self_attn.project_kv(h)
            k = torch.cat([self_kv[:, i, 0], k], dim=2)
            v = torch.cat([self_kv[:, i, 1], v], dim=2)
            new_kv.append(torch.stack([k, v], dim=1))
            x = layer(x, k, v, None, cross_kv[:, i, 0], cross_kv[:, i, 1], src_bias)
            i += 1
        logits = self.project(m.dec_ln(x)).squeeze(1)
        return torch.log_softmax(logits.float(), dim=-1), torch.stack(new_kv, dim=1)

    def project(self, h: Tensor) -> Tensor:
        return self.m.logits(h)


class Int8OutputExportTranslator(ExportTranslator):
    """ExportTranslator whose vocabulary projection (the tied embedding, [V, d]) is an
    nn.Linear of its own, so that dynamic int8 quantization can take exactly that layer.

    Why only that layer: it is most of a decoding step's arithmetic (V = 8000 outputs
    against 256-1024 for every other layer), while LibTorch 1.13's oneDNN dynamic-int8
    linear builds its oneDNN primitives anew on every call (ONEDNN_VERBOSE: 39 primitive
    cache misses per step with every nn.Linear quantized, identical shapes each time), a
    fixed cost that outweighs the int8 gain on the small layers.
    """

    def __init__(self, model: "Transformer"):
        super().__init__(model)
        self.out = nn.Linear(model.d, model.emb.weight.shape[0], bias=False)
        with torch.no_grad():
            self.out.weight.copy_(model.emb.weight)

    def project(self, h: Tensor) -> Tensor:
        return self.out(h)
