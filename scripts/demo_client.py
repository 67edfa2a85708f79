#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""A short client session against the running system (started by scripts/run.sh):
health, reflection, a few inferences, a bad request, and the metrics they left. With
--gateway, the three services are called through the gateway instead of directly."""
import argparse
import os
import random
import sys
import urllib.request
import uuid

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "lib"))


def channel_opener(grpc, args):
    """A function address -> channel: plaintext, or TLS (mutual with a client certificate)
    when --tls_ca_file is set."""
    if not args.tls_ca_file:
        return grpc.insecure_channel

    def read(path):
        if not path:
            return None
        with open(path, "rb") as f:
            return f.read()
    creds = grpc.ssl_channel_credentials(root_certificates=read(args.tls_ca_file),
                                         private_key=read(args.tls_key_file),
                                         certificate_chain=read(args.tls_cert_file))
    return lambda address: grpc.secure_channel(address, creds)


open_channel = None  # set by main() from the TLS flags


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--python_out", default="build/python")
    parser.add_argument("--example", default="127.0.0.1:50050")
    parser.add_argument("--metrics", default="127.0.0.1:9090")
    parser.add_argument("--recommender", default="127.0.0.1:50051")
    parser.add_argument("--translator", default="127.0.0.1:50052")
    parser.add_argument("--support_bot", default="127.0.0.1:50053")
    parser.add_argument("--gateway", default="",
                        help="host:port of the gRPC gateway; replaces the three addresses above")
    parser.add_argument("--gateway_metrics", default="",
                        help="host:port of the gateway's Prometheus exporter")
    parser.add_argument("--tls_ca_file", default="",
                        help="CA bundle (PEM) the servers' certificates chain to: set = TLS "
                             "(servers started with --tls_cert_file/--tls_key_file)")
    parser.add_argument("--tls_cert_file", default="",
                        help="client certificate (PEM) for servers that require mutual TLS")
    parser.add_argument("--tls_key_file", default="", help="the key of --tls_cert_file")
    parser.add_argument("--jwt_private_key", default="",
                        help="sign customers in with tokens from this key (the gateway's "
                             "identity provider; scripts/lib/shop_jwt.py), as a shop frontend "
                             "does; without it customer_id goes in the request body only, "
                             "which a gateway-fronted bot refuses")
    args = parser.parse_args()
    if args.gateway:
        args.recommender = args.translator = args.support_bot = args.gateway
    sys.path.insert(0, args.python_out)
    import grpc
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
    from shop.example.v1 import example_pb2, example_pb2_grpc

    global open_channel
    open_channel = channel_opener(grpc, args)
    channel = open_channel(args.example)
    health = health_pb2_grpc.HealthStub(channel).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=5)
    print(f"health: {health_pb2.HealthCheckResponse.ServingStatus.Name(health.status)}")

    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    listing = reflection.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")]), timeout=5)
    services = sorted(s.name for r in listing for s in r.list_services_response.service)
    print("services:", ", ".join(services))

    stub = example_pb2_grpc.ExampleInferenceStub(channel)
    rng = random.Random(0)
    for i in range(3):
        features = [rng.uniform(-1, 1) for _ in range(2048)]
        reply = stub.Infer(example_pb2.InferRequest(features=features), timeout=5)
        top = max(range(len(reply.scores)), key=lambda j: reply.scores[j])
        print(f"infer #{i + 1}: model v{reply.model_version}, {len(reply.scores)} scores, "
              f"best class {top} ({reply.scores[top]:.3f})")
    try:
        stub.Infer(example_pb2.InferRequest(features=[1.0, 2.0]), timeout=5)
    except grpc.RpcError as error:
        print(f"bad request -> {error.code().name}: {error.details()}")

    if args.gateway:
        print(f"recommender, translator, support bot: through the gateway at {args.gateway}")
    recommender_session(grpc, args.jwt_private_key, args.recommender)
    translator_session(grpc, args.translator)
    support_bot_session(grpc, args.jwt_private_key, args.support_bot)

    page = urllib.request.urlopen(f"http://{args.metrics}/metrics", timeout=5).read().decode()
    print("metrics:")
    for line in page.splitlines():
        if line.startswith(("grpc_server_handled_total", "shop_inference_requests_total",
                            "shop_model_version_loaded")) and not line.endswith(" 0"):
            print("  " + line)
    if args.gateway_metrics:
        page = urllib.request.urlopen(f"http://{args.gateway_metrics}/metrics",
                                      timeout=5).read().decode()
        print("gateway metrics:")
        for line in page.splitlines():
            if line.startswith("haproxy_backend_http_responses_total") and not line.endswith(" 0"):
                print("  " + line)


def signed_in(jwt_private_key, subject, role="customer"):
    """Call metadata with a token for `subject` (None without a key): what a shop frontend
    sends after its identity provider signed the customer in."""
    if not jwt_private_key or not subject:
        return None
    import shop_jwt  # here: only signed-in calls need python3-jwt
    return [("authorization", f"Bearer {shop_jwt.mint(jwt_private_key, subject, role)}")]


def recommender_session(grpc, jwt_private_key, address):
    """A shopper in Germany: cold start, a few events, personalised picks, similar items."""
    from shop.recommender.v1 import recommender_pb2 as rec, recommender_pb2_grpc as rec_grpc
    user = "demo-shopper"
    metadata = signed_in(jwt_private_key, user)
    stub = rec_grpc.RecommenderStub(open_channel(address))
    # Forgetting a shopper is an operator's job (a privacy request), not the shopper's.
    stub.DeleteUser(rec.DeleteUserRequest(user_id=user), timeout=5,
                    metadata=signed_in(jwt_private_key, "demo-operator", "operator"))
    filters = rec.Filters(ship_to_country="DE")

    def show(title, response):
        fallback = (rec.Fallback.Name(response.fallback) + ", "
                    if hasattr(response, "fallback") else "")
        print(f"{title} [{fallback}model v{response.model_version}]:")
        for item in response.items:
            reason = rec.ReasonType.Name(item.reason.type).replace("REASON_TYPE_", "").lower()
            related = f" <- {item.reason.related_item_id}" if item.reason.related_item_id else ""
            print(f"  item {item.item_id:>6}  score {item.score:8.3f}  {reason}{related}")

    show("recommend (no history yet)",
         stub.Recommend(rec.RecommendRequest(user_id=user, k=3, filters=filters), timeout=5,
                        metadata=metadata))
    for item, kind in (("1200", rec.EVENT_TYPE_VIEW), ("3456", rec.EVENT_TYPE_VIEW),
                       ("3457", rec.EVENT_TYPE_ADD_TO_CART)):
        # A fresh event_id per event: resending the same request after an error stores
        # the event once.
        stub.RecordEvent(rec.RecordEventRequest(user_id=user, item_id=item, event_type=kind,
                                                ship_to_country="DE",
                                                event_id=str(uuid.uuid4())), timeout=5,
                         metadata=metadata)
    print("recorded: view 1200, view 3456, cart 3457")
    show("recommend", stub.Recommend(rec.RecommendRequest(user_id=user, k=5, filters=filters),
                                     timeout=5, metadata=metadata))
    show("similar to 1200", stub.SimilarItems(
        rec.SimilarItemsRequest(item_id="1200", k=3, filters=filters), timeout=5))
    try:
        stub.Recommend(rec.RecommendRequest(user_id=user, k=500), timeout=5, metadata=metadata)
    except grpc.RpcError as error:
        print(f"k=500 -> {error.code().name}: {error.details()}")
    if metadata:
        try:  # another shopper's history, with this shopper's token
            stub.Recommend(rec.RecommendRequest(user_id="someone-else", k=3), timeout=5,
                           metadata=metadata)
        except grpc.RpcError as error:
            print(f"someone else's history -> {error.code().name}: {error.details()}")
    deleted = stub.DeleteUser(rec.DeleteUserRequest(user_id=user), timeout=5,
                              metadata=signed_in(jwt_private_key, "demo-operator", "operator"))
    print(f"deleted {deleted.deleted_event_count} events of {user}")


def translator_session(grpc, address):
    """What a cross-border shop sends: customer messages both ways, a product listing with
    a brand and a price, a storefront string with placeholders and markup, an HTML snippet
    with entities. Every translation shows the server's confidence."""
    from shop.translator.v1 import translator_pb2 as tr, translator_pb2_grpc as tr_grpc
    stub = tr_grpc.TranslatorStub(open_channel(address))
    pairs = stub.ListLanguagePairs(tr.ListLanguagePairsRequest(), timeout=5)
    print(f"translator {pairs.model_version}: " +
          ", ".join(f"{p.source_language}->{p.target_language}" for p in pairs.pairs))

    def show(label, texts, source, target, **options):
        reply = stub.Translate(tr.TranslateRequest(
            texts=texts, source_language=source, target_language=target,
            options=tr.TranslateOptions(**options)), timeout=30)
        for text, t in zip(texts, reply.translations):
            detected = (f" ({t.detected_source_language}, {t.detection_confidence:.2f})"
                        if t.detected_source_language else "")
            print(f"  {label}{detected}: {text}\n    -> {t.text}  [confidence {t.confidence:.2f}]")

    show("customer message en->de", ["Where is my order?", "My package arrived damaged."], "en", "de")
    show("customer message en->fr", ["Please cancel my order, I no longer need it."], "en", "fr")
    show("customer message auto->en", ["¿Dónde está mi pedido 12345?",
                                       "Ich möchte meine Lieferadresse ändern."], "auto", "en")
    show("agent reply en->es", ["Your refund will arrive within 5 business days."], "en", "es")
    listing = tr.TranslateOptions(do_not_translate=["Nordkap"])
    listing.glossary.add(source_term="free shipping", target_term="kostenloser Versand")
    show("product listing en->de",
         ["Nordkap hiking jacket in dark blue, size M, only 89.90 EUR.",
          "Waterproof and warm. Free returns within 30 days, and free shipping from 50 EUR."],
         "en", "de", do_not_translate=list(listing.do_not_translate), glossary=list(listing.glossary))
    show("storefront string en->fr", ["A total of %1 record(s) have been deleted.",
                                      "Save &amp; Edit"], "en", "fr")
    show("html en->es", ["<p>A <b>red</b> dress &hearts; &ndash; only &euro;20.</p>"], "en", "es",
         markup_mode=tr.MARKUP_MODE_HTML)
    try:
        stub.Translate(tr.TranslateRequest(texts=["Hello"], source_language="en",
                                           target_language="ja"), timeout=5)
    except grpc.RpcError as error:
        print(f"  en->ja -> {error.code().name}: {error.details()}")


