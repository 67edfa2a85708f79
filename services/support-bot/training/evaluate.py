"""Evaluate the intent classifier on bitext-intent and CLINC150 beside a TF-IDF + logistic
regression baseline (tfidf.py, scikit-learn) trained in the same run and the published
CLINC150 numbers.

  /usr/bin/python3 services/support-bot/training/evaluate.py

--bitext_model / --clinc_model take an exported model directory (export.py) or a
train.py checkpoint (ensemble.pt).  Defaults: the shipped models/support-bot/3 and
build/support_bot_intent/clinc150/ensemble.pt (train.py --dataset clinc150).

Protocol:
- bitext-intent: accuracy on the 810 test utterances, by argmax and with the model's
  threshold/margin (a rejected utterance counts as wrong).  "unrelated rejected" is the
  share of CLINC150's 1,000 oos_test utterances (weather, sports, trivia...) that the
  bitext model sends to out-of-scope handling.
- CLINC150 ("full"): in-scope accuracy on the 4,500 in-scope test utterances (rejected
  ones count as wrong) and out-of-scope recall on the 1,000 oos_test utterances.
- Nothing is tuned on test: the model's thresholds come from train.py (validation split
  + CLINC150 oos_val); the baseline's C is chosen on the validation split (tfidf.py) and its
  thresholds are tuned here with the same rules (for CLINC150
  metrics.tune_joint_accuracy, the published protocol: the threshold with the best
  validation accuracy over all intents, out-of-scope counted as one more; for
  bitext-intent metrics.tune_for_recall, with the defaults of train.py).
- Multilingual customer messages (multilingual_test/, hand-written, test only; its
  README): per language (en, de, fr, es) the bot's path (--route): a model trained on the
  four languages (metadata "languages", v3) reads every message as written; for an
  English-only model (v2) an English message is used as it is and any other is translated
  to English first (to_english.py: the translator server's sentence splitting and span
  protection, ported, around services/translator/training/translate.py's decoder with the server's
  defaults); then the model with its threshold/margin.
  A rejected message is predicted "oos".  Printed: n, accuracy over all messages with oos
  as one more class, in-scope accuracy (rejected = wrong) and oos recall.
  --translator_model_dir picks the translator (models/translator/6 for v6);
  --skip_multilingual leaves the section out; --only multilingual runs only it (under
  a minute on one thread; no bitext/CLINC150 data needed).

  /usr/bin/python3 services/support-bot/training/evaluate.py --only multilingual \
      --translator_model_dir models/translator/6
"""
import argparse
import os
import random
import shlex
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402
from data import (OOS, REPO_ROOT, MULTILINGUAL_DIR, MULTILINGUAL_LANGUAGES, MULTILINGUAL_TRAIN_DIR,  # noqa: E402
                  default_data_dir, load_bitext, load_clinc150, load_multilingual, load_multilingual_split,
                  pad_batch)
from export import load_exported, predict_exported  # noqa: E402
from tfidf import TfidfLinear  # noqa: E402
from train import build_ensemble, encode, predict  # noqa: E402

PUBLISHED = [  # Larson et al., EMNLP 2019, Table 2 ("Full"): in-scope accuracy, oos recall
    ("published: BERT (confidence threshold)", 96.2, 52.3),
    ("published: BERT (oos as a class)", 96.9, 40.3),
    ("published: MLP on USE embeddings (oos as a class)", 93.5, 47.4),
    ("published: Rasa (oos as a class)", 91.5, 45.3),
    ("published: SVM (oos as a class)", 91.0, 14.5),
]


