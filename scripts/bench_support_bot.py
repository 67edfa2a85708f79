#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Support-bot turns/s and per-turn p50/p99 of Converse over real gRPC.

Starts a translator (shipped model) and a support bot wired to it, then sends customer
messages at concurrency 1 and 16:
  - English: one-message sessions over a mix of questions (tracking with an order
    number, cancellation requests, customs/shipping/returns/payments questions);
  - non-English (German and Spanish): the same kind of messages with a locale, so each
    turn also runs two translations (message into English, reply back).
Every call is a fresh session (no session lock contention); the order database is a
fresh copy, so cancellations only ask for confirmation and change nothing.

With --stores or --replicas it measures the order store and replicas instead (issue 19):
for each store (sqlite: a fresh file; postgres: a fresh database on a throwaway PostgreSQL
15, scripts/lib/postgres_server.py) and each replica count, that many bots share the store
and a Redis session store behind the local gateway (HAProxy, scripts/lib/haproxy_gateway.py,
round robin over the replicas), and signed-in customers hold English conversations over six
demo orders: "where is my order ORD-..." (one turn, a read) and address changes (three
turns: the request, the new address, "yes"; a read on each, the write on the yes),
alternately, every message with a request_id. SQLite serves one replica only
(--orders_db), so sqlite with 2 replicas is skipped. No translator. Needs redis-server and
haproxy (scripts/setup.sh installs them).

Examples:
  /usr/bin/python3 scripts/bench_support_bot.py --turns 200
  /usr/bin/python3 scripts/bench_support_bot.py --stores sqlite,postgres --replicas 1,2 \\
      --turns 1500 --concurrency 1,16
"""
import argparse
import collections
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from demo_customers import ORDER_CUSTOMERS  # noqa: E402
from grpc_bench import machine_line, percentile, run_load, start_server  # noqa: E402
from haproxy_gateway import free_port  # noqa: E402

ENGLISH = [
    "Where is my order ORD-86126116?",
    "I want to cancel order ORD-73464097",
    "Do I have to pay customs duties when shipping to the USA?",
    "How long does delivery to Spain take?",
    "Can I return opened cosmetics?",
    "Which payment methods can I use in the Netherlands?",
    "How do I change the shipping address of my order?",
    "Is VAT included in the price for orders to the UK?",
]
OTHER = [
    ("de-DE", "Wo ist meine Bestellung ORD-86126116?"),
    ("de-DE", "Wie lange dauert der Versand nach Spanien?"),
    ("es-ES", "¿Puedo devolver cosméticos abiertos?"),
    ("es-ES", "¿Qué métodos de pago aceptan?"),
    ("de-DE", "Muss ich Zoll bezahlen, wenn ich in die USA bestelle?"),
    ("es-ES", "Quiero cancelar el pedido ORD-73464097"),
]




def conversation(i):
    """Conversation i: (customer, messages): tracking for even i, an address change for odd."""
    customer, order, address = ORDER_CUSTOMERS[i % len(ORDER_CUSTOMERS)]
    if i % 2 == 0:
        return customer, [f"Where is my order {order}?"]
    return customer, [f"I need to change the delivery address of {order}",
                      address.format(n=1 + i // 2), "yes"]


def run_conversations(stub, pb, turns, concurrency, first=0):
    """Runs conversation(first), conversation(first + 1), ... on `concurrency` lanes (one
    conversation at a time each, one turn in flight) until `turns` turns were sent.
    Returns (wall seconds, per-turn latencies, {gRPC code: turns}, address changes done,
    conversations started). A turn that fails ends its conversation; none is resent."""
    lock = threading.Condition()
    state = {"next": first, "sent": 0, "lanes": 0, "changes": 0}
    latencies, codes = [], collections.Counter()

    def send(lane):
        # With the lock held: the lane's next message, or a new conversation.
        if state["sent"] >= turns:
            state["lanes"] -= 1
            lock.notify_all()
            return
        if lane["pos"] >= len(lane["messages"]):
            lane["customer"], lane["messages"] = conversation(state["next"])
            lane.update(pos=0, session="")
            state["next"] += 1
        request = pb.ConverseRequest(session_id=lane["session"],
                                     message=lane["messages"][lane["pos"]],
                                     customer_id=lane["customer"], locale="en-US",
                                     request_id=str(uuid.uuid4()))
        state["sent"] += 1
        t0 = time.perf_counter()
        future = stub.Converse.future(request, timeout=60)
        future.add_done_callback(lambda f: done(lane, f, t0))

    def done(lane, future, t0):
        elapsed = time.perf_counter() - t0
        with lock:
            latencies.append(elapsed)
            try:
                r = future.result()
                codes["OK"] += 1
                lane["session"] = r.metadata.session_id
                lane["pos"] += 1
                if (r.metadata.HasField("action")
                        and r.metadata.action.result == pb.ACTION_RESULT_SUCCEEDED):
                    state["changes"] += 1
            except Exception as e:  # noqa: BLE001 -- counted by code
                code = e.code().name if hasattr(e, "code") else type(e).__name__
                codes[code] += 1
                lane["pos"] = len(lane["messages"])  # abandoned
            send(lane)

    t0 = time.perf_counter()
    with lock:
        for _ in range(concurrency):
            state["lanes"] += 1
            send({"pos": 0, "messages": [], "session": "", "customer": ""})
        while state["lanes"] > 0:
            lock.wait()
    wall = time.perf_counter() - t0
    return wall, latencies, dict(codes), state["changes"], state["next"] - first


def converse_counts(metrics_port):
    """The bot's grpc_server_handled_total for Converse, summed over codes."""
    page = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    return sum(float(v) for labels, v in re.findall(
        r"^grpc_server_handled_total\{([^}]*)\} (\S+)$", page.decode(), re.M)
        if 'grpc_method="Converse"' in labels)


