#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Load test of every RPC of the three services with h2load, directly and through the
local gateway (HAProxy, scripts/lib/haproxy_gateway.py).

Starts a translator, a recommender and a support bot (wired to the translator) on free
ports, or uses running ones (--address), then for each RPC, each path (direct, gateway)
and each concurrency: a warm-up run, /metrics of the service, the measured h2load run,
/metrics again. Reports requests/s (h2load), p50/p90/p99 latency (h2load's per-request
--log-file) and the gRPC status codes the server counted (the delta of
grpc_server_handled_total): h2load sees only the HTTP status, which is 200 for every gRPC
error.

The request of each RPC is the first message of its ghz config
(deploy/loadtest/ghz/<service>/<method>.json, templates rendered for request 0). h2load
repeats one body, so: Converse and ConverseStream go without a session id (the server
opens a fresh session per call; one shared session would serialise the calls and reach
its message limit), GetTranscript and RateReply read a session this script creates first
with Converse, and the translator runs with its sentence cache off (--cache_mb=0) so that
every Translate runs the model.

  /usr/bin/python3 scripts/loadtest.py                       # c=1 and 16, ~5 s per point
  /usr/bin/python3 scripts/loadtest.py --markdown docs/benchmarks.md   # fills its table
  /usr/bin/python3 scripts/loadtest.py --quick --json out.json         # smoke test
  /usr/bin/python3 scripts/loadtest.py --paths direct \\
      --address recommender=127.0.0.1:50051,127.0.0.1:9091 ...          # running servers

