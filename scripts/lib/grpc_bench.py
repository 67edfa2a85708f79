# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the Python gRPC benchmarks (bench_translator.py, bench_support_bot.py):
start a server binary and wait for SERVING, drive asynchronous calls at a fixed
concurrency, and summarise latencies. The client is python3-grpcio with futures, so one
client thread keeps many calls in flight."""
import json
import os
import platform
import subprocess
import threading
import time


def machine_line():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    return f"{os.cpu_count()} cores, {cpu}, {platform.platform()}"


def preferred_blas_core():
    """What common/inference/blas_kernels.cc asks OpenBLAS for on this CPU ("SkylakeX",
    "Haswell", or "" for its own choice), from /proc/cpuinfo's flags."""
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    if {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"} <= flags:
        return "SkylakeX"
    if {"avx2", "fma"} <= flags:
        return "Haswell"
    return ""


def start_server(args, timeout=180, events=None, env=None):
    """Starts `args` (binary first); returns (process, port) once it reports SERVING.
    `events`, a list, receives the JSON log events written until then; `env` replaces the
    environment."""
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True, env=env)
    port, deadline, log = None, time.time() + timeout, []
    while time.time() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        log.append(line)
        if not line.startswith("{"):
            continue
        event = json.loads(line)
        if events is not None:
            events.append(event)
        if event["event"] == "server_started":
            port = event["port"]
        if event["event"] == "health_changed" and event.get("serving") is True:
            # Keep draining stderr so the server never blocks on a full pipe.
            threading.Thread(target=lambda: [None for _ in proc.stderr], daemon=True).start()
            return proc, port
    proc.kill()
    raise SystemExit(f"{args[0]} did not become ready:\n" + "".join(log[-20:]))


def make_test_pki(d):
    """A throwaway CA (d/ca.crt) and server and client certificates it signs
    (d/server.crt|key, d/client.crt|key; 127.0.0.1 and localhost, EC P-256), made with
    openssl for benchmarks over TLS; never kept."""
    def openssl(*args):
        subprocess.run(["openssl", *args], check=True, capture_output=True)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"]
    openssl("req", "-x509", *ec, "-days", "1", "-subj", "/CN=bench-ca",
            "-keyout", f"{d}/ca.key", "-out", f"{d}/ca.crt")
    for name in ("server", "client"):
        with open(f"{d}/{name}.ext", "w") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n"
                    "extendedKeyUsage=serverAuth,clientAuth\n")
        openssl("req", *ec, "-subj", f"/CN={name}", "-keyout", f"{d}/{name}.key",
                "-out", f"{d}/{name}.csr")
        openssl("x509", "-req", "-days", "1", "-in", f"{d}/{name}.csr", "-CA", f"{d}/ca.crt",
                "-CAkey", f"{d}/ca.key", "-CAcreateserial", "-out", f"{d}/{name}.crt",
                "-extfile", f"{d}/{name}.ext")


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else float("nan")


def run_load(start_call, n, concurrency):
    """Runs calls 0..n-1, `concurrency` in flight. start_call(i) returns a grpc future.
    Returns (wall seconds, latencies, results in order); exits on the first failure."""
    lock = threading.Condition()
    state = {"next": 0, "inflight": 0, "done": 0}
    latencies, results, errors = [0.0] * n, [None] * n, []

    def launch():
        i = state["next"]
        state["next"] += 1
        state["inflight"] += 1
        t0 = time.perf_counter()
        fut = start_call(i)

        def done(f, i=i, t0=t0):
            with lock:
                latencies[i] = time.perf_counter() - t0
                try:
                    results[i] = f.result()
                except Exception as e:  # noqa: BLE001 -- reported below
                    errors.append(e)
                state["inflight"] -= 1
                state["done"] += 1
                while state["next"] < n and state["inflight"] < concurrency:
                    launch()
                lock.notify_all()
        fut.add_done_callback(done)

    t0 = time.perf_counter()
    with lock:
        while state["next"] < n and state["inflight"] < concurrency:
            launch()
        while state["done"] < n:
            lock.wait()
    wall = time.perf_counter() - t0
    if errors:
        raise SystemExit(f"{len(errors)} calls failed, first: {errors[0]}")
    return wall, latencies, results
