#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""deploy/prometheus and deploy/grafana against promtool and a real Prometheus.

Offline: `promtool check rules`, `promtool test rules` (and that it fails once any alert
is made to never fire or to always fire), `promtool check config` on both configs, and
broken copies of each rejected. Then the real servers (two support-bot replicas, one
without a translator, so its fallback counter has a series), the local HAProxy gateway, a
real `prometheus` scraping them with deploy/prometheus/prometheus.local.yml and alerts.yml:
every target up, each service's series found, every rule healthy, every alert expression
and every dashboard query evaluating on real data. Last, prometheus.yml's Kubernetes
relabeling run against discovered targets that look like the cluster's.

  /usr/bin/python3 tests/deploy/prometheus_test.py --recommender build/services/recommender/recommender \\
      --translator build/services/translator/translator \\
      --support_bot build/services/support-bot/support-bot --python_out build/python
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request

import yaml

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
PROM_DIR = os.path.join(REPO, "deploy", "prometheus")
ALERTS = os.path.join(PROM_DIR, "alerts.yml")
DASHBOARD = os.path.join(REPO, "deploy", "grafana", "shop-dashboard.json")
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import start_server  # noqa: E402
from haproxy_gateway import HaproxyGateway, free_port  # noqa: E402

GRPC_SERVICES = {"recommender": "shop.recommender.v1.Recommender",
                 "translator": "shop.translator.v1.Translator",
                 "support-bot": "shop.supportbot.v1.SupportBot"}
JOBS = {*GRPC_SERVICES, "shop-gateway"}


def fail(message):
    raise SystemExit(f"FAIL: {message}")


def promtool(*args, cwd=None):
    r = subprocess.run(["promtool", *args], capture_output=True, text=True, cwd=cwd)
    return r.returncode, r.stdout + r.stderr


def write_yaml(path, data):
    with open(path, "w") as f:
        yaml.safe_dump(data, f, sort_keys=False)


def load_yaml(path):
    with open(path) as f:
        return yaml.safe_load(f)


def all_rules(groups):
    return [r for g in groups["groups"] for r in g["rules"]]


# --- offline ------------------------------------------------------------------------------

def check_rules(tmp):
    code, out = promtool("check", "rules", ALERTS)
    if code != 0:
        fail(f"promtool check rules alerts.yml:\n{out}")
    rules = load_yaml(ALERTS)
    alerts = [r for r in all_rules(rules) if "alert" in r]
    for a in alerts:
        if "for" not in a or a.get("labels", {}).get("severity") not in ("warning", "critical"):
            fail(f"{a['alert']}: needs `for:` and severity warning or critical")
        if not {"summary", "description"} <= set(a.get("annotations", {})):
            fail(f"{a['alert']}: needs summary and description annotations")
    alerts[0]["expr"] = "sum(rate(grpc_server_handled_total[5m]) >"
    broken = os.path.join(tmp, "broken-alerts.yml")
    write_yaml(broken, rules)
    if promtool("check", "rules", broken)[0] == 0:
        fail("promtool check rules accepts an alert with a broken expression")
    print(f"ok: promtool check rules ({len(alerts)} alerts), broken copy rejected")
    return len(alerts)


def test_rules(tmp):
    tmp = os.path.join(tmp, "mutations")
    os.makedirs(tmp)
    code, out = promtool("test", "rules", "alerts_test.yml", cwd=PROM_DIR)
    if code != 0:
        fail(f"promtool test rules alerts_test.yml:\n{out}")
    # Each alert must have a case where it fires and one where it must not: the unit test
    # has to fail once the alert never fires, and once it always fires.
    shutil.copy(os.path.join(PROM_DIR, "alerts_test.yml"), tmp)
    names = [r["alert"] for r in all_rules(load_yaml(ALERTS)) if "alert" in r]
    for name in names:
        for mutation, expr in (("never fires", "vector(0) > 1"), ("always fires", "vector(1)")):
            rules = load_yaml(ALERTS)
            for r in all_rules(rules):
                if r.get("alert") == name:
                    r["expr"] = expr
            write_yaml(os.path.join(tmp, "alerts.yml"), rules)
            if promtool("test", "rules", "alerts_test.yml", cwd=tmp)[0] == 0:
                fail(f"promtool test rules still passes when {name} {mutation}")
    print(f"ok: promtool test rules; fails for each of {len(names)} alerts made to never "
          "or always fire")