def support_bot_session(grpc, jwt_private_key, address):
    """A guest tracks an order, a signed-in customer cancels one; German and French customers
    cancel, ask about customs and track an order in their own language."""
    from shop.supportbot.v1 import supportbot_pb2 as bot, supportbot_pb2_grpc as bot_grpc
    stub = bot_grpc.SupportBotStub(open_channel(address))

    def say(session, message, customer_id="", locale=""):
        # Signed in: the gateway takes the customer from the token, not the body.
        metadata = signed_in(jwt_private_key, customer_id)
        # request_id: a retry of this message after an error is processed at most once.
        r = stub.Converse(bot.ConverseRequest(session_id=session, message=message,
                                              customer_id=customer_id, locale=locale,
                                              request_id=str(uuid.uuid4())),
                          metadata=metadata, timeout=60)
        m = r.metadata
        extra = [f"intent {m.intent.name} ({m.intent.confidence:.2f})",
                 f"awaiting {bot.AwaitingState.Name(m.awaiting).replace('AWAITING_STATE_', '').lower()}"]
        if m.kb_article_id:
            extra.append(f"article {m.kb_article_id}")
        if m.HasField("action"):
            extra.append(f"action {bot.ActionResult.Name(m.action.result)}")
        if m.HasField("handoff"):
            extra.append(f"handoff {bot.HandoffReason.Name(m.handoff.reason)}")
        if m.translation_degraded:
            extra.append("translation degraded")
        print(f"  customer: {message}\n  bot [{', '.join(extra)}]: {r.reply[:300]}")
        return m.session_id

    print("support bot, guest:")
    s = say("", "Where is my order?")
    say(s, "ORD-86126116")
    say(s, "michael.davis@example.com")
    print("support bot, signed in as cust-1003:")
    s = say("", "Please cancel order ORD-37784483", customer_id="cust-1003")
    say(s, "yes", customer_id="cust-1003")
    # Replies come from the bot's German and French catalogs and articles (written, not
    # machine-translated); the intent model reads German and French as written, and a
    # question is searched in the articles of its own language.
    print("support bot, German, signed in as cust-1010:")
    s = say("", "Bitte stornieren Sie meine Bestellung ORD-59962626.", customer_id="cust-1010",
            locale="de-DE")
    say(s, "Ja, bitte.", customer_id="cust-1010", locale="de-DE")
    say("", "Muss ich Zoll bezahlen, wenn ich in die USA bestelle?", locale="de-DE")
    print("support bot, French, signed in as cust-1002:")
    say("", "Bonjour, où en est ma commande ORD-36480894 ?", customer_id="cust-1002",
        locale="fr-FR")


if __name__ == "__main__":
    main()
