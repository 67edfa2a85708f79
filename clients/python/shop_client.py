#!/usr/bin/env python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Minimal Python client of the three services through the gateway, on the installed
`shop-ai-protos` wheel (clients/README.md). One call per service, then a bad request whose
error details name the offending field (when the google.rpc messages are importable:
pip's googleapis-common-protos, or the build's <build>/python/google/rpc).

  python3 shop_client.py --target 127.0.0.1:8080 [--token JWT]
"""
import argparse
import sys

import grpc
from shop.recommender.v1 import recommender_pb2, recommender_pb2_grpc
from shop.supportbot.v1 import supportbot_pb2, supportbot_pb2_grpc
from shop.translator.v1 import translator_pb2, translator_pb2_grpc


def error_details(error):
    """[(kind, text)] from the google.rpc.Status in the error's trailers."""
    try:
        from google.rpc import error_details_pb2, status_pb2
    except ImportError:
        return [("details", "google.rpc messages not installed")]
    raw = dict(error.trailing_metadata() or ()).get("grpc-status-details-bin")
    out = []
    for detail in status_pb2.Status.FromString(raw).details if raw else []:
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad = error_details_pb2.BadRequest()
            detail.Unpack(bad)
            out += [("bad field", f"{v.field} ({v.description})") for v in bad.field_violations]
        elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            out.append(("error reason", f"{info.domain}/{info.reason}"))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--target", required=True, help="gateway host:port")
    p.add_argument("--token", default="", help="the caller's JWT, sent as a bearer token")
    args = p.parse_args()
    metadata = [("authorization", f"Bearer {args.token}")] if args.token else []
    with grpc.insecure_channel(args.target) as channel:
        translator = translator_pb2_grpc.TranslatorStub(channel)
        request = translator_pb2.TranslateRequest(texts=["Where is my order?"], source_language="en",
                                                  target_language="de")
        print("translate:", translator.Translate(request, timeout=30, metadata=metadata)
              .translations[0].text)

        recommender = recommender_pb2_grpc.RecommenderStub(channel)
        items = recommender.Recommend(recommender_pb2.RecommendRequest(
            recent_item_ids=["12", "13", "14"], k=3,
            filters=recommender_pb2.Filters(ship_to_country="DE")), timeout=30, metadata=metadata)
        print("recommend:", " ".join(item.item_id for item in items.items))

        bot = supportbot_pb2_grpc.SupportBotStub(channel)
        reply = bot.Converse(supportbot_pb2.ConverseRequest(
            message="How long does shipping to Germany take?"), timeout=60, metadata=metadata)
        print("converse:", reply.reply)

        request.options.beam_size = 99
        try:
            translator.Translate(request, timeout=30, metadata=metadata)
        except grpc.RpcError as e:
            for kind, text in error_details(e):
                print(f"{kind}: {text}")
            return 0
        print("beam_size 99 was not refused", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
