#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""deploy/k8s renders, its objects are valid Kubernetes objects, and they agree with the
services' flags, the Envoy config and the Dockerfiles.

`kubectl kustomize` renders the base and the overlays dev and prod. Every object is checked
against the schemas of the npm packages kubernetes-models, @kubernetes-models/prometheus-operator
and @kubernetes-models/cert-manager (pinned in deploy/k8s/validate/package-lock.json, `npm ci`
into the work dir, cached by a stamp) by deploy/k8s/validate/validate.mjs: type errors, missing
required fields, misspelled field names and unknown kinds fail.

Then the objects are cross-checked: names and ports agreed with the other parts (namespace
shop, headless Services with ports grpc 50051 / metrics 9090, shop-gateway, redis); Service,
PDB and ServiceMonitor selectors select something, with the named ports; HPAs target
Deployments; each service's probes are native gRPC probes of its health name (from protos/) on
its SHOP_PORT, or over TLS on its plaintext health-only port SHOP_HEALTH_PORT (a declared
containerPort `health`); every SHOP_* variable is a flag of that binary with a valid value;
terminationGracePeriodSeconds > preStop + shutdown_delay + drain_deadline; threads match the
CPU limit (workers x intra-op = cores, OMP_NUM_THREADS = intra-op, Envoy's concurrency =
cores); the restricted security context; the gateway runs deploy/envoy/envoy.yaml or
envoy-tls.yaml from a ConfigMap, with its JWKS and SDS files mounted, and every Envoy cluster
address names a Service and port of the render, backed by the right health name; image names,
user ids and paths agree with deploy/docker/*.Dockerfile.

Scaling and state: every service is a RollingUpdate Deployment under an HPA with a
PodDisruptionBudget, the support bot with at least 2 replicas; histories and sessions in Redis
under disjoint key prefixes; the bot's orders in PostgreSQL (SQLite allows one writer): a
postgresql:// SHOP_ORDERS_DB without a password, naming user and database, the password a
mounted Secret file (SHOP_ORDERS_DB_PASSWORD_FILE). dev: the URL's Service is a headless one
of a StatefulSet (non-root, read-only root, probes) that creates that user and database with
the password of the same Secret key, keeps PGDATA on a volumeClaimTemplate's claim and accepts
(HPA max + surge) x the pool's connections. prod: no database workload; the external server
over sslmode=verify-full with its CA a mounted file; the bot's egress to it an ipBlock on its
port only. The base leaves the database to the overlays.

Security: the NetworkPolicies are evaluated like a CNI would (every pod isolated both ways;
exactly the needed flows allowed: the public listener, Envoy's clusters, the address flags,
Prometheus on the ServiceMonitors' ports, DNS for the pods that resolve names, the bot to its
order database; nothing for an unlisted pod, another namespace or the outside); Secrets reach
containers only as read-only files of mode <= 0440, every Secret used is made by something,
SHOP_*_FILE flags name mounted Secret files and Redis requires the password its clients read;
with TLS (prod) each service
serves a cert-manager certificate naming it, requires client certificates, is probed on its
plaintext health port and no pod can reach that port, is called by Envoy over mutual TLS
checking that name, trusts identity headers only from the gateway's client certificate, and the
bot reaches the translator over mutual TLS; no private key material anywhere under deploy/.

Finally broken copies (a type error, a misspelled field, a probe on the wrong port, threads
above the CPU limit, Redis open to every pod, a Secret in the environment, a plaintext hop in
prod, a prod probe on the TLS port, the bot back on one replica or SQLite, a password in the
database URL, PostgreSQL open to other pods, prod with a database workload, ...) must each be
rejected for their own reason, one of them edited in an overlay on disk and rendered again.

--also_kubectl renders with a second kubectl too (e.g. Debian's 1.20, kustomize v2.0.3) and
requires the same objects. --live RECOMMENDER TRANSLATOR SUPPORT_BOT instead starts the built
binaries with the dev ConfigMaps as their environment (and Redis from its manifest's command,
PostgreSQL set up like dev's StatefulSet, the bot's replicas all at once against it), then with
the prod ConfigMaps (TLS from throwaway certificates, the database's included), and probes
them as the kubelet would (see live()).

Exits 0 when all of that holds, 1 otherwise, 2 when the tools cannot be set up."""
import argparse
import copy
import concurrent.futures
import fcntl
import functools
import hashlib
import ipaddress
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse

import yaml

from broken_copies import rejected_as_expected
from config_tree import find_values

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
K8S_DIR = os.path.join(REPO_ROOT, "deploy", "k8s")
VALIDATE_DIR = os.path.join(K8S_DIR, "validate")
ENVOY_DIR = os.path.join(REPO_ROOT, "deploy", "envoy")
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
# Workloads whose pods the checks cover: the services, the gateway and Redis are
# Deployments, dev's PostgreSQL a StatefulSet.
WORKLOAD_KINDS = ("Deployment", "StatefulSet")
# Deployments that must never run fewer replicas (HPA minReplicas, or `replicas`): the
# support bot keeps conversations going through a node drain (base/support-bot.yaml).
MIN_REPLICAS = {"support-bot": 2}
# The client of the order database (SHOP_ORDERS_DB: a PostgreSQL URL, as a SQLite file
# allows one writer only) and PostgreSQL's default port.
ORDERS_DB_CLIENT = "support-bot"
POSTGRES_PORT = 5432
# PostgreSQL's defaults: max_connections, and the slots of those kept for superusers.
POSTGRES_MAX_CONNECTIONS = 100
POSTGRES_RESERVED_CONNECTIONS = 3
FLAG_FILES = ["common/server/server_options.cc", "common/inference/inference_options.cc"]

# The gateway's plaintext and TLS configs (deploy/envoy); ENVOY_CONFIG picks one.
ENVOY_CONFIGS = ("envoy.yaml", "envoy-tls.yaml")
# Secrets no manifest renders: made by hand (deploy/k8s/README.md, "Secrets"), with their keys.
HAND_MADE_SECRETS = {"redis-auth": {"password"}, "orders-db-auth": {"password"}, "orders-db-ca": {"ca.crt"}}
# The keys of a cert-manager Certificate's Secret.
CERTIFICATE_KEYS = {"tls.crt", "tls.key", "ca.crt"}
# Services that take the caller's identity from the gateway's headers (recommender
# DeleteUser, the bot's sessions); the translator takes none.
IDENTITY_SERVICES = ("recommender", "support-bot")
# Prometheus (the ServiceMonitors' scraper) and cluster DNS, as the NetworkPolicies name them.
PROMETHEUS = ("monitoring", {"app.kubernetes.io/name": "prometheus"})
CLUSTER_DNS = ("kube-system", {"k8s-app": "kube-dns"}, 53)
# Secret file modes: readable by owner and group (the pod's fsGroup) at most.
SECRET_MODE_MAX = 0o440
# The container port of the plaintext health-only port (SHOP_HEALTH_PORT), which the
# kubelet's gRPC probes use where the gRPC port requires TLS (probe_problems).
HEALTH_PORT_NAME = "health"


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


def api_server_view(obj):
    """`obj` as the API server decodes it: kustomize writes a ConfigMap's binaryData (the
    Envoy API descriptor set) as base64 in lines of 70, which Go's base64 decoder reads
    with the line breaks ignored, while the schemas' "byte" format allows none."""
    if obj.get("kind") != "ConfigMap" or not obj.get("binaryData"):
        return obj
    return {**obj, "binaryData": {k: re.sub(r"\s+", "", v) for k, v in obj["binaryData"].items()}}


def schema_errors(validator, work_dir, entries):
    """{id: [errors]} for [(id, object)], from one run of validate.mjs."""
    path = os.path.join(work_dir, "objects.json")
    with open(path, "w") as f:
        json.dump([{"id": i, "object": api_server_view(o)} for i, o in entries], f)
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

    def workloads(self):
        """Every Deployment and StatefulSet."""
        return [o for o in self.objects if o.get("kind") in WORKLOAD_KINDS]

    def selected_workloads(self, selector):
        return [d for d in self.workloads() if matches(selector, self.pod_labels(d))]

    def secret_keys(self, name):
        """The keys a Secret will have: rendered, made by a cert-manager Certificate, or one
        of the hand-made ones; None when nothing makes it."""
        secret = self.get("Secret", name)
        if secret is not None:
            return set(secret.get("data", {})) | set(secret.get("stringData", {}))
        if any(c["spec"].get("secretName") == name for c in self.of("Certificate")):
            return set(CERTIFICATE_KEYS)
        return HAND_MADE_SECRETS.get(name)

    def certificate(self, secret_name):
        return next((c for c in self.of("Certificate") if c["spec"].get("secretName") == secret_name), None)

    def mounted_files(self, pod, container):
        """Files the container sees from ConfigMap and Secret volumes:
        {path: (kind, object name, key, mode, read-only)}."""
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        files = {}
        for mount in container.get("volumeMounts", []):
            volume = volumes.get(mount["name"], {})
            for kind, field in (("ConfigMap", "configMap"), ("Secret", "secret")):
                if field not in volume:
                    continue
                source = volume[field]
                name = source.get("name") or source.get("secretName")
                if kind == "ConfigMap":
                    keys = set((self.get("ConfigMap", name) or {}).get("data", {}))
                else:
                    keys = self.secret_keys(name) or set()
                items = {i["key"]: (i["path"], i.get("mode")) for i in source.get("items", [])}
                for key in (items or keys):
                    path, mode = items.get(key, (key, None))
                    files[f"{mount['mountPath'].rstrip('/')}/{path}"] = (
                        kind, name, key, mode if mode is not None else source.get("defaultMode", 0o644),
                        bool(mount.get("readOnly")))
        return files

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
        backends = r.selected_workloads(spec.get("selector", {}))
        if not backends:
            problems.append(f"Service {name} selects no Deployment or StatefulSet (selector {spec.get('selector')})")
        for deployment in backends:
            containers = deployment["spec"]["template"]["spec"]["containers"]
            for port in spec["ports"]:
                target = port.get("targetPort", port["port"])
                numbers = [n for n in (container_port(c, target) for c in containers) if n]
                if not numbers:
                    problems.append(f"Service {name} port {port.get('name')}: targetPort {target} is "
                                    f"not a port of {deployment['kind']} {deployment['metadata']['name']}")
                # Clients of a headless Service connect to the pods at the Service's port.
                elif spec.get("clusterIP") == "None" and port["port"] not in numbers:
                    problems.append(f"headless Service {name} port {port['port']} differs from the "
                                    f"container port {numbers[0]}")
    return problems


def check_pod(r, deployment):
    """Security context, resources, image tag, grace vs preStop, and what the pod refers to
    (of a Deployment or a StatefulSet; a StatefulSet's also its Service and claims)."""
    problems, name, kind = [], deployment["metadata"]["name"], deployment["kind"]
    pod = deployment["spec"]["template"]["spec"]
    pod_sc = pod.get("securityContext", {})
    if pod.get("automountServiceAccountToken") is not False:
        problems.append(f"{kind} {name}: automountServiceAccountToken is not false")
    for key in ("hostNetwork", "hostPID", "hostIPC"):
        if pod.get(key):
            problems.append(f"{kind} {name}: {key}")
    for c in pod["containers"] + pod.get("initContainers", []):
        sc, where = {**pod_sc, **c.get("securityContext", {})}, f"{kind} {name} container {c['name']}"
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
        for resource, amount in (("cpu", cores), ("memory", memory_bytes)):
            request, limit = resources.get("requests", {}).get(resource), resources.get("limits", {}).get(resource)
            if request is None or limit is None:
                problems.append(f"{where}: no {resource} request and limit")
            elif amount(request) > amount(limit):
                problems.append(f"{where}: {resource} request {request} above the limit {limit}")
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
        # A StatefulSet is not a service of SERVICES (whose probes check_service_deployment
        # checks): it must still say when it is ready and when it is stuck.
        if kind == "StatefulSet" and c in pod["containers"]:
            for probe in ("readinessProbe", "livenessProbe"):
                if probe not in c:
                    problems.append(f"{where}: no {probe}")
    volumes = {v["name"]: v for v in pod.get("volumes", [])}
    claims = [t["metadata"]["name"] for t in deployment["spec"].get("volumeClaimTemplates", [])]
    mounted = {m["name"] for c in pod["containers"] for m in c.get("volumeMounts", [])}
    for c in pod["containers"]:
        for mount in c.get("volumeMounts", []):
            if mount["name"] not in volumes and mount["name"] not in claims:
                problems.append(f"{kind} {name}: volumeMount {mount['name']} has no volume")
    for volume in volumes.values():
        for ref_kind, field in (("ConfigMap", "configMap"), ("PersistentVolumeClaim", "persistentVolumeClaim")):
            if field in volume:
                ref = volume[field].get("name") or volume[field].get("claimName")
                if r.get(ref_kind, ref) is None:
                    problems.append(f"{kind} {name}: volume {volume['name']} needs {ref_kind} {ref}, "
                                    f"not rendered")
    for claim in claims:
        if claim not in mounted:
            problems.append(f"{kind} {name}: volumeClaimTemplate {claim} is mounted by no container")
        if claim in volumes:
            problems.append(f"{kind} {name}: volume {claim} hides the volumeClaimTemplate of that name")
    if kind == "StatefulSet":
        service = r.get("Service", deployment["spec"].get("serviceName"))
        if service is None or service["spec"].get("clusterIP") != "None" or \
                deployment not in r.selected_workloads(service["spec"].get("selector", {})):
            problems.append(f"{kind} {name}: serviceName {deployment['spec'].get('serviceName')} is not a headless "
                            f"Service of the render selecting its pods")
    return problems


def check_service_deployment(r, name, health_name, flags, hpas):
    """The probes, flags, shutdown timing, threads, scaling and order store of one service's
    Deployment (`hpas`: the HPAs by their target's name)."""
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
    # Optional (-1 = none), but when set the kubelet must find it at the declared port: 0
    # (a free port) would be a port nobody can name.
    health_port = container_port(container, HEALTH_PORT_NAME)
    if env.get("SHOP_HEALTH_PORT", "-1") != ("-1" if health_port is None else str(health_port)):
        problems.append(f"{where}: SHOP_HEALTH_PORT={env.get('SHOP_HEALTH_PORT', '-1 (unset)')} differs from "
                        f"its container port {HEALTH_PORT_NAME} ({health_port})")
    if env.get("SHOP_HEALTH_PORT") is not None and env.get("SHOP_HEALTH_PORT") == env.get("SHOP_PORT"):
        problems.append(f"{where}: SHOP_HEALTH_PORT = SHOP_PORT ({env['SHOP_PORT']}); the server refuses it")
    for key in ("SHOP_LISTEN_ADDRESS", "SHOP_METRICS_ADDRESS"):
        if env.get(key) != "0.0.0.0":
            problems.append(f"{where}: {key}={env.get(key)} is not reachable from kubelet, Envoy and "
                            f"Prometheus")
    problems += probe_problems(where, container, env, health_name)
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
    # Every service is stateless (histories and sessions in Redis, orders in PostgreSQL):
    # rolled out pod by pod, scaled by an HPA, never below its minimum.
    hpa = hpas.get(name)
    strategy = deployment["spec"].get("strategy", {}).get("type", "RollingUpdate")
    if strategy != "RollingUpdate":
        problems.append(f"{where}: strategy {strategy} stops every replica before the new ones start (a gap on "
                        f"each rollout); use RollingUpdate")
    if hpa is None:
        problems.append(f"{where}: no HorizontalPodAutoscaler")
    elif "replicas" in deployment["spec"]:
        problems.append(f"{where}: sets replicas although an HPA owns the count")
    least = hpa["spec"].get("minReplicas", 1) if hpa else deployment["spec"].get("replicas", 1)
    if least < MIN_REPLICAS.get(name, 1):
        problems.append(f"{where}: {'HPA minReplicas' if hpa else 'replicas'} {least} < {MIN_REPLICAS[name]}: "
                        f"a node drain or a crash would leave it without a ready pod")
    most = hpa["spec"]["maxReplicas"] if hpa else deployment["spec"].get("replicas", 1)
    for key in ("SHOP_HISTORY_STORE", "SHOP_SESSION_STORE"):
        flag = key[len("SHOP_"):].lower()
        store = env.get(key, flag_default(name, flag))
        if flag in flags and store != "redis" and most > 1:
            problems.append(f"{where}: {key}={store}: each replica keeps its own, but {least}-{most} replicas "
                            f"share the calls (a customer's next call may reach another one); use redis")
    mounts = {m["mountPath"]: m for m in container.get("volumeMounts", [])}
    if "SHOP_ORDERS_DB" in env or name == ORDERS_DB_CLIENT:
        db = env.get("SHOP_ORDERS_DB", flag_default(name, "orders_db"))
        if not is_postgres_url(db):
            # One process may write a SQLite file; several replicas (an HPA, or a
            # rollout's surge pod) would each need the one file, or show different orders.
            if hpa or most > 1 or strategy == "RollingUpdate":
                problems.append(f"{where}: SHOP_ORDERS_DB={db} is a SQLite file, which one process only may "
                                f"write, but {most} replicas (and a rollout's surge pod) would share it; use a "
                                f"postgresql:// URL")
            directory = os.path.dirname(db)
            if directory not in mounts or mounts[directory].get("readOnly"):
                problems.append(f"{where}: SHOP_ORDERS_DB={db} is not on a writable "
                                f"volume (the root filesystem is read-only)")
    stores = {env.get("SHOP_HISTORY_STORE"), env.get("SHOP_SESSION_STORE")}
    addresses = ["SHOP_TRANSLATOR_ADDRESS"] + (["SHOP_REDIS_ADDRESS"] if "redis" in stores else [])
    for key in addresses:
        if env.get(key):
            service, port = r.service_port(env[key])
            if service is None or port is None:
                problems.append(f"{where}: {key}={env[key]} names no Service and port of namespace {NAMESPACE}")
    return problems


def is_postgres_url(text):
    """Whether the bot's --orders_db picks PostgreSQL for `text` (else a SQLite file)."""
    return text.startswith(("postgresql://", "postgres://"))


@functools.lru_cache(maxsize=None)
def flag_default(name, flag):
    """The default of --flag of the binary `name` as its ABSL_FLAG writes it (a string's
    without the quotes); None when no such flag."""
    for path in FLAG_FILES + [f"services/{name}/main.cc"]:
        text = open(os.path.join(REPO_ROOT, path)).read()
        match = re.search(r"ABSL_FLAG\(\s*[\w:]+\s*,\s*" + flag + r'\s*,\s*("(?:[^"\\]|\\.)*"|[^,]+?)\s*,', text)
        if match:
            value = match.group(1)
            return value[1:-1] if value.startswith('"') else value
    return None


def orders_db(r):
    """What the order database client's SHOP_ORDERS_DB names, or None without the client:
    {url, postgres (a PostgreSQL URL, else a SQLite file), user, password (one in the URL:
    userinfo or parameter), database, host, port, params, in_cluster (a Service name rather
    than an outside host), service and service_port (the Service of namespace shop and its
    port, or None), deployment, pod, container, env}."""
    deployment = r.get("Deployment", ORDERS_DB_CLIENT)
    if deployment is None:
        return None
    pod = deployment["spec"]["template"]["spec"]
    c = next((c for c in pod["containers"] if c["name"] == ORDERS_DB_CLIENT), pod["containers"][0])
    env = r.env(c)
    url = env.get("SHOP_ORDERS_DB", flag_default(ORDERS_DB_CLIENT, "orders_db"))
    db = {"url": url, "postgres": is_postgres_url(url), "deployment": deployment, "pod": pod, "container": c,
          "env": env}
    if not db["postgres"]:
        return db
    parts = urllib.parse.urlsplit(url)
    params = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    host = parts.hostname or ""
    try:
        port = parts.port or POSTGRES_PORT
    except ValueError:
        port = None
    in_cluster = "." not in host or host.endswith((".svc", ".svc.cluster.local"))
    service, service_port = r.service_port(f"{host}:{port}") if in_cluster else (None, None)
    db.update(user=urllib.parse.unquote(parts.username or params.get("user", "")),
              password=parts.password is not None or "password" in params,
              database=urllib.parse.unquote(parts.path.lstrip("/")) or params.get("dbname", ""),
              host=host, port=port, params=params, in_cluster=in_cluster, service=service,
              service_port=service_port)
    return db


def postgres_max_connections(container):
    """max_connections as the container's arguments set it (-c max_connections=N), else
    PostgreSQL's default."""
    words = container.get("command", []) + container.get("args", [])
    for i, word in enumerate(words):
        setting = words[i + 1] if word == "-c" and i + 1 < len(words) else \
            word[2:] if word.startswith("-c") else word[2:] if word.startswith("--") else ""
        key, _, value = setting.partition("=")
        if key.replace("-", "_") == "max_connections" and value.isdigit():
            return int(value)
    return POSTGRES_MAX_CONNECTIONS


def surge_pods(deployment, replicas):
    """The extra pods a RollingUpdate of `replicas` starts (maxSurge, default 25 %, rounded up)."""
    surge = deployment["spec"].get("strategy", {}).get("rollingUpdate", {}).get("maxSurge", "25%")
    if isinstance(surge, str) and surge.endswith("%"):
        return -(-replicas * int(surge[:-1]) // 100)
    return int(surge)


def check_orders_db(r, base=False):
    """The support bot's orders are in PostgreSQL, shared by its replicas: SHOP_ORDERS_DB is
    a postgresql:// URL without a password, naming a user and a database; the password is
    SHOP_ORDERS_DB_PASSWORD_FILE (a mounted Secret file, check_secrets); a server outside the
    cluster, and any server where the services serve TLS (prod), is reached with
    sslmode=verify-full and its CA from a mounted file. A server in the cluster is the
    StatefulSet behind the URL's Service (not in `base`, which leaves the database to the
    overlays), which creates that user and database with the password of the same Secret
    key, keeps its data on a volumeClaimTemplate's claim and accepts every replica's pool;
    and no StatefulSet is there that the URL does not name."""
    db = orders_db(r)
    if db is None or not db["postgres"]:
        return []  # a SQLite file: check_service_deployment
    problems, where, env = [], f"Deployment {ORDERS_DB_CLIENT}", db["env"]
    if db["password"]:
        problems.append(f"{where}: SHOP_ORDERS_DB holds a password (the bot refuses it; it would show in the pod "
                        f"spec and the process list): pass it as SHOP_ORDERS_DB_PASSWORD_FILE")
    for what in ("user", "database"):
        if not db[what]:
            problems.append(f"{where}: SHOP_ORDERS_DB={db['url']} names no {what}")
    if db["port"] is None:
        problems.append(f"{where}: SHOP_ORDERS_DB={db['url']}: the port is not a number")
    if not env.get("SHOP_ORDERS_DB_PASSWORD_FILE"):
        problems.append(f"{where}: no SHOP_ORDERS_DB_PASSWORD_FILE: the database user's password must come from "
                        f"a mounted Secret file")
    tls = bool(env.get("SHOP_TLS_CERT_FILE"))
    if tls or not db["in_cluster"]:
        why = "the services serve TLS, so this hop must too" if tls else "the server is outside the cluster"
        sslmode = db["params"].get("sslmode", "prefer (unset)")
        if sslmode != "verify-full":
            problems.append(f"{where}: SHOP_ORDERS_DB sslmode={sslmode}: {why}; use sslmode=verify-full (TLS, the "
                            f"server's certificate checked against a CA and for the host name)")
        root = db["params"].get("sslrootcert")
        if not root or root not in r.mounted_files(db["pod"], db["container"]):
            problems.append(f"{where}: SHOP_ORDERS_DB sslrootcert={root} is not a mounted file (the database "
                            f"server's CA, from a Secret or ConfigMap)")
    targets = []
    if db["in_cluster"] and not base:
        if db["service"] is None or db["service_port"] is None:
            problems.append(f"{where}: SHOP_ORDERS_DB host {db['host']}:{db['port']} names no Service and port of "
                            f"namespace {NAMESPACE}")
        else:
            targets = [w for w in r.selected_workloads(db["service"]["spec"].get("selector", {}))
                       if w["kind"] == "StatefulSet"]
            if not targets:
                problems.append(f"{where}: SHOP_ORDERS_DB names Service {db['service']['metadata']['name']}, which "
                                f"selects no StatefulSet (a database keeps its data on its own claim)")
    # Every StatefulSet (only the database has state) and any workload running PostgreSQL's
    # image must be the server the URL names: prod's is external, so it has none.
    for workload in r.workloads():
        images = [c["image"].rsplit("/", 1)[-1].split("@")[0].split(":")[0]
                  for c in workload["spec"]["template"]["spec"]["containers"]]
        if (workload["kind"] == "StatefulSet" or "postgres" in images) and workload not in targets:
            problems.append(f"{workload['kind']} {workload['metadata']['name']}: no SHOP_ORDERS_DB names its "
                            f"Service (a database nobody uses{'; prod uses an external one' if tls else ''})")
    for statefulset in targets:
        problems += check_postgres(r, statefulset, db)
    return problems


def check_postgres(r, statefulset, db):
    """The in-cluster PostgreSQL `statefulset` against the bot's URL (see check_orders_db)."""
    problems, name = [], statefulset["metadata"]["name"]
    where = f"StatefulSet {name}"
    pod = statefulset["spec"]["template"]["spec"]
    port = db["service_port"].get("targetPort", db["service_port"]["port"])
    c = next((c for c in pod["containers"] if container_port(c, port)), pod["containers"][0])
    env = r.env(c)
    user = env.get("POSTGRES_USER", "postgres")
    if user != db["user"]:
        problems.append(f"Deployment {ORDERS_DB_CLIENT}: SHOP_ORDERS_DB logs in as {db['user']}, {where} creates "
                        f"the user {user} (POSTGRES_USER)")
    database = env.get("POSTGRES_DB", user)
    if database != db["database"]:
        problems.append(f"Deployment {ORDERS_DB_CLIENT}: SHOP_ORDERS_DB connects to the database {db['database']}, "
                        f"{where} creates {database} (POSTGRES_DB)")
    mine = r.mounted_files(pod, c).get(env.get("POSTGRES_PASSWORD_FILE"))
    theirs = r.mounted_files(db["pod"], db["container"]).get(db["env"].get("SHOP_ORDERS_DB_PASSWORD_FILE"))
    if mine is None or mine[0] != "Secret":
        problems.append(f"{where}: POSTGRES_PASSWORD_FILE={env.get('POSTGRES_PASSWORD_FILE')} is not a file of a "
                        f"mounted Secret")
    elif theirs is None or mine[1:3] != theirs[1:3]:
        problems.append(f"{where}: POSTGRES_PASSWORD_FILE is not the password the bot logs in with "
                        f"(SHOP_ORDERS_DB_PASSWORD_FILE: the same key of the same Secret)")
    pgdata = env.get("PGDATA", "/var/lib/postgresql/data").rstrip("/")
    claims = {t["metadata"]["name"] for t in statefulset["spec"].get("volumeClaimTemplates", [])}
    holders = [m for m in c.get("volumeMounts", [])
               if pgdata == m["mountPath"].rstrip("/") or pgdata.startswith(m["mountPath"].rstrip("/") + "/")]
    holder = max(holders, key=lambda m: len(m["mountPath"]), default=None)
    if holder is None or holder["name"] not in claims:
        problems.append(f"{where}: PGDATA {pgdata} is not on the claim of a volumeClaimTemplate (the orders would "
                        f"go with the pod)")
    bot, hpa = db["deployment"], next((h for h in r.of("HorizontalPodAutoscaler")
                                       if h["spec"]["scaleTargetRef"].get("name") == ORDERS_DB_CLIENT), None)
    most = hpa["spec"]["maxReplicas"] if hpa else bot["spec"].get("replicas", 1)
    surge = surge_pods(bot, most)
    pool = db["env"].get("SHOP_ORDERS_DB_POOL_SIZE", flag_default(ORDERS_DB_CLIENT, "orders_db_pool_size"))
    limit = postgres_max_connections(c)
    if pool.isdigit() and (most + surge) * int(pool) > limit - POSTGRES_RESERVED_CONNECTIONS:
        problems.append(f"Deployment {ORDERS_DB_CLIENT}: ({most} + {surge}) replicas x SHOP_ORDERS_DB_POOL_SIZE "
                        f"{pool} = {(most + surge) * int(pool)} connections > what {where} accepts "
                        f"(max_connections {limit} - {POSTGRES_RESERVED_CONNECTIONS} reserved)")
    return problems


def check_redis_prefixes(r):
    """Services sharing a Redis keep their keys under prefixes that do not overlap (neither a
    prefix of the other), so none reads, overwrites or expires another's keys."""
    problems, users = [], {}
    for name in SERVICES:
        deployment = r.get("Deployment", name)
        if deployment is None:
            continue
        env = r.env(deployment["spec"]["template"]["spec"]["containers"][0])
        if "redis" not in (env.get("SHOP_HISTORY_STORE"), env.get("SHOP_SESSION_STORE")):
            continue
        prefix = env.get("SHOP_REDIS_KEY_PREFIX", flag_default(name, "redis_key_prefix")) or ""
        users.setdefault(env.get("SHOP_REDIS_ADDRESS"), []).append((name, prefix))
    for address, clients in users.items():
        for i, (a, prefix_a) in enumerate(clients):
            for b, prefix_b in clients[i + 1:]:
                if prefix_a.startswith(prefix_b) or prefix_b.startswith(prefix_a):
                    problems.append(f"Deployments {a} and {b} share Redis {address} with overlapping key prefixes "
                                    f"{prefix_a!r} and {prefix_b!r} (SHOP_REDIS_KEY_PREFIX)")
    return problems


def probe_problems(where, container, env, health_name):
    """Startup, readiness and liveness are native gRPC probes (grpc.health.v1) asking the
    service's own health name, which turns SERVING only once the model is warm. The kubelet's
    gRPC probe speaks plaintext only, which a TLS port refuses (and one that requires client
    certificates would refuse any probe): over TLS (SHOP_TLS_CERT_FILE) they probe the
    plaintext health-only port SHOP_HEALTH_PORT, with the gRPC port's statuses, instead of
    SHOP_PORT; without TLS either port will do."""
    problems = []
    tls = bool(env.get("SHOP_TLS_CERT_FILE"))
    health_port = env.get("SHOP_HEALTH_PORT", "-1")
    if tls and health_port == "-1":
        problems.append(f"{where}: serves TLS (SHOP_TLS_CERT_FILE) without a plaintext health port "
                        f"(SHOP_HEALTH_PORT unset): the kubelet's gRPC probes cannot reach its health status")
    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
        grpc = container.get(probe_name, {}).get("grpc")
        if grpc is None:
            problems.append(f"{where}: {probe_name} is not a native gRPC probe"
                            + (" of the health port SHOP_HEALTH_PORT (a TCP or HTTP probe cannot see whether "
                               "the model is loaded)" if tls else ""))
            continue
        port = str(grpc.get("port"))
        if tls and port == env.get("SHOP_PORT"):
            problems.append(f"{where}: {probe_name} probes the TLS port SHOP_PORT={port}; the kubelet's gRPC "
                            f"probe speaks plaintext and fails there (probe SHOP_HEALTH_PORT)")
        elif tls and health_port != "-1" and port != health_port:
            problems.append(f"{where}: {probe_name} probes port {port}, the plaintext health port is "
                            f"SHOP_HEALTH_PORT={health_port}")
        elif not tls and port not in (env.get("SHOP_PORT"), health_port):
            problems.append(f"{where}: {probe_name} probes port {port}, the server listens on "
                            f"SHOP_PORT={env.get('SHOP_PORT')}"
                            + (f" and SHOP_HEALTH_PORT={health_port}" if health_port != "-1" else ""))
        if grpc.get("service") != health_name:
            problems.append(f"{where}: {probe_name} asks health service {grpc.get('service')!r}, "
                            f"the server reports {health_name!r}")
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


def envoy_files():
    """The files deploy/envoy/kustomization.yaml puts into ConfigMaps: {name: text}."""
    with open(os.path.join(ENVOY_DIR, "kustomization.yaml")) as f:
        generators = yaml.safe_load(f).get("configMapGenerator", [])
    names = [name for g in generators for name in g.get("files", [])]
    # The API descriptor set (shop_api.pb) is binary: ConfigMap binaryData, not text.
    return {name: open(os.path.join(ENVOY_DIR, name)).read() for name in names
            if not name.endswith(".pb")}


def gateway_pod(r):
    deployment = r.get("Deployment", GATEWAY[0])
    if deployment is None:
        return None, None
    pod = deployment["spec"]["template"]["spec"]
    return pod, pod["containers"][0]


def selected_envoy_config(r, files):
    """(name, parsed config) of the envoy config the gateway runs: --config-path with the
    container's $(VARS) expanded, a key of a mounted ConfigMap; (None, None) if not one of
    ENVOY_CONFIGS."""
    pod, container = gateway_pod(r)
    if pod is None:
        return None, None
    env = r.env(container)
    args = [re.sub(r"\$\((\w+)\)", lambda m: env.get(m.group(1), m.group(0)), a)
            for a in container.get("args", [])]
    path = args[args.index("--config-path") + 1] if "--config-path" in args[:-1] else None
    kind, name, key = (r.mounted_files(pod, container).get(path) or (None,) * 5)[:3]
    if kind != "ConfigMap" or key not in ENVOY_CONFIGS:
        return path, None
    text = r.get("ConfigMap", name)["data"][key]
    return key, (yaml.safe_load(text) if text == files.get(key) else None)


def sds_files(r, envoy, pod, container):
    """SDS secret name -> (its config file, the Secret resource in it) of every file-based SDS
    config in `envoy`, read from the ConfigMap mounted at that path."""
    mounted = r.mounted_files(pod, container)
    found = {}
    for holder in find_values(envoy, "tls_certificate_sds_secret_configs"):
        for config in holder:
            found[config["name"]] = config["sds_config"]["path_config_source"]["path"]
    for config in find_values(envoy, "validation_context_sds_secret_config"):
        found[config["name"]] = config["sds_config"]["path_config_source"]["path"]
    result = {}
    for name, path in found.items():
        kind, source, key = (mounted.get(path) or (None,) * 5)[:3]
        text = (r.get(kind, source) or {}).get("data", {}).get(key) if kind == "ConfigMap" else None
        resources = (yaml.safe_load(text) or {}).get("resources", []) if text else []
        result[name] = (path, resources[0] if len(resources) == 1 else None)
    return result


def check_gateway(r, files):
    problems = []
    pod, container = gateway_pod(r)
    if pod is None:
        return [f"no Deployment {GATEWAY[0]}"]
    where = f"Deployment {GATEWAY[0]}"
    for config_map in r.of("ConfigMap"):
        for key, text in config_map.get("data", {}).items():
            if key in files and text != files[key]:
                problems.append(f"ConfigMap {config_map['metadata']['name']}: {key} is not deploy/envoy/{key}")
    name, envoy = selected_envoy_config(r, files)
    if envoy is None:
        return problems + [f"{where}: --config-path {name} is not one of deploy/envoy/"
                           f"{{{','.join(ENVOY_CONFIGS)}}} from a ConfigMap"]
    mounted = r.mounted_files(pod, container)
    for jwks in find_values(envoy, "local_jwks"):
        kind, source, key = (mounted.get(jwks.get("filename")) or (None,) * 5)[:3]
        if kind != "ConfigMap" or key not in files:
            problems.append(f"{where}: the JWKS {jwks.get('filename')} of {name} is not a file of deploy/envoy "
                            f"mounted from a ConfigMap")
    for secret_name, (path, resource) in sds_files(r, envoy, pod, container).items():
        if resource is None:
            problems.append(f"{where}: SDS {secret_name}: {path} is not a mounted deploy/envoy file with one "
                            f"Secret resource")
            continue
        if resource.get("name") != secret_name:
            problems.append(f"{where}: SDS {secret_name}: {path} holds {resource.get('name')!r} (Envoy refuses it)")
        for filename in find_values(resource, "filename"):
            kind, source, key = (mounted.get(filename) or (None,) * 5)[:3]
            if kind != "Secret":
                problems.append(f"{where}: SDS {secret_name} reads {filename}, not a file of a mounted Secret")
        watched = [w["path"] for w in find_values(resource, "watched_directory")]
        dirs = {os.path.dirname(f) for f in find_values(resource, "filename")}
        if watched and set(watched) != dirs:
            problems.append(f"{where}: SDS {secret_name} watches {watched}, its files are in {sorted(dirs)}: "
                            f"a renewed Secret would not be reloaded")
    sockets = [l["address"]["socket_address"] for l in envoy["static_resources"]["listeners"]]
    sockets.append(envoy["admin"]["address"]["socket_address"])
    listeners = {s["port_value"]: s["address"] for s in sockets}
    ports = {p["containerPort"] for p in container.get("ports", [])}
    for port, address in listeners.items():
        if address == "0.0.0.0" and port not in ports:
            problems.append(f"{where}: Envoy listens on {port}, not a container port")
        if address != "0.0.0.0" and port in ports:
            problems.append(f"{where}: Envoy's loopback-only port {port} is a container port")
    args = container.get("args", [])
    limit = cores(container.get("resources", {}).get("limits", {}).get("cpu", "0"))
    concurrency = r.env(container).get("ENVOY_CONCURRENCY")
    if "$(ENVOY_CONCURRENCY)" not in args or concurrency != str(int(limit)) or limit != int(limit):
        problems.append(f"{where}: Envoy's --concurrency ({concurrency}) is not its CPU limit ({limit:g})")
    return problems


def check_envoy_clusters(r, envoy, health):
    """Each DNS cluster of the gateway's Envoy config reaches a Service of this render, at a
    pod port, and its health check asks the name those pods report; their drain outlasts the
    route's timeout."""
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
                for deployment in r.selected_workloads(service["spec"].get("selector", {})):
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
        problems.append(f"Deployment {name} is behind no Envoy cluster of the gateway's config")
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
        if not r.selected_workloads(pdb["spec"].get("selector", {}).get("matchLabels", {})):
            problems.append(f"PodDisruptionBudget {pdb['metadata']['name']} selects no Deployment's or "
                            f"StatefulSet's pods")
    budgets = [p["spec"].get("selector", {}).get("matchLabels", {}) for p in r.of("PodDisruptionBudget")]
    for name in list(SERVICES) + [GATEWAY[0]]:
        deployment = r.get("Deployment", name)
        if deployment and not any(matches(b, r.pod_labels(deployment)) for b in budgets):
            problems.append(f"Deployment {name} has no PodDisruptionBudget")
    for deployment in r.workloads():
        selector = deployment["spec"]["selector"].get("matchLabels", {})
        if not matches(selector, r.pod_labels(deployment)):
            problems.append(f"{deployment['kind']} {deployment['metadata']['name']}: selector does not match its "
                            f"pod labels")
    return problems


# --- security ---------------------------------------------------------------------------------

def pods(r):
    """(kind, name, pod spec, labels) of every Deployment and StatefulSet."""
    return [(d["kind"], d["metadata"]["name"], d["spec"]["template"]["spec"], r.pod_labels(d)) for d in r.workloads()]


def check_secrets(r):
    """Secrets reach containers only as read-only files of mode <= 0440, every Secret a pod
    needs is made by something, no ConfigMap holds what looks like a secret, every SHOP_*_FILE
    flag names a mounted Secret file, and Redis gets its password the same way."""
    problems = []
    for workload_kind, name, pod, _ in pods(r):
        volumes = {v["name"]: v for v in pod.get("volumes", [])}
        for volume in volumes.values():
            secret = volume.get("secret")
            if secret is None:
                continue
            if r.secret_keys(secret["secretName"]) is None:
                problems.append(f"{workload_kind} {name}: volume {volume['name']} needs Secret {secret['secretName']}, "
                                f"which is neither rendered, nor made by a Certificate, nor one of the hand-made "
                                f"Secrets {sorted(HAND_MADE_SECRETS)} (deploy/k8s/README.md)")
        for c in pod["containers"] + pod.get("initContainers", []):
            where = f"{workload_kind} {name} container {c['name']}"
            for e in c.get("env", []):
                ref = e.get("valueFrom", {}).get("secretKeyRef")
                if ref:
                    problems.append(f"{where}: Secret {ref.get('name')} in the environment ({e['name']}); "
                                    f"secrets are mounted files")
            for source in c.get("envFrom", []):
                if "secretRef" in source:
                    problems.append(f"{where}: Secret {source['secretRef'].get('name')} in the environment "
                                    f"(envFrom); secrets are mounted files")
            files = r.mounted_files(pod, c)
            for path, (kind, source, key, mode, read_only) in sorted(files.items()):
                if kind != "Secret":
                    continue
                if mode & ~SECRET_MODE_MAX:
                    problems.append(f"{where}: Secret file {path} has mode {mode:04o}, more than "
                                    f"{SECRET_MODE_MAX:04o} (owner and group read)")
                if not read_only:
                    problems.append(f"{where}: Secret {source} is mounted at {os.path.dirname(path)} not read-only")
            for key, value in r.env(c).items():
                secret_like = re.search(r"(^|_)(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)(_|$)", key)
                if secret_like and not key.endswith("_FILE"):
                    problems.append(f"{where}: {key} looks like a secret in a ConfigMap or env value; "
                                    f"mount it from a Secret and pass the file")
                if key.startswith("SHOP_") and key.endswith("_FILE") and files.get(value, ("",))[0] != "Secret":
                    problems.append(f"{where}: {key}={value} is not a file of a mounted Secret")
    redis = r.get("Deployment", REDIS[0])
    if redis is not None:
        pod = redis["spec"]["template"]["spec"]
        c = pod["containers"][0]
        line = " ".join(c.get("command", []) + c.get("args", []))
        files = r.mounted_files(pod, c)
        password_files = [p for p, f in files.items() if f[0] == "Secret" and p in line]
        if re.search(r"requirepass\s+(?!\$)", line):
            problems.append("Deployment redis: the password is on the command line (requirepass); read it "
                            "from the mounted Secret")
        if not password_files:
            problems.append("Deployment redis: requires no password (its command reads no mounted Secret file)")
        for client in ("recommender", "support-bot"):
            deployment = r.get("Deployment", client)
            if deployment is None:
                continue
            client_pod = deployment["spec"]["template"]["spec"]
            client_c = client_pod["containers"][0]
            mine = r.mounted_files(client_pod, client_c).get(r.env(client_c).get("SHOP_REDIS_PASSWORD_FILE"))
            if mine is None or all(files[p][1:3] != mine[1:3] for p in password_files):
                problems.append(f"Deployment {client}: SHOP_REDIS_PASSWORD_FILE is not the password Redis "
                                f"requires (the same key of the same Secret)")
    return list(dict.fromkeys(problems))  # a mount's files share its problems


def private_key_problems(files):
    """Private key material in deploy/ ({path: text}): PEM private keys, JWKs with private members."""
    problems = []
    pem = "-----BEGIN " + r"[A-Z ]*PRIVATE KEY-----"
    for path, text in sorted(files.items()):
        if re.search(pem, text):
            problems.append(f"{path}: holds a PEM private key; keys come from Secrets, never from the repository")
        if path.endswith(".json"):
            try:
                doc = json.loads(text)
            except ValueError:
                continue
            for keys in find_values(doc, "keys"):
                for jwk in keys if isinstance(keys, list) else []:
                    members = set(jwk) if isinstance(jwk, dict) else set()
                    private = sorted(members & {"d", "p", "q", "dp", "dq", "qi", "k"})
                    if private:
                        problems.append(f"{path}: JWK {jwk.get('kid')} holds private members {private}")
    return problems


def deploy_files():
    """The text files under deploy/ (not installed packages)."""
    files = {}
    for root, dirs, names in os.walk(os.path.join(REPO_ROOT, "deploy")):
        dirs[:] = [d for d in dirs if d != "node_modules"]
        for name in names:
            path = os.path.join(root, name)
            try:
                files[os.path.relpath(path, REPO_ROOT)] = open(path, encoding="utf-8").read()
            except UnicodeDecodeError:
                continue
    return files


def check_tls(r, envoy):
    """When the services serve TLS (prod): each serves a certificate naming it and requires
    client certificates; the gateway's listener is TLS; Envoy calls each over mutual TLS
    checking the service's name; the identity headers are trusted only from the gateway's
    client certificate; the bot reaches the translator over mutual TLS; Services no longer
    say h2c; each Certificate's issuer is rendered. Without TLS nothing may half use it."""
    problems = []
    certificates = {c["metadata"]["name"]: c for c in r.of("Certificate")}
    issuers = {i["metadata"]["name"]: i for i in r.of("Issuer")}
    for name, certificate in certificates.items():
        ref = certificate["spec"].get("issuerRef", {})
        if ref.get("kind", "Issuer") == "Issuer" and ref.get("name") not in issuers:
            problems.append(f"Certificate {name}: issuer {ref.get('name')} is not rendered")
    ca_secrets = {c["spec"]["secretName"] for c in certificates.values() if c["spec"].get("isCA")}
    for name, issuer in issuers.items():
        ca = issuer["spec"].get("ca")
        if ca is not None and ca.get("secretName") not in ca_secrets:
            problems.append(f"Issuer {name}: its CA Secret {ca.get('secretName')} is no isCA Certificate's")

    pod, gw = gateway_pod(r)
    clusters = {}
    for cluster in (envoy or {}).get("static_resources", {}).get("clusters", []):
        for group in cluster.get("load_assignment", {}).get("endpoints", []):
            for e in group.get("lb_endpoints", []):
                socket = e["endpoint"]["address"]["socket_address"]
                service, _ = r.service_port(f"{socket['address']}:{socket['port_value']}")
                for deployment in r.selected_workloads((service or {"spec": {}})["spec"].get("selector", {})):
                    clusters[deployment["metadata"]["name"]] = cluster
    sds = sds_files(r, envoy, pod, gw) if envoy and pod else {}

    def sds_certificate(config_name):
        """The Certificate whose Secret an SDS secret of the gateway reads."""
        _, resource = sds.get(config_name, (None, None))
        mounted = r.mounted_files(pod, gw)
        for filename in find_values(resource or {}, "filename"):
            entry = mounted.get(filename)
            if entry and entry[0] == "Secret":
                return r.certificate(entry[1])
        return None

    def served(name):
        """(its environment, the Certificate it serves or None, whether it requires client
        certificates)."""
        deployment = r.get("Deployment", name)
        c = deployment["spec"]["template"]["spec"]["containers"][0]
        env = r.env(c)
        entry = r.mounted_files(deployment["spec"]["template"]["spec"], c).get(env.get("SHOP_TLS_CERT_FILE"))
        certificate = r.certificate(entry[1]) if entry and entry[0] == "Secret" else None
        return env, certificate, bool(env.get("SHOP_TLS_CLIENT_CA_FILE"))

    any_tls = False
    gateway_names = set()
    for name in SERVICES:
        if r.get("Deployment", name) is None:
            continue
        env, certificate, mutual = served(name)
        where = f"Deployment {name}"
        cluster = clusters.get(name, {})
        upstream = (cluster.get("transport_socket") or {}).get("typed_config")
        if not env.get("SHOP_TLS_CERT_FILE"):
            if upstream:
                problems.append(f"Envoy cluster {cluster['name']} speaks TLS to {name}, which serves plaintext")
            if env.get("SHOP_TRUSTED_GATEWAYS"):
                problems.append(f"{where}: SHOP_TRUSTED_GATEWAYS without TLS: no peer name can be verified")
            continue
        any_tls = True
        names = set((certificate or {}).get("spec", {}).get("dnsNames", []))
        wanted = {name, f"{name}.{NAMESPACE}.svc", f"{name}.{NAMESPACE}.svc.cluster.local"}
        if certificate is None:
            problems.append(f"{where}: SHOP_TLS_CERT_FILE is not the Secret of a cert-manager Certificate")
        else:
            if not wanted <= names:
                problems.append(f"{where}: Certificate {certificate['metadata']['name']} does not name "
                                f"{sorted(wanted - names)}")
            if "server auth" not in certificate["spec"].get("usages", ["server auth"]):
                problems.append(f"{where}: Certificate {certificate['metadata']['name']} lacks usage server auth")
        if not mutual:
            problems.append(f"{where}: serves TLS without requiring client certificates (SHOP_TLS_CLIENT_CA_FILE)")
        service = r.get("Service", name)
        for port in (service or {}).get("spec", {}).get("ports", []):
            if port.get("name") == "grpc" and port.get("appProtocol") == "kubernetes.io/h2c":
                problems.append(f"Service {name}: port grpc says appProtocol kubernetes.io/h2c, but it serves TLS")
        if cluster and not upstream:
            problems.append(f"Envoy cluster {cluster['name']} speaks plaintext to {name}, which serves TLS")
        elif upstream:
            host = cluster["load_assignment"]["endpoints"][0]["lb_endpoints"][0]["endpoint"]["address"][
                "socket_address"]["address"]
            common = upstream.get("common_tls_context", {})
            sans = [m.get("matcher", {}).get("exact")
                    for matchers in find_values(common, "match_typed_subject_alt_names") for m in matchers]
            if upstream.get("sni") != host or sans != [host] or host not in names:
                problems.append(f"Envoy cluster {cluster['name']}: SNI {upstream.get('sni')} / checked names {sans} "
                                f"are not {host}, a name of {name}'s certificate")
            client = [sds_certificate(c["name"]) for c in common.get("tls_certificate_sds_secret_configs", [])]
            if mutual and not (client and client[0] and "client auth" in client[0]["spec"].get("usages", [])):
                problems.append(f"Envoy cluster {cluster['name']}: presents no client certificate (a Certificate "
                                f"with usage client auth) to {name}, which requires one")
            for certificate in client:
                gateway_names |= set((certificate or {}).get("spec", {}).get("dnsNames", []))
    for name in SERVICES:
        if r.get("Deployment", name) is None:
            continue
        env, _, mutual = served(name)
        trusted = [t for t in env.get("SHOP_TRUSTED_GATEWAYS", "").split(",") if t]
        if env.get("SHOP_TLS_CERT_FILE") and name in IDENTITY_SERVICES and not trusted:
            problems.append(f"Deployment {name}: SHOP_TRUSTED_GATEWAYS unset: the verified caller identity from "
                            f"the gateway is ignored")
        for entry in trusted:
            kind, _, value = entry.partition(":")
            if kind != "name" or value not in gateway_names or not mutual:
                problems.append(f"Deployment {name}: SHOP_TRUSTED_GATEWAYS entry {entry} is not a name of the "
                                f"gateway's client certificate {sorted(gateway_names)} under mutual TLS")
    listener = next((l for l in (envoy or {}).get("static_resources", {}).get("listeners", [])
                     if l["address"]["socket_address"]["port_value"] == GATEWAY[2]["grpc"]), {})
    listener_tls = any(c.get("transport_socket") for c in listener.get("filter_chains", []))
    if any_tls and envoy and not listener_tls:
        problems.append("the services serve TLS, but clients reach the gateway's listener in plaintext")
    if listener_tls:
        for port in (r.get("Service", GATEWAY[1]) or {}).get("spec", {}).get("ports", []):
            if port.get("name") == "grpc" and port.get("appProtocol") == "kubernetes.io/h2c":
                problems.append(f"Service {GATEWAY[1]}: port grpc says appProtocol kubernetes.io/h2c, but the "
                                f"listener is TLS")
    bot = r.get("Deployment", "support-bot")
    if bot is not None and r.get("Deployment", "translator") is not None:
        bot_env, bot_certificate, _ = served("support-bot")
        translator_env, translator_certificate, translator_mutual = served("translator")
        host = bot_env.get("SHOP_TRANSLATOR_ADDRESS", "").rpartition(":")[0]
        if translator_env.get("SHOP_TLS_CERT_FILE"):
            if not bot_env.get("SHOP_TRANSLATOR_TLS_CA_FILE"):
                problems.append("Deployment support-bot calls the TLS translator in plaintext "
                                "(SHOP_TRANSLATOR_TLS_CA_FILE unset)")
            if host not in (translator_certificate or {}).get("spec", {}).get("dnsNames", []):
                problems.append(f"Deployment support-bot dials {host}, not a name of the translator's certificate")
            if translator_mutual and not (bot_env.get("SHOP_TRANSLATOR_TLS_CERT_FILE")
                                          and bot_env.get("SHOP_TRANSLATOR_TLS_KEY_FILE")):
                problems.append("Deployment support-bot has no client certificate for the translator, which "
                                "requires one (SHOP_TRANSLATOR_TLS_CERT_FILE/KEY_FILE)")
            bot_pod = bot["spec"]["template"]["spec"]
            mounted = r.mounted_files(bot_pod, bot_pod["containers"][0])
            entry = mounted.get(bot_env.get("SHOP_TRANSLATOR_TLS_CERT_FILE"))
            client = r.certificate(entry[1]) if entry and entry[0] == "Secret" else None
            if translator_mutual and client and "client auth" not in client["spec"].get("usages", []):
                problems.append(f"Deployment support-bot: Certificate {client['metadata']['name']} lacks usage "
                                f"client auth, which the translator requires")
        elif bot_env.get("SHOP_TRANSLATOR_TLS_CA_FILE"):
            problems.append("Deployment support-bot speaks TLS to the translator, which serves plaintext")
    return problems


# NetworkPolicy evaluation. A workload is a pod (namespace, namespace labels, pod labels,
# container ports {name: (number, protocol)}) or an address outside the cluster (labels None).
def workload(namespace, labels, ports=None, address=None):
    return {"namespace": namespace, "ns_labels": {"kubernetes.io/metadata.name": namespace} if namespace else {},
            "labels": labels, "ports": ports or {}, "address": address}


def peer_matches(peer, other, policy_namespace):
    if "ipBlock" in peer:
        if other["address"] is None:
            return False
        block, address = peer["ipBlock"], ipaddress.ip_address(other["address"])
        return address in ipaddress.ip_network(block["cidr"]) and not any(
            address in ipaddress.ip_network(e) for e in block.get("except", []))
    if other["labels"] is None:
        return False
    if "namespaceSelector" in peer:
        if not selects(peer["namespaceSelector"], other["ns_labels"]):
            return False
    elif other["namespace"] != policy_namespace:
        return False
    return selects(peer.get("podSelector", {}), other["labels"])


def port_matches(rule_ports, pod, port, protocol):
    """Whether `port`/`protocol` of `pod` (the destination) is in a rule's ports."""
    if not rule_ports:
        return True
    for p in rule_ports:
        if p.get("protocol", "TCP") != protocol:
            continue
        wanted = p.get("port")
        if wanted is None:
            return True
        if isinstance(wanted, str):
            number, named_protocol = pod["ports"].get(wanted, (None, None))
            if number == port and named_protocol == protocol:
                return True
        elif wanted <= port <= p.get("endPort", wanted):
            return True
    return False


def isolating(policies, direction, labels):
    """The policies that select pods with `labels` for `direction` (policyTypes defaults to
    Ingress, plus Egress when the policy has egress rules)."""
    return [p for p in policies if selects(p["spec"].get("podSelector", {}), labels)
            and direction in p["spec"].get("policyTypes", ["Ingress"] + (["Egress"] if "egress" in p["spec"] else []))]


def policy_allows(policies, direction, subject, other, destination, port, protocol):
    """Whether the policies let `other` in to (direction ingress) or out from (egress)
    `subject`, a pod of namespace shop, on destination's port."""
    field, peers = ("ingress", "from") if direction == "Ingress" else ("egress", "to")
    selecting = isolating(policies, direction, subject["labels"])
    if not selecting:
        return True  # not isolated
    return any((not rule.get(peers) or any(peer_matches(peer, other, NAMESPACE) for peer in rule[peers]))
               and port_matches(rule.get("ports"), destination, port, protocol)
               for p in selecting for rule in p["spec"].get(field, []))


def check_network_policies(r, envoy):
    """Evaluates the NetworkPolicies like a CNI: every pod is isolated in both directions,
    each flow the system needs is allowed at both ends (public listener, Envoy clusters,
    client address flags, Prometheus on the ServiceMonitors' ports, cluster DNS for pods that
    resolve names), and no other flow between these pods, an unlisted pod of shop, a pod of
    another namespace, a non-Prometheus pod of monitoring and an address outside the cluster."""
    problems, policies = [], r.of("NetworkPolicy")
    members = {}
    for _, name, pod, labels in pods(r):
        ports = {p.get("name", str(p["containerPort"])): (p["containerPort"], p.get("protocol", "TCP"))
                 for c in pod["containers"] for p in c.get("ports", [])}
        members[name] = workload(NAMESPACE, labels, ports)
        for direction in ("Ingress", "Egress"):
            if not isolating(policies, direction, labels):
                problems.append(f"NetworkPolicy: pods of {name} are not isolated for {direction.lower()} "
                                f"(no policy with that type selects them)")
    outsiders = {
        "an unlisted pod of namespace shop": workload(NAMESPACE, {"app.kubernetes.io/name": "intruder"},
                                                      {"http": (8080, "TCP")}),
        # Labelled like one of ours: only a namespace-blind selector would let it in.
        "a pod of another namespace": workload("other", {"app.kubernetes.io/name": "recommender"},
                                               {"http": (8080, "TCP")}),
        "a non-Prometheus pod of namespace monitoring": workload(PROMETHEUS[0], {"app": "grafana"},
                                                                 {"http": (3000, "TCP")}),
        "Prometheus": workload(PROMETHEUS[0], PROMETHEUS[1], {"web": (9090, "TCP")}),
        "cluster DNS": workload(CLUSTER_DNS[0], CLUSTER_DNS[1], {"dns": (53, "UDP"), "dns-tcp": (53, "TCP")}),
        # Probed on HTTPS and PostgreSQL's port: no egress may open them to the whole outside.
        "an address outside the cluster": workload(None, None, {"https": (443, "TCP"),
                                                                "postgres": (POSTGRES_PORT, "TCP")},
                                                   address="203.0.113.7"),
    }
    # (source, destination workload or outsider, port, protocol) -> why it is needed
    needed = {}
    # The bot's order database: a pod of the render behind the URL's Service, or a server
    # outside the cluster. A policy can only name the latter by address (an ipBlock of the
    # server's subnet, overlays/prod/orders-db.yaml): it stands at the first address of the
    # CIDRs the bot's egress rules open on the URL's port, or, without any, at an address no
    # rule opens (so the flow fails).
    db = orders_db(r)
    if db and db["postgres"] and db["port"]:
        why = f"SHOP_ORDERS_DB host {db['host']}:{db['port']}"
        if db["in_cluster"] and db["service"] and db["service_port"]:
            for target in r.selected_workloads(db["service"]["spec"].get("selector", {})):
                number = container_port(target["spec"]["template"]["spec"]["containers"][0],
                                        db["service_port"].get("targetPort", db["service_port"]["port"]))
                needed[(ORDERS_DB_CLIENT, target["metadata"]["name"], number, "TCP")] = why
        elif not db["in_cluster"] and ORDERS_DB_CLIENT in members:
            cidrs = [peer["ipBlock"]["cidr"]
                     for p in isolating(policies, "Egress", members[ORDERS_DB_CLIENT]["labels"])
                     for rule in p["spec"].get("egress", [])
                     if port_matches(rule.get("ports"), {"ports": {}}, db["port"], "TCP")
                     for peer in rule.get("to", []) if "ipBlock" in peer]
            network = ipaddress.ip_network(cidrs[0]) if cidrs else None
            address = str(next(network.hosts(), network.network_address)) if network else "198.51.100.7"
            # Probed on HTTPS too: the rule must open the database's port only.
            outsiders["the order database"] = workload(None, None, {"postgres": (db["port"], "TCP"),
                                                                    "https": (443, "TCP")}, address=address)
            needed[(ORDERS_DB_CLIENT, "the order database", db["port"], "TCP")] = why
        if db["service"] or not db["in_cluster"]:
            for protocol in ("UDP", "TCP"):
                needed[(ORDERS_DB_CLIENT, "cluster DNS", CLUSTER_DNS[2], protocol)] = "resolving Service names"
    gateway_port = GATEWAY[2]["grpc"]
    for source in outsiders:
        if GATEWAY[0] in members:
            needed[(source, GATEWAY[0], gateway_port, "TCP")] = "the public listener"
    for monitor in r.of("ServiceMonitor"):
        selector = monitor["spec"].get("selector", {}).get("matchLabels", {})
        for service in (s for s in r.of("Service") if matches(selector, s["metadata"].get("labels", {}))):
            for scraped in monitor["spec"].get("endpoints", []):
                port = next((p for p in service["spec"]["ports"] if p.get("name") == scraped.get("port")), None)
                for deployment in r.selected_workloads(service["spec"].get("selector", {})):
                    number = container_port(deployment["spec"]["template"]["spec"]["containers"][0],
                                            (port or {}).get("targetPort", (port or {}).get("port")))
                    if number:
                        needed[("Prometheus", deployment["metadata"]["name"], number, "TCP")] = \
                            f"ServiceMonitor {monitor['metadata']['name']}"
    resolvers = set()
    for cluster in (envoy or {}).get("static_resources", {}).get("clusters", []):
        for group in cluster.get("load_assignment", {}).get("endpoints", []):
            for e in group.get("lb_endpoints", []):
                socket = e["endpoint"]["address"]["socket_address"]
                service, port = r.service_port(f"{socket['address']}:{socket['port_value']}")
                if cluster.get("type") in ("STRICT_DNS", "LOGICAL_DNS"):
                    resolvers.add(GATEWAY[0])
                for deployment in r.selected_workloads((service or {"spec": {}})["spec"].get("selector", {})):
                    needed[(GATEWAY[0], deployment["metadata"]["name"], socket["port_value"], "TCP")] = \
                        f"Envoy cluster {cluster['name']}"
    for _, name, pod, _ in pods(r):
        for key, value in r.env(pod["containers"][0]).items():
            if not key.endswith("_ADDRESS") or ":" not in value:
                continue
            service, port = r.service_port(value)
            if service is None or port is None:
                continue
            resolvers.add(name)
            for deployment in r.selected_workloads(service["spec"].get("selector", {})):
                number = container_port(deployment["spec"]["template"]["spec"]["containers"][0],
                                        port.get("targetPort", port["port"]))
                needed[(name, deployment["metadata"]["name"], number, "TCP")] = f"{key}={value}"
    for name in resolvers:
        for protocol in ("UDP", "TCP"):
            needed[(name, "cluster DNS", CLUSTER_DNS[2], protocol)] = "resolving Service names"

    everyone = {**members, **outsiders}
    for source, src in everyone.items():
        for destination, dst in everyone.items():
            if source == destination or (source not in members and destination not in members):
                continue
            for number, protocol in sorted(set(dst["ports"].values())) or [(443, "TCP")]:
                allowed = ((destination not in members
                            or policy_allows(policies, "Ingress", dst, src, dst, number, protocol))
                           and (source not in members
                                or policy_allows(policies, "Egress", src, dst, dst, number, protocol)))
                why = needed.get((source, destination, number, protocol))
                if why and not allowed:
                    problems.append(f"NetworkPolicy: {source} cannot reach {destination} port {number}/{protocol}, "
                                    f"which it needs ({why})")
                elif allowed and not why:
                    problems.append(f"NetworkPolicy: {source} can reach {destination} port {number}/{protocol}, "
                                    f"which nothing needs")
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
            # The image's SQLite file is its default for a lone `docker run`; the cluster's
            # replicas share a PostgreSQL server instead (check_orders_db).
            if key == "SHOP_ORDERS_DB" and is_postgres_url(env.get(key, "")):
                continue
            if key in env and env[key] != value:
                problems.append(f"{where}: ENV {key}={value} differs from the ConfigMap's {env[key]}")
    if len(builders) > 1:
        problems.append("the builder stages of deploy/docker/*.Dockerfile differ (they would not share layers)")
    return problems


def check(objects, files, dockerfiles, health, flags, base=False):
    """Every problem of a render (`base`: the base's, which leaves the order database to the
    overlays)."""
    r = Render(objects)
    _, envoy = selected_envoy_config(r, files)
    hpas = {h["spec"]["scaleTargetRef"].get("name"): h for h in r.of("HorizontalPodAutoscaler")}
    problems = check_namespace(r) + check_services(r) + check_selectors(r) + check_monitoring(r)
    problems += check_network_policies(r, envoy) + check_secrets(r) + check_tls(r, envoy)
    problems += check_orders_db(r, base) + check_redis_prefixes(r)
    for workload in r.workloads():
        problems += check_pod(r, workload)
    for name in SERVICES:
        problems += check_service_deployment(r, name, health[name], flags[name], hpas)
    problems += check_gateway(r, files) + (check_envoy_clusters(r, envoy, health) if envoy else [])
    problems += check_images(r, dockerfiles)
    return problems


# --- broken copies ---------------------------------------------------------------------------

def obj(objects, kind, name):
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


def pod(objects, name):
    """The pod spec of the Deployment or StatefulSet `name`."""
    return next(o for o in objects if o["kind"] in WORKLOAD_KINDS and o["metadata"]["name"] == name)[
        "spec"]["template"]["spec"]


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
    ("misspelled NetworkPolicy field podSelecter",
     lambda o: obj(o, "NetworkPolicy", "redis")["spec"].update(podSelecter={}),
     r"spec/podSelecter is not a field"),
    ("misspelled StatefulSet field serviceNme",
     lambda o: obj(o, "StatefulSet", "postgres")["spec"].update(serviceNme="postgres"),
     r"spec/serviceNme is not a field"),
    ("volumeClaimTemplate storage is a list",
     lambda o: obj(o, "StatefulSet", "postgres")["spec"]["volumeClaimTemplates"][0]["spec"]["resources"].update(
         requests={"storage": ["1Gi"]}),
     r"volumeClaimTemplates/0/spec/resources/requests/storage must be"),
    # cert-manager's objects exist in prod only.
    ("Certificate duration is a number",
     lambda o: obj(o, "Certificate", "recommender-tls")["spec"].update(duration=720),
     r"duration must be string", "overlays/prod"),
    ("misspelled Certificate field dnsName",
     lambda o: obj(o, "Certificate", "translator-tls")["spec"].update(dnsName=["translator"]),
     r"spec/dnsName is not a field", "overlays/prod"),
]


def remove_named(items, name):
    items[:] = [i for i in items if i.get("name") != name]


def mount(objects, deployment, name):
    return next(m for m in container(objects, deployment)["volumeMounts"] if m["name"] == name)


def volume(objects, deployment, name):
    return next(v for v in pod(objects, deployment)["volumes"] if v["name"] == name)


def add_deploy_file(path, text):
    return lambda o, i: i["deploy"].update({path: text})


def env_entry(c, name):
    return next(e for e in c["env"] if e["name"] == name)


# (what, mutation, wanted reason[, render]): the dev render unless a render is named. The
# inputs are the parsed envoy.yaml, the Dockerfile facts, extra deploy/ files, and every
# render (read only).
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
     r"NetworkPolicy: support-bot cannot reach redis port 6379/TCP, which it needs "
     r"\(SHOP_REDIS_ADDRESS=redis:6379\)"),
    ("Redis open to every pod of shop",
     lambda o, i: obj(o, "NetworkPolicy", "redis")["spec"]["ingress"][0].pop("from"),
     r"NetworkPolicy: an unlisted pod of namespace shop can reach redis port 6379/TCP, which nothing needs"),
    ("Redis open to other namespaces",
     lambda o, i: obj(o, "NetworkPolicy", "redis")["spec"]["ingress"][0]["from"][0].update(namespaceSelector={}),
     r"NetworkPolicy: a pod of another namespace can reach redis port 6379/TCP, which nothing needs"),
    ("support bot's egress open to everywhere",
     lambda o, i: obj(o, "NetworkPolicy", "support-bot")["spec"]["egress"].append({}),
     r"NetworkPolicy: support-bot can reach an address outside the cluster port 443/TCP, which nothing needs"),
    ("no NetworkPolicy isolates the translator",
     lambda o, i: [o.remove(obj(o, "NetworkPolicy", n)) for n in ("default-deny", "translator")],
     r"NetworkPolicy: pods of translator are not isolated for ingress"),
    ("Prometheus kept out of the recommender's metrics",
     lambda o, i: obj(o, "NetworkPolicy", "recommender")["spec"]["ingress"].pop(1),
     r"NetworkPolicy: Prometheus cannot reach recommender port 9090/TCP, which it needs "
     r"\(ServiceMonitor recommender\)"),
    ("the public listener closed to the outside",
     lambda o, i: obj(o, "NetworkPolicy", "envoy-gateway")["spec"]["ingress"][0].update(
         {"from": [{"podSelector": {}}]}),
     r"NetworkPolicy: an address outside the cluster cannot reach envoy-gateway port 8080/TCP, which it "
     r"needs \(the public listener\)"),
    ("no DNS for the gateway",
     lambda o, i: obj(o, "NetworkPolicy", "allow-dns")["spec"]["podSelector"]["matchExpressions"][0]["values"]
     .remove("envoy-gateway"),
     r"NetworkPolicy: envoy-gateway cannot reach cluster DNS port 53/UDP, which it needs"),
    ("Secret in the environment",
     lambda o, i: container(o, "recommender").setdefault("env", []).append(
         {"name": "REDIS_PW", "valueFrom": {"secretKeyRef": {"name": "redis-auth", "key": "password"}}}),
     r"recommender container recommender: Secret redis-auth in the environment \(REDIS_PW\)"),
    ("Secret file readable by everyone",
     lambda o, i: volume(o, "support-bot", "redis-auth")["secret"].update(defaultMode=0o644),
     r"support-bot: Secret file /etc/shop/redis/password has mode 0644"),
    ("Secret mounted writable",
     lambda o, i: mount(o, "recommender", "redis-auth").update(readOnly=False),
     r"recommender: Secret redis-auth is mounted at /etc/shop/redis not read-only"),
    ("password in a ConfigMap",
     lambda o, i: flags_of(o, "recommender").update(SHOP_REDIS_PASSWORD="hunter2"),
     r"SHOP_REDIS_PASSWORD looks like a secret in a ConfigMap"),
    ("password file flag names no mounted file",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_REDIS_PASSWORD_FILE="/etc/redis/password"),
     r"support-bot: SHOP_REDIS_PASSWORD_FILE=/etc/redis/password is not a file of a mounted Secret"),
    ("Redis password on the command line",
     lambda o, i: container(o, "redis")["args"].extend(["--requirepass", "hunter2"]),
     r"Deployment redis: the password is on the command line"),
    ("Redis without a password",
     lambda o, i: container(o, "redis").update(command=["redis-server"]),
     r"Deployment redis: requires no password"),
    ("a Secret nothing makes",
     lambda o, i: volume(o, "recommender", "redis-auth")["secret"].update(secretName="redis-auht"),
     r"recommender: volume redis-auth needs Secret redis-auht, which is neither rendered"),
    ("private key committed under deploy/",
     add_deploy_file("deploy/envoy/key.pem", "-----BEGIN " + "EC PRIVATE KEY-----\nMHc...\n"),
     r"deploy/envoy/key\.pem: holds a PEM private key"),
    ("JWKS with a private key member",
     add_deploy_file("deploy/envoy/jwks.json", json.dumps({"keys": [{"kty": "EC", "kid": "k1", "d": "AAAA"}]})),
     r"deploy/envoy/jwks\.json: JWK k1 holds private members \['d'\]"),
    ("gateway's JWKS ConfigMap is not deploy/envoy/jwks.json",
     lambda o, i: next(c for c in o if "jwks.json" in c.get("data", {}))["data"].update({"jwks.json": "{}"}),
     r"jwks\.json is not deploy/envoy/jwks\.json"),
    ("JWKS not mounted in the gateway",
     lambda o, i: remove_named(container(o, "envoy-gateway")["volumeMounts"], "jwks"),
     r"the JWKS /etc/shop/jwks/jwks\.json of envoy\.yaml is not a file of deploy/envoy mounted"),
    # prod: TLS on every hop.
    ("native gRPC probe on the TLS port",
     lambda o, i: container(o, "translator")["readinessProbe"]["grpc"].update(port=50051),
     r"translator: readinessProbe probes the TLS port SHOP_PORT=50051; the kubelet's gRPC probe speaks "
     r"plaintext", "overlays/prod"),
    ("TCP probe over TLS (ready before SERVING)",
     lambda o, i: container(o, "recommender").update(startupProbe={"tcpSocket": {"port": "grpc"}}),
     r"recommender: startupProbe is not a native gRPC probe of the health port", "overlays/prod"),
    ("health port flag differs from the probes' port",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_HEALTH_PORT="50053"),
     r"support-bot: readinessProbe probes port 50052, the plaintext health port is SHOP_HEALTH_PORT=50053",
     "overlays/prod"),
    ("liveness probe on a port that is not the health port",
     lambda o, i: container(o, "translator")["livenessProbe"]["grpc"].update(port=9090),
     r"translator: livenessProbe probes port 9090, the plaintext health port is SHOP_HEALTH_PORT=50052",
     "overlays/prod"),
    ("no SHOP_HEALTH_PORT over TLS",
     lambda o, i: flags_of(o, "recommender").pop("SHOP_HEALTH_PORT"),
     r"recommender: serves TLS \(SHOP_TLS_CERT_FILE\) without a plaintext health port", "overlays/prod"),
    ("health port not a declared container port",
     lambda o, i: remove_named(container(o, "translator")["ports"], "health"),
     r"translator: SHOP_HEALTH_PORT=50052 differs from its container port health \(None\)", "overlays/prod"),
    ("health probe asks the server's overall status, not the service's",
     lambda o, i: container(o, "support-bot")["startupProbe"]["grpc"].update(service=""),
     r"support-bot: startupProbe asks health service '', the server reports", "overlays/prod"),
    ("plaintext health port open to every pod of shop",
     lambda o, i: obj(o, "NetworkPolicy", "translator")["spec"]["ingress"].append(
         {"ports": [{"protocol": "TCP", "port": "health"}]}),
     r"NetworkPolicy: an unlisted pod of namespace shop can reach translator port 50052/TCP, which nothing "
     r"needs", "overlays/prod"),
    ("identity trusted from a name the gateway's certificate lacks",
     lambda o, i: flags_of(o, "recommender").update(SHOP_TRUSTED_GATEWAYS="name:gateway"),
     r"recommender: SHOP_TRUSTED_GATEWAYS entry name:gateway is not a name of the gateway's client "
     r"certificate", "overlays/prod"),
    ("identity trusted from a pod address",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_TRUSTED_GATEWAYS="ip:10.0.0.7"),
     r"support-bot: SHOP_TRUSTED_GATEWAYS entry ip:10\.0\.0\.7 is not a name", "overlays/prod"),
    ("support bot trusts no gateway",
     lambda o, i: flags_of(o, "support-bot").pop("SHOP_TRUSTED_GATEWAYS"),
     r"support-bot: SHOP_TRUSTED_GATEWAYS unset", "overlays/prod"),
    ("TLS key flag names an unmounted file",
     lambda o, i: flags_of(o, "recommender").update(SHOP_TLS_KEY_FILE="/etc/shop/tls/key.pem"),
     r"recommender: SHOP_TLS_KEY_FILE=/etc/shop/tls/key\.pem is not a file of a mounted Secret", "overlays/prod"),
    ("translator certificate lacks the name Envoy checks",
     lambda o, i: obj(o, "Certificate", "translator-tls")["spec"]["dnsNames"].remove(
         "translator.shop.svc.cluster.local"),
     r"Certificate translator-tls does not name \['translator\.shop\.svc\.cluster\.local'\]", "overlays/prod"),
    ("translator without client certificates",
     lambda o, i: flags_of(o, "translator").pop("SHOP_TLS_CLIENT_CA_FILE"),
     r"translator: serves TLS without requiring client certificates", "overlays/prod"),
    ("gateway runs the plaintext config in prod",
     lambda o, i: flags_of(o, "envoy-gateway").update(ENVOY_CONFIG="/etc/envoy/envoy.yaml"),
     r"Envoy cluster recommender speaks plaintext to recommender, which serves TLS", "overlays/prod"),
    ("support bot calls the TLS translator in plaintext",
     lambda o, i: flags_of(o, "support-bot").pop("SHOP_TRANSLATOR_TLS_CA_FILE"),
     r"support-bot calls the TLS translator in plaintext", "overlays/prod"),
    ("h2c on a TLS port",
     lambda o, i: obj(o, "Service", "recommender")["spec"]["ports"][0].update(appProtocol="kubernetes.io/h2c"),
     r"Service recommender: port grpc says appProtocol kubernetes\.io/h2c", "overlays/prod"),
    ("gateway's client certificate not mounted",
     lambda o, i: remove_named(container(o, "envoy-gateway")["volumeMounts"], "tls-client"),
     r"SDS upstream_client_cert reads /etc/shop/tls/client/tls\.crt, not a file of a mounted Secret",
     "overlays/prod"),
    ("gateway's client certificate without client auth",
     lambda o, i: obj(o, "Certificate", "gateway-client-tls")["spec"].update(usages=["digital signature"]),
     r"Envoy cluster recommender: presents no client certificate \(a Certificate with usage client auth\)",
     "overlays/prod"),
    ("CA Issuer on a Secret no CA Certificate makes",
     lambda o, i: obj(o, "Issuer", "shop-internal-ca")["spec"]["ca"].update(secretName="shop-ca"),
     r"Issuer shop-internal-ca: its CA Secret shop-ca is no isCA Certificate's", "overlays/prod"),
    ("orders database on the read-only root",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_ORDERS_DB="/app/orders.db"),
     r"SHOP_ORDERS_DB=/app/orders.db is not on a writable volume"),
    # The support bot: scaled out, orders in PostgreSQL (dev: a StatefulSet; prod: external).
    ("support bot's replicas fixed beside its HPA",
     lambda o, i: obj(o, "Deployment", "support-bot")["spec"].update(replicas=2),
     r"support-bot: sets replicas although an HPA owns the count"),
    ("support bot down to one replica",
     lambda o, i: obj(o, "HorizontalPodAutoscaler", "support-bot")["spec"].update(minReplicas=1),
     r"support-bot: HPA minReplicas 1 < 2"),
    ("support bot down to one replica in prod",
     lambda o, i: obj(o, "HorizontalPodAutoscaler", "support-bot")["spec"].update(minReplicas=1),
     r"support-bot: HPA minReplicas 1 < 2", "overlays/prod"),
    ("support bot without HPA",
     lambda o, i: o.remove(obj(o, "HorizontalPodAutoscaler", "support-bot")),
     r"Deployment support-bot: no HorizontalPodAutoscaler"),
    ("support bot rolled out with Recreate",
     lambda o, i: obj(o, "Deployment", "support-bot")["spec"].update(strategy={"type": "Recreate"}),
     r"support-bot: strategy Recreate stops every replica"),
    ("support bot without PodDisruptionBudget",
     lambda o, i: o.remove(obj(o, "PodDisruptionBudget", "support-bot")),
     r"Deployment support-bot has no PodDisruptionBudget"),
    ("orders back in a SQLite file",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_ORDERS_DB="/tmp/orders.db"),
     r"support-bot: SHOP_ORDERS_DB=/tmp/orders\.db is a SQLite file, which one process only may write, but 3 "
     r"replicas"),
    ("sessions back in memory",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_SESSION_STORE="memory"),
     r"support-bot: SHOP_SESSION_STORE=memory: each replica keeps its own, but 2-3 replicas share the calls"),
    ("bot's session keys under the recommender's prefix",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_REDIS_KEY_PREFIX="shop:rec:"),
     r"recommender and support-bot share Redis redis:6379 with overlapping key prefixes 'shop:rec:hist:' and "
     r"'shop:rec:'"),
    ("password in the database URL",
     lambda o, i: flags_of(o, "support-bot").update(
         SHOP_ORDERS_DB="postgresql://support_bot:hunter2@postgres.shop.svc.cluster.local:5432/shop"),
     r"support-bot: SHOP_ORDERS_DB holds a password"),
    ("password as a database URL parameter",
     lambda o, i: flags_of(o, "support-bot").update(
         SHOP_ORDERS_DB=flags_of(o, "support-bot")["SHOP_ORDERS_DB"] + "&password=hunter2"),
     r"support-bot: SHOP_ORDERS_DB holds a password"),
    ("no database password file",
     lambda o, i: flags_of(o, "support-bot").pop("SHOP_ORDERS_DB_PASSWORD_FILE"),
     r"support-bot: no SHOP_ORDERS_DB_PASSWORD_FILE"),
    ("database password file not mounted",
     lambda o, i: remove_named(container(o, "support-bot")["volumeMounts"], "orders-db-auth"),
     r"support-bot: SHOP_ORDERS_DB_PASSWORD_FILE=/etc/shop/orders-db/password is not a file of a mounted Secret"),
    ("database password Secret readable by everyone",
     lambda o, i: volume(o, "support-bot", "orders-db-auth")["secret"].update(defaultMode=0o644),
     r"support-bot: Secret file /etc/shop/orders-db/password has mode 0644"),
    ("database URL names a missing Service",
     lambda o, i: flags_of(o, "support-bot").update(
         SHOP_ORDERS_DB="postgresql://support_bot@orders.shop.svc.cluster.local:5432/shop?sslmode=disable"),
     r"support-bot: SHOP_ORDERS_DB host orders\.shop\.svc\.cluster\.local:5432 names no Service"),
    ("database URL's user is not the one PostgreSQL creates",
     lambda o, i: env_entry(container(o, "postgres"), "POSTGRES_USER").update(value="shop"),
     r"SHOP_ORDERS_DB logs in as support_bot, StatefulSet postgres creates the user shop"),
    ("database URL's database is not the one PostgreSQL creates",
     lambda o, i: env_entry(container(o, "postgres"), "POSTGRES_DB").update(value="orders"),
     r"SHOP_ORDERS_DB connects to the database shop, StatefulSet postgres creates orders"),
    ("PostgreSQL's password is another Secret's",
     lambda o, i: next(v for v in obj(o, "StatefulSet", "postgres")["spec"]["template"]["spec"]["volumes"]
                       if v["name"] == "orders-db-auth")["secret"].update(secretName="redis-auth"),
     r"StatefulSet postgres: POSTGRES_PASSWORD_FILE is not the password the bot logs in with"),
    ("PostgreSQL's password in its environment",
     lambda o, i: env_entry(container(o, "postgres"), "POSTGRES_PASSWORD_FILE").update(
         name="POSTGRES_PASSWORD", value="hunter2"),
     r"StatefulSet postgres container postgres: POSTGRES_PASSWORD looks like a secret"),
    ("PostgreSQL's data on an emptyDir",
     lambda o, i: [obj(o, "StatefulSet", "postgres")["spec"].pop("volumeClaimTemplates"),
                   obj(o, "StatefulSet", "postgres")["spec"]["template"]["spec"]["volumes"].append(
                       {"name": "data", "emptyDir": {}})],
     r"StatefulSet postgres: PGDATA /var/lib/postgresql/data/pgdata is not on the claim of a volumeClaimTemplate"),
    ("PostgreSQL's data beside its claim",
     lambda o, i: env_entry(container(o, "postgres"), "PGDATA").update(value="/tmp/pgdata"),
     r"StatefulSet postgres: PGDATA /tmp/pgdata is not on the claim"),
    ("PostgreSQL with a writable root filesystem",
     lambda o, i: container(o, "postgres")["securityContext"].update(readOnlyRootFilesystem=False),
     r"StatefulSet postgres container postgres: root filesystem not read-only"),
    ("PostgreSQL as root",
     lambda o, i: obj(o, "StatefulSet", "postgres")["spec"]["template"]["spec"]["securityContext"].update(
         runAsUser=0),
     r"StatefulSet postgres container postgres: not runAsNonRoot"),
    ("PostgreSQL without readiness probe",
     lambda o, i: container(o, "postgres").pop("readinessProbe"),
     r"StatefulSet postgres container postgres: no readinessProbe"),
    ("PostgreSQL's Service not headless",
     lambda o, i: obj(o, "Service", "postgres")["spec"].pop("clusterIP"),
     r"StatefulSet postgres: serviceName postgres is not a headless Service"),
    ("bot pools above PostgreSQL's max_connections",
     lambda o, i: flags_of(o, "support-bot").update(SHOP_ORDERS_DB_POOL_SIZE="32"),
     r"support-bot: \(3 \+ 1\) replicas x SHOP_ORDERS_DB_POOL_SIZE 32 = 128 connections > what StatefulSet "
     r"postgres accepts \(max_connections 100 - 3 reserved\)"),
    ("PostgreSQL open to every pod of shop",
     lambda o, i: obj(o, "NetworkPolicy", "postgres")["spec"]["ingress"][0].pop("from"),
     r"NetworkPolicy: an unlisted pod of namespace shop can reach postgres port 5432/TCP, which nothing needs"),
    ("PostgreSQL open to the recommender",
     lambda o, i: [obj(o, "NetworkPolicy", "postgres")["spec"]["ingress"][0]["from"].append(
         {"podSelector": {"matchLabels": {"app.kubernetes.io/name": "recommender"}}}),
         obj(o, "NetworkPolicy", "recommender")["spec"]["egress"].append(
         {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "postgres"}}}]})],
     r"NetworkPolicy: recommender can reach postgres port 5432/TCP, which nothing needs"),
    ("bot's egress to PostgreSQL missing",
     lambda o, i: o.remove(obj(o, "NetworkPolicy", "support-bot-orders-db")),
     r"NetworkPolicy: support-bot cannot reach postgres port 5432/TCP, which it needs \(SHOP_ORDERS_DB host "
     r"postgres\.shop\.svc\.cluster\.local:5432\)"),
    ("prod runs dev's PostgreSQL",
     lambda o, i: o.extend(copy.deepcopy(x) for x in i["renders"]["overlays/dev"]
                           if x["kind"] == "StatefulSet"),
     r"StatefulSet postgres: no SHOP_ORDERS_DB names its Service", "overlays/prod"),
    ("prod runs PostgreSQL as a Deployment",
     lambda o, i: o.extend(dict(copy.deepcopy(x), kind="Deployment", spec={
         k: v for k, v in copy.deepcopy(x["spec"]).items() if k in ("selector", "template")})
         for x in i["renders"]["overlays/dev"] if x["kind"] == "StatefulSet"),
     r"Deployment postgres: no SHOP_ORDERS_DB names its Service", "overlays/prod"),
    ("prod's bot on dev's plaintext PostgreSQL",
     lambda o, i: flags_of(o, "support-bot").update(
         SHOP_ORDERS_DB=flags_of(i["renders"]["overlays/dev"], "support-bot")["SHOP_ORDERS_DB"]),
     r"support-bot: SHOP_ORDERS_DB sslmode=disable: the services serve TLS, so this hop must too",
     "overlays/prod"),
    ("external database without the certificate's host name checked",
     lambda o, i: flags_of(o, "support-bot").update(
         SHOP_ORDERS_DB=flags_of(o, "support-bot")["SHOP_ORDERS_DB"].replace("verify-full", "verify-ca")),
     r"support-bot: SHOP_ORDERS_DB sslmode=verify-ca: the services serve TLS", "overlays/prod"),
    ("external database's CA not mounted",
     lambda o, i: remove_named(container(o, "support-bot")["volumeMounts"], "orders-db-ca"),
     r"support-bot: SHOP_ORDERS_DB sslrootcert=/etc/shop/orders-db-ca/ca\.crt is not a mounted file",
     "overlays/prod"),
    ("external database's CA Secret nothing makes",
     lambda o, i: volume(o, "support-bot", "orders-db-ca")["secret"].update(secretName="orders-ca"),
     r"support-bot: volume orders-db-ca needs Secret orders-ca, which is neither rendered", "overlays/prod"),
    ("prod's bot without egress to the external database",
     lambda o, i: o.remove(obj(o, "NetworkPolicy", "support-bot-orders-db")),
     r"NetworkPolicy: support-bot cannot reach the order database port 5432/TCP, which it needs "
     r"\(SHOP_ORDERS_DB host orders-db\.example\.com:5432\)", "overlays/prod"),
    ("prod's database egress open to every address",
     lambda o, i: obj(o, "NetworkPolicy", "support-bot-orders-db")["spec"]["egress"][0]["to"][0]["ipBlock"].update(
         cidr="0.0.0.0/0"),
     r"NetworkPolicy: support-bot can reach an address outside the cluster port 5432/TCP, which nothing needs",
     "overlays/prod"),
    ("prod's database egress on every port",
     lambda o, i: obj(o, "NetworkPolicy", "support-bot-orders-db")["spec"]["egress"][0].pop("ports"),
     r"NetworkPolicy: support-bot can reach the order database port 443/TCP, which nothing needs", "overlays/prod"),
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
    text = re.sub(r"(-flags|envoy-config|envoy-jwks)-[a-z0-9]{10}\b", r"\1-HASH", json.dumps(objects))
    return sorted(normal(json.loads(text)), key=lambda o: (o["kind"], o["metadata"]["name"]))


# --- the real binaries ------------------------------------------------------------------------

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_redis(r, work_dir):
    """Redis as its dev pod starts it: the container's own command (the shell that reads the
    password file of the Secret redis-auth), with the mount directory moved to work_dir and
    only address, port and data directory added. Returns (process, port, password file)
    once it answers PING with NOAUTH, i.e. requires the password."""
    c = container(r.objects, REDIS[0])
    mount_path = mount(r.objects, REDIS[0], "redis-auth")["mountPath"].rstrip("/")
    password_file = os.path.join(work_dir, "password")
    with open(password_file, "w") as f:
        f.write(f"live-test-{os.getpid()}")  # no newline, as kubectl create secret --from-literal writes it
    port = free_port()
    command = [part.replace(mount_path + "/", work_dir + "/") for part in c["command"]]
    proc = subprocess.Popen(command + c.get("args", []) + ["--bind", "127.0.0.1", "--port", str(port),
                                                           "--dir", work_dir], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                conn.sendall(b"PING\r\n")
                answer = conn.recv(64)
            if answer.startswith(b"-NOAUTH"):
                return proc, port, password_file
            proc.kill()
            raise SetupError(f"Redis started from its dev manifest answers PING with {answer!r}, not NOAUTH: "
                             f"it requires no password")
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise SetupError(f"Redis did not start from its dev manifest's command ({' '.join(command)[:200]})")


def start_postgres(r, pki):
    """PostgreSQL 15 set up the way the official image's entrypoint sets up dev's StatefulSet
    behind SHOP_ORDERS_DB: the superuser POSTGRES_USER with the password the mounted Secret
    file holds (scram-sha-256 logins over TCP), the database POSTGRES_DB, the container's own
    arguments (max_connections). The test's own: a temporary data directory, a free port, and
    TLS with the throwaway CA's server certificate (for localhost), which prod's
    sslmode=verify-full needs. As the `postgres` user when root (PostgreSQL refuses root).
    Returns (process, port, the password file, psql(sql, database) -> CompletedProcess over
    the Unix socket, the temporary directory)."""
    db = orders_db(r)
    service = (db or {}).get("service") or {"spec": {}}
    statefulset = next((w for w in r.selected_workloads(service["spec"].get("selector", {}))
                        if w["kind"] == "StatefulSet"), None)
    if statefulset is None:
        raise SetupError("dev's SHOP_ORDERS_DB names no StatefulSet to set PostgreSQL up like")
    c = statefulset["spec"]["template"]["spec"]["containers"][0]
    env = r.env(c)
    user = env.get("POSTGRES_USER", "postgres")
    database = env.get("POSTGRES_DB", user)
    bin_dir = os.environ.get("SHOP_POSTGRES_BIN_DIR") or "/usr/lib/postgresql/15/bin"
    for path in (os.path.join(bin_dir, "initdb"), os.path.join(bin_dir, "postgres"), shutil.which("psql")):
        if not path or not os.access(path, os.X_OK):
            raise SetupError(f"{path or 'psql'} is missing: PostgreSQL 15's server and client (scripts/setup.sh "
                             f"installs them; SHOP_POSTGRES_BIN_DIR names another directory of initdb and postgres)")
    root = tempfile.mkdtemp(prefix="shop-k8s-postgres-")  # under /tmp: the postgres user reaches it
    password = f"live-db-{os.getpid()}"  # no newline, as kubectl create secret --from-literal writes it
    password_file = os.path.join(root, "password")  # the bot's copy (this process's user)
    files = {"pwfile": password, "server.crt": open(os.path.join(pki, "server.crt")).read(),
             "server.key": open(os.path.join(pki, "server.key")).read()}
    for name, text in files.items():
        with open(os.path.join(root, name), "w") as f:
            f.write(text)
        os.chmod(os.path.join(root, name), 0o600)
    with open(password_file, "w") as f:
        f.write(password)
    run_as = {}
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            raise SetupError("running as root, which PostgreSQL refuses, without a `postgres` user to run it as "
                             "(Debian's postgresql package makes it)") from None
        run_as = {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": [account.pw_gid]}
        for name in [""] + list(files):
            os.chown(os.path.join(root, name), account.pw_uid, account.pw_gid)
    data = os.path.join(root, "data")
    result = subprocess.run([os.path.join(bin_dir, "initdb"), "-D", data, f"--username={user}",
                             f"--pwfile={os.path.join(root, 'pwfile')}", "--auth-local=trust",
                             "--auth-host=scram-sha-256", "--encoding=UTF8", "--locale=C", "--no-sync"],
                            capture_output=True, text=True, cwd=root, **run_as)
    if result.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise SetupError(f"initdb failed ({result.returncode}):\n{result.stdout}{result.stderr}")
    port = free_port()
    log = open(os.path.join(root, "postgres.log"), "w")
    proc = subprocess.Popen([os.path.join(bin_dir, "postgres"), "-D", data, "-p", str(port), "-k", root,
                             "-c", "listen_addresses=localhost", "-c", "fsync=off", "-c", "ssl=on",
                             "-c", f"ssl_cert_file={os.path.join(root, 'server.crt')}",
                             "-c", f"ssl_key_file={os.path.join(root, 'server.key')}"] + c.get("args", []),
                            stdout=log, stderr=subprocess.STDOUT, cwd=root, start_new_session=True, **run_as)

    def psql(sql, database="postgres"):
        return subprocess.run(["psql", "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-h", root, "-p", str(port),
                               "-U", user, "-d", database, "-c", sql], capture_output=True, text=True, timeout=30)

    deadline = time.monotonic() + 30
    while psql("SELECT 1").returncode != 0:
        if proc.poll() is not None or time.monotonic() > deadline:
            stop_postgres(proc, root)
            raise SetupError(f"PostgreSQL did not start:\n{open(os.path.join(root, 'postgres.log')).read()[-2000:]}")
        time.sleep(0.1)
    if database != "postgres":
        result = psql(f'CREATE DATABASE "{database}"')
        if result.returncode != 0:
            stop_postgres(proc, root)
            raise SetupError(f"CREATE DATABASE {database}: {result.stderr}")
    return proc, port, password_file, psql, root


def stop_postgres(proc, root):
    """Fast shutdown (SIGINT), SIGKILL to its process group after 15 s; removes `root`."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    shutil.rmtree(root, ignore_errors=True)


def local_orders_db(url, port, files, pki):
    """A manifest's PostgreSQL URL pointed at the local server: host localhost (the name in
    the throwaway server certificate) and `port`; a parameter that names a mounted Secret
    file (sslrootcert) names the throwaway CA's file of the same key instead. User, database
    and the other parameters (sslmode) stay the manifest's."""
    parts = urllib.parse.urlsplit(url)
    params = []
    for key, value in urllib.parse.parse_qsl(parts.query, keep_blank_values=True):
        kind, _, secret_key = (files.get(value) or (None,) * 5)[:3]
        if kind == "Secret" and os.path.exists(os.path.join(pki, secret_key)):
            value = os.path.join(pki, secret_key)
        params.append((key, value))
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = (userinfo + "@" if userinfo else "") + f"localhost:{port}"
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, urllib.parse.urlencode(params, safe="/"), ""))


def live(kubectl, binaries, python_out, work_dir):
    """Starts each binary with its dev ConfigMap as its environment, as the pod would (only
    addresses, ports and paths are overridden on the command line, which takes precedence),
    against a Redis started by its own manifest's command (requiring the password the
    services read from their password file), and probes it as the kubelet would (each of
    its three probes: a plaintext grpc.health.v1 Check of the probe's health name on the
    probe's port, SERVING), then sends SIGTERM: the readiness probe must see NOT_SERVING
    while the server still drains, and it must exit 0 within terminationGracePeriodSeconds
    minus preStop. Then the same with the prod ConfigMaps: mutual TLS on the gRPC port (the
    certificate Secrets' files replaced by a throwaway CA's), so the probes go to the
    plaintext health port (SHOP_HEALTH_PORT, moved to a free port), which must answer like
    the gRPC port does over mutual TLS and serve nothing but health, while the gRPC port
    refuses the plaintext probe. The support bot's orders: a local PostgreSQL set up like dev's
    StatefulSet (start_postgres), the ConfigMap's URL pointed at it (host and port only; user,
    database and sslmode stay: plaintext in dev, prod's sslmode=verify-full against the
    throwaway CA, which stands in for the mounted Secret orders-db-ca) with the password from
    a file; as many bot replicas as its HPA's minimum, started at once (their migrations meet
    under the advisory lock), which must leave the schema and the demo orders in the database.
    Broken copies: an environment value the binary refuses, a probe asking a health name the
    server does not know, and a password in the database URL."""
    sys.path[:0] = [python_out, os.path.join(REPO_ROOT, "scripts", "lib")]
    import grpc
    from grpc_bench import make_test_pki, start_server
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    data = os.path.join(work_dir, "live")
    shutil.rmtree(data, ignore_errors=True)
    os.makedirs(data)
    # cert-manager's Secret keys (tls.crt, tls.key, ca.crt), from one throwaway CA: a server
    # and client certificate for 127.0.0.1, which every service serves and the bot presents.
    pki = os.path.join(data, "pki")
    os.makedirs(pki)
    make_test_pki(pki)
    for key, made in (("tls.crt", "server.crt"), ("tls.key", "server.key")):
        shutil.copy(os.path.join(pki, made), os.path.join(pki, key))
    read = lambda name: open(os.path.join(pki, name), "rb").read()  # noqa: E731
    mutual_tls = grpc.ssl_channel_credentials(read("ca.crt"), read("client.key"), read("client.crt"))
    renders = {d: Render(render(kubectl, os.path.join(K8S_DIR, "overlays", d))) for d in ("dev", "prod")}
    redis, redis_port, redis_password_file = start_redis(renders["dev"], data)
    try:
        postgres, pg_port, pg_password_file, psql, pg_root = start_postgres(renders["dev"], pki)
    except BaseException:
        redis.kill()
        redis.wait()
        raise
    common = {"listen_address": "127.0.0.1", "port": "0", "metrics_address": "127.0.0.1",
              "metrics_port": "0", "model_root": os.path.join(REPO_ROOT, "models"),
              "catalog": os.path.join(REPO_ROOT, "services/recommender/demo/catalog.jsonl"),
              "kb": os.path.join(REPO_ROOT, "services/support-bot/kb/articles.jsonl"),
              "redis_address": f"127.0.0.1:{redis_port}", "redis_password_file": redis_password_file}

    def command(name, env, overrides):
        flags = binary_flags(name)
        return (["env"] + [f"{k}={v}" for k, v in env.items()] + [binaries[name]] +
                [f"--{k}={v}" for k, v in overrides.items() if k in flags])

    def flag_env(r, c):
        """The container's SHOP_*/OMP_* variables, with every file of a certificate Secret
        (cert-manager's keys) replaced by the throwaway CA's file of the same key."""
        env = {k: v for k, v in r.env(c).items() if k.startswith(("SHOP_", "OMP_"))}
        files = r.mounted_files(pod(r.objects, c["name"]), c)
        for key, value in env.items():
            kind, source, secret_key = (files.get(value) or (None,) * 5)[:3]
            if kind == "Secret" and r.certificate(source) is not None:
                env[key] = os.path.join(pki, secret_key)
        return env

    def health(port, service, credentials=None, timeout=5):
        target = f"127.0.0.1:{port}"
        with (grpc.secure_channel(target, credentials) if credentials else grpc.insecure_channel(target)) as ch:
            try:
                answer = health_pb2_grpc.HealthStub(ch).Check(
                    health_pb2.HealthCheckRequest(service=service), timeout=timeout)
                return health_pb2.HealthCheckResponse.ServingStatus.Name(answer.status)
            except grpc.RpcError as e:
                return e.code().name

    def other_method(port, name):
        """A method of the service's own API, called on `port` in plaintext."""
        folder = os.path.join(REPO_ROOT, SERVICES[name])
        text = "".join(open(os.path.join(folder, f)).read() for f in sorted(os.listdir(folder)))
        rpc = re.search(r"^\s*rpc\s+(\w+)", text, re.M).group(1)
        with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
            path = f"/{health_names()[name]}/{rpc}"
            try:
                ch.unary_unary(path, request_serializer=lambda b: b, response_deserializer=lambda b: b)(
                    b"", timeout=5)
                return path, "OK"
            except grpc.RpcError as e:
                return path, e.code().name

    def report(ok, text):
        print(f"{'ok' if ok else 'FAIL'}: {text}")
        return not ok

    def start_replicas(name, args, replicas):
        """`replicas` copies of the server `name` started at once; [(process, port, events)]
        once all serve. Every copy that did start is in `running` (so it is stopped), even
        when another failed."""
        def one():
            events = []
            proc, port = start_server(args, events=events)
            return proc, port, events
        with concurrent.futures.ThreadPoolExecutor(replicas) as pool:
            futures = [pool.submit(one) for _ in range(replicas)]
        launched = [f.result() for f in futures if f.exception() is None]
        running.extend((name, proc) for proc, _, _ in launched)
        for f in futures:
            if f.exception() is not None:
                raise f.exception()
        return launched

    failures, running = 0, []
    try:
        for overlay in ("dev", "prod"):
            r = renders[overlay]
            overrides = dict(common)
            started = []  # (label, process, readiness probe's real port, its health name)
            for name in ("translator", "recommender", "support-bot"):  # the bot needs the translator
                c = next(c for c in pod(r.objects, name)["containers"] if c["name"] == name)
                env = flag_env(r, c)
                mine = dict(overrides)
                if env.get("SHOP_HEALTH_PORT", "-1") != "-1":
                    mine["health_port"] = "0"  # a free port, like --port
                replicas = 1
                if name == ORDERS_DB_CLIENT:
                    mine["orders_db"] = local_orders_db(env["SHOP_ORDERS_DB"], pg_port,
                                                        r.mounted_files(pod(r.objects, name), c), pki)
                    mine["orders_db_password_file"] = pg_password_file
                    hpa = next((h for h in r.of("HorizontalPodAutoscaler")
                                if h["spec"]["scaleTargetRef"].get("name") == name), None)
                    replicas = max(1, hpa["spec"].get("minReplicas", 1) if hpa else 1)
                launched = start_replicas(name, command(name, env, mine), replicas)
                if name == ORDERS_DB_CLIENT:
                    # The schema and the demo orders are there, and the pools' connections are
                    # encrypted exactly when the URL's sslmode asks for TLS.
                    parts = urllib.parse.urlsplit(env["SHOP_ORDERS_DB"])
                    sslmode = dict(urllib.parse.parse_qsl(parts.query)).get("sslmode", "prefer")
                    result = psql("SELECT (SELECT max(version) FROM schema_migrations) || ' ' || "
                                  "(SELECT count(*) FROM orders) || ' ' || "
                                  "(SELECT count(*) FILTER (WHERE s.ssl) || ' ' || count(*) FROM pg_stat_activity a "
                                  "JOIN pg_stat_ssl s USING (pid) WHERE a.application_name = 'support-bot')",
                                  urllib.parse.unquote(parts.path.lstrip("/")))
                    version, orders, encrypted, connections = (result.stdout.split() + ["?", "0", "0", "0"])[:4]
                    wanted = {"disable": "0", "require": connections, "verify-ca": connections,
                              "verify-full": connections}.get(sslmode, encrypted)  # allow, prefer: either
                    # Demo orders where the overlay seeds them (prod does not: its database holds
                    # the shop's real orders; here it may hold dev's, from the same server).
                    seeded = env.get("SHOP_SEED_DEMO_ORDERS", "true").lower() not in ("false", "0")
                    failures += report(result.returncode == 0 and (int(orders or 0) > 0 or not seeded)
                                       and int(connections) > 0
                                       and encrypted == wanted,
                                       f"live {overlay} {name}: {replicas} replicas started at once migrated the "
                                       f"PostgreSQL database of SHOP_ORDERS_DB (schema version {version}, {orders} "
                                       f"orders), {encrypted} of their {connections} connections over TLS "
                                       f"(sslmode={sslmode})"
                                       f"{': ' + result.stderr.strip() if result.returncode else ''}")
                for replica, (proc, port, events) in enumerate(launched, 1):
                    label = name + (f" replica {replica}" if replicas > 1 else "")
                    where = f"live {overlay} {label}"
                    ports = {env.get("SHOP_PORT"): port}
                    health_port = next(e for e in events if e["event"] == "server_started").get("health_port", -1)
                    if "health_port" in mine:
                        failures += report(health_port > 0, f"{where}: SHOP_HEALTH_PORT opens a health port "
                                                            f"({health_port})")
                        ports[env["SHOP_HEALTH_PORT"]] = health_port
                    if name == "translator":
                        overrides["translator_address"] = f"127.0.0.1:{port}"
                    tls = bool(env.get("SHOP_TLS_CERT_FILE"))
                    for probe_name in ("startupProbe", "readinessProbe", "livenessProbe"):
                        grpc_probe = c[probe_name]["grpc"]
                        real = ports.get(str(grpc_probe["port"]))
                        if real is None:
                            failures += report(False, f"{where}: {probe_name} probes port {grpc_probe['port']}, "
                                                      f"which the server does not listen on")
                            continue
                        status = health(real, grpc_probe["service"],
                                        timeout=c[probe_name].get("timeoutSeconds", 1))
                        failures += report(status == "SERVING", f"{where}: {probe_name} (plaintext gRPC, port "
                                           f"{grpc_probe['port']}, {grpc_probe['service']!r}) sees {status}")
                    probe = c["readinessProbe"]["grpc"]
                    probed = ports.get(str(probe["port"]))
                    if probed is None:
                        continue
                    started.append((label, proc, probed, probe["service"]))
                    status = health(probed, probe["service"] + "x")
                    failures += report(status == "NOT_FOUND", f"{where}: a probe of another health name fails "
                                                              f"({status})")
                    if tls:
                        status = health(port, probe["service"])
                        failures += report(status == "UNAVAILABLE", f"{where}: the TLS port refuses the kubelet's "
                                                                    f"plaintext probe ({status})")
                        status = health(port, probe["service"], mutual_tls)
                        failures += report(status == "SERVING", f"{where}: over mutual TLS (Envoy's health check) "
                                                                f"the gRPC port says {status} too")
                    if probed != port:
                        path, status = other_method(probed, name)
                        failures += report(status == "UNIMPLEMENTED", f"{where}: the health port serves nothing "
                                                                      f"else ({path}: {status})")
            # All at once, as a rollout would. Health turns NOT_SERVING at once (readiness
            # fails, the endpoint goes) while the server still drains; each must finish
            # inside its own grace period.
            t0 = time.monotonic()
            for name, proc in running:
                proc.send_signal(signal.SIGTERM)
            for label, proc, probed, service in started:
                deadline, status = time.monotonic() + 3, None
                while time.monotonic() < deadline and status != "NOT_SERVING":
                    status = health(probed, service, timeout=1)
                    time.sleep(0.05)
                failures += report(status == "NOT_SERVING", f"live {overlay} {label}: after SIGTERM the "
                                                            f"readiness probe sees {status}")
            for label, proc, _, _ in started:
                name = next(n for n, p in running if p is proc)
                spec = pod(r.objects, name)
                budget = spec["terminationGracePeriodSeconds"] - prestop_seconds(spec["containers"][0])
                try:
                    code = proc.wait(timeout=budget)
                except subprocess.TimeoutExpired:
                    code = None
                took = time.monotonic() - t0
                failures += report(code == 0 and took < budget, f"live {overlay} {label}: exit {code} {took:.1f} s "
                                   f"after SIGTERM (grace period minus preStop: {budget:g} s)")
            for _, proc in running:
                proc.kill()  # one whose probes could not be reached (reported above)
                proc.wait()
            running = []
        r = renders["dev"]
        c = container(r.objects, "recommender")
        env = flag_env(r, c)
        env["SHOP_DRAIN_DEADLINE"] = "10"
        result = subprocess.run(command("recommender", env, common), capture_output=True, text=True, timeout=60)
        ok = result.returncode != 0 and "SHOP_DRAIN_DEADLINE" in result.stderr
        failures += report(ok, f"live: broken copy rejected (SHOP_DRAIN_DEADLINE=10, no unit): exit "
                               f"{result.returncode}, "
                               f"{result.stderr.strip().splitlines()[-1][:160] if result.stderr else ''}")
        # The password in the URL instead of its file: the bot must refuse to start.
        c = container(r.objects, ORDERS_DB_CLIENT)
        env = flag_env(r, c)
        url = local_orders_db(env["SHOP_ORDERS_DB"], pg_port, {}, pki)
        url = url.replace("@", ":" + open(pg_password_file).read() + "@", 1)
        result = subprocess.run(command(ORDERS_DB_CLIENT, env, dict(common, orders_db=url,
                                                                    orders_db_password_file=pg_password_file)),
                                capture_output=True, text=True, timeout=60)
        ok = result.returncode != 0 and "holds a password" in result.stderr
        failures += report(ok, f"live: broken copy rejected (the password in SHOP_ORDERS_DB): exit "
                               f"{result.returncode}, "
                               f"{result.stderr.strip().splitlines()[-1][:160] if result.stderr else ''}")
        # prod's verify-full against a CA that did not sign the server's certificate.
        r = renders["prod"]
        c = container(r.objects, ORDERS_DB_CLIENT)
        env = flag_env(r, c)
        other_ca = os.path.join(data, "other-ca")
        os.makedirs(other_ca)
        subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                        "-days", "1", "-subj", "/CN=other-ca", "-keyout", os.path.join(other_ca, "ca.key"),
                        "-out", os.path.join(other_ca, "ca.crt")], check=True, capture_output=True)
        url = local_orders_db(env["SHOP_ORDERS_DB"], pg_port, r.mounted_files(pod(r.objects, ORDERS_DB_CLIENT), c),
                              other_ca)
        result = subprocess.run(command(ORDERS_DB_CLIENT, env, dict(common, orders_db=url, health_port="0",
                                                                    orders_db_password_file=pg_password_file)),
                                capture_output=True, text=True, timeout=60)
        ok = result.returncode != 0 and "certificate verify failed" in result.stderr
        failures += report(ok, f"live: broken copy rejected (prod's database server certificate from another CA): "
                               f"exit {result.returncode}, "
                               f"{result.stderr.strip().splitlines()[-1][:200] if result.stderr else ''}")
    finally:
        for _, proc in running:
            proc.kill()
        redis.kill()
        redis.wait()
        stop_postgres(postgres, pg_root)
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
                        help="instead: start these built binaries with the dev, then the prod ConfigMaps "
                        "and probe them")
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
        files = envoy_files()
        repository_files = deploy_files()
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
    problems = private_key_problems(repository_files)
    for problem in problems:
        print(f"FAIL: deploy/: {problem}")
    failures += bool(problems)
    if not problems:
        print(f"ok: deploy/: no private key material in {len(repository_files)} files")
    entries = [(f"{d}:{o['kind']}/{o['metadata']['name']}", o) for d, objs in renders.items() for o in objs]
    schema_broken = []
    if not args.skip_broken_copies:
        for what, mutate, want, *where in SCHEMA_BROKEN:
            objects = copy.deepcopy(renders[where[0] if where else "overlays/dev"])
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
        problems += check(objects, files, dockerfiles, health, flags, base=directory == "base")
        for problem in problems:
            print(f"FAIL: {directory}: {problem}")
        failures += bool(problems)
        if not problems:
            kinds = sorted({o["kind"] for o in objects})
            print(f"ok: {directory}: {len(objects)} objects valid ({', '.join(kinds)}) and consistent")

    if args.skip_broken_copies:
        return 1 if failures else 0
    results = [(what, errors[f"broken:{what}"], want) for what, want, _ in schema_broken]
    for what, mutate, want, *where in CHECK_BROKEN:
        objects = copy.deepcopy(renders[where[0] if where else "overlays/dev"])
        inputs = {"envoy": yaml.safe_load(files["envoy.yaml"]), "dockerfiles": copy.deepcopy(dockerfiles),
                  "deploy": {}, "renders": renders}
        mutate(objects, inputs)
        broken_files = dict(files)
        if inputs["envoy"] != yaml.safe_load(files["envoy.yaml"]):
            # A broken envoy.yaml would be in the generated ConfigMap too.
            broken_files["envoy.yaml"] = yaml.safe_dump(inputs["envoy"])
            for c in objects:
                if c["kind"] == "ConfigMap" and "envoy.yaml" in c.get("data", {}):
                    c["data"]["envoy.yaml"] = broken_files["envoy.yaml"]
        problems = check(objects, broken_files, inputs["dockerfiles"], health, flags)
        results.append((what, problems + private_key_problems(inputs["deploy"]), want))
    results.append(("overlay edited on disk: threads above the CPU limit",
                    check(on_disk, files, dockerfiles, health, flags),
                    r"recommender: threads: SHOP_INFERENCE_WORKERS 1 x SHOP_INTRA_OP_THREADS 2 != the CPU limit 1"))
    for what, problems, want in results:
        if not rejected_as_expected(what, problems, want):
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
