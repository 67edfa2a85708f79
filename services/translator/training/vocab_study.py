"""How much a new SentencePiece vocabulary would shorten v6's data, against v5's.

v6 keeps v5's 8,000-piece vocabulary so that it can warm-start from v5's weights (a
new vocabulary means new embeddings: training from scratch).  This measures what
that costs: unigram vocabularies of the given sizes are trained on a seeded sample
of v6's training mix (data.training_corpora), and every vocabulary's pieces per
sentence (and unknown/byte-fallback pieces) are counted on the dev splits, per
language.  Fewer pieces per sentence means shorter sequences (faster training and
decoding) and usually easier learning; the price of a new vocabulary is the
compute to train from scratch.

Example:
  /usr/bin/python3 services/translator/training/vocab_study.py --sizes 8000,16000
"""
import argparse
import os
import random
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import vocab  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=data.default_data_dir())
    p.add_argument("--baseline", default=str(data.REPO_ROOT / "models" / "translator" / "5" / "spm.model"))
    p.add_argument("--sizes", default="8000,16000")
    p.add_argument("--sample", type=int, default=300000, help="training sentences for each new vocabulary")
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    import sentencepiece as spm

    corpora = data.training_corpora(args.data_dir)
    texts = sorted({t for pairs in corpora.values() for pr in pairs for t in (pr[2], pr[3])})
    random.Random(args.seed).shuffle(texts)
    texts = texts[:args.sample]
    models = {"v5 (8000, captions mix)": spm.SentencePieceProcessor(model_file=args.baseline)}
    tmp = tempfile.mkdtemp()
    for size in (int(s) for s in args.sizes.split(",")):
        t0 = time.time()
        prefix = os.path.join(tmp, f"spm{size}")
        vocab.train_sentencepiece(texts, prefix, size, seed_sentences=len(texts))
        models[f"new {size} (v6 mix)"] = spm.SentencePieceProcessor(model_file=prefix + ".model")
        print(f"trained {size} pieces on {len(texts)} sentences in {time.time() - t0:.0f}s", flush=True)
    dev = {}
    for pairs in data.validation_sets(args.data_dir).values():
        for sl, tl, s, t in pairs:
            dev.setdefault(sl, []).append(s)
            dev.setdefault(tl, []).append(t)
    print(f"\n# pieces per sentence on the dev splits (data.validation_sets)\n")
    print("| vocabulary | " + " | ".join(f"{lang} ({len(dev[lang])})" for lang in data.LANGS) +
          " | all | byte-fallback pieces per 1000 |")
    print("|---|" + "---:|" * (len(data.LANGS) + 2))
    for name, sp in models.items():
        cells, total, n, byte = [], 0, 0, 0
        for lang in data.LANGS:
            ids = [sp.encode(x) for x in dev[lang]]
            pieces = sum(map(len, ids))
            byte += sum(1 for seq in ids for i in seq if sp.is_byte(i))
            cells.append(f"{pieces / len(ids):.2f}")
            total += pieces
            n += len(ids)
        print(f"| {name} | " + " | ".join(cells) + f" | {total / n:.2f} | {1000 * byte / total:.2f} |")


if __name__ == "__main__":
    main()
