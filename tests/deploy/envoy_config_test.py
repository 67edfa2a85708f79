#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""deploy/envoy/envoy.yaml (plaintext) and envoy-tls.yaml (prod) are valid Envoy v3 bootstraps
that route every shop service and enforce the JWT contract.

No Envoy binary is needed: each YAML is parsed as envoy.config.bootstrap.v3.Bootstrap over a
descriptor set compiled (Debian protoc) from Envoy's API protos, which the npm package
@grpc/grpc-js-xds ships (pinned in deploy/envoy/validate/package-lock.json, installed with
`npm ci` into the work dir and cached there by a stamp). That rejects misspelled fields, bad
enums, bad durations and unknown `@type`s (and the YAML loader duplicate keys). Then the
gateway's own rules are checked: every route's cluster exists; each service in
protos/shop/**/v1 has a route `/<package>.<Service>/` with a capped grpc-timeout and retries on
UNAVAILABLE with a per-try timeout, to a STRICT_DNS cluster on the agreed headless Service with
HTTP/2, a gRPC health check of that service, outlier detection and circuit breakers; unknown
services get grpc-status 12; the admin binds 127.0.0.1 and only /stats/prometheus reaches it
from outside; no deprecated field is used.

Caller identity (deploy/envoy/README.md): a client's x-shop-customer-id / x-shop-roles are
removed before jwt_authn (never in the router, which runs after it); one JWT provider with the
agreed issuer and audience, exp required, read from `Authorization: Bearer` only, sub and role
forwarded as those headers, the token not forwarded; a missing token passes, a failed one not;
RBAC after jwt_authn refuses operator-only methods without the operator role and a non-Bearer
Authorization header; local 401/403 answer grpc-status 16/7; Authorization never reaches a
service; the JWKS holds public RS256/ES256 keys only, each naming its alg. TLS (envoy-tls.yaml):
the listener serves TLS (ALPN h2, >= 1.2) with a certificate from file SDS, each service cluster
uses mutual TLS with SNI and the checked DNS name equal to its address, and the SDS files hold
one valid Secret each, watching their certificates' directory; apart from transport sockets the
two configs are equal.

JSON for callers without gRPC: the grpc_json_transcoder filter sits right before the router,
serves every service of protos/ by its gRPC path (auto_mapping) and reads the mounted
deploy/envoy/shop_api.pb, which must be byte for byte the build's descriptor set
(--descriptor_set), define exactly those services and hold google.rpc's error details; every
curl example in deploy/envoy/README.md and README.md sends a body that parses as its method's
request.

Finally broken copies of the files (a misspelled field, a bad enum, identity headers stripped
in the router, DeleteUser open, a plaintext hop, ...) are checked the same way and each must be
rejected for its own reason, which shows the checks can fail.

Exits 0 when all of that holds, 1 otherwise, 2 when the descriptor set cannot be built."""
import argparse
import fcntl
import glob
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

import yaml
from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message, message_factory

from broken_copies import rejected_as_expected  # noqa: E402
from config_tree import find_values  # noqa: E402

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
ENVOY_DIR = os.path.join(REPO_ROOT, "deploy", "envoy")
VALIDATE_DIR = os.path.join(ENVOY_DIR, "validate")
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
JWT_AUTHN = TYPE_PREFIX + "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication"
RBAC = TYPE_PREFIX + "envoy.extensions.filters.http.rbac.v3.RBAC"
TRANSCODER = TYPE_PREFIX + "envoy.extensions.filters.http.grpc_json_transcoder.v3.GrpcJsonTranscoder"
# The API descriptor set: committed beside the configs, mounted with them (ConfigMap
# envoy-config at /etc/envoy), and byte for byte the build's (--descriptor_set).
DESCRIPTOR_FILE = "shop_api.pb"
DESCRIPTOR_MOUNT = "/etc/envoy/"
HEADER_MUTATION_FILTER = TYPE_PREFIX + "envoy.extensions.filters.http.header_mutation.v3.HeaderMutation"
EARLY_HEADER_MUTATION = TYPE_PREFIX + "envoy.extensions.http.early_header_mutation.header_mutation.v3.HeaderMutation"
DOWNSTREAM_TLS = TYPE_PREFIX + "envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"
UPSTREAM_TLS = TYPE_PREFIX + "envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext"
SDS_SECRET = "envoy.extensions.transport_sockets.tls.v3.Secret"
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

# The JWT contract the services and the HAProxy gateway share (deploy/envoy/README.md).
JWT_ISSUER = "https://auth.shop.example"
JWT_AUDIENCES = ["shop-ai"]
JWT_KEY_TYPES = {"RS256": ("RSA", None), "ES256": ("EC", "P-256")}  # alg -> (kty, crv)
JWK_PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "k"}
# Verified claim -> the header the services read it from.
IDENTITY_HEADERS = {"x-shop-customer-id": "sub", "x-shop-roles": "role"}
OPERATOR_ONLY = ["/shop.recommender.v1.Recommender/DeleteUser"]
OPERATOR_ROLE = "operator"
# Local replies -> gRPC status: jwt_authn's refusal UNAUTHENTICATED, RBAC's PERMISSION_DENIED.
LOCAL_REPLY_STATUSES = {401: "16", 403: "7"}
# The two gateway configs: plaintext, and the same with TLS (prod).
PLAIN, TLS = "envoy.yaml", "envoy-tls.yaml"


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


def parse(text, schema, message=BOOTSTRAP):
    """(the config as a dict with proto field names, problems): parsed as `message` over
    Envoy's descriptors; None when it does not parse."""
    try:
        doc = yaml.load(text, Loader=StrictLoader)
    except yaml.YAMLError as e:
        return None, [f"YAML: {e}"]
    parsed = schema.new(message)
    try:
        json_format.ParseDict(doc, parsed, descriptor_pool=schema.pool)
    except (json_format.ParseError, TypeError, ValueError) as e:
        # json_format nests "Failed to parse <field> field: " per level; the path is in the rest.
        innermost = re.sub(r"(Failed to parse \w+ field: )+", "", str(e))
        return None, [f"not a valid {message}: {innermost}"]
    problems = [f"deprecated: {p}" for p in sorted(set(schema.deprecated_uses(parsed, message.split(".")[-1])))]
    # Back to a dict with the proto field names, so the rules below see one spelling.
    return json_format.MessageToDict(parsed, preserving_proto_field_name=True,
                                     descriptor_pool=schema.pool), problems


