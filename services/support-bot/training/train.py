"""Train the support-bot intent classifier (an ensemble of fastText-style bags with an MLP
head, model.py) on bitext-intent or CLINC150, then tune its out-of-scope threshold and
margin on the validation split.

  /usr/bin/python3 services/support-bot/training/pretrain_words.py   # once: word vectors
  /usr/bin/python3 services/support-bot/training/train.py --dataset bitext
  /usr/bin/python3 services/support-bot/training/train.py --dataset clinc150

The bag members pool pretrained word vectors (pretrain_words.py's output, --pretrained)
beside their own features, so words the training split lacks still mean something.

Writes <out>/member<k>.pt after each ensemble member (re-running the same command skips
the members already trained: resumable) and <out>/ensemble.pt (everything evaluate.py and
export.py need: labels, vocabulary, members, threshold, margin).

Threshold tuning, on the validation split and CLINC150's oos_val (bitext-intent has no
out-of-scope examples; CLINC150's oos utterances -- weather, sports, trivia... -- are
outside a shop's customer support too):
- clinc150 (metrics.tune_joint_accuracy, the published protocol of Larson et al. 2019):
  the threshold with the best validation accuracy over all intents, out-of-scope counted
  as one more intent.  --clinc_rule recall restores the rule used until 2026-11-29
  (metrics.tune: the highest oos_val recall within --max_in_scope_drop);
- bitext (metrics.tune_for_recall): the least rejecting (threshold, margin) that rejects
  >= --oos_target of oos_val while validation in-scope accuracy stays within
  --max_in_scope_drop of its value without rejection.  bitext-intent's validation
  utterances are templated like its training ones, so its accuracy stays flat up to high
  thresholds that would reject real customers' paraphrases; stopping at the target
  leaves them room.
"""
import argparse
import os
import random
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import metrics  # noqa: E402
from data import (DEFAULT_FEATURIZER, FIRST_ID, MULTILINGUAL_LANGUAGES, OOS, REPO_ROOT,  # noqa: E402
                  UNK_OF_KIND, Vocabulary, clinc150_negatives, default_data_dir, load_bitext,
                  load_clinc150, load_dataset, load_multilingual_split, massive_negatives, pad_batch)
from model import IntentEnsemble, IntentModel, LinearMember  # noqa: E402

