"""BLEU and chrF with sacreBLEU 2.x semantics, in plain Python (no packages).

The numbers match sacreBLEU 2.6.0 (checked against its output in
``nmt/bleu-fixture`` by ``tests/translator/bleu_fixture_test.py``):

* ``corpus_bleu``:   ``sacrebleu.corpus_bleu(hyps, [refs])``, signature
  ``nrefs:1|case:mixed|eff:no|tok:13a|smooth:exp``.
* ``sentence_bleu``: ``sacrebleu.sentence_bleu(hyp, [ref])`` (effective order on).
* ``corpus_chrf`` / ``sentence_chrf``: ``sacrebleu.corpus_chrf`` / ``sentence_chrf``,
  chrF2, signature ``nrefs:1|case:mixed|eff:yes|nc:6|nw:0|space:no``.
* ``lowercased_tokenized_bleu``: the figure most papers on Multi30k report.

One reference per segment (what the translator's test sets have).  Scores are on
the 0-100 scale, as sacreBLEU prints them.
"""
import math
import re
from collections import Counter
from typing import List, Sequence, Tuple

MAX_NGRAM_ORDER = 4
CHRF_CHAR_ORDER = 6
CHRF_BETA = 2

# mteval-v13a.pl's language-dependent part (sacrebleu/tokenizers/tokenizer_re.py).
_13A_RULES = [
    # Punctuation and symbols: { | } ~ [ \ ] ^ _ ` space ! " # $ % & ( ) * + : ; < = > ? @ /
    (re.compile(r"([\{-\~\[-\` -\&\(-\+\:-\@\/])"), r" \1 "),
    # Period and comma unless preceded by a digit.
    (re.compile(r"([^0-9])([\.,])"), r"\1 \2 "),
    # Period and comma unless followed by a digit.
    (re.compile(r"([\.,])([^0-9])"), r" \1 \2"),
    # Dash when preceded by a digit.
    (re.compile(r"([0-9])(-)"), r"\1 \2 "),
]


def tokenize_13a(line: str) -> str:
    """sacreBLEU's default tokenizer ``13a`` (sacrebleu/tokenizers/tokenizer_13a.py)."""
    # Language-independent part: SGML leftovers and the four entities mteval knows.
    line = line.replace("<skipped>", "")
    line = line.replace("-\n", "")
    line = line.replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"')
        line = line.replace("&amp;", "&")
        line = line.replace("&lt;", "<")
        line = line.replace("&gt;", ">")
    line = f" {line} "
    for pattern, repl in _13A_RULES:
        line = pattern.sub(repl, line)
    return " ".join(line.split())


def _tokenizer(name: str):
    if name == "13a":
        return tokenize_13a
    if name == "none":
        return lambda s: s
    raise ValueError(f"unsupported tokenize={name!r} (have '13a', 'none')")


def _word_ngrams(line: str) -> Tuple[Counter, int]:
    tokens = line.split()
    grams = Counter()
    for n in range(1, MAX_NGRAM_ORDER + 1):
        for i in range(len(tokens) - n + 1):
            grams[" ".join(tokens[i:i + n])] += 1
    return grams, len(tokens)


def _bleu_stats(hyp: str, ref: str, lowercase: bool, tokenize) -> List[int]:
    """[hyp_len, ref_len, correct_1..4, total_1..4] of one segment."""
    if lowercase:
        hyp, ref = hyp.lower(), ref.lower()
    hyp_grams, hyp_len = _word_ngrams(tokenize(hyp.rstrip()))
    ref_grams, ref_len = _word_ngrams(tokenize(ref.rstrip()))
    correct = [0] * MAX_NGRAM_ORDER
    total = [0] * MAX_NGRAM_ORDER
    for gram, count in hyp_grams.items():
        n = gram.count(" ")
        total[n] += count
        if gram in ref_grams:
            correct[n] += min(count, ref_grams[gram])
    return [hyp_len, ref_len] + correct + total


def _bleu_from_stats(stats: Sequence[int], effective_order: bool) -> float:
    """sacreBLEU's BLEU.compute_bleu with smooth_method='exp'."""
    sys_len, ref_len = stats[0], stats[1]
    correct = stats[2:2 + MAX_NGRAM_ORDER]
    total = stats[2 + MAX_NGRAM_ORDER:]
    if sys_len < ref_len:
        bp = math.exp(1 - ref_len / sys_len) if sys_len > 0 else 0.0
    else:
        bp = 1.0
    if not any(correct):
        return 0.0
    precisions = [0.0] * MAX_NGRAM_ORDER
    smooth_mteval = 1.0
    eff_order = MAX_NGRAM_ORDER
    for n in range(1, MAX_NGRAM_ORDER + 1):
        if total[n - 1] == 0:
            break
        if effective_order:
            eff_order = n
        if correct[n - 1] == 0:
            # NIST "exp" smoothing: 1/2, 1/4, ... of a match for each zero-match order.
            smooth_mteval *= 2
            precisions[n - 1] = 100.0 / (smooth_mteval * total[n - 1])
        else:
            precisions[n - 1] = 100.0 * correct[n - 1] / total[n - 1]
    # sacreBLEU's my_log floors log(0) at -9999999999.
    log_sum = sum(math.log(p) if p > 0 else -9999999999 for p in precisions[:eff_order])
    return bp * math.exp(log_sum / eff_order)


def _check_lengths(hyps: Sequence[str], refs: Sequence[str]) -> None:
    if isinstance(hyps, str) or isinstance(refs, str):
        raise TypeError("hyps and refs must be sequences of strings, not strings")
    if len(hyps) != len(refs):
        raise ValueError(f"{len(hyps)} hypotheses but {len(refs)} references")


