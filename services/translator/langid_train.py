"""Train the language identifier behind DetectLanguage and ``source_language=auto``.

Model: multinomial naive Bayes over hashed character n-grams, with a length-aware
temperature so that its confidence means something on two-word product titles as
well as on paragraphs.  Naive Bayes is trained by counting, so the same data and
code give the same file on every machine (the C++ test hard-codes probabilities of
this file).  Languages: en, de, fr, es (the training corpora hold no other
language the translator serves); low-confidence text is answered "und".

Features (mirrored exactly by ``language_detector.cc``; change both or neither):
  1. The first ``max_chars`` code points of the UTF-8 text.
  2. Lower-cased with the fixed table in ``lower()`` (ASCII, Latin-1, Latin
     Extended-A, Greek, Cyrillic; not str.lower(), which C++ cannot reproduce).
  3. Words: maximal runs of letters (``is_letter()``: fixed code point ranges);
     an apostrophe (' U+2019 U+02BC, stored as ') belongs to a word only between two
     letters (l'homme, don't).  Everything else (digits, punctuation, spaces)
     separates words.
  4. Each word is padded with one space on both sides; its character n-grams of
     orders ``min_order``..``max_order`` are features (except the two lone spaces),
     and so is the whole padded word when it is longer than ``max_order``.
  5. Feature id = FNV-1a 32-bit hash of the n-gram's UTF-8 bytes % ``num_buckets``.

Scoring: s_c = sum over feature occurrences of log P(f | c) (uniform prior);
logits = s * scale * n^(-length_exponent) with n the number of occurrences;
probabilities = softmax(logits).  ``scale`` and ``length_exponent`` are fitted
on the validation splits by log-loss.  The answer is the most probable language
and its probability, or "und" with confidence 0 (as translator.proto defines)
when the text has no letters, when the best probability is below
``min_confidence``, or when the text's n-grams are unlike all four languages:
s_best / n below ``min_mean_log_prob`` (the ``--ood_quantile`` quantile of the
validation texts), which catches other scripts and languages such as Czech;
a softmax over four languages alone is confident about any text at all.

File (``--out``, little-endian):
  8 bytes    magic "SHOPLID1"
  uint32     header length H
  H bytes    JSON header: languages, num_buckets, min_order, max_order,
             max_chars, scale, length_exponent, min_confidence,
             min_mean_log_prob, hash, version (a digest of the rest), ...
  float32    log P(f | c), num_buckets rows x len(languages) columns

Training text comes from the translator's training splits only
(``data.training_pairs``: since v6 Tatoeba-Anki, MASSIVE, BConTrasT and shop-ui
besides Multi30k, IKEA, Fashion12K and Tatoeba eng-spa), tuning from the
validation splits (``data.validation_sets``); ``langid_eval.py`` scores the test
splits.

Example:
  /usr/bin/python3 services/translator/langid_train.py --out build/langid/langid.bin
"""
import argparse
import hashlib
import json
import math
import os
import random
import struct
import sys
import time
from collections import Counter
from typing import Dict, Iterable, List, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es")
MAGIC = b"SHOPLID1"
UNDETERMINED = "und"
DEFAULT_OUT = os.path.join(data.REPO_ROOT, "build", "langid", "langid.bin")

_APOSTROPHES = (0x27, 0x2019, 0x2BC)

# Code point ranges (inclusive) counted as letters: Latin (with IPA and combining
# diacritics, so decomposed accents stay inside their word), Greek, Cyrillic,
# Armenian, Hebrew, Arabic, Indic, Thai, Georgian, Hangul, kana and CJK.
_LETTER_RANGES = (
    (0x41, 0x5A), (0x61, 0x7A), (0xAA, 0xAA), (0xB5, 0xB5), (0xBA, 0xBA),
    (0xC0, 0xD6), (0xD8, 0xF6), (0xF8, 0x2AF), (0x300, 0x36F), (0x370, 0x373),
    (0x376, 0x377), (0x37B, 0x37D), (0x386, 0x386), (0x388, 0x3FF), (0x400, 0x481),
    (0x48A, 0x52F), (0x531, 0x556), (0x561, 0x587), (0x5D0, 0x5EA), (0x620, 0x64A),
    (0x671, 0x6D3), (0x900, 0xDFF), (0xE01, 0xE3A), (0xE40, 0xE4E), (0x10A0, 0x10FF),
    (0x1100, 0x11FF), (0x1E00, 0x1EFF), (0x3041, 0x3096), (0x30A1, 0x30FA),
    (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7A3), (0xF900, 0xFAFF),
)