def validate(files, schema, services):
    """The problems of the gateway's files ({name: text} of deploy/envoy) as (file, problem):
    both configs, the plaintext one equal to the TLS one minus transport sockets, the JWKS
    and the SDS files they read."""
    problems, configs = [], {}
    for name in (PLAIN, TLS):
        config, found = parse(files[name], schema)
        if config is not None:
            configs[name] = config
            found += gateway_problems(config, services) + auth_problems(config, files)
            found += tls_problems(config, files, schema) if name == TLS else []
        problems += [(name, p) for p in found]
    key_sets = {os.path.basename(jwks.get("filename", ""))
                for config in configs.values() for jwks in find_values(config, "local_jwks")}
    for name in sorted(key_sets & set(files)):
        problems += [(name, p) for p in jwks_problems(name, files[name])]
    if len(configs) == 2:
        plain, tls = (without_transport_sockets(configs[n]) for n in (PLAIN, TLS))
        if plain != tls:
            problems.append((TLS, f"differs from {PLAIN} beyond transport sockets, at {first_difference(plain, tls)}"))
        if plain != configs[PLAIN]:
            problems.append((PLAIN, "has transport sockets: it is the plaintext config"))
    return problems


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
    retry_on = retry.get("retry_on", "").split(",")
    if "unavailable" not in retry_on:
        problems.append(f"{service}: no retry on unavailable (retry_policy.retry_on)")
    # gRPC answers calls that reach a server already shutting down with CANCELLED
    # (grpc/grpc#41785); only the gateway can retry those on another replica.
    if "cancelled" not in retry_on:
        problems.append(f"{service}: no retry on cancelled (calls caught by a replica's "
                        "shutdown; retry_policy.retry_on)")
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
    return problems + transcoder_problems(filters, services)


def transcoder_problems(filters, services):
    """The gRPC-JSON transcoder: right before the router (after jwt_authn and RBAC), every
    public service by its gRPC path, reading the API descriptor set mounted beside the
    configs, which defines exactly the services and methods of protos/."""
    types = [f.get("typed_config", {}).get("@type") for f in filters]
    if TRANSCODER not in types:
        return ["gRPC listener: no grpc_json_transcoder filter (JSON callers)"]
    problems = []
    config = filters[types.index(TRANSCODER)]["typed_config"]
    if types.index(TRANSCODER) != len(types) - 2:
        problems.append("gRPC listener: grpc_json_transcoder is not right before the router")
    if sorted(config.get("services", [])) != sorted(services):
        problems.append(f"grpc_json_transcoder serves {sorted(config.get('services', []))}, "
                        f"not the services of protos/ {sorted(services)}")
    if not config.get("auto_mapping"):
        problems.append("grpc_json_transcoder: auto_mapping is off, so methods without "
                        "google.api.http rules (all of ours) are not reachable with JSON")
    if not config.get("convert_grpc_status"):
        problems.append("grpc_json_transcoder: convert_grpc_status is off (errors lose their details)")
    path = config.get("proto_descriptor", "")
    if path != DESCRIPTOR_MOUNT + DESCRIPTOR_FILE:
        problems.append(f"grpc_json_transcoder reads {path!r}, not the mounted "
                        f"{DESCRIPTOR_MOUNT + DESCRIPTOR_FILE}")
    else:
        problems += descriptor_problems(os.path.join(ENVOY_DIR, DESCRIPTOR_FILE), services)
    return problems


