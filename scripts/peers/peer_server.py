# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Shared pieces of the Python peer servers (recommender_server.py, translator_server.py):
the Python grpcio + PyTorch servers that scripts/bench_peers.py measures the C++ services
against, on the same model files.

- JSON log lines on stderr in the C++ servers' shape ({"event":"server_started","port":..},
  {"event":"health_changed","serving":true}), so scripts/lib/grpc_bench.start_server
  starts a peer exactly like a C++ binary;
- a Prometheus text /metrics endpoint with the C++ servers' metric names
  (grpc_server_handled_total by grpc_method and grpc_code, shop_inference_batch_size), so
  the benchmark counts the peers' gRPC codes and batch sizes the way it counts the C++
  servers' (h2load only sees HTTP status 200);
- RpcAbort + counted(): handlers raise RpcAbort(code, message) for a non-OK status, the
  wrapper counts every outcome once and turns unexpected exceptions into INTERNAL;
- Batcher: the peers' own request batcher (--batch);
- serve(): server start, SIGTERM/SIGINT -> graceful stop.

A benchmark peer, not a product: no TLS, no health service, no reflection.
"""
import collections
import concurrent.futures
import datetime
import http.server
import json
import os
import signal
import sys
import threading

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def log(event, level="info", **fields):
    """One JSON line on stderr, shaped like common/logging.cc's."""
    now = datetime.datetime.now(datetime.timezone.utc)
    line = {"ts": now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}Z",
            "level": level, "event": event, **fields}
    print(json.dumps(line, separators=(",", ":")), file=sys.stderr, flush=True)


def add_common_flags(p):
    p.add_argument("--listen_address", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="gRPC port; 0 picks a free one")
    p.add_argument("--metrics_port", type=int, default=0,
                   help="port of /metrics on --listen_address; 0 picks one, -1 = none")
    p.add_argument("--model_root", default=os.path.join(REPO, "models"))
    p.add_argument("--model_version", type=int, default=0, help="0 = the newest")
    p.add_argument("--python_out", default=os.path.join(REPO, "build", "python"),
                   help="generated protobuf/gRPC modules")
    p.add_argument("--batch", action="store_true",
                   help="own request batcher: requests that arrive while the model runs "
                        "form the next model call (see Batcher)")
    p.add_argument("--max_batch", type=int, default=64,
                   help="--batch: most requests in one model call")
    p.add_argument("--workers", type=int, default=0,
                   help="gRPC handler threads (0 = 128 with --batch: every waiting request "
                        "holds one, so they bound the batch; else 2 x cores)")
    p.add_argument("--threads", type=int, default=1, help="torch intra-op threads")


def newest_version(model_root, name, want=0):
    """models/<name>/<version>: `want`, or the highest numbered folder (what the C++
    model repository serves by default)."""
    root = os.path.join(model_root, name)
    if want:
        return os.path.join(root, str(want)), want
    versions = sorted(int(v) for v in os.listdir(root)
                      if v.isdigit() and os.path.exists(os.path.join(root, v, "metadata.json")))
    if not versions:
        raise SystemExit(f"no {root}/<version>/metadata.json")
    return os.path.join(root, str(versions[-1])), versions[-1]


class RpcAbort(Exception):
    """A non-OK gRPC status a handler answers with (`code` is a grpc.StatusCode)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


class Metrics:
    """Counters behind /metrics, in the C++ servers' metric names and labels."""

    def __init__(self, service, model):
        self.service, self.model = service, model
        self.lock = threading.Lock()
        self.handled = collections.Counter()  # (method, code name) -> calls
        self.batch_sum = 0
        self.batch_count = 0

    def count(self, method, code_name):
        with self.lock:
            self.handled[(method, code_name)] += 1

    def batch(self, size):
        with self.lock:
            self.batch_sum += size
            self.batch_count += 1

    def text(self):
        with self.lock:
            lines = ["# TYPE grpc_server_handled_total counter"]
            for (method, code), n in sorted(self.handled.items()):
                lines.append(f'grpc_server_handled_total{{grpc_code="{code}",grpc_method="{method}",'
                             f'grpc_service="{self.service}",grpc_type="unary"}} {n}')
            lines.append(f'shop_inference_batch_size_count{{model="{self.model}"}} {self.batch_count}')
            lines.append(f'shop_inference_batch_size_sum{{model="{self.model}"}} {self.batch_sum}')
            return "\n".join(lines) + "\n"

    def summary(self):
        with self.lock:
            return {"codes": {f"{m}/{c}": n for (m, c), n in sorted(self.handled.items())},
                    "batches": self.batch_count, "batched_calls": self.batch_sum}