MODEL_KEYS = ("dim", "hidden", "dropout", "pretrained_dim")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", choices=["bitext", "clinc150", "multilingual"], default="bitext",
                   help="multilingual: bitext-intent train (English) + the hand-written "
                        "multilingual_train/<lang>.train.tsv (en, de, fr, es) + out-of-scope "
                        "examples in all four languages (CLINC150 train, MASSIVE train), with an "
                        "oos class; tuned on multilingual_train/<lang>.dev.tsv")
    p.add_argument("--multilingual_repeat", type=int, default=3,
                   help="multilingual: times each hand-written training message is drawn per epoch "
                        "(bitext-intent has 240 utterances per intent, the hand-written files 24 "
                        "per intent and language)")
    p.add_argument("--translated", default="",
                   help="multilingual: also train on translate_train.py's output (bitext-intent "
                        "utterances machine-translated to de, fr, es)")
    p.add_argument("--min_translated_confidence", type=float, default=0.5,
                   help="multilingual: leave out translations the translator's confidence puts below this")
    p.add_argument("--massive_negatives", type=int, default=400,
                   help="multilingual: out-of-scope MASSIVE requests per language (data.massive_negatives)")
    p.add_argument("--multilingual_rule", choices=["joint", "recall"], default="joint",
                   help="multilingual threshold tuning on the dev files: joint = best accuracy "
                        "with oos as one more class (metrics.tune_joint_accuracy); recall = the "
                        "highest oos recall within --max_in_scope_drop (metrics.tune)")
    p.add_argument("--data_dir", default=default_data_dir())
    p.add_argument("--out", default="", help="default: build/support_bot_intent/<dataset>")
    p.add_argument("--seed", type=int, default=20261129, help="member k uses seed + k")
    p.add_argument("--members", type=int, default=3, help="number of bag + MLP members")
    p.add_argument("--linear", type=int, default=1, help="1 = add a TF-IDF + linear member")
    p.add_argument("--linear_epochs", type=int, default=20)
    p.add_argument("--linear_lr", type=float, default=5e-3)
    p.add_argument("--linear_weight_decay", type=float, default=1e-4)
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch_size", type=int, default=64)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--weight_decay", type=float, default=0.0)
    p.add_argument("--dim", type=int, default=64)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--dropout", type=float, default=0.3)
    p.add_argument("--label_smoothing", type=float, default=0.1)
    p.add_argument("--feature_dropout", type=float, default=0.1,
                   help="training: probability that a feature is replaced by its kind's unknown id")
    p.add_argument("--oos_class", type=int, default=0,
                   help="1 = train an extra class 'oos': clinc150: on oos_train; bitext: on "
                        "data.clinc150_negatives (CLINC150 train utterances of unrelated domains "
                        "and oos_train)")
    p.add_argument("--negatives_per_intent", type=int, default=5)
    p.add_argument("--min_n", type=int, default=DEFAULT_FEATURIZER["min_n"])
    p.add_argument("--max_n", type=int, default=DEFAULT_FEATURIZER["max_n"])
    p.add_argument("--min_count_bigram", type=int, default=DEFAULT_FEATURIZER["min_count"]["bigram"])
    p.add_argument("--min_count_char", type=int, default=DEFAULT_FEATURIZER["min_count"]["char"])
    p.add_argument("--max_in_scope_drop", type=float, default=-1,
                   help="threshold tuning: allowed drop of validation in-scope accuracy "
                        "(default 0.005 for bitext, 0.01 for clinc150)")
    p.add_argument("--oos_target", type=float, default=-1,
                   help="threshold tuning: > 0 = take the least rejecting threshold/margin whose "
                        "oos_val recall reaches this (default 0.9 for bitext, off for clinc150)")
    p.add_argument("--clinc_rule", choices=["joint", "recall"], default="joint",
                   help="clinc150 threshold tuning: joint = the published protocol "
                        "(metrics.tune_joint_accuracy: best validation accuracy over all intents "
                        "with oos as one more); recall = the highest oos_val recall within "
                        "--max_in_scope_drop (metrics.tune; the rule until 2026-11-29)")
    p.add_argument("--pretrained", default=str(REPO_ROOT / "build" / "support_bot_intent" / "word_vectors.npz"),
                   help="word vectors from pretrain_words.py (.npz): bag members pool them as a "
                        "fourth kind of feature (frozen, with a trained projection); 'none' = "
                        "without them (as models/support-bot/1 was trained)")
    p.add_argument("--pretrained_norm", type=int, default=0, help="1 = scale each vector to unit length")
    p.add_argument("--pretrained_max_words", type=int, default=0,
                   help="> 0 = only the first (most frequent) this many words of the vectors, to keep "
                        "the exported model small")
    p.add_argument("--threads", type=int, default=1)
    return p.parse_args(argv)


def set_seed(seed):
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)


def encode(vocab, texts):
    return [vocab.encode(t) for t in texts]


@torch.no_grad()
def predict(model, id_lists, batch_size=512):
    """Softmax probabilities (numpy [N, C]) of a member (logits) or an ensemble (probs)."""
    model.eval()
    out = []
    for s in range(0, len(id_lists), batch_size):
        y = model(pad_batch(id_lists[s:s + batch_size]))
        if not isinstance(model, IntentEnsemble):
            y = torch.softmax(y, -1)
        out.append(y)
    return torch.cat(out).numpy() if out else np.zeros((0, 0), np.float32)


def unk_table(vocab):
    """Per id, the unknown id of its kind (for feature dropout)."""
    t = torch.zeros(vocab.size, dtype=torch.long)
    for kind, (a, b) in vocab.ranges.items():
        t[a:b] = UNK_OF_KIND[kind]
        t[UNK_OF_KIND[kind]] = UNK_OF_KIND[kind]
    return t


def load_pretrained(path, normalize, max_words=0):
    """(words, float32 tensor [N, dim]) of pretrain_words.py's output (most frequent first;
    the first `max_words` when > 0)."""
    z = np.load(path)
    n = max_words if max_words > 0 else len(z["words"])
    vectors = torch.from_numpy(z["vectors"][:n].astype(np.float32))
    if normalize:
        vectors = vectors / vectors.norm(dim=1, keepdim=True).clamp(min=1e-6)
    return [str(w) for w in z["words"][:n]], vectors


