#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""deploy/envoy/envoy.yaml is a valid Envoy v3 bootstrap that routes every shop service.

No Envoy binary is needed: the YAML is parsed as envoy.config.bootstrap.v3.Bootstrap over a
descriptor set compiled (Debian protoc) from Envoy's API protos, which the npm package
@grpc/grpc-js-xds ships (pinned in deploy/envoy/validate/package-lock.json, installed with
`npm ci` into the work dir and cached there by a stamp). That rejects misspelled fields, bad
enums, bad durations and unknown `@type`s (and the YAML loader duplicate keys). Then the gateway's own rules are checked: every
route's cluster exists; each service in protos/shop/**/v1 has a route `/<package>.<Service>/`
with a capped grpc-timeout and retries on UNAVAILABLE with a per-try timeout, to a STRICT_DNS
cluster on the agreed headless Service with HTTP/2, a gRPC health check of that service,
outlier detection and circuit breakers; unknown services get grpc-status 12; the admin binds
127.0.0.1 and only /stats/prometheus reaches it from outside; no deprecated field is used.

Finally broken copies of the config (a misspelled field, a bad enum, ...) are checked the same
way and each must be rejected for its own reason, which shows the checks can fail.

Exits 0 when all of that holds, 1 otherwise, 2 when the descriptor set cannot be built."""
import argparse
import fcntl
import glob
import hashlib
import os
import re
import shutil
import subprocess
import sys

import yaml
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

from broken_copies import rejected_as_expected

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VALIDATE_DIR = os.path.join(REPO_ROOT, "deploy", "envoy", "validate")
WKT_INCLUDE = "/usr/include"  # google/protobuf/*.proto of Debian's libprotobuf-dev

# Bump when the way the descriptor set is built changes, so cached sets are rebuilt.
RECIPE_VERSION = 1

# The bundled validate.proto predates the Envoy protos beside it: StringRules lacks field 26,
# which about 60 Envoy files use (e.g. the geoip providers).
VALIDATE_ANCHOR = "  optional bool strict = 25 [default = true];\n}"
VALIDATE_FIXED = ("  optional bool strict = 25 [default = true];\n\n"
                  "  // Added by tests/deploy/envoy_config_test.py: used by Envoy's protos.\n"
                  "  optional bool ignore_empty = 26;\n}")

BOOTSTRAP = "envoy.config.bootstrap.v3.Bootstrap"
TYPE_PREFIX = "type.googleapis.com/"
HCM = TYPE_PREFIX + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager"
LOCAL_RATELIMIT = TYPE_PREFIX + "envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit"
GRPC_STATS = TYPE_PREFIX + "envoy.extensions.filters.http.grpc_stats.v3.FilterConfig"
ROUTER = TYPE_PREFIX + "envoy.extensions.filters.http.router.v3.Router"
UPSTREAM_HTTP_OPTIONS = "envoy.extensions.upstreams.http.v3.HttpProtocolOptions"

GRPC_LISTENER = ("0.0.0.0", 8080)
METRICS_LISTENER = ("0.0.0.0", 9902)
ADMIN_ADDRESS = "127.0.0.1"
METRICS_PATH = "/stats/prometheus"
# Names the Kubernetes and Prometheus parts rely on: gRPC service -> (cluster, headless Service).
AGREED_BACKENDS = {
    "shop.recommender.v1.Recommender": ("recommender", "recommender.shop.svc.cluster.local"),
    "shop.translator.v1.Translator": ("translator", "translator.shop.svc.cluster.local"),
    "shop.supportbot.v1.SupportBot": ("support_bot", "support-bot.shop.svc.cluster.local"),
}
BACKEND_PORT = 50051


class SetupError(Exception):
    pass


def run(args, cwd=None):
    result = subprocess.run(args, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        raise SetupError(f"{' '.join(args[:3])} ... failed ({result.returncode}):\n{result.stdout[-4000:]}")


# --- The descriptor set of Envoy's API -------------------------------------------------------

def imports_of(path):
    with open(path, encoding="utf-8") as f:
        return re.findall(r'^\s*import\s+(?:public\s+|weak\s+)?"([^"]+)"\s*;', f.read(), re.M)


def compilable_envoy_files(include_dirs, envoy_root):
    """Envoy's v3 config and extension protos whose imports all exist; the few that import
    opencensus or opentelemetry protos (not shipped in the package) are left out."""
    known = {}

    def locate(name):
        paths = (os.path.join(d, name) for d in include_dirs)
        return next((p for p in paths if os.path.exists(p)), None)

    def resolvable(name, seen):
        if name not in known:
            if name in seen:  # an import cycle is protoc's to report
                return True
            path = locate(name)
            known[name] = path is not None and all(resolvable(i, seen | {name}) for i in imports_of(path))
        return known[name]

    files, dropped = [], []
    for path in sorted(glob.glob(os.path.join(envoy_root, "envoy", "**", "v3", "*.proto"), recursive=True)):
        name = os.path.relpath(path, envoy_root)
        if name.startswith(("envoy/service/", "envoy/admin/")):
            continue  # xDS services and admin output, not configuration
        (files if resolvable(name, frozenset()) else dropped).append(name)
    return files, dropped


def build_envoy_descriptors(work_dir):
    """Returns the path of the Envoy API descriptor set, building it unless the cached one
    was built from the same lock file and recipe."""
    os.makedirs(work_dir, exist_ok=True)
    out = os.path.join(work_dir, "envoy_api.pb")
    stamp_path = out + ".stamp"
    digest = hashlib.sha256(f"recipe {RECIPE_VERSION}\n{VALIDATE_FIXED}".encode())
    for name in ("package.json", "package-lock.json"):
        with open(os.path.join(VALIDATE_DIR, name), "rb") as f:
            digest.update(f.read())
    stamp = digest.hexdigest()

    with open(os.path.join(work_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a second run waits instead of sharing a half-built set
        if os.path.exists(out) and os.path.exists(stamp_path):
            with open(stamp_path) as f:
                if f.read().strip() == stamp:
                    return out

        npm_dir = os.path.join(work_dir, "npm")
        os.makedirs(npm_dir, exist_ok=True)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(VALIDATE_DIR, name), npm_dir)
        print(f"npm ci in {npm_dir} (@grpc/grpc-js-xds, for Envoy's API protos)", flush=True)
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], cwd=npm_dir)
        deps = os.path.join(npm_dir, "node_modules", "@grpc", "grpc-js-xds", "deps")

        fix_dir = os.path.join(work_dir, "validate_fix")
        os.makedirs(os.path.join(fix_dir, "validate"), exist_ok=True)
        bundled = os.path.join(deps, "protoc-gen-validate", "validate", "validate.proto")
        with open(bundled, encoding="utf-8") as f:
            validate = f.read()
        if "ignore_empty = 26" not in validate:
            if validate.count(VALIDATE_ANCHOR) != 1:
                raise SetupError("validate.proto changed: cannot add StringRules.ignore_empty")
            validate = validate.replace(VALIDATE_ANCHOR, VALIDATE_FIXED)
        with open(os.path.join(fix_dir, "validate", "validate.proto"), "w", encoding="utf-8") as f:
            f.write(validate)

        # fix_dir first: protoc takes the first validate/validate.proto it finds.
        include_dirs = [fix_dir] + [os.path.join(deps, d) for d in
                                    ("envoy-api", "xds", "googleapis", "protoc-gen-validate")] + [WKT_INCLUDE]
        files, dropped = compilable_envoy_files(include_dirs, os.path.join(deps, "envoy-api"))
        print(f"protoc: {len(files)} Envoy API files; left out (imports not shipped): {', '.join(dropped)}",
              flush=True)
        run(["protoc"] + [f"-I{d}" for d in include_dirs] +
            ["--include_imports", f"--descriptor_set_out={out}.tmp"] + files)
        os.replace(out + ".tmp", out)
        with open(stamp_path, "w") as f:
            f.write(stamp + "\n")
    return out


def load_pool(descriptor_set_path):
    files = descriptor_pb2.FileDescriptorSet()
    with open(descriptor_set_path, "rb") as f:
        files.ParseFromString(f.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:  # --include_imports writes dependencies first
        pool.Add(file)
    return pool


def proto_services(protos_dir, work_dir):
    """{full service name: [method names]} of protos/shop/**/v1/*.proto, read by protoc."""
    pattern = os.path.join(protos_dir, "shop", "**", "v1", "*.proto")
    names = sorted(os.path.relpath(p, protos_dir) for p in glob.glob(pattern, recursive=True))
    if not names:
        raise SetupError(f"no protos under {protos_dir}/shop/**/v1")
    out = os.path.join(work_dir, "shop_protos.pb")
    run(["protoc", f"-I{protos_dir}", f"-I{WKT_INCLUDE}", f"--descriptor_set_out={out}"] + names)
    files = descriptor_pb2.FileDescriptorSet()
    with open(out, "rb") as f:
        files.ParseFromString(f.read())
    return {f"{file.package}.{service.name}": [m.name for m in service.method]
            for file in files.file for service in file.service}


