#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""deploy/k8s renders, its objects are valid Kubernetes objects, and they agree with the
services' flags, the Envoy config and the Dockerfiles.

`kubectl kustomize` renders the base and the overlays dev and prod. Every object is checked
against the schemas of the npm packages kubernetes-models and
@kubernetes-models/prometheus-operator (pinned in deploy/k8s/validate/package-lock.json,
`npm ci` into the work dir, cached by a stamp) by deploy/k8s/validate/validate.mjs: type
errors, missing required fields, misspelled field names and unknown kinds fail.

Then the objects are cross-checked: names and ports agreed with the other parts (namespace
shop, headless Services with ports grpc 50051 / metrics 9090, shop-gateway, redis); Service,
PDB and ServiceMonitor selectors select something, with the named ports; HPAs target
Deployments; the NetworkPolicy lets in the clients named by address flags; each service's
probes are native gRPC probes on its SHOP_PORT and its health name (from protos/); every
SHOP_* variable is a flag of that binary with a valid value;
terminationGracePeriodSeconds > preStop + shutdown_delay + drain_deadline; threads match the
CPU limit (workers x intra-op = cores, OMP_NUM_THREADS = intra-op, Envoy's concurrency =
cores); the restricted security context; every Envoy cluster address in
deploy/envoy/envoy.yaml names a Service and port of the render, backed by the right health
name; image names, user ids and paths agree with deploy/docker/*.Dockerfile.

Finally broken copies (a type error, a misspelled field, a probe on the wrong port, threads
above the CPU limit, ...) must each be rejected for their own reason, one of them edited in
an overlay on disk and rendered again.

--also_kubectl renders with a second kubectl too (e.g. Debian's 1.20, kustomize v2.0.3) and
requires the same objects. --live RECOMMENDER TRANSLATOR SUPPORT_BOT instead starts the built
binaries with the dev ConfigMaps as their environment (and a local redis-server) and probes
them as the kubelet would (see live()).

Exits 0 when all of that holds, 1 otherwise, 2 when the tools cannot be set up."""
import argparse
import copy
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

import yaml

from broken_copies import rejected_as_expected

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S_DIR = os.path.join(REPO_ROOT, "deploy", "k8s")
VALIDATE_DIR = os.path.join(K8S_DIR, "validate")
ENVOY_YAML = os.path.join(REPO_ROOT, "deploy", "envoy", "envoy.yaml")
DOCKER_DIR = os.path.join(REPO_ROOT, "deploy", "docker")
RENDERS = ("base", "overlays/dev", "overlays/prod")

NAMESPACE = "shop"
# Deployment = headless Service = image name -> the folder of its API in protos/.
SERVICES = {
    "recommender": "protos/shop/recommender/v1",
    "translator": "protos/shop/translator/v1",
    "support-bot": "protos/shop/supportbot/v1",
}
SERVICE_PORTS = {"grpc": 50051, "metrics": 9090}
GATEWAY = ("envoy-gateway", "shop-gateway", {"grpc": 8080, "metrics": 9902})
REDIS = ("redis", 6379)
# Writes a SQLite file that no second process may share (base/support-bot.yaml).
SINGLE_WRITER = "support-bot"
FLAG_FILES = ["common/server/server_options.cc", "common/inference/inference_options.cc"]


class SetupError(Exception):
    pass


def run(cmd, cwd=None):
    result = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if result.returncode != 0:
        raise SetupError(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    return result.stdout


# --- tools --------------------------------------------------------------------------------

def install_validator(work_dir):
    """npm ci of the pinned schema packages into work_dir/npm, unless done for this lock."""
    npm_dir = os.path.join(work_dir, "npm")
    os.makedirs(npm_dir, exist_ok=True)
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        with open(os.path.join(VALIDATE_DIR, name), "rb") as f:
            digest.update(f.read())
    stamp_path = os.path.join(npm_dir, ".stamp")
    with open(os.path.join(work_dir, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # a parallel run waits instead of sharing a half install
        # ESM resolves packages beside the importing file, so the script sits in npm_dir too.
        shutil.copy(os.path.join(VALIDATE_DIR, "validate.mjs"), npm_dir)
        if os.path.exists(stamp_path) and open(stamp_path).read().strip() == digest.hexdigest():
            return os.path.join(npm_dir, "validate.mjs")
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(VALIDATE_DIR, name), npm_dir)
        print(f"npm ci in {npm_dir} (kubernetes-models, for the Kubernetes schemas)", flush=True)
        run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--prefer-offline"], cwd=npm_dir)
        with open(stamp_path, "w") as f:
            f.write(digest.hexdigest() + "\n")
    return os.path.join(npm_dir, "validate.mjs")


def render(kubectl, directory):
    return [o for o in yaml.safe_load_all(run([kubectl, "kustomize", directory])) if o]


def schema_errors(validator, work_dir, entries):
    """{id: [errors]} for [(id, object)], from one run of validate.mjs."""
    path = os.path.join(work_dir, "objects.json")
    with open(path, "w") as f:
        json.dump([{"id": i, "object": o} for i, o in entries], f)
    result = subprocess.run(["node", validator, path], capture_output=True, text=True)
    errors = {}
    for line in result.stdout.splitlines():
        entry = json.loads(line)
        errors[entry["id"]] = entry["errors"]
    if len(errors) != len(entries):
        raise SetupError(f"node {validator} answered for {len(errors)} of {len(entries)} objects:\n"
                         f"{result.stderr}")
    return errors


# --- what the repository says --------------------------------------------------------------

def health_names():
    """Deployment -> its gRPC service's full name, which is also its health service name."""
    names = {}
    for name, folder in SERVICES.items():
        text = "".join(open(os.path.join(REPO_ROOT, folder, f)).read()
                       for f in sorted(os.listdir(os.path.join(REPO_ROOT, folder))))
        package = re.search(r"^package\s+([\w.]+)\s*;", text, re.M).group(1)
        service = re.search(r"^service\s+(\w+)", text, re.M).group(1)
        names[name] = f"{package}.{service}"
    return names


def binary_flags(name):
    """--flag -> C++ type for the binary `name`: the common flags and its main.cc's."""
    flags = {}
    for path in FLAG_FILES + [f"services/{name}/main.cc"]:
        text = open(os.path.join(REPO_ROOT, path)).read()
        flags.update((f, t) for t, f in re.findall(r"ABSL_FLAG\(\s*([\w:]+)\s*,\s*(\w+)\s*,", text))
    return flags


def dockerfile(name):
    """The facts deploy/docker/<name>.Dockerfile states about its image."""
    path = os.path.join(DOCKER_DIR, f"{name}.Dockerfile")
    if not os.path.exists(path):
        return None
    text = re.sub(r"\\\n", " ", open(path).read())
    lines = [l.strip() for l in text.splitlines() if l.strip() and not l.lstrip().startswith("#")]
    stages, current = [], None
    for line in lines:
        word, _, rest = line.partition(" ")
        if word.upper() == "FROM":
            current = {"from": rest.split()[0], "lines": []}
            stages.append(current)
        elif current is not None:
            current["lines"].append((word.upper(), rest.strip()))
    final = stages[-1]["lines"] if stages else []
    facts = {"path": path, "stages": stages, "copies": [], "env": {}, "labels": {},
             "user": None, "entrypoint": None}
    for word, rest in final:
        if word == "COPY":
            facts["copies"].append(rest.split()[-1])
        elif word in ("ENV", "LABEL"):
            for key, value in re.findall(r'([\w.]+)=("[^"]*"|\S+)', rest):
                facts["env" if word == "ENV" else "labels"][key] = value.strip('"')
        elif word == "USER":
            facts["user"] = rest
        elif word == "ENTRYPOINT":
            facts["entrypoint"] = json.loads(rest)[0]
    return facts


# --- values ---------------------------------------------------------------------------------

DURATION = re.compile(r"^(?:(\d+(?:\.\d+)?)(ns|us|ms|s|m|h))+$")
DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def seconds(text):
    if text == "0":
        return 0.0
    if not DURATION.match(text):
        raise ValueError(f"{text!r} is not a duration")
    return sum(float(n) * DURATION_UNITS[u] for n, u in re.findall(r"(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)", text))


def flag_value_ok(cpp_type, value):
    if cpp_type in ("int", "int64_t", "int32_t", "uint64_t"):
        return re.fullmatch(r"-?\d+", value) is not None
    if cpp_type == "bool":
        return value.lower() in ("true", "false", "1", "0", "yes", "no", "t", "f", "y", "n")
    if cpp_type in ("double", "float"):
        return re.fullmatch(r"-?\d+(\.\d*)?([eE][-+]?\d+)?", value) is not None
    if cpp_type == "absl::Duration":
        return value == "0" or value == "inf" or DURATION.match(value) is not None
    return True


def cores(quantity):
    """CPU quantity ("2", "500m") -> cores."""
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_bytes(quantity):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", str(quantity))
    return float(match.group(1)) * units.get(match.group(2), 1)


def matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


# --- the rendered objects -------------------------------------------------------------------

class Render:
    def __init__(self, objects):
        self.objects = objects

    def of(self, kind):
        return [o for o in self.objects if o.get("kind") == kind]

    def get(self, kind, name):
        return next((o for o in self.of(kind) if o["metadata"]["name"] == name), None)

    def pod_labels(self, deployment):
        return deployment["spec"]["template"]["metadata"].get("labels", {})

    def selected_deployments(self, selector):
        return [d for d in self.of("Deployment") if matches(selector, self.pod_labels(d))]

    def env(self, container):
        """The container's environment: envFrom ConfigMaps, then env values."""
        env = {}
        for source in container.get("envFrom", []):
            ref = source.get("configMapRef", {}).get("name")
            config_map = self.get("ConfigMap", ref) if ref else None
            env.update((config_map or {}).get("data", {}))
        env.update((e["name"], e["value"]) for e in container.get("env", []) if "value" in e)
        return env

    def service_port(self, address):
        """'host:port' -> (Service, port entry) when host names a Service of namespace shop."""
        host, _, port = address.rpartition(":")
        parts = host.split(".")
        domain = ".".join(parts[2:])
        if len(parts) > 1 and (parts[1] != NAMESPACE or domain not in ("", "svc", "svc.cluster.local")):
            return None, None
        service = self.get("Service", parts[0])
        if service is None or not port.isdigit():
            return service, None
        return service, next((p for p in service["spec"]["ports"] if p["port"] == int(port)), None)


def container_port(container, target):
    for port in container.get("ports", []):
        if target in (port.get("name"), port["containerPort"]):
            return port["containerPort"]
    return None


def prestop_seconds(container):
    command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    return float(command[1]) if len(command) == 2 and command[0].endswith("sleep") else 0.0


def probe_window(probe):
    return probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3)


def check_namespace(r):
    problems = []
    namespace = r.get("Namespace", NAMESPACE)
    if namespace is None:
        problems.append(f"no Namespace {NAMESPACE}")
    elif namespace["metadata"].get("labels", {}).get("pod-security.kubernetes.io/enforce") != "restricted":
        problems.append(f"Namespace {NAMESPACE} does not enforce the restricted Pod Security profile")
    for o in r.objects:
        if o["kind"] != "Namespace" and o["metadata"].get("namespace") != NAMESPACE:
            problems.append(f"{o['kind']} {o['metadata']['name']} is not in namespace {NAMESPACE}")
    return problems


def check_services(r):
    problems = []
    agreed = {name: (True, SERVICE_PORTS) for name in SERVICES}
    agreed[GATEWAY[1]] = (False, GATEWAY[2])
    for name, (headless, ports) in agreed.items():
        service = r.get("Service", name)
        if service is None:
            problems.append(f"no Service {name}")
            continue
        if headless and service["spec"].get("clusterIP") != "None":
            problems.append(f"Service {name} is not headless (clusterIP: None)")
        have = {p.get("name"): p["port"] for p in service["spec"]["ports"]}
        for port_name, number in ports.items():
            if have.get(port_name) != number:
                problems.append(f"Service {name} has no port {port_name} = {number} (has {have})")
    redis = r.get("Service", REDIS[0])
    if redis is None or REDIS[1] not in [p["port"] for p in redis["spec"]["ports"]]:
        problems.append(f"no Service {REDIS[0]} with port {REDIS[1]}")
    for service in r.of("Service"):
        name, spec = service["metadata"]["name"], service["spec"]
        backends = r.selected_deployments(spec.get("selector", {}))
        if not backends:
            problems.append(f"Service {name} selects no Deployment (selector {spec.get('selector')})")
        for deployment in backends:
            containers = deployment["spec"]["template"]["spec"]["containers"]
            for port in spec["ports"]:
                target = port.get("targetPort", port["port"])
                numbers = [n for n in (container_port(c, target) for c in containers) if n]
                if not numbers:
                    problems.append(f"Service {name} port {port.get('name')}: targetPort {target} is "
                                    f"not a port of Deployment {deployment['metadata']['name']}")
                # Clients of a headless Service connect to the pods at the Service's port.
                elif spec.get("clusterIP") == "None" and port["port"] not in numbers:
                    problems.append(f"headless Service {name} port {port['port']} differs from the "
                                    f"container port {numbers[0]}")
    return problems


def check_pod(r, deployment):
    """Security context, resources, image tag, grace vs preStop, and what the pod refers to."""
    problems, name = [], deployment["metadata"]["name"]
    pod = deployment["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext", {})
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"Deployment {name}: automountServiceAccountToken is not false")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            problems.append(f"Deployment {name}: {key}")
    for c in pod["containers"] + pod.get("initContainers", []):
        sc, where = {**pod_sc, **c.get("securityContext", {})}, f"Deployment {name} container {c['name']}"
        if sc.get("runAsNonRoot") is not True or not sc.get("runAsUser"):
            problems.append(f"{where}: not runAsNonRoot with a non-zero runAsUser")
        if sc.get("allowPrivilegeEscalation") is not False or sc.get("privileged"):
            problems.append(f"{where}: privilege escalation not disabled")
        if sc.get("readOnlyRootFilesystem") is not True:
            problems.append(f"{where}: root filesystem not read-only")
        caps = sc.get("capabilities", {})
        if "ALL" not in caps.get("drop", []) or caps.get("add"):
            problems.append(f"{where}: capabilities not dropped (drop: [ALL], no add)")
        if sc.get("seccompProfile", {}).get("type") not in ("RuntimeDefault", "Localhost"):
            problems.append(f"{where}: no RuntimeDefault seccomp profile")
        resources = c.get("resources", {})
        for kind, amount in (("cpu", cores), ("memory", memory_bytes)):
            request, limit = resources.get("requests", {}).get(kind), resources.get("limits", {}).get(kind)
            if request is None or limit is None:
                problems.append(f"{where}: no {kind} request and limit")
            elif amount(request) > amount(limit):
                problems.append(f"{where}: {kind} request {request} above the limit {limit}")
        for source in c.get("envFrom", []):
            ref = source.get("configMapRef", {}).get("name")
            if ref and r.get("ConfigMap", ref) is None:
                problems.append(f"{where}: envFrom ConfigMap {ref} is not rendered")
        image = c["image"]
        if ":" not in image.rsplit("/", 1)[-1] or image.endswith(":latest"):
            problems.append(f"{where}: image {image} has no fixed tag")
        grace = pod.get("terminationGracePeriodSeconds", 30)
        if grace <= prestop_seconds(c):
            problems.append(f"{where}: terminationGracePeriodSeconds {grace} <= the preStop sleep")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    for c in pod["containers"]:
        for mount in c.get("volumeMounts", []):
            if mount["name"] not in volumes:
                problems.append(f"Deployment {name}: volumeMount {mount['name']} has no volume")
    for volume in volumes.values():
        for kind, field in (("ConfigMap", "configMap"), ("PersistentVolumeClaim", "persistentVolumeClaim")):
            if field in volume:
                ref = volume[field].get("name") or volume[field].get("claimName")
                if r.get(kind, ref) is None:
                    problems.append(f"Deployment {name}: volume {volume['name']} needs {kind} {ref}, "
                                    f"not rendered")
    return problems


def check_service_deployment(r, name, health_name, flags, hpa_targets):
    """The probes, flags, shutdown timing and threads of one service's Deployment."""
    deployment = r.get("Deployment", name)
    if deployment is None:
        return [f"no Deployment {name}"]
    problems = []
    pod = deployment["spec"]["template"]["spec"]
    container = next((c for c in pod["containers"] if c["name"] == name), pod["containers"][0])
    where = f"Deployment {name}"
    env = r.env(container)
    if not env:
        return [f"{where}: no flags (envFrom a ConfigMap)"]
    for key, value in env.items():
        if not key.startswith("SHOP_"):
            continue
        flag = key[len("SHOP_"):].lower()
        if flag not in flags:
            problems.append(f"{where}: {key} is not a flag of {name} (misspelled? it would be ignored)")
        elif not flag_value_ok(flags[flag], value):
            problems.append(f"{where}: {key}={value!r} is not a valid {flags[flag]} for --{flag}")
    for key, port_name in (("SHOP_PORT", "grpc"), ("SHOP_METRICS_PORT", "metrics")):
        if env.get(key) != str(container_port(container, port_name)):
            problems.append(f"{where}: {key}={env.get(key)} differs from its container port "
                            f"{port_name} ({container_port(container, port_name)})")
    for key in ("SHOP_LISTEN_ADDRESS", "SHOP_METRICS_ADDRESS"):
        if env.get(key) != "0.0.0.0":
            problems.append(f"{where}: {key}={env.get(key)} is not reachable from kubelet, Envoy and "
                            f"Prometheus")
    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
        grpc = container.get(probe_name, {}).get("grpc")
        if grpc is None:
            problems.append(f"{where}: {probe_name} is not a native gRPC probe")
            continue
        if str(grpc.get("port")) != env.get("SHOP_PORT"):
            problems.append(f"{where}: {probe_name} probes port {grpc.get('port')}, the server "
                            f"listens on SHOP_PORT={env.get('SHOP_PORT')}")
        if grpc.get("service") != health_name:
            problems.append(f"{where}: {probe_name} asks health service {grpc.get('service')!r}, "
                            f"the server reports {health_name!r}")
    if "startupProbe" in container and probe_window(container["startupProbe"]) < 60:
        problems.append(f"{where}: startupProbe allows under 60 s for the model to load")
    try:
        delay = seconds(env.get("SHOP_SHUTDOWN_DELAY", "0"))
        drain = seconds(env.get("SHOP_DRAIN_DEADLINE", "10s"))
    except ValueError as e:
        return problems + [f"{where}: {e}"]
    grace, prestop = pod.get("terminationGracePeriodSeconds", 30), prestop_seconds(container)
    if grace <= prestop + delay + drain:
        problems.append(f"{where}: terminationGracePeriodSeconds {grace} <= preStop {prestop:g} s + "
                        f"shutdown_delay {delay:g} s + drain_deadline {drain:g} s")
    if "livenessProbe" in container and probe_window(container["livenessProbe"]) < delay + drain:
        problems.append(f"{where}: livenessProbe fails faster than shutdown_delay + drain_deadline")
    problems += check_threads(where, container, env)
    if name == SINGLE_WRITER:
        if deployment["spec"].get("replicas") != 1 or name in hpa_targets:
            problems.append(f"{where}: a single SQLite writer must run as exactly one replica, without HPA")
        if deployment["spec"].get("strategy", {}).get("type") != "Recreate":
            problems.append(f"{where}: a single SQLite writer needs strategy Recreate (never two writers)")
    elif name not in hpa_targets:
        problems.append(f"{where}: no HorizontalPodAutoscaler")
    if name in hpa_targets and "replicas" in deployment["spec"]:
        problems.append(f"{where}: sets replicas although an HPA owns the count")
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    if "SHOP_ORDERS_DB" in env:
        directory = os.path.dirname(env["SHOP_ORDERS_DB"])
        if directory not in mounts or mounts[directory].get("readOnly"):
            problems.append(f"{where}: SHOP_ORDERS_DB={env['SHOP_ORDERS_DB']} is not on a writable "
                            f"volume (the root filesystem is read-only)")
    stores = {env.get("SHOP_HISTORY_STORE"), env.get("SHOP_SESSION_STORE")}
    addresses = ["SHOP_TRANSLATOR_ADDRESS"] + (["SHOP_REDIS_ADDRESS"] if "redis" in stores else [])
    for key in addresses:
        if env.get(key):
            service, port = r.service_port(env[key])
            if service is None or port is None:
                problems.append(f"{where}: {key}={env[key]} names no Service and port of namespace {NAMESPACE}")
    return problems


def check_threads(where, container, env):
    limit = container.get("resources", {}).get("limits", {}).get("cpu")
    if limit is None or cores(limit) != int(cores(limit)) or cores(limit) < 1:
        return [f"{where}: the CPU limit {limit} is not a whole number of cores to match threads to"]
    limit = int(cores(limit))
    try:
        workers, intra = int(env.get("SHOP_INFERENCE_WORKERS", 1)), int(env.get("SHOP_INTRA_OP_THREADS", 0))
        inter, blas = int(env.get("SHOP_INTER_OP_THREADS", 1)), int(env.get("SHOP_BLAS_THREADS", 1))
        omp = int(env.get("OMP_NUM_THREADS", 0))
    except ValueError as e:
        return [f"{where}: thread count: {e}"]
    problems = []
    if intra < 1 or workers * intra != limit:
        problems.append(f"{where}: threads: SHOP_INFERENCE_WORKERS {workers} x SHOP_INTRA_OP_THREADS "
                        f"{intra} != the CPU limit {limit}")
    if omp != intra:
        problems.append(f"{where}: OMP_NUM_THREADS {omp} != SHOP_INTRA_OP_THREADS {intra}")
    if not 1 <= inter <= limit or not 1 <= blas <= limit:
        problems.append(f"{where}: threads: inter-op {inter} / BLAS {blas} outside 1..{limit} (CPU limit)")
    return problems


def check_gateway(r, envoy_text, envoy):
    problems = []
    deployment = r.get("Deployment", GATEWAY[0])
    if deployment is None:
        return [f"no Deployment {GATEWAY[0]}"]
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    where = f"Deployment {GATEWAY[0]}"
    args = container.get("args", [])
    config_path = args[args.index("--config-path") + 1] if "--config-path" in args else None
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    mounted = None
    for mount in container.get("volumeMounts", []):
        config_map = volumes.get(mount["name"], {}).get("configMap")
        if config_map and config_path and config_path.startswith(mount["mountPath"] + "/"):
            mounted = (r.get("ConfigMap", config_map["name"]) or {}).get("data", {}).get(
                config_path[len(mount["mountPath"]) + 1:])
    if mounted != envoy_text:
        problems.append(f"{where}: --config-path {config_path} is not deploy/envoy/envoy.yaml from a ConfigMap")
    sockets = [l["address"]["socket_address"] for l in envoy["static_resources"]["listeners"]]
    sockets.append(envoy["admin"]["address"]["socket_address"])
    listeners = {s["port_value"]: s["address"] for s in sockets}
    ports = {p["containerPort"] for p in container.get("ports", [])}
    for port, address in listeners.items():
        if address == "0.0.0.0" and port not in ports:
            problems.append(f"{where}: Envoy listens on {port}, not a container port")
        if address != "0.0.0.0" and port in ports:
            problems.append(f"{where}: Envoy's loopback-only port {port} is a container port")
    limit = cores(container.get("resources", {}).get("limits", {}).get("cpu", "0"))
    concurrency = r.env(container).get("ENVOY_CONCURRENCY")
    if "$(ENVOY_CONCURRENCY)" not in args or concurrency != str(int(limit)) or limit != int(limit):
        problems.append(f"{where}: Envoy's --concurrency ({concurrency}) is not its CPU limit ({limit:g})")
    return problems


def check_envoy_clusters(r, envoy, health):
    """Each DNS cluster of envoy.yaml reaches a Service of this render, at a pod port, and its
    health check asks the name those pods report; their drain outlasts the route's timeout."""
    problems, backed = [], set()
    route_limits = {}
    for listener in envoy["static_resources"]["listeners"]:
        for chain in listener.get("filter_chains", []):
            for f in chain.get("filters", []):
                for host in f.get("typed_config", {}).get("route_config", {}).get("virtual_hosts", []):
                    for route in host.get("routes", []):
                        action = route.get("route", {})
                        limit = action.get("max_stream_duration", {}).get("max_stream_duration")
                        if "cluster" in action and limit:
                            previous = route_limits.get(action["cluster"], 0)
                            route_limits[action["cluster"]] = max(previous, seconds(limit))
    for cluster in envoy["static_resources"]["clusters"]:
        if cluster.get("type") not in ("STRICT_DNS", "LOGICAL_DNS"):
            continue
        name = cluster["name"]
        for group in cluster["load_assignment"]["endpoints"]:
            for endpoint in group["lb_endpoints"]:
                socket = endpoint["endpoint"]["address"]["socket_address"]
                address = f"{socket['address']}:{socket['port_value']}"
                if not socket["address"].endswith(f".{NAMESPACE}.svc.cluster.local"):
                    problems.append(f"Envoy cluster {name}: {address} is not a Service of namespace "
                                    f"{NAMESPACE}")
                    continue
                service, port = r.service_port(address)
                if service is None or port is None:
                    problems.append(f"Envoy cluster {name}: {address} names no Service and port of the render")
                    continue
                for deployment in r.selected_deployments(service["spec"].get("selector", {})):
                    containers = deployment["spec"]["template"]["spec"]["containers"]
                    if not any(container_port(c, socket["port_value"]) for c in containers):
                        problems.append(f"Envoy cluster {name}: pods of {deployment['metadata']['name']} "
                                        f"do not listen on {socket['port_value']}")
                    dep_name = deployment["metadata"]["name"]
                    backed.add(dep_name)
                    wanted = [hc["grpc_health_check"].get("service_name")
                              for hc in cluster.get("health_checks", []) if "grpc_health_check" in hc]
                    if dep_name in health and wanted != [health[dep_name]]:
                        problems.append(f"Envoy cluster {name}: health check asks {wanted}, pods of "
                                        f"{dep_name} report {health[dep_name]!r}")
                    env = r.env(containers[0])
                    drain = env.get("SHOP_DRAIN_DEADLINE")
                    if drain and DURATION.match(drain) and seconds(drain) < route_limits.get(name, 0):
                        problems.append(f"Envoy cluster {name}: {dep_name}'s drain_deadline {drain} is shorter "
                                        f"than the gateway's max_stream_duration {route_limits[name]:g} s")
    for name in sorted(set(SERVICES) - backed):
        problems.append(f"Deployment {name} is behind no Envoy cluster of deploy/envoy/envoy.yaml")
    return problems


def check_selectors(r):
    problems = []
    deployments = {d["metadata"]["name"] for d in r.of("Deployment")}
    for hpa in r.of("HorizontalPodAutoscaler"):
        ref, name = hpa["spec"]["scaleTargetRef"], hpa["metadata"]["name"]
        if (ref.get("kind"), ref.get("apiVersion")) != ("Deployment", "apps/v1") or ref.get("name") not in deployments:
            problems.append(f"HPA {name} targets {ref.get('kind')} {ref.get('name')}: no Deployment of the "
                            f"render")
        if hpa["spec"].get("minReplicas", 1) > hpa["spec"]["maxReplicas"]:
            problems.append(f"HPA {name}: minReplicas above maxReplicas")
    for pdb in r.of("PodDisruptionBudget"):
        if not r.selected_deployments(pdb["spec"].get("selector", {}).get("matchLabels", {})):
            problems.append(f"PodDisruptionBudget {pdb['metadata']['name']} selects no Deployment's pods")
    budgets = [p["spec"].get("selector", {}).get("matchLabels", {}) for p in r.of("PodDisruptionBudget")]
    for name in list(SERVICES) + [GATEWAY[0]]:
        deployment = r.get("Deployment", name)
        if deployment and not any(matches(b, r.pod_labels(deployment)) for b in budgets):
            problems.append(f"Deployment {name} has no PodDisruptionBudget")
    for deployment in r.of("Deployment"):
        selector = deployment["spec"]["selector"].get("matchLabels", {})
        if not matches(selector, r.pod_labels(deployment)):
            problems.append(f"Deployment {deployment['metadata']['name']}: selector does not match its "
                            f"pod labels")
    return problems


def check_network_policies(r):
    """A client of a Service (by its address flags) must be let in by the NetworkPolicies
    that guard the Service's pods."""
    problems = []
    for policy in r.of("NetworkPolicy"):
        guarded = policy["spec"].get("podSelector", {}).get("matchLabels", {})
        sources = [peer.get("podSelector", {}) for rule in policy["spec"].get("ingress", [])
                   for peer in rule.get("from", [])]
        for client in r.of("Deployment"):
            for key, value in r.env(client["spec"]["template"]["spec"]["containers"][0]).items():
                if not key.endswith("_ADDRESS") or ":" not in value:
                    continue
                service, _ = r.service_port(value)
                if service is None or not matches(guarded, service["spec"].get("selector", {})):
                    continue
                if not any(selects(s, r.pod_labels(client)) for s in sources):
                    problems.append(f"NetworkPolicy {policy['metadata']['name']} keeps out "
                                    f"{client['metadata']['name']}, which calls it ({key}={value})")
    return problems


def selects(selector, labels):
    """A LabelSelector (matchLabels and In/NotIn/Exists expressions) against pod labels."""
    if not all(labels.get(k) == v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        value, present = labels.get(e["key"]), e["key"] in labels
        if {"In": present and value in e.get("values", []), "NotIn": value not in e.get("values", []),
                "Exists": present, "DoesNotExist": not present}.get(e["operator"]) is not True:
            return False
    return True


def check_monitoring(r):
    problems, monitored = [], set()
    for monitor in r.of("ServiceMonitor"):
        name, spec = monitor["metadata"]["name"], monitor["spec"]
        selector = spec.get("selector", {}).get("matchLabels", {})
        services = [s for s in r.of("Service") if matches(selector, s["metadata"].get("labels", {}))]
        if spec.get("namespaceSelector", {}).get("matchNames", [NAMESPACE]) != [NAMESPACE] or not services:
            problems.append(f"ServiceMonitor {name} selects no Service of namespace {NAMESPACE}")
        for service in services:
            monitored.add(service["metadata"]["name"])
            port_names = {p.get("name") for p in service["spec"]["ports"]}
            for endpoint in spec.get("endpoints", []):
                if endpoint.get("port") not in port_names:
                    problems.append(f"ServiceMonitor {name}: port {endpoint.get('port')!r} is not a port of "
                                    f"Service {service['metadata']['name']}")
                wanted = "/stats/prometheus" if service["metadata"]["name"] == GATEWAY[1] else "/metrics"
                if endpoint.get("path", "/metrics") != wanted:
                    problems.append(f"ServiceMonitor {name}: path {endpoint.get('path')} is not {wanted}")
    for name in list(SERVICES) + [GATEWAY[1]]:
        if name not in monitored:
            problems.append(f"Service {name} has no ServiceMonitor")
    return problems


def check_images(r, dockerfiles):
    problems, builders = [], set()
    for name in SERVICES:
        deployment, facts = r.get("Deployment", name), dockerfiles.get(name)
        if deployment is None:
            continue
        if facts is None:
            problems.append(f"no deploy/docker/{name}.Dockerfile")
            continue
        where = f"Deployment {name} / {os.path.relpath(facts['path'], REPO_ROOT)}"
        pod = deployment["spec"]["template"]["spec"]
        container = next((c for c in pod["containers"] if c["name"] == name), pod["containers"][0])
        repository = container["image"].rsplit(":", 1)[0]
        title = facts["labels"].get("org.opencontainers.image.title")
        if not title or not (repository == title or repository.endswith("/" + title)):
            problems.append(f"{where}: image {container['image']} is not the Dockerfile's image {title}")
        sc = {**pod.get("securityContext", {}), **container.get("securityContext", {})}
        user = f"{sc.get('runAsUser')}:{sc.get('runAsGroup')}"
        if facts["user"] != user:
            problems.append(f"{where}: USER {facts['user']} differs from runAsUser:runAsGroup {user}")
        if any(s["from"] != "debian:bookworm-slim" for s in facts["stages"]) or len(facts["stages"]) < 2:
            problems.append(f"{where}: not a multi-stage build on debian:bookworm-slim")
        builder = facts["stages"][0]["lines"]
        if not any("scripts/setup.sh" in l for w, l in builder if w == "RUN") or \
                not any("scripts/build.sh" in l for w, l in builder if w == "RUN"):
            problems.append(f"{where}: the builder does not run scripts/setup.sh and scripts/build.sh")
        builders.add(json.dumps(builder))
        if facts["entrypoint"] not in facts["copies"]:
            problems.append(f"{where}: ENTRYPOINT {facts['entrypoint']} is not copied into the image")
        env = r.env(container)
        for key in ("SHOP_MODEL_ROOT", "SHOP_CATALOG", "SHOP_KB"):
            if key in env and not any(env[key] == c or env[key].startswith(c.rstrip("/") + "/")
                                      or c.startswith(env[key].rstrip("/") + "/") for c in facts["copies"]):
                problems.append(f"{where}: {key}={env[key]} is not a path the Dockerfile copies into the image")
        for key, value in facts["env"].items():
            if key in env and env[key] != value:
                problems.append(f"{where}: ENV {key}={value} differs from the ConfigMap's {env[key]}")
    if len(builders) > 1:
        problems.append("the builder stages of deploy/docker/*.Dockerfile differ (they would not share layers)")
    return problems


def check(objects, envoy_text, dockerfiles, health, flags):
    r = Render(objects)
    envoy = yaml.safe_load(envoy_text)
    hpa_targets = {h["spec"]["scaleTargetRef"].get("name") for h in r.of("HorizontalPodAutoscaler")}
    problems = check_namespace(r) + check_services(r) + check_selectors(r) + check_monitoring(r)
    problems += check_network_policies(r)
    for deployment in r.of("Deployment"):
        problems += check_pod(r, deployment)
    for name in SERVICES:
        problems += check_service_deployment(r, name, health[name], flags[name], hpa_targets)
    problems += check_gateway(r, envoy_text, envoy) + check_envoy_clusters(r, envoy, health)
    problems += check_images(r, dockerfiles)
    return problems


# --- broken copies ---------------------------------------------------------------------------

def obj(objects, kind, name):
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def pod(objects, name):
    return obj(objects, "Deployment", name)["spec"]["template"]["spec"]


def container(objects, name):
    return pod(objects, name)["containers"][0]


def flags_of(objects, name):
    return obj(objects, "ConfigMap", container(objects, name)["envFrom"][0]["configMapRef"]["name"])["data"]


def cluster(envoy, name):
    return next(c for c in envoy["static_resources"]["clusters"] if c["name"] == name)


def endpoint_socket(envoy, name):
    endpoint = cluster(envoy, name)["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]
    return endpoint["address"]["socket_address"]


# (what, mutation, wanted reason): each copy must be rejected for that reason. Schema copies
# mutate the dev render and go through validate.mjs; the others mutate the dev render or
# the inputs (parsed envoy.yaml, Dockerfile facts) and go through check().
SCHEMA_BROKEN = [
    ("containerPort is a string",
     lambda o: container(o, "recommender")["ports"][0].update(containerPort="fifty"),
     r"containerPort must be integer"),
    ("misspelled readOnlyRootFileSystem",
     lambda o: container(o, "translator")["securityContext"].update(readOnlyRootFileSystem=True),
     r"securityContext/readOnlyRootFileSystem is not a field"),
    ("unknown kind",
     lambda o: obj(o, "ServiceMonitor", "recommender").update(apiVersion="monitoring.coreos.com/v2"),
     r"unknown apiVersion/kind monitoring\.coreos\.com/v2/ServiceMonitor"),
    ("ServiceMonitor interval is a number",
     lambda o: obj(o, "ServiceMonitor", "translator")["spec"]["endpoints"][0].update(interval=15),
     r"interval must be string"),
    ("HPA minReplicas is a string",
     lambda o: obj(o, "HorizontalPodAutoscaler", "recommender")["spec"].update(minReplicas="2"),
     r"minReplicas must be integer"),
]

CHECK_BROKEN = [
    ("readiness probe on the wrong port",
     lambda o, i: container(o, "recommender")["readinessProbe"]["grpc"].update(port=50052),
     r"recommender: readinessProbe probes port 50052"),
    ("liveness probe asks the wrong health name",
     lambda o, i: container(o, "support-bot")["livenessProbe"]["grpc"].update(service="shop.supportbot.v1.Supportbot"),
     r"support-bot: livenessProbe asks health service"),
    ("threads above the CPU limit",
     lambda o, i: flags_of(o, "recommender").update(SHOP_INTRA_OP_THREADS="4", OMP_NUM_THREADS="4"),
     r"recommender: threads: .* != the CPU limit 1"),
    ("OMP_NUM_THREADS not the intra-op threads",
     lambda o, i: flags_of(o, "translator").update(OMP_NUM_THREADS="2"),
     r"translator: OMP_NUM_THREADS 2 != SHOP_INTRA_OP_THREADS 1"),
    ("grace period shorter than the drain",
     lambda o, i: pod(o, "translator").update(terminationGracePeriodSeconds=30),
     r"translator: terminationGracePeriodSeconds 30 <= preStop"),
    ("SHOP_PORT differs from the container port",
     lambda o, i: flags_of(o, "recommender").update(SHOP_PORT="50052"),
     r"recommender: SHOP_PORT=50052 differs from its container port"),
    ("misspelled flag variable",
     lambda o, i: flags_of(o, "translator").update(SHOP_INTRA_OPS_THREADS="1"),
     r"SHOP_INTRA_OPS_THREADS is not a flag of translator"),
    ("duration without a unit",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_DRAIN_DEADLINE="20"),
     r"SHOP_DRAIN_DEADLINE='20' is not a valid absl::Duration"),
    ("Service selector matches no pods",
     lambda o, i: obj(o, "Service", "translator")["spec"].update(selector={"app.kubernetes.io/name": "translater"}),
     r"Service translator selects no Deployment"),
    ("ServiceMonitor on a missing port",
     lambda o, i: obj(o, "ServiceMonitor", "recommender")["spec"]["endpoints"][0].update(port="metric"),
     r"ServiceMonitor recommender: port 'metric' is not a port"),
    ("HPA targets a missing Deployment",
     lambda o, i: obj(o, "HorizontalPodAutoscaler", "recommender")["spec"]["scaleTargetRef"].update(name="recomender"),
     r"HPA recommender targets Deployment recomender: no Deployment"),
    ("PDB selects nothing",
     lambda o, i: obj(o, "PodDisruptionBudget", "translator")["spec"]["selector"].update(matchLabels={"app": "x"}),
     r"PodDisruptionBudget translator selects no"),
    ("runs as root",
     lambda o, i: pod(o, "recommender")["securityContext"].update(runAsUser=0),
     r"recommender container recommender: not runAsNonRoot"),
    ("capabilities kept",
     lambda o, i: container(o, "envoy-gateway")["securityContext"].pop("capabilities"),
     r"envoy-gateway container envoy: capabilities not dropped"),
    ("Redis address names no Service",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_REDIS_ADDRESS="redis-master:6379"),
     r"SHOP_REDIS_ADDRESS=redis-master:6379 names no Service"),
    ("NetworkPolicy keeps a Redis client out",
     lambda o, i: obj(o, "NetworkPolicy", "redis")["spec"]["ingress"][0]["from"][0]["podSelector"]
     ["matchExpressions"][0].update(values=["recommender"]),
     r"NetworkPolicy redis keeps out support-bot, which calls it \(SHOP_REDIS_ADDRESS=redis:6379\)"),
    ("orders database on the read-only root",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_ORDERS_DB="/app/orders.db"),
     r"SHOP_ORDERS_DB=/app/orders.db is not on a writable volume"),
    ("support bot scaled out",
     lambda o, i: obj(o, "Deployment", "support-bot")["spec"].update(replicas=2),
     r"single SQLite writer must run as exactly one replica"),
    ("Envoy concurrency above its CPU limit",
     lambda o, i: flags_of(o, "envoy-gateway").update(ENVOY_CONCURRENCY="4"),
     r"Envoy's --concurrency \(4\) is not its CPU limit"),
    ("gateway ConfigMap is not envoy.yaml",
     lambda o, i: next(c for c in o if "envoy.yaml" in c.get("data", {}))["data"].update({"envoy.yaml": "{}\n"}),
     r"is not deploy/envoy/envoy.yaml"),
    ("Envoy cluster on a missing Service",
     lambda o, i: endpoint_socket(i["envoy"], "recommender").update(address="recommender-v2.shop.svc.cluster.local"),
     r"recommender-v2\.shop\.svc\.cluster\.local:50051 names no Service"),
    ("Envoy cluster on the wrong port",
     lambda o, i: endpoint_socket(i["envoy"], "translator").update(port_value=50052),
     r"translator\.shop\.svc\.cluster\.local:50052 names no Service and port"),
    ("Envoy health check of another service",
     lambda o, i: cluster(i["envoy"], "support_bot")["health_checks"][0]["grpc_health_check"]
     .update(service_name="shop.translator.v1.Translator"),
     r"health check asks \['shop\.translator\.v1\.Translator'\], pods of support-bot report"),
    ("drain shorter than the gateway's timeout",
     lambda o, i: flags_of(o, "translator").update(SHOP_DRAIN_DEADLINE="10s"),
     r"translator's drain_deadline 10s is shorter than the gateway's max_stream_duration 30 s"),
    ("Dockerfile user differs",
     lambda o, i: i["dockerfiles"]["recommender"].update(user="1000:1000"),
     r"USER 1000:1000 differs from runAsUser:runAsGroup 10001:10001"),
    ("image is not the Dockerfile's",
     lambda o, i: container(o, "translator").update(image="shop-ai/translater:dev"),
     r"image shop-ai/translater:dev is not the Dockerfile's image shop-ai/translator"),
]


def broken_on_disk(work_dir, kubectl):
    """A copy of deploy/k8s and deploy/envoy with more recommender threads than its dev CPU
    limit in the overlay's own file, rendered again by kubectl."""
    root = os.path.join(work_dir, "broken_tree")
    shutil.rmtree(root, ignore_errors=True)
    for part in ("k8s", "envoy"):
        shutil.copytree(os.path.join(REPO_ROOT, "deploy", part), os.path.join(root, "deploy", part),
                        ignore=shutil.ignore_patterns("node_modules"))
    path = os.path.join(root, "deploy", "k8s", "overlays", "dev", "kustomization.yaml")
    text = open(path).read()
    anchor = "- name: recommender-flags\n  behavior: merge\n  literals:\n"
    if anchor not in text:
        raise SetupError("overlays/dev/kustomization.yaml no longer merges recommender-flags as expected")
    with open(path, "w") as f:
        f.write(text.replace(anchor, anchor + "  - SHOP_INTRA_OP_THREADS=2\n  - OMP_NUM_THREADS=2\n", 1)
                .replace("  - SHOP_INTRA_OP_THREADS=1\n  - OMP_NUM_THREADS=1\n", "", 1))
    return render(kubectl, os.path.dirname(path))


def comparable(objects):
    """Objects as two kustomize versions should agree on them: content hashes of generated
    names blanked (each version hashes differently), the empty maps v2 adds dropped, and
    lists merged by name (volumes after a patch) and the objects in a fixed order."""
    def normal(value):
        if isinstance(value, dict):
            return {k: normal(v) for k, v in value.items() if not (k in ("annotations", "labels") and v == {})}
        if isinstance(value, list):
            items = [normal(v) for v in value]
            if items and all(isinstance(v, dict) and "name" in v for v in items):
                items.sort(key=lambda v: v["name"])
            return items
        return value
    text = re.sub(r"(-flags|envoy-config)-[a-z0-9]{10}\b", r"\1-HASH", json.dumps(objects))
    return sorted(normal(json.loads(text)), key=lambda o: (o["kind"], o["metadata"]["name"]))


# --- the real binaries ------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(work_dir):
    port = free_port()
    proc = subprocess.Popen(["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "",
                             "--appendonly", "no", "--dir", work_dir], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as c:
                c.sendall(b"PING\r\n")
                if c.recv(16).startswith(b"+PONG"):
                    return proc, port
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SetupError("redis-server did not start")


def live(kubectl, binaries, python_out, work_dir):
    """Starts each binary with its dev ConfigMap as its environment, as the pod would (only
    addresses, ports and paths are overridden on the command line, which takes precedence),
    asks gRPC health for the name its readiness probe asks, then sends SIGTERM: it must exit
    0 within terminationGracePeriodSeconds minus preStop. Broken copies: an environment value
    the binary refuses, and a probe asking a health name the server does not know."""
    sys.path[:0] = [python_out, os.path.join(REPO_ROOT, "scripts", "lib")]
    import grpc
    from grpc_bench import start_server
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    r = Render(render(kubectl, os.path.join(K8S_DIR, "overlays", "dev")))
    data = os.path.join(work_dir, "live")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    redis, redis_port = start_redis(data)
    overrides = {"listen_address": "127.0.0.1", "port": "0", "metrics_address": "127.0.0.1",
                 "metrics_port": "0", "model_root": os.path.join(REPO_ROOT, "models"),
                 "catalog": os.path.join(REPO_ROOT, "services/recommender/demo/catalog.jsonl"),
                 "kb": os.path.join(REPO_ROOT, "services/support-bot/kb/articles.jsonl"),
                 "orders_db": os.path.join(data, "orders.db"), "redis_address": f"127.0.0.1:{redis_port}"}

    def command(name, env):
        flags = binary_flags(name)
        return (["env"] + [f"{k}={v}" for k, v in env.items()] + [binaries[name]] +
                [f"--{k}={v}" for k, v in overrides.items() if k in flags])

    def health(port, service):
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            try:
                answer = health_pb2_grpc.HealthStub(channel).Check(
                    health_pb2.HealthCheckRequest(service=service), timeout=5)
                return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
            except grpc.RpcError as e:
                return e.code().name

    failures, running = 0, []
    try:
        for name in ("translator", "recommender", "support-bot"):  # the bot needs the translator
            c = next(c for c in pod(r.objects, name)["containers"] if c["name"] == name)
            env = {k: v for k, v in r.env(c).items() if k.startswith(("SHOP_", "OMP_"))}
            proc, port = start_server(command(name, env))
            running.append((name, proc))
            if name == "translator":
                overrides["translator_address"] = f"127.0.0.1:{port}"
            service = c["readinessProbe"]["grpc"]["service"]
            status = health(port, service)
            failures += status != "SERVING"
            print(f"{'ok' if status == 'SERVING' else 'FAIL'}: live {name}: started from its dev ConfigMap, "
                  f"health {service!r} is {status}")
            status = health(port, service + "x")
            failures += status != "NOT_FOUND"
            print(f"{'ok' if status == 'NOT_FOUND' else 'FAIL'}: live {name}: a probe of another health "
                  f"name fails ({status})")
        # All at once, as a rollout would; each must finish inside its own grace period.
        started = time.monotonic()
        for name, proc in running:
            proc.send_signal(signal.SIGTERM)
        for name, proc in running:
            spec = pod(r.objects, name)
            budget = spec["terminationGracePeriodSeconds"] - prestop_seconds(spec["containers"][0])
            try:
                code = proc.wait(timeout=budget)
            except subprocess.TimeoutExpired:
                code = None
            took = time.monotonic() - started
            ok = code == 0 and took < budget
            failures += not ok
            print(f"{'ok' if ok else 'FAIL'}: live {name}: exit {code} {took:.1f} s after SIGTERM "
                  f"(grace period minus preStop: {budget:g} s)")
        running = []
        c = container(r.objects, "recommender")
        env = {k: v for k, v in r.env(c).items() if k.startswith(("SHOP_", "OMP_"))}
        env["SHOP_DRAIN_DEADLINE"] = "10"
        result = subprocess.run(command("recommender", env), capture_output=True, text=True, timeout=60)
        ok = result.returncode != 0 and "SHOP_DRAIN_DEADLINE" in result.stderr
        failures += not ok
        print(f"{'ok' if ok else 'FAIL'}: live: broken copy rejected (SHOP_DRAIN_DEADLINE=10, no unit): "
              f"exit {result.returncode}, {result.stderr.strip().splitlines()[-1][:160] if result.stderr else ''}")
    finally:
        for _, proc in running:
            proc.kill()
        redis.kill()
        redis.wait()
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work_dir", default=os.path.join(REPO_ROOT, "build", "k8s_validate"),
                        help="npm install, rendered objects and broken copies (default: %(default)s)")
    parser.add_argument("--kubectl", default="kubectl", help="kubectl whose `kustomize` renders")
    parser.add_argument("--also_kubectl", help="a second kubectl (e.g. Debian's 1.20, kustomize v2.0.3) "
                        "that must render the same objects")
    parser.add_argument("--skip_broken_copies", action="store_true")
    parser.add_argument("--live", nargs=3, metavar=("RECOMMENDER", "TRANSLATOR", "SUPPORT_BOT"),
                        help="instead: start these built binaries with the dev ConfigMaps and probe them")
    parser.add_argument("--python_out", default=os.path.join(REPO_ROOT, "build", "python"),
                        help="generated Python gRPC stubs (grpc_health), for --live")
    args = parser.parse_args()

    os.makedirs(args.work_dir, exist_ok=True)
    if args.live:
        try:
            return 1 if live(args.kubectl, dict(zip(SERVICES, [args.live[0], args.live[1], args.live[2]])),
                             args.python_out, args.work_dir) else 0
        except (SetupError, OSError) as e:
            print(f"FAIL: {e}", file=sys.stderr)
            return 2
    try:
        if shutil.which(args.kubectl) is None or shutil.which("node") is None:
            raise SetupError(f"needs {args.kubectl} and node (scripts/setup.sh installs them)")
        print(run([args.kubectl, "version", "--client"]).strip().splitlines()[0])
        validator = install_validator(args.work_dir)
        renders = {d: render(args.kubectl, os.path.join(K8S_DIR, d)) for d in RENDERS}
        also = {}
        if args.also_kubectl:
            print(run([args.also_kubectl, "version", "--client"]).strip().splitlines()[0])
            also = {d: render(args.also_kubectl, os.path.join(K8S_DIR, d)) for d in RENDERS}
        envoy_text = open(ENVOY_YAML).read()
        health = health_names()
        flags = {name: binary_flags(name) for name in SERVICES}
        dockerfiles = {name: dockerfile(name) for name in SERVICES}
        on_disk = None if args.skip_broken_copies else broken_on_disk(args.work_dir, args.kubectl)
    except (SetupError, OSError) as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 2

    failures = 0
    for directory, objects in also.items():
        same = comparable(objects) == comparable(renders[directory])
        failures += not same
        print(f"{'ok' if same else 'FAIL'}: {directory}: {args.also_kubectl} renders "
              f"{'the same' if same else 'different'} objects")
    entries = [(f"{d}:{o['kind']}/{o['metadata']['name']}", o) for d, objs in renders.items() for o in objs]
    schema_broken = []
    if not args.skip_broken_copies:
        for what, mutate, want in SCHEMA_BROKEN:
            objects = copy.deepcopy(renders["overlays/dev"])
            before = {json.dumps(o, sort_keys=True) for o in objects}
            mutate(objects)
            changed = [o for o in objects if json.dumps(o, sort_keys=True) not in before]
            schema_broken.append((what, want, changed[0]))
            entries.append((f"broken:{what}", changed[0]))
    try:
        errors = schema_errors(validator, args.work_dir, entries)
    except SetupError as e:
        print(f"FAIL: {e}", file=sys.stderr)
        return 2

    for directory, objects in renders.items():
        problems = [f"{i}: {e}" for i, errs in errors.items() if i.startswith(directory + ":") for e in errs]
        problems += check(objects, envoy_text, dockerfiles, health, flags)
        for problem in problems:
            print(f"FAIL: {directory}: {problem}")
        failures += bool(problems)
        if not problems:
            kinds = sorted({o["kind"] for o in objects})
            print(f"ok: {directory}: {len(objects)} objects valid ({', '.join(kinds)}) and consistent")

    if args.skip_broken_copies:
        return 1 if failures else 0
    results = [(what, errors[f"broken:{what}"], want) for what, want, _ in schema_broken]
    for what, mutate, want in CHECK_BROKEN:
        objects = copy.deepcopy(renders["overlays/dev"])
        inputs = {"envoy": yaml.safe_load(envoy_text), "dockerfiles": copy.deepcopy(dockerfiles)}
        mutate(objects, inputs)
        broken_envoy = envoy_text
        if inputs["envoy"] != yaml.safe_load(envoy_text):
            # A broken envoy.yaml would be in the generated ConfigMap too.
            broken_envoy = yaml.safe_dump(inputs["envoy"])
            for c in objects:
                if c["kind"] == "ConfigMap" and "envoy.yaml" in c.get("data", {}):
                    c["data"]["envoy.yaml"] = broken_envoy
        results.append((what, check(objects, broken_envoy, inputs["dockerfiles"], health, flags), want))
    results.append(("overlay edited on disk: threads above the CPU limit",
                    check(on_disk, envoy_text, dockerfiles, health, flags),
                    r"recommender: threads: SHOP_INFERENCE_WORKERS 1 x SHOP_INTRA_OP_THREADS 2 != the CPU limit 1"))
    for what, problems, want in results:
        if not rejected_as_expected(what, problems, want):
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
