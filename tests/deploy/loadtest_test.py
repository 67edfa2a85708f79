#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Tests of the load-test material.

  loadtest_test.py configs --python_out build/python
      Every RPC of the three services has a ghz config (deploy/loadtest/ghz/<service>/
      <method>.json) that ghz would accept: JSON with ghz's own keys, reflection (no
      proto/protoset), a `call` that names that RPC, and data whose every message parses
      as the RPC's request (proto3 JSON, as ghz's jsonpb) once its template actions are
      rendered; the data is the shipped demo data (catalog items, demo orders of the right
      customers, valid session ids). Broken copies of the configs are rejected.

  loadtest_test.py smoke --python_out build/python --recommender BIN --translator BIN \\
      --support_bot BIN
      scripts/loadtest.py --quick against freshly started servers, directly and through
      the HAProxy gateway: its JSON and Markdown reports parse, hold one point per RPC and
      path, and in each point the server's per-code counts add up to the requests h2load
      sent, all OK. Then --tls: one cheap RPC per service over TLS, all OK.
"""
import argparse
import copy
import importlib.util
import json
import os
import re
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def load_loadtest():
    spec = importlib.util.spec_from_file_location(
        "loadtest", os.path.join(REPO, "scripts", "loadtest.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


loadtest = load_loadtest()

# The JSON keys of ghz's runner.Config (bojand/ghz, runner/config.go): anything else is
# silently ignored by ghz, so a misspelt key would quietly run with the default.
GHZ_KEYS = {
    "proto", "protoset", "call", "cacert", "cert", "key", "skipTLS", "skipFirst", "cname",
    "authority", "insecure", "total", "async", "concurrency", "concurrency-schedule",
    "concurrency-start", "concurrency-end", "concurrency-step", "concurrency-step-duration",
    "concurrency-max-duration", "connections", "rps", "duration", "duration-stop",
    "max-duration", "timeout", "data", "data-file", "binary-file", "metadata",
    "metadata-file", "stream-interval", "output", "format", "connect-timeout", "keepalive",
    "cpus", "import-paths", "name", "tags", "reflect-metadata", "debug", "host",
    "enable-compression", "load-schedule", "load-start", "load-end", "load-step",
    "load-step-duration", "load-max-duration",
}
UINT_KEYS = {"total", "concurrency", "connections", "rps", "cpus", "skipFirst",
             "concurrency-start", "concurrency-end", "load-start", "load-end"}
DURATION_KEYS = {"timeout", "duration", "max-duration", "connect-timeout", "keepalive",
                 "stream-interval", "concurrency-step-duration", "concurrency-max-duration",
                 "load-step-duration", "load-max-duration"}
GO_DURATION = re.compile(r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")
SESSION_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")  # supportbot.proto's conventions
ORDER_ID = re.compile(r"ORD-[0-9]{8}")
ITEM_FIELDS = ("item_id", "recent_item_ids", "excluded_item_ids")


class Context:
    """What the configs are checked against: the RPCs (from the generated modules), the demo
    catalog and the demo orders."""

    def __init__(self, python_out):
        sys.path.insert(0, python_out)
        import importlib as il
        self.rpcs = {}  # "pkg.Service/Method" -> request class
        for service, full, method, spec in loadtest.rpcs(python_out):
            module, _, cls = spec.partition(":")
            self.rpcs[f"{full}/{method}"] = (service, getattr(il.import_module(module), cls))
        with open(os.path.join(REPO, "services", "recommender", "demo", "catalog.jsonl")) as f:
            self.items = {json.loads(line)["item_id"] for line in f if line.strip()}
        with open(os.path.join(REPO, "services", "support-bot", "demo", "orders.jsonl")) as f:
            # The demo orders: id -> owning customer ("" for a guest order).
            self.orders = {o["id"]: o["customer_id"] for o in map(json.loads, f) if o}
        if len(self.orders) < 20:
            raise SystemExit("cannot read the demo orders from services/support-bot/demo/orders.jsonl")


def walk(value, key=None):
    """(key, string) of every string in a JSON value, with the key it sits under."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from walk(v, key)
    elif isinstance(value, str):
        yield key, value