def corpus_bleu(hyps: Sequence[str], refs: Sequence[str], lowercase: bool = False,
                tokenize: str = "13a") -> float:
    """Corpus BLEU as ``sacrebleu.corpus_bleu(hyps, [refs], lowercase=..., tokenize=...)``:
    exp smoothing, no effective order, n-gram statistics summed over segments."""
    _check_lengths(hyps, refs)
    tok = _tokenizer(tokenize)
    sums = [0] * (2 + 2 * MAX_NGRAM_ORDER)
    for hyp, ref in zip(hyps, refs):
        for i, v in enumerate(_bleu_stats(hyp, ref, lowercase, tok)):
            sums[i] += v
    return _bleu_from_stats(sums, effective_order=False)


def sentence_bleu(hyp: str, ref: str, lowercase: bool = False, tokenize: str = "13a") -> float:
    """Sentence BLEU as ``sacrebleu.sentence_bleu(hyp, [ref])``: exp smoothing and
    effective order (orders the sentence is too short for are left out)."""
    stats = _bleu_stats(hyp, ref, lowercase, _tokenizer(tokenize))
    return _bleu_from_stats(stats, effective_order=True)


def lowercased_tokenized_bleu(hyps: Sequence[str], refs: Sequence[str]) -> float:
    """Case-insensitive BLEU on 13a-tokenized text: ``sacrebleu -lc -tok 13a``,
    i.e. ``corpus_bleu(hyps, refs, lowercase=True)``.

    Only for comparison with the literature: papers on Multi30k (e.g. Wu et al.,
    ACL 2021, Transformer-tiny en->de 41.02) report ``multi-bleu.perl`` on
    lowercased, Moses-tokenized text.  This is the closest sacreBLEU-style
    equivalent on detokenized output; it is not identical (the Moses tokenizer
    splits apostrophes and hyphens differently, and multi-bleu has no
    smoothing), so expect differences of a few tenths.  Report the cased,
    detokenized ``corpus_bleu`` and ``corpus_chrf`` as the main figures.
    """
    return corpus_bleu(hyps, refs, lowercase=True, tokenize="13a")


def _char_ngrams(line: str) -> List[Counter]:
    line = "".join(line.split())  # chrF ignores whitespace (space:no)
    return [Counter(line[i:i + n] for i in range(len(line) - n + 1))
            for n in range(1, CHRF_CHAR_ORDER + 1)]


def _chrf_stats(hyp: str, ref: str, lowercase: bool) -> List[int]:
    """[hyp_n, ref_n, match_n] for n = 1..6 of one segment."""
    if lowercase:
        hyp, ref = hyp.lower(), ref.lower()
    stats: List[int] = []
    for h, r in zip(_char_ngrams(hyp), _char_ngrams(ref)):
        matches = sum(min(c, r[g]) for g, c in h.items() if g in r)
        # As sacreBLEU: hypothesis n-grams are not counted when the reference has none.
        stats += [sum(h.values()) if r else 0, sum(r.values()), matches]
    return stats


def _chrf_from_stats(stats: Sequence[int], beta: float, eps_smoothing: bool) -> float:
    """sacreBLEU 2.x CHRF._compute_f_score."""
    eps = 1e-16
    factor = beta ** 2
    score, avg_prec, avg_rec, effective_order = 0.0, 0.0, 0.0, 0
    for i in range(CHRF_CHAR_ORDER):
        n_hyp, n_ref, n_match = stats[3 * i:3 * i + 3]
        prec = n_match / n_hyp if n_hyp > 0 else eps
        rec = n_match / n_ref if n_ref > 0 else eps
        denom = factor * prec + rec
        score += ((1 + factor) * prec * rec / denom) if denom > 0 else eps
        if n_hyp > 0 and n_ref > 0:
            avg_prec += prec
            avg_rec += rec
            effective_order += 1
    if eps_smoothing:
        return 100 * score / CHRF_CHAR_ORDER
    if effective_order == 0:
        return 0.0
    avg_prec /= effective_order
    avg_rec /= effective_order
    if avg_prec + avg_rec == 0:
        return 0.0
    return 100 * (1 + factor) * avg_prec * avg_rec / (factor * avg_prec + avg_rec)


def corpus_chrf(hyps: Sequence[str], refs: Sequence[str], lowercase: bool = False,
                eps_smoothing: bool = False) -> float:
    """chrF2 as ``sacrebleu.corpus_chrf(hyps, [refs])``: character 1..6-grams with
    whitespace removed, beta 2, statistics summed over segments, precision and
    recall averaged over the orders that occur (sacreBLEU's default ``eff:yes``).

    ``eps_smoothing=True`` gives chrF++.py/NLTK/Moses-style epsilon smoothing
    instead (sacreBLEU's ``CHRF(eps_smoothing=True)``, signature ``eff:no``).
    """
    _check_lengths(hyps, refs)
    sums = [0] * (3 * CHRF_CHAR_ORDER)
    for hyp, ref in zip(hyps, refs):
        for i, v in enumerate(_chrf_stats(hyp, ref, lowercase)):
            sums[i] += v
    return _chrf_from_stats(sums, CHRF_BETA, eps_smoothing)


def sentence_chrf(hyp: str, ref: str, lowercase: bool = False,
                  eps_smoothing: bool = False) -> float:
    """chrF2 of one segment, as ``sacrebleu.sentence_chrf(hyp, [ref])``."""
    return _chrf_from_stats(_chrf_stats(hyp, ref, lowercase), CHRF_BETA, eps_smoothing)