def is_letter(cp: int) -> bool:
    for lo, hi in _LETTER_RANGES:
        if cp < lo:
            return False
        if cp <= hi:
            return True
    return False


def lower(cp: int) -> int:
    """The lower-casing table both implementations share."""
    if 0x41 <= cp <= 0x5A:
        return cp + 0x20
    if cp < 0xC0:
        return cp
    if cp <= 0xDE:
        return cp if cp == 0xD7 else cp + 0x20
    if 0x100 <= cp <= 0x17F:
        if cp == 0x130:  # I with dot above
            return 0x69
        if cp <= 0x137 or 0x14A <= cp <= 0x177:
            return cp | 1
        if 0x139 <= cp <= 0x148 or 0x179 <= cp <= 0x17E:
            return cp + 1 if cp & 1 else cp
        if cp == 0x178:  # Y with diaeresis
            return 0xFF
        return cp
    if 0x391 <= cp <= 0x3A9 and cp != 0x3A2:
        return cp + 0x20
    if 0x410 <= cp <= 0x42F:
        return cp + 0x20
    if 0x400 <= cp <= 0x40F:
        return cp + 0x50
    if cp == 0x1E9E:  # capital sharp s
        return 0xDF
    return cp


def words(text: str, max_chars: int) -> List[str]:
    cps = [ord(c) for c in text[:max_chars]]
    out: List[str] = []
    current: List[int] = []
    for i, cp in enumerate(cps):
        if is_letter(cp):
            current.append(lower(cp))
        elif (cp in _APOSTROPHES and current and i + 1 < len(cps)
              and is_letter(cps[i + 1])):
            current.append(0x27)
        elif current:
            out.append("".join(map(chr, current)))
            current = []
    if current:
        out.append("".join(map(chr, current)))
    return out


def ngrams(text: str, header: dict) -> List[str]:
    lo, hi = header["min_order"], header["max_order"]
    out: List[str] = []
    for w in words(text, header["max_chars"]):
        padded = f" {w} "
        size = len(padded)
        for n in range(lo, hi + 1):
            for i in range(size - n + 1):
                if n == 1 and (i == 0 or i == size - 1):
                    continue  # the padding spaces alone
                out.append(padded[i:i + n])
        if size > hi:
            out.append(padded)
    return out


def fnv1a32(b: bytes) -> int:
    h = 0x811C9DC5
    for byte in b:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return h


class _Hasher:
    """n-gram -> bucket, memoised (the same n-grams recur all the time)."""

    def __init__(self, num_buckets: int):
        self.num_buckets = num_buckets
        self.cache: Dict[str, int] = {}

    def __call__(self, gram: str) -> int:
        b = self.cache.get(gram)
        if b is None:
            b = fnv1a32(gram.encode("utf-8")) % self.num_buckets
            self.cache[gram] = b
        return b


