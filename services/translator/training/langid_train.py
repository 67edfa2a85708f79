"""Train the language identifier behind DetectLanguage and ``source_language=auto``.

Model: a linear classifier over hashed character n-grams, with a length-aware
temperature so that its confidence means something on two-word product titles as
well as on paragraphs: a table of one weight per bucket and language, started as
multinomial naive Bayes (log P(f | c)) and then fine-tuned as a logistic regression
(see Training).  Languages: en, de, fr, es (the training corpora hold no other
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

Scoring: s_c = sum over feature occurrences of the table's weight w(f, c) (no
prior); logits = s * scale * n^(-length_exponent) with n the number of occurrences;
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
  float32    w(f, c), num_buckets rows x len(languages) columns

Training:
  1. Naive Bayes: feature counts per language over the training texts, add-alpha
     smoothed (alpha from ``--alphas`` by validation accuracy): w = log P(f | c).
     With ``--epochs 0`` training stops here (and then writes v6's file, bit for bit).
  2. Fine-tuning (the default since v6's file): naive Bayes counts every n-gram as
     independent evidence, so in a short request the n-grams of English names and
     titles outvote the one German word around them ("spiel hurts like heaven" was
     English), and n-grams common to several languages count as much as telling
     ones.  The table is trained further as the weights of a multinomial logistic
     regression under the file's own scoring rule (so the C++ reads it unchanged):
     softmax cross-entropy of the logits above, every training text once whole and
     once as a random run of 1..``--max_fragment_words`` words per epoch (short
     input is where the detector is weakest), every language weighing the same,
     Adam from the naive Bayes table for ``--epochs`` passes with the step size
     falling linearly to 0, the temperature's scale learnt alongside.  Only the
     differences between languages are learnt: every bucket keeps naive Bayes'
     mean over the languages, which the softmax ignores, so s_best / n still
     measures how probable a text's n-grams are at all and the out-of-distribution
     test keeps catching other scripts and languages.  The weights are then no
     longer log probabilities; ``--l2`` pulls them toward naive Bayes (the
     validation log-loss was best without: the few epochs are the regulariser).
     With the defaults (12 epochs, chosen by validation log-loss), the share of
     MASSIVE dev texts (lowercase requests with English names inside) answered with
     their language went from 98.3/98.7/99.2/99.1 % (de/fr/es/en) to
     99.3/99.3/99.6/99.4 %, the validation log-loss from 0.100 to 0.060.
  3. ``scale``, ``length_exponent``, ``min_mean_log_prob`` fitted on the
     validation texts as above.
Training works on word ids (``WordTable``): every distinct word's buckets are
hashed once, which also makes counting take seconds instead of minutes.  Naive
Bayes is counting and the fine-tuning is seeded numpy summed in a fixed order, so
a run repeats itself exactly on one machine; another CPU may round numpy's exp/log
differently in the last bit and write a file with another version.  The C++ test
hard-codes the probabilities of a checked-in file, not those of a new run.

Training text comes from the translator's training splits only
(``data.training_pairs``: since v6 Tatoeba-Anki, MASSIVE, BConTrasT and shop-ui
besides Multi30k, IKEA, Fashion12K and Tatoeba eng-spa; lower-casing and
punctuation do not change the features, so lower-cased or unpunctuated copies of
the cased corpora would add nothing), tuning from the validation splits
(``data.validation_sets``, MASSIVE dev among them); ``langid_eval.py`` scores the
test splits.

Example (about 5 minutes on 2 cores shared with other work; ``--epochs 0``: 2 minutes):
  /usr/bin/python3 services/translator/training/langid_train.py --out build/langid/langid.bin
"""
import argparse
import hashlib
import json
import math
import os
import random
import re
import struct
import sys
import time
from typing import Dict, Iterable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

LANGUAGES = ("en", "de", "fr", "es")
MAGIC = b"SHOPLID1"
UNDETERMINED = "und"
DEFAULT_OUT = os.path.join(data.REPO_ROOT, "build", "langid", "langid.bin")
# Fine-tuning defaults (--epochs 0 gives plain naive Bayes); chosen on the validation splits.
FINE_TUNE = {"epochs": 12, "lr": 0.03, "lr_decay": 1, "l2": 0.0, "batch": 2048,
             "max_fragment_words": 4, "fragment_weight": 1.0, "seed": 1}

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