def readme_curl_problems(readme_path, descriptor_path):
    """Every `curl .../<package>.<Service>/<Method> ... -d '<json>'` of deploy/envoy/README.md
    calls a method of the descriptor set, and its body parses as that method's request."""
    with open(readme_path, encoding="utf-8") as f:
        text = f.read().replace("\\\n", " ")
    calls = re.findall(r"curl [^\n]*?/([\w.]+)/(\w+) [^\n]*?-d '([^']*)'", text)
    if not calls:
        return ["deploy/envoy/README.md: no curl example"]
    pool = load_pool(descriptor_path)
    factory = message_factory.MessageFactory(pool)
    problems = []
    for service, method, body in calls:
        try:
            rpc = pool.FindServiceByName(service).FindMethodByName(method)
        except KeyError:
            rpc = None
        if rpc is None:
            problems.append(f"README curl: {service}/{method} is not a method of {DESCRIPTOR_FILE}")
            continue
        try:
            json_format.Parse(body, factory.GetPrototype(rpc.input_type)(), descriptor_pool=pool)
        except json_format.ParseError as e:
            problems.append(f"README curl: the body for {service}/{method} is not a "
                            f"{rpc.input_type.full_name}: {e}")
    return problems


def descriptor_problems(path, services):
    """deploy/envoy/shop_api.pb defines exactly the services and methods of protos/."""
    files = descriptor_pb2.FileDescriptorSet()
    try:
        with open(path, "rb") as f:
            files.ParseFromString(f.read())
    except (OSError, message.DecodeError) as e:
        return [f"{DESCRIPTOR_FILE}: not a descriptor set: {e}"]
    defined = {f"{file.package}.{service.name}": [m.name for m in service.method]
               for file in files.file for service in file.service}
    messages = {f"{file.package}.{m.name}" for file in files.file for m in file.message_type}
    missing = sorted({"google.rpc.Status", "google.rpc.BadRequest", "google.rpc.ErrorInfo",
                      "google.rpc.RetryInfo"} - messages)
    if missing:
        return [f"{DESCRIPTOR_FILE} lacks {missing}: convert_grpc_status cannot print error details"]
    if defined != services:
        return [f"{DESCRIPTOR_FILE} defines {defined}, not the services of protos/ {services}: "
                "cmake --build build --target update_envoy_descriptor"]
    return []


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


# --- Caller identity: JWT, identity headers, operator-only methods ---------------------------

def typed(filters):
    """[(index, @type, typed_config)] of a filter list."""
    return [(i, f.get("typed_config", {}).get("@type"), f.get("typed_config", {})) for i, f in enumerate(filters)]


def removed_headers(mutations):
    return {m["remove"].lower() for m in mutations if "remove" in m}


def jwks_problems(name, text):
    """The key set jwt_authn reads: public keys only, each naming an allowed alg."""
    try:
        keys = json.loads(text).get("keys")
    except (ValueError, AttributeError) as e:
        return [f"JWKS {name} is not a JSON key set: {e}"]
    if not isinstance(keys, list) or not keys:
        return [f"JWKS {name} has no keys"]
    problems = []
    for key in keys:
        kid = key.get("kid")
        private = sorted(JWK_PRIVATE_MEMBERS & set(key))
        if private:
            problems.append(f"JWKS {name}: key {kid} holds private members {private}")
        kty, crv = JWT_KEY_TYPES.get(key.get("alg"), (None, None))
        # A key without alg would verify any algorithm of its type (RS384, PS256, ...).
        if kty is None or key.get("kty") != kty or (crv and key.get("crv") != crv):
            problems.append(f"JWKS {name}: key {kid} is {key.get('kty')}/{key.get('alg')}, not one of "
                            f"{', '.join(f'{t}/{a}' for a, (t, _) in JWT_KEY_TYPES.items())} (the algorithm "
                            f"allowlist is the key set's)")
        if not kid or key.get("use", "sig") != "sig":
            problems.append(f"JWKS {name}: key {kid} has no kid or is not a signing key (use: sig)")
    return problems


