"""Datasets and the featurizer of the support-bot intent classifier.

Featurizer (mirrored byte for byte by services/support-bot/intent_classifier.cc):

1. Words.  The UTF-8 bytes of the text are scanned once:
   - ASCII A-Z are lower-cased;
   - apostrophes (U+0027 and U+2019) are dropped, so "don't" -> "dont";
   - ASCII a-z and every byte >= 0x80 (non-ASCII letters) extend the current word;
   - a run of ASCII digits adds a single "0" to the current word ("#12588" -> "0",
     "2nd" -> "0nd", "$29.99" -> "0", "0");
   - every other byte ends the current word.
   Only the first ``max_words`` words are used.
2. Feature keys (byte strings), in this order:
   - ``b"w" + word`` for each word;
   - ``b"b" + left + b" " + right`` for each adjacent pair of ``["<s>"] + words + ["</s>"]``;
   - ``b"c" + gram`` for each byte n-gram (n in [min_n, max_n]) of ``b"<" + word + b">"``,
     word by word, n ascending, then left to right;
   - with pretrained word vectors (featurizer setting "pretrained"), ``b"p" + word`` for
     each word once more.
3. Each key is hashed with 64-bit FNV-1a (offset 0xcbf29ce484222325, prime 0x100000001b3)
   and looked up in the vocabulary (features.txt: one 16-hex-digit hash per line, the line
   at index i has id ``FIRST_ID + i``).  Keys not in it become the unknown id of their kind
   (UNK_WORD, UNK_BIGRAM, UNK_CHAR); a "p" key not in it (a word without a vector) is
   dropped.  Id 0 is padding.
The vocabulary lists the kinds in order (words, then bigrams, then char n-grams, then the
words of the pretrained vectors, in the vectors' row order), so a feature's kind follows
from its id range (``ranges`` in the vocabulary object).
"""
import csv
import json
import os
import pathlib
from collections import Counter

REPO_ROOT = pathlib.Path(__file__).resolve().parents[3]

PAD, UNK_WORD, UNK_BIGRAM, UNK_CHAR = 0, 1, 2, 3
FIRST_ID = 4
KINDS = ("word", "bigram", "char", "pword")
# "pword": a word looked up in the pretrained word vectors (pretrain_words.py), when the
# featurizer has them.  It has no unknown id: a word without a vector is dropped.
UNK_OF_KIND = {"word": UNK_WORD, "bigram": UNK_BIGRAM, "char": UNK_CHAR, "pword": PAD}

FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3
MASK64 = (1 << 64) - 1


def default_data_dir():
    return os.environ.get("SHOP_DATA_DIR", str(REPO_ROOT.parent / "shared" / "data"))


# ----------------------------------------------------------------------------- datasets

BITEXT_FILES = {
    "train": "Bitext_Sample_Customer_Service_Training_Dataset.csv",
    "val": "Bitext_Sample_Customer_Service_Validation_Dataset.csv",
    "test": "Bitext_Sample_Customer_Service_Testing_Dataset.csv",
}
OOS = "oos"


def load_bitext(data_dir):
    """{"train"|"val"|"test": [(utterance, intent)]} from support/bitext-intent."""
    out = {}
    for split, name in BITEXT_FILES.items():
        path = os.path.join(data_dir, "support", "bitext-intent", name)
        with open(path, newline="", encoding="utf-8") as f:
            out[split] = [(r["utterance"], r["intent"]) for r in csv.DictReader(f)]
    return out


def load_clinc150(data_dir):
    """{"train"|"val"|"test"|"oos_train"|"oos_val"|"oos_test": [(utterance, intent)]}
    from support/clinc150/data_full.json (oos examples carry the label "oos")."""
    path = os.path.join(data_dir, "support", "clinc150", "data_full.json")
    with open(path, encoding="utf-8") as f:
        raw = json.load(f)
    return {k: [(t, y) for t, y in v] for k, v in raw.items()}


# CLINC150 domains that share nothing with a shop's customer support (banking,
# credit_cards, home -- order_status, order, shopping_list -- and meta -- "cancel" -- do).
NEGATIVE_DOMAINS = ("kitchen_and_dining", "auto_and_commute", "travel", "utility", "work", "small_talk")


def clinc150_negatives(data_dir, per_intent=20):
    """Out-of-scope training examples for the bitext model: the first `per_intent` train
    utterances of each intent of NEGATIVE_DOMAINS, plus CLINC150's oos_train, labelled
    "oos".  Only train splits: CLINC150's val/test stay untouched for evaluation."""
    clinc = load_clinc150(data_dir)
    with open(os.path.join(data_dir, "support", "clinc150", "domains.json"), encoding="utf-8") as f:
        domains = json.load(f)
    intents = {i for d in NEGATIVE_DOMAINS for i in domains[d]}
    taken = Counter()
    out = []
    for t, y in clinc["train"]:
        if y in intents and taken[y] < per_intent:
            taken[y] += 1
            out.append((t, OOS))
    return out + [(t, OOS) for t, _ in clinc["oos_train"]]


