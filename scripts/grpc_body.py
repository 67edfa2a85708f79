#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Writes one gRPC-framed request message to a file, for h2load's -d (load tests).

The file holds the gRPC length-prefixed message: 1 byte compressed flag (0), the 4-byte
big-endian message length, then the serialized protobuf message. The message is built
from JSON (google.protobuf.json_format.ParseDict) with the generated Python module, so
any service's request type works:

  scripts/grpc_body.py --python_out build/python \
      --message shop.example.v1.example_pb2:InferRequest \
      --json '{"features": [1, 2, 3, 4]}' --out body.bin

  # 2048 deterministic pseudo-random floats (seed 0) in the repeated float field
  # `features` (--random_field picks another one):
  scripts/grpc_body.py --python_out build/python \
      --message shop.example.v1.example_pb2:InferRequest --random_floats 2048 --out body.bin

Random floats are added to the field after --json is parsed (they replace any values
--json gave it).
"""
import argparse
import importlib
import json
import random
import struct
import sys


def load_message_class(spec):
    """'package.module_pb2:Message' (or 'Outer.Inner') -> the generated class."""
    module_name, sep, class_path = spec.partition(":")
    if not sep or not module_name or not class_path:
        raise SystemExit(f"--message must be MODULE:CLASS, got {spec!r}")
    obj = importlib.import_module(module_name)
    for part in class_path.split("."):
        obj = getattr(obj, part)
    return obj


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python_out", action="append", default=[],
                        help="Directory of generated *_pb2.py modules (repeatable).")
    parser.add_argument("--message", required=True,
                        help="Generated class as MODULE:CLASS, e.g. "
                             "shop.example.v1.example_pb2:InferRequest.")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--json", default="{}", help="Message as JSON (proto3 JSON mapping).")
    group.add_argument("--json_file", help="File holding the message as JSON.")
    parser.add_argument("--random_floats", type=int, default=0, metavar="N",
                        help="Fill --random_field with N pseudo-random floats in [-1, 1).")
    parser.add_argument("--random_field", default="features",
                        help="Repeated float/double field --random_floats fills.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of --random_floats.")
    parser.add_argument("--out", required=True, help="File to write.")
    args = parser.parse_args()

    sys.path[:0] = args.python_out
    from google.protobuf import json_format

    message_class = load_message_class(args.message)
    if args.json_file:
        with open(args.json_file) as f:
            values = json.load(f)
    else:
        values = json.loads(args.json)
    message = json_format.ParseDict(values, message_class())

    if args.random_floats:
        rng = random.Random(args.seed)
        field = getattr(message, args.random_field)
        del field[:]
        field.extend(rng.uniform(-1.0, 1.0) for _ in range(args.random_floats))

    payload = message.SerializeToString()
    with open(args.out, "wb") as f:
        f.write(struct.pack(">BI", 0, len(payload)))
        f.write(payload)
    print(f"grpc_body: wrote {args.out}: {message_class.DESCRIPTOR.full_name}, "
          f"{len(payload)} message bytes + 5 framing bytes", file=sys.stderr)


if __name__ == "__main__":
    main()
