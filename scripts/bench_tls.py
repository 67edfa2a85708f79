#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""What TLS costs: the recommender's SimilarItems (a cheap RPC, so the transport's share
shows) served in plaintext, with TLS and with mutual TLS, measured in one run.

One recommender per mode starts with the shipped model (certificates made here with
openssl in a scratch directory, never kept); then, in rounds, for each mode:
  - h2load, c=16 connections, one stream each, for about --seconds: requests/s and p50/p99
    on connections opened once (h2load has no client certificates, so no mTLS row);
  - python3-grpcio, a new connection for every call, 16 threads: connections/s, which
    is what a handshake costs (clients that do not reuse channels pay it per call).

  /usr/bin/python3 scripts/bench_tls.py                            # prints the table
  /usr/bin/python3 scripts/bench_tls.py --markdown docs/benchmarks.md  # fills its section

--markdown replaces what lies between <!-- tls:begin --> and <!-- tls:end -->.
"""
import argparse
import datetime
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(REPO, "scripts", "lib"), os.path.join(REPO, "scripts")]
import h2load_stats  # noqa: E402
from grpc_bench import machine_line, make_test_pki, start_server  # noqa: E402

BEGIN, END = "<!-- tls:begin -->", "<!-- tls:end -->"
METHOD = "/shop.recommender.v1.Recommender/SimilarItems"


def h2load(url, body, seconds, c, prefix):
    """One warm-up, then about `seconds` of load; (req/s, p50 ms, p99 ms, all succeeded)."""
    def run(n, tag):
        out, log = f"{prefix}.{tag}.txt", f"{prefix}.{tag}.log"
        with open(out, "w") as f:
            subprocess.run(["h2load", "-n", str(n), "-c", str(c), "-m", "1",
                            "-H", "content-type: application/grpc", "-H", "te: trailers",
                            "-d", body, f"--log-file={log}", url],
                           stdout=f, stderr=subprocess.STDOUT, check=True)
        return out, log
    out, _ = run(max(200, 8 * c), "warmup")
    rate, _ = h2load_stats.read_h2load_stdout(out)
    out, log = run(int(max(rate * seconds, 20 * c)), "measured")
    rate, counts = h2load_stats.read_h2load_stdout(out)
    durations, _ = h2load_stats.read_h2load_log(log)
    ok = counts["succeeded"] == counts["total"] and not counts["errored"]
    return (rate, h2load_stats.percentile(durations, 50) / 1000.0,
            h2load_stats.percentile(durations, 99) / 1000.0, ok)


def credentials(grpc, mode, d):
    if mode == "plaintext":
        return None
    read = lambda name: open(f"{d}/{name}", "rb").read()  # noqa: E731
    if mode == "tls":
        return grpc.ssl_channel_credentials(read("ca.crt"))
    return grpc.ssl_channel_credentials(read("ca.crt"), read("client.key"), read("client.crt"))


def channel(grpc, address, creds, fresh=False):
    # A local subchannel pool: a new channel really opens a new connection.
    options = [("grpc.use_local_subchannel_pool", 1)] if fresh else []
    if creds is None:
        return grpc.insecure_channel(address, options=options)
    return grpc.secure_channel(address, creds, options=options)


def grpcio_new_connections(grpc, stub_class, request, address, creds, seconds, threads):
    """Calls/s when every call opens (and closes) its own connection."""
    stop, count, errors = time.monotonic() + seconds, [0] * threads, []

    def worker(t):
        while time.monotonic() < stop:
            try:
                with channel(grpc, address, creds, fresh=True) as ch:
                    stub_class(ch).SimilarItems(request, timeout=10)
                count[t] += 1
            except grpc.RpcError as e:
                errors.append(e)
                return
    t0 = time.monotonic()
    workers = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if errors:
        raise SystemExit(f"a call on a new connection failed: {errors[0]}")
    return sum(count) / (time.monotonic() - t0)


def median_row(mode, rows):
    """The per-field median over the rounds (by req/s for the h2load tuple)."""
    def med(values):
        return sorted(values, key=lambda v: v[0] if isinstance(v, tuple) else v)[len(values) // 2]
    out = {"mode": mode}
    for key in ("h2load", "new_conn"):
        if key in rows[0]:
            out[key] = med([r[key] for r in rows])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    build = os.path.join(REPO, "build")
    p.add_argument("--recommender", default=os.path.join(build, "services", "recommender",
                                                         "recommender"))
    p.add_argument("--python_out", default=os.path.join(build, "python"))
    p.add_argument("--seconds", type=float, default=5.0)
    p.add_argument("--concurrency", type=int, default=16)
    p.add_argument("--rounds", type=int, default=3, help="rounds; the median is reported")
    p.add_argument("--markdown", help="write the table into this file's tls section")
    args = p.parse_args()
    sys.path.insert(0, args.python_out)
    import grpc
    from shop.recommender.v1 import recommender_pb2 as rec, recommender_pb2_grpc as rec_grpc

    request = rec.SimilarItemsRequest(item_id="1200", k=10)
    rows = []
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as d:
        make_test_pki(d)
        body = os.path.join(d, "body.bin")
        with open(body, "wb") as f:
            payload = request.SerializeToString()
            f.write(b"\x00" + len(payload).to_bytes(4, "big") + payload)
        flags = {"plaintext": [],
                 "tls": [f"--tls_cert_file={d}/server.crt", f"--tls_key_file={d}/server.key"],
                 "mtls": [f"--tls_cert_file={d}/server.crt", f"--tls_key_file={d}/server.key",
                          f"--tls_client_ca_file={d}/ca.crt"]}
        servers = {}
        try:
            for mode, extra in flags.items():
                servers[mode] = start_server(
                    [args.recommender, "--listen_address=127.0.0.1", "--port=0",
                     "--metrics_port=-1", f"--model_root={REPO}/models",
                     "--model_poll_interval=0s",
                     f"--catalog={REPO}/services/recommender/demo/catalog.jsonl"] + extra)
            # Rounds in a rotating order, the median per mode: a noisy neighbour then
            # slows every mode alike rather than the one measured at that moment.
            samples = {mode: [] for mode in flags}
            modes = list(flags)
            for r in range(args.rounds):
                for mode in modes[r % 3:] + modes[:r % 3]:
                    address = f"127.0.0.1:{servers[mode][1]}"
                    creds = credentials(grpc, mode, d)
                    row = {"mode": mode}
                    if mode != "mtls":
                        scheme = "http" if mode == "plaintext" else "https"
                        row["h2load"] = h2load(f"{scheme}://{address}{METHOD}", body,
                                               args.seconds, args.concurrency,
                                               os.path.join(d, f"{mode}-{r}"))
                    row["new_conn"] = grpcio_new_connections(grpc, rec_grpc.RecommenderStub,
                                                             request, address, creds,
                                                             args.seconds / 2,
                                                             args.concurrency)
                    samples[mode].append(row)
                    print(f"round {r + 1}", row, file=sys.stderr, flush=True)
        finally:
            for proc, _ in servers.values():
                proc.send_signal(signal.SIGTERM)
            for proc, _ in servers.values():
                proc.wait(timeout=60)
    rows = [median_row(mode, samples[mode]) for mode in flags]

    base = rows[0]
    lines = [f"| mode | h2load c={args.concurrency} req/s | h2load p50 / p99 ms "
             f"| req/s vs plaintext | new connection per call, calls/s | vs plaintext |",
             "|---|---:|---:|---:|---:|---:|"]
    for r in rows:
        if "h2load" in r:
            rate, p50, p99, ok = r["h2load"]
            h2 = (f"{rate:.0f}{'' if ok else ' (errors)'} | {p50:.2f} / {p99:.2f} "
                  f"| {rate / base['h2load'][0]:.2f}")
        else:
            h2 = "n/a (h2load has no client certificates; see below) | | "
        nc = r["new_conn"]
        lines.append(f"| {r['mode']} | {h2} | {nc:.0f} | {nc / base['new_conn']:.2f} |")
    lines += ["", "On an open connection mutual TLS costs what TLS costs (the same record layer; "
              "the client certificate is checked once, in the handshake), so its steady-state "
              "row is TLS's; what it adds shows in the handshake column."]
    command = " ".join(["/usr/bin/python3", "scripts/bench_tls.py"] + sys.argv[1:])
    lines += ["", f"- Command: `{command}`", f"- Machine: {machine_line()}",
              f"- RPC: SimilarItems(item 1200, k=10) of the shipped recommender; certificates "
              f"EC P-256; the client and the servers share the machine; median of "
              f"{args.rounds} rounds in rotating order, about {args.seconds:g} s per point",
              f"- Load average (1/5/15 min) after: {' '.join(open('/proc/loadavg').read().split()[:3])}",
              f"- Date: {datetime.date.today().isoformat()}"]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        with open(args.markdown) as f:
            doc = f.read()
        start, end = doc.find(BEGIN), doc.find(END)
        section = f"{BEGIN}\n{text}{END}"
        if start < 0 or end < start:
            doc = doc.rstrip("\n") + "\n\n## What TLS costs\n\n" + section + "\n"
        else:
            doc = doc[:start] + section + doc[end + len(END):]
        with open(args.markdown, "w") as f:
            f.write(doc)


if __name__ == "__main__":
    main()
