"""Evaluate the language identifier (``langid_train.py``) on held-out test splits.

Test data (never trained or tuned on; strings that also occur in the training
splits are left out):
  Multi30k test_2016_flickr   en, de, fr   image captions
  Tatoeba test split          en, es       short conversational sentences
  Fashion12K test split       en, de       shopping queries (short product titles)
  MASSIVE test split          en, de,      assistant requests: lowercase, unpunctuated,
                              fr, es       often with English names and titles inside

Printed: accuracy per test set and language, on all texts and on the texts of at
most 4 words; the same on "fragments" (one random run of 1-4 words of every test
text, seeded: short inputs for the languages whose test sets hold few); the
confusion matrix; calibration (coverage and accuracy when the confidence is at
least a threshold); and, as an open-set check, how often Czech text (Multi30k
test_2016_flickr cs, a language the model does not know) is answered "und".

"accuracy" is that of the best-scoring language; "detect acc" is that of the
detector's answer, where "und" (confidence below the file's min_confidence, or
n-grams unlike all its languages: min_mean_log_prob) counts as wrong.

Example:
  /usr/bin/python3 services/translator/training/langid_eval.py --model build/langid/langid.bin
"""
import argparse
import os
import sys
from collections import Counter, defaultdict
from typing import Dict, List, Tuple

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
from langid_train import (DEFAULT_OUT, LANGUAGES, UNDETERMINED, LanguageIdentifier,  # noqa: E402
                          short_fragments, texts_by_language)

SHORT_WORDS = 4
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99)


def test_texts(data_dir: str) -> List[Tuple[str, str, List[str]]]:
    """(test set, language, texts); each text once, none that is also a training text
    (Tatoeba and Fashion12K repeat some strings across their splits)."""
    train = texts_by_language(data.training_pairs(data_dir))
    seen = {lang: set(texts) for lang, texts in train.items()}
    m30k_de = data.multi30k(data_dir, "test_2016_flickr", "de")
    m30k_fr = data.multi30k(data_dir, "test_2016_flickr", "fr")
    tatoeba = data.tatoeba(data_dir, "test")
    fashion = data.fashion12k(data_dir, "test")
    massive = {lang: data.massive(data_dir, "test", lang) for lang in ("de", "fr", "es")}

    def uniq(texts):
        return list(dict.fromkeys(t for t in texts if t))

    sets = [
        ("multi30k_test2016", "en", uniq(p[2] for p in m30k_de)),
        ("multi30k_test2016", "de", uniq(p[3] for p in m30k_de)),
        ("multi30k_test2016", "fr", uniq(p[3] for p in m30k_fr)),
        ("tatoeba_test", "en", uniq(p[2] for p in tatoeba)),
        ("tatoeba_test", "es", uniq(p[3] for p in tatoeba)),
        ("fashion12k_test", "en", uniq(p[2] for p in fashion)),
        ("fashion12k_test", "de", uniq(p[3] for p in fashion)),
        # The English side is the same utterances in all three files.
        ("massive_test", "en", uniq(p[2] for p in massive["de"])),
        ("massive_test", "de", uniq(p[3] for p in massive["de"])),
        ("massive_test", "fr", uniq(p[3] for p in massive["fr"])),
        ("massive_test", "es", uniq(p[3] for p in massive["es"])),
    ]
    return [(name, lang, [t for t in texts if t not in seen[lang]]) for name, lang, texts in sets]


def pct(right: int, total: int) -> str:
    return f"{100.0 * right / total:6.2f}" if total else "     -"


class Tally:
    def __init__(self):
        self.n = self.right = self.detect_right = 0

    def add(self, gold: str, best: str, detected: str):
        self.n += 1
        self.right += best == gold
        self.detect_right += detected == gold


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data_dir", default=data.default_data_dir())
    parser.add_argument("--model", default=DEFAULT_OUT)
    args = parser.parse_args()

    model = LanguageIdentifier.load(args.model)
    h = model.header
    print(f"model {args.model}: {', '.join(model.languages)}; {h['num_buckets']} buckets, "
          f"n-grams {h['min_order']}-{h['max_order']}, min_confidence {h['min_confidence']}, "
          f"min_mean_log_prob {h['min_mean_log_prob']}")

    # (kind, test set, language) -> Tally; kind in all / short / fragments.
    tallies: Dict[Tuple[str, str, str], Tally] = defaultdict(Tally)
    confusion: Counter = Counter()
    calibration: Dict[str, List[Tuple[float, bool]]] = defaultdict(list)
    sets = test_texts(args.data_dir)
    for name, gold, texts in sets:
        for kind, items in (("all", texts), ("fragments", short_fragments(texts, seed=7))):
            for text in items:
                p = model.probabilities(text)
                conf = max(p)
                best = model.languages[p.index(conf)] if conf > 0 else UNDETERMINED
                detected, _ = model.detect(text)
                kinds = [kind]
                if kind == "all" and len(text.split()) <= SHORT_WORDS:
                    kinds.append("short")
                for k in kinds:
                    for key in ((k, name, gold), (k, "ALL", gold), (k, "ALL", "ALL")):
                        tallies[key].add(gold, best, detected)
                    calibration[k].append((conf, best == gold))
                if kind == "all":
                    confusion[(gold, detected)] += 1

    rows = [(n, l) for n, l, _ in sets]
    rows += [("ALL", lang) for lang in LANGUAGES] + [("ALL", "ALL")]
    print()
    print(f"{'test set':<18} {'lang':<4} | {'n':>5} {'accuracy':>8} {'detect acc':>10} | "
          f"{'n<=4w':>5} {'accuracy':>8} | {'n frag':>6} {'accuracy':>8} {'detect acc':>10}")
    print("-" * 98)
    for name, lang in rows:
        a, s, f = (tallies[(k, name, lang)] for k in ("all", "short", "fragments"))
        print(f"{name:<18} {lang:<4} | {a.n:>5} {pct(a.right, a.n):>8} {pct(a.detect_right, a.n):>10} | "
              f"{s.n:>5} {pct(s.right, s.n):>8} | {f.n:>6} {pct(f.right, f.n):>8} "
              f"{pct(f.detect_right, f.n):>10}")

    print("\nconfusion (all test texts; rows gold, columns detector answer):")
    cols = list(LANGUAGES) + [UNDETERMINED]
    print("      " + "".join(f"{c:>7}" for c in cols))
    for gold in LANGUAGES:
        print(f"{gold:<6}" + "".join(f"{confusion[(gold, c)]:>7}" for c in cols))

    print("\ncalibration: share of texts with confidence >= t (coverage) and accuracy on them")
    header = "".join(f"{'t=' + format(t, 'g'):>15}" for t in THRESHOLDS)
    print(f"{'':<22}{header}")
    for kind, label in (("all", "all test texts"), ("short", "texts of <= 4 words"),
                        ("fragments", "1-4 word fragments")):
        items = calibration[kind]
        cells = []
        for t in THRESHOLDS:
            kept = [ok for conf, ok in items if conf >= t]
            cells.append(f"{pct(len(kept), len(items)).strip()}%/{pct(sum(kept), len(kept)).strip()}%")
        print(f"{label:<22}" + "".join(f"{c:>15}" for c in cells))

    cs = [p[3] for p in data.multi30k(args.data_dir, "test_2016_flickr", "cs")]
    answers = Counter(model.detect(t)[0] for t in cs)
    print(f"\nopen set: Czech (multi30k test_2016_flickr cs, {len(cs)} texts) answered "
          + ", ".join(f"{k} {100.0 * v / len(cs):.1f}%" for k, v in answers.most_common()))


if __name__ == "__main__":
    main()
