#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Number crunching for gRPC load tests run with h2load (used by scripts/bench_batching.sh).

  h2load_stats.py point --label batching=on --label concurrency=8 \
      --h2load_log run.log --h2load_stdout run.txt \
      --metrics_before before.txt --metrics_after after.txt \
      --grpc_method Infer [--model example] >> results.jsonl
      One benchmark point as a JSON line: requests, req/s (h2load's "finished in" line),
      p50/p99 latency from h2load's --log-file, gRPC codes from the delta of the server's
      grpc_server_handled_total, mean batch size from the delta of shop_inference_batch_size.

  h2load_stats.py report --results results.jsonl --speedup_at 64
      The Markdown table of all points, then the req/s speed-up of batching=on over
      batching=off at the given concurrency.

  h2load_stats.py free_port
      Prints a TCP port on 127.0.0.1 that was free a moment ago.

h2load's --log-file has one tab-separated line per request: start time (microseconds since
the epoch), HTTP status, request duration in microseconds.
"""
import argparse
import json
import math
import re
import socket
import sys

_SAMPLE = re.compile(r'^([A-Za-z_:][A-Za-z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$')
_LABEL = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"')
_FINISHED = re.compile(r'^finished in ([0-9.]+)(us|ms|s), ([0-9.]+) req/s')
_REQUESTS = re.compile(r'^requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, '
                       r'(\d+) failed, (\d+) errored, (\d+) timeout')


def parse_metrics(path):
    """Prometheus text format -> list of (name, {label: value}, float)."""
    samples = []
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            m = _SAMPLE.match(line)
            if not m:
                continue
            labels = dict(_LABEL.findall(m.group(2) or ""))
            samples.append((m.group(1), labels, float(m.group(3))))
    return samples


def metric_sum(samples, name, **want):
    """Sum of the samples of `name` whose labels include all of `want`."""
    return sum(v for n, labels, v in samples
               if n == name and all(labels.get(k) == w for k, w in want.items()))


def codes_by_name(samples, method):
    codes = {}
    for n, labels, v in samples:
        if n == "grpc_server_handled_total" and labels.get("grpc_method") == method:
            code = labels.get("grpc_code", "?")
            codes[code] = codes.get(code, 0.0) + v
    return codes


def percentile(sorted_values, p):
    """Nearest-rank percentile (p in (0, 100]) of an ascending list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(p / 100.0 * len(sorted_values)))
    return sorted_values[rank - 1]


def read_h2load_log(path):
    durations_us, statuses = [], {}
    with open(path) as f:
        for line in f:
            fields = line.split("\t")
            if len(fields) < 3:
                continue
            statuses[fields[1]] = statuses.get(fields[1], 0) + 1
            durations_us.append(int(fields[2]))
    return sorted(durations_us), statuses


def read_h2load_stdout(path):
    req_per_s, counts = None, None
    with open(path) as f:
        for line in f:
            m = _FINISHED.match(line.strip())
            if m:
                req_per_s = float(m.group(3))
            m = _REQUESTS.match(line.strip())
            if m:
                keys = ("total", "started", "done", "succeeded", "failed", "errored", "timeout")
                counts = dict(zip(keys, map(int, m.groups())))
    if req_per_s is None or counts is None:
        raise SystemExit(f"h2load_stats: no 'finished in' / 'requests:' summary in {path}")
    return req_per_s, counts


