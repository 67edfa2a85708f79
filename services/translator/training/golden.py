"""Golden outputs of a translator version, computed by the Python side, for the C++ side.

The server re-implements in C++ what training defines in Python: the language
identifier's features and scoring (``langid_train.py`` -> ``language_detector.cc``),
SentencePiece encoding (the ``sentencepiece`` package -> ``tokenizer.cc`` through
``spm_bridge``), and decoding the exported model (``translate.py`` -> ``beam_search.cc``
with ``direct_decoder.cc`` or the module's ``step()``).  This script writes what the
Python side computes on fixed inputs into ``<version dir>/golden.json``, and
``tests/translator/golden_test.cc`` asserts that the server's own classes compute the
same for every version under ``models/translator/``.  ``export.py`` calls ``write_golden``
for every export, before the checksums are recorded (golden.json is a served file:
metadata.json's ``sha256`` covers it).

Only what both sides define identically is golden:
  * the language identifier on raw text (the server detects on the request text as is);
  * ``Tokenizer::Encode`` of a string, the same call as ``sp.encode``.  The server's text
    preparation before it (sentence splitting, HTML decoding, numbers/prices/SKUs/markup
    turned into ``<phN>``: ``text/prepared_text.cc``) has no Python twin in the decoder
    (``markup.py``'s patterns are held equal by ``markup_parity_test.py``), so the golden
    strings are given as they reach the tokenizer, some with ``<phN>`` already in them;
  * greedy decoding (``Translator._decode`` with beam 1) of a source sentence, which
    ``beam_search.cc`` implements step for step.  Beam 4 is compared on the real server by
    ``tests/translator/reference_decoder_test.py``; greedy has one token choice per step,
    so its safety margin is easy to state: a sentence is kept only when, at every step,
    the chosen token's log-probability is at least ``MIN_MARGIN`` above the next best
    allowed token (the C++ sums in another order, and another CPU's kernels round
    differently: about 1e-5, a hundredth of the smallest margin kept).

Format (``FORMAT`` = 1; JSON, UTF-8):
  format           1
  generator        "services/translator/training/golden.py"
  version          the version number (metadata.json's "version")
  computed_from    {file: sha256} of langid.bin, spm.model and model.pt as read here; the
                   test fails with "golden.json is stale" when metadata.json's sha256 of
                   those files differs (a file changed without rerunning this script)
  langid           version     the identifier's header "version" (LanguageDetector::version)
                   languages   its languages, in column order
                   header      min_order, max_order, max_chars, num_buckets: the feature
                               settings, for reading the ids
                   cases[]     text; feature_ids: every feature occurrence's bucket
                               (FNV-1a 32 of the n-gram's UTF-8 % num_buckets), in
                               langid_train.ngrams() order, complete; probabilities (per
                               language, LanguageIdentifier.probabilities: softmax of the
                               summed weights times the length-aware temperature; all 0
                               without letters); language and confidence
                               (LanguageIdentifier.detect: "und" and 0 below the file's
                               min_confidence or min_mean_log_prob)
  tokenizer        cases[]     text; ids: sp.encode(text) (no BOS/EOS)
  decoder          beam                 1 (greedy)
                   min_margin_required  MIN_MARGIN: sentences below it were left out
                   tolerance            for log-probabilities (LOGPROB_TOLERANCE)
                   banned_ids           ids the Python decoder never emits (pad, BOS, tags)
                   cases[]  source_language, target; text (as it reaches the tokenizer);
                            source_ids: [target tag] + sp.encode(text) + [EOS], what
                            TranslationEngine gives BeamSearch; max_output_tokens:
                            int(1.5 * len(source_ids) + 10), the engine's limit;
                            tokens: the greedy output without tag and EOS; log_prob: its
                            summed log-probability with EOS (float32 sums, as both
                            decoders add); min_margin: the smallest top-1 minus top-2
                            log-probability (among allowed tokens) over its steps;
                            first_step: {ids, log_probs}: the module's step() output at
                            step 0 (before banning) for its FIRST_STEP_TOP best ids and EOS
Floats are written as Python's repr (shortest round trip), so C++ reads the same doubles.

Example (what export.py does for a new version; rewrite the shipped ones after changing
the inputs below, then re-record their checksums):
  /usr/bin/python3 services/translator/training/golden.py models/translator/7
  /usr/bin/python3 common/inference/model_checksums.py models/translator/7
"""
import argparse
import json
import os
import sys
from typing import List, Tuple

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from langid_train import LanguageIdentifier  # noqa: E402
from translate import Translator  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "common", "inference"))
from model_checksums import sha256_file  # noqa: E402

