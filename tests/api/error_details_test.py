#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Every RPC's bad inputs against the three real servers, read back as a Python client
reads them: the google.rpc.Status in the `grpc-status-details-bin` trailer.

For each case: the gRPC code; on INVALID_ARGUMENT a google.rpc.BadRequest whose field
violations name exactly the expected request fields; on every error a google.rpc.ErrorInfo
with domain "shop-ai" and the expected reason (the code's name unless a specific one is
documented); on RESOURCE_EXHAUSTED and UNAVAILABLE a google.rpc.RetryInfo, except where
retrying cannot help. Also gRPC-level failures the services shape themselves: a body that
is not the request message, a request over the size limit, a full inference queue.

The details' messages come from the vendored googleapis protos (third_party/googleapis),
compiled into the build's Python output like the services' stubs."""
import argparse
import os
import signal
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import start_server  # noqa: E402

DOMAIN = "shop-ai"
FAILURES = []


def details(error):
    """(BadRequest fields, ErrorInfo, RetryInfo or None, number of details) of an RpcError."""
    from google.rpc import error_details_pb2, status_pb2
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    if raw is None:
        return None
    status = status_pb2.Status.FromString(raw)
    if status.code != error.code().value[0] or status.message != error.details():
        FAILURES.append(f"google.rpc.Status {status.code} {status.message!r} differs from "
                        f"the call's {error.code()} {error.details()!r}")
    fields, info, retry = None, None, None
    for any_ in status.details:
        if any_.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            any_.Unpack(bad)
            fields = [v.field for v in bad.field_violations]
            if any(not v.description for v in bad.field_violations):
                FAILURES.append("a field violation without a description")
        elif any_.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            any_.Unpack(info)
        elif any_.Is(error_details_pb2.RetryInfo.DESCRIPTOR):
            retry = error_details_pb2.RetryInfo()
            any_.Unpack(retry)
    return fields, info, retry, len(status.details)


def expect(name, call, code, fields=None, reason=None, retry=None):
    """Runs `call` (which must fail with `code`) and checks its details. `fields`: the
    BadRequest field paths (required on INVALID_ARGUMENT); `reason`: the ErrorInfo reason
    (default: the code's name); `retry`: whether a RetryInfo must be there (default: for
    RESOURCE_EXHAUSTED and UNAVAILABLE)."""
    import grpc
    try:
        call()
    except grpc.RpcError as e:
        got = e.code()
        if got != code:
            FAILURES.append(f"{name}: {got.name} ({e.details()}), expected {code.name}")
            return e
        parsed = details(e)
        if parsed is None:
            FAILURES.append(f"{name}: no grpc-status-details-bin trailer")
            return e
        got_fields, info, got_retry, _ = parsed
        if code == grpc.StatusCode.INVALID_ARGUMENT:
            if got_fields is None:
                FAILURES.append(f"{name}: INVALID_ARGUMENT without BadRequest ({e.details()})")
            elif fields is not None and sorted(got_fields) != sorted(fields):
                FAILURES.append(f"{name}: BadRequest fields {got_fields}, expected {fields} "
                                f"({e.details()})")
        want_reason = reason or code.name
        if info is None:
            FAILURES.append(f"{name}: no ErrorInfo")
        elif info.domain != DOMAIN or info.reason != want_reason:
            FAILURES.append(f"{name}: ErrorInfo {info.domain}/{info.reason}, expected "
                            f"{DOMAIN}/{want_reason}")
        if retry is None:
            retry = code in (grpc.StatusCode.RESOURCE_EXHAUSTED, grpc.StatusCode.UNAVAILABLE)
        if retry and (got_retry is None or
                      got_retry.retry_delay.seconds * 1e9 + got_retry.retry_delay.nanos <= 0):
            FAILURES.append(f"{name}: no positive RetryInfo on {code.name}")
        if not retry and got_retry is not None:
            FAILURES.append(f"{name}: RetryInfo where retrying cannot help")
        print(f"ok   {name}: {code.name} {want_reason} {got_fields or ''}")
        return e
    FAILURES.append(f"{name}: succeeded, expected {code.name}")
    return None


def recommender_cases(channel, pb, pb_grpc, timestamp_pb2):
    import time
    import grpc
    stub = pb_grpc.RecommenderStub(channel)
    bad = grpc.StatusCode.INVALID_ARGUMENT
    R = pb.RecommendRequest
    cases = [
        ("k", R(recent_item_ids=["12"], k=0), ["k"]),
        ("k above 100", R(recent_item_ids=["12"], k=101), ["k"]),
        ("neither user nor items", R(k=5), ["user_id", "recent_item_ids"]),
        ("user_id with a space", R(user_id="a b", k=5), ["user_id"]),
        ("user_id too long", R(user_id="u" * 129, k=5), ["user_id"]),
        ("recent_item_ids[1]", R(recent_item_ids=["12", "bad id!"], k=5), ["recent_item_ids[1]"]),
        ("201 recent items", R(recent_item_ids=["12"] * 201, k=5), ["recent_item_ids"]),
        ("ship_to_country", R(recent_item_ids=["12"], k=5, filters=pb.Filters(ship_to_country="XX1")),
         ["filters.ship_to_country"]),
        ("category_id too long", R(recent_item_ids=["12"], k=5,
                                   filters=pb.Filters(category_id="c" * 129)),
         ["filters.category_id"]),
        ("excluded_item_ids[0]", R(recent_item_ids=["12"], k=5,
                                   filters=pb.Filters(excluded_item_ids=["x|y"])),
         ["filters.excluded_item_ids[0]"]),
        ("1001 excluded items", R(recent_item_ids=["12"], k=5,
                                  filters=pb.Filters(excluded_item_ids=["1"] * 1001)),
         ["filters.excluded_item_ids"]),
    ]
    for name, req, fields in cases:
        expect(f"Recommend {name}", lambda r=req: stub.Recommend(r, timeout=30), bad, fields)
    S = pb.SimilarItemsRequest
    expect("SimilarItems empty item_id", lambda: stub.SimilarItems(S(k=5), timeout=30), bad, ["item_id"])
    expect("SimilarItems k", lambda: stub.SimilarItems(S(item_id="12", k=0), timeout=30), bad, ["k"])
    expect("SimilarItems ship_to_country",
           lambda: stub.SimilarItems(S(item_id="12", k=5, filters=pb.Filters(ship_to_country="ZZZ")),
                                     timeout=30), bad, ["filters.ship_to_country"])
    expect("SimilarItems unknown item",
           lambda: stub.SimilarItems(S(item_id="no-such-item", k=5), timeout=30),
           grpc.StatusCode.NOT_FOUND, reason="ITEM_NOT_IN_CATALOG")
    E = pb.RecordEventRequest
    ok = dict(user_id="u-1", item_id="12", event_type=pb.EVENT_TYPE_VIEW)
    future = timestamp_pb2.Timestamp(seconds=int(time.time()) + 3600)
    for name, req, fields in [
            ("empty user_id", E(**{**ok, "user_id": ""}), ["user_id"]),
            ("bad item_id", E(**{**ok, "item_id": "a b"}), ["item_id"]),
            ("unspecified event_type", E(**{**ok, "event_type": pb.EVENT_TYPE_UNSPECIFIED}),
             ["event_type"]),
            ("event_time an hour ahead", E(**ok, event_time=future), ["event_time"]),
            ("ship_to_country", E(**ok, ship_to_country="QQ"), ["ship_to_country"]),
            ("event_id with |", E(**ok, event_id="a|b"), ["event_id"])]:
        expect(f"RecordEvent {name}", lambda r=req: stub.RecordEvent(r, timeout=30), bad, fields)
    expect("DeleteUser empty user_id",
           lambda: stub.DeleteUser(pb.DeleteUserRequest(), timeout=30), bad, ["user_id"])


def translator_cases(channel, pb, pb_grpc):
    import grpc
    stub = pb_grpc.TranslatorStub(channel)
    bad = grpc.StatusCode.INVALID_ARGUMENT
    base = dict(texts=["Hello."], source_language="en", target_language="de")
    O = pb.TranslateOptions
    G = pb.GlossaryEntry
    cases = [
        ("no texts", {**base, "texts": []}, None, ["texts"]),
        ("65 texts", {**base, "texts": ["x"] * 65}, None, ["texts"]),
        ("22,500 characters in total", {**base, "texts": ["a" * 4500] * 5}, None, ["texts"]),
        ("texts[2] too long", {**base, "texts": ["a", "b", "a" * 5001]}, None, ["texts[2]"]),
        ("empty target_language", {**base, "target_language": ""}, None, ["target_language"]),
        ("target_language auto", {**base, "target_language": "auto"}, None, ["target_language"]),
        ("malformed target_language", {**base, "target_language": "e1"}, None, ["target_language"]),
        ("malformed source_language", {**base, "source_language": "e1"}, None, ["source_language"]),
        ("beam_size 9", base, O(beam_size=9), ["options.beam_size"]),
        ("beam_size -1", base, O(beam_size=-1), ["options.beam_size"]),
        ("length_penalty NaN", base, O(length_penalty=float("nan")), ["options.length_penalty"]),
        ("length_penalty 2.5", base, O(length_penalty=2.5), ["options.length_penalty"]),
        ("markup_mode 7", base, O(markup_mode=7), ["options.markup_mode"]),
        ("empty glossary source_term", base, O(glossary=[G(source_term="", target_term="x")]),
         ["options.glossary[0].source_term"]),
        ("empty glossary target_term", base, O(glossary=[G(source_term="x")]),
         ["options.glossary[0].target_term"]),
        ("duplicate glossary term", base,
         O(glossary=[G(source_term="sofa", target_term="Sofa"), G(source_term="sofa", target_term="Couch")]),
         ["options.glossary[1].source_term"]),
        ("257 glossary entries", base,
         O(glossary=[G(source_term=f"t{i}", target_term="x") for i in range(257)]), ["options.glossary"]),
        ("do_not_translate[1] too long", base, O(do_not_translate=["Nike", "a" * 101]),
         ["options.do_not_translate[1]"]),
        ("257 do_not_translate terms", base, O(do_not_translate=[f"t{i}" for i in range(257)]),
         ["options.do_not_translate"]),
    ]
    for name, fields_, options, want in cases:
        req = pb.TranslateRequest(**fields_, options=options)
        expect(f"Translate {name}", lambda r=req: stub.Translate(r, timeout=60), bad, want)
    for name, fields_, want in [
            ("unsupported target", {**base, "target_language": "ja"}, ["target_language"]),
            ("unsupported source", {**base, "source_language": "ja"}, ["source_language"]),
            ("unsupported pair", {**base, "source_language": "ja", "target_language": "zh"},
             ["source_language", "target_language"])]:
        expect(f"Translate {name}", lambda r=pb.TranslateRequest(**fields_): stub.Translate(r, timeout=60),
               bad, want, reason="UNSUPPORTED_LANGUAGE_PAIR")
    D = pb.DetectLanguageRequest
    for name, texts, want in [("no texts", [], ["texts"]), ("65 texts", ["x"] * 65, ["texts"]),
                              ("22,500 characters", ["a" * 4500] * 5, ["texts"]),
                              ("texts[1] too long", ["Hallo", "é" * 5001], ["texts[1]"])]:
        expect(f"DetectLanguage {name}", lambda r=D(texts=texts): stub.DetectLanguage(r, timeout=60),
               bad, want)


def supportbot_cases(channel, pb, pb_grpc):
    import grpc
    stub = pb_grpc.SupportBotStub(channel)
    bad = grpc.StatusCode.INVALID_ARGUMENT
    C = pb.ConverseRequest
    ok = dict(message="Where is my order?", locale="en")
    # A real session, for the cases that need one: its first reply is turn 2.
    first = stub.Converse(C(**ok, customer_id="c-1", request_id="0123456789abcdef"), timeout=120)
    sid = first.metadata.session_id
    for name, req, want in [
            ("empty message", C(**{**ok, "message": "   "}), ["message"]),
            ("2001-character message", C(**{**ok, "message": "a" * 2001}), ["message"]),
            ("malformed session_id", C(**ok, session_id="bad id!"), ["session_id"]),
            ("65-character session_id", C(**ok, session_id="a" * 65), ["session_id"]),
            ("customer_id with a space", C(**ok, customer_id="has space"), ["customer_id"]),
            ("malformed locale", C(**{**ok, "locale": "x"}), ["locale"]),
            ("short request_id", C(**ok, request_id="short"), ["request_id"]),
            ("another customer's session", C(**ok, session_id=sid, customer_id="c-2"),
             ["customer_id"]),
            ("request_id reused for another message",
             C(message="A different question", session_id=sid, customer_id="c-1",
               request_id="0123456789abcdef"), ["request_id"])]:
        expect(f"Converse {name}", lambda r=req: stub.Converse(r, timeout=120), bad, want)
    S = pb.ConverseStreamRequest
    expect("ConverseStream empty message",
           lambda: list(stub.ConverseStream(S(message="", locale="en"), timeout=120)), bad, ["message"])
    expect("ConverseStream malformed session_id",
           lambda: list(stub.ConverseStream(S(message="hi", session_id="a/b"), timeout=120)), bad,
           ["session_id"])
    T = pb.GetTranscriptRequest
    expect("GetTranscript empty session_id", lambda: stub.GetTranscript(T(), timeout=30), bad,
           ["session_id"])
    expect("GetTranscript malformed session_id",
           lambda: stub.GetTranscript(T(session_id="a/b"), timeout=30), bad, ["session_id"])
    expect("GetTranscript unknown session",
           lambda: stub.GetTranscript(T(session_id="unknown123"), timeout=30),
           grpc.StatusCode.NOT_FOUND, reason="SESSION_NOT_FOUND")
    R = pb.RateReplyRequest
    good = dict(session_id=sid, turn_id=2, rating=pb.RATING_HELPFUL)
    for name, req, want in [
            ("turn_id 0", R(**{**good, "turn_id": 0}), ["turn_id"]),
            ("unspecified rating", R(**{**good, "rating": pb.RATING_UNSPECIFIED}), ["rating"]),
            ("501-character comment", R(**good, comment="x" * 501), ["comment"]),
            ("the customer's own turn", R(**{**good, "turn_id": 1}), ["turn_id"]),
            ("empty session_id", R(**{**good, "session_id": ""}), ["session_id"])]:
        expect(f"RateReply {name}", lambda r=req: stub.RateReply(r, timeout=30), bad, want)
    expect("RateReply turn 99", lambda: stub.RateReply(R(**{**good, "turn_id": 99}), timeout=30),
           grpc.StatusCode.NOT_FOUND, reason="TURN_NOT_FOUND")
    expect("RateReply unknown session",
           lambda: stub.RateReply(R(**{**good, "session_id": "unknown123"}), timeout=30),
           grpc.StatusCode.NOT_FOUND, reason="SESSION_NOT_FOUND")
    X = pb.DeleteTranscriptRequest
    expect("DeleteTranscript empty session_id", lambda: stub.DeleteTranscript(X(), timeout=30), bad,
           ["session_id"])
    expect("DeleteTranscript 65-character session_id",
           lambda: stub.DeleteTranscript(X(session_id="x" * 65), timeout=30), bad, ["session_id"])


def malformed_body(channel, method):
    """A body that is not a protobuf message: an unterminated varint."""
    import grpc
    call = channel.unary_unary(method, request_serializer=None, response_deserializer=None)
    expect(f"{method} with a malformed body", lambda: call(b"\x0a\xff\xff\xff", timeout=30),
           grpc.StatusCode.INVALID_ARGUMENT, [""], reason="MALFORMED_REQUEST")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build_dir", required=True)
    p.add_argument("--python_out", required=True)
    p.add_argument("--model_root", default=os.path.join(REPO, "models"))
    p.add_argument("--catalog", default=os.path.join(REPO, "services", "recommender", "demo",
                                                    "catalog.jsonl"))
    args = p.parse_args()
    args.build_dir, args.python_out = os.path.abspath(args.build_dir), os.path.abspath(args.python_out)
    os.chdir(REPO)  # the support bot's default data paths are relative to the repository
    sys.path.insert(0, args.python_out)
    import grpc
    from google.protobuf import timestamp_pb2
    from shop.recommender.v1 import recommender_pb2, recommender_pb2_grpc
    from shop.translator.v1 import translator_pb2, translator_pb2_grpc
    from shop.supportbot.v1 import supportbot_pb2, supportbot_pb2_grpc

    procs = []
    common = ["--listen_address=127.0.0.1", "--port=0", "--metrics_port=0",
              f"--model_root={args.model_root}", "--model_poll_interval=0s"]
    try:
        with tempfile.TemporaryDirectory() as work:
            proc, port = start_server([os.path.join(args.build_dir, "services/recommender/recommender"),
                                       *common, f"--catalog={args.catalog}",
                                       "--max_receive_message_bytes=65536"])
            procs.append(proc)
            with grpc.insecure_channel(f"127.0.0.1:{port}") as ch:
                recommender_cases(ch, recommender_pb2, recommender_pb2_grpc, timestamp_pb2)
                malformed_body(ch, "/shop.recommender.v1.Recommender/Recommend")
                # Over --max_receive_message_bytes: waiting cannot make it smaller.
                big = recommender_pb2.RecommendRequest(recent_item_ids=["1" * 60] * 200, k=5,
                                                       filters=recommender_pb2.Filters(
                                                           excluded_item_ids=["2" * 60] * 1000))
                expect("Recommend over the size limit",
                       lambda: recommender_pb2_grpc.RecommenderStub(ch).Recommend(big, timeout=30),
                       grpc.StatusCode.RESOURCE_EXHAUSTED, reason="REQUEST_TOO_LARGE", retry=False)

            # One worker and a queue of one: concurrent translations overflow it.
            proc, tport = start_server([os.path.join(args.build_dir, "services/translator/translator"),
                                        *common, "--cache_mb=0", "--inference_workers=1",
                                        "--max_queue_size=1", "--max_batch_size=1"])
            procs.append(proc)
            with grpc.insecure_channel(f"127.0.0.1:{tport}") as ch:
                translator_cases(ch, translator_pb2, translator_pb2_grpc)
                malformed_body(ch, "/shop.translator.v1.Translator/Translate")
                stub = translator_pb2_grpc.TranslatorStub(ch)
                futures = [stub.Translate.future(translator_pb2.TranslateRequest(
                    texts=[f"The {i} red shoes are very comfortable and fit well."],
                    source_language="en", target_language="de"), timeout=120) for i in range(24)]
                full = [f for f in futures if f.exception() is not None and
                        f.exception().code() == grpc.StatusCode.RESOURCE_EXHAUSTED]
                if not full:
                    FAILURES.append("24 concurrent translations never filled a queue of 1")
                else:
                    def raise_it(f=full[0]):
                        raise f.exception()
                    expect("Translate with a full queue", raise_it, grpc.StatusCode.RESOURCE_EXHAUSTED,
                           reason="QUEUE_FULL")

            proc, bport = start_server([os.path.join(args.build_dir, "services/support-bot/support-bot"),
                                        *common, f"--orders_db={work}/orders.db",
                                        f"--translator_address=127.0.0.1:{tport}"])
            procs.append(proc)
            with grpc.insecure_channel(f"127.0.0.1:{bport}") as ch:
                supportbot_cases(ch, supportbot_pb2, supportbot_pb2_grpc)
                malformed_body(ch, "/shop.supportbot.v1.SupportBot/Converse")
    finally:
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            proc.wait(timeout=60)
    if FAILURES:
        print("\n".join(["FAILED:"] + FAILURES))
        return 1
    print("every bad input carried its error details")
    return 0


if __name__ == "__main__":
    sys.exit(main())
