"""Parallel corpora for the translator: loading, fixed held-out splits, light cleanup.

Every corpus is read from ``--data_dir`` (default ``$SHOP_DATA_DIR`` or
``../shared/data``) and nothing is copied into the repository.  Splits that the
upstream data does not provide (Fashion12K, Tatoeba) are drawn with a fixed
seed, so training and evaluation agree on them in every run.

A pair is ``(src_lang, tgt_lang, src_text, tgt_text)``; training uses both
directions of every pair.
"""
import gzip
import os
import random
import re
import unicodedata
from pathlib import Path
from typing import Dict, List, Tuple

REPO_ROOT = Path(__file__).resolve().parents[3]
LANGS = ("en", "de", "fr", "es")
SPLIT_SEED = 13
Pair = Tuple[str, str, str, str]


def default_data_dir() -> str:
    env = os.environ.get("SHOP_DATA_DIR")
    if env:
        return env
    return str((REPO_ROOT / ".." / "shared" / "data").resolve())


def clean(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    return re.sub(r"\s+", " ", text).strip()


def read_lines(path: Path) -> List[str]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return [clean(line.rstrip("\n")) for line in f]


_DETOK_BEFORE = re.compile(r" ([,.;:!?%)\]}])")
_DETOK_AFTER = re.compile(r"([(\[{]) ")


def detokenize_ikea(text: str) -> str:
    """IKEA text ships tokenized ("rattan , a renewable material ."); undo the
    spacing around punctuation so the model learns natural output."""
    text = _DETOK_BEFORE.sub(r"\1", text)
    text = _DETOK_AFTER.sub(r"\1", text)
    return text.replace(" ' s ", "'s ").replace(" n't", "n't")


_SENT_SPLIT = re.compile(r"(?<=[.!?])\s+(?=[A-ZÄÖÜÀ-Ý0-9\"'(])")


def split_sentences(text: str) -> List[str]:
    return [s for s in _SENT_SPLIT.split(text) if s]


def _pairs(src_lang: str, tgt_lang: str, src: List[str], tgt: List[str]) -> List[Pair]:
    assert len(src) == len(tgt), (src_lang, tgt_lang, len(src), len(tgt))
    return [(src_lang, tgt_lang, s, t) for s, t in zip(src, tgt) if s and t]


def multi30k(data_dir: str, split: str, lang: str) -> List[Pair]:
    d = Path(data_dir) / "nmt" / "multi30k"
    return _pairs("en", lang, read_lines(d / f"{split}.en.gz"), read_lines(d / f"{split}.{lang}.gz"))


def _shuffled_split(items: list, n_test: int, n_val: int, split: str) -> list:
    rng = random.Random(SPLIT_SEED)
    items = list(items)
    rng.shuffle(items)
    if split == "test":
        return items[:n_test]
    if split == "val":
        return items[n_test:n_test + n_val]
    return items[n_test + n_val:]


def fashion12k(data_dir: str, split: str) -> List[Pair]:
    """Fashion12K shopping queries, en-de; 1000 test / 500 val held out with SPLIT_SEED."""
    path = Path(data_dir) / "nmt" / "fashion12k" / "queries_full_dataset.tsv"
    rows = []
    with open(path, "rb") as f:
        next(f)  # header
        for raw in f:
            # 75 lines carry a stray Mac Roman no-break space (0xCA): read it as a space.
            line = raw.decode("utf-8", errors="replace").replace("\ufffd", " ")
            parts = line.rstrip("\r\n").split("\t")
            if len(parts) == 3:
                en, de = clean(parts[1]), clean(parts[2])
                if en and de:
                    rows.append(("en", "de", en, de))
    return _shuffled_split(rows, 1000, 500, split)


def tatoeba(data_dir: str, split: str) -> List[Pair]:
    """Tatoeba en-es.  Held out by English sentence (1000 test / 500 val groups), so
    no test sentence has another translation in training."""
    d = Path(data_dir) / "nmt" / "tatoeba-eng-spa"
    en, es = read_lines(d / "eng-spa.eng.gz"), read_lines(d / "eng-spa.spa.gz")
    groups: Dict[str, List[Pair]] = {}
    for s, t in zip(en, es):
        if s and t:
            groups.setdefault(s, []).append(("en", "es", s, t))
    keys = _shuffled_split(sorted(groups), 1000, 500, split)
    if split == "test":
        return [groups[k][0] for k in keys]  # one reference per source sentence
    return [p for k in keys for p in groups[k]]


def ikea(data_dir: str, split: str, lang: str, sentence_level: bool) -> List[Pair]:
    """IKEA product descriptions (en-de, en-fr), detokenized.  With sentence_level,
    paragraphs whose sentence counts agree are split into sentence pairs (the corpus
    is only loosely aligned); other paragraphs are kept whole when short enough."""
    d = Path(data_dir) / "nmt" / "ikea" / f"en-{lang}"
    src = [detokenize_ikea(x) for x in read_lines(d / f"{split}_WMT_2017.en.gz")]
    tgt = [detokenize_ikea(x) for x in read_lines(d / f"{split}_WMT_2017.{lang}.gz")]
    pairs = _pairs("en", lang, src, tgt)
    if not sentence_level:
        return pairs
    out: List[Pair] = []
    for sl, tl, s, t in pairs:
        ss, ts = split_sentences(s), split_sentences(t)
        if len(ss) == len(ts) and len(ss) > 1:
            out.extend((sl, tl, a, b) for a, b in zip(ss, ts))
        elif len(s.split()) <= 60 and len(t.split()) <= 60:
            out.append((sl, tl, s, t))
    return out


def _tsv(path: Path, lang: str) -> List[Pair]:
    """``English<TAB>target`` lines (the shop-text corpora's format)."""
    rows: List[Pair] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2:
                en, tgt = clean(parts[0]), clean(parts[1])
                if en and tgt:
                    rows.append(("en", lang, en, tgt))
    return rows


def tatoeba_anki(data_dir: str, lang: str) -> List[Pair]:
    """Everyday sentence pairs (Tatoeba via ManyThings Anki), training only: the files
    are already decontaminated against every evaluation set."""
    return _tsv(Path(data_dir) / "nmt" / "tatoeba-anki" / f"en-{lang}.tsv", lang)


def massive(data_dir: str, split: str, lang: str) -> List[Pair]:
    """Amazon MASSIVE assistant requests (lowercase, no punctuation), upstream splits."""
    return _tsv(Path(data_dir) / "nmt" / "massive" / f"{split}.en-{lang}.tsv", lang)


def bcontrast(data_dir: str, split: str) -> List[Pair]:
    """BConTrasT customer/agent chat turns en-de, upstream splits (test = WMT20 chat)."""
    return _tsv(Path(data_dir) / "nmt" / "bcontrast" / f"{split}.en-de.tsv", "de")


def shop_ui(data_dir: str, split: str, lang: str) -> List[Pair]:
    """Magento/Spree storefront strings with placeholders and markup.  Upstream has no
    splits: 300 pairs per language are held out (SPLIT_SEED) as a dev split for tuning
    and for checking that placeholders and markup come back intact; the rest train.
    There is no test split: real shop text is judged on held-out sets outside the repo."""
    rows = _tsv(Path(data_dir) / "nmt" / "shop-ui" / f"en-{lang}.tsv", lang)
    if split == "test":
        raise ValueError("shop-ui has no test split")
    return _shuffled_split(rows, 0, 300, "val" if split == "dev" else split)


def legacy_training_pairs(data_dir: str) -> List[Pair]:
    """v1-v5's training data: captions, fashion queries, IKEA, Tatoeba eng-spa."""
    pairs: List[Pair] = []
    for lang in ("de", "fr"):
        pairs += multi30k(data_dir, "train", lang)
        pairs += ikea(data_dir, "train", lang, sentence_level=True)
    pairs += fashion12k(data_dir, "train")
    pairs += tatoeba(data_dir, "train")
    return pairs


# v6's mix: corpus -> weight, the expected number of times each of its pairs is drawn per
# epoch (fractions are sampled anew every epoch, so over several epochs all of Tatoeba is
# seen).  The shop-domain corpora are small and are what the service is for, so they are
# drawn several times; Tatoeba-Anki is large and general; the captions are kept at half
# weight so that Multi30k quality does not regress.
TRAINING_MIX = {
    "tatoeba_anki": 0.35,
    "massive": 2.0,
    "bcontrast": 3.0,
    "shop_ui": 1.5,
    "multi30k": 0.5,
    "ikea": 1.0,
    "fashion12k": 1.0,
    "tatoeba_es": 1.0,
}


def training_corpora(data_dir: str) -> Dict[str, List[Pair]]:
    """corpus name (a key of TRAINING_MIX) -> its en-X training pairs."""
    c: Dict[str, List[Pair]] = {k: [] for k in TRAINING_MIX}
    for lang in ("de", "fr", "es"):
        c["tatoeba_anki"] += tatoeba_anki(data_dir, lang)
        c["massive"] += massive(data_dir, "train", lang)
        c["shop_ui"] += shop_ui(data_dir, "train", lang)
    for lang in ("de", "fr"):
        c["multi30k"] += multi30k(data_dir, "train", lang)
        c["ikea"] += ikea(data_dir, "train", lang, sentence_level=True)
    c["bcontrast"] = bcontrast(data_dir, "train")
    c["fashion12k"] = fashion12k(data_dir, "train")
    c["tatoeba_es"] = tatoeba(data_dir, "train")
    return c


def training_pairs(data_dir: str) -> List[Pair]:
    return [p for pairs in training_corpora(data_dir).values() for p in pairs]


def both_directions(pairs: List[Pair]) -> List[Pair]:
    return [p for sl, tl, s, t in pairs for p in ((sl, tl, s, t), (tl, sl, t, s))]


def validation_pairs(data_dir: str) -> List[Pair]:
    pairs: List[Pair] = []
    for lang in ("de", "fr"):
        pairs += multi30k(data_dir, "val", lang)[:300]
        pairs += ikea(data_dir, "val", lang, sentence_level=True)[:150]
    pairs += fashion12k(data_dir, "val")[:300]
    pairs += tatoeba(data_dir, "val")[:300]
    for lang in ("de", "fr", "es"):
        pairs += massive(data_dir, "dev", lang)[:300]
        pairs += shop_ui(data_dir, "dev", lang)[:150]
    pairs += bcontrast(data_dir, "dev")[:300]
    return both_directions(pairs)


def validation_sets(data_dir: str) -> Dict[str, List[Pair]]:
    """name -> en-X pairs of the validation splits, whole (training's validation
    loss uses the first few hundred of each): for tuning decoding settings such as
    the length penalty without looking at the test sets.  IKEA at sentence level."""
    sets: Dict[str, List[Pair]] = {}
    for lang in ("de", "fr"):
        sets[f"multi30k_val_{lang}"] = multi30k(data_dir, "val", lang)
        sets[f"ikea_val_{lang}"] = ikea(data_dir, "val", lang, sentence_level=True)
    sets["fashion12k_val_de"] = fashion12k(data_dir, "val")
    sets["tatoeba_val_es"] = tatoeba(data_dir, "val")
    for lang in ("de", "fr", "es"):
        sets[f"massive_dev_{lang}"] = massive(data_dir, "dev", lang)
        sets[f"shop_ui_dev_{lang}"] = shop_ui(data_dir, "dev", lang)
    sets["bcontrast_dev_de"] = bcontrast(data_dir, "dev")
    return sets


def test_sets(data_dir: str) -> Dict[str, List[Pair]]:
    """name -> en-X pairs; each is evaluated in both directions.  IKEA stays at
    paragraph level: the evaluator splits sentences the way the service does."""
    sets: Dict[str, List[Pair]] = {}
    for lang in ("de", "fr"):
        sets[f"multi30k_test2016_{lang}"] = multi30k(data_dir, "test_2016_flickr", lang)
        sets[f"multi30k_test2017_{lang}"] = multi30k(data_dir, "test_2017_flickr", lang)
        sets[f"ikea_test_{lang}"] = ikea(data_dir, "test", lang, sentence_level=False)
    sets["fashion12k_test_de"] = fashion12k(data_dir, "test")
    sets["tatoeba_test_es"] = tatoeba(data_dir, "test")
    for lang in ("de", "fr", "es"):
        sets[f"massive_test_{lang}"] = massive(data_dir, "test", lang)
    sets["bcontrast_test_de"] = bcontrast(data_dir, "test")
    return sets