def validate(text, ctx, expected_call=None):
    """The problems of one config (its file's text); [] when ghz would run it as meant."""
    from google.protobuf import json_format
    try:
        config = json.loads(text)
    except ValueError as e:
        return [f"not JSON: {e}"]
    if not isinstance(config, dict):
        return ["not a JSON object"]
    errors = [f"unknown ghz key {k!r}" for k in sorted(set(config) - GHZ_KEYS)]
    for k in sorted(UINT_KEYS & set(config)):
        if not (isinstance(config[k], int) and not isinstance(config[k], bool)
                and config[k] >= 0):
            errors.append(f"{k} must be a non-negative integer")
    for k in sorted(DURATION_KEYS & set(config)):
        if not (isinstance(config[k], str) and GO_DURATION.match(config[k])):
            errors.append(f"{k} must be a Go duration such as \"5s\", got {config[k]!r}")
    for k in ("proto", "protoset", "data-file", "binary-file"):
        if k in config:
            errors.append(f"{k}: the configs use server reflection and inline data")
    if config.get("insecure") is not True:
        errors.append("insecure must be true (the services serve plaintext h2c)")
    if not re.match(r"^[A-Za-z0-9.-]+:[0-9]+$", str(config.get("host", ""))):
        errors.append(f"host must be HOST:PORT, got {config.get('host')!r}")
    if isinstance(config.get("total"), int) and isinstance(config.get("concurrency"), int) \
            and config["total"] < config["concurrency"]:
        errors.append("total below concurrency (ghz refuses it)")

    call = str(config.get("call", ""))
    # ghz takes package.Service/Method and package.Service.Method.
    normalised = call if "/" in call else ".".join(call.split(".")[:-1]) + "/" + \
        call.split(".")[-1]
    if normalised not in ctx.rpcs:
        return errors + [f"call {call!r} is no RPC of the services"]
    if expected_call and normalised != expected_call:
        errors.append(f"call {call!r} in the config of {expected_call}")
    _, request_class = ctx.rpcs[normalised]

    data = config.get("data")
    # ghz's checkData: an object, or a non-empty array of objects.
    if isinstance(data, list):
        if not data or not all(isinstance(d, dict) for d in data):
            return errors + ["data must be an object or a non-empty array of objects"]
        messages = len(data)
    elif isinstance(data, dict):
        messages = 1
    else:
        return errors + ["data must be an object or a non-empty array of objects"]
    for n in range(messages):
        try:
            request = loadtest.request_data(config, n)
        except ValueError as e:
            errors.append(f"data[{n}]: {e}")
            continue
        try:
            json_format.ParseDict(request, request_class())
        except json_format.ParseError as e:
            errors.append(f"data[{n}] is no {request_class.DESCRIPTOR.full_name}: {e}")
            continue
        errors += [f"data[{n}]: {problem}" for problem in demo_data_problems(request, ctx)]
    return errors


def demo_data_problems(request, ctx):
    problems = []
    for key, value in walk(request):
        if key in ITEM_FIELDS and value not in ctx.items:
            problems.append(f"item {value!r} is not in the demo catalog")
        if key == "session_id" and not SESSION_ID.match(value):
            problems.append(f"malformed session id {value!r}")
        if key in ("message", "texts"):
            for order in ORDER_ID.findall(value):
                if order not in ctx.orders:
                    problems.append(f"{order} is no demo order")
                elif request.get("customer_id") and \
                        ctx.orders[order] != request["customer_id"]:
                    problems.append(f"{order} is not an order of {request['customer_id']}")
    return problems


def config_files():
    root = os.path.join(REPO, "deploy", "loadtest", "ghz")
    return sorted(os.path.join(d, f) for d, _, files in os.walk(root) for f in files)


def check(condition, message, failures):
    if not condition:
        failures.append(message)


