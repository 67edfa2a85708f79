#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The local gRPC gateway: HAProxy with the routes of the Envoy config, in front of the
three services, for scripts/run.sh, the end-to-end tests and the load tests.

    with HaproxyGateway({"recommender": "127.0.0.1:50051", "translator": "127.0.0.1:50052",
                         "support-bot": "127.0.0.1:50053"}) as gateway:
        channel = grpc.insecure_channel(gateway.address)    # "127.0.0.1:PORT"
        urllib.request.urlopen(gateway.metrics_url)         # HAProxy's Prometheus exporter

The config is deploy/haproxy/haproxy.cfg.in with its @NAME@ placeholders filled in,
checked with `haproxy -c` before HAProxy starts. A service left out of `backends` is a
backend without a usable server: its calls get UNAVAILABLE. A list of addresses gives a
service several servers (replicas), balanced round-robin.

As a command (for run.sh) it runs in the foreground until SIGTERM or SIGINT:
    scripts/lib/haproxy_gateway.py --recommender H:P --translator H:P --support-bot H:P \\
        --port 8080 --metrics_port 9100
"""
import argparse
import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import shop_jwt  # noqa: E402

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TEMPLATE = os.path.join(REPO, "deploy", "haproxy", "haproxy.cfg.in")
SERVICES = ("recommender", "translator", "support-bot")
# Where a service without a backend address points: never connected to, always down.
_NO_SERVER = "127.0.0.1:1 disabled"


def haproxy_binary():
    # Debian installs it in /usr/sbin, which a non-root PATH often lacks.
    return shutil.which("haproxy") or "/usr/sbin/haproxy"


def render_config(backends, port, metrics_port, listen_address="127.0.0.1", template=TEMPLATE,
                  *, jwt_key, jwt_alg="RS256"):
    """Returns the config text: `template` with every @NAME@ placeholder filled in.
    `jwt_key`: the PEM public key (or certificate) that verifies callers' tokens, signed
    with `jwt_alg` (RS256 or ES256; shop_jwt.py)."""
    if jwt_alg not in ("RS256", "ES256"):
        raise ValueError(f"jwt_alg {jwt_alg!r}: RS256 or ES256")
    if not jwt_key or any(c.isspace() or c in ',"()' for c in jwt_key):
        raise ValueError(f"jwt_key {jwt_key!r}: a path without spaces, commas, quotes or "
                         f"parentheses (HAProxy reads it inside a converter's arguments)")
    unknown = set(backends) - set(SERVICES)
    if unknown:
        raise ValueError(f"unknown backends {sorted(unknown)}; known: {', '.join(SERVICES)}")
    values = {"BIND_ADDRESS": listen_address, "PORT": str(port),
              "METRICS_PORT": str(metrics_port), "JWT_KEY": os.path.abspath(jwt_key),
              "JWT_ALG": jwt_alg}
    replicas = {}  # placeholder -> the addresses of a service with several servers
    for service in SERVICES:
        addresses = backends.get(service)
        if isinstance(addresses, str):
            addresses = [addresses]
        for address in addresses or []:
            host, _, service_port = address.rpartition(":")
            if not host or not service_port.isdigit() or any(c.isspace() for c in address):
                raise ValueError(f"backend {service}: {address!r} is not host:port")
        name = service.upper().replace("-", "_")
        values[name] = addresses[0] if addresses else _NO_SERVER
        if addresses and len(addresses) > 1:
            replicas[name] = addresses
    with open(template) as f:
        text = f.read()
    # A service with several replicas: its one `server` line becomes one line per replica
    # (<name>_1, <name>_2, ...), balanced round-robin by the backend.
    for name, addresses in replicas.items():
        line = re.search(rf"^(\s*server )(\S+) @{name}@( .*)$", text, re.M)
        if line is None:
            raise ValueError(f"{template}: no 'server ... @{name}@' line for several replicas")
        lines = "\n".join(f"{line.group(1)}{line.group(2)}_{i + 1} {a}{line.group(3)}"
                          for i, a in enumerate(addresses))
        text = text[:line.start()] + lines + text[line.end():]
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    # Placeholders in comments are documentation; only the directives must be filled.
    left = {m for line in text.splitlines() for m in re.findall(r"@[A-Z_]+@", line.split("#")[0])}
    if left:
        raise ValueError(f"{template}: unknown placeholders {sorted(left)}")
    return text


def check_config(path):
    """Raises RuntimeError with HAProxy's messages unless `haproxy -c` accepts the file."""
    result = subprocess.run([haproxy_binary(), "-c", "-f", path], capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"haproxy rejects {path}:\n{result.stdout}{result.stderr}")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent():
    # A test killed at its timeout (SIGKILL, no cleanup) must not leave HAProxy holding
    # its ports. Linux sends this when the thread that started HAProxy ends.
    PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _exporter_answers(url):
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return b"haproxy_process_" in response.read()
    except OSError:
        return False