def gateway_over(addresses):
    """The local gateway (haproxy_gateway.HaproxyGateway) with every address in `addresses`
    as a server of the support bot's backend (round robin, HAProxy's default)."""
    import haproxy_gateway
    return haproxy_gateway.HaproxyGateway({"support-bot": list(addresses)})


def wait_for_port(port, proc, timeout=10):
    """Returns once something accepts connections on 127.0.0.1:`port`; exits when `proc`
    ends or nothing does within `timeout` seconds."""
    import socket
    deadline = time.time() + timeout
    while time.time() < deadline and proc.poll() is None:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{proc.args[0]} did not listen on port {port}")


def store_table(args):
    """The order store and replicas table (--stores, --replicas)."""
    import grpc
    from shop.supportbot.v1 import supportbot_pb2, supportbot_pb2_grpc
    from postgres_server import PostgresServer
    stores = args.stores.split(",")
    replica_counts = [int(r) for r in args.replicas.split(",")]
    concurrencies = [int(c) for c in args.concurrency.split(",")]
    if set(stores) - {"sqlite", "postgres"} or min(replica_counts) < 1:
        raise SystemExit("--stores: sqlite and/or postgres; --replicas: counts >= 1")
    for binary in ("redis-server", "haproxy"):
        if shutil.which(binary) is None and not os.path.exists(f"/usr/sbin/{binary}"):
            raise SystemExit(f"{binary} is needed (scripts/setup.sh installs it)")
    workdir = tempfile.mkdtemp(prefix="bench_bot_")
    load_before = " ".join(open("/proc/loadavg").read().split()[:3])
    redis_port = free_port()
    redis = subprocess.Popen(["redis-server", "--port", str(redis_port), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no", "--daemonize", "no"],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    pg = None
    try:
        wait_for_port(redis_port, redis)
        pg = PostgresServer() if "postgres" in stores else None
    except BaseException:
        redis.kill()
        raise
    print(f"# support-bot benchmark: order store and replicas\n\nmachine: {machine_line()}\n"
          f"command: {' '.join(['/usr/bin/python3'] + [shlex.quote(a) for a in sys.argv])}\n"
          f"intent model root: {args.bot_model_root}\n"
          f"signed-in English conversations over {len(ORDER_CUSTOMERS)} demo orders, tracking and "
          f"address changes alternately; Redis sessions; every replica behind HAProxy "
          f"(round robin); client, gateway, bots, Redis and PostgreSQL on this machine\n")
    print("| store | replicas | concurrency | turns | turns/s | p50 ms | p99 ms | address changes "
          "| codes (client) | turns per replica |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    skipped = []
    kb = os.path.join(REPO, "services", "support-bot", "kb", "articles.jsonl")
    try:
        for store in stores:
            for replicas in replica_counts:
                if store == "sqlite" and replicas > 1:
                    skipped.append(f"sqlite with {replicas} replicas (a SQLite file serves one)")
                    continue
                if store == "sqlite":
                    flags = [f"--orders_db={os.path.join(workdir, f'orders-{replicas}.db')}"]
                else:
                    flags = [f"--orders_db={pg.url(pg.create_database('bench'))}",
                             f"--orders_db_password_file={pg.password_file}"]
                bots, metrics_ports = [], []
                try:
                    for _ in range(replicas):
                        metrics_ports.append(free_port())
                        bots.append(start_server([args.bot] + flags + [
                            "--listen_address=127.0.0.1", "--port=0",
                            "--metrics_address=127.0.0.1", f"--metrics_port={metrics_ports[-1]}",
                            "--model_poll_interval=0s", f"--model_root={args.bot_model_root}",
                            f"--kb={kb}",
                            "--intra_op_threads=1", "--session_store=redis",
                            f"--redis_address=127.0.0.1:{redis_port}"]))
                    with gateway_over([f"127.0.0.1:{port}" for _, port in bots]) as gateway, \
                            grpc.insecure_channel(gateway.address) as channel:
                        stub = supportbot_pb2_grpc.SupportBotStub(channel)
                        first = 0
                        for conc in concurrencies:
                            # Warm-up: every replica's model, pool and caches.
                            _, _, _, _, started = run_conversations(
                                stub, supportbot_pb2, 8 * max(conc, replicas), conc, first)
                            first += started
                            before = [converse_counts(m) for m in metrics_ports]
                            wall, lat, codes, changes, started = run_conversations(
                                stub, supportbot_pb2, args.turns, conc, first)
                            first += started
                            split = "/".join(f"{converse_counts(m) - b:.0f}"
                                             for m, b in zip(metrics_ports, before))
                            text = ", ".join(f"{c} {n}" for c, n in
                                             sorted(codes.items(), key=lambda kv: -kv[1]))
                            print(f"| {store} | {replicas} | {conc} | {len(lat)} | "
                                  f"{len(lat) / wall:.1f} | {1000 * percentile(lat, 0.5):.1f} | "
                                  f"{1000 * percentile(lat, 0.99):.1f} | {changes} | {text} | "
                                  f"{split} |", flush=True)
                finally:
                    for proc, _ in bots:
                        proc.send_signal(signal.SIGTERM)
                    for proc, _ in bots:
                        proc.wait(timeout=60)
    finally:
        if pg is not None:
            pg.close()
        redis.kill()
        redis.wait()
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    for s in skipped:
        print(f"skipped: {s}")
    print(f"load average (1/5/15 min) before: {load_before}, after: "
          f"{' '.join(open('/proc/loadavg').read().split()[:3])}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    build = os.path.join(REPO, "build")
    p.add_argument("--bot", default=os.path.join(build, "services", "support-bot", "support-bot"))
    p.add_argument("--translator", default=os.path.join(build, "services", "translator", "translator"))
    p.add_argument("--python_out", default=os.path.join(build, "python"))
    p.add_argument("--turns", type=int, default=200, help="turns per measurement")
    p.add_argument("--concurrency", default="1,16")
    p.add_argument("--bot_model_root", default=os.path.join(REPO, "models"),
                   help="the support bot's --model_root (it serves the latest support-bot version "
                        "there), e.g. to compare an older intent model")
    p.add_argument("--stores", help="order stores to compare, comma-separated: sqlite, "
                   "postgres (default both with --replicas); given, the order store and "
                   "replicas table instead of the messages one")
    p.add_argument("--replicas", help="bot replica counts behind the gateway, comma-separated "
                   "(default 1,2 with --stores)")
    args = p.parse_args()
    sys.path.insert(0, args.python_out)
    if args.stores or args.replicas:
        args.stores = args.stores or "sqlite,postgres"
        args.replicas = args.replicas or "1,2"
        store_table(args)
        return
    import grpc
    from shop.supportbot.v1 import supportbot_pb2, supportbot_pb2_grpc

    workdir = tempfile.mkdtemp(prefix="bench_bot_")
    common = ["--listen_address=127.0.0.1", "--port=0", "--metrics_port=-1", "--model_poll_interval=0s"]
    translator, tport = start_server([args.translator] + common + [
        f"--model_root={os.path.join(REPO, 'models')}", "--intra_op_threads=1"])
    bot, bport = start_server([args.bot] + common + [f"--model_root={args.bot_model_root}",
        f"--orders_db={os.path.join(workdir, 'orders.db')}",
        f"--kb={os.path.join(REPO, 'services', 'support-bot', 'kb', 'articles.jsonl')}",
        f"--translator_address=127.0.0.1:{tport}", "--translator_timeout=30s",
        "--intra_op_threads=1"])
    print(f"# support-bot benchmark\n\nmachine: {machine_line()}\ncommand: {' '.join(sys.argv)}\n"
          f"intent model root: {args.bot_model_root}\n"
          f"one fresh session per turn; translator on the same machine (sentence cache on)\n")
    print("| messages | concurrency | turns/s | p50 ms | p99 ms | degraded |")
    print("|---|---:|---:|---:|---:|---:|")
    try:
        stub = supportbot_pb2_grpc.SupportBotStub(grpc.insecure_channel(f"127.0.0.1:{bport}"))
        for name, msgs in (("English", [("", m) for m in ENGLISH]), ("German/Spanish", OTHER)):
            def start(i, msgs=msgs):
                locale, text = msgs[i % len(msgs)]
                return stub.Converse.future(supportbot_pb2.ConverseRequest(message=text, locale=locale),
                                            timeout=120)
            run_load(start, len(msgs), 2)  # warm-up (and fills the translator's cache)
            for conc in [int(c) for c in args.concurrency.split(",")]:
                wall, lat, res = run_load(start, args.turns, conc)
                degraded = sum(r.metadata.translation_degraded for r in res)
                print(f"| {name} | {conc} | {args.turns / wall:.1f} | {1000 * percentile(lat, 0.5):.1f} | "
                      f"{1000 * percentile(lat, 0.99):.1f} | {degraded} |", flush=True)
    finally:
        for proc in (bot, translator):
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=60)


if __name__ == "__main__":
    main()