def test_configs(args):
    ctx = Context(args.python_out)
    failures = []
    expected = {}
    for call, (service, _) in ctx.rpcs.items():
        method = call.rsplit("/", 1)[1]
        expected[loadtest.config_path(service, method)] = call
    files = config_files()
    for path in sorted(set(expected) - set(files)):
        failures.append(f"missing config {os.path.relpath(path, REPO)}")
    for path in sorted(set(files) - set(expected)):
        failures.append(f"{os.path.relpath(path, REPO)} is no config of an RPC")
    texts = {}
    for path in sorted(set(files) & set(expected)):
        with open(path) as f:
            texts[path] = f.read()
        for problem in validate(texts[path], ctx, expected[path]):
            failures.append(f"{os.path.relpath(path, REPO)}: {problem}")
    print(f"{len(texts)} ghz configs checked against {len(ctx.rpcs)} RPCs")

    # A session takes the customer id of its first turn; converse_stream.json sends the
    # second turn of the same sessions ghz-N, so message N must be the same in both.
    converse = json.loads(texts[loadtest.config_path("support-bot", "Converse")])
    stream = json.loads(texts[loadtest.config_path("support-bot", "ConverseStream")])
    check(converse["data"] == stream["data"],
          "converse.json and converse_stream.json send different messages", failures)
    # The h2load script seeds the session the ghz configs of request 0 read.
    seeded = loadtest.request_data(converse, 0)["session_id"]
    for method in ("GetTranscript", "RateReply", "DeleteTranscript"):
        config = json.loads(texts[loadtest.config_path("support-bot", method)])
        check(loadtest.request_data(config, 0)["session_id"] == seeded,
              f"{method}'s request 0 reads another session than Converse's", failures)

    # Broken copies must be rejected, each for its own reason.
    recommend = json.loads(texts[loadtest.config_path("recommender", "Recommend")])
    event = json.loads(texts[loadtest.config_path("recommender", "RecordEvent")])
    bot = json.loads(texts[loadtest.config_path("support-bot", "Converse")])

    def broken(config, edit):
        config = copy.deepcopy(config)
        edit(config)
        return json.dumps(config), config["call"]

    # name: (text, the RPC it claims to be the config of, the problem it must be rejected for)
    cases = {
        "not JSON": ("{\"call\": ", None, "not JSON"),
        "misspelt key": (*broken(recommend, lambda c: c.update(concurency=4)),
                         "unknown ghz key"),
        "unknown method": (json.dumps(dict(recommend, call="shop.recommender.v1.Recommender/"
                                                          "Recomend")),
                           "shop.recommender.v1.Recommender/Recommend", "no RPC"),
        "another RPC's call": (json.dumps(dict(recommend, call="shop.recommender.v1."
                                                              "Recommender.SimilarItems")),
                               "shop.recommender.v1.Recommender/Recommend", "in the config of"),
        "misspelt data field": (*broken(recommend, lambda c: c["data"][1].update(
            recent_item_id=["1"])), "is no shop.recommender.v1.RecommendRequest"),
        "misspelt enum": (*broken(event, lambda c: c["data"][0].update(
            event_type="EVENT_TYPE_VEIW")), "is no shop.recommender.v1.RecordEventRequest"),
        "wrong type": (*broken(recommend, lambda c: c["data"][0].update(k="ten")),
                       "is no shop.recommender.v1.RecommendRequest"),
        "empty data array": (*broken(recommend, lambda c: c.update(data=[])),
                             "non-empty array"),
        "proto instead of reflection": (*broken(recommend, lambda c: c.update(
            proto="protos/shop/recommender/v1/recommender.proto")), "server reflection"),
        "duration without unit": (*broken(recommend, lambda c: c.update(timeout=5)),
                                  "Go duration"),
        "unknown template action": (*broken(bot, lambda c: c["data"][0].update(
            session_id="ghz-{{.RequestId}}")), "unsupported ghz template action"),
        "malformed session id": (*broken(bot, lambda c: c["data"][2].update(
            session_id="ghz {{.RequestNumber}}")), "malformed session id"),
        "item outside the catalog": (*broken(recommend, lambda c: c["data"][0].update(
            recent_item_ids=["99999"])), "not in the demo catalog"),
        "no such order": (*broken(bot, lambda c: c["data"][1].update(
            message="Where is ORD-00000001?")), "no demo order"),
        "someone else's order": (*broken(bot, lambda c: c["data"][0].update(
            customer_id="cust-1002")), "is not an order of cust-1002"),
        "total below concurrency": (*broken(recommend, lambda c: c.update(total=4)),
                                    "total below concurrency"),
        "plaintext off": (*broken(recommend, lambda c: c.pop("insecure")), "insecure"),
    }
    for name, (text, call, want) in cases.items():
        problems = validate(text, ctx, call)
        check(any(want in p for p in problems),
              f"broken copy ({name}) not rejected for {want!r}; problems: {problems}",
              failures)
    print(f"{len(cases)} broken copies checked")
    return failures


