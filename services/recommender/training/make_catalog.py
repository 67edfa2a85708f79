#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Builds the recommender's demo catalog from the Amazon Beauty dataset.

One JSON object per line:
  {"item_id": "12", "categories": ["17", "28"], "in_stock": true,
   "ship_to": ["DE", "FR", ...], "popularity": 31}
- categories: the item's attribute ids from Beauty_item2attributes.json (brand and
  category ids; the dataset has no names);
- popularity: interactions in the TRAINING part of every sequence (all but the last two
  items, the leave-one-out protocol), so no evaluation data leaks into the fallback;
- in_stock and ship_to are SYNTHETIC (the dataset has no stock or shipping data), drawn
  with a fixed seed: about 7% of items out of stock; every item ships to its home market
  (US) and to each other market with probability 0.75; batteries-and-liquids-like items
  (a fixed 10% sample) do not ship to AU and JP.

  /usr/bin/python3 services/recommender/training/make_catalog.py \
      --data ../shared/data/recsys --out services/recommender/demo/catalog.jsonl
"""
import argparse
import collections
import json
import os
import random

MARKETS = ["AT", "AU", "BE", "CA", "CH", "DE", "ES", "FR", "GB", "IT", "JP", "NL", "PL", "SE"]
RESTRICTED = {"AU", "JP"}


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    default_data = os.path.join(os.environ.get("SHOP_DATA_DIR", "../shared/data"), "recsys")
    parser.add_argument("--data", default=default_data, help="folder with Beauty.txt")
    parser.add_argument("--out", required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    popularity = collections.Counter()
    num_items = 0
    with open(os.path.join(args.data, "Beauty.txt")) as f:
        for line in f:
            items = [int(x) for x in line.split()[1:]]
            num_items = max(num_items, max(items))
            popularity.update(items[:-2])
    with open(os.path.join(args.data, "Beauty_item2attributes.json")) as f:
        attributes = json.load(f)

    rng = random.Random(args.seed)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as out:
        for item in range(1, num_items + 1):
            restricted = rng.random() < 0.10
            ship_to = ["US"] + [m for m in MARKETS if rng.random() < 0.75
                                and not (restricted and m in RESTRICTED)]
            record = {
                "item_id": str(item),
                "categories": [str(a) for a in attributes.get(str(item), [])],
                "in_stock": rng.random() >= 0.07,
                "ship_to": sorted(ship_to),
                "popularity": popularity[item],
            }
            out.write(json.dumps(record, separators=(",", ":")) + "\n")
    print(f"wrote {num_items} items to {args.out}")


if __name__ == "__main__":
    main()
