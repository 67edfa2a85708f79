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

Example:
  /usr/bin/python3 scripts/bench_support_bot.py --turns 200
"""
import argparse
import os
import signal
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import machine_line, percentile, run_load, start_server  # noqa: E402

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
    args = p.parse_args()
    sys.path.insert(0, args.python_out)
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