--markdown replaces what lies between the markers <!-- loadtest:begin --> and
<!-- loadtest:end --> in the file (a new file gets just that section).
"""
import argparse
import contextlib
import datetime
import importlib
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import tempfile
import urllib.request

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path[:0] = [os.path.join(REPO, "scripts", "lib"), os.path.join(REPO, "scripts")]
import h2load_stats  # noqa: E402
from grpc_bench import machine_line, make_test_pki, start_server  # noqa: E402

GHZ_DIR = os.path.join(REPO, "deploy", "loadtest", "ghz")
# Service name (as in the gateway's backends) -> generated module and gRPC service.
SERVICES = {
    "recommender": ("shop.recommender.v1.recommender_pb2", "shop.recommender.v1.Recommender"),
    "translator": ("shop.translator.v1.translator_pb2", "shop.translator.v1.Translator"),
    "support-bot": ("shop.supportbot.v1.supportbot_pb2", "shop.supportbot.v1.SupportBot"),
}
BEGIN, END = "<!-- loadtest:begin -->", "<!-- loadtest:end -->"

# ghz template actions the configs may use, with the value they take for request n.
_TEMPLATE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
TEMPLATE_VALUES = {
    ".RequestNumber": lambda n: str(n),
    ".WorkerID": lambda n: "g0c0",
    ".UUID": lambda n: f"00000000-0000-4000-8000-{n:012d}",
}


def snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def config_path(service, method):
    return os.path.join(GHZ_DIR, service, snake_case(method) + ".json")


def render(value, n):
    """`value` (JSON) with the ghz template actions in its strings evaluated for request n;
    an action not in TEMPLATE_VALUES raises ValueError."""
    if isinstance(value, dict):
        return {k: render(v, n) for k, v in value.items()}
    if isinstance(value, list):
        return [render(v, n) for v in value]
    if not isinstance(value, str):
        return value

    def action(m):
        if m.group(1) not in TEMPLATE_VALUES:
            raise ValueError(f"unsupported ghz template action {m.group(0)!r}")
        return TEMPLATE_VALUES[m.group(1)](n)
    return _TEMPLATE.sub(action, value)


def request_data(config, n=0):
    """The message ghz sends as request n: an array of messages goes round robin."""
    data = config["data"]
    if isinstance(data, list):
        data = data[n % len(data)]
    return render(data, n)


def rpcs(python_out):
    """[(service, full service name, method, 'module:InputClass')] of every RPC, in proto
    order."""
    sys.path.insert(0, python_out)
    out = []
    for service, (module_name, full_name) in SERVICES.items():
        module = importlib.import_module(module_name)
        descriptor = module.DESCRIPTOR.services_by_name[full_name.rsplit(".", 1)[1]]
        for method in descriptor.methods:
            out.append((service, full_name, method.name,
                        f"{module_name}:{method.input_type.name}"))
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(url, path):
    with urllib.request.urlopen(url, timeout=10) as r, open(path, "wb") as f:
        f.write(r.read())
    return h2load_stats.parse_metrics(path)


def handled(samples, service, method):
    return h2load_stats.counts_by_label(samples, "grpc_server_handled_total", "grpc_code",
                                        grpc_service=service, grpc_method=method)


class Services:
    """The servers of the `needed` services (and the translator the bot calls), started
    here on free ports or given by --address; close() stops those started here."""

    def __init__(self, args, workdir, needed):
        self.endpoints, self.commands, self.models, self._procs = {}, {}, [], []
        for spec in args.address:
            name, _, rest = spec.partition("=")
            grpc_address, _, metrics_address = rest.partition(",")
            if name not in SERVICES or not grpc_address or not metrics_address:
                raise SystemExit(f"--address must be SERVICE=HOST:PORT,HOST:METRICS_PORT "
                                 f"with SERVICE one of {', '.join(SERVICES)}; got {spec!r}")
            self.endpoints[name] = (grpc_address, f"http://{metrics_address}/metrics")
            self.commands[name] = f"(running, {grpc_address})"
        models = os.path.join(REPO, "models")
        # Workers x intra-op threads = 2 cores, as in the per-service benchmarks
        # (bench_recommender.sh, bench_translator.py); one service is loaded at a time.
        common = ["--listen_address=127.0.0.1", "--port=0", "--metrics_address=127.0.0.1",
                  f"--model_root={models}", "--model_poll_interval=0s",
                  "--intra_op_threads=1", "--inference_workers=2"]
        # --tls: every server speaks TLS with a throwaway certificate (h2load cannot
        # present a client certificate, so mutual TLS is measured by bench_tls.py).
        self.tls_ca = None
        if args.tls:
            make_test_pki(workdir)
            self.tls_ca = os.path.join(workdir, "ca.crt")
            common += [f"--tls_cert_file={workdir}/server.crt",
                       f"--tls_key_file={workdir}/server.key"]
        flags = {
            "translator": ["--cache_mb=0"],
            "recommender": ["--catalog=" + os.path.join(
                REPO, "services", "recommender", "demo", "catalog.jsonl")],
            "support-bot": [f"--orders_db={os.path.join(workdir, 'orders.db')}",
                            "--kb=" + os.path.join(REPO, "services", "support-bot", "kb",
                                                   "articles.jsonl")],
        }
        binaries = {"translator": args.translator, "recommender": args.recommender,
                    "support-bot": args.support_bot}
        if "support-bot" in needed:
            needed = set(needed) | {"translator"}
        for name in ("translator", "recommender", "support-bot"):  # the bot needs the translator
            if name in self.endpoints or name not in needed:
                continue
            extra = list(flags[name])
            if name == "support-bot":
                extra.append(f"--translator_address={self.endpoints['translator'][0]}")
                if self.tls_ca:
                    extra.append(f"--translator_tls_ca_file={self.tls_ca}")
            metrics_port = free_port()
            command = [binaries[name]] + common + [f"--metrics_port={metrics_port}"] + extra
            try:
                proc, port = start_server(command)
            except BaseException:
                self.close()
                raise
            self._procs.append(proc)
            self.models.append(newest_model(models, name))
            self.endpoints[name] = (f"127.0.0.1:{port}",
                                    f"http://127.0.0.1:{metrics_port}/metrics")
            # Paths relative to the repository, as one would type them there.
            self.commands[name] = " ".join(shlex.quote(c.replace(REPO + os.sep, ""))
                                           for c in command)

    def close(self):
        for proc in reversed(self._procs):
            proc.send_signal(signal.SIGTERM)
        for proc in self._procs:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        self._procs = []


def newest_model(root, name):
    """models/<name>/<N> of the version a server with --model_version=0 serves."""
    versions = [int(v) for v in os.listdir(os.path.join(root, name)) if v.isdigit()]
    return f"models/{name}/{max(versions)}" if versions else f"models/{name}/?"


def make_body(python_out, message_class, data, path):
    """A gRPC-framed request from JSON, by scripts/grpc_body.py."""
    subprocess.run([sys.executable, os.path.join(REPO, "scripts", "grpc_body.py"),
                    "--python_out", python_out, "--message", message_class,
                    "--json", json.dumps(data), "--out", path],
                   check=True, stderr=subprocess.DEVNULL)


def seed_session(python_out, bot_address, converse_request, tls_ca=None):
    """Opens the session GetTranscript and RateReply read: one exchange (turns 1 and 2)."""
    sys.path.insert(0, python_out)
    import grpc
    from google.protobuf import json_format
    from shop.supportbot.v1 import supportbot_pb2, supportbot_pb2_grpc
    if tls_ca:
        with open(tls_ca, "rb") as f:
            channel = grpc.secure_channel(bot_address, grpc.ssl_channel_credentials(f.read()))
    else:
        channel = grpc.insecure_channel(bot_address)
    with channel:
        stub = supportbot_pb2_grpc.SupportBotStub(channel)
        request = json_format.ParseDict(converse_request, supportbot_pb2.ConverseRequest())
        stub.Converse(request, timeout=60)


def h2load_run(url, body, n, c, prefix, timeout, headers=()):
    """h2load -n N -c C; returns (stdout file, --log-file)."""
    out, log = prefix + ".txt", prefix + ".log"
    command = ["h2load", "-n", str(n), "-c", str(c), "-m", "1",
               "-H", "content-type: application/grpc", "-H", "te: trailers",
               *[a for h in headers for a in ("-H", h)],
               "-d", body, f"--log-file={log}", url]
    with open(out, "w") as f:
        rc = subprocess.run(command, stdout=f, stderr=subprocess.STDOUT,
                            timeout=timeout).returncode
    if rc != 0:
        raise SystemExit(f"h2load failed ({rc}): {' '.join(command)}\n{open(out).read()}")
    return out, log


def measure(point, url, body, metrics_url, args, prefix, headers=()):
    """One point: warm-up, metrics, measured run, metrics. Fills `point` in place."""
    c = point["concurrency"]
    warmup = max(args.warmup, c) if args.quick else max(args.warmup, 4 * c)
    out, _ = h2load_run(url, body, warmup, c, prefix + ".warmup", args.h2load_timeout, headers)
    if args.quick:
        n = max(args.requests, c)
    else:
        # Enough requests for about --seconds at the warm-up's rate.
        rate, _ = h2load_stats.read_h2load_stdout(out)
        n = int(min(max(rate * args.seconds, 20 * c, 50), args.max_requests))
    before = scrape(metrics_url, prefix + ".before.prom")
    out, log = h2load_run(url, body, n, c, prefix, args.h2load_timeout, headers)
    after = scrape(metrics_url, prefix + ".after.prom")

    durations, statuses = h2load_stats.read_h2load_log(log)
    req_per_s, counts = h2load_stats.read_h2load_stdout(out)
    b = handled(before, point["grpc_service"], point["rpc"])
    a = handled(after, point["grpc_service"], point["rpc"])
    codes = {code: int(round(a[code] - b.get(code, 0.0))) for code in a}
    point.update({
        "requests": n,
        "h2load": counts,
        "http_statuses": statuses,
        "req_per_s": req_per_s,
        "p50_ms": h2load_stats.percentile(durations, 50) / 1000.0,
        "p90_ms": h2load_stats.percentile(durations, 90) / 1000.0,
        "p99_ms": h2load_stats.percentile(durations, 99) / 1000.0,
        "grpc_codes": {code: k for code, k in codes.items() if k},
    })
    point["codes_add_up"] = codes_add_up(point)


def codes_add_up(point):
    """Every request h2load sent succeeded at the HTTP level and was counted once, under
    some gRPC code, by the server."""
    h2 = point["h2load"]
    return (sum(point["grpc_codes"].values()) == point["requests"] == h2["total"]
            == h2["succeeded"] and not (h2["failed"] or h2["errored"] or h2["timeout"]))


def markdown(points, meta):
    lines = ["| service | RPC | path | c | requests | req/s | p50 ms | p90 ms | p99 ms "
             "| gRPC codes (server) |",
             "|---|---|---|---:|---:|---:|---:|---:|---:|---|"]
    for p in points:
        lines.append(f"| {p['service']} | {p['rpc']} | {p['path']} | {p['concurrency']} "
                     f"| {p['requests']} | {p['req_per_s']:.1f} | {p['p50_ms']:.2f} "
                     f"| {p['p90_ms']:.2f} | {p['p99_ms']:.2f} "
                     f"| {h2load_stats.codes_cell(p)} |")
    lines += ["", f"- Command: `{meta['command']}`", f"- Machine: {meta['machine']}"]
    for name, command in meta["servers"].items():
        lines.append(f"- Server ({name}): `{command}`")
    if meta.get("models"):
        lines.append("- Models: " + ", ".join(f"`{m}`" for m in meta["models"]))
    if meta.get("gateway"):
        lines.append(f"- Gateway: {meta['gateway']}")
    lines += [f"- Load, per point: `{meta['h2load']}` with {meta['requests']}; h2load, "
              "the gateway and the servers share the machine",
              f"- Load average (1/5/15 min) before: {meta['load_before']}, "
              f"after: {meta['load_after']}",
              f"- Date: {meta['date']}"]
    return "\n".join(lines) + "\n"


def write_markdown(path, text):
    section = f"{BEGIN}\n{text}{END}\n"
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write(section)
        return
    with open(path) as f:
        doc = f.read()
    start, end = doc.find(BEGIN), doc.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{path} has no {BEGIN} ... {END} section to replace")
    rest = doc[end + len(END):]
    with open(path, "w") as f:
        f.write(doc[:start] + section + (rest[1:] if rest.startswith("\n") else rest))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    build = os.path.join(REPO, "build")
    parser.add_argument("--recommender",
                        default=os.path.join(build, "services", "recommender", "recommender"))
    parser.add_argument("--translator",
                        default=os.path.join(build, "services", "translator", "translator"))
    parser.add_argument("--support_bot",
                        default=os.path.join(build, "services", "support-bot", "support-bot"))
    parser.add_argument("--python_out", default=os.path.join(build, "python"))
    parser.add_argument("--address", action="append", default=[],
                        metavar="SERVICE=HOST:PORT,HOST:METRICS_PORT",
                        help="Use a running server instead of starting one (repeatable).")
    parser.add_argument("--gateway_address", metavar="HOST:PORT",
                        help="Use a running gateway instead of starting HAProxy.")
    parser.add_argument("--paths", default="direct,gateway", help="direct, gateway or both.")
    parser.add_argument("--concurrency", help="h2load connections (-c), one stream each "
                        "(default 1,16; --quick: 2).")
    parser.add_argument("--rpcs", default="", help="Only these methods (comma-separated, "
                        "e.g. Recommend,Translate).")
    parser.add_argument("--seconds", type=float, default=5.0,
                        help="About this long per point (from the warm-up's rate).")
    parser.add_argument("--warmup", type=int, help="Warm-up requests (default 20, at least "
                        "4*c; --quick: 4, at least c).")
    parser.add_argument("--max_requests", type=int, default=100000)
    parser.add_argument("--quick", action="store_true",
                        help="Smoke test: c=2, --requests per point.")
    parser.add_argument("--requests", type=int, default=12, help="Requests per point (--quick).")
    parser.add_argument("--h2load_timeout", type=float, default=600)
    parser.add_argument("--tls", action="store_true",
                        help="Servers speak TLS (throwaway certificates), h2load uses https; "
                             "with --paths direct.")
    parser.add_argument("--markdown", help="Write the table into this file's loadtest section.")
    parser.add_argument("--json", help="Write the points (and how they were made) here.")
    args = parser.parse_args()
    args.concurrency = args.concurrency or ("2" if args.quick else "1,16")
    args.warmup = args.warmup if args.warmup is not None else (4 if args.quick else 20)
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    paths = args.paths.split(",")
    if not set(paths) <= {"direct", "gateway"}:
        raise SystemExit("--paths: direct and/or gateway")
    if args.tls and (paths != ["direct"] or args.address):
        raise SystemExit("--tls starts TLS servers and measures them directly: add "
                         "--paths direct, without --address")
    for var in [v for v in os.environ if v.startswith("SHOP_")]:
        print(f"loadtest: ignoring {var} (servers get their flags on the command line)",
              file=sys.stderr)
        del os.environ[var]

    all_rpcs = rpcs(args.python_out)
    wanted = set(filter(None, args.rpcs.split(",")))
    unknown = wanted - {m for _, _, m, _ in all_rpcs}
    if unknown:
        raise SystemExit(f"--rpcs: no such method {', '.join(sorted(unknown))}")
    selected = [r for r in all_rpcs if not wanted or r[2] in wanted]
    converse_config = json.load(open(config_path("support-bot", "Converse")))
    seeded = request_data(converse_config, 0)

    load_before = " ".join(open("/proc/loadavg").read().split()[:3])
    points = []
    with tempfile.TemporaryDirectory(prefix="loadtest_") as workdir, \
            contextlib.ExitStack() as stack:
        services = Services(args, workdir, {service for service, _, _, _ in selected})
        stack.callback(services.close)
        gateway, gateway_note, gateway_headers = None, None, []
        if "gateway" in paths:
            if args.gateway_address:
                gateway, gateway_note = args.gateway_address, f"running, {args.gateway_address}"
            else:
                try:
                    from haproxy_gateway import HaproxyGateway
                except ImportError as e:
                    raise SystemExit(f"loadtest: the local gateway (scripts/lib/"
                                     f"haproxy_gateway.py) is missing ({e}); use --paths direct")
                gw = stack.enter_context(HaproxyGateway(
                    backends={name: grpc for name, (grpc, _) in services.endpoints.items()}))
                gateway = gw.address
                # An operator's token: the gateway lets DeleteUser through only with one.
                # (The servers here run without --trusted_gateways and ignore identity.)
                import shop_jwt
                gateway_headers = ["authorization: Bearer " + shop_jwt.mint(
                    gw.jwt_private_key, "loadtest", role="operator", ttl=24 * 3600)]
                version = subprocess.run(["haproxy", "-v"], capture_output=True,
                                         text=True).stdout.splitlines()[0]
                gateway_note = (f"HAProxy started by scripts/lib/haproxy_gateway.py on "
                                f"{gateway} ({version})")

        for service, full_name, method, message_class in selected:
            config = json.load(open(config_path(service, method)))
            data = request_data(config, 0)
            if method in ("Converse", "ConverseStream"):
                data.pop("session_id", None)
            body = os.path.join(workdir, f"{method}.bin")
            make_body(args.python_out, message_class, data, body)
            for path in paths:
                address = services.endpoints[service][0] if path == "direct" else gateway
                for c in concurrencies:
                    if method in ("GetTranscript", "RateReply"):
                        # Again before each point: DeleteTranscript or a restart may have
                        # removed it.
                        seed_session(args.python_out, services.endpoints["support-bot"][0],
                                     seeded, services.tls_ca)
                    point = {"service": service, "grpc_service": full_name, "rpc": method,
                             "path": path, "concurrency": c, "request": data}
                    prefix = os.path.join(workdir, f"{method}_{path}_c{c}")
                    scheme = "https" if args.tls else "http"
                    measure(point, f"{scheme}://{address}/{full_name}/{method}", body,
                            services.endpoints[service][1], args, prefix,
                            gateway_headers if path == "gateway" else ())
                    print(f"loadtest: {service} {method} {path} c={c}: {point['requests']} "
                          f"requests, {point['req_per_s']:.1f} req/s, p50 {point['p50_ms']:.2f} "
                          f"ms, p99 {point['p99_ms']:.2f} ms, codes {point['grpc_codes']}"
                          + ("" if point["codes_add_up"] else " (DO NOT ADD UP)"),
                          file=sys.stderr, flush=True)
                    points.append(point)

    meta = {
        "command": " ".join(["/usr/bin/python3", os.path.relpath(sys.argv[0], REPO)]
                            + [shlex.quote(a) for a in sys.argv[1:]]),
        "machine": machine_line(),
        "servers": services.commands,
        "models": services.models,
        "gateway": gateway_note,
        "h2load": "h2load -n N -c C -m 1 -H 'content-type: application/grpc' "
                  "-H 'te: trailers' -d BODY --log-file=LOG "
                  f"{'https' if args.tls else 'http'}://ADDRESS/SERVICE/METHOD"
                  + (" (gateway: also -H 'authorization: Bearer <an operator's token>')"
                     if gateway else ""),
        "requests": (f"N = {args.requests} after {args.warmup} warm-up requests" if args.quick
                     else f"N = about {args.seconds:g} s of requests at the rate of a "
                          f"discarded warm-up of max({args.warmup}, 4*C) requests"),
        "load_before": load_before,
        "load_after": " ".join(open("/proc/loadavg").read().split()[:3]),
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC"),
    }
    text = markdown(points, meta)
    if args.markdown:
        write_markdown(args.markdown, text)
    else:
        print(text, end="")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"meta": meta, "points": points}, f, indent=1, ensure_ascii=False)
    bad = [p for p in points if not p["codes_add_up"]]
    if bad:
        print(f"loadtest: {len(bad)} points where the server's counts do not match h2load's",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
