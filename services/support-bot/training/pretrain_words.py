"""Pretrain word vectors for the intent classifier (skip-gram, gensim's Word2Vec).

  /usr/bin/python3 services/support-bot/training/pretrain_words.py \
      --out build/support_bot_intent/word_vectors.npz

A model trained from scratch on 100 utterances per intent knows nothing about words its
training split lacks ("steak", "furry"): they become the unknown word.  These vectors
carry what unlabelled English text says about them, from two kinds of text:
- WordNet 3.0 (Debian's wordnet-base): each synset as one sentence, its words followed by
  its gloss and examples ("steak: a slice of meat cut from the fleshy part of a cow
  carcass").  Dictionary text puts a word next to the words that define it, which is
  the general knowledge the intent model lacks;
- the English side of the training splits under --data_dir: Multi30k, Fashion12k, IKEA,
  Tatoeba, BANKING77, bitext-intent and CLINC150 (train and oos_train).  No validation
  or test utterance of bitext-intent or CLINC150 is read, and labels are never used.
Text is split into words by data.words_of, the featurizer's own word splitter, so the
vectors' vocabulary is the classifier's.  Deterministic: one worker, fixed seed and
PYTHONHASHSEED (the script re-executes itself to set it).

Writes --out (numpy .npz): "words" (utf-8 strings, most frequent first), "vectors"
(float32 [N, dim]) and "counts".
"""
import argparse
import csv
import gzip
import json
import os
import sys
import time

if os.environ.get("PYTHONHASHSEED") != "0":  # gensim hashes words to seed vectors
    os.environ["PYTHONHASHSEED"] = "0"
    os.execv(sys.executable, [sys.executable] + sys.argv)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from data import REPO_ROOT, default_data_dir, load_bitext, load_clinc150, words_of  # noqa: E402
WORDNET_DIR = os.environ.get("WORDNET_DIR", "/usr/share/wordnet")  # Debian wordnet-base


def words(text):
    return [w.decode("utf-8", "replace") for w in words_of(text, max_words=10 ** 6)]


def wordnet_sentences(path):
    """Per synset: its words, then its gloss (definition and examples)."""
    for name in ("noun", "verb", "adj", "adv"):
        with open(os.path.join(path, "data." + name), encoding="latin-1") as f:
            for line in f:
                if line.startswith(" "):
                    continue
                head, _, gloss = line.partition(" | ")
                parts = head.split()
                n = int(parts[3], 16)
                lemmas = [w.split("(")[0].replace("_", " ") for w in parts[4:4 + 2 * n:2]]
                yield " ".join(lemmas) + " : " + gloss


def lines_gz(path):
    with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
        yield from f


