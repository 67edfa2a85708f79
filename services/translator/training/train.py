"""Train the multilingual product translator (en<->de, en<->fr, en<->es).

Steps, each skipped when its output already exists in ``--out_dir``:
  1. a joint SentencePiece vocabulary (``spm.model``) over the training text;
  2. the encoded training/validation data (``data.pt``), with placeholder
     augmentation (below);
  3. training, resumable: ``last.pt`` (model, optimizer, schedule, epoch, the
     batch reached inside the epoch, RNG states) is written atomically every
     ``--save_every_min`` minutes and at the end of every epoch; re-running the
     same command continues from it.  ``best.pt`` keeps the weights with the
     lowest validation loss; ``epoch<N>.pt`` keeps the last few epochs'
     weights for checkpoint averaging at export.

``--init_from models/translator/N`` starts a new ``--out_dir`` from a shipped
model instead of from scratch: its vocabulary (``spm.model``) and weights, and
the epoch and step it was exported at, so the learning-rate schedule and the
epoch's batch order go on where that run left off.  Only the optimizer's
moments are new, so the learning rate ramps up again over ``--init_rewarm``
steps.  This is how training survives the loss of ``--out_dir``: the shipped
model is the checkpoint that is always there.

Placeholder augmentation teaches the model to copy ``<phN>`` tokens, which is
how the server protects numbers, prices, SKUs, URLs, brand names and glossary
terms: tokens that appear verbatim on both sides of a pair (numbers, model
names, capitalised names) are replaced by ``<ph0>``, ``<ph1>``... on both sides,
and a share of pairs gets a placeholder glued to the start or end of both sides
(the shape of "BRAND red dress" titles).

Uses CUDA when present (``--device auto``).  Matmuls run in bfloat16 under
autocast (``--amp auto``) on CUDA and on CPUs with bfloat16 instructions (AMX or
AVX512-BF16: about 5x the fp32 speed on a Sapphire Rapids core); elsewhere in
fp32, since an AVX2-only CPU emulates bfloat16: on a 2-core AMD EPYC (AVX2) a
6,000-token training step took 4.4 s in fp32 and 64.8 s under bfloat16 autocast
(scripts/bench_translator_training.py).

Example:
  /usr/bin/python3 services/translator/training/train.py --epochs 12
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "2")

import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import markup  # noqa: E402
import vocab  # noqa: E402
from model import Transformer  # noqa: E402

MODEL_KEYS = ("vocab_size", "d", "heads", "ff", "enc_layers", "dec_layers")


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=data.default_data_dir())
    p.add_argument("--out_dir", default=str(data.REPO_ROOT / "build" / "translator_ckpt"))
    p.add_argument("--vocab_size", type=int, default=8000)
    p.add_argument("--d", type=int, default=256)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ff", type=int, default=1024)
    p.add_argument("--enc_layers", type=int, default=4)
    p.add_argument("--dec_layers", type=int, default=3)
    p.add_argument("--dropout", type=float, default=0.1)
    p.add_argument("--label_smoothing", type=float, default=0.1)
    p.add_argument("--epochs", type=int, default=12)
    p.add_argument("--max_tokens", type=int, default=6000,
                   help="padded source+target tokens per batch")
    p.add_argument("--max_len", type=int, default=128, help="drop pairs longer than this (pieces)")
    p.add_argument("--lr", type=float, default=1e-3, help="peak learning rate")
    p.add_argument("--warmup", type=int, default=1000, help="linear warm-up steps, then 1/sqrt decay")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--device", default="auto", help="auto, cpu or cuda")
    p.add_argument("--amp", default="auto", choices=["auto", "on", "off"],
                   help="bfloat16 autocast; auto = on for CUDA and for CPUs with native bfloat16 (above)")
    p.add_argument("--save_every_min", type=float, default=10.0)
    p.add_argument("--keep_epochs", type=int, default=5, help="per-epoch weight files kept for averaging")
    p.add_argument("--placeholder_rate", type=float, default=0.08,
                   help="share of pairs that get a synthetic edge placeholder")
    p.add_argument("--max_batches", type=int, default=0, help="debug: batches per epoch")
    p.add_argument("--mix", default="",
                   help="corpus=weight,... overriding data.pt's mix from the current step on (for "
                        "example multi30k=2 against forgetting); kept in the checkpoint so a resumed "
                        "run draws the same batches, and listed in the exported metadata")
    p.add_argument("--init_from", default="",
                   help="a shipped model directory (models/translator/N) to continue from (above)")
    p.add_argument("--init_epoch", type=int, default=0,
                   help="with --init_from: the epoch the shipped weights finished, when its "
                        "metadata.json does not record it")
    p.add_argument("--init_step", type=int, default=0,
                   help="with --init_from: the optimizer step the shipped weights were at, when its "
                        "metadata.json does not record it")
    p.add_argument("--init_rewarm", type=int, default=200,
                   help="with --init_from: steps over which the learning rate ramps up to the schedule's "
                        "value again while Adam's new moment estimates settle")
    p.add_argument("--cooldown_steps", type=int, default=0,
                   help="from the step this run starts at, decay the learning rate linearly to zero "
                        "over this many steps, then save and stop (a warm-up/stable/decay schedule's "
                        "last phase: the decay is where a constant-rate run's loss drops); kept in "
                        "the checkpoint so a resumed run finishes the same decay")
    return p.parse_args(argv)


def log_to(path):
    f = open(path, "a")

    def log(msg):
        line = time.strftime("%Y-%m-%d %H:%M:%S ") + msg
        print(line, flush=True)
        f.write(line + "\n")
        f.flush()
    return log


def atomic_save(obj, path):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


_PROTECTABLE = re.compile(r"\S+")


def _protectable(word: str) -> bool:
    w = word.strip(".,;:!?\"'()")
    return bool(w) and (any(c.isdigit() for c in w) or (len(w) >= 3 and w[0].isupper() and not w.isupper()
                                                        and w.lower() != w))


def add_placeholders(src: str, tgt: str, rng: random.Random, edge_rate: float):
    """Replace words found verbatim on both sides by <phN>; sometimes add an edge placeholder."""
    src_words = {w.strip(".,;:!?\"'()") for w in src.split()}
    tgt_words = {w.strip(".,;:!?\"'()") for w in tgt.split()}
    shared = [w for w in src_words & tgt_words if w and _protectable(w) and not src.startswith(w)]
    n = 0
    changed = False
    for w in sorted(shared, key=lambda w: src.find(w)):
        if n >= 3:
            break
        pat = re.compile(r"(?<![\w-])" + re.escape(w) + r"(?![\w-])")
        if len(pat.findall(src)) != 1 or len(pat.findall(tgt)) != 1:
            continue
        ph = vocab.PLACEHOLDERS[n]
        src, tgt = pat.sub(ph, src), pat.sub(ph, tgt)
        n += 1
        changed = True
    if rng.random() < edge_rate:
        ph = vocab.PLACEHOLDERS[n]
        if rng.random() < 0.5:
            src, tgt = f"{ph} {src}", f"{ph} {tgt}"
        else:
            src, tgt = f"{src} {ph}", f"{tgt} {ph}"
        changed = True
    return src, tgt, changed


def build_data(args, log):
    """Encodes every training corpus (both directions) and the validation pairs.  Each
    training example keeps the index of its corpus (``corpora``, in data.TRAINING_MIX
    order) so that every epoch can draw the corpus mix anew (``epoch_indices``)."""
    import sentencepiece as spm

    spm_prefix = os.path.join(args.out_dir, "spm")
    corpora = data.training_corpora(args.data_dir)
    if not os.path.exists(spm_prefix + ".model"):
        texts = sorted({t for pairs in corpora.values() for p in pairs for t in (p[2], p[3])})
        log(f"training SentencePiece on {len(texts)} distinct sentences, vocab {args.vocab_size}")
        vocab.train_sentencepiece(texts, spm_prefix, args.vocab_size)
    sp = spm.SentencePieceProcessor(model_file=spm_prefix + ".model")
    rng = random.Random(args.seed)
    stats = {"augmented": 0, "markup": 0, "markup_mismatch": 0, "dropped": 0}

    def variants(s, t, augment):
        """The (source, target) texts one pair contributes."""
        if markup.spans(s) or markup.spans(t):
            # What the server sends the model for such text: markup swapped for <phN>.
            protected = markup.protect_pair(s, t)
            if protected is None:
                stats["markup_mismatch"] += 1
                return [(s, t)]
            stats["markup"] += 1
            return [protected]
        if augment:
            s2, t2, changed = add_placeholders(s, t, rng, args.placeholder_rate)
            if changed:
                # Keep the plain pair as well: the model must still translate the words.
                stats["augmented"] += 1
                return [(s, t), (s2, t2)]
        return [(s, t)]

    def encode(pairs, augment):
        out = []
        for sl, tl, s, t in pairs:
            for a, b in variants(s, t, augment):
                src = [sp.piece_to_id(vocab.lang_tag(tl))] + sp.encode(a) + [vocab.EOS_ID]
                tgt = [sp.piece_to_id(vocab.lang_tag(tl))] + sp.encode(b) + [vocab.EOS_ID]
                if len(src) > args.max_len or len(tgt) > args.max_len:
                    stats["dropped"] += 1
                    continue
                out.append((torch.tensor(src, dtype=torch.int16), torch.tensor(tgt, dtype=torch.int16)))
        return out

    train, corpus_ids, names = [], [], list(data.TRAINING_MIX)
    for ci, name in enumerate(names):
        enc = encode(data.both_directions(corpora[name]), True)
        log(f"corpus {name}: {len(corpora[name])} pairs -> {len(enc)} examples, "
            f"weight {data.TRAINING_MIX[name]}")
        train += enc
        corpus_ids += [ci] * len(enc)
    val = encode(data.validation_pairs(args.data_dir), False)
    log(f"encoded {len(train)} training examples ({stats['augmented']} placeholder-augmented, "
        f"{stats['markup']} with markup as placeholders, {stats['markup_mismatch']} markup mismatches kept "
        f"as text, {stats['dropped']} too long), {len(val)} validation")
    return {"train": train, "val": val, "vocab_size": sp.get_piece_size(),
            "corpus": torch.tensor(corpus_ids, dtype=torch.int8), "corpora": names,
            "mix": dict(data.TRAINING_MIX)}


def _pack(examples):
    lengths = torch.tensor([[len(s), len(t)] for s, t in examples], dtype=torch.int32)
    flat = torch.cat([x for st in examples for x in st]) if examples else torch.zeros(0, dtype=torch.int16)
    return {"lengths": lengths, "flat": flat}


def _unpack(packed):
    flat, out, pos = packed["flat"], [], 0
    for ls, lt in packed["lengths"].tolist():
        out.append((flat[pos:pos + ls], flat[pos + ls:pos + ls + lt]))
        pos += ls + lt
    return out


def pack_examples(ds):
    """data.pt with each split as one flat tensor plus lengths: pickling a million small
    tensors one by one takes many minutes, this takes seconds."""
    return {**ds, "train": _pack(ds["train"]), "val": _pack(ds["val"]), "packed": True}


def unpack_examples(ds):
    if not ds.get("packed"):
        return ds  # written before packing existed
    return {**ds, "train": _unpack(ds["train"]), "val": _unpack(ds["val"])}


def parse_mix(text: str, corpora) -> dict:
    """"multi30k=2,massive=3" -> {"multi30k": 2.0, "massive": 3.0}; names must be corpora."""
    out = {}
    for item in filter(None, (t.strip() for t in text.split(","))):
        name, sep, w = item.partition("=")
        if not sep or name not in corpora:
            raise SystemExit(f"--mix {item!r}: expected corpus=weight with corpus one of {list(corpora)}")
        try:
            out[name] = float(w)
        except ValueError:
            raise SystemExit(f"--mix {item!r}: weight {w!r} is not a number")
        if out[name] < 0:
            raise SystemExit(f"--mix {item!r}: weight must be >= 0")
    return out


def current_mix(ds, state, args, log) -> dict:
    """The mix this run draws with: data.pt's, or the last stage the checkpoint
    recorded, changed by --mix.  A change opens a new stage at the current step
    (``state["mix_stages"]``), so the exported metadata says what was trained when."""
    stages = state.setdefault("mix_stages", [])
    mix = dict(stages[-1]["mix"]) if stages else dict(ds["mix"])
    if not stages:
        stages.append({"from_step": 0, "mix": dict(mix)})
    override = parse_mix(args.mix, ds["corpora"])
    if override and {**mix, **override} != mix:
        mix.update(override)
        stages.append({"from_step": state["step"], "mix": dict(mix)})
        log(f"mix from step {state['step']}: {mix}")
    return mix


def epoch_indices(ds, mix, gen):
    """Example indices of one epoch: each example of a corpus with weight w is drawn
    floor(w) times, plus once more with probability w - floor(w)."""
    corpus = ds["corpus"].long()
    weights = torch.tensor([mix[name] for name in ds["corpora"]], dtype=torch.float64)[corpus]
    whole = weights.floor()
    counts = whole.long() + (torch.rand(len(weights), generator=gen, dtype=torch.float64)
                             < weights - whole).long()
    return torch.repeat_interleave(torch.arange(len(weights)), counts).tolist()


def make_batches(examples, max_tokens, gen, indices=None):
    """Length-bucketed batches of at most max_tokens padded tokens, in random order, over
    ``indices`` (default: every example once)."""
    if indices is None:
        indices = list(range(len(examples)))
    n = len(indices)
    perm = [indices[i] for i in torch.randperm(n, generator=gen).tolist()]
    batches = []
    chunk = 20000
    for c in range(0, n, chunk):
        idx = sorted(perm[c:c + chunk], key=lambda i: (len(examples[i][0]), len(examples[i][1])))
        cur, ms, mt = [], 0, 0
        for i in idx:
            s, t = len(examples[i][0]), len(examples[i][1])
            ns, nt = max(ms, s), max(mt, t)
            if cur and (len(cur) + 1) * (ns + nt) > max_tokens:
                batches.append(cur)
                cur, ns, nt = [], s, t
            cur.append(i)
            ms, mt = ns, nt
        if cur:
            batches.append(cur)
    order = torch.randperm(len(batches), generator=gen).tolist()
    return [batches[i] for i in order]


def collate(examples, idx, device):
    srcs = [examples[i][0].long() for i in idx]
    tgts = [examples[i][1].long() for i in idx]
    src = torch.nn.utils.rnn.pad_sequence(srcs, batch_first=True, padding_value=vocab.PAD_ID)
    tgt = torch.nn.utils.rnn.pad_sequence(tgts, batch_first=True, padding_value=vocab.PAD_ID)
    return src.to(device), tgt.to(device)


def cpu_has_bf16() -> bool:
    """True when this CPU computes bfloat16 natively (AMX or AVX512-BF16)."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = next((line.split(":", 1)[1].split() for line in f if line.startswith("flags")), [])
    except OSError:
        return False
    return "amx_bf16" in flags or "avx512_bf16" in flags


