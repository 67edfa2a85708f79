#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Python peer of the C++ translator for scripts/bench_peers.py: a grpcio server answering
shop.translator.v1.Translator/Translate with the project's own Python decoder
(services/translator/training/translate.py, class Translator) over the same model files
(models/translator/<newest version>: model.pt, spm.model, langid.bin, metadata.json).

translate.py decodes as the C++ server does (encoder once, one step() per token with the
key/value cache, beam search with the same length penalty and length limit, the same
choice of a lower hypothesis when the best is not in the target language); confidence is
Translator.confidence of the mean token log-probability, as the server computes it.

What the C++ server does and this peer does not (benchmark peer, not a product): no
sentence splitting (a text is decoded as one sequence; the C++ server splits texts into
sentences and decodes each), no protected spans (the C++ server replaces numbers, URLs,
SKUs... with placeholders before decoding, so texts with digits translate differently), no
glossary, do-not-translate terms or HTML (UNIMPLEMENTED), no language detection
(source_language is required), no pivot through English for pairs the model lacks
(INVALID_ARGUMENT), no sentence cache (the benchmark runs the C++ server with
--cache_mb=0), no DetectLanguage / ListLanguagePairs (UNIMPLEMENTED).

Modes:
  default   every RPC decodes its texts in its own handler thread (torch: --threads, 1)
  --batch   handler threads hand their request to one batcher thread (peer_server.Batcher);
            the texts of a batch's requests with the same target, beam and length penalty
            are decoded together (translate_scored sorts them by length, 64 at a time)

  /usr/bin/python3 scripts/peers/translator_server.py --port 50062 [--batch]