FORMAT = 1
GOLDEN_FILE = "golden.json"
# Greedy sentences whose closest token choice is nearer than this are left out: float
# rounding elsewhere (another summation order, another CPU) could flip that token.
MIN_MARGIN = 0.05
LOGPROB_TOLERANCE = 1e-3
MAX_DECODER_CASES = 6
MIN_DECODER_CASES = 3
FIRST_STEP_TOP = 5

# Language identifier and tokenizer inputs: the four languages, a product title with a
# brand, SKU and price, a customer message, HTML, upper case (Latin-1, Latin Extended-A,
# U+1E9E), typographic apostrophes, a language the identifier does not know, two short
# titles it is unsure about (probabilities far from 0 and 1), no letters.
TEXTS = [
    "Where is my order? I paid for express shipping three days ago.",
    "Die Lieferung kam beschädigt an. Bitte schicken Sie mir einen Ersatz.",
    "Veuillez annuler ma commande, je n’en ai plus besoin.",
    "¿Dónde está mi pedido? Lo necesito antes del viernes.",
    "Nordkap Men's Hiking Jacket, waterproof, dark blue – SKU NK-4512-BL, only €89.90",
    "Hallo, ich habe die Sneaker (Bestellung #10234) in Größe 42 statt 44 bekommen. "
    "Kann ich sie umtauschen?",
    '<p>Livraison <b>gratuite</b> dès 50&nbsp;€ – <a href="/fr/livraison">en savoir plus</a></p>',
    "GROẞE AUSWAHL: ÄRMELLOSE KLEIDER UND ŁÓDŹ-SCHUHE, AÑADIR AL CARRITO",
    "Žluťoučký kůň úpěl ďábelské ódy.",
    "Sale: Jeans Slim Fit",
    "Hotel Taxi",
    "12345 – 99,90 € / 42",
]
# Tokenizer only: placeholders as the server's span protection writes them, characters
# only byte fallback covers, whitespace that the normaliser collapses.
TOKENIZER_ONLY = [
    "<ph0> Rotes Kleid aus Baumwolle <ph1>",
    "Save <ph0> on orders over <ph1>!",
    "emoji 😀 and 漢字 fall back to bytes",
    "  two  spaces\tand a tab  ",
]
# Decoder candidates (source language, target, text); the first MAX_DECODER_CASES whose
# margin is at least MIN_MARGIN are kept.
DECODER_CANDIDATES = [
    ("en", "de", "Where is my order?"),
    ("de", "en", "Die Lieferung kam beschädigt an."),
    ("en", "fr", "Please cancel my order."),
    ("es", "en", "¿Dónde está mi pedido?"),
    ("en", "es", "Free shipping on all orders."),
    ("en", "de", "Nordkap hiking jacket in dark blue, size <ph0>, only <ph1>."),
    ("fr", "en", "Je voudrais retourner cette veste."),
    ("en", "de", "The red shoes are out of stock."),
    ("de", "en", "Zwei Hunde spielen im Schnee."),
    ("en", "fr", "A man in a blue shirt is playing the guitar."),
    ("en", "es", "I would like to change my delivery address."),
    ("en", "de", "Waterproof and warm."),
    ("de", "en", "Ich möchte meine Lieferadresse ändern."),
    ("en", "fr", "Thank you for your order."),
]


def langid_golden(path: str) -> dict:
    lid = LanguageIdentifier.load(path)
    h = lid.header
    cases = []
    for text in TEXTS:
        ids = lid.feature_ids(text)
        probabilities = lid.probabilities(text)
        language, confidence = lid.detect(text)
        s, n = lid.scores(text)
        if n:
            # Both sides sum doubles in another order; keep the "und" rules' decisions
            # clear of rounding (never hit by these texts; a guard for a new identifier).
            best = max(range(len(probabilities)), key=probabilities.__getitem__)
            if (abs(probabilities[best] - h["min_confidence"]) < 1e-6
                    or abs(s[best] / n - h["min_mean_log_prob"]) < 1e-6):
                print(f"golden: {text!r} left out: the language decision is on a threshold")
                continue
        cases.append({"text": text, "feature_ids": ids, "probabilities": probabilities,
                      "language": language, "confidence": confidence})
    return {"version": h.get("version", ""), "languages": lid.languages,
            "header": {k: h[k] for k in ("min_order", "max_order", "max_chars", "num_buckets")},
            "cases": cases}