def auth_problems(bootstrap, files):
    """The JWT contract on the gRPC listener: identity headers a client sent are removed
    before jwt_authn; one provider with the agreed issuer, audience, exp, Bearer header only,
    claims to the identity headers, token not forwarded; a missing token passes, a failed one
    not; operator-only methods refused without the operator role (RBAC on the verified
    payload); local replies answer UNAUTHENTICATED / PERMISSION_DENIED; the Authorization
    header never reaches a service."""
    listener = next((l for l in bootstrap.get("static_resources", {}).get("listeners", [])
                     if socket_address(l.get("address")) == GRPC_LISTENER), None)
    hcm = next(connection_managers(listener), None) if listener else None
    if hcm is None:
        return []
    problems = []
    filters = typed(hcm.get("http_filters", []))
    at = {kind: i for i, kind, _ in reversed(filters)}
    jwt = next((config for _, kind, config in filters if kind == JWT_AUTHN), None)
    if jwt is None:
        return ["gRPC listener: no jwt_authn filter (caller identity is never verified)"]

    early = {h for e in hcm.get("early_header_mutation_extensions", [])
             if e.get("typed_config", {}).get("@type") == EARLY_HEADER_MUTATION
             for h in removed_headers(e["typed_config"].get("mutations", []))}
    before = {h for i, kind, config in filters if kind == HEADER_MUTATION_FILTER and i < at[JWT_AUTHN]
              for h in removed_headers(config.get("mutations", {}).get("request_mutations", []))}
    for header in IDENTITY_HEADERS:
        if header not in early | before:
            problems.append(f"gRPC listener: a client's {header} is not removed before jwt_authn (it would reach "
                            f"the services beside or instead of the verified one)")
    route_config = hcm.get("route_config", {})
    levels = [("route_config", route_config)] + [
        (f"virtual host {h.get('name')}", h) for h in route_config.get("virtual_hosts", [])] + [
        (f"route {r.get('match')}", r) for h in route_config.get("virtual_hosts", []) for r in h.get("routes", [])]
    for where, level in levels:
        late = {h.lower() for h in level.get("request_headers_to_remove", [])} & set(IDENTITY_HEADERS)
        if late:
            problems.append(f"gRPC listener: {where} removes {sorted(late)} in the router, after jwt_authn added "
                            f"the verified ones")
    if "authorization" not in {h.lower() for h in route_config.get("request_headers_to_remove", [])}:
        problems.append("gRPC listener: a client's Authorization header can reach the services "
                        "(route_config.request_headers_to_remove lacks authorization)")

    providers = jwt.get("providers", {})
    if len(providers) != 1:
        problems.append(f"jwt_authn: {len(providers)} providers, not the one of issuer {JWT_ISSUER}")
    for name, provider in providers.items():
        where = f"jwt_authn provider {name}"
        if provider.get("issuer") != JWT_ISSUER or provider.get("audiences") != JWT_AUDIENCES:
            problems.append(f"{where}: issuer {provider.get('issuer')} / audiences {provider.get('audiences')} are "
                            f"not {JWT_ISSUER} / {JWT_AUDIENCES}")
        if not provider.get("require_expiration") and "max_lifetime" not in provider:
            problems.append(f"{where}: a token without exp is accepted (require_expiration)")
        if provider.get("from_params") or provider.get("from_cookies") or provider.get("from_headers") != [
                {"name": "authorization", "value_prefix": "Bearer "}]:
            problems.append(f"{where}: tokens are read from somewhere else than 'Authorization: Bearer'")
        if provider.get("forward"):
            problems.append(f"{where}: forwards the token to the services (forward: true)")
        claims = {c["header_name"].lower(): c["claim_name"] for c in provider.get("claim_to_headers", [])}
        if claims != IDENTITY_HEADERS:
            problems.append(f"{where}: claim_to_headers {claims}, not {IDENTITY_HEADERS}")
        jwks = provider.get("local_jwks", {}).get("filename")
        if jwks is None or os.path.basename(jwks) not in files:
            problems.append(f"{where}: local_jwks {jwks} is not a file of deploy/envoy")
    rules = jwt.get("rules", [])
    if not any(r.get("match") == {"prefix": "/"} for r in rules):
        problems.append("jwt_authn: no rule for every path (match prefix /)")
    for rule in rules:
        text = json.dumps(rule.get("requires", {}))
        if "allow_missing_or_failed" in text or not any(f'"provider_name": "{n}"' in text for n in providers):
            problems.append(f"jwt_authn: rule {rule.get('match')} lets a failed token through "
                            f"(no provider required, or allow_missing_or_failed)")

    rbac = next(((i, config) for i, kind, config in filters if kind == RBAC), None)
    if rbac is None or not at[JWT_AUTHN] < rbac[0] < at.get(ROUTER, len(filters)):
        problems.append("gRPC listener: no RBAC filter between jwt_authn and the router")
    else:
        rules = rbac[1].get("rules", {})
        policies = rules.get("policies", {}).values() if rules.get("action") == "DENY" else []
        payload = next(iter(providers.values()), {}).get("payload_in_metadata")
        operator = {"not_id": {"metadata": {
            "filter": "envoy.filters.http.jwt_authn", "path": [{"key": payload}, {"key": "role"}],
            "value": {"string_match": {"exact": OPERATOR_ROLE}}}}}
        for path in OPERATOR_ONLY:
            if not any({"url_path": {"path": {"exact": path}}} in p.get("permissions", [])
                       and p.get("principals") == [operator] for p in policies):
                problems.append(f"RBAC: {path} is not refused without the role {OPERATOR_ROLE} in the verified "
                                f"token (a DENY policy: url_path exact, principals not_id jwt_authn metadata "
                                f"{payload}.role)")
        if not any({"header": {"name": "authorization", "present_match": True}} in p.get("permissions", [])
                   for p in policies):
            problems.append("RBAC: an Authorization header that is not a Bearer token is served as anonymous "
                            "(the HAProxy gateway refuses it)")

    mappers = hcm.get("local_reply_config", {}).get("mappers", [])

    def grpc_status(mapper):
        return next((h["header"].get("value") for h in mapper.get("headers_to_add", [])
                     if h["header"]["key"].lower() == "grpc-status"), None)

    for code, status in LOCAL_REPLY_STATUSES.items():
        first = next((m for m in mappers if m.get("filter", {}).get("status_code_filter", {}).get(
            "comparison", {}).get("value", {}).get("default_value") == code), None)
        if first is None or grpc_status(first) != status:
            problems.append(f"gRPC listener: a local {code} is not answered with grpc-status {status} "
                            f"(local_reply_config mapper)")
    return problems