def start_metrics_endpoint(metrics, address, port):
    """GET /metrics on a daemon thread; returns the bound port."""
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 -- http.server's name
            body = metrics.text().encode()
            self.send_response(200 if self.path == "/metrics" else 404)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):  # no access log on stderr
            pass

    httpd = http.server.ThreadingHTTPServer((address, port), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd.server_address[1]


def counted(metrics, method, fn):
    """Wraps a handler fn(request, context) -> response: every call is counted once under
    its final code; RpcAbort becomes that status, anything else INTERNAL (with the
    exception logged, so a peer bug does not pass as load)."""
    import grpc

    def handler(request, context):
        try:
            response = fn(request, context)
        except RpcAbort as e:
            metrics.count(method, e.code.name)
            context.abort(e.code, str(e))
        except Exception as e:  # noqa: BLE001 -- any failure answers INTERNAL, counted
            metrics.count(method, "INTERNAL")
            log("handler_failed", level="error", method=method, error=repr(e))
            context.abort(grpc.StatusCode.INTERNAL, repr(e))
        metrics.count(method, "OK")
        return response
    return handler


class Batcher:
    """Natural batching: one thread runs `run_batch(items) -> results` (one result, or an
    Exception, per item, in order). A request that arrives while the thread is idle runs at
    once, alone; requests that arrive while a batch runs queue up and form the next batch
    (at most `max_batch`). No timer: nobody waits for a batch to fill, so a lone request
    pays nothing, and batches grow with the load by themselves."""

    def __init__(self, run_batch, max_batch, metrics):
        self.run_batch, self.max_batch, self.metrics = run_batch, max_batch, metrics
        self.queue = collections.deque()
        self.cv = threading.Condition()
        threading.Thread(target=self._loop, name="batcher", daemon=True).start()

    def submit(self, item):
        """Blocks the calling handler thread until its item's batch ran."""
        future = concurrent.futures.Future()
        with self.cv:
            self.queue.append((item, future))
            self.cv.notify()
        return future.result()

    def _loop(self):
        while True:
            with self.cv:
                while not self.queue:
                    self.cv.wait()
                batch = [self.queue.popleft() for _ in range(min(len(self.queue), self.max_batch))]
            self.metrics.batch(len(batch))
            try:
                results = self.run_batch([item for item, _ in batch])
            except Exception as e:  # noqa: BLE001 -- the batch's callers see it
                results = [e] * len(batch)
            for (_, future), result in zip(batch, results):
                if isinstance(result, Exception):
                    future.set_exception(result)
                else:
                    future.set_result(result)


def serve(args, add_servicer, metrics):
    """Starts the gRPC server (add_servicer(server) registers the handlers) and /metrics,
    logs server_started and health_changed(serving=true), then serves until SIGTERM or
    SIGINT and stops gracefully. Logs a final `peer_stats` line with the codes counted."""
    import grpc

    workers = args.workers or (128 if args.batch else 2 * (os.cpu_count() or 1))
    server = grpc.server(concurrent.futures.ThreadPoolExecutor(max_workers=workers),
                         options=[("grpc.so_reuseport", 0)])
    add_servicer(server)
    port = server.add_insecure_port(f"{args.listen_address}:{args.port}")
    if port == 0:
        raise SystemExit(f"cannot listen on {args.listen_address}:{args.port}")
    metrics_port = -1
    if args.metrics_port >= 0:
        metrics_port = start_metrics_endpoint(metrics, args.listen_address, args.metrics_port)
    server.start()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    log("server_started", port=port, metrics_port=metrics_port, workers=workers,
        batching=bool(args.batch), max_batch=args.max_batch if args.batch else 1,
        torch_threads=args.threads)
    log("health_changed", serving=True)
    while not stop.wait(1.0):
        pass
    log("health_changed", serving=False)
    server.stop(grace=5).wait()
    log("peer_stats", **metrics.summary())