# --- Parsing ---------------------------------------------------------------------------------

class StrictLoader(yaml.SafeLoader):
    """Rejects duplicate keys, which PyYAML would silently resolve to the last one."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}",
                                                        key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep)


class Schema:
    def __init__(self, pool):
        self.pool = pool
        self.factory = message_factory.MessageFactory(pool)

    def new(self, full_name):
        return self.factory.GetPrototype(self.pool.FindMessageTypeByName(full_name))()

    def deprecated_uses(self, message, path):
        """Paths of the deprecated fields and enum values set in `message`, Any contents included."""
        found = []
        for field, value in message.ListFields():
            field_path = f"{path}.{field.name}"
            if field.GetOptions().deprecated:
                found.append(field_path)
            values = list(value) if field.label == field.LABEL_REPEATED else [value]
            if field.type == field.TYPE_MESSAGE and field.message_type.GetOptions().map_entry:
                value_field = field.message_type.fields_by_name["value"]
                values = list(value.values()) if value_field.type == field.TYPE_MESSAGE else []
            if field.type == field.TYPE_ENUM:
                for number in values:
                    enum_value = field.enum_type.values_by_number.get(number)
                    if enum_value is not None and enum_value.GetOptions().deprecated:
                        found.append(f"{field_path} = {enum_value.name}")
            elif field.type == field.TYPE_MESSAGE:
                for item in values:
                    if item.DESCRIPTOR.full_name == "google.protobuf.Any":
                        inner = self.new(item.type_url.split("/")[-1])
                        inner.ParseFromString(item.value)
                        found += self.deprecated_uses(inner, f"{field_path}<{inner.DESCRIPTOR.name}>")
                    else:
                        found += self.deprecated_uses(item, field_path)
        return found


def validate(text, schema, services):
    """The problems of one config text; empty when it passes."""
    try:
        doc = yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as e:
        return [f"YAML: {e}"]
    bootstrap = schema.new(BOOTSTRAP)
    try:
        json_format.ParseDict(doc, bootstrap, descriptor_pool=schema.pool)
    except (json_format.ParseError, TypeError, ValueError) as e:
        # json_format nests "Failed to parse <field> field: " per level; the path is in the rest.
        innermost = re.sub(r"(Failed to parse \w+ field: )+", "", str(e))
        return [f"not a valid {BOOTSTRAP}: {innermost}"]
    problems = [f"deprecated: {p}" for p in sorted(set(schema.deprecated_uses(bootstrap, "Bootstrap")))]
    # Back to a dict with the proto field names, so the rules below see one spelling.
    normalized = json_format.MessageToDict(bootstrap, preserving_proto_field_name=True,
                                           descriptor_pool=schema.pool)
    return problems + gateway_problems(normalized, services)


# --- The gateway's own rules -----------------------------------------------------------------

def seconds(duration):
    return float(duration.rstrip("s")) if duration else 0.0


def socket_address(address):
    socket = (address or {}).get("socket_address", {})
    return socket.get("address"), socket.get("port_value", 0)


def connection_managers(listener):
    for chain in listener.get("filter_chains", []):
        for network_filter in chain.get("filters", []):
            config = network_filter.get("typed_config", {})
            if config.get("@type") == HCM:
                yield config


def routes_of(hcm):
    for host in hcm.get("route_config", {}).get("virtual_hosts", []):
        yield from host.get("routes", [])


def target_clusters(route):
    action = route.get("route", {})
    if "cluster" in action:
        return [action["cluster"]]
    return [c["name"] for c in action.get("weighted_clusters", {}).get("clusters", [])]


def endpoints(cluster):
    return [socket_address(e.get("endpoint", {}).get("address"))
            for group in cluster.get("load_assignment", {}).get("endpoints", [])
            for e in group.get("lb_endpoints", [])]


def route_problems(service, route):
    action = route["route"]
    problems = []
    cap = action.get("max_stream_duration", {}).get("grpc_timeout_header_max")
    if seconds(cap) <= 0:
        problems.append(f"{service}: the client's grpc-timeout is not capped "
                        "(route.max_stream_duration.grpc_timeout_header_max unset or 0)")
    retry = action.get("retry_policy", {})
    if "unavailable" not in retry.get("retry_on", "").split(","):
        problems.append(f"{service}: no retry on unavailable (retry_policy.retry_on)")
    per_try = retry.get("per_try_timeout")
    if not per_try:
        problems.append(f"{service}: retries without a per_try_timeout")
    elif seconds(cap) > 0 and seconds(per_try) > seconds(cap):
        problems.append(f"{service}: per_try_timeout {per_try} exceeds the grpc-timeout cap {cap}")
    return problems


def cluster_problems(service, cluster):
    name = cluster["name"]
    problems = []
    if cluster.get("type") != "STRICT_DNS":
        problems.append(f"cluster {name} is {cluster.get('type', 'STATIC')}, "
                        "not STRICT_DNS on a headless Service")
    addresses = endpoints(cluster)
    wanted_host = AGREED_BACKENDS.get(service, (None, None))[1]
    if not addresses or any(port != BACKEND_PORT or not host.endswith(".shop.svc.cluster.local")
                            or (wanted_host and host != wanted_host) for host, port in addresses):
        problems.append(f"cluster {name} points at {addresses}, not "
                        f"{wanted_host or '<service>.shop.svc.cluster.local'}:{BACKEND_PORT}")
    options = cluster.get("typed_extension_protocol_options", {}).get(UPSTREAM_HTTP_OPTIONS, {})
    if "http2_protocol_options" not in options.get("explicit_http_config", {}):
        problems.append(f"cluster {name} does not speak HTTP/2 upstream "
                        f"({UPSTREAM_HTTP_OPTIONS}.explicit_http_config.http2_protocol_options)")
    checked = [h["grpc_health_check"].get("service_name", "") for h in cluster.get("health_checks", [])
               if "grpc_health_check" in h]
    if service not in checked:
        problems.append(f"cluster {name} has no gRPC health check of {service} (has: {checked})")
    if "outlier_detection" not in cluster:
        problems.append(f"cluster {name} has no outlier_detection")
    if not cluster.get("circuit_breakers", {}).get("thresholds"):
        problems.append(f"cluster {name} has no circuit_breakers thresholds")
    return problems


def filter_problems(hcm, services):
    problems = []
    filters = hcm.get("http_filters", [])
    by_type = {f.get("typed_config", {}).get("@type"): f.get("typed_config", {}) for f in filters}
    if not filters or filters[-1].get("typed_config", {}).get("@type") != ROUTER:
        problems.append("gRPC listener: the router is not the last HTTP filter")
    limit = by_type.get(LOCAL_RATELIMIT)
    if limit is None:
        problems.append("gRPC listener: no local_ratelimit filter")
    else:
        for knob in ("filter_enabled", "filter_enforced"):
            if limit.get(knob, {}).get("default_value", {}).get("numerator", 0) <= 0:
                problems.append(f"gRPC listener: local_ratelimit {knob} is 0%, so nothing is limited")
        if "token_bucket" not in limit:
            problems.append("gRPC listener: local_ratelimit has no token_bucket")
    stats = by_type.get(GRPC_STATS)
    if stats is None:
        problems.append("gRPC listener: no grpc_stats filter")
    else:
        allowlist = stats.get("individual_method_stats_allowlist", {}).get("services", [])
        listed = {f"{s['name']}/{m}" for s in allowlist for m in s.get("method_names", [])}
        wanted = {f"{s}/{m}" for s, methods in services.items() for m in methods}
        if listed != wanted:
            problems.append("gRPC listener: grpc_stats allowlist differs from protos/: missing "
                            f"{sorted(wanted - listed)}, unknown {sorted(listed - wanted)}")
    if not hcm.get("access_log"):
        problems.append("gRPC listener: no access log")
    return problems


def catch_all_problems(routes):
    last = routes[-1] if routes else {}
    headers = {h["header"]["key"].lower(): h["header"].get("value")
               for h in last.get("response_headers_to_add", [])}
    if last.get("match") != {"prefix": "/"} or "direct_response" not in last:
        return ["gRPC listener: the last route is not a catch-all direct response (match prefix /)"]
    if headers.get("grpc-status") != "12":
        return [f"gRPC listener: the catch-all answers grpc-status {headers.get('grpc-status')}, "
                "not grpc-status 12 (UNIMPLEMENTED)"]
    return []


def gateway_problems(bootstrap, services):
    problems = []
    resources = bootstrap.get("static_resources", {})
    clusters = {c["name"]: c for c in resources.get("clusters", [])}
    listeners = {socket_address(l.get("address")): l for l in resources.get("listeners", [])}

    admin = socket_address(bootstrap.get("admin", {}).get("address"))
    if admin[0] != ADMIN_ADDRESS:
        problems.append(f"admin listens on {admin[0]!r}, not {ADMIN_ADDRESS}")
    admin_clusters = {name for name, c in clusters.items() if admin in endpoints(c)}

    for address, listener in listeners.items():
        for hcm in connection_managers(listener):
            if "route_config" not in hcm:
                problems.append(f"listener {listener['name']}: no static route_config")
            for route in routes_of(hcm):
                for name in target_clusters(route):
                    if name not in clusters:
                        problems.append(f"listener {listener['name']}: route {route.get('match')} "
                                        f"goes to undefined cluster {name!r}")
                    if name in admin_clusters and (address != METRICS_LISTENER
                                                   or route.get("match") != {"path": METRICS_PATH}):
                        problems.append(f"listener {listener['name']}: route {route.get('match')} "
                                        f"exposes the admin beyond {METRICS_PATH}")

    metrics = listeners.get(METRICS_LISTENER)
    if metrics is None or not any(set(target_clusters(r)) & admin_clusters
                                  for hcm in connection_managers(metrics) for r in routes_of(hcm)):
        problems.append(f"no listener on {METRICS_LISTENER[0]}:{METRICS_LISTENER[1]} "
                        f"forwarding {METRICS_PATH} to the admin")

    listener = listeners.get(GRPC_LISTENER)
    hcm = next(connection_managers(listener), None) if listener else None
    if hcm is None:
        return problems + [f"no HTTP listener on {GRPC_LISTENER[0]}:{GRPC_LISTENER[1]}"]
    routes = list(routes_of(hcm))
    for service, _ in sorted(services.items()):
        prefix = f"/{service}/"
        route = next((r for r in routes if r.get("match", {}).get("prefix") == prefix), None)
        if route is None or "cluster" not in route.get("route", {}):
            problems.append(f"{service} is not routed: no route with prefix {prefix} to a cluster")
            continue
        cluster_name = route["route"]["cluster"]
        agreed = AGREED_BACKENDS.get(service, (cluster_name,))[0]
        if cluster_name != agreed:
            problems.append(f"{service} goes to cluster {cluster_name!r}, not the agreed {agreed!r}")
        problems += route_problems(service, route)
        if cluster_name in clusters:
            problems += cluster_problems(service, clusters[cluster_name])
    return problems + catch_all_problems(routes) + filter_problems(hcm, services)


# --- Broken copies ---------------------------------------------------------------------------

def substitute(pattern, replacement):
    """A text edit of the first match, as a person would make it."""
    def mutate(text):
        changed, count = re.subn(pattern, replacement, text, count=1, flags=re.M)
        if count != 1:
            raise SetupError(f"broken copy: {pattern!r} not found in the config")
        return changed
    return mutate


def edit(change):
    """A structural edit of the parsed config, written back as YAML."""
    def mutate(text):
        doc = yaml.safe_load(text)
        change(doc)
        return yaml.safe_dump(doc, sort_keys=False)
    return mutate


def hcm_at(doc, port):
    listener = next(l for l in doc["static_resources"]["listeners"]
                    if l["address"]["socket_address"]["port_value"] == port)
    return listener["filter_chains"][0]["filters"][0]["typed_config"]


def grpc_routes(doc):
    return hcm_at(doc, GRPC_LISTENER[1])["route_config"]["virtual_hosts"][0]["routes"]


def route_of(doc, service):
    return next(r for r in grpc_routes(doc) if r["match"].get("prefix") == f"/{service}/")


def cluster_of(doc, name):
    return next(c for c in doc["static_resources"]["clusters"] if c["name"] == name)


def http_filter(doc, type_suffix):
    return next(f for f in hcm_at(doc, GRPC_LISTENER[1])["http_filters"]
                if f["typed_config"]["@type"].endswith(type_suffix))


RECOMMENDER, TRANSLATOR, SUPPORT_BOT = AGREED_BACKENDS

# (what is broken, how, a regular expression the rejection must match)
BROKEN_COPIES = [
    ("misspelled field retry_onn", substitute(r"\bretry_on:", "retry_onn:"), r'no field named "retry_onn"'),
    ("bad enum ROUND_ROBINN", substitute(r"lb_policy: \w+", "lb_policy: ROUND_ROBINN"),
     r"Invalid enum value ROUND_ROBINN for enum type envoy\.config\.cluster\.v3\.Cluster\.LbPolicy"),
    ("bad duration 500ms", substitute(r"per_try_timeout: \S+", "per_try_timeout: 500ms"),
     r"Couldn't parse duration: 500ms"),
    ("unknown @type", substitute(r"filters\.http\.router\.v3\.Router\b", "filters.http.router.v3.Routerr"),
     r"Can not find message descriptor by type_url: \S+router\.v3\.Routerr"),
    ("duplicate key", substitute(r"^(\s+)connect_timeout: 1s$", r"\g<0>\n\1connect_timeout: 2s"),
     r"duplicate key 'connect_timeout'"),
    ("deprecated field max_grpc_timeout",
     edit(lambda d: route_of(d, RECOMMENDER)["route"].update(max_grpc_timeout="5s")),
     r"deprecated: .*max_grpc_timeout"),
    ("route to a missing cluster",
     edit(lambda d: route_of(d, RECOMMENDER)["route"].update(cluster="recommender_v2")),
     r"undefined cluster 'recommender_v2'"),
    ("service left unrouted", edit(lambda d: grpc_routes(d).remove(route_of(d, TRANSLATOR))),
     rf"{re.escape(TRANSLATOR)} is not routed"),
    ("route to another cluster than agreed",
     edit(lambda d: route_of(d, SUPPORT_BOT)["route"].update(cluster="translator")),
     rf"{re.escape(SUPPORT_BOT)} goes to cluster 'translator'"),
    ("grpc-timeout not capped",
     edit(lambda d: route_of(d, TRANSLATOR)["route"]["max_stream_duration"].pop("grpc_timeout_header_max")),
     r"grpc-timeout is not capped"),
    ("no retry on unavailable",
     edit(lambda d: route_of(d, RECOMMENDER)["route"]["retry_policy"].update(retry_on="connect-failure")),
     r"no retry on unavailable"),
    ("no per-try timeout",
     edit(lambda d: route_of(d, SUPPORT_BOT)["route"]["retry_policy"].pop("per_try_timeout")),
     r"without a per_try_timeout"),
    ("catch-all removed", edit(lambda d: grpc_routes(d).pop()), r"not a catch-all"),
    ("catch-all answers INTERNAL",
     edit(lambda d: grpc_routes(d)[-1]["response_headers_to_add"][0]["header"].update(value="13")),
     r"grpc-status 13, not grpc-status 12"),
    ("admin on all interfaces", substitute(r"address: 127\.0\.0\.1, port_value: 9901 }",
                                           "address: 0.0.0.0, port_value: 9901 }"),
     r"admin listens on '0\.0\.0\.0'"),
    ("metrics listener exposes the whole admin",
     edit(lambda d: hcm_at(d, METRICS_LISTENER[1])["route_config"]["virtual_hosts"][0]["routes"][0]
          .update(match={"prefix": "/"})),
     r"exposes the admin beyond /stats/prometheus"),
    ("cluster not STRICT_DNS", edit(lambda d: cluster_of(d, "translator").update(type="LOGICAL_DNS")),
     r"cluster translator is LOGICAL_DNS"),
    ("HTTP/1.1 upstream",
     edit(lambda d: cluster_of(d, "recommender")["typed_extension_protocol_options"][UPSTREAM_HTTP_OPTIONS]
          .update(explicit_http_config={"http_protocol_options": {}})),
     r"cluster recommender does not speak HTTP/2"),
    ("health check of another service",
     edit(lambda d: cluster_of(d, "support_bot")["health_checks"][0]["grpc_health_check"]
          .update(service_name=TRANSLATOR)),
     r"no gRPC health check of shop\.supportbot"),
    ("no outlier detection", edit(lambda d: cluster_of(d, "translator").pop("outlier_detection")),
     r"cluster translator has no outlier_detection"),
    ("no circuit breakers", edit(lambda d: cluster_of(d, "recommender").pop("circuit_breakers")),
     r"cluster recommender has no circuit_breakers"),
    ("rate limit never enforced", edit(lambda d: http_filter(d, "LocalRateLimit")["typed_config"]
                                       .pop("filter_enforced")),
     r"filter_enforced is 0%"),
    ("grpc_stats allowlist misses a method",
     edit(lambda d: http_filter(d, "grpc_stats.v3.FilterConfig")["typed_config"]
          ["individual_method_stats_allowlist"]["services"][0]["method_names"].pop()),
     r"grpc_stats allowlist differs from protos/: missing \['shop\.recommender"),
    ("router not last", edit(lambda d: hcm_at(d, GRPC_LISTENER[1])["http_filters"].reverse()),
     r"router is not the last"),
    ("no access log", edit(lambda d: hcm_at(d, GRPC_LISTENER[1]).pop("access_log")), r"no access log"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(REPO_ROOT, "deploy", "envoy", "envoy.yaml"))
    parser.add_argument("--protos", default=os.path.join(REPO_ROOT, "protos"))
    parser.add_argument("--work_dir", default=os.path.join(REPO_ROOT, "build", "envoy_validate"),
                        help="npm install, descriptor sets and broken copies (default: %(default)s)")
    parser.add_argument("--skip_broken_copies", action="store_true",
                        help="only validate --config (e.g. an edited copy)")
    args = parser.parse_args()

    try:
        schema = Schema(load_pool(build_envoy_descriptors(args.work_dir)))
        services = proto_services(args.protos, args.work_dir)
        with open(args.config, encoding="utf-8") as f:
            text = f.read()
        broken = [] if args.skip_broken_copies else [(what, mutate(text), want)
                                                     for what, mutate, want in BROKEN_COPIES]
    except (SetupError, OSError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 2

    failures = 0
    problems = validate(text, schema, services)
    for problem in problems:
        print(f"FAIL: {args.config}: {problem}")
    failures += bool(problems)
    if not problems:
        print(f"ok: {args.config} is a valid {BOOTSTRAP} routing {', '.join(sorted(services))}")

    broken_dir = os.path.join(args.work_dir, "broken")
    if broken:
        shutil.rmtree(broken_dir, ignore_errors=True)
        os.makedirs(broken_dir)
    for what, broken_text, want in broken:
        path = os.path.join(broken_dir, re.sub(r"\W+", "_", what) + ".yaml")
        with open(path, "w", encoding="utf-8") as f:
            f.write(broken_text)  # kept for a look at what was rejected
        problems = validate(broken_text, schema, services)
        if not rejected_as_expected(what, problems, want, where=path):
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