class LanguageIdentifier:
    """Python twin of shop::translator::LanguageDetector, reading the same file."""

    def __init__(self, header: dict, log_probs: np.ndarray):
        self.header = header
        self.languages = list(header["languages"])
        self.log_probs = log_probs.astype(np.float64)  # float32 in the file, summed in double
        self._hash = _Hasher(header["num_buckets"])

    @staticmethod
    def load(path: str) -> "LanguageIdentifier":
        with open(path, "rb") as f:
            blob = f.read()
        if blob[:8] != MAGIC:
            raise ValueError(f"{path}: not a language id model (bad magic)")
        (hlen,) = struct.unpack_from("<I", blob, 8)
        header = json.loads(blob[12:12 + hlen].decode("utf-8"))
        rows, cols = header["num_buckets"], len(header["languages"])
        weights = np.frombuffer(blob, dtype="<f4", count=rows * cols, offset=12 + hlen)
        if 12 + hlen + 4 * rows * cols != len(blob):
            raise ValueError(f"{path}: size does not match its header")
        return LanguageIdentifier(header, weights.reshape(rows, cols))

    def save(self, path: str) -> None:
        weights = self.log_probs.astype("<f4").tobytes()
        self.header.pop("version", None)
        digest = hashlib.sha256(json.dumps(self.header, sort_keys=True).encode() + weights)
        self.header["version"] = "langid-" + digest.hexdigest()[:12]
        header = json.dumps(self.header, sort_keys=True).encode("utf-8")
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        tmp = path + ".tmp"
        with open(tmp, "wb") as f:
            f.write(MAGIC + struct.pack("<I", len(header)) + header)
            f.write(weights)
        os.replace(tmp, path)

    def feature_ids(self, text: str) -> List[int]:
        return [self._hash(g) for g in ngrams(text, self.header)]

    def scores(self, text: str) -> Tuple[np.ndarray, int]:
        """(sum of log P(f | c) per language, number of feature occurrences)."""
        ids = self.feature_ids(text)
        if not ids:
            return np.zeros(len(self.languages)), 0
        return self.log_probs[ids].sum(axis=0), len(ids)

    def probabilities(self, text: str) -> List[float]:
        """Per-language probabilities (order of ``languages``); all 0 without letters."""
        s, n = self.scores(text)
        if n == 0:
            return [0.0] * len(self.languages)
        return list(_softmax(s * _temperature(self.header, n)))

    def detect(self, text: str) -> Tuple[str, float]:
        """(language, its probability), or ("und", 0) as the API defines it."""
        s, n = self.scores(text)
        if n == 0:
            return UNDETERMINED, 0.0
        p = _softmax(s * _temperature(self.header, n))
        best = int(np.argmax(p))
        if p[best] < self.header["min_confidence"] or s[best] / n < self.header["min_mean_log_prob"]:
            return UNDETERMINED, 0.0
        return self.languages[best], float(p[best])


def _temperature(header: dict, n: int) -> float:
    return header["scale"] * n ** (-header["length_exponent"])


def _softmax(x: np.ndarray) -> np.ndarray:
    e = np.exp(x - x.max())
    return e / e.sum()


def _unique(texts: Iterable[str]) -> List[str]:
    return list(dict.fromkeys(t for t in texts if t))


def texts_by_language(pairs: Sequence[data.Pair]) -> Dict[str, List[str]]:
    out: Dict[str, List[str]] = {lang: [] for lang in LANGUAGES}
    for sl, tl, s, t in pairs:
        out[sl].append(s)
        out[tl].append(t)
    return {lang: _unique(texts) for lang, texts in out.items()}


def validation_texts(data_dir: str) -> Dict[str, List[str]]:
    """Validation splits only: the translator's (data.validation_sets: Multi30k val, IKEA
    val, Fashion12K and Tatoeba val, MASSIVE dev, shop-ui dev, BConTrasT dev)."""
    pairs: List[data.Pair] = [p for ps in data.validation_sets(data_dir).values() for p in ps]
    return texts_by_language(pairs)


def short_fragments(texts: Sequence[str], seed: int, max_words: int = 4) -> List[str]:
    """One random run of 1..max_words words per text: the shape of product titles."""
    rng = random.Random(seed)
    out = []
    for t in texts:
        toks = t.split()
        n = rng.randint(1, min(max_words, len(toks)))
        i = rng.randint(0, len(toks) - n)
        out.append(" ".join(toks[i:i + n]))
    return out


def count_features(texts_per_lang: Dict[str, List[str]], header: dict) -> np.ndarray:
    hasher = _Hasher(header["num_buckets"])
    counts = np.zeros((header["num_buckets"], len(LANGUAGES)), dtype=np.int64)
    for j, lang in enumerate(LANGUAGES):
        grams: Counter = Counter()
        for t in texts_per_lang[lang]:
            grams.update(ngrams(t, header))
        for g, c in grams.items():
            counts[hasher(g), j] += c
    return counts


def log_probabilities(counts: np.ndarray, alpha: float) -> np.ndarray:
    smoothed = counts + alpha
    return np.log(smoothed / smoothed.sum(axis=0, keepdims=True))


