"""TF-IDF + linear baseline (what scikit-learn's TfidfVectorizer + LogisticRegression would
do, written with numpy/torch because python3-sklearn is not installed).

Features: word 1-2-grams (lower-cased, tokens = runs of 2+ word characters, the
TfidfVectorizer default) and char_wb 2-5-grams (n-grams inside " word "), each block
with sublinear tf (1 + ln tf), smooth idf (ln((1 + N) / (1 + df)) + 1), min_df 2 and L2
normalisation; the two blocks are concatenated and scaled by 1/sqrt(2).  Classifier:
multinomial logistic regression (softmax + cross-entropy, weight decay), trained with Adam.
"""
import math
import re
from collections import Counter

import numpy as np
import torch

_TOKEN = re.compile(r"(?u)\b\w\w+\b")
_WORD_CHARS = re.compile(r"\S+")


def word_ngrams(text):
    toks = _TOKEN.findall(text.lower())
    return toks + [a + " " + b for a, b in zip(toks, toks[1:])]


def char_wb_ngrams(text, lo=2, hi=5):
    out = []
    for w in _WORD_CHARS.findall(text.lower()):
        w = " " + w + " "
        for n in range(lo, hi + 1):
            if len(w) < n:
                break
            out += [w[i:i + n] for i in range(len(w) - n + 1)]
    return out


class TfidfBlock:
    def __init__(self, analyzer, min_df=2):
        self.analyzer, self.min_df = analyzer, min_df

    def fit(self, texts):
        df = Counter()
        for t in texts:
            df.update(set(self.analyzer(t)))
        terms = sorted(k for k, c in df.items() if c >= self.min_df)
        self.index = {k: i for i, k in enumerate(terms)}
        n = len(texts)
        self.idf = np.array([math.log((1 + n) / (1 + df[k])) + 1 for k in terms], np.float32)
        return self

    def transform(self, texts):
        """[(indices, values)] per text, L2-normalised."""
        rows = []
        for t in texts:
            tf = Counter(i for i in (self.index.get(g) for g in self.analyzer(t)) if i is not None)
            idx = np.fromiter(tf.keys(), np.int64, len(tf))
            val = np.array([(1 + math.log(c)) for c in tf.values()], np.float32) * self.idf[idx]
            norm = float(np.linalg.norm(val))
            rows.append((idx, val / norm if norm > 0 else val))
        return rows


class TfidfLinear:
    def __init__(self, epochs=30, batch_size=128, lr=5e-3, weight_decay=1e-4, seed=0):
        self.epochs, self.batch_size, self.lr, self.wd, self.seed = epochs, batch_size, lr, weight_decay, seed

    def _features(self, texts):
        w, c = self.words.transform(texts), self.chars.transform(texts)
        s = 1 / math.sqrt(2)
        off = len(self.words.index)
        return [(np.concatenate([wi, ci + off]), np.concatenate([wv, cv]) * s)
                for (wi, wv), (ci, cv) in zip(w, c)]

    @staticmethod
    def _bag(rows):
        idx = torch.from_numpy(np.concatenate([r[0] for r in rows]))
        val = torch.from_numpy(np.concatenate([r[1] for r in rows]))
        offsets = torch.tensor([0] + [len(r[0]) for r in rows[:-1]]).cumsum(0)
        return idx, offsets, val

    def fit(self, texts, labels, num_classes):
        self.words = TfidfBlock(word_ngrams).fit(texts)
        self.chars = TfidfBlock(char_wb_ngrams).fit(texts)
        rows = self._features(texts)
        nfeat = len(self.words.index) + len(self.chars.index)
        torch.manual_seed(self.seed)
        self.weight = torch.nn.EmbeddingBag(nfeat, num_classes, mode="sum")
        torch.nn.init.zeros_(self.weight.weight)
        self.bias = torch.nn.Parameter(torch.zeros(num_classes))
        opt = torch.optim.AdamW(list(self.weight.parameters()) + [self.bias], lr=self.lr,
                                weight_decay=self.wd)
        y = torch.tensor(labels)
        gen = torch.Generator().manual_seed(self.seed)
        for _ in range(self.epochs):
            perm = torch.randperm(len(rows), generator=gen).tolist()
            for s in range(0, len(perm), self.batch_size):
                b = perm[s:s + self.batch_size]
                idx, off, val = self._bag([rows[i] for i in b])
                logits = self.weight(idx, off, per_sample_weights=val) + self.bias
                loss = torch.nn.functional.cross_entropy(logits, y[b])
                opt.zero_grad()
                loss.backward()
                opt.step()
        return self

    @torch.no_grad()
    def predict_proba(self, texts):
        rows = self._features(texts)
        out = []
        for s in range(0, len(rows), 1024):
            idx, off, val = self._bag(rows[s:s + 1024])
            out.append(torch.softmax(self.weight(idx, off, per_sample_weights=val) + self.bias, -1))
        return torch.cat(out).numpy()
