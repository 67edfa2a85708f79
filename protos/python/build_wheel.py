#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Builds the Python client package `shop-ai-protos` (a wheel) from the build's generated
stubs, with Debian's tooling (pip + setuptools + wheel, offline, no build isolation).

It holds the public API's messages and gRPC stubs (shop.recommender.v1, shop.translator.v1,
shop.supportbot.v1), never internal protos. The google.rpc error-detail messages are not
in it: they are the standard `googleapis-common-protos` package's (pip), which a second
copy would collide with; a Debian-only environment can use the build's own copy
(<build>/python/google/rpc). The build target: `cmake --build build --target
shop_protos_wheel` (writes build/dist/shop_ai_protos-<version>-py3-none-any.whl).

Example:
  /usr/bin/python3 protos/python/build_wheel.py --python_out build/python --version 0.1.0 \\
      --out build/dist
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import tempfile

PUBLIC = ("recommender/v1", "translator/v1", "supportbot/v1")

PYPROJECT = """[build-system]
requires = ["setuptools>=61", "wheel"]
build-backend = "setuptools.build_meta"

[project]
name = "shop-ai-protos"
version = "{version}"
description = "gRPC stubs of the shop-ai Recommender, Translator and SupportBot APIs"
license = {{text = "Apache-2.0"}}
requires-python = ">=3.9"
dependencies = ["grpcio>=1.51", "protobuf>=3.21"]

[tool.setuptools.packages.find]
include = ["shop", "shop.*"]
"""


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--python_out", required=True, help="the build's generated Python stubs")
    p.add_argument("--version", required=True)
    p.add_argument("--out", required=True, help="directory for the wheel")
    args = p.parse_args()
    with tempfile.TemporaryDirectory(prefix="shop-wheel-") as tmp:
        for package in PUBLIC:
            files = sorted(glob.glob(os.path.join(args.python_out, "shop", package, "*_pb2*.py")))
            if not files:
                raise SystemExit(f"no stubs under {args.python_out}/shop/{package}; build first")
            target = os.path.join(tmp, "shop", package)
            os.makedirs(target)
            for f in files:
                shutil.copy(f, target)
        # Regular packages, so setuptools finds them and nothing else can shadow them.
        for root, _, _ in os.walk(os.path.join(tmp, "shop")):
            open(os.path.join(root, "__init__.py"), "a").close()
        with open(os.path.join(tmp, "pyproject.toml"), "w") as f:
            f.write(PYPROJECT.format(version=args.version))
        os.makedirs(args.out, exist_ok=True)
        for old in glob.glob(os.path.join(args.out, "shop_ai_protos-*.whl")):
            os.remove(old)
        subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "--no-index", "--quiet", "-w", args.out, tmp], check=True)
    wheels = glob.glob(os.path.join(args.out, "shop_ai_protos-*.whl"))
    print(wheels[0])


if __name__ == "__main__":
    main()