def train_member(args, vocab, train_ids, train_y, num_classes, seed, val=None, log=print, pretrained=None):
    set_seed(seed)
    model = IntentModel(vocab.size, vocab.ranges, num_classes, dim=args.dim, hidden=args.hidden,
                        dropout=args.dropout, pretrained_dim=args.pretrained_dim)
    if pretrained is not None:
        with torch.no_grad():
            model.pretrained.weight.copy_(pretrained)
    # The embedding table is large and each batch touches few rows: sparse gradients and
    # SparseAdam for it, AdamW for the rest; linear warm-up over 10% of the steps, then
    # linear decay to 0.
    model.embedding.sparse = True
    emb_params = [model.embedding.weight]
    rest = [p for n, p in model.named_parameters() if n != "embedding.weight" and p.requires_grad]
    opts = [torch.optim.SparseAdam(emb_params, lr=args.lr),
            torch.optim.AdamW(rest, lr=args.lr, weight_decay=args.weight_decay)]
    steps_per_epoch = (len(train_ids) + args.batch_size - 1) // args.batch_size
    total = steps_per_epoch * args.epochs
    warm = max(1, total // 10)

    def lr_at(step):
        return args.lr * (step + 1) / warm if step < warm else args.lr * (total - step) / (total - warm)
    loss_fn = torch.nn.CrossEntropyLoss(label_smoothing=args.label_smoothing)
    unk = unk_table(vocab)
    y_all = torch.tensor(train_y, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    step = 0
    for epoch in range(1, args.epochs + 1):
        model.train()
        perm = torch.randperm(len(train_ids), generator=gen).tolist()
        total_loss = 0.0
        for s in range(0, len(perm), args.batch_size):
            idx = perm[s:s + args.batch_size]
            ids = pad_batch([train_ids[i] for i in idx])
            if args.feature_dropout > 0:
                drop = (torch.rand(ids.shape, generator=gen) < args.feature_dropout) & (ids > 0)
                ids = torch.where(drop, unk[ids], ids)
            loss = loss_fn(model(ids), y_all[idx])
            for o in opts:
                for g in o.param_groups:
                    g["lr"] = lr_at(step)
                o.zero_grad()
            loss.backward()
            for o in opts:
                o.step()
            step += 1
            total_loss += loss.item() * len(idx)
        msg = f"seed {seed} epoch {epoch:3d} loss {total_loss / len(perm):.4f} {time.time() - t0:6.1f}s"
        if val is not None and (epoch % 5 == 0 or epoch == args.epochs):
            vp = predict(model, val[0])
            msg += f" val acc {np.mean(vp.argmax(1) == np.asarray(val[1])):.4f}"
        log(msg)
    model.embedding.sparse = False
    model.eval()
    return model


def idf_table(vocab, train_ids):
    """Smoothed idf per id, ln((1 + N) / (1 + df)) + 1; 0 for padding and unknown ids."""
    df = torch.zeros(vocab.size)
    for ids in train_ids:
        df[torch.tensor(sorted(set(ids)), dtype=torch.long)] += 1
    idf = torch.log((1 + len(train_ids)) / (1 + df)) + 1
    idf[:FIRST_ID] = 0
    return idf


def train_linear(args, vocab, train_ids, train_y, num_classes, idf, seed, val=None, log=print):
    set_seed(seed)
    model = LinearMember(vocab.size, vocab.ranges, num_classes, idf)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.linear_lr,
                            weight_decay=args.linear_weight_decay)
    y_all = torch.tensor(train_y, dtype=torch.long)
    gen = torch.Generator().manual_seed(seed)
    t0 = time.time()
    for epoch in range(1, args.linear_epochs + 1):
        model.train()
        perm = torch.randperm(len(train_ids), generator=gen).tolist()
        total_loss = 0.0
        for s in range(0, len(perm), 128):
            idx = perm[s:s + 128]
            loss = torch.nn.functional.cross_entropy(model(pad_batch([train_ids[i] for i in idx])), y_all[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
            total_loss += loss.item() * len(idx)
        msg = f"linear seed {seed} epoch {epoch:3d} loss {total_loss / len(perm):.4f} {time.time() - t0:6.1f}s"
        if val is not None and (epoch % 5 == 0 or epoch == args.linear_epochs):
            vp = predict(model, val[0])
            msg += f" val acc {np.mean(vp.argmax(1) == np.asarray(val[1])):.4f}"
        log(msg)
    model.eval()
    return model


def multilingual_data(args, log):
    """({"train", "val", "oos_val"}, {language: dev rows}) of --dataset multilingual."""
    bitext = load_bitext(args.data_dir)
    mtrain = load_multilingual_split("train")
    mdev = load_multilingual_split("dev")
    train = list(bitext["train"])
    for lang in MULTILINGUAL_LANGUAGES:
        train += mtrain[lang] * args.multilingual_repeat
    translated = []
    if args.translated:
        with open(args.translated, encoding="utf-8") as f:
            for line in f:
                cols = line.rstrip("\n").split("\t")
                if len(cols) == 4 and float(cols[3]) >= args.min_translated_confidence:
                    translated.append((cols[0], cols[1]))
        train += translated
    negatives = clinc150_negatives(args.data_dir, args.negatives_per_intent)
    negatives += massive_negatives(args.data_dir, args.massive_negatives)
    train += negatives
    dev = [r for lang in MULTILINGUAL_LANGUAGES for r in mdev[lang]]
    log(f"# multilingual: bitext train {len(bitext['train'])}, hand-written "
        f"{ {k: len(v) for k, v in mtrain.items()} } x {args.multilingual_repeat}, translated "
        f"{len(translated)}, oos "
        f"{len(negatives)}; dev {len(dev)}")
    return ({"train": train, "val": [r for r in dev if r[1] != OOS], "oos_val": [r for r in dev if r[1] == OOS]},
            mdev)


def build_ensemble(ckpt):
    vocab = Vocabulary.from_state(ckpt["vocab"])
    members = []
    for member in ckpt["members"]:
        if member["type"] == "linear":
            m = LinearMember(vocab.size, vocab.ranges, len(ckpt["labels"]), torch.zeros(vocab.size))
        else:
            m = IntentModel(vocab.size, vocab.ranges, len(ckpt["labels"]), **ckpt["model"])
        m.load_state_dict(member["state_dict"])
        m.eval()
        members.append(m)
    return vocab, IntentEnsemble(members).eval()


def main(argv=None):
    args = parse_args(argv)
    torch.set_num_threads(args.threads)
    out = args.out or str(REPO_ROOT / "build" / "support_bot_intent" / args.dataset)
    os.makedirs(out, exist_ok=True)
    logf = open(os.path.join(out, "train.log"), "a")

    def log(msg):
        print(msg, flush=True)
        logf.write(msg + "\n")
        logf.flush()

    log(f"# {' '.join(sys.argv)}")
    log(f"# {vars(args)}")
    dev_by_language = None
    if args.dataset == "multilingual":
        data, dev_by_language = multilingual_data(args, log)
        train = list(data["train"])
    else:
        data = load_dataset(args.dataset, args.data_dir)
        train = list(data["train"])
        if args.oos_class and args.dataset == "clinc150":
            train += data["oos_train"]
        elif args.oos_class:
            train += clinc150_negatives(args.data_dir, args.negatives_per_intent)
    labels = sorted({y for _, y in train})
    label_id = {y: i for i, y in enumerate(labels)}
    oos_class = label_id.get(OOS, -1)

    cfg = dict(DEFAULT_FEATURIZER, min_n=args.min_n, max_n=args.max_n,
               min_count=dict(DEFAULT_FEATURIZER["min_count"], bigram=args.min_count_bigram,
                              char=args.min_count_char))
    pretrained_words, pretrained = None, None
    args.pretrained_dim = 0
    if args.pretrained != "none":
        if not os.path.exists(args.pretrained):
            sys.exit(f"{args.pretrained} not found: run services/support-bot/training/pretrain_words.py "
                     f"first, or pass --pretrained none")
        pretrained_words, pretrained = load_pretrained(args.pretrained, args.pretrained_norm,
                                                       args.pretrained_max_words)
        args.pretrained_dim = pretrained.shape[1]
        cfg["pretrained"] = {"file": os.path.basename(args.pretrained), "words": len(pretrained_words),
                             "dim": args.pretrained_dim, "normalized": bool(args.pretrained_norm)}
    vocab = Vocabulary.build([t for t, _ in train], cfg, pretrained_words)
    log(f"# {len(train)} training utterances, {len(labels)} classes, vocabulary {vocab.size} "
        f"({ {k: b - a for k, (a, b) in vocab.ranges.items()} })")
    train_ids = encode(vocab, [t for t, _ in train])
    train_y = [label_id[y] for _, y in train]
    val_ids = encode(vocab, [t for t, _ in data["val"]])
    val_y = [label_id[y] for _, y in data["val"]]
    if args.dataset == "multilingual":
        oos_val = data["oos_val"]
    else:
        oos_val = (data if args.dataset == "clinc150" else load_clinc150(args.data_dir))["oos_val"]
    oos_val_ids = encode(vocab, [t for t, _ in oos_val])

    model_cfg = {k: getattr(args, k) for k in MODEL_KEYS}
    data_key = [len(train), len(labels)]
    states = []
    plan = [("bag", k) for k in range(args.members)] + [("linear", k) for k in range(args.linear)]
    for kind, k in plan:
        path = os.path.join(out, f"{kind}{k}.pt")
        seed = args.seed + k
        hparams = dict(model_cfg, pretrained=cfg.get("pretrained")) if kind == "bag" else {
            "epochs": args.linear_epochs, "lr": args.linear_lr, "wd": args.linear_weight_decay}
        if os.path.exists(path):
            st = torch.load(path)
            if (st["hparams"] == hparams and st["seed"] == seed and st["vocab_size"] == vocab.size
                    and st.get("data") == data_key):
                log(f"{kind} member {k}: loaded {path}")
                states.append({"type": kind, "state_dict": st["state_dict"]})
                continue
        if kind == "bag":
            m = train_member(args, vocab, train_ids, train_y, len(labels), seed, val=(val_ids, val_y), log=log,
                             pretrained=pretrained)
        else:
            m = train_linear(args, vocab, train_ids, train_y, len(labels), idf_table(vocab, train_ids), seed,
                             val=(val_ids, val_y), log=log)
        torch.save({"hparams": hparams, "seed": seed, "vocab_size": vocab.size, "data": data_key,
                    "state_dict": m.state_dict()}, path + ".tmp")
        os.replace(path + ".tmp", path)
        states.append({"type": kind, "state_dict": m.state_dict()})

    ckpt = {"dataset": args.dataset, "args": vars(args), "labels": labels, "model": model_cfg,
            "vocab": vocab.state(), "members": states, "oos_class": oos_class}
    _, ens = build_ensemble(ckpt)
    vp, op = predict(ens, val_ids), predict(ens, oos_val_ids)
    raw = metrics.in_scope_accuracy(vp.argmax(1), val_y)
    drop = args.max_in_scope_drop if args.max_in_scope_drop >= 0 else (
        0.005 if args.dataset == "bitext" else 0.01)
    target = args.oos_target if args.oos_target >= 0 else (0.9 if args.dataset == "bitext" else 0)
    if args.dataset == "multilingual":
        target = 0
    if args.dataset == "multilingual" and args.multilingual_rule == "recall":
        t, m = metrics.tune(vp, val_y, op, raw - drop, oos_class)
    elif target > 0:
        t, m = metrics.tune_for_recall(vp, val_y, op, raw - drop, target, oos_class)
    elif args.clinc_rule == "joint":
        t, m = metrics.tune_joint_accuracy(vp, val_y, op, oos_class)
    else:
        t, m = metrics.tune(vp, val_y, op, raw - drop, oos_class)
    ckpt["threshold"], ckpt["margin"] = t, m
    acc = metrics.in_scope_accuracy(metrics.decide(vp, t, m, oos_class), val_y)
    rec = metrics.oos_recall(metrics.decide(op, t, m, oos_class))
    log(f"ensemble of {len(states)}: val accuracy {raw:.4f}; threshold {t} margin {m}: "
        f"val in-scope {acc:.4f}, oos_val recall {rec:.4f}")
    if dev_by_language:
        ckpt["languages"] = list(MULTILINGUAL_LANGUAGES)
        for lang, rows in dev_by_language.items():
            p_ = predict(ens, encode(vocab, [x for x, _ in rows]))
            dec = metrics.decide(p_, t, m, oos_class)
            gold = [label_id[y] for _, y in rows]
            right = [(d == g) if g != oos_class else (d == metrics.REJECT) for d, g in zip(dec, gold)]
            log(f"  dev {lang}: accuracy (oos as a class) {np.mean(right):.4f} over {len(rows)}")
        bv = load_bitext(args.data_dir)["val"]
        bp = predict(ens, encode(vocab, [x for x, _ in bv]))
        log(f"  bitext-intent val: argmax accuracy {np.mean(bp.argmax(1) == [label_id[y] for _, y in bv]):.4f}")
    torch.save(ckpt, os.path.join(out, "ensemble.pt.tmp"))
    os.replace(os.path.join(out, "ensemble.pt.tmp"), os.path.join(out, "ensemble.pt"))
    log(f"wrote {os.path.join(out, 'ensemble.pt')}")


if __name__ == "__main__":
    main()
