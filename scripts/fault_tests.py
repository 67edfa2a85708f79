#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The fault battery: what an operator would try against the services, and what each fault
does to the numbers they watch. Prints one table row per test: requests sent, the gRPC codes
the server's own grpc_server_handled_total counted for them, and for the store tests the
acknowledged writes lost and the writes stored more than once.

Protocol faults (scripts/lib/raw_h2.py sends the frames a real client never would) against
the recommender, translator and support bot: a stream reset before and inside the body, a
stream ended without a message or with fewer bytes than the length prefix promised, a body
that does not parse, a hang-up after and inside the body, and a message over the size limit.
Store faults: RecordEvent load on the recommender with Redis histories (appendfsync always),
every event with an event_id and resent until acknowledged, while Redis is paused (SIGSTOP)
and while it is killed (SIGKILL) and restarted.
Order store faults (PostgreSQL, scripts/lib/postgres_server.py): signed-in customers changing
addresses and cancelling demo orders through Converse (every message with a request_id,
resent until answered) while PostgreSQL is restarted and once killed; and two bot replicas on
one database with many sessions confirming changes of the same few orders at once. The
audit trail (order_events, read with psql) is compared with what the clients were told.

  /usr/bin/python3 scripts/fault_tests.py                 # everything, about 3 minutes
  /usr/bin/python3 scripts/fault_tests.py --only protocol --repeat 50
  /usr/bin/python3 scripts/fault_tests.py --only orders
  /usr/bin/python3 scripts/fault_tests.py --markdown docs/errors.md   # refresh the table