# The hand-written multilingual test set (multilingual_test/README.md): test only.
MULTILINGUAL_LANGUAGES = ("en", "de", "fr", "es")
MULTILINGUAL_DIR = REPO_ROOT / "services" / "support-bot" / "training" / "multilingual_test"


def load_multilingual(directory=MULTILINGUAL_DIR, languages=MULTILINGUAL_LANGUAGES, file_name=None):
    """{language: [(text, intent)]} from <directory>/<language>.tsv (or `file_name`, for one
    language): one message per line, ``text<TAB>intent``, no header; the intent is one of
    the model's labels or "oos"."""
    out = {}
    for lang in languages:
        rows = []
        name = file_name or f"{lang}.tsv"
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            for n, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if not line.strip():
                    continue
                parts = line.split("\t")
                if len(parts) != 2 or not parts[0].strip() or not parts[1].strip():
                    raise ValueError(f"{name} line {n}: want text<TAB>intent, got {line!r}")
                rows.append((parts[0], parts[1]))
        out[lang] = rows
    return out


# Hand-written multilingual training and development messages (multilingual_train/README.md).
MULTILINGUAL_TRAIN_DIR = REPO_ROOT / "services" / "support-bot" / "training" / "multilingual_train"


def load_multilingual_split(split, directory=MULTILINGUAL_TRAIN_DIR, languages=MULTILINGUAL_LANGUAGES):
    """{language: [(text, intent)]} from <directory>/<language>.<split>.tsv (same format as
    the test set's files), split "train" or "dev"."""
    out = {}
    for lang in languages:
        path = os.path.join(directory, f"{lang}.{split}.tsv")
        out[lang] = load_multilingual(directory, (lang,), file_name=os.path.basename(path))[lang]
    return out


# Words that make a MASSIVE request shop-like (ordering, paying, delivering, and the
# takeaway requests "how long until my pizza is here"): such a request is not used as an
# out-of-scope example.  English side, lower-case words.
SHOP_WORDS = frozenset("""order orders ordered ordering buy bought purchase purchased shop shopping
cart deliver delivery delivered package parcel shipping ship shipped refund return returned
account password invoice bill pay paid payment card paypal amazon price cost costs complaint
complain subscription subscribe unsubscribe newsletter customer service agent address track
tracking cancel cancellation review rating takeaway takeout pizza arrive arrives arriving status
ready""".split())


def massive_negatives(data_dir, per_language=400, languages=("de", "fr", "es"), seed=20261206):
    """Out-of-scope examples in every language from MASSIVE's train split (voice-assistant
    requests: alarms, music, weather, smart home...): per language, `per_language` pairs
    drawn with a fixed seed among those whose English has none of SHOP_WORDS, giving the
    foreign side and, for the first language, the English side too.  Labelled "oos".
    MASSIVE's dev and test splits are never read."""
    import random
    out = []
    for k, lang in enumerate(languages):
        path = os.path.join(data_dir, "nmt", "massive", f"train.en-{lang}.tsv")
        pairs = []
        with open(path, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) != 2:
                    continue
                if SHOP_WORDS.isdisjoint(w.decode("utf-8", "replace") for w in words_of(cols[0])):
                    pairs.append(cols)
        for en, other in random.Random(seed + k).sample(pairs, min(per_language, len(pairs))):
            out.append((other, OOS))
            if k == 0:
                out.append((en, OOS))
    return out


def load_dataset(name, data_dir):
    if name == "bitext":
        return load_bitext(data_dir)
    if name == "clinc150":
        return load_clinc150(data_dir)
    raise ValueError(f"unknown dataset {name!r} (bitext, clinc150)")


# ----------------------------------------------------------------------------- features

def fnv1a64(data: bytes) -> int:
    h = FNV_OFFSET
    for b in data:
        h ^= b
        h = (h * FNV_PRIME) & MASK64
    return h


def words_of(text, max_words=64):
    """The normalized words of `text` as byte strings (see the module docstring)."""
    data = text.encode("utf-8")
    words, cur = [], bytearray()
    in_digits = False
    i, n = 0, len(data)
    while i < n:
        b = data[i]
        if b == 0x27:  # '
            i += 1
            continue
        if b == 0xE2 and i + 2 < n and data[i + 1] == 0x80 and data[i + 2] == 0x99:  # U+2019
            i += 3
            continue
        if 65 <= b <= 90:
            b += 32
        if 97 <= b <= 122 or b >= 0x80:
            cur.append(b)
            in_digits = False
        elif 48 <= b <= 57:
            if not in_digits:
                cur.append(0x30)
                in_digits = True
        else:
            if cur:
                words.append(bytes(cur))
                if len(words) == max_words:
                    return words
                cur = bytearray()
            in_digits = False
        i += 1
    if cur and len(words) < max_words:
        words.append(bytes(cur))
    return words