def test_smoke(args):
    failures = []
    with tempfile.TemporaryDirectory(prefix="loadtest_test_") as tmp:
        report = os.path.join(tmp, "report.json")
        doc = os.path.join(tmp, "benchmarks.md")
        with open(doc, "w") as f:
            f.write(f"# before\n\n{loadtest.BEGIN}\nold table\n{loadtest.END}\n\nafter\n")
        command = [sys.executable, os.path.join(REPO, "scripts", "loadtest.py"), "--quick",
                   "--python_out", args.python_out, "--recommender", args.recommender,
                   "--translator", args.translator, "--support_bot", args.support_bot,
                   "--json", report, "--markdown", doc]
        print(" ".join(command), flush=True)
        rc = subprocess.run(command, cwd=REPO, timeout=args.timeout).returncode
        check(rc == 0, f"loadtest.py exited with {rc}", failures)
        if not os.path.exists(report):
            return failures + ["no JSON report"]
        with open(report) as f:
            points = json.load(f)["points"]
        with open(doc) as f:
            markdown = f.read()

    rpcs = [(full, method) for _, full, method, _ in loadtest.rpcs(args.python_out)]
    got = sorted((p["grpc_service"], p["rpc"], p["path"]) for p in points)
    want = sorted((full, method, path) for full, method in rpcs
                  for path in ("direct", "gateway"))
    check(got == want, f"points {got} != one per RPC and path {want}", failures)
    for p in points:
        name = f"{p['rpc']} {p['path']} c={p['concurrency']}"
        codes = p["grpc_codes"]
        check(sum(codes.values()) == p["requests"] == p["h2load"]["total"] > 0,
              f"{name}: the server counted {codes} for {p['requests']} requests "
              f"(h2load: {p['h2load']})", failures)
        check(set(codes) == {"OK"}, f"{name}: codes {codes}", failures)
        check(p["codes_add_up"], f"{name}: codes_add_up is false", failures)
        check(p["req_per_s"] > 0 and 0 < p["p50_ms"] <= p["p90_ms"] <= p["p99_ms"],
              f"{name}: req/s {p['req_per_s']}, p50/p90/p99 {p['p50_ms']}/{p['p90_ms']}/"
              f"{p['p99_ms']}", failures)

    # The Markdown section replaced the old one and kept the rest of the document.
    check(markdown.startswith("# before\n\n" + loadtest.BEGIN) and
          markdown.rstrip().endswith(loadtest.END + "\n\nafter") and "old table" not in markdown,
          f"the section was not replaced in place:\n{markdown}", failures)
    rows = [line.split("|")[1:-1] for line in markdown.splitlines()
            if line.startswith("| ") and not line.startswith("| service")]
    check(len(rows) == len(points), f"{len(rows)} table rows for {len(points)} points", failures)
    for row in rows:
        cells = [c.strip() for c in row]
        check(len(cells) == 10 and cells[9] == f"OK={cells[4]}" and float(cells[5]) > 0,
              f"table row {cells}", failures)

    # Over TLS (servers with a throwaway certificate, h2load over https): every point of a
    # cheap RPC of each service succeeds and is counted by the server.
    with tempfile.TemporaryDirectory(prefix="loadtest_tls_") as tmp:
        report = os.path.join(tmp, "report.json")
        command = [sys.executable, os.path.join(REPO, "scripts", "loadtest.py"), "--quick",
                   "--tls", "--paths", "direct", "--rpcs", "SimilarItems,ListLanguagePairs,"
                   "GetTranscript", "--python_out", args.python_out,
                   "--recommender", args.recommender, "--translator", args.translator,
                   "--support_bot", args.support_bot, "--json", report]
        print(" ".join(command), flush=True)
        rc = subprocess.run(command, cwd=REPO, timeout=args.timeout).returncode
        check(rc == 0, f"loadtest.py --tls exited with {rc}", failures)
        tls_points = json.load(open(report))["points"] if os.path.exists(report) else []
        check(sorted(p["rpc"] for p in tls_points) == ["GetTranscript", "ListLanguagePairs",
                                                       "SimilarItems"]
              and all(p["codes_add_up"] and set(p["grpc_codes"]) == {"OK"} for p in tls_points),
              f"over TLS: {[(p['rpc'], p['grpc_codes']) for p in tls_points]}", failures)

    # The checks above can fail: a point where the server missed a request, and a document
    # without the markers.
    lost = {"requests": 12, "grpc_codes": {"OK": 11},
            "h2load": {"total": 12, "succeeded": 12, "failed": 0, "errored": 0, "timeout": 0}}
    check(not loadtest.codes_add_up(lost), "codes_add_up misses a lost request", failures)
    gateway_error = copy.deepcopy(lost)
    gateway_error["h2load"].update(succeeded=11, failed=1)
    check(not loadtest.codes_add_up(gateway_error), "codes_add_up misses an HTTP error",
          failures)
    with tempfile.NamedTemporaryFile("w", suffix=".md") as f:
        f.write("# no markers\n")
        f.flush()
        try:
            loadtest.write_markdown(f.name, "table\n")
            failures.append("write_markdown overwrote a document without markers")
        except SystemExit:
            pass
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    configs = sub.add_parser("configs")
    configs.add_argument("--python_out", required=True)
    smoke = sub.add_parser("smoke")
    smoke.add_argument("--python_out", required=True)
    smoke.add_argument("--recommender", required=True)
    smoke.add_argument("--translator", required=True)
    smoke.add_argument("--support_bot", required=True)
    smoke.add_argument("--timeout", type=float, default=480)
    args = parser.parse_args()
    failures = test_configs(args) if args.command == "configs" else test_smoke(args)
    for failure in failures:
        print(f"FAIL: {failure}")
    print("FAILED" if failures else "PASSED")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
