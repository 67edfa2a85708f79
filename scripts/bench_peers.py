#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Peer benchmark: the C++ services against the alternative a user would pick, a Python
grpcio + PyTorch server on the same model files (scripts/peers/), at several loads.

For each service (Recommend, Translate) and each concurrency, three variants run in
alternation, each in a fresh server process on fresh ports:
  C++           build/services/<service>/<service>, default flags plus --recommender_args /
                --translator_args (default --intra_op_threads=1; the translator always
                with --cache_mb=0, so every request runs the model)
  Python        scripts/peers/<service>_server.py: every RPC runs the model in its handler
                thread, torch with 1 thread
  Python+batch  the same with --batch: its own batcher (a request arriving while the model
                is idle runs at once; requests arriving during a run form the next batch)
--rounds rounds of the three, the order rotated by one each round (round 2 starts with
Python), so no variant always runs first after a start or last before the next service.

Load, per run: --warmup seconds of discarded load, then --duration seconds (or --requests
calls) measured.
  Recommend  h2load (-c C -m 1: C connections, one call each), the same gRPC-framed body for
             every variant: k=10, filters.ship_to_country=DE, the last 8 items of the first
             user with 8 in <data>/recsys/Beauty.txt (scripts/bench_recommender.sh's request)
  Translate  python3-grpcio asynchronous calls from this process, C in flight on one
             channel; one sentence per request, beam --beam (4), distinct sentences in
             order: the Multi30k test_2016_flickr English sentences without digits (the C++
             server protects digits with placeholders, the Python decoder does not: the same
             input would not be the same work)
gRPC codes and the mean batch are counted by the server (grpc_server_handled_total and
shop_inference_batch_size from /metrics, before and after the measured load; the Python
peers export the same metrics): h2load only sees HTTP status 200. A timed h2load run
(-D) ends with up to C calls in flight, which the server counts and h2load's log does not
(so codes may exceed calls by up to C, and the C++ server may count a few CANCELLED). req/s: h2load's for
Recommend; for Translate, calls completed over the time from the first call to the last
answer. p50/p99: nearest rank over the measured calls. Load average: /proc/loadavg
(1 minute) just before and just after the measured load.

Before its first measured run, each variant answers the same check requests (Recommend:
the benchmark request, a cold start, an empty request; Translate: three sentences, one
request of two texts, an empty request); the Python variants' answers are compared with the
C++ server's (item ids, fallback, texts, error codes; scores and confidences as max |diff|).

Prints Markdown: the command and machine, one table per service (one row per run), the
answer check, and C++ / best Python variant per concurrency (req/s averaged over rounds).

  /usr/bin/python3 scripts/bench_peers.py                  # 2 services x 3 c x 3 variants x 2 rounds
  /usr/bin/python3 scripts/bench_peers.py --quick          # 1 round, 2 s, c=1,4: a smoke test
  /usr/bin/python3 scripts/bench_peers.py --services recommend --concurrency 1,16 \\
      --duration 20 --recommender_args="--intra_op_threads=1 --max_batch_size=16 --max_queue_delay=500us"

Needs h2load (nghttp2-client) and /usr/bin/python3 with torch, grpcio, sentencepiece; the
C++ binaries and build/python built. Only 127.0.0.1; servers are stopped (SIGTERM, then
SIGKILL after 30 s) whatever happens. SHOP_* variables are removed from the servers'
environment, so only the flags printed apply; the Python peers get OPENBLAS_CORETYPE set to
the kernels the C++ servers pick for themselves (unless it is set already).
"""
import argparse
import collections
import datetime
import hashlib
import os
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
sys.path.insert(0, os.path.join(REPO, "scripts"))
sys.path.insert(0, os.path.join(REPO, "services", "translator", "training"))
from grpc_bench import machine_line, preferred_blas_core, start_server  # noqa: E402
import h2load_stats  # noqa: E402

VARIANTS = [("cpp", "C++"), ("py", "Python"), ("pybatch", "Python+batch")]
NAMES = dict(VARIANTS)
SERVICES = {  # service -> (binary under build/services, peer script, RPC, model folder)
    "recommend": ("recommender/recommender", "recommender_server.py", "Recommend", "recommender"),
    "translate": ("translator/translator", "translator_server.py", "Translate", "translator"),
}
RECOMMEND_PATH = "/shop.recommender.v1.Recommender/Recommend"


def say(*parts):
    print("bench_peers:", *parts, file=sys.stderr, flush=True)


def loadavg():
    with open("/proc/loadavg") as f:
        return f.read().split()[:3]


def sha256_prefix(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()[:16]


def newest_model_dir(model_root, name):
    root = os.path.join(model_root, name)
    versions = sorted(int(v) for v in os.listdir(root) if v.isdigit())
    return os.path.join(root, str(versions[-1]))


class Bench:
    def __init__(self, args):
        self.args = args
        self.work = tempfile.mkdtemp(prefix="bench_peers.")
        self.proc = None
        self.commands = {}  # (service, variant) -> command line of the last start
        self.stop_notes = []
        self.answers = {}  # (service, variant) -> check answers
        sys.path.insert(0, args.python_out)
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("SHOP_")}
        # The C++ servers re-execute themselves with OpenBLAS's best kernels for the CPU
        # (common/inference/blas_kernels.h; Debian's OpenBLAS falls back to SSE3 kernels on
        # CPUs newer than it knows). The peers get the same kernels, so the comparison is
        # of the servers, not of the BLAS kernels.
        if preferred_blas_core():
            self.env.setdefault("OPENBLAS_CORETYPE", preferred_blas_core())
        self.binaries = {}
        for service in args.services:
            src = os.path.join(args.build_dir, "services", SERVICES[service][0])
            if not os.access(src, os.X_OK):
                raise SystemExit(f"{src} missing: build first")
            # A copy: a rebuild during the benchmark cannot swap the binary.
            self.binaries[service] = shutil.copy(src, os.path.join(self.work, os.path.basename(src)))

    # ---- servers -------------------------------------------------------------------

    def command(self, service, variant):
        a = self.args
        peer = SERVICES[service][1]
        if variant == "cpp":
            cmd = [self.binaries[service], "--listen_address=127.0.0.1", "--port=0",
                   "--metrics_address=127.0.0.1", "--metrics_port=0",
                   f"--model_root={a.model_root}", "--model_poll_interval=0s"]
            if service == "recommend":
                cmd += [f"--catalog={a.catalog}"] + shlex.split(a.recommender_args)
            else:
                cmd += ["--cache_mb=0"] + shlex.split(a.translator_args)
        else:
            cmd = [sys.executable, os.path.join(REPO, "scripts", "peers", peer),
                   "--listen_address=127.0.0.1", "--port=0", "--metrics_port=0",
                   f"--model_root={a.model_root}", f"--python_out={a.python_out}"]
            if service == "recommend":
                cmd.append(f"--catalog={a.catalog}")
            if variant == "pybatch":
                cmd += ["--batch", f"--max_batch={a.max_batch}"] + shlex.split(a.pybatch_args)
            else:
                cmd += shlex.split(a.py_args)
        return cmd

    def start(self, service, variant):
        cmd = self.command(service, variant)
        shown = [os.path.join(self.args.build_dir, "services", SERVICES[service][0])] + cmd[1:] \
            if variant == "cpp" else cmd
        self.commands[(service, variant)] = shlex.join(shown)
        events = []
        self.proc, port = start_server(cmd, timeout=300, events=events, env=self.env)
        started = [e for e in events if e["event"] == "server_started"][-1]
        return port, started["metrics_port"]

    def stop(self, what):
        proc, self.proc = self.proc, None
        if proc is None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = proc.wait()
            self.stop_notes.append(f"{what}: ignored SIGTERM for 30 s, killed")
        if rc != 0:
            self.stop_notes.append(f"{what}: exit status {rc} on SIGTERM")

    def scrape(self, metrics_port, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=10) as r:
            data = r.read()
        with open(path, "wb") as f:
            f.write(data)
        return h2load_stats.parse_metrics(path)

    def cleanup(self):
        if self.proc is not None:
            self.stop("cleanup")
        if self.args.keep_workdir:
            say(f"kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    # ---- one run -------------------------------------------------------------------

    def run(self, service, variant, c, rnd, load):
        """Fresh server; the checks (first time only); warm-up; measured load."""
        _, _, method, model = SERVICES[service]
        tag = f"{service}_{variant}_c{c}_r{rnd}"
        say(f"{service}: {NAMES[variant]}, c={c}, round {rnd + 1}: starting")
        port, metrics_port = self.start(service, variant)
        try:
            if (service, variant) not in self.answers:
                self.answers[(service, variant)] = load.check(port)
            load.drive(port, c, tag, warmup=True)
            before_avg = loadavg()
            before = self.scrape(metrics_port, os.path.join(self.work, tag + ".before.prom"))
            point = load.drive(port, c, tag, warmup=False)
            after = self.scrape(metrics_port, os.path.join(self.work, tag + ".after.prom"))
            after_avg = loadavg()
        finally:
            self.stop(f"{NAMES[variant]} {service} c={c} round {rnd + 1}")
        b, a = h2load_stats.codes_by_name(before, method), h2load_stats.codes_by_name(after, method)
        codes = {k: int(round(a[k] - b.get(k, 0))) for k in a}
        batch_n = (h2load_stats.metric_sum(after, "shop_inference_batch_size_count", model=model)
                   - h2load_stats.metric_sum(before, "shop_inference_batch_size_count", model=model))
        batch_sum = (h2load_stats.metric_sum(after, "shop_inference_batch_size_sum", model=model)
                     - h2load_stats.metric_sum(before, "shop_inference_batch_size_sum", model=model))
        point.update(service=service, variant=variant, c=c, round=rnd,
                     codes={k: n for k, n in codes.items() if n},
                     mean_batch=batch_sum / batch_n if batch_n else float("nan"),
                     load_before=before_avg, load_after=after_avg)
        say(f"  {point['req_s']:.1f} req/s, p50 {point['p50_ms']:.2f} ms, p99 {point['p99_ms']:.2f} ms, "
            f"codes {point['codes']}")
        return point

    def main(self):
        a = self.args
        points = []
        loads = {"recommend": RecommendLoad, "translate": TranslateLoad}
        for service in a.services:
            load = loads[service](self)
            for c in a.concurrency:
                for rnd in range(a.rounds):
                    k = rnd % len(a.variants)
                    for variant in a.variants[k:] + a.variants[:k]:
                        points.append(self.run(service, variant, c, rnd, load))
            self.report_service(service, load, [p for p in points if p["service"] == service])
        self.report_ratios(points)
        self.report_notes()

    # ---- report --------------------------------------------------------------------

    def report_service(self, service, load, points):
        print(f"\n## {SERVICES[service][2]}: {load.about}\n")
        print("| variant | concurrency | round | calls | req/s | p50 ms | p99 ms | mean batch | "
              "gRPC codes (server) | load avg 1 min before → after |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
        order = {v: i for i, (v, _) in enumerate(VARIANTS)}
        for p in sorted(points, key=lambda p: (p["c"], order[p["variant"]], p["round"])):
            codes = ", ".join(f"{k} {n}" for k, n in sorted(p["codes"].items(),
                                                             key=lambda kv: (kv[0] != "OK", kv[0])))
            extra = f"; {p['note']}" if p.get("note") else ""
            print(f"| {NAMES[p['variant']]} | {p['c']} | {p['round'] + 1} | {p['calls']} | "
                  f"{p['req_s']:.1f} | {p['p50_ms']:.2f} | {p['p99_ms']:.2f} | "
                  f"{p['mean_batch']:.2f} | {codes or '-'}{extra} | "
                  f"{p['load_before'][0]} → {p['load_after'][0]} |")
        print()
        print(f"Answers (check requests, each variant before its first run): {load.compare(self.answers)}")
        print("\nServer commands (the last start of each):\n")
        for v in self.args.variants:
            if (service, v) in self.commands:
                print(f"- {NAMES[v]}: `{self.commands[(service, v)]}`")
        print(f"- Model: `{load.model_dir}`; {load.model_note}")
        print(f"- Load: {load.load_note}")

    def report_ratios(self, points):
        print("\n## C++ / best Python variant\n")
        print("req/s: the mean over the rounds; p50: the median over the rounds.\n")
        print("| service | concurrency | C++ req/s | Python req/s | Python+batch req/s | "
              "C++ / best Python | C++ p50 ms | best Python p50 ms |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for service in self.args.services:
            for c in self.args.concurrency:
                mean, p50 = {}, {}
                for v in self.args.variants:
                    runs = [p for p in points if (p["service"], p["variant"], p["c"]) == (service, v, c)]
                    if runs:
                        mean[v] = statistics.mean(p["req_s"] for p in runs)
                        p50[v] = statistics.median(p["p50_ms"] for p in runs)
                python = [v for v in mean if v != "cpp"]
                best = max(python, key=lambda v: mean[v]) if python else None
                ratio = "-"
                if best and "cpp" in mean and mean[best] > 0:
                    ratio = f"**{mean['cpp'] / mean[best]:.2f}** ({NAMES[best]})"
                cells = [f"{mean[v]:.1f}" if v in mean else "-" for v in ("cpp", "py", "pybatch")]
                cells += [ratio, f"{p50['cpp']:.2f}" if "cpp" in p50 else "-",
                          f"{p50[best]:.2f}" if best else "-"]
                print(f"| {SERVICES[service][2]} | {c} | " + " | ".join(cells) + " |")

    def report_notes(self):
        print()
        for note in self.stop_notes:
            print(f"- Server stop: {note}")
        print(f"- Load average (1/5/15 min) at the start: {' '.join(self.load_start)}, "
              f"at the end: {' '.join(loadavg())}")
        print(f"- Finished: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M:%S UTC}")


class RecommendLoad:
    """h2load with one gRPC-framed body (scripts/grpc_body.py's framing)."""

    def __init__(self, bench):
        import struct
        from google.protobuf import json_format
        from shop.recommender.v1 import recommender_pb2 as pb, recommender_pb2_grpc as pb_grpc
        self.bench, self.pb, self.pb_grpc = bench, pb, pb_grpc
        a = bench.args
        history_file = os.path.join(a.data_dir, "recsys", "Beauty.txt")
        with open(history_file) as f:
            fields = next(line.split() for line in f if len(line.split()) - 1 >= a.history_len)
        self.request = pb.RecommendRequest(k=a.k, recent_item_ids=fields[1:][-a.history_len:],
                                           filters=pb.Filters(ship_to_country=a.country))
        payload = self.request.SerializeToString()
        self.body = os.path.join(bench.work, "recommend_body.bin")
        with open(self.body, "wb") as f:
            f.write(struct.pack(">BI", 0, len(payload)) + payload)
        request_json = json_format.MessageToJson(self.request, indent=None)
        self.about = (f"k={a.k}, ship_to_country={a.country}, the last {a.history_len} items of "
                      f"user {fields[0]} in {history_file}")
        self.model_dir = newest_model_dir(a.model_root, "recommender")
        self.model_note = (f"model.pt sha256 {sha256_prefix(os.path.join(self.model_dir, 'model.pt'))}..., "
                           f"catalog `{a.catalog}`")
        how = f"-n max({a.requests}, C)" if a.requests else f"-D {int(a.duration * 1000)}ms"
        self.load_note = (f"`h2load {how} -c C -m 1 -H 'content-type: application/grpc' "
                          f"-H 'te: trailers' -d body.bin --log-file=FILE "
                          f"http://127.0.0.1:PORT{RECOMMEND_PATH}` after a discarded "
                          f"`-D {int(a.warmup * 1000)}ms` warm-up; body: `{request_json}`; "
                          "h2load and the server share the machine"
                          + ("" if a.requests else
                             "; h2load -D stops with up to C calls in flight: the server counts "
                             "them (OK, or CANCELLED when h2load resets the stream first), "
                             "h2load's log (calls, latencies) does not"))

    def h2load(self, port, c, what, log_file, out_file):
        a = self.bench.args
        cmd = ["h2load", *what, "-c", str(c), "-m", "1", "-H", "content-type: application/grpc",
               "-H", "te: trailers", "-d", self.body]
        if log_file:
            cmd.append(f"--log-file={log_file}")
        cmd.append(f"http://127.0.0.1:{port}{RECOMMEND_PATH}")
        with open(out_file, "w") as out:
            rc = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT,
                                timeout=a.h2load_timeout).returncode
        if rc != 0:
            raise SystemExit(f"h2load failed ({rc}): {shlex.join(cmd)}\n{open(out_file).read()}")

    def drive(self, port, c, tag, warmup):
        a = self.bench.args
        base = os.path.join(self.bench.work, tag)
        if warmup:
            self.h2load(port, c, ["-D", f"{int(a.warmup * 1000)}ms"], None, base + ".warmup.txt")
            return None
        what = ["-n", str(max(a.requests, c))] if a.requests else ["-D", f"{int(a.duration * 1000)}ms"]
        self.h2load(port, c, what, base + ".log", base + ".txt")
        durations, statuses = h2load_stats.read_h2load_log(base + ".log")
        req_s, counts = h2load_stats.read_h2load_stdout(base + ".txt")
        notes = []
        if set(statuses) - {"200"}:
            notes.append(f"HTTP {dict(statuses)}")
        if counts["failed"] or counts["errored"] or counts["timeout"]:
            notes.append(f"h2load: {counts['failed']} failed, {counts['errored']} errored, "
                         f"{counts['timeout']} timed out")
        return {"calls": len(durations), "req_s": req_s,
                "p50_ms": h2load_stats.percentile(durations, 50) / 1000.0,
                "p99_ms": h2load_stats.percentile(durations, 99) / 1000.0, "note": "; ".join(notes)}

    def check(self, port):
        """Answers to the check requests: {name: comparable answer}, scores kept apart."""
        import grpc
        pb = self.pb
        requests = {
            "benchmark request": self.request,
            "cold start (user without history, k=5, US)":
                pb.RecommendRequest(user_id="peer-check-user", k=5,
                                    filters=pb.Filters(ship_to_country="US")),
            "empty request": pb.RecommendRequest(k=10),
        }
        out = {}
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = self.pb_grpc.RecommenderStub(channel)
            for name, request in requests.items():
                try:
                    r = stub.Recommend(request, timeout=60)
                    out[name] = ({"items": [i.item_id for i in r.items],
                                  "related": [i.reason.related_item_id for i in r.items],
                                  "fallback": pb.Fallback.Name(r.fallback),
                                  "history_items_used": r.history_items_used,
                                  "filtered_out_count": r.filtered_out_count},
                                 [i.score for i in r.items])
                except grpc.RpcError as e:
                    out[name] = ({"code": e.code().name}, [])
        return out

    def compare(self, answers):
        return compare_answers(answers, "recommend", "score")


class TranslateLoad:
    """python3-grpcio futures, C in flight, one distinct sentence per call."""

    def __init__(self, bench):
        import data
        from shop.translator.v1 import translator_pb2 as pb, translator_pb2_grpc as pb_grpc
        self.bench, self.pb, self.pb_grpc = bench, pb, pb_grpc
        a = bench.args
        texts = [x[2] for x in data.multi30k(a.data_dir, "test_2016_flickr", "de")]
        self.sentences = [t for t in texts if not any(ch.isdigit() for ch in t)]
        self.next = 0
        self.about = (f"1 sentence per request, en->de, beam {a.beam}, distinct sentences in "
                      f"order ({len(self.sentences)} Multi30k test_2016_flickr sentences without "
                      "digits, repeated when exhausted)")
        self.model_dir = newest_model_dir(a.model_root, "translator")
        self.model_note = f"model.pt sha256 {sha256_prefix(os.path.join(self.model_dir, 'model.pt'))}..."
        how = f"{a.requests} calls" if a.requests else f"{a.duration} s"
        self.load_note = (f"{how} of asynchronous python3-grpcio calls from the benchmark "
                          f"process (C in flight on one channel, deadline 600 s) after {a.warmup} s "
                          "of discarded warm-up calls; every run starts at the same sentence; "
                          "the client and the server share the machine")

    def call(self, stub, texts, beam):
        req = self.pb.TranslateRequest(texts=texts, source_language="en", target_language="de")
        req.options.beam_size = beam
        return stub.Translate.future(req, timeout=600)

    def drive(self, port, c, tag, warmup):
        import grpc
        a = self.bench.args
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = self.pb_grpc.TranslatorStub(channel)
            n = len(self.sentences)
            # Warm-up from the far end of the list, the measured run from sentence 0.
            offset = n // 2 if warmup else 0
            start = lambda i: self.call(stub, [self.sentences[(offset + i) % n]], a.beam)  # noqa: E731
            if warmup:
                closed_loop(start, c, duration=a.warmup)
                return None
            wall, latencies, codes = closed_loop(start, c, duration=None if a.requests else a.duration,
                                                 count=a.requests or None)
        lat = sorted(latencies)
        bad = {k: v for k, v in codes.items() if k != "OK"}
        return {"calls": len(lat), "req_s": len(lat) / wall,
                "p50_ms": h2load_stats.percentile(lat, 50) * 1000,
                "p99_ms": h2load_stats.percentile(lat, 99) * 1000,
                "note": f"client saw {bad}" if bad else ""}

    def check(self, port):
        import grpc
        a = self.bench.args
        s = self.sentences
        requests = {f"sentence {i + 1}": [s[i]] for i in range(3)}
        requests["two texts in one request"] = [s[3], s[4]]
        requests["empty request"] = []
        out = {}
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = self.pb_grpc.TranslatorStub(channel)
            for name, texts in requests.items():
                try:
                    r = self.call(stub, texts, a.beam).result()
                    out[name] = ({"texts": [t.text for t in r.translations],
                                  "outcomes": [t.outcome for t in r.translations]},
                                 [t.confidence for t in r.translations])
                except grpc.RpcError as e:
                    out[name] = ({"code": e.code().name}, [])
        return out

    def compare(self, answers):
        return compare_answers(answers, "translate", "confidence")


# Variants whose check answers differ from the C++ server's: the run then exits 1, since
# the peers would not be doing the same work (tests/python runs --quick for this).
DIFFERENCES = []


def compare_answers(answers, service, number):
    """Each Python variant's check answers against the C++ server's."""
    ref = answers.get((service, "cpp"))
    if ref is None:
        return "no C++ answers to compare with"
    parts = []
    for v in ("py", "pybatch"):
        got = answers.get((service, v))
        if got is None:
            continue
        differ, max_diff = [], 0.0
        for name, (want, want_nums) in ref.items():
            have, have_nums = got[name]
            if have != want:
                differ.append(f"{name}: C++ {want} vs {have}")
            elif have_nums:
                max_diff = max(max_diff, max(abs(x - y) for x, y in zip(want_nums, have_nums)))
        if differ:
            DIFFERENCES.append(f"{service}: {NAMES[v]}")
            parts.append(f"{NAMES[v]} DIFFERS from C++ in {len(differ)} of {len(ref)}: " + "; ".join(differ))
        else:
            parts.append(f"{NAMES[v]} equal to C++ in all {len(ref)} ({', '.join(ref)}); "
                         f"max |{number} diff| {max_diff:.2g}")
    return "; ".join(parts) + "."


def closed_loop(start_call, concurrency, duration=None, count=None):
    """Keeps `concurrency` calls (start_call(i) -> grpc future) in flight until `duration`
    seconds passed or `count` calls started, then waits for those in flight. Returns (wall
    seconds from the first call to the last answer, latencies of all calls, Counter of
    status code names). Unlike grpc_bench.run_load, failures are counted, not fatal."""
    import grpc
    lock = threading.Condition()
    state = {"next": 0, "inflight": 0}
    latencies, codes = [], collections.Counter()
    t0 = time.perf_counter()
    deadline = t0 + duration if duration is not None else None

    def more():
        if count is not None and state["next"] >= count:
            return False
        return deadline is None or time.perf_counter() < deadline

    def launch():
        i = state["next"]
        state["next"] += 1
        state["inflight"] += 1
        started = time.perf_counter()
        future = start_call(i)

        def done(f, started=started):
            try:
                f.result()
                code = "OK"
            except grpc.RpcError as e:
                code = e.code().name
            with lock:
                latencies.append(time.perf_counter() - started)
                codes[code] += 1
                state["inflight"] -= 1
                while state["inflight"] < concurrency and more():
                    launch()
                lock.notify_all()
        future.add_done_callback(done)

    with lock:
        while state["inflight"] < concurrency and more():
            launch()
        while state["inflight"] > 0:
            lock.wait()
    return time.perf_counter() - t0, latencies, codes


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--services", default="recommend,translate", help="comma-separated: recommend, translate")
    p.add_argument("--concurrency", default="1,16,64", help="comma-separated calls in flight")
    p.add_argument("--rounds", type=int, default=2, help="alternating rounds of the variants")
    p.add_argument("--variants", default="cpp,py,pybatch", help="comma-separated: cpp, py, pybatch")
    p.add_argument("--duration", type=float, default=10.0, help="seconds of measured load per run")
    p.add_argument("--requests", type=int, default=0,
                   help="measured calls per run instead of --duration (0 = use --duration)")
    p.add_argument("--warmup", type=float, default=2.0, help="seconds of discarded load per run")
    p.add_argument("--quick", action="store_true",
                   help="smoke test: 1 round, 2 s (1 s warm-up), concurrency 1,4 (overrides those)")
    p.add_argument("--build_dir", default=os.path.join(REPO, "build"))
    p.add_argument("--python_out", default="", help="generated Python protos (default: BUILD_DIR/python)")
    p.add_argument("--model_root", default=os.path.join(REPO, "models"))
    p.add_argument("--catalog", default=os.path.join(REPO, "services", "recommender", "demo", "catalog.jsonl"))
    p.add_argument("--data_dir", default=os.path.abspath(os.path.join(REPO, "..", "shared", "data")))
    p.add_argument("--history_len", type=int, default=8, help="Recommend: history items in the request")
    p.add_argument("--k", type=int, default=10, help="Recommend: k")
    p.add_argument("--country", default="DE", help="Recommend: filters.ship_to_country")
    p.add_argument("--beam", type=int, default=4, help="Translate: options.beam_size")
    p.add_argument("--recommender_args", default="--intra_op_threads=1",
                   help="extra flags of the C++ recommender (else its defaults)")
    p.add_argument("--translator_args", default="--intra_op_threads=1",
                   help="extra flags of the C++ translator (--cache_mb=0 is always given)")
    p.add_argument("--py_args", default="",
                   help="extra flags of the Python peers without batching, e.g. '--workers 2' "
                        "(default: 2 x cores handler threads)")
    p.add_argument("--pybatch_args", default="",
                   help="extra flags of the Python peers with --batch (default: 128 handler "
                        "threads, which bound the batch)")
    p.add_argument("--max_batch", type=int, default=64, help="Python+batch: --max_batch")
    p.add_argument("--h2load_timeout", type=float, default=600)
    p.add_argument("--keep_workdir", action="store_true", help="keep h2load logs and /metrics scrapes")
    args = p.parse_args()
    if args.quick:
        args.rounds, args.duration, args.warmup, args.concurrency = 1, 2.0, 1.0, "1,4"
    args.services = [s for s in args.services.split(",") if s]
    args.variants = [v for v in args.variants.split(",") if v]
    args.concurrency = [int(c) for c in str(args.concurrency).split(",") if c]
    for s in args.services:
        if s not in SERVICES:
            p.error(f"--services: {s} is not one of {', '.join(SERVICES)}")
    for v in args.variants:
        if v not in NAMES:
            p.error(f"--variants: {v} is not one of {', '.join(NAMES)}")
    args.python_out = args.python_out or os.path.join(args.build_dir, "python")
    if shutil.which("h2load") is None and "recommend" in args.services:
        raise SystemExit("h2load not found (Debian: nghttp2-client; scripts/setup.sh installs it)")

    bench = Bench(args)
    bench.load_start = loadavg()
    print("# Peer benchmark: C++ services vs Python grpcio + PyTorch servers on the same models\n")
    print(f"- Command: `{shlex.join([sys.executable] + sys.argv)}`")
    print(f"- Machine: {machine_line()}")
    per_run = (f"{args.requests} calls per run" if args.requests
               else f"{args.duration:g} s per run")
    print(f"- Started: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M:%S UTC}; "
          f"{args.rounds} round(s), {per_run} after {args.warmup:g} s of warm-up", flush=True)
    try:
        bench.main()
    finally:
        bench.cleanup()
    if DIFFERENCES:
        raise SystemExit(f"answers differ from the C++ servers': {', '.join(DIFFERENCES)}")


if __name__ == "__main__":
    main()
