#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Python peer of the C++ recommender for scripts/bench_peers.py: a grpcio server
answering shop.recommender.v1.Recommender/Recommend with PyTorch, from the same files the
C++ server reads (models/recommender/<newest version>/model.pt, the catalog JSON lines).

Scoring is the C++ RecommendationEngine's (services/recommender/recommendation_engine.cc):
the history's items that the catalog knows, the newest max_len of them, left-padded ->
model.forward -> user vector; scores = user . item_embeddings for every item; the filters
of the request (in stock, ships to filters.ship_to_country, filters.category_id,
filters.excluded_item_ids, and the history's own items, which are never recommended) ->
the k best. Each item's reason names the history item nearest to it (cosine), the first
on ties. Without a usable history the k most popular eligible items (cold start). The C++
server's scoring differs in one detail: on CPUs with AVX512-BF16 it proposes candidates
with a bf16 product and re-scores them in fp32; its k best match fp32 scoring except for
near-ties.

Not here (benchmark peer, not a product): SimilarItems, RecordEvent, DeleteUser
(UNIMPLEMENTED), a history store (a user_id has no stored history, as on a freshly started
C++ server with the memory store), per-country popularity from events, the full ISO 3166
country list (any two letters pass).

Modes:
  default   every RPC runs the model in its own handler thread (torch: --threads, 1)
  --batch   handler threads hand their request to one batcher thread (peer_server.Batcher);
            a batch is one forward call over the batch's histories and one matrix product

  /usr/bin/python3 scripts/peers/recommender_server.py --port 50061 [--batch]
"""
import argparse
import json
import os
import re
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from peer_server import (REPO, Batcher, Metrics, RpcAbort, add_common_flags, counted,  # noqa: E402
                         log, newest_version, serve)

MAX_K = 100
MAX_RECENT_ITEMS = 200
MAX_EXCLUDED = 1000
MAX_CATEGORY_LENGTH = 128
ITEM_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")
COUNTRY = re.compile(r"^[A-Za-z]{2}$")


class Engine:
    def __init__(self, model_dir, catalog_path):
        import torch
        self.torch = torch
        with open(os.path.join(model_dir, "metadata.json")) as f:
            meta = json.load(f)
        self.version = int(meta["version"])
        self.model = torch.jit.load(os.path.join(model_dir, meta["file"]), map_location="cpu").eval()
        self.max_len = int(meta["inputs"][0]["shape"][1])
        emb = self.model.item_embeddings.detach().float().contiguous()  # [N + 1, d], row 0 padding
        self.num_items = emb.size(0) - 1
        self.emb_t = emb.t().contiguous()
        self.unit = emb / emb.norm(dim=1, keepdim=True).clamp_min(1e-12)
        self._load_catalog(catalog_path)
        self.mask_lock = threading.Lock()
        self.country_masks, self.category_masks = {}, {}

    def _load_catalog(self, path):
        """The C++ Catalog's rules: item_id a canonical decimal in 1..N (the model's row),
        in_stock default true, ship_to upper-cased, popularity default 0."""
        torch = self.torch
        n = self.num_items
        self.ids = [""] * (n + 1)
        self.index = {}
        self.in_stock = torch.zeros(n + 1, dtype=torch.bool)
        self.ship_to = [()] * (n + 1)
        self.categories = [()] * (n + 1)
        self.popularity = torch.zeros(n + 1, dtype=torch.float32)
        with open(path) as f:
            for line_no, line in enumerate(f, 1):
                if not line.strip():
                    continue
                item = json.loads(line)
                item_id = item["item_id"]
                if not (item_id.isdigit() and item_id[0] != "0" and 1 <= int(item_id) <= n):
                    raise SystemExit(f"{path}:{line_no}: item {item_id!r} is not in 1..{n}")
                i = int(item_id)
                self.ids[i] = item_id
                self.index[item_id] = i
                self.in_stock[i] = bool(item.get("in_stock", True))
                self.ship_to[i] = frozenset(c.upper() for c in item.get("ship_to", []))
                self.categories[i] = frozenset(item.get("categories", []))
                self.popularity[i] = float(item.get("popularity", 0))

    def eligible(self, country, category, excluded):
        """Bool [N + 1]: in stock, ships to `country` (if set), in `category` (if set), not
        excluded. Per-country and per-category masks are cached, as in the C++ Catalog."""
        torch = self.torch
        with self.mask_lock:
            mask = self.country_masks.get(country)
            if mask is None:
                ships = torch.tensor([bool(not country or country in s) for s in self.ship_to])
                mask = self.in_stock & ships
                self.country_masks[country] = mask
            if category:
                cat = self.category_masks.get(category)
                if cat is None:
                    cat = torch.tensor([category in c for c in self.categories])
                    if bool(cat.any()):  # only real categories: ids are caller-controlled
                        self.category_masks[category] = cat
        mask = mask.clone()
        if category:
            mask &= cat
        rows = [self.index[i] for i in excluded if i in self.index]
        if rows:
            mask[torch.tensor(rows)] = False
        return mask

    def padded(self, sequence):
        """[1, max_len] int64, left-padded, most recent last: the layout of training."""
        row = self.torch.zeros(1, self.max_len, dtype=self.torch.int64)
        row[0, self.max_len - len(sequence):] = self.torch.tensor(sequence)
        return row

    def select(self, scores, eligible, k):
        """The k best eligible of scores[1:] (best first) and how many of the k best overall
        the filters removed (the C++ filtered_out_count)."""
        kk = min(k, self.num_items)
        best = scores[1:].topk(kk).indices + 1
        filtered_out = int((~eligible[best]).sum())
        kk = min(k, int(eligible.sum()))
        if kk == 0:
            return [], [], filtered_out
        top = scores.masked_fill(~eligible, float("-inf")).topk(kk)
        return top.indices.tolist(), top.values.tolist(), filtered_out

    def score(self, inputs):
        """inputs: [(items [1, max_len], eligible, k)] -> [(indices, scores, filtered_out)].
        One forward call and one matrix product for all of them (batch of 1 unbatched)."""
        torch = self.torch
        with torch.inference_mode():
            users = self.model(torch.cat([items for items, _, _ in inputs], 0))  # [B, d]
            scores = torch.mm(users, self.emb_t)  # [B, N + 1]
            return [self.select(scores[j], eligible, k) for j, (_, eligible, k) in enumerate(inputs)]

    def related(self, top, sequence):
        """For each recommended item, the history item of highest cosine (the first on ties)."""
        torch = self.torch
        with torch.inference_mode():
            sims = self.unit[torch.tensor(top)] @ self.unit[torch.tensor(sequence)].t()
            return [sequence[j] for j in sims.argmax(dim=1).tolist()]


class RecommenderPeer:
    def __init__(self, engine, batcher, metrics, pb):
        self.engine, self.batcher, self.metrics, self.pb = engine, batcher, metrics, pb

    def validate(self, request):
        """The obvious INVALID_ARGUMENT cases of the C++ service, same messages."""
        import grpc
        bad = grpc.StatusCode.INVALID_ARGUMENT
        if not 1 <= request.k <= MAX_K:
            raise RpcAbort(bad, f"k={request.k} is outside 1..{MAX_K}")
        if not request.user_id and not request.recent_item_ids:
            raise RpcAbort(bad, "give user_id, recent_item_ids, or both")
        if request.user_id and (len(request.user_id) > 128 or
                                any(not 0x21 <= ord(c) <= 0x7E for c in request.user_id)):
            raise RpcAbort(bad, "user_id must be 1..128 printable ASCII characters without spaces")
        if len(request.recent_item_ids) > MAX_RECENT_ITEMS:
            raise RpcAbort(bad, f"recent_item_ids has {len(request.recent_item_ids)} ids; "
                                f"at most {MAX_RECENT_ITEMS}")
        f = request.filters
        if len(f.excluded_item_ids) > MAX_EXCLUDED:
            raise RpcAbort(bad, f"filters.excluded_item_ids has {len(f.excluded_item_ids)} ids; "
                                f"at most {MAX_EXCLUDED}")
        for field, ids in (("recent_item_ids", request.recent_item_ids),
                           ("filters.excluded_item_ids", f.excluded_item_ids)):
            for i in ids:
                if not ITEM_ID.match(i):
                    raise RpcAbort(bad, f"{field}: item id {i!r} is not 1..64 of [A-Za-z0-9._:-]")
        if f.ship_to_country and not COUNTRY.match(f.ship_to_country):
            raise RpcAbort(bad, f'filters.ship_to_country="{f.ship_to_country}" is not an '
                                "ISO 3166-1 alpha-2 country code")
        if len(f.category_id) > MAX_CATEGORY_LENGTH:
            raise RpcAbort(bad, f"filters.category_id is longer than {MAX_CATEGORY_LENGTH} characters")

    def Recommend(self, request, context):  # noqa: N802 -- the RPC's name
        pb, engine = self.pb, self.engine
        self.validate(request)
        country = request.filters.ship_to_country.upper()
        history = list(request.recent_item_ids)  # no stored history: see the module doc
        sequence = [engine.index[i] for i in history if i in engine.index]
        sequence = sequence[-engine.max_len:]
        eligible = engine.eligible(country, request.filters.category_id,
                                   list(request.filters.excluded_item_ids) + history)
        response = pb.RecommendResponse()
        if not sequence:  # cold start: popularity under the same filters, no model
            top, scores, filtered_out = engine.select(engine.popularity, eligible, request.k)
            reason = pb.REASON_TYPE_POPULAR_IN_COUNTRY if country else pb.REASON_TYPE_POPULAR
            for i, s in zip(top, scores):
                item = response.items.add(item_id=engine.ids[i], score=s)
                item.reason.type = reason
                if country:
                    item.reason.country = country
            response.fallback = pb.FALLBACK_COLD_START
            response.filtered_out_count = filtered_out
            return response
        job = (engine.padded(sequence), eligible, request.k)
        if self.batcher is not None:
            top, scores, filtered_out = self.batcher.submit(job)
        else:
            self.metrics.batch(1)  # every model call is counted, so the mean batch shows 1
            (top, scores, filtered_out), = engine.score([job])
        related = engine.related(top, sequence) if top else []
        for i, s, r in zip(top, scores, related):
            item = response.items.add(item_id=engine.ids[i], score=s)
            item.reason.type = pb.REASON_TYPE_RELATED_TO_HISTORY
            item.reason.related_item_id = engine.ids[r]
        response.model_version = engine.version
        response.fallback = pb.FALLBACK_NONE
        response.history_items_used = len(sequence)
        response.filtered_out_count = filtered_out
        return response


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_flags(p)
    p.add_argument("--catalog", default=os.path.join(REPO, "services", "recommender", "demo",
                                                     "catalog.jsonl"))
    args = p.parse_args()
    sys.path.insert(0, args.python_out)
    import torch
    # One intra-op thread per model call (the C++ benchmark's --intra_op_threads=1);
    # concurrency comes from the handler threads (unbatched) or from batching.
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    from shop.recommender.v1 import recommender_pb2 as pb, recommender_pb2_grpc as pb_grpc

    model_dir, version = newest_version(args.model_root, "recommender", args.model_version)
    engine = Engine(model_dir, args.catalog)
    # Warm-up: TorchScript profiles and optimises a graph on its first calls.
    warm = (engine.padded([1, 2, 3]), engine.eligible("", "", []), 10)
    for b in (1, 8, 32, 1, 8):
        engine.score([warm] * b)
    log("model_loaded", model="recommender", version=version, dir=model_dir,
        catalog=args.catalog, items=engine.num_items)
    metrics = Metrics("shop.recommender.v1.Recommender", "recommender")
    batcher = Batcher(engine.score, args.max_batch, metrics) if args.batch else None
    peer = RecommenderPeer(engine, batcher, metrics, pb)

    class Servicer(pb_grpc.RecommenderServicer):
        pass
    servicer = Servicer()
    servicer.Recommend = counted(metrics, "Recommend", peer.Recommend)
    serve(args, lambda server: pb_grpc.add_RecommenderServicer_to_server(servicer, server), metrics)


if __name__ == "__main__":
    main()