def dataset_sentences(data_dir):
    """The English side of training splits only (see the module docstring)."""
    nmt = os.path.join(data_dir, "nmt")
    yield from lines_gz(os.path.join(nmt, "multi30k", "train.en.gz"))
    with open(os.path.join(nmt, "fashion12k", "queries_full_dataset.tsv"), encoding="utf-8",
              errors="replace") as f:
        next(f)
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2:
                yield cols[1]
    for pair in ("en-de", "en-fr"):
        yield from lines_gz(os.path.join(nmt, "ikea", pair, "train_WMT_2017.en.gz"))
    yield from lines_gz(os.path.join(nmt, "tatoeba-eng-spa", "eng-spa.eng.gz"))
    with open(os.path.join(data_dir, "support", "banking77", "train.csv"), newline="", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            yield row["text"]
    yield from (t for t, _ in load_bitext(data_dir)["train"])
    clinc = load_clinc150(data_dir)
    yield from (t for t, _ in clinc["train"] + clinc["oos_train"])


NON_ENGLISH = ("de", "fr", "es")


def tsv_pairs(path, gz=False):
    """(English, other) pairs of a two-column TSV (English first)."""
    opener = gzip.open if gz else open
    with opener(path, "rt", encoding="utf-8", errors="replace") as f:
        for line in f:
            cols = line.rstrip("\n").split("\t")
            if len(cols) >= 2 and cols[0] and cols[1]:
                yield cols[0], cols[1]


def parallel_pairs(data_dir, languages):
    """(English, other) training pairs of the translator's corpora, for the languages asked
    (train splits and the undivided Tatoeba/shop-ui files only; shop-ui keeps markup, which
    the word splitter drops)."""
    nmt = os.path.join(data_dir, "nmt")
    for lang in languages:
        yield from tsv_pairs(os.path.join(nmt, "tatoeba-anki", f"en-{lang}.tsv"))
        yield from tsv_pairs(os.path.join(nmt, "massive", f"train.en-{lang}.tsv"))
        yield from tsv_pairs(os.path.join(nmt, "shop-ui", f"en-{lang}.tsv"))
        if lang == "de":
            yield from tsv_pairs(os.path.join(nmt, "bcontrast", "train.en-de.tsv"))


def merged(a, b):
    """One pseudo-bilingual sentence from a translation pair: the words of both, ordered by
    their relative position in their own sentence (Vulic and Moens 2015, the deterministic
    "length-ratio" merge).  A word then shares skip-gram windows with the words of its
    translation, which pulls translations together in the vector space: intent examples
    in one language say something about the others."""
    keyed = [((i + 0.5) / len(a), 0, w) for i, w in enumerate(a)]
    keyed += [((i + 0.5) / len(b), 1, w) for i, w in enumerate(b)]
    return [w for _, _, w in sorted(keyed)]


def multilingual_sentences(data_dir, languages):
    """Per translation pair: the non-English side alone and the merged pair."""
    for en, other in parallel_pairs(data_dir, languages):
        a, b = words(en), words(other)
        if b:
            yield b
        if a and b:
            yield merged(a, b)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=default_data_dir())
    p.add_argument("--wordnet_dir", default=WORDNET_DIR)
    p.add_argument("--out", default=str(REPO_ROOT / "build" / "support_bot_intent" / "word_vectors.npz"))
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--window", type=int, default=5)
    p.add_argument("--min_count", type=int, default=3)
    p.add_argument("--negative", type=int, default=5)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--seed", type=int, default=20261129)
    p.add_argument("--languages", default="en",
                   help="en = English only (models/support-bot/2); en,de,fr,es adds the German, "
                        "French and Spanish sides of the translator's training corpora and "
                        "pseudo-bilingual merged pairs (multilingual_sentences)")
    args = p.parse_args(argv)
    others = [x for x in args.languages.split(",") if x and x != "en"]
    for x in others:
        if x not in NON_ENGLISH:
            sys.exit(f"--languages: {x!r} is not one of en,{','.join(NON_ENGLISH)}")
    from gensim.models import Word2Vec

    t0 = time.time()
    corpus = [w for w in (words(s) for s in wordnet_sentences(args.wordnet_dir)) if w]
    n_wordnet = len(corpus)
    corpus += [w for w in (words(s) for s in dataset_sentences(args.data_dir)) if w]
    if others:
        corpus += list(multilingual_sentences(args.data_dir, others))
    tokens = sum(len(s) for s in corpus)
    print(f"corpus: {len(corpus)} sentences ({n_wordnet} WordNet synsets), {tokens} words", flush=True)
    model = Word2Vec(corpus, vector_size=args.dim, window=args.window, min_count=args.min_count,
                     negative=args.negative, sg=1, epochs=args.epochs, seed=args.seed, workers=1)
    kv = model.wv
    words_list = list(kv.index_to_key)
    vectors = np.stack([kv[w] for w in words_list]).astype(np.float32)
    counts = np.array([kv.get_vecattr(w, "count") for w in words_list], np.int64)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    np.savez(args.out + ".tmp.npz", words=np.array(words_list), vectors=vectors, counts=counts,
             settings=json.dumps(vars(args)))
    os.replace(args.out + ".tmp.npz", args.out)
    print(f"{len(words_list)} words x {args.dim} in {time.time() - t0:.0f} s -> {args.out}")
    for w in ("steak", "butter", "rice", "furry", "parcel", "refund", "weather", "paket", "rückerstattung",
              "colis", "remboursement", "pedido", "reembolso"):
        if w in kv:
            print(w, "->", ", ".join(x for x, _ in kv.most_similar(w, topn=8)))


if __name__ == "__main__":
    main()