def word_ngrams(w: str, lo: int, hi: int) -> List[str]:
    """The features of one word (point 4 of the docstring)."""
    padded = f" {w} "
    size = len(padded)
    out: List[str] = []
    for n in range(lo, hi + 1):
        for i in range(size - n + 1):
            if n == 1 and (i == 0 or i == size - 1):
                continue  # the padding spaces alone
            out.append(padded[i:i + n])
    if size > hi:
        out.append(padded)
    return out


def ngrams(text: str, header: dict) -> List[str]:
    lo, hi = header["min_order"], header["max_order"]
    return [g for w in words(text, header["max_chars"]) for g in word_ngrams(w, lo, hi)]


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
        # The table w(f, c) (log P(f | c) for plain naive Bayes); float32 in the file,
        # summed in double.
        self.log_probs = log_probs.astype(np.float64)
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


# ---------------------------------------------------------------------------------------
# Training works on word ids.  Training scores every text many times (alpha search,
# fine-tuning epochs, temperature fit), and deriving each word's n-grams and hashes again
# every time is what made counting alone take minutes: texts are split into words once,
# each distinct word's buckets are computed once, and a text becomes a run of word ids.

class _WordCharMap(dict):
    """str.translate table for fast_words(): a letter -> lower(letter), an apostrophe ->
    ', anything else -> a space (filled in lazily: any code point may turn up)."""

    def __missing__(self, cp: int) -> str:
        if is_letter(cp):
            v = chr(lower(cp))
        elif cp in _APOSTROPHES:
            v = "'"
        else:
            v = " "
        self[cp] = v
        return v


_WORD_CHARS = _WordCharMap()
# Runs of letters, joined by single apostrophes that have a letter on both sides.
_WORD_RE = re.compile(r"[^ ']+(?:'[^ ']+)*")


def fast_words(text: str, max_chars: int) -> List[str]:
    """words(), ten times faster (str.translate and a regex instead of a Python loop);
    main() checks that the two agree on a sample before training."""
    return _WORD_RE.findall(text[:max_chars].translate(_WORD_CHARS))


class Csr(NamedTuple):
    """Rows of ints: row i is flat[offsets[i]:offsets[i + 1]]."""
    flat: np.ndarray
    offsets: np.ndarray