def feature_keys(text, cfg):
    """[(kind, key bytes)] in featurizer order."""
    words = words_of(text, cfg["max_words"])
    keys = [("word", b"w" + w) for w in words]
    seq = [b"<s>"] + words + [b"</s>"]
    keys += [("bigram", b"b" + a + b" " + c) for a, c in zip(seq, seq[1:])]
    lo, hi = cfg["min_n"], cfg["max_n"]
    for w in words:
        s = b"<" + w + b">"
        for n in range(lo, hi + 1):
            for j in range(0, len(s) - n + 1):
                keys.append(("char", b"c" + s[j:j + n]))
    if cfg.get("pretrained"):
        keys += [("pword", b"p" + w) for w in words]
    return keys


DEFAULT_FEATURIZER = {"max_words": 64, "min_n": 3, "max_n": 5, "min_count": {"word": 1, "bigram": 2, "char": 2}}


class Vocabulary:
    """Feature hash -> id, built from training texts."""

    def __init__(self, cfg, hashes_by_kind):
        self.cfg = dict(cfg)
        self.hashes = []
        self.ranges = {}
        for kind in KINDS:
            if kind not in hashes_by_kind:
                continue  # pword, when the featurizer has no pretrained vectors
            start = FIRST_ID + len(self.hashes)
            self.hashes += hashes_by_kind[kind]
            self.ranges[kind] = [start, FIRST_ID + len(self.hashes)]
        self.index = {h: FIRST_ID + i for i, h in enumerate(self.hashes)}
        if len(self.index) != len(self.hashes):
            raise ValueError("duplicate feature hash across kinds")

    @property
    def size(self):
        return FIRST_ID + len(self.hashes)

    @classmethod
    def build(cls, texts, cfg=None, pretrained_words=None):
        """The vocabulary of `texts`; with `pretrained_words` (the rows of the pretrained
        vectors, in order) the pword kind lists exactly those words."""
        cfg = dict(cfg or DEFAULT_FEATURIZER)
        counts = {k: Counter() for k in KINDS}
        for t in texts:
            for kind, key in feature_keys(t, cfg):
                counts[kind][fnv1a64(key)] += 1
        by_kind = {}
        if cfg.get("pretrained"):
            by_kind["pword"] = [fnv1a64(b"p" + w.encode("utf-8")) for w in pretrained_words]
        for kind in KINDS:
            if kind == "pword":
                continue
            keep = [(h, c) for h, c in counts[kind].items() if c >= cfg["min_count"][kind]]
            keep.sort(key=lambda hc: (-hc[1], hc[0]))  # frequent first, deterministic
            by_kind[kind] = [h for h, _ in keep]
        return cls(cfg, by_kind)

    def encode(self, text):
        ids = []
        for kind, key in feature_keys(text, self.cfg):
            i = self.index.get(fnv1a64(key), UNK_OF_KIND[kind])
            if i != PAD:
                ids.append(i)
        return ids

    def to_json(self):
        return {"featurizer": self.cfg, "ranges": self.ranges}

    def save_features(self, path):
        with open(path, "w") as f:
            for h in self.hashes:
                f.write(f"{h:016x}\n")

    @classmethod
    def load(cls, features_path, meta):
        with open(features_path) as f:
            hashes = [int(line, 16) for line in f if line.strip()]
        by_kind = {}
        for kind in KINDS:
            if kind not in meta["ranges"]:
                continue
            a, b = meta["ranges"][kind]
            by_kind[kind] = hashes[a - FIRST_ID:b - FIRST_ID]
        return cls(meta["featurizer"], by_kind)

    def state(self):
        return {"cfg": self.cfg, "hashes": list(self.hashes), "ranges": self.ranges}

    @classmethod
    def from_state(cls, st):
        by_kind = {}
        for kind in KINDS:
            if kind not in st["ranges"]:
                continue
            a, b = st["ranges"][kind]
            by_kind[kind] = st["hashes"][a - FIRST_ID:b - FIRST_ID]
        return cls(st["cfg"], by_kind)


def pad_batch(id_lists, min_len=1):
    """int64 tensor [B, L] padded with 0."""
    import torch
    L = max([min_len] + [len(x) for x in id_lists])
    out = torch.zeros(len(id_lists), L, dtype=torch.long)
    for i, x in enumerate(id_lists):
        if x:
            out[i, :len(x)] = torch.tensor(x, dtype=torch.long)
    return out