# --- TLS (envoy-tls.yaml) ----------------------------------------------------------------------

def without_transport_sockets(bootstrap):
    """A copy without the listeners' and clusters' transport sockets."""
    copy = json.loads(json.dumps(bootstrap))
    resources = copy.get("static_resources", {})
    for listener in resources.get("listeners", []):
        for chain in listener.get("filter_chains", []):
            chain.pop("transport_socket", None)
    for cluster in resources.get("clusters", []):
        cluster.pop("transport_socket", None)
    return copy


def first_difference(a, b, path=""):
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if a.get(key) != b.get(key):
                return first_difference(a.get(key), b.get(key), f"{path}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return path or "."


def sds_problems(where, configs, files, schema):
    """Each SDS config reads a deploy/envoy file holding exactly one Secret of its name (Envoy
    refuses others), valid against Envoy's API, watching the directory of its files."""
    problems = []
    for config in configs:
        name, source = config.get("name"), config.get("sds_config", {}).get("path_config_source", {})
        if not source.get("path") or not source.get("watched_directory"):
            problems.append(f"{where}: SDS {name} is not file-based with a watched_directory (Kubernetes swaps "
                            f"mounted files by a directory move)")
            continue
        text = files.get(os.path.basename(source["path"]))
        resources = (yaml.safe_load(text) or {}).get("resources", []) if text else []
        if len(resources) != 1 or resources[0].get("name") != name \
                or resources[0].get("@type") != TYPE_PREFIX + SDS_SECRET:
            problems.append(f"{where}: SDS {name}: {source['path']} is not a deploy/envoy file with one "
                            f"{SDS_SECRET} named {name}")
            continue
        resource = {k: v for k, v in resources[0].items() if k != "@type"}
        secret, found = parse(yaml.safe_dump(resource), schema, SDS_SECRET)
        problems += [f"{where}: SDS {name}: {p}" for p in found]
        if secret is None:
            continue
        files_read = {os.path.dirname(v) for k, v in flatten(secret) if k == "filename"}
        watched = {v for k, v in flatten(secret) if k == "path"}
        if files_read and watched != files_read:
            problems.append(f"{where}: SDS {name} reads files in {sorted(files_read)} but watches {sorted(watched)}: "
                            f"a renewed certificate would not be reloaded")
    return problems


def flatten(value):
    """(key, value) of every scalar in a nested dict/list."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from flatten(v) if isinstance(v, (dict, list)) else [(k, v)]
    elif isinstance(value, list):
        for v in value:
            yield from flatten(v)


def tls_problems(bootstrap, files, schema):
    """TLS on the gRPC listener (certificate by file SDS, ALPN h2, TLS >= 1.2) and mutual TLS to
    each service (SNI and the checked DNS name = its agreed address, a CA, a client
    certificate, ALPN h2)."""
    problems = []
    resources = bootstrap.get("static_resources", {})
    listener = next((l for l in resources.get("listeners", [])
                     if socket_address(l.get("address")) == GRPC_LISTENER), {})
    for chain in listener.get("filter_chains", []) or [{}]:
        context = chain.get("transport_socket", {}).get("typed_config", {})
        if context.get("@type") != DOWNSTREAM_TLS:
            problems.append("gRPC listener: a filter chain without TLS (DownstreamTlsContext)")
            continue
        common = context.get("common_tls_context", {})
        if "h2" not in common.get("alpn_protocols", []) or common.get("tls_params", {}).get(
                "tls_minimum_protocol_version") not in ("TLSv1_2", "TLSv1_3"):
            problems.append("gRPC listener: TLS without ALPN h2 (gRPC clients need it) or below TLS 1.2")
        configs = common.get("tls_certificate_sds_secret_configs", [])
        if not configs:
            problems.append("gRPC listener: no certificate from SDS (inline ones are never reloaded)")
        problems += sds_problems("gRPC listener", configs, files, schema)
    clusters = {c["name"]: c for c in resources.get("clusters", [])}
    for service, (name, host) in AGREED_BACKENDS.items():
        context = clusters.get(name, {}).get("transport_socket", {}).get("typed_config", {})
        if context.get("@type") != UPSTREAM_TLS:
            problems.append(f"cluster {name}: no TLS to {service} (UpstreamTlsContext)")
            continue
        common = context.get("common_tls_context", {})
        combined = common.get("combined_validation_context", {})
        sans = combined.get("default_validation_context", {}).get("match_typed_subject_alt_names", [])
        if context.get("sni") != host or sans != [{"san_type": "DNS", "matcher": {"exact": host}}]:
            problems.append(f"cluster {name}: SNI {context.get('sni')} / checked names {sans} are not DNS {host}")
        ca = combined.get("validation_context_sds_secret_config")
        client = common.get("tls_certificate_sds_secret_configs", [])
        if ca is None or not client:
            problems.append(f"cluster {name}: mutual TLS needs a CA (validation_context_sds_secret_config) and a "
                            f"client certificate (tls_certificate_sds_secret_configs)")
        if common.get("alpn_protocols") != ["h2"]:
            problems.append(f"cluster {name}: ALPN {common.get('alpn_protocols')}, not [h2] (gRPC servers refuse "
                            f"a TLS handshake without h2)")
        problems += sds_problems(f"cluster {name}", client + ([ca] if ca else []), files, schema)
    return problems


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


def json_edit(change):
    """A structural edit of a JSON file (the JWKS)."""
    def mutate(text):
        doc = json.loads(text)
        change(doc)
        return json.dumps(doc, indent=2)
    return mutate


def jwt_provider(doc):
    return http_filter(doc, "JwtAuthentication")["typed_config"]["providers"]["shop_auth"]


def rbac_policies(doc):
    return http_filter(doc, "rbac.v3.RBAC")["typed_config"]["rules"]["policies"]


def move_rbac_first(doc):
    filters = hcm_at(doc, GRPC_LISTENER[1])["http_filters"]
    filters.insert(0, filters.pop(next(i for i, f in enumerate(filters) if f["name"] == "envoy.filters.http.rbac")))


def http_filter(doc, type_suffix):
    return next(f for f in hcm_at(doc, GRPC_LISTENER[1])["http_filters"]
                if f["typed_config"]["@type"].endswith(type_suffix))


RECOMMENDER, TRANSLATOR, SUPPORT_BOT = AGREED_BACKENDS

# (what is broken, how, a regular expression the rejection must match[, the file broken:
# envoy.yaml unless named])
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
    ("no retry on cancelled",
     edit(lambda d: route_of(d, SUPPORT_BOT)["route"]["retry_policy"].update(
         retry_on="unavailable,connect-failure")),
     r"no retry on cancelled"),
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
    ("JSON transcoder misses a service",
     edit(lambda d: http_filter(d, "GrpcJsonTranscoder")["typed_config"]["services"].pop()),
     r"grpc_json_transcoder serves .*, not the services of protos/"),
    ("JSON transcoder without auto_mapping",
     edit(lambda d: http_filter(d, "GrpcJsonTranscoder")["typed_config"].pop("auto_mapping")),
     r"auto_mapping is off"),
    ("JSON transcoder reads a descriptor that is not mounted",
     substitute(r"proto_descriptor: /etc/envoy/shop_api\.pb", "proto_descriptor: /etc/envoy/api.pb"),
     r"grpc_json_transcoder reads '/etc/envoy/api\.pb', not the mounted"),
    ("JSON transcoder with a misspelled field",
     substitute(r"convert_grpc_status: true", "convert_grpc_statuss: true"),
     r'no field named "convert_grpc_statuss"'),
    ("no access log", edit(lambda d: hcm_at(d, GRPC_LISTENER[1]).pop("access_log")), r"no access log"),
    # Caller identity.
    ("client identity headers not stripped",
     edit(lambda d: hcm_at(d, GRPC_LISTENER[1]).pop("early_header_mutation_extensions")),
     r"a client's x-shop-customer-id is not removed before jwt_authn"),
    ("identity headers stripped in the router instead",
     edit(lambda d: hcm_at(d, GRPC_LISTENER[1]).pop("early_header_mutation_extensions") and
          hcm_at(d, GRPC_LISTENER[1])["route_config"]["request_headers_to_remove"].extend(IDENTITY_HEADERS)),
     r"route_config removes \['x-shop-customer-id', 'x-shop-roles'\] in the router, after jwt_authn"),
    ("another issuer", substitute(r"issuer: https://auth\.shop\.example", "issuer: https://auth.example.com"),
     r"issuer https://auth\.example\.com / audiences \['shop-ai'\] are not"),
    ("exp not required", edit(lambda d: jwt_provider(d).pop("require_expiration")),
     r"a token without exp is accepted"),
    ("token also read from a query parameter", edit(lambda d: jwt_provider(d).update(from_params=["access_token"])),
     r"tokens are read from somewhere else than 'Authorization: Bearer'"),
    ("token forwarded to the services", edit(lambda d: jwt_provider(d).update(forward=True)),
     r"forwards the token to the services"),
    ("role claim not forwarded", edit(lambda d: jwt_provider(d)["claim_to_headers"].pop()),
     r"claim_to_headers \{'x-shop-customer-id': 'sub'\}, not"),
    ("failed token let through",
     edit(lambda d: http_filter(d, "JwtAuthentication")["typed_config"]["rules"][0].update(
         requires={"allow_missing_or_failed": {}})),
     r"jwt_authn: rule \{'prefix': '/'\} lets a failed token through"),
    ("DeleteUser open to everyone", edit(lambda d: rbac_policies(d).pop("operator-only-methods")),
     r"RBAC: /shop\.recommender\.v1\.Recommender/DeleteUser is not refused without the role operator"),
    ("RBAC before jwt_authn", edit(move_rbac_first), r"no RBAC filter between jwt_authn and the router"),
    ("invalid token answered as INTERNAL",
     edit(lambda d: next(m for m in hcm_at(d, GRPC_LISTENER[1])["local_reply_config"]["mappers"]
                         if "status_code_filter" in m["filter"])["headers_to_add"][0]["header"].update(value="13")),
     r"a local 401 is not answered with grpc-status 16"),
    ("Authorization header forwarded",
     edit(lambda d: hcm_at(d, GRPC_LISTENER[1])["route_config"].pop("request_headers_to_remove")),
     r"a client's Authorization header can reach the services"),
    ("non-Bearer Authorization served as anonymous",
     edit(lambda d: rbac_policies(d).pop("authorization-not-a-bearer-token")),
     r"not a Bearer token is served as anonymous"),
    ("JWKS key without alg", json_edit(lambda d: d["keys"][0].pop("alg")),
     r"JWKS jwks\.json: key example-rs256-private-key-discarded is RSA/None", "jwks.json"),
    ("JWKS with an HMAC secret",
     json_edit(lambda d: d["keys"].append({"kty": "oct", "alg": "HS256", "kid": "hmac", "k": "c2VjcmV0"})),
     r"JWKS jwks\.json: key hmac holds private members \['k'\]", "jwks.json"),
    ("JWKS file not in deploy/envoy",
     substitute(r"filename: /etc/shop/jwks/jwks\.json", "filename: /etc/shop/jwks/keys.json"),
     r"local_jwks /etc/shop/jwks/keys\.json is not a file of deploy/envoy"),
    ("plaintext config with a transport socket",
     edit(lambda d: cluster_of(d, "recommender").update(transport_socket={
         "name": "envoy.transport_sockets.raw_buffer", "typed_config": {
             "@type": TYPE_PREFIX + "envoy.extensions.transport_sockets.raw_buffer.v3.RawBuffer"}})),
     r"envoy\.yaml: has transport sockets: it is the plaintext config"),
    # TLS (prod).
    ("TLS config's listener in plaintext",
     edit(lambda d: d["static_resources"]["listeners"][0]["filter_chains"][0].pop("transport_socket")),
     r"envoy-tls\.yaml: gRPC listener: a filter chain without TLS", TLS),
    ("upstream TLS checks another service's name",
     edit(lambda d: cluster_of(d, "recommender")["transport_socket"]["typed_config"]["common_tls_context"]
          ["combined_validation_context"]["default_validation_context"]["match_typed_subject_alt_names"][0]
          ["matcher"].update(exact="translator.shop.svc.cluster.local")),
     r"cluster recommender: SNI recommender\.shop\.svc\.cluster\.local / checked names .* are not DNS", TLS),
    ("upstream TLS without a client certificate",
     edit(lambda d: cluster_of(d, "support_bot")["transport_socket"]["typed_config"]["common_tls_context"]
          .pop("tls_certificate_sds_secret_configs")),
     r"cluster support_bot: mutual TLS needs a CA .* and a client certificate", TLS),
    ("upstream TLS without ALPN h2",
     edit(lambda d: cluster_of(d, "translator")["transport_socket"]["typed_config"]["common_tls_context"]
          .pop("alpn_protocols")),
     r"cluster translator: ALPN None, not \[h2\]", TLS),
    ("TLS config drifted from the plaintext one", substitute(r"max_stream_duration: 5s", "max_stream_duration: 6s"),
     r"envoy-tls\.yaml: differs from envoy\.yaml beyond transport sockets, at .*max_stream_duration", TLS),
    ("SDS file names another secret", substitute(r"name: upstream_ca", "name: upstream-ca"),
     r"SDS upstream_ca: /etc/envoy/sds-upstream-ca\.yaml is not a deploy/envoy file with one", "sds-upstream-ca.yaml"),
    ("SDS watches another directory", substitute(r"watched_directory: \{ path: /etc/shop/tls/listener \}",
                                                 "watched_directory: { path: /etc/shop/tls }"),
     r"SDS listener_cert reads files in \['/etc/shop/tls/listener'\] but watches \['/etc/shop/tls'\]",
     "sds-listener-cert.yaml"),
    ("SDS file with a misspelled field", substitute(r"certificate_chain:", "certificate_chian:"),
     r'SDS upstream_client_cert: not a valid .*Secret: .*no field named "certificate_chian"',
     "sds-upstream-client-cert.yaml"),
]


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default=os.path.join(ENVOY_DIR, PLAIN), help="the plaintext config")
    parser.add_argument("--tls_config", default=os.path.join(ENVOY_DIR, TLS),
                        help="the same with TLS (prod); JWKS and SDS files are read from deploy/envoy")
    parser.add_argument("--protos", default=os.path.join(REPO_ROOT, "protos"))
    parser.add_argument("--work_dir", default=os.path.join(REPO_ROOT, "build", "envoy_validate"),
                        help="npm install, descriptor sets and broken copies (default: %(default)s)")
    parser.add_argument("--skip_broken_copies", action="store_true",
                        help="only validate the configs (e.g. edited copies)")
    parser.add_argument("--descriptor_set", default="",
                        help="the build's API descriptor set (build/protos/shop_api.pb): "
                             f"deploy/envoy/{DESCRIPTOR_FILE} must be equal to it")
    args = parser.parse_args()

    try:
        schema = Schema(load_pool(build_envoy_descriptors(args.work_dir)))
        services = proto_services(args.protos, args.work_dir)
        files = {}
        for name in sorted(os.listdir(ENVOY_DIR)):
            if name.endswith((".yaml", ".json")) and name != "kustomization.yaml":
                with open(os.path.join(ENVOY_DIR, name), encoding="utf-8") as f:
                    files[name] = f.read()
        for name, path in ((PLAIN, args.config), (TLS, args.tls_config)):
            with open(path, encoding="utf-8") as f:
                files[name] = f.read()
        broken = [] if args.skip_broken_copies else [
            (what, where[0] if where else PLAIN, mutate(files[where[0] if where else PLAIN]), want)
            for what, mutate, want, *where in BROKEN_COPIES]
    except (SetupError, OSError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 2

    failures = 0
    descriptor = os.path.join(ENVOY_DIR, DESCRIPTOR_FILE)
    for readme in (os.path.join(ENVOY_DIR, "README.md"), os.path.join(REPO_ROOT, "README.md")):
        curl = readme_curl_problems(readme, descriptor)
        for problem in curl:
            print(f"FAIL: {os.path.relpath(readme, REPO_ROOT)}: {problem}")
        failures += bool(curl)
        if not curl:
            print(f"ok: every curl example of {os.path.relpath(readme, REPO_ROOT)} sends a valid "
                  "request of its method")
    # The check can fail: a misspelled field and an unknown method in a copy.
    with open(os.path.join(ENVOY_DIR, "README.md"), encoding="utf-8") as f:
        readme_text = f.read()
    for what, broken_text in (("misspelled field", readme_text.replace('"targetLanguage"', '"targetLanguag"')),
                              ("unknown method", readme_text.replace("/Translate ", "/Translat "))):
        path = os.path.join(args.work_dir, "broken_readme.md")
        with open(path, "w", encoding="utf-8") as f:
            f.write(broken_text)
        if not readme_curl_problems(path, descriptor):
            print(f"FAIL: a README curl example with a {what} was accepted")
            failures += 1
    if args.descriptor_set:
        with open(args.descriptor_set, "rb") as f, \
                open(os.path.join(ENVOY_DIR, DESCRIPTOR_FILE), "rb") as g:
            if f.read() != g.read():
                print(f"FAIL: deploy/envoy/{DESCRIPTOR_FILE} is not the build's "
                      f"{args.descriptor_set}: cmake --build build --target update_envoy_descriptor")
                failures += 1
            else:
                print(f"ok: deploy/envoy/{DESCRIPTOR_FILE} is the build's descriptor set")
    problems = validate(files, schema, services)
    for name, problem in problems:
        print(f"FAIL: {name}: {problem}")
    failures += bool(problems)
    if not problems:
        print(f"ok: {args.config} and {args.tls_config} are valid {BOOTSTRAP}s routing "
              f"{', '.join(sorted(services))}, equal but for TLS, with the JWT contract; "
              f"their JWKS and SDS files are valid")

    broken_dir = os.path.join(args.work_dir, "broken")
    if broken:
        shutil.rmtree(broken_dir, ignore_errors=True)
        os.makedirs(broken_dir)
    for what, name, broken_text, want in broken:
        path = os.path.join(broken_dir, re.sub(r"\W+", "_", what) + os.path.splitext(name)[1])
        with open(path, "w", encoding="utf-8") as f:
            f.write(broken_text)  # kept for a look at what was rejected
        problems = validate(dict(files, **{name: broken_text}), schema, services)
        if not rejected_as_expected(what, [f"{n}: {p}" for n, p in problems], want, where=path):
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
