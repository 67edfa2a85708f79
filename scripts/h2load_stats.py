#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Number crunching for gRPC load tests run with h2load (scripts/bench_batching.sh,
scripts/bench_recommender.sh; their shell side is scripts/lib/bench_lib.sh).

  h2load_stats.py point --label batching=on --label concurrency=8 \
      --h2load_log run.log --h2load_stdout run.txt \
      --metrics_before before.txt --metrics_after after.txt \
      --grpc_method Infer [--model example] \
      [--breakdown fallback shop_recommender_results_total fallback rpc=Recommend] \
      >> results.jsonl
      One benchmark point as a JSON line: the labels (in the order given), requests, req/s
      (h2load's "finished in" line), p50/p99 latency from h2load's --log-file, gRPC codes
      from the delta of the server's grpc_server_handled_total, mean batch size from the
      delta of shop_inference_batch_size; each --breakdown KEY METRIC LABEL [NAME=VALUE...]
      adds the delta of counter METRIC by LABEL (samples filtered by NAME=VALUE) as KEY.

  h2load_stats.py report --results results.jsonl \
      [--speedup batching=on/off --speedup_at concurrency=64] \
      [--ratio_vs server=empty] [--goal_for server=recommender \
       --throughput_goal 0.5 --throughput_goal_at 16 64 --p99_goal_ms 10 --p99_goal_at 16]
      The Markdown table of all points: one column per label (first-seen order), then
      requests, req/s, p50/p99 ms, mean batch and gRPC codes; with --ratio_vs, a column of
      req/s over the req/s of the baseline point with the same other labels. Then, as
      asked: the req/s speed-up of one label value over another at one point; the
      throughput ratio of --goal_for over the --ratio_vs baseline and its p99, each against
      its goal (PASS/FAIL); and the --breakdown counts of every point.

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


def counts_by_label(samples, name, label, **want):
    """{label value: summed sample value} of counter `name`, samples filtered by `want`."""
    counts = {}
    for n, labels, v in samples:
        if n == name and all(labels.get(k) == w for k, w in want.items()):
            key = labels.get(label, "?")
            counts[key] = counts.get(key, 0.0) + v
    return counts


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

    labels = []
    for label in args.label:
        key, sep, value = label.partition("=")
        if not sep or not key:
            raise SystemExit(f"h2load_stats: --label must be KEY=VALUE, got {label!r}")
        labels.append([key, value])
    breakdowns = {}
    for spec in args.breakdown:
        if len(spec) < 3:
            raise SystemExit("h2load_stats: --breakdown needs KEY METRIC LABEL [NAME=VALUE...]")
        key, metric, by = spec[:3]
        want = dict(f.split("=", 1) for f in spec[3:])
        b = counts_by_label(before, metric, by, **want)
        a = counts_by_label(after, metric, by, **want)
        delta = {v: int(round(a[v] - b.get(v, 0.0))) for v in a}
        breakdowns[key] = {v: n for v, n in delta.items() if n}

    # The labels twice: as top-level keys (older readers) and in order, for the columns.
    point = {key: value for key, value in labels}
    point.update({
        "labels": labels,
        "breakdowns": breakdowns,
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


def point_labels(point):
    """[[key, value], ...] of a point, in the order given to `point`."""
    if "labels" in point:
        return [tuple(kv) for kv in point["labels"]]
    # Points written before labels were recorded in order: bench_batching's two.
    return [(k, str(point[k])) for k in ("batching", "concurrency") if k in point]


def parse_selector(text, option):
    key, sep, value = (text or "").partition("=")
    if not sep or not key:
        raise SystemExit(f"h2load_stats: {option} must be KEY=VALUE, got {text!r}")
    return key, value


def find_point(points, **want):
    """The first point whose labels include all of `want` (values compared as strings)."""
    for p in points:
        labels = dict(point_labels(p))
        if all(labels.get(k) == str(v) for k, v in want.items()):
            return p
    return None


def combine(ok, met):
    """Goal met at every point so far: False once missed, else None once a point is missing."""
    if ok is False or met is False:
        return False
    return None if ok is None or met is None else True


def verdict(ok):
    """True/False/None (a point was not measured) -> the verdict's Markdown."""
    return "n/a (not all points measured)" if ok is None else ("**PASS**" if ok else "**FAIL**")


def short_key(key):
    return "c" if key == "concurrency" else key


def cmd_report(args):
    with open(args.results) as f:
        points = [json.loads(line) for line in f if line.strip()]
    columns = []
    for p in points:
        for key, _ in point_labels(p):
            if key not in columns:
                columns.append(key)
    ratio_key = ratio_value = None
    if args.ratio_vs:
        ratio_key, ratio_value = parse_selector(args.ratio_vs, "--ratio_vs")

    def baseline_of(p):
        want = {k: v for k, v in point_labels(p) if k != ratio_key}
        want[ratio_key] = ratio_value
        return find_point(points, **want)

    header = columns + ["requests", "req/s", "p50 ms", "p99 ms", "mean batch", "gRPC codes"]
    align = ["---" if c != "concurrency" else "---:" for c in columns]
    align += ["---:"] * 5 + ["---"]
    if ratio_key:
        header.append(f"req/s vs {ratio_value}")
        align.append("---:")
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(align) + "|")
    for p in points:
        labels = dict(point_labels(p))
        cells = [labels.get(c, "") for c in columns]
        cells += [str(p["requests"]), f"{p['req_per_s']:.1f}", fmt(p["p50_ms"]),
                  fmt(p["p99_ms"]), fmt(p["mean_batch"]), codes_cell(p)]
        if ratio_key:
            base = baseline_of(p)
            cells.append(f"{p['req_per_s'] / base['req_per_s']:.2f}"
                         if base and base["req_per_s"] else "n/a")
        print("| " + " | ".join(cells) + " |")

    if args.speedup:
        key, value = parse_selector(args.speedup, "--speedup")
        num, sep, den = value.partition("/")
        if not sep:
            raise SystemExit("h2load_stats: --speedup must be KEY=A/B")
        at = args.speedup_at if "=" in args.speedup_at else f"concurrency={args.speedup_at}"
        at_key, at_value = parse_selector(at, "--speedup_at")
        a = find_point(points, **{key: num, at_key: at_value})
        b = find_point(points, **{key: den, at_key: at_value})
        print()
        if a and b and a["req_per_s"] and b["req_per_s"]:
            print(f"Speed-up at {at_key} {at_value} (req/s {key} {num} / {den}): "
                  f"{a['req_per_s'] / b['req_per_s']:.2f}x "
                  f"({a['req_per_s']:.1f} / {b['req_per_s']:.1f} req/s)")
        else:
            print(f"Speed-up at {at_key} {at_value}: n/a (no {num}/{den} pair measured)")

    goal_for = parse_selector(args.goal_for, "--goal_for") if args.goal_for else None
    verdicts = []
    if args.throughput_goal is not None:
        if not (goal_for and ratio_key):
            raise SystemExit("h2load_stats: --throughput_goal needs --goal_for and --ratio_vs")
        at = " and ".join(f"{short_key(args.at_label)}={v}" for v in args.throughput_goal_at)
        parts, ok = [], True
        for v in args.throughput_goal_at:
            p = find_point(points, **{goal_for[0]: goal_for[1], args.at_label: v})
            base = baseline_of(p) if p else None
            if not (p and base and base["req_per_s"]):
                parts.append(f"n/a at {short_key(args.at_label)}={v} (not measured)")
                ok = combine(ok, None)
                continue
            ratio = p["req_per_s"] / base["req_per_s"]
            ok = combine(ok, ratio >= args.throughput_goal)
            parts.append(f"{ratio:.2f} at {short_key(args.at_label)}={v} "
                         f"({p['req_per_s']:.1f} / {base['req_per_s']:.1f} req/s)")
        verdicts.append(f"Throughput of {goal_for[1]} at {at} as a fraction of the "
                        f"{ratio_value} server (goal >= {args.throughput_goal:g}): "
                        f"{'; '.join(parts)} -> {verdict(ok)}")
    if args.p99_goal_ms is not None:
        if not goal_for:
            raise SystemExit("h2load_stats: --p99_goal_ms needs --goal_for")
        parts, ok = [], True
        for v in args.p99_goal_at:
            p = find_point(points, **{goal_for[0]: goal_for[1], args.at_label: v})
            if not p or math.isnan(p["p99_ms"]):
                parts.append(f"n/a at {short_key(args.at_label)}={v} (not measured)")
                ok = combine(ok, None)
                continue
            ok = combine(ok, p["p99_ms"] < args.p99_goal_ms)
            parts.append(f"{p['p99_ms']:.2f} ms at {short_key(args.at_label)}={v} "
                         f"(p50 {p['p50_ms']:.2f} ms, max {p['max_ms']:.2f} ms)")
        at = " and ".join(f"{short_key(args.at_label)}={v}" for v in args.p99_goal_at)
        verdicts.append(f"p99 of {goal_for[1]} at {at} (goal < {args.p99_goal_ms:g} ms): "
                        f"{'; '.join(parts)} -> {verdict(ok)}")
    if verdicts:
        print()
        for line in verdicts:
            print(f"- {line}")

    keys = []
    for p in points:
        for key in p.get("breakdowns", {}):
            if key not in keys:
                keys.append(key)
    for key in keys:
        print()
        cells = []
        for p in points:
            if key not in p.get("breakdowns", {}):
                continue
            name = " ".join(f"{short_key(k)}={v}" for k, v in point_labels(p))
            counts = p["breakdowns"][key]
            cells.append(f"{name}: " + (", ".join(f"{v}={n}" for v, n in sorted(
                counts.items(), key=lambda kv: -kv[1])) or "none counted"))
        print(f"{key} (per point): " + "; ".join(cells))


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
                       help="Copied into the point; report makes one column per label, "
                            "in this order (e.g. batching, concurrency).")
    point.add_argument("--h2load_log", required=True, help="h2load --log-file output.")
    point.add_argument("--h2load_stdout", required=True, help="h2load's printed summary.")
    point.add_argument("--metrics_before", required=True, help="/metrics before the run.")
    point.add_argument("--metrics_after", required=True, help="/metrics after the run.")
    point.add_argument("--grpc_method", required=True, help="grpc_method label to count.")
    point.add_argument("--model", default="", help="model label of shop_inference_* "
                                                   "(default: all models summed).")
    point.add_argument("--breakdown", action="append", default=[], nargs="+",
                       metavar="ARG", help="KEY METRIC LABEL [NAME=VALUE...]: the delta of "
                       "counter METRIC by LABEL, samples filtered by NAME=VALUE, as KEY.")
    point.set_defaults(func=cmd_point)

    report = sub.add_parser("report", help="Markdown table of the points.")
    report.add_argument("--results", required=True, help="JSON lines written by `point`.")
    report.add_argument("--speedup", metavar="KEY=A/B",
                        help="Print the req/s speed-up of label KEY=A over KEY=B.")
    report.add_argument("--speedup_at", default="concurrency=64", metavar="KEY=VALUE",
                        help="Point of the speed-up line (a bare VALUE means concurrency).")
    report.add_argument("--ratio_vs", metavar="KEY=VALUE",
                        help="Add a column: req/s over that of the point with KEY=VALUE and "
                             "the same other labels.")
    report.add_argument("--goal_for", metavar="KEY=VALUE",
                        help="Points the goal verdicts judge (e.g. server=recommender).")
    report.add_argument("--at_label", default="concurrency",
                        help="Label the --*_goal_at values select (default concurrency).")
    report.add_argument("--throughput_goal", type=float, metavar="RATIO",
                        help="Verdict: req/s of --goal_for over --ratio_vs must be >= RATIO.")
    report.add_argument("--throughput_goal_at", nargs="+", default=[], metavar="VALUE",
                        help="--at_label values of the throughput verdict.")
    report.add_argument("--p99_goal_ms", type=float, metavar="MS",
                        help="Verdict: p99 of --goal_for must be < MS.")
    report.add_argument("--p99_goal_at", nargs="+", default=[], metavar="VALUE",
                        help="--at_label values of the p99 verdict.")
    report.set_defaults(func=cmd_report)

    free_port = sub.add_parser("free_port", help="Print a free TCP port on 127.0.0.1.")
    free_port.set_defaults(func=cmd_free_port)

    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    sys.exit(main())