def _csr(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def gather_rows(m: Csr, rows: np.ndarray, starts=None, lengths=None) -> Csr:
    """The given rows of m, concatenated (or, with starts/lengths, slices of them)."""
    begin = m.offsets[rows] if starts is None else m.offsets[rows] + starts
    lengths = m.offsets[rows + 1] - m.offsets[rows] if lengths is None else lengths
    offsets = _csr(lengths)
    idx = np.repeat(begin - offsets[:-1], lengths) + np.arange(offsets[-1])
    return Csr(m.flat[idx], offsets)


def row_sums(values: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Sum of values[offsets[i]:offsets[i + 1]] for every i (rows may be empty)."""
    cs = np.zeros((len(values) + 1,) + values.shape[1:], dtype=values.dtype)
    np.cumsum(values, axis=0, out=cs[1:])
    return cs[offsets[1:]] - cs[offsets[:-1]]


class WordTable:
    """Distinct words seen so far and the buckets of their features."""

    def __init__(self, header: dict):
        self.header = header
        self.index: Dict[str, int] = {}
        self._buckets: List[List[int]] = []
        self._hash = _Hasher(header["num_buckets"])
        self._frozen: Optional[Csr] = None

    def texts(self, texts: Sequence[str]) -> Csr:
        """Each text as a row of word ids."""
        flat: List[int] = []
        lengths = []
        h = self.header
        lo, hi, max_chars = h["min_order"], h["max_order"], h["max_chars"]
        for t in texts:
            ws = fast_words(t, max_chars)
            for w in ws:
                i = self.index.get(w)
                if i is None:
                    i = self.index[w] = len(self._buckets)
                    self._buckets.append([self._hash(g) for g in word_ngrams(w, lo, hi)])
                    self._frozen = None
                flat.append(i)
            lengths.append(len(ws))
        return Csr(np.array(flat, dtype=np.int64), _csr(np.array(lengths, dtype=np.int64)))

    def buckets(self) -> Csr:
        """Row w: the bucket of every feature occurrence of word w."""
        if self._frozen is None:
            self._frozen = Csr(np.array([b for bs in self._buckets for b in bs], dtype=np.int64),
                               _csr(np.array([len(bs) for bs in self._buckets], dtype=np.int64)))
        return self._frozen


def table_scores(table: np.ndarray, words: WordTable, texts: Csr) -> Tuple[np.ndarray, np.ndarray]:
    """What LanguageIdentifier.scores() gives for each text: (sums [texts, languages],
    feature occurrences [texts]), summed in double from the float32 the file will hold."""
    wb = words.buckets()
    per_word = row_sums(table.astype(np.float32).astype(np.float64)[wb.flat], wb.offsets)
    per_word_n = np.diff(wb.offsets)
    return (row_sums(per_word[texts.flat], texts.offsets),
            row_sums(per_word_n[texts.flat], texts.offsets))


def stacked(words: WordTable, texts: Dict[str, Csr], table: np.ndarray):
    """Scores of every language's texts in one array: (sums, n, gold language index)."""
    parts = [(table_scores(table, words, texts[lang]), j) for j, lang in enumerate(LANGUAGES)]
    s = np.concatenate([p[0][0] for p in parts])
    n = np.concatenate([p[0][1] for p in parts])
    gold = np.concatenate([np.full(len(p[0][1]), p[1]) for p in parts])
    return s, n, gold


def count_features(words: WordTable, texts: Dict[str, Csr], num_buckets: int) -> np.ndarray:
    """counts[bucket, language]: feature occurrences in the training texts."""
    wb = words.buckets()
    per_word_n = np.diff(wb.offsets)
    counts = np.zeros((num_buckets, len(LANGUAGES)), dtype=np.int64)
    for j, lang in enumerate(LANGUAGES):
        occurrences = np.bincount(texts[lang].flat, minlength=len(per_word_n))
        counts[:, j] = np.bincount(wb.flat, weights=np.repeat(occurrences, per_word_n),
                                   minlength=num_buckets).round().astype(np.int64)
    return counts


def log_probabilities(counts: np.ndarray, alpha: float) -> np.ndarray:
    smoothed = counts + alpha
    return np.log(smoothed / smoothed.sum(axis=0, keepdims=True))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    return z - np.log(np.exp(z).sum(axis=1, keepdims=True))


def fit_temperature(s: np.ndarray, n: np.ndarray, gold: np.ndarray):
    """Grid search of (scale, length_exponent) minimising validation log-loss."""
    keep = n > 0
    s, n, gold = s[keep], n[keep].astype(np.float64), gold[keep]
    s = s - s.max(axis=1, keepdims=True)  # the softmax does not see a shift per text
    best = None
    for exponent in (0.0, 0.25, 0.5, 0.75, 1.0):
        for scale in np.exp(np.linspace(math.log(0.01), math.log(100.0), 81)):
            logp = _log_softmax(s * (scale * n ** (-exponent))[:, None])
            loss = -logp[np.arange(len(gold)), gold].mean()
            if best is None or loss < best[0]:
                best = (loss, float(scale), exponent)
    return best


def accuracy(s: np.ndarray, n: np.ndarray, gold: np.ndarray) -> float:
    """Share of texts whose best-scoring language is right (no letters: wrong)."""
    return float(((n > 0) & (s.argmax(axis=1) == gold)).mean())


def fine_tune(words: WordTable, train: Dict[str, Csr], table: np.ndarray, scale: float,
              exponent: float, args, log=print) -> np.ndarray:
    """Discriminative training of the naive Bayes table (see the docstring): returns
    table + delta, delta fitted by softmax cross-entropy under the file's own scoring."""
    rng = np.random.default_rng(args.seed)
    num_buckets, num_langs = table.shape
    wb = words.buckets()
    per_word_n = np.diff(wb.offsets)
    per_word_nb = row_sums(table[wb.flat], wb.offsets)  # the fixed part of every score
    all_texts = Csr(np.concatenate([train[lang].flat for lang in LANGUAGES]),
                    _csr(np.concatenate([np.diff(train[lang].offsets) for lang in LANGUAGES])))
    gold_all = np.concatenate([np.full(len(train[lang].offsets) - 1, j)
                               for j, lang in enumerate(LANGUAGES)])
    words_per_text = np.diff(all_texts.offsets)
    texts = np.nonzero(words_per_text > 0)[0]
    # Every language weighs the same in the loss, however much text it has (there is no
    # prior in the file to make up for an imbalance).
    per_lang = np.bincount(gold_all[texts], minlength=num_langs)
    class_weight = len(texts) / (num_langs * per_lang)

    # Adam on raw; delta = raw minus its mean over languages, so every bucket's mean log
    # probability stays naive Bayes' one and min_mean_log_prob keeps measuring how
    # probable a text's n-grams are at all (the softmax does not see that mean).
    raw = np.zeros((num_buckets, num_langs))
    m = np.zeros_like(raw)
    v = np.zeros_like(raw)
    log_scale = math.log(scale)
    m_s = v_s = 0.0
    beta1, beta2, eps = 0.9, 0.999, 1e-8
    step = 0
    batches_per_pass = max(1, len(texts) // args.batch)
    total_steps = args.epochs * 2 * batches_per_pass
    for epoch in range(args.epochs):
        t0 = time.time()
        # Each text once whole and once as a random run of 1..max_fragment_words words:
        # the short inputs the detector is worst at.
        jobs = [(False, b) for b in np.array_split(rng.permutation(texts), batches_per_pass)]
        jobs += [(True, b) for b in np.array_split(rng.permutation(texts), batches_per_pass)]
        total_loss = 0.0
        for k in rng.permutation(len(jobs)):
            fragment, rows = jobs[k]
            nw = words_per_text[rows]
            if fragment:
                length = rng.integers(1, np.minimum(args.max_fragment_words, nw) + 1)
                start = rng.integers(0, nw - length + 1)
                ex = gather_rows(all_texts, rows, start, length)
            else:
                ex = gather_rows(all_texts, rows)
            gold = gold_all[rows]
            b = len(rows)
            occurrences = row_sums(per_word_n[ex.flat], ex.offsets)  # n of each text
            n = occurrences.astype(np.float64)
            s0 = row_sums(per_word_nb[ex.flat], ex.offsets)
            s0 -= s0.max(axis=1, keepdims=True)
            feats = gather_rows(wb, ex.flat).flat  # the buckets of text 0, then of text 1, ...
            owner = np.repeat(np.arange(b), occurrences)
            delta = raw - raw.mean(axis=1, keepdims=True)
            s = s0 + row_sums(delta[feats], _csr(occurrences))
            temp = math.exp(log_scale) * n ** (-exponent)
            z = s * temp[:, None]
            logp = _log_softmax(z)
            w = class_weight[gold] * (args.fragment_weight if fragment else 1.0) / b
            total_loss += float(-(w * logp[np.arange(b), gold]).sum() * b)
            # d loss / d z, then back through the temperature to delta and the scale.
            g = np.exp(logp)
            g[np.arange(b), gold] -= 1.0
            g *= w[:, None]
            grad_scale = float((g * z).sum())
            g_s = g * temp[:, None]
            grad = np.stack([np.bincount(feats, weights=g_s[owner, c], minlength=num_buckets)
                             for c in range(num_langs)], axis=1)
            grad += 2.0 * args.l2 * delta
            # The step size falls linearly to 0, so that the table the run ends on is not
            # just wherever the last noisy steps left it (seeds then agree more closely).
            lr = args.lr * (1.0 - step / total_steps) if args.lr_decay else args.lr
            step += 1
            m = beta1 * m + (1 - beta1) * grad
            v = beta2 * v + (1 - beta2) * grad * grad
            c1, c2 = 1 - beta1 ** step, 1 - beta2 ** step
            raw -= lr * (m / c1) / (np.sqrt(v / c2) + eps)
            m_s = beta1 * m_s + (1 - beta1) * grad_scale
            v_s = beta2 * v_s + (1 - beta2) * grad_scale ** 2
            log_scale -= lr * (m_s / c1) / (math.sqrt(v_s / c2) + eps)
        log(f"fine-tuning epoch {epoch + 1}/{args.epochs}: training loss "
            f"{total_loss / (2 * len(texts)):.4f}, scale {math.exp(log_scale):.3f}, "
            f"{time.time() - t0:.0f}s", flush=True)
    return table + (raw - raw.mean(axis=1, keepdims=True))


def check_fast_words(texts: Dict[str, List[str]], max_chars: int, per_language: int = 3000):
    """fast_words() must split exactly as words() (and so as the C++) does."""
    for lang in LANGUAGES:
        for t in texts[lang][:per_language]:
            if fast_words(t, max_chars) != words(t, max_chars):
                raise AssertionError(f"fast_words and words disagree on {t!r}")


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
    tune = parser.add_argument_group("discriminative fine-tuning of the naive Bayes table")
    tune.add_argument("--epochs", type=int, default=FINE_TUNE["epochs"],
                      help="passes over the training texts; 0 = plain naive Bayes (v6's file)")
    tune.add_argument("--lr", type=float, default=FINE_TUNE["lr"], help="Adam step size")
    tune.add_argument("--lr_decay", type=int, default=FINE_TUNE["lr_decay"],
                      help="1: the step size falls linearly to 0 over the run; 0: constant")
    tune.add_argument("--l2", type=float, default=FINE_TUNE["l2"],
                      help="weight of the squared distance from the naive Bayes table")
    tune.add_argument("--batch", type=int, default=FINE_TUNE["batch"])
    tune.add_argument("--max_fragment_words", type=int, default=FINE_TUNE["max_fragment_words"])
    tune.add_argument("--fragment_weight", type=float, default=FINE_TUNE["fragment_weight"],
                      help="loss weight of the fragments relative to the whole texts")
    tune.add_argument("--seed", type=int, default=FINE_TUNE["seed"])
    args = parser.parse_args()

    t0 = time.time()
    header = {
        "format": 1, "model": "multinomial naive Bayes, hashed char n-grams",
        "languages": list(LANGUAGES), "num_buckets": args.num_buckets,
        "min_order": args.min_order, "max_order": args.max_order, "max_chars": args.max_chars,
        "hash": "fnv1a32", "min_confidence": args.min_confidence,
        "scale": 1.0, "length_exponent": 0.0, "min_mean_log_prob": -1e30,
    }
    train_texts = texts_by_language(data.training_pairs(args.data_dir))
    val = validation_texts(args.data_dir)
    # Tune on whole validation sentences and on their short fragments alike.
    val_tune = {lang: val[lang] + short_fragments(val[lang], seed=1) for lang in LANGUAGES}
    print("training texts: " + ", ".join(f"{k} {len(v)}" for k, v in train_texts.items()),
          flush=True)
    check_fast_words(train_texts, args.max_chars)
    check_fast_words(val_tune, args.max_chars)
    words_table = WordTable(header)
    train = {lang: words_table.texts(train_texts[lang]) for lang in LANGUAGES}
    val_ids = {lang: words_table.texts(val_tune[lang]) for lang in LANGUAGES}
    counts = count_features(words_table, train, args.num_buckets)
    print(f"counted n-grams in {time.time() - t0:.0f}s", flush=True)

    best = None
    for alpha in (float(a) for a in args.alphas.split(",")):
        acc = accuracy(*stacked(words_table, val_ids, log_probabilities(counts, alpha)))
        print(f"alpha {alpha}: validation accuracy {acc:.4f}", flush=True)
        if best is None or acc > best[0]:
            best = (acc, alpha)
    alpha = best[1]
    table = log_probabilities(counts, alpha)
    loss, scale, exponent = fit_temperature(*stacked(words_table, val_ids, table))
    if args.epochs > 0:
        print(f"naive Bayes: scale {scale:.4f}, length_exponent {exponent}: validation log-loss "
              f"{loss:.4f}", flush=True)
        table = fine_tune(words_table, train, table, scale, exponent, args)
        acc = accuracy(*stacked(words_table, val_ids, table))
        loss, scale, exponent = fit_temperature(*stacked(words_table, val_ids, table))
        print(f"fine-tuned: validation accuracy {acc:.4f}", flush=True)
        header.update(model="multinomial naive Bayes, hashed char n-grams, fine-tuned by "
                            "logistic regression",
                      fine_tuning={k: getattr(args, k) for k in FINE_TUNE})
    # What the file will hold (float32), so that what follows is the file's.
    table = table.astype(np.float32).astype(np.float64)
    s, n, _ = stacked(words_table, val_ids, table)
    keep = n > 0
    min_mean = float(np.quantile(s[keep].max(axis=1) / n[keep], args.ood_quantile))
    header.update(alpha=alpha, scale=scale, length_exponent=exponent,
                  min_mean_log_prob=round(min_mean, 3),
                  training_data="translator training splits (data.training_pairs): "
                                "Tatoeba-Anki, MASSIVE, BConTrasT, shop-ui, Multi30k, IKEA, "
                                "Fashion12K, Tatoeba eng-spa")
    print(f"alpha {alpha}, scale {scale:.4f}, length_exponent {exponent}: "
          f"validation log-loss {loss:.4f}; min_mean_log_prob {min_mean:.3f}", flush=True)
    LanguageIdentifier(header, table).save(args.out)
    print(f"wrote {args.out} ({os.path.getsize(args.out) / 1e6:.1f} MB) "
          f"in {time.time() - t0:.0f}s")


if __name__ == "__main__":
    main()