def use_amp(choice: str, device) -> bool:
    if choice != "auto":
        return choice == "on"
    return device.type == "cuda" or (device.type == "cpu" and cpu_has_bf16())


def loss_fn(model, src, tgt, smoothing, autocast_device, amp):
    with torch.autocast(autocast_device, dtype=torch.bfloat16, enabled=amp):
        logits = model(src, tgt[:, :-1])
    gold = tgt[:, 1:]
    loss = F.cross_entropy(logits.float().reshape(-1, logits.size(-1)), gold.reshape(-1),
                           ignore_index=vocab.PAD_ID, label_smoothing=smoothing, reduction="sum")
    ntok = (gold != vocab.PAD_ID).sum()
    return loss, ntok


@torch.no_grad()
def validate(model, val, device, autocast_device, amp):
    model.eval()
    gen = torch.Generator().manual_seed(0)
    tot, n = 0.0, 0
    for idx in make_batches(val, 8000, gen):
        src, tgt = collate(val, idx, device)
        loss, ntok = loss_fn(model, src, tgt, 0.0, autocast_device, amp)
        tot += loss.item()
        n += ntok.item()
    model.train()
    return tot / n


def lr_at(step, args, init_step=0, cooldown=None):
    """Linear warm-up then 1/sqrt decay; after ``--init_from`` (``init_step`` > 0)
    also a linear ramp over ``--init_rewarm`` steps, because Adam's first
    updates with empty moment estimates are sign-sized jumps.  A ``cooldown``
    ({"from_step", "steps"}, from ``--cooldown_steps``) scales the rate down
    linearly to zero at ``from_step + steps``."""
    lr = args.lr * min(max(step, 1) / args.warmup, math.sqrt(args.warmup / max(step, 1)))
    if init_step and args.init_rewarm > 0:
        lr *= min(1.0, (step - init_step) / args.init_rewarm)
    if cooldown:
        lr *= max(0.0, 1.0 - (step - cooldown["from_step"]) / cooldown["steps"])
    return lr