def kubernetes_config_for_debian(config, sd_file):
    """prometheus.yml with its kubernetes_sd_configs checked and swapped for a file_sd_config:
    Debian's Prometheus is built without Kubernetes discovery. The relabeling is kept."""
    for job in config["scrape_configs"]:
        sds = job.pop("kubernetes_sd_configs")
        if [(sd.get("role"), sd.get("namespaces", {}).get("names")) for sd in sds] != [
                ("endpoints", ["shop"])]:
            fail(f"prometheus.yml job {job['job_name']}: want one endpoints SD in namespace shop")
        job["file_sd_configs"] = [{"files": [sd_file], "refresh_interval": "1s"}]
    config["rule_files"] = [ALERTS]
    return config


def check_configs(tmp):
    code, out = promtool("check", "config", os.path.join(PROM_DIR, "prometheus.local.yml"))
    if code != 0:
        fail(f"promtool check config prometheus.local.yml:\n{out}")
    local_jobs = {j["job_name"] for j in load_yaml(os.path.join(PROM_DIR, "prometheus.local.yml"))
                  ["scrape_configs"]}
    if local_jobs != JOBS:
        fail(f"prometheus.local.yml jobs {sorted(local_jobs)}, want {sorted(JOBS)}")
    k8s = kubernetes_config_for_debian(load_yaml(os.path.join(PROM_DIR, "prometheus.yml")),
                                       os.path.join(tmp, "targets.json"))
    path = os.path.join(tmp, "prometheus-k8s.yml")
    write_yaml(path, k8s)
    code, out = promtool("check", "config", path)
    if code != 0:
        fail(f"promtool check config prometheus.yml (Kubernetes SD swapped for file SD):\n{out}")
    k8s["scrape_configs"][0]["relabel_configs"][0]["regex"] = "(recommender"
    write_yaml(path, k8s)
    if promtool("check", "config", path)[0] == 0:
        fail("promtool check config accepts a relabel rule with a broken regex")
    print("ok: promtool check config prometheus.local.yml and prometheus.yml, broken copy rejected")


def dashboard_queries():
    with open(DASHBOARD) as f:
        dash = json.load(f)
    if dash.get("schemaVersion", 0) < 39:
        fail(f"dashboard schemaVersion {dash.get('schemaVersion')}: older than Grafana 11")
    variables = {v["name"]: v for v in dash["templating"]["list"]}
    if variables.get("datasource", {}).get("type") != "datasource" or \
            variables["datasource"].get("query") != "prometheus":
        fail("dashboard needs a Prometheus datasource variable named datasource")
    if "job" not in variables:
        fail("dashboard needs a job (service) variable")
    ids = [p["id"] for p in dash["panels"]]
    if len(ids) != len(set(ids)):
        fail(f"dashboard panel ids repeat: {ids}")
    queries = []
    for p in dash["panels"]:
        if p["type"] == "row":
            continue
        if p.get("datasource", {}).get("uid") != "${datasource}" or not p.get("targets"):
            fail(f"panel {p['title']!r}: needs datasource ${{datasource}} and targets")
        queries += [(p["title"], t["refId"], t["expr"]) for t in p["targets"]]
    print(f"ok: dashboard JSON, {len(queries)} queries in {len(ids)} panels")
    return queries, variables["job"]["definition"]


def grafana_to_promql(expr):
    # What Grafana substitutes before the query reaches Prometheus.
    return (expr.replace("$__rate_interval", "1m").replace("$__interval", "15s")
            .replace("$__range", "5m").replace("$job", ".*"))


