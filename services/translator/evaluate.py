"""Evaluate a translator version on every held-out test set, in both directions.

Prints, per test set and direction: cased detokenized BLEU (sacreBLEU 13a), chrF2,
and lowercased tokenized BLEU (for comparison with papers that report
multi-bleu on lowercased, tokenized text), plus sentences/s.

Test sets (services/translator/data.py): Multi30k test_2016_flickr and
test_2017_flickr (en<->de, en<->fr), the IKEA test split (en<->de, en<->fr;
paragraphs, split into sentences and joined back as the service does), the
Fashion12K held-out split (en<->de) and the Tatoeba held-out split (en<->es).

``--split val`` evaluates the validation splits instead (data.validation_sets),
and ``--length_penalties 0.6,1.0,1.4`` repeats everything per length penalty:
that is how a version's default length penalty is chosen (export.py
``--length_penalty``) without looking at the test sets.

Decoding runs either in Python on the exported TorchScript (the same model and
algorithm as the server), or through a running translator server (--server),
which measures the whole C++ path: sentence splitting, protected spans, cache,
batching and beam search.

Example:
  /usr/bin/python3 services/translator/evaluate.py --model_dir models/translator/5
"""
import argparse
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402
import mt_metrics  # noqa: E402


def server_translator(address: str, python_out: str, beam: int):
    sys.path.insert(0, python_out)
    import grpc
    from shop.translator.v1 import translator_pb2, translator_pb2_grpc

    stub = translator_pb2_grpc.TranslatorStub(grpc.insecure_channel(address))

    def translate(texts, src, tgt, length_penalty):
        out = []
        for s in range(0, len(texts), 32):
            req = translator_pb2.TranslateRequest(texts=texts[s:s + 32], source_language=src,
                                                  target_language=tgt)
            req.options.beam_size = beam
            req.options.length_penalty = length_penalty
            out += [t.text for t in stub.Translate(req, timeout=600).translations]
        return out
    return translate


def python_translator(model_dir: str, beam: int, int8: bool, threads: int):
    from translate import Translator

    t = Translator(model_dir, int8=int8, threads=threads)

    def translate(texts, src, tgt, length_penalty):
        return t.translate(texts, tgt, beam=beam, length_penalty=length_penalty)
    return translate


def translate_paragraphs(translate, paragraphs, src, tgt):
    """Sentence-split paragraphs, translate all sentences as one batch, join back."""
    sents, spans = [], []
    for p in paragraphs:
        parts = data.split_sentences(p)
        spans.append((len(sents), len(parts)))
        sents += parts
    out = translate(sents, src, tgt)
    return [" ".join(out[a:a + n]) for a, n in spans]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data_dir", default=data.default_data_dir())
    p.add_argument("--model_dir", default=str(data.REPO_ROOT / "models" / "translator" / "5"))
    p.add_argument("--server", default="", help="host:port of a running translator instead of Python")
    p.add_argument("--python_out", default=str(data.REPO_ROOT / "build" / "python"))
    p.add_argument("--beam", type=int, default=4)
    p.add_argument("--length_penalties", default="0",
                   help="comma-separated length penalties to evaluate; 0 = the model's default")
    p.add_argument("--split", default="test", choices=["test", "val"])
    p.add_argument("--int8", action="store_true")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--limit", type=int, default=0, help="first N pairs of each set (quick checks)")
    p.add_argument("--sets", default="", help="comma-separated subset of test set names")
    p.add_argument("--directions", default="both", choices=["both", "from_en", "to_en"])
    args = p.parse_args()

    sets = data.test_sets(args.data_dir) if args.split == "test" else data.validation_sets(args.data_dir)
    wanted = [s for s in args.sets.split(",") if s]
    unknown = [w for w in wanted if w not in sets]
    if unknown:
        raise SystemExit(f"unknown sets {unknown}; {args.split} sets: {', '.join(sets)}")
    how = f"server {args.server}" if args.server else f"{args.model_dir}{' int8' if args.int8 else ''}"
    print(f"# translator evaluation: {how}, beam {args.beam}, {args.split} split\n")
    print("| test set | direction | length penalty | sentences | BLEU (cased, 13a) | chrF2 | BLEU (lc, tok) "
          "| sent/s |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    # One model (or channel) for every length penalty; 0 = the model's default.
    translate_with = (server_translator(args.server, args.python_out, args.beam) if args.server
                      else python_translator(args.model_dir, args.beam, args.int8, args.threads))
    for alpha in (float(a) for a in args.length_penalties.split(",")):
        def translate(texts, src, tgt, alpha=alpha):
            return translate_with(texts, src, tgt, alpha)

        for name, pairs in sets.items():
            if wanted and name not in wanted:
                continue
            if args.limit:
                pairs = pairs[:args.limit]
            en = [x[2] for x in pairs]
            other = [x[3] for x in pairs]
            lang = pairs[0][1]
            dirs = [("en", lang, en, other), (lang, "en", other, en)]
            if args.directions == "from_en":
                dirs = dirs[:1]
            elif args.directions == "to_en":
                dirs = dirs[1:]
            for src, tgt, srcs, refs in dirs:
                t0 = time.time()
                if name.startswith("ikea_test"):
                    hyps = translate_paragraphs(translate, srcs, src, tgt)
                else:
                    hyps = translate(srcs, src, tgt)
                dt = time.time() - t0
                bleu = mt_metrics.corpus_bleu(hyps, refs)
                chrf = mt_metrics.corpus_chrf(hyps, refs)
                lc = mt_metrics.lowercased_tokenized_bleu(hyps, refs)
                shown = f"{alpha:g}" if alpha > 0 else "model default"
                print(f"| {name} | {src}->{tgt} | {shown} | {len(refs)} | {bleu:.2f} | {chrf:.2f} | {lc:.2f} | "
                      f"{len(refs) / dt:.1f} |", flush=True)


if __name__ == "__main__":
    main()
