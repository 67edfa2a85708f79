#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Translator throughput and latency over real gRPC, on Multi30k test_2016_flickr en->de.

For each model variant (fp32, int8) a fresh `translator` server is started with the
sentence cache off (every request runs the model), then, for greedy and beam 4:
  - single-sentence requests at concurrency 1 and 16 (distinct sentences, in order);
  - one large batch: all sentences in requests of 64 texts, sent one after another.
Prints sentences/s, target tokens/s (SentencePiece pieces of the output, as NMT
toolkits count them) and per-request p50/p99 latency, as a Markdown table.

The client is python3-grpcio with asynchronous futures (h2load cannot vary the request
body, and a repeated sentence would only measure the cache).

Example:
  /usr/bin/python3 scripts/bench_translator.py --sentences 300
"""
import argparse
import json
import os
import platform
import signal
import subprocess
import sys
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "services", "translator"))


def start_server(binary, model_root, extra):
    proc = subprocess.Popen(
        [binary, "--listen_address=127.0.0.1", "--port=0", "--metrics_port=-1",
         f"--model_root={model_root}", "--model_poll_interval=0s", "--cache_mb=0"] + extra,
        stderr=subprocess.PIPE, text=True)
    port, deadline = None, time.time() + 180
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if event["event"] == "server_started":
            port = event["port"]
        if event["event"] == "health_changed" and event.get("serving") is True:
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, port
    proc.kill()
    raise SystemExit("translator did not become ready")


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def run_load(stub, pb2, batches, concurrency, beam):
    """Sends each batch (a list of texts) as one request, `concurrency` in flight.
    Returns (wall seconds, per-request latencies, outputs in order)."""
    lock = threading.Condition()
    state = {"next": 0, "inflight": 0, "done": 0}
    latencies = [0.0] * len(batches)
    outputs = [None] * len(batches)
    errors = []

    def launch():
        i = state["next"]
        state["next"] += 1
        state["inflight"] += 1
        req = pb2.TranslateRequest(texts=batches[i], source_language="en", target_language="de")
        req.options.beam_size = beam
        t0 = time.perf_counter()
        fut = stub.Translate.future(req, timeout=600)

        def done(f, i=i, t0=t0):
            with lock:
                latencies[i] = time.perf_counter() - t0
                try:
                    outputs[i] = [t.text for t in f.result().translations]
                except Exception as e:  # noqa: BLE001 -- reported below
                    errors.append(e)
                state["inflight"] -= 1
                state["done"] += 1
                while state["next"] < len(batches) and state["inflight"] < concurrency:
                    launch()
                lock.notify_all()
        fut.add_done_callback(done)

    t0 = time.perf_counter()
    with lock:
        while state["next"] < len(batches) and state["inflight"] < concurrency:
            launch()
        while state["done"] < len(batches):
            lock.wait()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} requests failed, first: {errors[0]}")
    return wall, latencies, outputs


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--server", default=os.path.join(REPO, "build", "services", "translator", "translator"))
    p.add_argument("--model_root", default=os.path.join(REPO, "models"))
    p.add_argument("--python_out", default=os.path.join(REPO, "build", "python"))
    p.add_argument("--data_dir", default="")
    p.add_argument("--sentences", type=int, default=300, help="first N sentences of test2016")
    p.add_argument("--variants", default="fp32,int8")
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
    sp = spm.SentencePieceProcessor(model_file=os.path.join(args.model_root, "translator", "1", "spm.model"))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    print(f"# translator benchmark\n\nmachine: {os.cpu_count()} cores, {cpu}, {platform.platform()}\n"
          f"command: {' '.join(sys.argv)}\nserver flags: {args.server_args} --cache_mb=0\n"
          f"data: Multi30k test_2016_flickr en->de, first {len(texts)} sentences\n")
    print("| variant | decoding | load | sentences/s | target tokens/s | p50 ms | p99 ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for variant in args.variants.split(","):
        extra = args.server_args.split() + (["--int8"] if variant == "int8" else [])
        proc, port = start_server(args.server, args.model_root, extra)
        try:
            stub = translator_pb2_grpc.TranslatorStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
            run_load(stub, translator_pb2, [[t] for t in texts[:20]], 4, 1)  # warm-up
            for beam in [int(b) for b in args.beams.split(",")]:
                loads = [("c=1, 1 text/request", [[t] for t in texts], 1),
                         ("c=16, 1 text/request", [[t] for t in texts], 16),
                         ("64 texts/request", [texts[i:i + 64] for i in range(0, len(texts), 64)], 1)]
                for name, batches, conc in loads:
                    wall, lat, outs = run_load(stub, translator_pb2, batches, conc, beam)
                    n = sum(len(b) for b in batches)
                    toks = sum(len(sp.encode(o)) for out in outs for o in out)
                    dec = "greedy" if beam == 1 else f"beam {beam}"
                    print(f"| {variant} | {dec} | {name} | {n / wall:.1f} | {toks / wall:.0f} | "
                          f"{1000 * percentile(lat, 0.5):.1f} | {1000 * percentile(lat, 0.99):.1f} |",
                          flush=True)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