def fit_temperature(model: LanguageIdentifier, texts: Dict[str, List[str]]):
    """Grid search of (scale, length_exponent) minimising validation log-loss."""
    rows = []  # (score vector, n, gold index)
    for j, lang in enumerate(LANGUAGES):
        for t in texts[lang]:
            s, n = model.scores(t)
            if n:
                rows.append((s, n, j))
    s = np.stack([r[0] for r in rows])
    n = np.array([r[1] for r in rows], dtype=np.float64)
    gold = np.array([r[2] for r in rows])
    best = None
    for exponent in (0.0, 0.25, 0.5, 0.75, 1.0):
        for scale in np.exp(np.linspace(math.log(0.01), math.log(100.0), 81)):
            z = s * (scale * n ** (-exponent))[:, None]
            z -= z.max(axis=1, keepdims=True)
            logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
            loss = -logp[np.arange(len(gold)), gold].mean()
            if best is None or loss < best[0]:
                best = (loss, float(scale), exponent)
    return best


def accuracy(model: LanguageIdentifier, texts: Dict[str, List[str]]) -> float:
    right = total = 0
    for j, lang in enumerate(LANGUAGES):
        for t in texts[lang]:
            s, n = model.scores(t)
            right += n > 0 and int(np.argmax(s)) == j
            total += 1
    return right / max(total, 1)


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data_dir", default=data.default_data_dir())
    parser.add_argument("--out", default=DEFAULT_OUT)
    parser.add_argument("--num_buckets", type=int, default=1 << 17)
    parser.add_argument("--min_order", type=int, default=1)
    parser.add_argument("--max_order", type=int, default=5)
    parser.add_argument("--max_chars", type=int, default=1000,
                        help="only the first code points of a text are looked at")
    parser.add_argument("--alphas", default="0.01,0.03,0.1,0.3,1",
                        help="add-alpha smoothing values tried on the validation splits")
    parser.add_argument("--min_confidence", type=float, default=0.5,
                        help="below this the detector answers 'und'")
    parser.add_argument("--ood_quantile", type=float, default=0.002,
                        help="share of validation texts the out-of-distribution test may reject")
    args = parser.parse_args()

    t0 = time.time()
    header = {
        "format": 1, "model": "multinomial naive Bayes, hashed char n-grams",
        "languages": list(LANGUAGES), "num_buckets": args.num_buckets,
        "min_order": args.min_order, "max_order": args.max_order, "max_chars": args.max_chars,
        "hash": "fnv1a32", "min_confidence": args.min_confidence,
        "scale": 1.0, "length_exponent": 0.0, "min_mean_log_prob": -1e30,
    }
    train = texts_by_language(data.training_pairs(args.data_dir))
    val = validation_texts(args.data_dir)
    # Tune on whole validation sentences and on their short fragments alike.
    val_tune = {lang: val[lang] + short_fragments(val[lang], seed=1) for lang in LANGUAGES}
    print("training texts: " + ", ".join(f"{k} {len(v)}" for k, v in train.items()), flush=True)
    counts = count_features(train, header)
    print(f"counted n-grams in {time.time() - t0:.0f}s", flush=True)

    best = None
    for alpha in (float(a) for a in args.alphas.split(",")):
        model = LanguageIdentifier(dict(header), log_probabilities(counts, alpha))
        acc = accuracy(model, val_tune)
        print(f"alpha {alpha}: validation accuracy {acc:.4f}", flush=True)
        if best is None or acc > best[0]:
            best = (acc, alpha, model)
    _, alpha, model = best
    loss, scale, exponent = fit_temperature(model, val_tune)
    # What the file will hold (float32), so that what follows is the file's.
    model.log_probs = model.log_probs.astype(np.float32).astype(np.float64)
    mean_log_probs = []
    for lang in LANGUAGES:
        for t in val_tune[lang]:
            s, n = model.scores(t)
            if n:
                mean_log_probs.append(s.max() / n)
    min_mean = float(np.quantile(mean_log_probs, args.ood_quantile))
    model.header.update(alpha=alpha, scale=scale, length_exponent=exponent,
                        min_mean_log_prob=round(min_mean, 3),
                        training_data="translator training splits (data.training_pairs): "
                                      "Tatoeba-Anki, MASSIVE, BConTrasT, shop-ui, Multi30k, IKEA, "
                                      "Fashion12K, Tatoeba eng-spa")
    print(f"alpha {alpha}, scale {scale:.4f}, length_exponent {exponent}: "
          f"validation log-loss {loss:.4f}; min_mean_log_prob {min_mean:.3f}", flush=True)
    model.save(args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) "
          f"in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