@torch.no_grad()
def greedy_margins(t: Translator, source_ids: List[int],
                   max_output_tokens: int) -> Tuple[List[int], float, dict, bool]:
    """The greedy decoding of Translator._decode with beam 1, step by step: (tokens,
    smallest top-1 minus top-2 log-probability among allowed tokens, step 0's log-
    probabilities for the best ids and EOS, whether it ended with EOS before the length
    limit's last step, where both decoders also finish the runner-up)."""
    src = torch.tensor([source_ids])
    cross_kv, bias = t.model(src)
    d = t.meta["decoder"]
    self_kv = torch.zeros(1, d["layers"], 2, d["heads"], 0, d["head_dim"])
    token = torch.tensor([source_ids[0]])
    tokens: List[int] = []
    margin = float("inf")
    first_step = {}
    for step in range(max_output_tokens):
        logp, self_kv = t.model.step(token, torch.tensor([step]), self_kv, cross_kv, bias)
        if step == 0:
            top = logp[0].topk(FIRST_STEP_TOP).indices.tolist()
            ids = top + ([t.eos] if t.eos not in top else [])
            first_step = {"ids": ids, "log_probs": [float(logp[0, i]) for i in ids]}
        logp[:, t.banned] = -float("inf")
        values, indices = logp[0].topk(2)
        margin = min(margin, float(values[0] - values[1]))
        best = int(indices[0])
        if best == t.eos:
            return tokens, margin, first_step, step + 1 < max_output_tokens
        tokens.append(best)
        token = torch.tensor([best])
    return tokens, margin, first_step, False


def decoder_golden(model_dir: str) -> dict:
    t = Translator(model_dir, threads=1)
    alpha = float(t.meta.get("default_length_penalty", 1.0))
    cases = []
    for source_language, target, text in DECODER_CANDIDATES:
        if len(cases) >= MAX_DECODER_CASES:
            break
        source_ids = t.encode(text, target)
        max_output_tokens = int(1.5 * len(source_ids) + 10)
        # The reference decoder itself gives the golden tokens; the step-by-step loop
        # above only measures how safe they are, and must agree with it.
        (tokens, log_prob), = t._decode([source_ids], target, 1, alpha, 1.5, 10)
        stepped, margin, first_step, ended = greedy_margins(t, source_ids, max_output_tokens)
        if stepped != tokens:
            raise AssertionError(f"{model_dir}: greedy steps {stepped} differ from "
                                 f"Translator._decode's {tokens} on {text!r}")
        if not ended or margin < MIN_MARGIN:
            print(f"golden: {text!r} -> {target} left out (margin {margin:.4f}"
                  f"{'' if ended else ', no EOS'})")
            continue
        cases.append({"source_language": source_language, "target": target, "text": text,
                      "source_ids": source_ids, "max_output_tokens": max_output_tokens,
                      "tokens": tokens, "output": t.sp.decode(tokens),
                      "log_prob": float(log_prob), "min_margin": round(margin, 6),
                      "first_step": first_step})
    if len(cases) < MIN_DECODER_CASES:
        raise SystemExit(f"{model_dir}: only {len(cases)} decoder sentences have a greedy "
                         f"margin >= {MIN_MARGIN}; add candidates to DECODER_CANDIDATES")
    return {"beam": 1, "min_margin_required": MIN_MARGIN, "tolerance": LOGPROB_TOLERANCE,
            "banned_ids": sorted(int(i) for i in t.banned.tolist()), "cases": cases}


def golden(model_dir: str) -> dict:
    with open(os.path.join(model_dir, "metadata.json")) as f:
        meta = json.load(f)
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(model_dir, meta["tokenizer"]))
    langid = os.path.join(model_dir, meta.get("language_detector", "langid.bin"))
    used = [os.path.basename(langid), meta["tokenizer"], meta["file"]]
    return {
        "format": FORMAT,
        "generator": "services/translator/training/golden.py",
        "version": meta["version"],
        "computed_from": {name: sha256_file(os.path.join(model_dir, name)) for name in used},
        "langid": langid_golden(langid),
        "tokenizer": {"cases": [{"text": text, "ids": sp.encode(text)}
                                for text in TEXTS + TOKENIZER_ONLY]},
        "decoder": decoder_golden(model_dir),
    }


def _dumps(value, indent: int = 0) -> str:
    """JSON with objects one key a line and lists of numbers on one line: small and
    still readable in a diff."""
    pad = " " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{pad}{json.dumps(k)}: {_dumps(v, indent + 1)}" for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + " " * indent + "}" if items else "{}"
    if isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
        items = [pad + _dumps(v, indent + 1) for v in value]
        return "[\n" + ",\n".join(items) + "\n" + " " * indent + "]"
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))


def write_golden(model_dir: str) -> str:
    """Computes the golden outputs of the version in ``model_dir`` and writes them to
    ``model_dir/golden.json`` (then re-record the checksums); returns the path."""
    path = os.path.join(model_dir, GOLDEN_FILE)
    text = _dumps(golden(model_dir)) + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model_dirs", nargs="+", help="version directories, e.g. models/translator/7")
    args = p.parse_args()
    for d in args.model_dirs:
        path = write_golden(d)
        print(f"wrote {path} ({os.path.getsize(path)} bytes); now re-record the checksums: "
              f"/usr/bin/python3 common/inference/model_checksums.py {d}")


if __name__ == "__main__":
    main()
