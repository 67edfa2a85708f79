#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Translator throughput and latency over real gRPC, on Multi30k test_2016_flickr en->de.

For each model version (default: the two newest, so a new version is measured against
the one it replaces in the same run) and variant (fp32, int8) a fresh `translator`
server is started with the sentence cache off (every request runs the model), then,
for greedy and beam 4:
  - single-sentence requests at concurrency 1 and 16 (distinct sentences, in order);
  - one large batch: all sentences in requests of 64 texts, sent one after another.
Prints sentences/s, target tokens/s (SentencePiece pieces of the output, as NMT
toolkits count them) and per-request p50/p99 latency, as a Markdown table.

The client is python3-grpcio with asynchronous futures (h2load cannot vary the request
body, and a repeated sentence would only measure the cache).

Example:
  /usr/bin/python3 scripts/bench_translator.py --sentences 300 --versions 5,6
"""
import argparse
import os
import signal
import sys

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import machine_line, percentile, run_load, start_server  # noqa: E402


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", default=os.path.join(REPO, "build", "services", "translator", "translator"))
    p.add_argument("--model_root", default=os.path.join(REPO, "models"))
    p.add_argument("--python_out", default=os.path.join(REPO, "build", "python"))
    p.add_argument("--data_dir", default="")
    p.add_argument("--sentences", type=int, default=300, help="first N sentences of test2016")
    p.add_argument("--variants", default="fp32,int8")
    p.add_argument("--versions", default="", help="comma-separated versions (default: the two newest)")
    p.add_argument("--beams", default="1,4")
    p.add_argument("--server_args", default="--intra_op_threads=1 --inference_workers=2",
                   help="extra translator flags")
    args = p.parse_args()
    sys.path.insert(0, args.python_out)
    import grpc
    import sentencepiece as spm
    import data
    from shop.translator.v1 import translator_pb2, translator_pb2_grpc

    texts = [x[2] for x in data.multi30k(args.data_dir or data.default_data_dir(), "test_2016_flickr", "de")]
    texts = texts[:args.sentences]
    root = os.path.join(args.model_root, "translator")
    versions = ([v for v in args.versions.split(",") if v] or
                [str(v) for v in sorted(int(v) for v in os.listdir(root) if v.isdigit())[-2:]])
    print(f"# translator benchmark\n\nmachine: {machine_line()}\n"
          f"command: {' '.join(sys.argv)}\nserver flags: {args.server_args} --cache_mb=0\n"
          f"models: {', '.join(f'{root}/{v}' for v in versions)}\n"
          f"data: Multi30k test_2016_flickr en->de, first {len(texts)} sentences\n")
    print("| version | variant | decoding | load | sentences/s | target tokens/s | p50 ms | p99 ms |")
    print("|---|---|---|---|---:|---:|---:|---:|")
    runs = [(v, variant) for v in versions for variant in args.variants.split(",")]
    for version, variant in runs:
        sp = spm.SentencePieceProcessor(model_file=os.path.join(root, version, "spm.model"))
        extra = args.server_args.split() + (["--int8"] if variant == "int8" else []) + [
            f"--model_version={version}"]
        proc, port = start_server([args.server, "--listen_address=127.0.0.1", "--port=0",
                                   "--metrics_port=-1", f"--model_root={args.model_root}",
                                   "--model_poll_interval=0s", "--cache_mb=0"] + extra)
        try:
            stub = translator_pb2_grpc.TranslatorStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
            def caller(batches, beam):
                def start(i):
                    req = translator_pb2.TranslateRequest(texts=batches[i], source_language="en",
                                                          target_language="de")
                    req.options.beam_size = beam
                    return stub.Translate.future(req, timeout=600)
                return start

            warm = [[t] for t in texts[:20]]
            run_load(caller(warm, 1), len(warm), 4)
            for beam in [int(b) for b in args.beams.split(",")]:
                loads = [("c=1, 1 text/request", [[t] for t in texts], 1),
                         ("c=16, 1 text/request", [[t] for t in texts], 16),
                         ("64 texts/request", [texts[i:i + 64] for i in range(0, len(texts), 64)], 1)]
                for name, batches, conc in loads:
                    wall, lat, outs = run_load(caller(batches, beam), len(batches), conc)
                    n = sum(len(b) for b in batches)
                    toks = sum(len(sp.encode(t.text)) for out in outs for t in out.translations)
                    dec = "greedy" if beam == 1 else f"beam {beam}"
                    print(f"| v{version} | {variant} | {dec} | {name} | {n / wall:.1f} | {toks / wall:.0f} | "
                          f"{1000 * percentile(lat, 0.5):.1f} | {1000 * percentile(lat, 0.99):.1f} |",
                          flush=True)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