class HaproxyGateway:
    """HAProxy in front of the services. Starts in the constructor (so it works with and
    without `with`); stop() or leaving the `with` block stops it. Port 0 = a free port.
    HAProxy's output goes to `log_file` (a file object) or, by default, to a file in its
    temporary directory that log() returns, also after stop()."""

    def __init__(self, backends: dict, port: int = 0, metrics_port: int = 0, *,
                 listen_address: str = "127.0.0.1", log_file=None, timeout: float = 10.0,
                 jwt_public_key: str = None, jwt_alg: str = "RS256"):
        self._dir = tempfile.mkdtemp(prefix="haproxy-gateway-")
        # Without a key of the caller's, a fresh pair: tests and run.sh mint tokens with
        # `jwt_private_key`; it lives only as long as this gateway.
        self.jwt_private_key = None
        if jwt_public_key is None:
            self.jwt_private_key, jwt_public_key = shop_jwt.make_key_pair(self._dir, jwt_alg)
        self.jwt_public_key, self.jwt_alg = jwt_public_key, jwt_alg
        self._log_text = None
        self.config_path = os.path.join(self._dir, "haproxy.cfg")
        self.log_path = None if log_file else os.path.join(self._dir, "haproxy.log")
        self.process = None
        # A free port can be taken by someone else before HAProxy binds it; pick again then.
        attempts = 3 if port == 0 or metrics_port == 0 else 1
        try:
            for attempt in range(attempts):
                self.port = port or free_port()
                self.metrics_port = metrics_port or free_port()
                with open(self.config_path, "w") as f:
                    f.write(render_config(backends, self.port, self.metrics_port,
                                          listen_address, jwt_key=self.jwt_public_key,
                                          jwt_alg=self.jwt_alg))
                check_config(self.config_path)
                try:
                    self._start(listen_address, log_file, timeout)
                    break
                except RuntimeError:
                    if attempt + 1 == attempts:
                        raise
        except BaseException:
            self.stop()
            raise
        self.address = f"{listen_address}:{self.port}"
        self.metrics_url = f"http://{listen_address}:{self.metrics_port}/metrics"

    def _start(self, listen_address, log_file, timeout):
        # HAProxy binds every listener before it serves anything and exits if one bind
        # fails, so its exporter answering means the gRPC port is its own too. (A bare
        # connect could reach whoever else holds a port.)
        metrics_url = f"http://{listen_address}:{self.metrics_port}/metrics"
        out = log_file or open(self.log_path, "w")
        # -db: stay in the foreground, so this process owns HAProxy and sees it exit. Its own
        # session: a Ctrl-C reaches only this process, which then stops HAProxy softly.
        self.process = subprocess.Popen([haproxy_binary(), "-db", "-f", self.config_path],
                                        stdout=out, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True,
                                        preexec_fn=_die_with_parent)
        if not log_file:
            out.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code, self.process = self.process.returncode, None
                raise RuntimeError(f"haproxy exited with {code} at start:\n{self.log()}")
            if _exporter_answers(metrics_url) and self.process.poll() is None:
                return
            time.sleep(0.05)
        self.process.kill()
        self.process.wait()
        self.process = None
        raise RuntimeError(f"haproxy did not listen within {timeout}s:\n{self.log()}")

    def log(self):
        """What HAProxy wrote so far (empty when it writes to a caller's log_file)."""
        if self._log_text is not None:
            return self._log_text
        if self.log_path and os.path.exists(self.log_path):
            with open(self.log_path, errors="replace") as f:
                return f.read()
        return ""

    def stop(self, grace: float = 3.0):
        """Soft stop (SIGUSR1: stop listening, let in-flight calls finish) for up to
        `grace` seconds, then a hard stop. Idempotent."""
        if self.process is not None:
            for sig, wait in ((signal.SIGUSR1, grace), (signal.SIGTERM, 5.0),
                              (signal.SIGKILL, None)):
                if self.process.poll() is not None:
                    break
                self.process.send_signal(sig)
                try:
                    self.process.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    pass
            self.process = None
        if self._log_text is None:
            self._log_text = self.log()
        shutil.rmtree(self._dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def __del__(self):
        if hasattr(self, "_log_text"):
            self.stop()


def main():
    p = argparse.ArgumentParser(description="Runs the local gRPC gateway until SIGTERM/SIGINT.")
    for service in SERVICES:
        flags = sorted({f"--{service}", f"--{service.replace('-', '_')}"})
        p.add_argument(*flags, dest=service.replace("-", "_"), metavar="HOST:PORT",
                       help=f"the {service} server")
    p.add_argument("--port", type=int, default=8080, help="gRPC port (0: a free one)")
    p.add_argument("--metrics_port", type=int, default=9100,
                   help="port of the Prometheus exporter (0: a free one)")
    p.add_argument("--listen_address", default="127.0.0.1")
    p.add_argument("--jwt_public_key", default=None,
                   help="PEM public key that verifies callers' tokens (default: a fresh pair "
                        "whose private key path is printed)")
    p.add_argument("--jwt_alg", default="RS256", choices=["RS256", "ES256"])
    args = p.parse_args()
    backends = {s: getattr(args, s.replace("-", "_")) for s in SERVICES
                if getattr(args, s.replace("-", "_"))}
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    signal.signal(signal.SIGINT, lambda *_: stop.append(True))
    sys.stdout.flush()
    with HaproxyGateway(backends, args.port, args.metrics_port,
                        listen_address=args.listen_address, log_file=sys.stdout,
                        jwt_public_key=args.jwt_public_key, jwt_alg=args.jwt_alg) as gateway:
        print(f"gateway ready: grpc {gateway.address}, metrics {gateway.metrics_url}, "
              f"tokens verified with {gateway.jwt_public_key} ({gateway.jwt_alg})",
              file=sys.stderr, flush=True)
        while not stop and gateway.process.poll() is None:
            time.sleep(0.2)
        if not stop:
            raise SystemExit(f"haproxy exited with {gateway.process.returncode}")


if __name__ == "__main__":
    main()
