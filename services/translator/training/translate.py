"""Batched greedy and beam-search decoding of an exported translator, in Python.

Reads a model-repository version directory (model.pt or model_int8.pt, spm.model,
metadata.json) and decodes the same way the C++ server does: encoder once, then
one ``step()`` per output token with the key/value cache, hypotheses of all
sentences in one batch, finished sentences dropped from the batch.  Used by
evaluate.py; the server's own decoder is C++ (services/translator/beam_search.cc).

Example:
  /usr/bin/python3 services/translator/training/translate.py --model_dir models/translator/6 \
      --target de "A man in a red shirt is riding a bike."
"""
import argparse
import json
import math
import os
from typing import List, Tuple

import torch


class Translator:
    def __init__(self, model_dir: str, int8: bool = False, threads: int = 2,
                 min_detection_confidence: float = 0.5):
        import sentencepiece as spm
        from langid_train import LanguageIdentifier

        torch.set_num_threads(threads)
        with open(os.path.join(model_dir, "metadata.json")) as f:
            self.meta = json.load(f)
        if int8:
            torch.backends.quantized.engine = "onednn"
        fname = self.meta["variants"]["int8"] if int8 else self.meta["file"]
        self.model = torch.jit.load(os.path.join(model_dir, fname))
        self.sp = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, self.meta["tokenizer"]))
        self.eos = self.meta["eos_id"]
        self.pad = self.meta["pad_id"]
        # Never emitted: padding, BOS and the language tags (they only start sequences).
        self.banned = torch.tensor([self.pad, 2] + [self.sp.piece_to_id(t)
                                                    for t in self.meta["lang_tags"].values()])
        # The server's DetectLanguage (same file, same threshold): a hypothesis in the wrong
        # language gives way to the best one of the beam in the right one (in_target_language).
        langid = os.path.join(model_dir, "langid.bin")
        self.detector = LanguageIdentifier.load(langid) if os.path.exists(langid) else None
        self.min_detection_confidence = min_detection_confidence

    def in_target_language(self, nbest: List[Tuple[List[int], float]], tgt: str) -> Tuple[str, float, int]:
        """(text, log-probability, tokens with EOS) of the best hypothesis that the language
        identifier assigns to ``tgt``, or of the best one when none is: what the server's
        TranslationEngine::InTargetLanguage picks."""
        def result(seq, log_prob):
            return self.sp.decode(seq), float(log_prob), len(seq) + 1

        def in_target(text):
            lang, conf = self.detector.detect(text)
            return lang == tgt and conf >= self.min_detection_confidence
        best = result(*nbest[0])
        if self.detector is None or len(nbest) == 1 or in_target(best[0]):
            return best
        for seq, log_prob in nbest[1:]:
            alt = result(seq, log_prob)
            if in_target(alt[0]):
                return alt
        return best

    def encode(self, text: str, tgt: str) -> List[int]:
        tag = self.sp.piece_to_id(self.meta["lang_tags"][tgt])
        return [tag] + self.sp.encode(text)[:254] + [self.eos]

    def translate(self, texts: List[str], tgt: str, beam: int = 4, length_penalty: float = 0.0,
                  max_len_a: float = 1.5, max_len_b: int = 10, batch_size: int = 64) -> List[str]:
        return [t for t, _ in self.translate_scored(texts, tgt, beam, length_penalty, max_len_a,
                                                    max_len_b, batch_size)]

    @torch.no_grad()
    def translate_scored(self, texts: List[str], tgt: str, beam: int = 4, length_penalty: float = 0.0,
                         max_len_a: float = 1.5, max_len_b: int = 10,
                         batch_size: int = 64) -> List[Tuple[str, float]]:
        """(translation, mean log-probability per output token with EOS): the quantity the
        server's confidence score is computed from (``confidence``)."""
        return [(t, lp / n) for t, lp, n in self.translate_totals(texts, tgt, beam, length_penalty,
                                                                   max_len_a, max_len_b, batch_size)]

    @torch.no_grad()
    def translate_totals(self, texts: List[str], tgt: str, beam: int = 4, length_penalty: float = 0.0,
                         max_len_a: float = 1.5, max_len_b: int = 10,
                         batch_size: int = 64) -> List[Tuple[str, float, int]]:
        """(translation, summed log-probability, output tokens with EOS): what the server
        adds up over a text's sentences before its confidence (the token-weighted mean)."""
        # 0 = the model's tuned default, as in the server.
        if length_penalty <= 0:
            length_penalty = float(self.meta.get("default_length_penalty", 1.0))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out: List[Tuple[str, float, int]] = [("", 0.0, 1)] * len(texts)
        for s in range(0, len(order), batch_size):
            idx = order[s:s + batch_size]
            nbests = self._decode([self.encode(texts[i], tgt) for i in idx], tgt, beam, length_penalty,
                                  max_len_a, max_len_b, nbest=True)
            for i, nbest in zip(idx, nbests):
                out[i] = self.in_target_language(nbest, tgt)
        return out

    def confidence(self, mean_log_prob: float) -> float:
        """The server's TranslationModel::Confidence: the logistic fit in metadata.json's
        ``confidence``, else exp(x)."""
        c = self.meta.get("confidence")
        if not c:
            return math.exp(min(mean_log_prob, 0.0))
        return 1.0 / (1.0 + math.exp(-(c["slope"] * mean_log_prob + c["intercept"])))

    def _decode(self, srcs: List[List[int]], tgt: str, beam: int, alpha: float, a: float, b: int,
                nbest: bool = False):
        n = len(srcs)
        src = torch.full((n, max(map(len, srcs))), self.pad, dtype=torch.long)
        for i, s in enumerate(srcs):
            src[i, :len(s)] = torch.tensor(s)
        cross_kv, bias = self.model(src)
        k = beam
        # Hypotheses are laid out sentence-major: row = sentence * k + beam.
        cross_kv = cross_kv.repeat_interleave(k, 0)
        bias = bias.repeat_interleave(k, 0)
        max_len = [int(a * len(s) + b) for s in srcs]
        tag = self.sp.piece_to_id(self.meta["lang_tags"][tgt])
        tokens = torch.full((n * k,), tag, dtype=torch.long)
        scores = torch.zeros(n, k)
        scores[:, 1:] = -1e9  # all beams start identical: keep only one alive at step 0
        hyps = [[[] for _ in range(k)] for _ in range(n)]
        finished = [[] for _ in range(n)]  # (normalised score, tokens, log-probability)
        alive = list(range(n))  # sentence ids still decoding, in row order
        d = self.meta["decoder"]
        self_kv = torch.zeros(n * k, d["layers"], 2, d["heads"], 0, d["head_dim"])
        step = 0
        while alive:
            logp, self_kv = self.model.step(tokens, torch.tensor([step]), self_kv, cross_kv, bias)
            logp[:, self.banned] = -float("inf")
            v = logp.size(-1)
            cand = (scores.view(-1, 1) + logp).view(len(alive), k * v)
            top_s, top_i = cand.topk(2 * k, dim=1)
            new_rows, new_tokens, new_scores, keep = [], [], [], []
            for r, sid in enumerate(alive):
                nxt = []
                for sc, ix in zip(top_s[r].tolist(), top_i[r].tolist()):
                    bi, tok = divmod(ix, v)
                    seq = hyps[sid][bi]
                    if tok == self.eos or step + 1 >= max_len[sid]:
                        if tok != self.eos:
                            seq = seq + [tok]
                        finished[sid].append((sc / (len(seq) + 1) ** alpha, seq, sc))
                    else:
                        nxt.append((sc, r * k + bi, seq + [tok], tok))
                    if len(nxt) == k:
                        break
                best_alive = nxt[0][0] / (step + 2) ** alpha if nxt else -float("inf")
                done = len(finished[sid]) >= k or not nxt or (
                    finished[sid] and max(f[0] for f in finished[sid]) >= best_alive and alpha <= 1.0)
                if done:
                    continue
                while len(nxt) < k:
                    nxt.append((-1e9, nxt[0][1], nxt[0][2], nxt[0][3]))
                keep.append(sid)
                hyps[sid] = [x[2] for x in nxt]
                new_rows += [x[1] for x in nxt]
                new_tokens += [x[3] for x in nxt]
                new_scores.append([x[0] for x in nxt])
            if not keep:
                break
            rows = torch.tensor(new_rows)
            self_kv = self_kv.index_select(0, rows)
            cross_kv = cross_kv.index_select(0, rows)
            bias = bias.index_select(0, rows)
            tokens = torch.tensor(new_tokens)
            scores = torch.tensor(new_scores)
            alive = keep
            step += 1
        if nbest:  # every finished hypothesis, best first: (tokens, log-probability)
            return [[(f[1], f[2]) for f in sorted(fs, key=lambda x: -x[0])] or [([], 0.0)]
                    for fs in finished]
        best = [max(f, key=lambda x: x[0]) if f else None for f in finished]
        return [(b[1], b[2]) if b else ([], 0.0) for b in best]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--model_dir", default="models/translator/6")
    p.add_argument("--target", required=True)
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--length_penalty", type=float, default=0.0, help="0 = the model's default")
    p.add_argument("--int8", action="store_true")
    p.add_argument("texts", nargs="+")
    args = p.parse_args()
    t = Translator(args.model_dir, args.int8)
    for line in t.translate(args.texts, args.target, args.beam, args.length_penalty):
        print(line)


if __name__ == "__main__":
    main()