# --- the running system -------------------------------------------------------------------

class Prometheus:
    def __init__(self, config, tmp, name):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(tmp, f"{name}.log")
        self.config_path = os.path.join(tmp, f"{name}.yml")
        write_yaml(self.config_path, config)
        with open(self.log_path, "w") as log:
            self.proc = subprocess.Popen(
                ["nice", "-n", "10", "prometheus", f"--config.file={self.config_path}",
                 f"--storage.tsdb.path={os.path.join(tmp, name + '-data')}",
                 f"--web.listen-address=127.0.0.1:{self.port}"],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        self.wait_for(lambda: self.get("/-/ready")[0] == 200, 30, "ready")

    def get(self, path, params=None):
        """(HTTP status, body); status 0 while Prometheus does not answer."""
        url = self.url + path + ("?" + urllib.parse.urlencode(params, doseq=True) if params else "")
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()
        except OSError:
            return 0, ""

    def api(self, path, params=None):
        # Query errors (HTTP 400, 422) come with a JSON body that says why.
        code, body = self.get(path, params)
        if not body.startswith("{"):
            fail(f"prometheus {path}: HTTP {code} {body[:200]}")
        return json.loads(body)

    def query(self, expr):
        return self.api("/api/v1/query", {"query": expr})

    def values(self, expr):
        r = self.query(expr)
        if r["status"] != "success":
            fail(f"query {expr!r}: {r.get('error')}")
        return r["data"]["result"]

    def wait_for(self, predicate, timeout, what):
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.proc.poll() is not None:
                fail(f"prometheus exited with {self.proc.returncode}:\n{self.log()}")
            result = predicate()
            if result:
                return result
            time.sleep(0.3)
        fail(f"prometheus: not {what} within {timeout}s:\n{self.log()}")

    def targets(self):
        return self.api("/api/v1/targets")["data"]

    def log(self):
        with open(self.log_path) as f:
            return "".join(f.readlines()[-20:])

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_servers(args, tmp, processes):
    """The three servers as scripts/run.sh starts them, plus a second support-bot replica
    whose translator address goes nowhere and that takes one message per session.
    Returns {name: (grpc address, metrics address)}."""
    common = ["--listen_address=127.0.0.1", "--port=0", "--metrics_address=127.0.0.1",
              f"--model_root={os.path.join(REPO, 'models')}"]
    servers = {}

    def start(name, binary, *extra):
        metrics_port = free_port()
        proc, port = start_server([binary, *common, f"--metrics_port={metrics_port}", *extra])
        processes.append(proc)
        servers[name] = (f"127.0.0.1:{port}", f"127.0.0.1:{metrics_port}")

    start("recommender", args.recommender,
          f"--catalog={os.path.join(REPO, 'services/recommender/demo/catalog.jsonl')}")
    start("translator", args.translator)
    kb = f"--kb={os.path.join(REPO, 'services/support-bot/kb/articles.jsonl')}"
    start("support-bot", args.support_bot, kb, f"--orders_db={os.path.join(tmp, 'a', 'orders.db')}",
          f"--translator_address={servers['translator'][0]}")
    start("support-bot-b", args.support_bot, kb, f"--orders_db={os.path.join(tmp, 'b', 'orders.db')}",
          f"--translator_address=127.0.0.1:{free_port()}", "--translator_timeout=1s",
          "--max_customer_messages=1")
    return servers


def make_calls(servers, gateway):
    """A few calls per service, one of them refused (INVALID_ARGUMENT), so the counters and
    histograms have series and, called twice, rates."""
    import grpc
    from shop.recommender.v1 import recommender_pb2 as rec, recommender_pb2_grpc as rec_grpc
    from shop.supportbot.v1 import supportbot_pb2 as bot, supportbot_pb2_grpc as bot_grpc
    from shop.translator.v1 import translator_pb2 as tr, translator_pb2_grpc as tr_grpc

    def refused(call):
        try:
            call()
        except grpc.RpcError as e:
            if e.code() != grpc.StatusCode.INVALID_ARGUMENT:
                raise
        else:
            fail("a bad request was accepted")

    for address in (servers["recommender"][0], gateway.address):
        stub = rec_grpc.RecommenderStub(grpc.insecure_channel(address))
        stub.Recommend(rec.RecommendRequest(user_id="u1", recent_item_ids=["1200"], k=3), timeout=30)
    stub.SimilarItems(rec.SimilarItemsRequest(item_id="1200", k=3), timeout=30)
    refused(lambda: stub.Recommend(rec.RecommendRequest(user_id="u1", k=500), timeout=30))

    stub = tr_grpc.TranslatorStub(grpc.insecure_channel(servers["translator"][0]))
    stub.Translate(tr.TranslateRequest(texts=["A red dress."], source_language="en",
                                       target_language="de"), timeout=60)
    refused(lambda: stub.Translate(tr.TranslateRequest(texts=["Hi"], source_language="en",
                                                       target_language="ja"), timeout=30))

    for name in ("support-bot", "support-bot-b"):
        stub = bot_grpc.SupportBotStub(grpc.insecure_channel(servers[name][0]))
        reply = stub.Converse(bot.ConverseRequest(message="Wo ist meine Bestellung 48213907?",
                                                  locale="de-DE"), timeout=60)
        refused(lambda: stub.Converse(bot.ConverseRequest(message=" "), timeout=30))
    # Replica b allows one message per session: a second one is RESOURCE_EXHAUSTED, a code
    # the error-ratio alert counts.
    try:
        stub.Converse(bot.ConverseRequest(session_id=reply.metadata.session_id,
                                          message="Danke!"), timeout=30)
        fail("support-bot-b accepted a second message in a session")
    except grpc.RpcError as e:
        if e.code() != grpc.StatusCode.RESOURCE_EXHAUSTED:
            raise


def local_config(servers, gateway):
    config = load_yaml(os.path.join(PROM_DIR, "prometheus.local.yml"))
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    config["rule_files"] = [ALERTS]
    metrics = urllib.parse.urlsplit(gateway.metrics_url)
    targets = {"recommender": [servers["recommender"][1]],
               "translator": [servers["translator"][1]],
               "support-bot": [servers["support-bot"][1], servers["support-bot-b"][1]],
               "shop-gateway": [metrics.netloc]}
    for job in config["scrape_configs"]:
        job["static_configs"] = [{"targets": targets[job["job_name"]]}]
        if job["job_name"] == "shop-gateway":
            job["metrics_path"] = metrics.path
    return config


def all_targets_up(prom, count):
    active = prom.targets()["activeTargets"]
    return len(active) == count and all(t["health"] == "up" for t in active) and active


def check_series(prom):
    for job, service in GRPC_SERVICES.items():
        got = {s["metric"]["grpc_service"] for s in prom.values(f'grpc_server_handled_total{{job="{job}"}}')}
        if service not in got:
            fail(f"job {job}: no grpc_server_handled_total of {service} (got {sorted(got)})")
        if not prom.values(f'grpc_server_handling_seconds_bucket{{job="{job}"}}'):
            fail(f"job {job}: no grpc_server_handling_seconds_bucket")
    for job in ("recommender", "translator"):
        for selector in ("shop_inference_batch_size_bucket", "shop_inference_queue_seconds_bucket",
                         "shop_inference_queue_depth", 'shop_model_loads_total{result="failure"}'):
            metric, _, labels = selector.rstrip("}").partition("{")
            if not prom.values(f'{metric}{{job="{job}"{"," + labels if labels else ""}}}'):
                fail(f"job {job}: no {selector}")
        versions = prom.values(f'shop_model_version_loaded{{job="{job}",model="{job}"}}')
        if not versions or float(versions[0]["value"][1]) < 1:
            fail(f"job {job}: shop_model_version_loaded missing or 0: {versions}")
    turns = prom.values('shop_supportbot_turns_total{job="support-bot"}')
    if len({s["metric"]["instance"] for s in turns}) != 2:
        fail(f"shop_supportbot_turns_total not found on both support-bot replicas: {turns}")
    degraded = prom.values('shop_supportbot_translation_degraded_total{job="support-bot"}')
    if [s["metric"]["direction"] for s in degraded] != ["to_english"]:
        fail(f"shop_supportbot_translation_degraded_total: {degraded}")
    backends = {s["metric"].get("proxy") for s in prom.values('haproxy_backend_status{job="shop-gateway"}')}
    if not {"recommender", "translator", "support_bot"} <= backends:
        fail(f"gateway: haproxy_backend_status for {sorted(backends)}")
    print("ok: series of every service, both support-bot replicas and the gateway")


def check_rules_loaded(prom):
    want = len(all_rules(load_yaml(ALERTS)))
    alert_count = len([r for r in all_rules(load_yaml(ALERTS)) if "alert" in r])

    def evaluated():
        rules = [r for g in prom.api("/api/v1/rules")["data"]["groups"] for r in g["rules"]]
        return len(rules) == want and all(r["health"] == "ok" for r in rules) and rules
    rules = prom.wait_for(evaluated, 30, f"evaluating all {want} rules healthy")
    firing = [r["name"] for r in rules if r["type"] == "alerting" and r["state"] == "firing"]
    if len([r for r in rules if r["type"] == "alerting"]) != alert_count or firing:
        fail(f"rules loaded: {len(rules)}, firing: {firing}")
    print(f"ok: /api/v1/rules: {want} rules healthy, none firing")


def relaxed(expr):
    # Every threshold lowered to ">= 0": the expression must then find real series, which
    # proves its metric and label names, not only its syntax.
    return re.sub(r">\s*[0-9.]+", ">= 0", expr)


def check_expressions(prom, queries, job_variable):
    for rule in all_rules(load_yaml(ALERTS)):
        name = rule.get("alert") or rule["record"]
        prom.values(rule["expr"])
        if relaxed(rule["expr"]) != rule["expr"] and not prom.values(relaxed(rule["expr"])):
            fail(f"{name}: with thresholds at 0 it finds no series: {relaxed(rule['expr'])}")
    for title, ref, expr in queries:
        if not prom.values(grafana_to_promql(expr)):
            fail(f"dashboard panel {title!r} query {ref} finds no series: {grafana_to_promql(expr)}")
    metric = re.fullmatch(r"label_values\((\w+), job\)", job_variable).group(1)
    jobs = set(prom.api("/api/v1/label/job/values", {"match[]": metric})["data"])
    if jobs != set(GRPC_SERVICES):
        fail(f"dashboard variable {job_variable}: {sorted(jobs)}")
    print(f"ok: every rule expression and all {len(queries)} dashboard queries evaluate on real "
          "data")


def check_kubernetes_relabeling(servers, tmp):
    """prometheus.yml's relabeling against what Kubernetes endpoints discovery would yield:
    the services' metrics ports are kept and labelled job=<Service>, the grpc ports and other
    Services are dropped, the gateway is scraped at /stats/prometheus."""
    def endpoint(address, service, port_name, pod):
        return {"targets": [address], "labels": {
            "__meta_kubernetes_namespace": "shop", "__meta_kubernetes_service_name": service,
            "__meta_kubernetes_endpoint_port_name": port_name, "__meta_kubernetes_pod_name": pod}}
    groups = [endpoint(servers[s][1], s.removesuffix("-b"), "metrics", f"{s}-0") for s in servers]
    groups += [endpoint(servers[s][0], s.removesuffix("-b"), "grpc", f"{s}-0") for s in servers]
    groups += [endpoint(f"127.0.0.1:{free_port()}", "redis", "redis", "redis-0"),
               endpoint(f"127.0.0.1:{free_port()}", "shop-gateway", "grpc", "envoy-gateway-0")]
    gateway = f"127.0.0.1:{free_port()}"
    groups.append(endpoint(gateway, "shop-gateway", "metrics", "envoy-gateway-0"))
    sd_file = os.path.join(tmp, "targets.json")
    with open(sd_file, "w") as f:
        json.dump(groups, f)
    config = kubernetes_config_for_debian(load_yaml(os.path.join(PROM_DIR, "prometheus.yml")), sd_file)
    config["global"].update(scrape_interval="1s", evaluation_interval="1s")
    prom = Prometheus(config, tmp, "prometheus-k8s")
    try:
        deadline = time.time() + 30
        while True:
            targets = prom.targets()
            scraped = all(t["health"] != "unknown" for t in targets["activeTargets"])
            if (len(targets["activeTargets"]) == 5 and scraped) or time.time() > deadline:
                break
            time.sleep(0.3)
        got = sorted((t["labels"]["job"], t["labels"].get("namespace"), t["labels"].get("pod"),
                      t["scrapeUrl"], t["health"]) for t in targets["activeTargets"])
        want = sorted([(s.removesuffix("-b"), "shop", f"{s}-0", f"http://{servers[s][1]}/metrics", "up")
                       for s in servers] +
                      [("shop-gateway", "shop", "envoy-gateway-0",
                        f"http://{gateway}/stats/prometheus", "down")])
        if got != want:
            fail(f"prometheus.yml relabeling:\n got  {got}\n want {want}")
        # Both jobs see every endpoint; all but the 5 kept above are dropped.
        if len(targets["droppedTargets"]) != 2 * len(groups) - 5:
            fail(f"prometheus.yml: dropped {len(targets['droppedTargets'])} targets, want "
                 f"{2 * len(groups) - 5}")
    finally:
        prom.stop()
    print("ok: prometheus.yml relabeling keeps the metrics ports (job = Service) and the "
          "gateway's /stats/prometheus, drops the rest")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--part", choices=("all", "offline", "running"), default="all",
                   help="offline: promtool and the dashboard JSON only (no servers)")
    p.add_argument("--recommender")
    p.add_argument("--translator")
    p.add_argument("--support_bot")
    p.add_argument("--python_out")
    args = p.parse_args()
    if args.part != "offline" and not all((args.recommender, args.translator, args.support_bot,
                                           args.python_out)):
        p.error("--recommender, --translator, --support_bot and --python_out are needed "
                "unless --part=offline")
    if args.python_out:
        sys.path.insert(0, os.path.abspath(args.python_out))
    for tool in ("promtool", "prometheus"):
        if shutil.which(tool) is None:
            fail(f"{tool} not found (Debian package prometheus)")

    tmp = tempfile.mkdtemp(prefix="prometheus-test-")
    try:
        if args.part != "running":
            check_rules(tmp)
            test_rules(tmp)
            check_configs(tmp)
        queries, job_variable = dashboard_queries()
        if args.part != "offline":
            check_running_system(args, tmp, queries, job_variable)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"PASS ({args.part})")


def check_running_system(args, tmp, queries, job_variable):
    processes, gateway, prom = [], None, None
    try:
        servers = start_servers(args, tmp, processes)
        gateway = HaproxyGateway({s: servers[s][0] for s in GRPC_SERVICES})
        make_calls(servers, gateway)
        prom = Prometheus(local_config(servers, gateway), tmp, "prometheus")
        prom.wait_for(lambda: all_targets_up(prom, 5), 30, "scraping all 5 targets")
        print("ok: prometheus scrapes all 5 targets (3 services, a second support-bot, gateway)")
        # A second round after Prometheus holds the first, so every counter has a rate.
        time.sleep(2.5)
        make_calls(servers, gateway)
        time.sleep(3)
        check_series(prom)
        check_rules_loaded(prom)
        check_expressions(prom, queries, job_variable)
        prom.stop()
        check_kubernetes_relabeling(servers, tmp)
    finally:
        if prom:
            prom.stop()
        if gateway:
            gateway.stop()
        for proc in processes:
            proc.terminate()
        for proc in processes:
            proc.wait()

if __name__ == "__main__":
    main()