def cmd_point(args):
    durations, statuses = read_h2load_log(args.h2load_log)
    req_per_s, counts = read_h2load_stdout(args.h2load_stdout)
    before = parse_metrics(args.metrics_before)
    after = parse_metrics(args.metrics_after)

    codes_before = codes_by_name(before, args.grpc_method)
    codes_after = codes_by_name(after, args.grpc_method)
    codes = {c: int(round(codes_after[c] - codes_before.get(c, 0.0))) for c in codes_after}
    codes = {c: n for c, n in codes.items() if n}

    model = {"model": args.model} if args.model else {}
    batch_sum = (metric_sum(after, "shop_inference_batch_size_sum", **model)
                 - metric_sum(before, "shop_inference_batch_size_sum", **model))
    batch_count = (metric_sum(after, "shop_inference_batch_size_count", **model)
                   - metric_sum(before, "shop_inference_batch_size_count", **model))

    point = dict(label.split("=", 1) for label in args.label)
    point.update({
        "requests": counts["total"],
        "h2load": counts,
        "http_statuses": statuses,
        "logged": len(durations),
        "req_per_s": req_per_s,
        "p50_ms": percentile(durations, 50) / 1000.0,
        "p99_ms": percentile(durations, 99) / 1000.0,
        "max_ms": (durations[-1] / 1000.0) if durations else float("nan"),
        "mean_batch": (batch_sum / batch_count) if batch_count else float("nan"),
        "batches": int(batch_count),
        "grpc_codes": codes,
    })
    print(json.dumps(point, sort_keys=True))


def codes_cell(point):
    codes = point["grpc_codes"]
    # OK first, then the failures, loudest first.
    parts = [f"OK={codes['OK']}"] if "OK" in codes else []
    parts += [f"**{c}={n}**" for c, n in sorted(codes.items(), key=lambda kv: -kv[1])
              if c != "OK"]
    h2 = point["h2load"]
    handled = sum(codes.values())
    if handled != h2["succeeded"] or h2["failed"] or h2["errored"] or h2["timeout"]:
        parts.append(f"**h2load: {h2['succeeded']} succeeded, {h2['failed']} failed, "
                     f"{h2['errored']} errored, {h2['timeout']} timeout**")
    other_http = {s: n for s, n in point["http_statuses"].items() if s != "200"}
    if other_http:
        parts.append("**HTTP " + ", ".join(f"{s}={n}" for s, n in other_http.items()) + "**")
    return " ".join(parts) or "**none counted**"


def fmt(value):
    return "n/a" if math.isnan(value) else f"{value:.2f}"


def cmd_report(args):
    with open(args.results) as f:
        points = [json.loads(line) for line in f if line.strip()]
    print("| batching | concurrency | requests | req/s | p50 ms | p99 ms | mean batch "
          "| gRPC codes |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for p in points:
        print(f"| {p['batching']} | {p['concurrency']} | {p['requests']} "
              f"| {p['req_per_s']:.1f} | {fmt(p['p50_ms'])} | {fmt(p['p99_ms'])} "
              f"| {fmt(p['mean_batch'])} | {codes_cell(p)} |")
    rates = {p["batching"]: p["req_per_s"] for p in points
             if str(p["concurrency"]) == str(args.speedup_at)}
    print()
    if rates.get("on") and rates.get("off"):
        print(f"Speed-up at concurrency {args.speedup_at} (req/s batching on / off): "
              f"{rates['on'] / rates['off']:.2f}x "
              f"({rates['on']:.1f} / {rates['off']:.1f} req/s)")
    else:
        print(f"Speed-up at concurrency {args.speedup_at}: n/a (no on/off pair measured)")


def cmd_free_port(_):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    point = sub.add_parser("point", help="One benchmark point as a JSON line.")
    point.add_argument("--label", action="append", default=[], metavar="KEY=VALUE",
                       help="Copied into the point (bench_batching uses batching, "
                            "concurrency).")
    point.add_argument("--h2load_log", required=True, help="h2load --log-file output.")
    point.add_argument("--h2load_stdout", required=True, help="h2load's printed summary.")
    point.add_argument("--metrics_before", required=True, help="/metrics before the run.")
    point.add_argument("--metrics_after", required=True, help="/metrics after the run.")
    point.add_argument("--grpc_method", required=True, help="grpc_method label to count.")
    point.add_argument("--model", default="", help="model label of shop_inference_* "
                                                   "(default: all models summed).")
    point.set_defaults(func=cmd_point)

    report = sub.add_parser("report", help="Markdown table of the points.")
    report.add_argument("--results", required=True, help="JSON lines written by `point`.")
    report.add_argument("--speedup_at", default="64", help="Concurrency of the speed-up line.")
    report.set_defaults(func=cmd_report)

    free_port = sub.add_parser("free_port", help="Print a free TCP port on 127.0.0.1.")
    free_port.set_defaults(func=cmd_free_port)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