Exit status 1 when a protocol fault is not counted as exactly the code that says whose
fault it is (CANCELLED for a client that went away, INVALID_ARGUMENT for a malformed call,
RESOURCE_EXHAUSTED for one over the size limit), when anything is counted as INTERNAL or
UNKNOWN (a server fault), or when any acknowledged write is lost or stored twice; for the
order tests also when an order is cancelled more than once, an address changes after its
order's cancellation, an audit row is one no client was told of, a message goes unanswered
for 60 s, a reply is not what the conversation expects, or the bot does not recover.
"""
import argparse
import collections
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts", "lib"))
import grpc_bench  # noqa: E402
from haproxy_gateway import free_port  # noqa: E402
from demo_customers import ORDER_CUSTOMERS  # noqa: E402
import postgres_server  # noqa: E402
import raw_h2  # noqa: E402

SERVER_FAULTS = ("INTERNAL", "UNKNOWN", "DATA_LOSS")


def handled(metrics_port):
    """grpc_server_handled_total as {(method, code): count}."""
    page = urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5).read()
    counts = {}
    for m in re.finditer(r"^grpc_server_handled_total\{([^}]*)\} (\S+)$", page.decode(), re.M):
        labels = dict(re.findall(r'(\w+)="([^"]*)"', m.group(1)))
        key = (labels.get("grpc_method"), labels.get("grpc_code"))
        counts[key] = counts.get(key, 0) + float(m.group(2))
    return counts


def delta(before, after, method):
    out = {}
    for (m, code), v in after.items():
        d = v - before.get((m, code), 0)
        if m == method and d:
            out[code] = int(d)
    return out


class Service:
    def __init__(self, name, binary, args, method, body):
        self.name, self.method, self.body = name, method, body
        self.metrics_port = free_port()
        self.proc, self.port = grpc_bench.start_server(
            [binary, "--listen_address=127.0.0.1", "--port=0", "--metrics_address=127.0.0.1",
             f"--metrics_port={self.metrics_port}", *args])

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def protocol_faults(service):
    """(name, action on a fresh connection) for each protocol fault."""
    path = "/" + service.method
    frame = raw_h2.grpc_frame(service.body)

    def reset_before_body(c):
        c.reset(c.open_stream(path))

    def reset_inside_body(c):
        s = c.open_stream(path)
        c.data(s, frame[:len(frame) // 2])
        c.reset(s)

    def ended_without_message(c):
        c.open_stream(path, end_stream=True)

    def short_of_length_prefix(c):
        c.data(c.open_stream(path), raw_h2.grpc_frame(service.body, declared_length=len(service.body) + 50),
               end_stream=True)

    def unparseable_body(c):
        c.data(c.open_stream(path), raw_h2.grpc_frame(b"\xff\xff\xff\xff\x0f"), end_stream=True)

    def hang_up_after_body(c):
        c.data(c.open_stream(path), frame, end_stream=True)
        c.sock.close()

    def hang_up_inside_body(c):
        c.data(c.open_stream(path), frame[:len(frame) // 2])
        c.sock.close()

    # (name, action, the code the server should count: whose fault it is; a tuple when
    # any of its codes is right)
    return [("stream reset before the body", reset_before_body, "CANCELLED"),
            ("stream reset inside the body", reset_inside_body, "CANCELLED"),
            ("stream ended without a message", ended_without_message, "INVALID_ARGUMENT"),
            ("message shorter than its length prefix", short_of_length_prefix,
             "INVALID_ARGUMENT"),
            ("body that does not parse", unparseable_body, "INVALID_ARGUMENT"),
            # The request arrived whole: a server that answers before it notices the
            # closed connection counts OK (the bot does since its intent model stopped
            # queueing), one that notices first CANCELLED. Either is right; INTERNAL is not.
            ("client hang-up after the body", hang_up_after_body, ("OK", "CANCELLED")),
            ("client hang-up inside the body", hang_up_inside_body, "CANCELLED")]


def run_protocol(service, repeat, rows):
    for name, action, expected in protocol_faults(service):
        before = handled(service.metrics_port)
        for _ in range(repeat):
            c = raw_h2.Connection("127.0.0.1", service.port)
            c.read_frames(0.02)
            try:
                action(c)
            except OSError:
                pass  # the server may close first (the size limit)
            c.read_frames(0.3)
            c.close()
        time.sleep(0.5)  # let the server finish the calls before counting
        codes = delta(before, handled(service.metrics_port), service.method.split("/")[1])
        rows.append((f"{service.name}: {name}", repeat, codes, None, None, expected))
    # Over the 4 MiB default --max_receive_message_bytes, from a real client (it keeps to
    # HTTP/2 flow control, as the raw one does not): the server refuses and counts it. Over
    # twice the limit gRPC core refuses it before any interceptor: the client gets the same
    # code, the server's metrics do not see it (expected None: reported, not judged).
    import grpc
    for label, body_bytes, expected in (("message over the size limit", 6 << 20,
                                         "RESOURCE_EXHAUSTED"),
                                        ("message over gRPC core's limit (2x)", 9 << 20, None)):
        before = handled(service.metrics_port)
        seen = {}
        with grpc.insecure_channel(f"127.0.0.1:{service.port}",
                                   options=[("grpc.max_send_message_length", -1)]) as channel:
            call = channel.unary_unary("/" + service.method)
            for _ in range(repeat):
                try:
                    # field 1 (length-delimited), a varint length, then the bytes
                    call(b"\x0a" + varint(body_bytes) + b"x" * body_bytes, timeout=10)
                    seen["OK"] = seen.get("OK", 0) + 1
                except grpc.RpcError as e:
                    seen[e.code().name] = seen.get(e.code().name, 0) + 1
        time.sleep(0.5)
        codes = delta(before, handled(service.metrics_port), service.method.split("/")[1])
        client = ", ".join(f"{c} {n}" for c, n in seen.items())
        rows.append((f"{service.name}: {label} (the client got {client})", repeat, codes, None,
                     None, expected))


def varint(n):
    out = b""
    while True:
        byte = n & 0x7F
        n >>= 7
        if n:
            out += bytes([byte | 0x80])
        else:
            return out + bytes([byte])


class Redis:
    def __init__(self, workdir):
        self.port = free_port()
        self.dir = workdir
        self.start()

    def start(self):
        self.proc = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "yes", "--appendfsync", "always", "--dir", self.dir,
             "--daemonize", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if self.cli("PING") == "PONG":
                return
            time.sleep(0.05)
        raise SystemExit("redis-server did not start")

    def cli(self, *args):
        r = subprocess.run(["redis-cli", "-p", str(self.port), *args], capture_output=True,
                           text=True)
        return r.stdout.strip()

    def stop(self):
        self.proc.kill()
        self.proc.wait()


def run_store_fault(name, redis, recommender, outage, rows, users=8, per_user=150):
    """RecordEvent from one thread per user, each event resent with its event_id until it is
    acknowledged (at most 60 s), while `outage` runs; then every user's stored history is
    compared with what was acknowledged."""
    import grpc
    from shop.recommender.v1 import recommender_pb2 as pb, recommender_pb2_grpc
    channel = grpc.insecure_channel(f"127.0.0.1:{recommender.port}")
    stub = recommender_pb2_grpc.RecommenderStub(channel)
    prefix = uuid.uuid4().hex[:8]
    acked = [[] for _ in range(users)]
    given_up = [0]
    client_errors = {}
    lock = threading.Lock()

    def user(u):
        for i in range(per_user):
            req = pb.RecordEventRequest(user_id=f"{prefix}-u{u}", item_id=f"{u}-{i}",
                                        event_type=pb.EVENT_TYPE_VIEW,
                                        event_id=f"{prefix}-{u}-{i}")
            until = time.time() + 60
            while True:
                try:
                    stub.RecordEvent(req, timeout=2)
                    acked[u].append(req.item_id)
                    break
                except grpc.RpcError as e:
                    with lock:
                        client_errors[e.code().name] = client_errors.get(e.code().name, 0) + 1
                    if time.time() > until:
                        with lock:
                            given_up[0] += 1
                        break
                    time.sleep(0.02)

    before = handled(recommender.metrics_port)
    threads = [threading.Thread(target=user, args=(u,)) for u in range(users)]
    for t in threads:
        t.start()
    outage()
    for t in threads:
        t.join()
    codes = delta(before, handled(recommender.metrics_port), "RecordEvent")
    lost = duplicated = 0
    for u in range(users):
        stored = redis.cli("LRANGE", f"shop:rec:hist:{prefix}-u{u}", "0", "-1").split("\n")
        items = [line.rsplit("|", 1)[-1] for line in stored if line]
        for item in set(items):
            duplicated += items.count(item) - 1
        lost += len(set(acked[u]) - set(items))
    lost += given_up[0]
    rows.append((name, users * per_user, codes, lost, duplicated, None))
    channel.close()


# --- Order store faults (PostgreSQL) ----------------------------------------------------------

# Codes after which a message is resent with its request_id: the outcome is unknown, and the
# bot processes a message at most once.
RESEND = ("UNAVAILABLE", "DEADLINE_EXCEEDED")
Ack = collections.namedtuple("Ack", "order action session_ref new_value")
Event = collections.namedtuple("Event", "id order action new_value session_ref")


class GaveUp(Exception):
    pass


class OrderClient:
    """Converse as signed-in customers (the request's customer_id: the bot runs without a
    gateway), every message with its own request_id and resent with it after UNAVAILABLE or
    DEADLINE_EXCEEDED until answered, at most 60 s. Thread-safe; counts the messages sent
    (each once, however often resent), what the clients were told and what went wrong."""

    def __init__(self, port):
        import grpc
        from shop.supportbot.v1 import supportbot_pb2 as pb, supportbot_pb2_grpc
        self.grpc, self.pb = grpc, pb
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.stub = supportbot_pb2_grpc.SupportBotStub(self.channel)
        self.lock = threading.Lock()
        self.messages = 0
        self.acks = []          # Ack of every change a client was told succeeded
        self.problems = []      # what should never happen, in words
        self.ok_times = []      # time.time() of every OK answer

    def say(self, session, customer, message):
        pb = self.pb
        req = pb.ConverseRequest(session_id=session, message=message, customer_id=customer,
                                 locale="en-US", request_id=str(uuid.uuid4()))
        with self.lock:
            self.messages += 1
        until = time.time() + 60
        while True:
            try:
                response = self.stub.Converse(req, timeout=10)
                with self.lock:
                    self.ok_times.append(time.time())
                return response
            except self.grpc.RpcError as e:
                code = e.code().name
                if code not in RESEND or time.time() > until:
                    self.problem(f"{message!r} from {customer}: {code} {e.details()}")
                    raise GaveUp() from None
                time.sleep(0.05)

    def problem(self, text):
        with self.lock:
            self.problems.append(text)

    def change(self, customer, order, kind, address=None, before_yes=None):
        """One conversation: ask to cancel `order` (kind "cancel") or to deliver it to
        `address` ("address"), then confirm with "yes" (after before_yes(), when given).
        Returns what the client was told: "succeeded", "rejected" (by the order's state, at
        once or after the yes) or None (gave up, or a reply the conversation did not
        expect: recorded as a problem)."""
        pb = self.pb
        try:
            r = self.say("", customer, f"Please cancel my order {order}" if kind == "cancel"
                         else f"I need to change the delivery address of {order}")
            session = r.metadata.session_id
            if kind == "address" and r.metadata.awaiting == pb.AWAITING_STATE_SHIPPING_ADDRESS:
                r = self.say(session, customer, address)
            if r.metadata.awaiting == pb.AWAITING_STATE_CONFIRMATION:
                if before_yes is not None:
                    before_yes()
                r = self.say(session, customer, "yes")
        except GaveUp:
            return None
        return self._outcome(r, customer, order, kind)

    def _outcome(self, r, customer, order, kind):
        pb = self.pb
        action = r.metadata.action if r.metadata.HasField("action") else None
        want = (pb.ACTION_TYPE_CANCEL_ORDER if kind == "cancel"
                else pb.ACTION_TYPE_CHANGE_SHIPPING_ADDRESS)
        if action is None or action.action_type != want or action.order_id != order:
            self.problem(f"{kind} {order} ({customer}): unexpected reply {r.reply[:120]!r}")
            return None
        if action.result == pb.ACTION_RESULT_REJECTED:
            # These orders may be changed until cancelled: no other reason to refuse.
            if "cancelled" not in action.detail:
                self.problem(f"{kind} {order} ({customer}): refused: {action.detail}")
            return "rejected"
        # The reply and the action agree: "Done: order ... is cancelled" / "will be delivered".
        told = "is cancelled" if kind == "cancel" else "will be delivered to"
        if action.result != pb.ACTION_RESULT_SUCCEEDED or told not in r.reply:
            self.problem(f"{kind} {order} ({customer}): {pb.ActionResult.Name(action.result)}, "
                         f"reply {r.reply[:120]!r}")
            return None
        # The audit row names the customer's message: "<session>#<its turn>".
        ref = f"{r.metadata.session_id}#{r.metadata.turn_id - 1}"
        new_value = action.detail.split(" -> ", 1)[-1]
        with self.lock:
            self.acks.append(Ack(order, "cancel_order" if kind == "cancel"
                                 else "change_shipping_address", ref, new_value))
        return "succeeded"

    def close(self):
        self.channel.close()

    def thread(self, target, *args):
        """A thread running target(*args) whose exception is recorded as a problem."""
        def run():
            try:
                target(*args)
            except Exception as e:  # noqa: BLE001 -- reported as a problem
                self.problem(f"{target.__name__}{args}: {type(e).__name__}: {e}")
        return threading.Thread(target=run)


def audit(pg, db, acks):
    """Compares the audit trail with what the clients were told. Returns (lost, stored
    twice, problems): lost = acknowledged changes without their row (or a cancellation
    whose order is not cancelled); stored twice = rows beyond the first of one customer
    message, and cancellations beyond the first of one order."""
    events = [Event(int(i), o, a, v, ref) for i, o, a, v, ref in pg.query(
        db, "SELECT id, order_id, action, new_value, session_ref FROM order_events ORDER BY id")]
    status = dict(pg.query(db, "SELECT id, status FROM orders"))
    by_ref = collections.defaultdict(list)
    for e in events:
        by_ref[e.session_ref].append(e)
    lost = 0
    for a in acks:
        if not any((e.order, e.action, e.new_value) == (a.order, a.action, a.new_value)
                   for e in by_ref.get(a.session_ref, ())):
            lost += 1
        elif a.action == "cancel_order" and status.get(a.order) != "cancelled":
            lost += 1
    twice = sum(len(rows) - 1 for rows in by_ref.values())
    problems = []
    cancels = collections.defaultdict(list)
    for e in events:
        if e.action == "cancel_order":
            cancels[e.order].append(e)
    told_cancelled = collections.Counter(a.order for a in acks if a.action == "cancel_order")
    for order, rows in cancels.items():
        twice += len(rows) - 1
        if told_cancelled[order] != len(rows):
            problems.append(f"{order}: {len(rows)} cancellations stored, clients told "
                            f"{told_cancelled[order]} times")
    after = [e for e in events if e.action == "change_shipping_address"
             and e.order in cancels and e.id > cancels[e.order][0].id]
    if after:
        problems.append(f"{len(after)} address changes stored after their order's cancellation")
    acked = {a.session_ref for a in acks}
    untold = [e for e in events if e.session_ref not in acked]
    if untold:
        problems.append(f"{len(untold)} audit rows no client was told of (first: {untold[0]})")
    return lost, twice, problems


def start_bots(binary, flags, count):
    """`count` support bots with the same flags, started at once (migrations race)."""
    bots, errors = [None] * count, []

    def start(i):
        try:
            bots[i] = Service("support-bot", binary, flags, "", b"")
        except BaseException as e:  # noqa: BLE001 -- reported below
            errors.append(e)
    threads = [threading.Thread(target=start, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        for bot in bots:
            if bot is not None:
                bot.stop()
        raise errors[0]
    return bots


def run_postgres_outage(pg, bot_binary, bot_flags, rows, problems):
    """One bot on PostgreSQL; one thread per customer changes its order's address over and
    over, cancels it at a time spread over the outage, then keeps trying address changes
    (which must be refused), while PostgreSQL is stopped and started twice and then killed
    (SIGKILL) and started. Every thread must finish two conversations after PostgreSQL is
    back, on the same bot process."""
    db = pg.create_database("outage")
    [bot] = start_bots(bot_binary, bot_flags(pg, db), 1)
    client = OrderClient(bot.port)
    back = {"at": None}
    start = time.time()
    # Cancellations at 0.5, 1.5, ... s: during the outages (they start at 1 s) and between.
    cancel_at = [start + 0.5 + i for i in range(len(ORDER_CUSTOMERS))]
    counted = handled(bot.metrics_port)

    def customer(i):
        who, order, address = ORDER_CUSTOMERS[i]
        cancelled, after, house = False, 0, 0
        while time.time() < start + 180:
            began = time.time()
            if not cancelled and began >= cancel_at[i]:
                cancelled = client.change(who, order, "cancel") is not None
            else:
                house += 1
                told = client.change(who, order, "address", address.format(n=house))
                if cancelled and told == "succeeded":
                    client.problem(f"{order}: address changed after its cancellation")
            if back["at"] is not None and began > back["at"]:
                after += 1  # a conversation begun once PostgreSQL was back
            if cancelled and after >= 2:
                return
        client.problem(f"{who}: not done after 180 s")

    threads = [client.thread(customer, i) for i in range(len(ORDER_CUSTOMERS))]
    try:
        for t in threads:
            t.start()
        try:
            for outage in ("stop", "stop", "kill"):
                time.sleep(1.0)
                if outage == "kill":
                    pg.kill()
                else:
                    pg.stop()
                time.sleep(1.0)
                pg.start()
            back["at"] = time.time()
        finally:
            for t in threads:
                t.join()
        codes = delta(counted, handled(bot.metrics_port), "Converse")
        bot_alive = bot.proc.poll() is None
    finally:
        bot.stop()
        client.close()
    lost, twice, audit_problems = audit(pg, db, client.acks)
    cancels = sum(a.action == "cancel_order" for a in client.acks)
    changes = len(client.acks) - cancels
    first_ok = min((t for t in client.ok_times if t > back["at"]), default=None)
    problems_here = client.problems + audit_problems
    if not bot_alive:
        problems_here.append("the bot exited")
    if first_ok is None:
        problems_here.append("no call succeeded after PostgreSQL was back")
    recovered = "never" if first_ok is None else f"{first_ok - back['at']:.2f} s"
    rows.append((f"orders: PostgreSQL stopped and started twice, then killed (SIGKILL) and "
                 f"started, under Converse load from {len(ORDER_CUSTOMERS)} customers "
                 f"({changes} address changes and {cancels} cancellations acknowledged; the "
                 f"same bot process answered OK {recovered} after PostgreSQL was back)",
                 client.messages, codes, lost, twice, None))
    problems.extend(f"{rows[-1][0][:60]}...: {p}" for p in problems_here)


def run_two_replicas(pg, bot_binary, bot_flags, rows, problems, sessions_per_order=12):
    """Two bots on one database, started at once. For each order, `sessions_per_order`
    sessions, half on each bot, half of those cancelling and half changing the address,
    all reach the confirmation question and wait for each other. Then the address changes
    say yes within 0.3 s, the cancellations from 0.1 to 0.3 s: some address changes come
    before the first cancellation, some race it, and the cancellations overlap."""
    db = pg.create_database("replicas")
    bots = start_bots(bot_binary, bot_flags(pg, db), 2)
    clients = [OrderClient(b.port) for b in bots]
    counted = [handled(b.metrics_port) for b in bots]
    barriers = {order: threading.Barrier(sessions_per_order, timeout=120)
                for _, order, _ in ORDER_CUSTOMERS}
    told = collections.Counter()
    lock = threading.Lock()

    def session(i, who, order, address):
        client = clients[i % 2]
        kind = "cancel" if (i // 2) % 2 == 0 else "address"
        waited = []

        def before_yes():
            waited.append(True)
            barriers[order].wait()
            time.sleep(random.uniform(0.1 if kind == "cancel" else 0, 0.3))
        try:
            result = client.change(who, order, kind, address.format(n=100 + i), before_yes)
        finally:
            if not waited:  # a session that failed early still lets the others go on
                try:
                    barriers[order].wait()
                except threading.BrokenBarrierError:
                    pass
        with lock:
            told[(kind, result)] += 1

    threads = [clients[i % 2].thread(session, i, who, order, address)
               for who, order, address in ORDER_CUSTOMERS for i in range(sessions_per_order)]
    codes = {}
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        for bot, before in zip(bots, counted):
            for code, n in delta(before, handled(bot.metrics_port), "Converse").items():
                codes[code] = codes.get(code, 0) + n
    finally:
        for bot in bots:
            bot.stop()
        for c in clients:
            c.close()
    acks = clients[0].acks + clients[1].acks
    lost, twice, audit_problems = audit(pg, db, acks)
    orders = len(ORDER_CUSTOMERS)
    cancelled = {a.order for a in acks if a.action == "cancel_order"}
    problems_here = clients[0].problems + clients[1].problems + audit_problems
    if len(cancelled) != orders:
        problems_here.append(f"{orders - len(cancelled)} orders were never cancelled")
    rows.append((f"orders: two bot replicas, one PostgreSQL: {len(threads)} sessions, "
                 f"{sessions_per_order} per order on {orders} orders, confirming a cancellation "
                 f"or an address change within 0.3 s (told: cancelled "
                 f"{told[('cancel', 'succeeded')]}, refused {told[('cancel', 'rejected')]}; "
                 f"address changed {told[('address', 'succeeded')]}, refused "
                 f"{told[('address', 'rejected')]})",
                 sum(c.messages for c in clients), codes, lost, twice, None))
    problems.extend(f"{rows[-1][0][:60]}...: {p}" for p in problems_here)


def format_table(rows):
    lines = ["| test | requests | server's gRPC codes | acknowledged writes lost | stored twice |",
             "|---|---:|---|---:|---:|"]
    for name, n, codes, lost, dup, _ in rows:
        text = ", ".join(f"{c} {v}" for c, v in sorted(codes.items(), key=lambda kv: -kv[1]))
        lines.append(f"| {name} | {n} | {text or 'none counted'} | "
                     f"{'' if lost is None else lost} | {'' if dup is None else dup} |")
    return "\n".join(lines)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    build = os.path.join(ROOT, "build")
    parser.add_argument("--build_dir", default=build)
    parser.add_argument("--only", choices=["protocol", "store", "orders"],
                        help="Run one group only.")
    parser.add_argument("--repeat", type=int, default=20, help="Calls per protocol fault.")
    parser.add_argument("--services", default="recommender,translator,support-bot")
    parser.add_argument("--markdown", help="Replace the fault table in this file (between "
                        "'<!-- fault table -->' markers).")
    args = parser.parse_args()
    sys.path.insert(0, os.path.join(args.build_dir, "python"))
    from shop.recommender.v1 import recommender_pb2
    from shop.supportbot.v1 import supportbot_pb2
    from shop.translator.v1 import translator_pb2

    models = os.path.join(ROOT, "models")
    catalog = os.path.join(ROOT, "services/recommender/demo/catalog.jsonl")
    rows = []
    problems = []  # the order tests' failures that have no column of their own
    work = tempfile.mkdtemp(prefix="shop-faults-")
    try:
        if args.only in (None, "protocol"):
            specs = {
                "recommender": (["--model_root=" + models, "--catalog=" + catalog],
                                "shop.recommender.v1.Recommender/Recommend",
                                recommender_pb2.RecommendRequest(recent_item_ids=["1200"], k=5)),
                "translator": (["--model_root=" + models],
                               "shop.translator.v1.Translator/Translate",
                               translator_pb2.TranslateRequest(texts=["Where is my order?"],
                                                               target_language="de")),
                "support-bot": (["--model_root=" + models, "--orders_db=" + os.path.join(work, "o.db"),
                                 "--kb=" + os.path.join(ROOT, "services/support-bot/kb/articles.jsonl")],
                                "shop.supportbot.v1.SupportBot/Converse",
                                supportbot_pb2.ConverseRequest(message="Where is my order?")),
            }
            for name in args.services.split(","):
                flags, method, request = specs[name]
                binary = os.path.join(args.build_dir, "services", name, name)
                service = Service(name, binary, flags, method, request.SerializeToString())
                try:
                    run_protocol(service, args.repeat, rows)
                finally:
                    service.stop()
        if args.only in (None, "store"):
            if shutil.which("redis-server") is None:
                raise SystemExit("redis-server is needed (scripts/setup.sh installs it)")
            redis = Redis(work)
            recommender = Service(
                "recommender", os.path.join(args.build_dir, "services/recommender/recommender"),
                ["--model_root=" + models, "--catalog=" + catalog, "--history_store=redis",
                 f"--redis_address=127.0.0.1:{redis.port}", "--redis_timeout=100ms"],
                "", b"")
            try:
                def pause():
                    for _ in range(3):
                        time.sleep(0.3)
                        redis.proc.send_signal(signal.SIGSTOP)
                        time.sleep(1.0)
                        redis.proc.send_signal(signal.SIGCONT)

                def kill():
                    time.sleep(0.5)
                    redis.stop()
                    time.sleep(1.0)
                    redis.start()

                run_store_fault("RecordEvent while Redis is paused 3 x 1 s", redis, recommender,
                                pause, rows)
                run_store_fault("RecordEvent while Redis is killed and restarted", redis,
                                recommender, kill, rows)
            finally:
                recommender.stop()
                redis.stop()
        if args.only in (None, "orders"):
            if shutil.which("psql") is None:
                raise SystemExit("psql is needed (postgresql-client; scripts/setup.sh installs it)")
            bot_binary = os.path.join(args.build_dir, "services/support-bot/support-bot")

            def bot_flags(pg, db):
                return ["--model_root=" + models,
                        "--kb=" + os.path.join(ROOT, "services/support-bot/kb/articles.jsonl"),
                        "--orders_db=" + pg.url(db), "--orders_db_password_file=" + pg.password_file,
                        "--session_store=memory"]
            with postgres_server.PostgresServer() as pg:
                run_postgres_outage(pg, bot_binary, bot_flags, rows, problems)
                run_two_replicas(pg, bot_binary, bot_flags, rows, problems)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    table = format_table(rows)
    print(f"machine: {grpc_bench.machine_line()}")
    print(table)
    if args.markdown:
        text = open(args.markdown).read()
        start, end = "<!-- fault table -->", "<!-- end fault table -->"
        a, b = text.index(start) + len(start), text.index(end)
        open(args.markdown, "w").write(text[:a] + "\n" + table + "\n" + text[b:])
    def wrong(row):
        name, n, codes, lost, dup, expected = row
        if any(c in codes for c in SERVER_FAULTS) or lost or dup:
            return True
        if isinstance(expected, tuple):  # any mix of these codes
            return set(codes) - set(expected) != set() or sum(codes.values()) != n
        return expected is not None and codes != {expected: n}

    bad = [r for r in rows if wrong(r)]
    for r in bad:
        print(f"FAILED: {r[0]}", file=sys.stderr)
    for p in problems:
        print(f"FAILED: {p}", file=sys.stderr)
    return 1 if bad or problems else 0


if __name__ == "__main__":
    sys.exit(main())