"""
import argparse
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_server import (REPO, Batcher, Metrics, RpcAbort, add_common_flags, counted,  # noqa: E402
                         log, newest_version, serve)

MAX_TEXTS = 64
MAX_TEXT_CHARS = 5000
MAX_TOTAL_CHARS = 20000
MAX_BEAM_SIZE = 8


def language(tag, field):
    """The primary subtag, lower case ("de-DE" -> "de"), as the C++ NormalizeLanguage."""
    import grpc
    primary = tag.lower().replace("_", "-").split("-")[0]
    if not tag or primary == "auto":
        raise RpcAbort(grpc.StatusCode.INVALID_ARGUMENT,
                       f"{field} is required (this peer does not detect languages)")
    if not (2 <= len(primary) <= 3 and primary.isalpha()):
        raise RpcAbort(grpc.StatusCode.INVALID_ARGUMENT,
                       f'{field} "{tag}" is not a language tag (e.g. "en", "de-DE")')
    return primary


class TranslatorPeer:
    def __init__(self, translator, version, default_beam, batcher, metrics, pb):
        self.t, self.version, self.default_beam = translator, version, default_beam
        self.batcher, self.metrics, self.pb = batcher, metrics, pb
        self.pairs = {tuple(p) for p in translator.meta["pairs"]}

    def decode(self, jobs):
        """jobs: [(texts, target, beam, length_penalty)] -> per job [(text, mean log-prob)].
        One translate_scored call per (target, beam, length penalty) group."""
        groups = {}
        for j, (texts, tgt, beam, lp) in enumerate(jobs):
            groups.setdefault((tgt, beam, lp), []).append(j)
        out = [None] * len(jobs)
        for (tgt, beam, lp), members in groups.items():
            texts = [t for j in members for t in jobs[j][0]]
            scored = self.t.translate_scored(texts, tgt, beam, lp)
            at = 0
            for j in members:
                n = len(jobs[j][0])
                out[j], at = scored[at:at + n], at + n
        return out

    def validate(self, request):
        """The obvious INVALID_ARGUMENT cases of the C++ service, same messages."""
        import grpc
        bad = grpc.StatusCode.INVALID_ARGUMENT
        if not request.texts:
            raise RpcAbort(bad, f"texts is empty; send 1 to {MAX_TEXTS} texts")
        if len(request.texts) > MAX_TEXTS:
            raise RpcAbort(bad, f"texts has {len(request.texts)} entries; at most {MAX_TEXTS} per request")
        total = 0
        for i, t in enumerate(request.texts):
            if len(t) > MAX_TEXT_CHARS:
                raise RpcAbort(bad, f"texts[{i}] has {len(t)} characters; at most {MAX_TEXT_CHARS}")
            total += len(t)
        if total > MAX_TOTAL_CHARS:
            raise RpcAbort(bad, f"texts have {total} characters in total; at most {MAX_TOTAL_CHARS}")
        o = request.options
        if not 0 <= o.beam_size <= MAX_BEAM_SIZE:
            raise RpcAbort(bad, f"options.beam_size is {o.beam_size}; must be 0 (default), "
                                f"1 (greedy) to {MAX_BEAM_SIZE}")
        if not o.length_penalty >= 0:  # also NaN
            raise RpcAbort(bad, f"options.length_penalty is {o.length_penalty}; must be >= 0")
        if o.glossary or o.do_not_translate or o.markup_mode == self.pb.MARKUP_MODE_HTML:
            raise RpcAbort(grpc.StatusCode.UNIMPLEMENTED,
                           "glossary, do_not_translate and HTML are not in this peer")

    def Translate(self, request, context):  # noqa: N802 -- the RPC's name
        import grpc
        pb = self.pb
        self.validate(request)
        tgt = language(request.target_language, "target_language")
        src = language(request.source_language, "source_language")
        if src != tgt and (src, tgt) not in self.pairs:
            raise RpcAbort(grpc.StatusCode.INVALID_ARGUMENT,
                           f"unsupported language pair {src}->{tgt} (this peer: the model's "
                           "direct pairs only)")
        response = pb.TranslateResponse(model_version=self.version)
        todo = []  # (index in the response, stripped text)
        for i, text in enumerate(request.texts):
            t = response.translations.add(text=text, confidence=1.0)
            if not text.strip():
                t.outcome = pb.TRANSLATION_OUTCOME_EMPTY_INPUT
            elif src == tgt:
                t.outcome = pb.TRANSLATION_OUTCOME_SAME_LANGUAGE
            else:
                t.outcome = pb.TRANSLATION_OUTCOME_TRANSLATED
                todo.append((i, text.strip()))
        if not todo:
            return response
        # 0 = the server's default beam (4), and the model's tuned length penalty (the
        # decoder reads that from metadata.json when given 0).
        job = ([t for _, t in todo], tgt, request.options.beam_size or self.default_beam,
               float(request.options.length_penalty))
        if self.batcher is not None:
            scored = self.batcher.submit(job)
        else:
            self.metrics.batch(1)  # every model call is counted, so the mean batch shows 1
            scored, = self.decode([job])
        for (i, _), (text, mean_log_prob) in zip(todo, scored):
            response.translations[i].text = text
            response.translations[i].confidence = self.t.confidence(mean_log_prob)
        return response


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_flags(p)
    p.add_argument("--default_beam_size", type=int, default=4,
                   help="beam when a request leaves it at 0 (the C++ server's default)")
    p.add_argument("--int8", action="store_true", help="model_int8.pt (the C++ --int8)")
    args = p.parse_args()
    sys.path.insert(0, args.python_out)
    sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))
    import torch
    from translate import Translator
    from shop.translator.v1 import translator_pb2 as pb, translator_pb2_grpc as pb_grpc

    # One intra-op thread per decode (the C++ benchmark's --intra_op_threads=1);
    # concurrency comes from the handler threads (unbatched) or from batching.
    torch.set_num_interop_threads(1)
    model_dir, version = newest_version(args.model_root, "translator", args.model_version)
    translator = Translator(model_dir, int8=args.int8, threads=args.threads)
    name = f"translator-{version}" + ("-int8" if args.int8 else "")
    # Warm-up: TorchScript profiles and optimises a graph on its first calls.
    for texts in (["A man is riding a bike."], ["Two dogs play in the snow.", "A red car."]):
        translator.translate_scored(texts, "de", args.default_beam_size)
    log("model_loaded", model="translator", version=version, dir=model_dir, int8=args.int8)
    metrics = Metrics("shop.translator.v1.Translator", "translator")
    peer = TranslatorPeer(translator, name, args.default_beam_size, None, metrics, pb)
    if args.batch:
        peer.batcher = Batcher(peer.decode, args.max_batch, metrics)

    class Servicer(pb_grpc.TranslatorServicer):
        pass
    servicer = Servicer()
    servicer.Translate = counted(metrics, "Translate", peer.Translate)
    serve(args, lambda server: pb_grpc.add_TranslatorServicer_to_server(servicer, server), metrics)


if __name__ == "__main__":
    main()