# A small hand-written sanity check of the bitext model (not a benchmark: 20 + 20 texts,
# labels by the author): customer phrasings unlike the templated bitext-intent data, and
# requests a shop's support bot does not handle.
PROBES_IN = [
    ("where is my package?? it's been 2 weeks", "track_order"),
    ("my parcel hasn't arrived yet", "track_order"),
    ("I want my money back", "get_refund"),
    ("how do I reset my password", "recover_password"),
    ("can I pay with paypal", "check_payment_methods"),
    ("i'd like to speak with a real person", "contact_human_agent"),
    ("the item arrived broken, I want a refund", "get_refund"),
    ("please unsubscribe me from your emails", "newsletter_subscription"),
    ("how long does shipping to canada take", "delivery_period"),
    ("I want to change the delivery address of my order", "change_shipping_address"),
    ("I need to cancel my order", "cancel_order"),
    ("I'd like to close my account", "delete_account"),
    ("can I get a copy of my invoice", "get_invoice"),
    ("I want to leave a review", "review"),
    ("your service is terrible, I want to complain", "complaint"),
    ("how do I sign up", "create_account"),
    ("is there a fee for cancelling", "check_cancellation_fee"),
    ("what's your return policy", "check_refund_policy"),
    ("I can't log in to my account", "registration_problems"),
    ("my payment didn't go through", "payment_issue"),
]
PROBES_OUT = [
    "who won the world cup in 2018", "what's the weather like in Paris tomorrow",
    "asdkjh qwpoeiru zxmcnv", "tell me a joke", "how many calories are in an avocado",
    "set an alarm for 7am", "what is the capital of france", "book a flight to new york",
    "what's my credit card balance", "hi there", "thanks a lot", "play some jazz music",
    "how do I change a flat tire", "translate hello into german", "what time is it in tokyo",
    "recommend a good restaurant nearby", "what is the meaning of life",
    "how tall is mount everest", "can you help me with my homework",
    "who is the president of the united states",
]


class Loaded:
    """A model to score texts with: an exported directory or a train.py checkpoint."""

    def __init__(self, path):
        self.path = path
        if os.path.isdir(path):
            self.vocab, self.module, meta = load_exported(path)
            self.labels, self.threshold, self.margin = meta["labels"], meta["threshold"], meta["margin"]
            self.members = meta["members"]
            self.exported = True
        else:
            ckpt = torch.load(path)
            self.vocab, self.module = build_ensemble(ckpt)
            self.labels, self.threshold, self.margin = ckpt["labels"], ckpt["threshold"], ckpt["margin"]
            self.members = [m["type"] for m in ckpt["members"]]
            self.exported = False
        self.oos_class = self.labels.index(OOS) if OOS in self.labels else -1
        self.languages = (meta if self.exported else ckpt).get("languages", ["en"])

    def probs(self, texts):
        if self.exported:
            return predict_exported(self.module, self.vocab, texts)
        return predict(self.module, encode(self.vocab, texts))

    @torch.no_grad()
    def latency_ms(self, texts):
        t0 = time.perf_counter()
        for t in texts:
            self.module(pad_batch([self.vocab.encode(t)]))
        return 1000 * (time.perf_counter() - t0) / len(texts)


def with_typos(text, rng):
    """`text` with one typo in about half of its words of 4+ characters: two adjacent
    characters swapped, one dropped or one doubled."""
    out = []
    for w in text.split():
        if len(w) >= 4 and rng.random() < 0.5:
            i, op = rng.randrange(len(w) - 1), rng.randrange(3)
            w = (w[:i] + w[i + 1] + w[i] + w[i + 2:] if op == 0 else
                 w[:i] + w[i + 1:] if op == 1 else w[:i] + w[i] + w[i:])
        out.append(w)
    return " ".join(out)


TYPO_SEEDS = (0, 1, 2)


def texts_labels(rows, label_id):
    return [t for t, _ in rows], [label_id.get(y, -1) for _, y in rows]


def pct(x):
    return "–" if x is None else f"{100 * x:.2f}"


def multilingual_route(bm, args):
    """"native" (a message is classified as written), "english" (translated to English
    first) or "both" (the mean of the two probability vectors); "auto" = native for a model
    trained on the four languages (metadata "languages"), english otherwise."""
    if args.route != "auto":
        return args.route
    return "native" if set(bm.languages) >= set(MULTILINGUAL_LANGUAGES) else "english"