def cooldown_done(state) -> bool:
    cooldown = state.get("cooldown")
    return bool(cooldown) and state["step"] >= cooldown["from_step"] + cooldown["steps"]


def init_from_shipped(model_dir, model, args, log):
    """Loads a shipped model's weights into ``model`` (those of its TorchScript
    ``model.pt``, the ``ExportTranslator`` wrapper's ``m.`` submodule) and returns
    (epoch, batch, step): the epochs it finished, the batches it did of the next
    one and its optimizer steps, from metadata.json's ``training`` entry (export.py
    writes it), else the ``--init_epoch``/``--init_step`` flags."""
    with open(os.path.join(model_dir, "metadata.json")) as f:
        meta = json.load(f)
    training = meta.get("training", {})
    epoch = training.get("epoch", args.init_epoch)
    batch = training.get("batch", 0)
    step = training.get("step", args.init_step)
    if epoch <= 0 or step <= 0:
        raise SystemExit(f"{model_dir}/metadata.json records no training epoch/step; "
                         f"pass --init_epoch and --init_step (its model card gives them)")
    if "mix" in training and training["mix"] != data.TRAINING_MIX:
        log(f"warning: {model_dir} was trained on the mix {training['mix']}, data.TRAINING_MIX is now "
            f"{data.TRAINING_MIX}: the epoch's batches will differ from the ones it would have seen")
    scripted = torch.jit.load(os.path.join(model_dir, meta["file"]), map_location="cpu")
    state = {k[2:]: v for k, v in scripted.state_dict().items() if k.startswith("m.")}
    # TorchScript also saves non-persistent buffers (the positional table); the model
    # rebuilds those itself.  Everything else must match exactly.
    expected = model.state_dict().keys()
    model.load_state_dict({k: v for k, v in state.items() if k in expected})
    log(f"initialised from {model_dir} (version {meta.get('version')}, {meta.get('weights')}): "
        f"{epoch} epochs and {batch} batches done, step {step}")
    return epoch, batch, step


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out_dir, exist_ok=True)
    log = log_to(os.path.join(args.out_dir, "train.log"))
    device = torch.device("cuda" if args.device == "auto" and torch.cuda.is_available()
                          else ("cpu" if args.device == "auto" else args.device))
    torch.set_num_threads(args.threads)
    random.seed(args.seed)
    torch.manual_seed(args.seed)

    spm_path = os.path.join(args.out_dir, "spm.model")
    if args.init_from and not os.path.exists(spm_path):
        # The shipped weights only make sense with the shipped vocabulary.
        shutil.copy(os.path.join(args.init_from, "spm.model"), spm_path)
    data_path = os.path.join(args.out_dir, "data.pt")
    if os.path.exists(data_path):
        ds = unpack_examples(torch.load(data_path))
    else:
        ds = build_data(args, log)
        atomic_save(pack_examples(ds), data_path)
    if ds["vocab_size"] != args.vocab_size:
        raise SystemExit(f"vocabulary has {ds['vocab_size']} pieces, --vocab_size says {args.vocab_size}")
    train, val = ds["train"], ds["val"]

    model = Transformer(args.vocab_size, args.d, args.heads, args.ff, args.enc_layers,
                        args.dec_layers, args.dropout, pad_id=vocab.PAD_ID).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr, betas=(0.9, 0.98), eps=1e-9)
    gen = torch.Generator()
    amp = use_amp(args.amp, device)
    autocast_device = device.type
    last_path = os.path.join(args.out_dir, "last.pt")
    state = {"epoch": 1, "batch": 0, "step": 0, "best_val": float("inf"), "best_epoch": 0,
             "train_time_s": 0.0, "history": []}
    if os.path.exists(last_path):
        ck = torch.load(last_path, map_location=device)
        for k in MODEL_KEYS:
            if ck["config"][k] != getattr(args, k):
                raise SystemExit(f"{last_path} has {k}={ck['config'][k]}, args say {getattr(args, k)}; "
                                 f"use another --out_dir")
        model.load_state_dict(ck["model"])
        opt.load_state_dict(ck["optimizer"])
        state = ck["state"]
        torch.set_rng_state(ck["rng"])
        log(f"resumed from {last_path}: epoch {state['epoch']} batch {state['batch']} step {state['step']}")
    else:
        log("start " + " ".join(f"{k}={v}" for k, v in sorted(vars(args).items())))
        log(f"device={device} params={sum(p.numel() for p in model.parameters())} "
            f"train_examples={len(train)}")
        if args.init_from:
            epoch, batch, step = init_from_shipped(args.init_from, model, args, log)
            state.update(epoch=epoch + 1, batch=batch, step=step, init_step=step)
            # Shows that weights and vocabulary arrived intact: this should equal
            # the validation loss the shipped model's card reports.
            log(f"validation loss of the shipped weights: "
                f"{validate(model, val, device, autocast_device, amp):.4f}")

    log(f"bfloat16 autocast: {'on' if amp else 'off'} (--amp {args.amp})")

    def save(path_state):
        atomic_save({"model": model.state_dict(), "optimizer": opt.state_dict(), "state": path_state,
                     "config": vars(args), "rng": torch.get_rng_state()}, last_path)

    mix = current_mix(ds, state, args, log) if "corpus" in ds else None
    if args.cooldown_steps > 0 and not state.get("cooldown"):
        state["cooldown"] = {"from_step": state["step"], "steps": args.cooldown_steps}
        log(f"cooldown: learning rate to zero over steps {state['step']}-"
            f"{state['step'] + args.cooldown_steps}, then stop")
    # SIGTERM / SIGINT (a session ending, kill, Ctrl-C): finish the batch, save, exit, so
    # the next run resumes at the next batch instead of the last 10-minute checkpoint.
    stop = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: stop.append(signum))
    model.train()
    if cooldown_done(state):
        log(f"the cooldown of {last_path} ended at step {state['step']}: nothing to train; "
            f"export it, or continue with --init_from on the export")
        return
    while state["epoch"] <= args.epochs:
        epoch = state["epoch"]
        gen.manual_seed(args.seed * 1000 + epoch)  # the epoch's batches are reproducible on resume
        # The mix is data.pt's unless --mix changed it (recorded in state), so a resumed
        # run draws the same batches.
        indices = epoch_indices(ds, mix, gen) if mix is not None else None
        batches = make_batches(train, args.max_tokens, gen, indices)
        if args.max_batches:
            batches = batches[:args.max_batches]
        t_epoch, t_save = time.time(), time.time()
        tot, ntot = 0.0, 0
        for bi in range(state["batch"], len(batches)):
            src, tgt = collate(train, batches[bi], device)
            state["step"] += 1
            lr = lr_at(state["step"], args, state.get("init_step", 0), state.get("cooldown"))
            for g in opt.param_groups:
                g["lr"] = lr
            loss, ntok = loss_fn(model, src, tgt, args.label_smoothing, autocast_device, amp)
            opt.zero_grad(set_to_none=True)
            (loss / ntok).backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            opt.step()
            tot += loss.item()
            ntot += ntok.item()
            state["batch"] = bi + 1
            if bi % 100 == 0:
                log(f"epoch {epoch} batch {bi}/{len(batches)} step {state['step']} "
                    f"loss {tot / max(ntot, 1):.4f} lr {lr:.2e}")
            if cooldown_done(state):
                state["train_time_s"] += time.time() - t_save
                save(state)
                log(f"cooldown finished at epoch {epoch} batch {bi + 1} step {state['step']}: "
                    f"saved {last_path}")
                return
            if stop:
                state["train_time_s"] += time.time() - t_save
                save(state)
                log(f"stopped by signal {stop[0]} at epoch {epoch} batch {bi + 1} step {state['step']}: "
                    f"saved {last_path}")
                return
            if time.time() - t_save > args.save_every_min * 60:
                state["train_time_s"] += time.time() - t_save
                t_save = time.time()
                save(state)
        state["train_time_s"] += time.time() - t_save
        vloss = validate(model, val, device, autocast_device, amp)
        improved = vloss < state["best_val"]
        if improved:
            state["best_val"], state["best_epoch"] = vloss, epoch
            atomic_save({"model": model.state_dict(), "config": vars(args), "epoch": epoch,
                         "step": state["step"], "val_loss": vloss}, os.path.join(args.out_dir, "best.pt"))
        atomic_save({"model": model.state_dict(), "config": vars(args), "epoch": epoch, "step": state["step"],
                     "val_loss": vloss}, os.path.join(args.out_dir, f"epoch{epoch}.pt"))
        stale = os.path.join(args.out_dir, f"epoch{epoch - args.keep_epochs}.pt")
        if os.path.exists(stale):
            os.remove(stale)
        state["history"].append({"epoch": epoch, "train_loss": tot / max(ntot, 1), "val_loss": vloss})
        log(f"epoch {epoch} done: train loss {tot / max(ntot, 1):.4f} val loss {vloss:.4f} "
            f"({time.time() - t_epoch:.0f}s, {state['train_time_s'] / 60:.1f} min in all)"
            + (" *" if improved else ""))
        state["epoch"], state["batch"] = epoch + 1, 0
        save(state)
    log(f"finished: {args.epochs} epochs, best val loss {state['best_val']:.4f} @ epoch {state['best_epoch']}")


if __name__ == "__main__":
    main()