def evaluate_multilingual(bm, args):
    """Per-language intent accuracy on the hand-written multilingual test set (or, with
    --multilingual_split dev, the development files of multilingual_train/), through the
    bot's path (multilingual_route); prints a table."""
    from to_english import ToEnglish

    route = multilingual_route(bm, args)
    if args.multilingual_split == "dev":
        data = load_multilingual_split("dev")
        source = f"{MULTILINGUAL_TRAIN_DIR}/<lang>.dev.tsv; hand-written, development split"
    else:
        data = load_multilingual(args.multilingual_dir)
        source = f"{args.multilingual_dir}; hand-written, test only"
    if args.multilingual_limit:
        # A fixed, spread-out subset per language (same seed every run), in file order.
        for lang, rows in data.items():
            if len(rows) > args.multilingual_limit:
                keep = sorted(random.Random(0).sample(range(len(rows)), args.multilingual_limit))
                data[lang] = [rows[i] for i in keep]
    t0 = time.perf_counter()
    to_en = ToEnglish(args.translator_model_dir, threads=args.threads) if route != "native" else None
    load_s = time.perf_counter() - t0
    table, dump, gated_table = [], [], []
    all_gold, all_pred, all_gated = [], [], []
    for lang in MULTILINGUAL_LANGUAGES:
        rows = data[lang]
        texts, gold = [t for t, _ in rows], [y for _, y in rows]
        t0 = time.perf_counter()
        if to_en is not None:
            scored = to_en.scored(texts, lang)
        else:
            scored = [(t, 1.0) for t in texts]
        english, confidence = [e for e, _ in scored], [c for _, c in scored]
        mt_s = time.perf_counter() - t0
        if route == "english":
            probs = bm.probs(english)
        elif route == "native":
            probs = bm.probs(texts)
        else:
            probs = (bm.probs(texts) + bm.probs(english)) / 2
        dec = metrics.decide(probs, bm.threshold, bm.margin, bm.oos_class)
        pred = [OOS if k == metrics.REJECT else bm.labels[k] for k in dec]
        # The bot does not act on a translation below --min_translation_confidence: it says
        # it did not understand, which counts as oos here.  A native classification needs
        # no translation, so the gate does not apply.
        gated = pred if route == "native" else [
            OOS if c < args.min_translation_confidence else p for p, c in zip(pred, confidence)]
        table.append((lang, gold, pred, mt_s))
        gated_table.append((lang, gold, gated, None))
        all_gold += gold
        all_pred += pred
        all_gated += gated
        dump += [(lang, y, p, f"{c:.3f}", t, e)
                 for t, e, y, p, c in zip(texts, english, gold, pred, confidence)]
    table.append(("all", all_gold, all_pred, None))
    gated_table.append(("all", all_gold, all_gated, None))

    def scores(gold, pred):
        ins = [(y, p) for y, p in zip(gold, pred) if y != OOS]
        oos = [p for y, p in zip(gold, pred) if y == OOS]
        acc = float(np.mean([y == p for y, p in zip(gold, pred)])) if gold else None
        in_acc = float(np.mean([y == p for y, p in ins])) if ins else None
        rec = float(np.mean([p == OOS for p in oos])) if oos else None
        return len(ins), len(oos), acc, in_acc, rec

    print()
    print(f"## Multilingual customer messages ({source})")
    how = {"native": "every message classified as written (no translation)",
           "english": "en as it is; de, fr, es translated to English first",
           "both": "de, fr, es: the mean of the probabilities of the message and of its English translation"}[route]
    mt = "" if to_en is None else (f" (to_english.py, translator {args.translator_model_dir}, beam "
                                   f"{to_en.beam}, the model's length penalty)")
    print(f"Route {route}: {how}{mt}; model {args.bitext_model} with threshold / margin "
          f"{bm.threshold:.2f} / {bm.margin:.2f}; a rejected message counts as oos.")
    if args.multilingual_limit:
        print(f"SUBSET: at most {args.multilingual_limit} messages per language (--multilingual_limit).")
    print()
    print("| language | n (in scope + oos) | accuracy, oos as a class | in-scope accuracy | oos recall "
          "| translation time (s) |")
    print("|---|---:|---:|---:|---:|---:|")
    for lang, gold, pred, mt_s in table:
        n_in, n_oos, acc, in_acc, rec = scores(gold, pred)
        secs = "–" if mt_s is None else ("none" if lang == "en" or to_en is None else f"{mt_s:.1f}")
        print(f"| {lang} | {len(gold)} ({n_in} + {n_oos}) | {pct(acc)} | {pct(in_acc)} | {pct(rec)} | {secs} |")
    print()
    print(f"With the bot's translation confidence gate (a translation below "
          f"{args.min_translation_confidence:.2f} is not acted on: the bot says it did not understand):")
    print()
    print("| language | accuracy, oos as a class | in-scope accuracy | oos recall |")
    print("|---|---:|---:|---:|")
    for lang, gold, pred, _ in gated_table:
        _, _, acc, in_acc, rec = scores(gold, pred)
        print(f"| {lang} | {pct(acc)} | {pct(in_acc)} | {pct(rec)} |")
    print()
    print("accuracy: predicted intent, or oos when rejected, equals the label over all messages; "
          "in-scope accuracy: over the in-scope messages (a rejected one is wrong); oos recall: "
          f"share of the oos messages rejected. Translator loaded in {load_s:.1f} s, {args.threads} thread(s).")
    if args.multilingual_dump:
        with open(args.multilingual_dump, "w", encoding="utf-8") as f:
            f.write("language\tlabel\tpredicted\tconfidence\ttext\tenglish\n")
            for row in dump:
                f.write("\t".join(x.replace("\t", " ").replace("\n", " ") for x in row) + "\n")
        print(f"per-message predictions and translations: {args.multilingual_dump}")


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=default_data_dir())
    p.add_argument("--bitext_model", default=str(REPO_ROOT / "models" / "support-bot" / "3"))
    p.add_argument("--clinc_model", default=str(REPO_ROOT / "build" / "support_bot_intent" / "clinc150" / "ensemble.pt"))
    p.add_argument("--bitext_drop", type=float, default=0.005,
                   help="baseline threshold tuning: allowed drop of validation in-scope accuracy")
    p.add_argument("--bitext_oos_target", type=float, default=0.9,
                   help="baseline threshold tuning on bitext: oos_val recall to reach")
    p.add_argument("--clinc_drop", type=float, default=0.01,
                   help="baseline threshold tuning on CLINC150 with --clinc_rule recall")
    p.add_argument("--clinc_rule", choices=["joint", "recall"], default="joint",
                   help="baseline threshold tuning on CLINC150, as train.py --clinc_rule: joint = "
                        "the published protocol (metrics.tune_joint_accuracy)")
    p.add_argument("--no_baseline", action="store_true")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--only", choices=["all", "multilingual"], default="all",
                   help="multilingual: only the multilingual section (no bitext/CLINC150 runs)")
    p.add_argument("--multilingual_dir", default=str(MULTILINGUAL_DIR),
                   help="the hand-written test set: {en,de,fr,es}.tsv")
    p.add_argument("--translator_model_dir", default=str(REPO_ROOT / "models" / "translator" / "6"),
                   help="translator version directory for non-English messages, e.g. models/translator/6")
    p.add_argument("--skip_multilingual", action="store_true", help="leave the multilingual section out")
    p.add_argument("--min_translation_confidence", type=float, default=0.5,
                   help="the support bot's gate (support-bot --min_translation_confidence)")
    p.add_argument("--route", choices=["auto", "native", "english", "both"], default="auto",
                   help="multilingual: how a message reaches the model (multilingual_route)")
    p.add_argument("--multilingual_split", choices=["test", "dev"], default="test",
                   help="dev = multilingual_train/<lang>.dev.tsv, for choosing a design")
    p.add_argument("--multilingual_limit", type=int, default=0,
                   help="at most this many messages per language (a fixed random subset); 0 = all")
    p.add_argument("--multilingual_dump", default="",
                   help="write per-message language, label, prediction, text and English to this TSV")
    args = p.parse_args(argv)
    if args.only == "multilingual" and args.skip_multilingual:
        p.error("--only multilingual and --skip_multilingual exclude each other")
    torch.set_num_threads(args.threads)
    print("$ /usr/bin/python3 " + " ".join(shlex.quote(a) for a in sys.argv))

    if args.only == "multilingual":
        evaluate_multilingual(Loaded(args.bitext_model), args)
        return

    bitext, clinc = load_bitext(args.data_dir), load_clinc150(args.data_dir)
    rows = {}  # method -> dict of metrics

    # ------------------------------------------------------------------ bitext-intent
    bm = Loaded(args.bitext_model)
    bid = {y: i for i, y in enumerate(bm.labels)}
    test_x, test_y = texts_labels(bitext["test"], bid)
    unrelated = [t for t, _ in clinc["oos_test"]]
    tp, up = bm.probs(test_x), bm.probs(unrelated)
    name = (f"model: ensemble of {bm.members.count('bag')} bag + MLP and "
            f"{bm.members.count('linear')} TF-IDF-linear members")
    rows[name] = {
        "bitext_argmax": metrics.in_scope_accuracy(tp.argmax(1), test_y),
        "bitext_thr": metrics.in_scope_accuracy(metrics.decide(tp, bm.threshold, bm.margin, bm.oos_class), test_y),
        "bitext_unrel": metrics.oos_recall(metrics.decide(up, bm.threshold, bm.margin, bm.oos_class)),
        "bitext_tm": (bm.threshold, bm.margin),
    }
    # The same test utterances with synthetic typos (three draws): robustness to spelling.
    typo_acc = [metrics.in_scope_accuracy(bm.probs([with_typos(t, random.Random(seed)) for t in test_x]).argmax(1),
                                          test_y) for seed in TYPO_SEEDS]
    latency = bm.latency_ms(test_x[:300])
    pi = metrics.decide(bm.probs([t for t, _ in PROBES_IN]), bm.threshold, bm.margin, bm.oos_class)
    po = metrics.decide(bm.probs(PROBES_OUT), bm.threshold, bm.margin, bm.oos_class)
    probes_in = sum(int(k >= 0 and bm.labels[k] == y) for k, (_, y) in zip(pi, PROBES_IN))
    probes_out = int((po == metrics.REJECT).sum())

    # ------------------------------------------------------------------ CLINC150
    cm = Loaded(args.clinc_model) if os.path.exists(args.clinc_model) else None
    if cm is None:
        print(f"# no CLINC150 model at {args.clinc_model}: run "
              f"train.py --dataset clinc150 (CLINC150 columns left empty)")
    else:
        cid = {y: i for i, y in enumerate(cm.labels)}
        ct_x, ct_y = texts_labels(clinc["test"], cid)
        ctp, cop = cm.probs(ct_x), cm.probs([t for t, _ in clinc["oos_test"]])
        argmax = ctp.argmax(1)
        if cm.oos_class >= 0:
            argmax = np.where(argmax == cm.oos_class, metrics.REJECT, argmax)
        rows[name].update({
            "clinc_argmax_in": metrics.in_scope_accuracy(argmax, ct_y),
            "clinc_in": metrics.in_scope_accuracy(metrics.decide(ctp, cm.threshold, cm.margin, cm.oos_class), ct_y),
            "clinc_oos": metrics.oos_recall(metrics.decide(cop, cm.threshold, cm.margin, cm.oos_class)),
            "clinc_tm": (cm.threshold, cm.margin),
        })

    # ------------------------------------------------------------------ TF-IDF + logistic regression
    baseline_fits = {}
    if not args.no_baseline:
        base = "TF-IDF + logistic regression (same run)"
        rows[base] = {}
        for ds, data, drop in (("bitext", bitext, args.bitext_drop), ("clinc", clinc, args.clinc_drop)):
            labels = sorted({y for _, y in data["train"]})
            lid = {y: i for i, y in enumerate(labels)}
            tr_x, tr_y = texts_labels(data["train"], lid)
            va_x, va_y = texts_labels(data["val"], lid)
            te_x, te_y = texts_labels(data["test"], lid)
            clf = TfidfLinear().fit(tr_x, tr_y, len(labels), va_x, va_y)
            baseline_fits[ds] = clf
            vp, op = clf.predict_proba(va_x), clf.predict_proba([t for t, _ in clinc["oos_val"]])
            tp2, up2 = clf.predict_proba(te_x), clf.predict_proba(unrelated)
            raw = metrics.in_scope_accuracy(vp.argmax(1), va_y)
            if ds == "bitext":  # the rules train.py applies to the model
                t, m = metrics.tune_for_recall(vp, va_y, op, raw - drop, args.bitext_oos_target)
            elif args.clinc_rule == "joint":
                t, m = metrics.tune_joint_accuracy(vp, va_y, op)
            else:
                t, m = metrics.tune(vp, va_y, op, raw - drop)
            if ds == "bitext":
                rows[base].update({
                    "bitext_argmax": metrics.in_scope_accuracy(tp2.argmax(1), te_y),
                    "bitext_thr": metrics.in_scope_accuracy(metrics.decide(tp2, t, m), te_y),
                    "bitext_unrel": metrics.oos_recall(metrics.decide(up2, t, m)),
                    "bitext_tm": (t, m)})
            else:
                rows[base].update({
                    "clinc_argmax_in": metrics.in_scope_accuracy(tp2.argmax(1), te_y),
                    "clinc_in": metrics.in_scope_accuracy(metrics.decide(tp2, t, m), te_y),
                    "clinc_oos": metrics.oos_recall(metrics.decide(up2, t, m)),
                    "clinc_tm": (t, m)})

    # ------------------------------------------------------------------ table
    print()
    print("| method | bitext-intent test acc, no rejection | bitext-intent test acc | bitext model: "
          "unrelated rejected (CLINC150 oos_test) | CLINC150 in-scope acc, no rejection "
          "| CLINC150 in-scope acc | CLINC150 oos recall | threshold / margin (bitext; CLINC150) |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for method, r in rows.items():
        tm = "; ".join(f"{r[k][0]:.2f} / {r[k][1]:.2f}" if k in r else "–" for k in ("bitext_tm", "clinc_tm"))
        print(f"| {method} | {pct(r.get('bitext_argmax'))} | {pct(r.get('bitext_thr'))} "
              f"| {pct(r.get('bitext_unrel'))} | {pct(r.get('clinc_argmax_in'))} | {pct(r.get('clinc_in'))} "
              f"| {pct(r.get('clinc_oos'))} | {tm} |")
    for method, acc, rec in PUBLISHED:
        print(f"| {method} | – | – | – | – | {acc:.1f} | {rec:.1f} | – |")
    print()
    print("Accuracies count rejected utterances as wrong, except in the 'no rejection' columns "
          "(argmax over the intents). Published rows: Larson et al., EMNLP 2019, Table 2 (Full).")
    print(f"bitext model: {args.bitext_model}; CLINC150 model: {args.clinc_model}")
    for ds, clf in baseline_fits.items():
        accs = ", ".join(f"{c:g}: {100 * a:.2f}" for c, a in clf.val_acc.items())
        print(f"TF-IDF + logistic regression, {'bitext' if ds == 'bitext' else 'CLINC150'}: C = {clf.C_:g}, "
              f"the best validation accuracy without rejection (C: accuracy; {accs})")
    print(f"bitext model, test utterances with synthetic typos (evaluate.with_typos, draws {TYPO_SEEDS}), "
          f"accuracy without rejection: {', '.join(f'{100 * a:.2f}' for a in typo_acc)} "
          f"(mean {100 * np.mean(typo_acc):.2f})")
    print(f"bitext model, hand-written probes: {probes_in}/{len(PROBES_IN)} customer phrasings kept "
          f"with the right intent, {probes_out}/{len(PROBES_OUT)} unrelated requests rejected")
    print(f"bitext model latency (Python, featurize + forward, batch 1, 1 thread): {latency:.3f} ms/utterance")

    # ------------------------------------------------------------------ multilingual
    if not args.skip_multilingual:
        evaluate_multilingual(bm, args)


if __name__ == "__main__":
    main()
