#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The installable client packages as a consumer team uses them (clients/README.md):

- `cmake --install` of the build into a fresh prefix; a copy of clients/cpp, outside the
  tree, configured with only that prefix (find_package(ShopProtos CONFIG)) and built;
- the `shop-ai-protos` wheel built with Debian's pip/setuptools (protos/python/build_wheel.py)
  and installed into a fresh virtual environment, whose Python imports the stubs from the
  wheel, not from the tree;
- both clients run against the three real services behind the local HAProxy gateway with a
  customer's token, and print a translation, three recommendations, the bot's reply, and
  the field and reason of a refused request (options.beam_size, shop-ai/INVALID_ARGUMENT).

Also checks that the installed package holds no internal protos."""
import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import start_server  # noqa: E402
from haproxy_gateway import HaproxyGateway  # noqa: E402
import shop_jwt  # noqa: E402


def run(cmd, **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise SystemExit(f"FAILED ({p.returncode}): {' '.join(cmd)}\n{p.stdout[-3000:]}{p.stderr[-3000:]}")
    return p.stdout


def check(condition, message):
    if not condition:
        raise SystemExit(f"FAILED: {message}")
    print(f"ok: {message}")


def check_output(name, out):
    lines = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    check(lines.get("translate", "").strip() != "", f"{name}: a translation ({lines.get('translate')!r})")
    check(len(lines.get("recommend", "").split()) == 3,
          f"{name}: three recommendations ({lines.get('recommend')!r})")
    check(lines.get("converse", "").strip() != "", f"{name}: the bot's reply")
    check(lines.get("bad field", "").startswith("options.beam_size "),
          f"{name}: the refused field ({lines.get('bad field')!r})")
    check(lines.get("error reason") == "shop-ai/INVALID_ARGUMENT",
          f"{name}: the error reason ({lines.get('error reason')!r})")


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build_dir", required=True)
    p.add_argument("--python_out", required=True)
    p.add_argument("--version", required=True, help="the project version (the wheel's)")
    args = p.parse_args()
    build_dir, python_out = os.path.abspath(args.build_dir), os.path.abspath(args.python_out)
    os.chdir(REPO)
    with tempfile.TemporaryDirectory(prefix="client-packages-") as tmp:
        # C++: install, then a consumer project that knows only the prefix.
        prefix = os.path.join(tmp, "prefix")
        run(["cmake", "--install", build_dir, "--prefix", prefix])
        installed = [os.path.relpath(os.path.join(d, f), prefix)
                     for d, _, fs in os.walk(prefix) for f in fs]
        check(any(f.endswith("ShopProtosConfig.cmake") for f in installed), "the CMake package is installed")
        check(any(f.endswith("translator/v1/translator.proto") for f in installed),
              "the .proto files are installed")
        check(not [f for f in installed if "internal" in f],
              "no internal proto is installed (sessions stay private)")
        source = os.path.join(tmp, "consumer")
        shutil.copytree(os.path.join(REPO, "clients", "cpp"), source)
        run(["cmake", "-S", source, "-B", os.path.join(tmp, "consumer-build"),
             f"-DCMAKE_PREFIX_PATH={prefix}", "-DCMAKE_BUILD_TYPE=Release"])
        run(["cmake", "--build", os.path.join(tmp, "consumer-build"), "-j2"])
        cpp_client = os.path.join(tmp, "consumer-build", "shop_client")
        check(os.access(cpp_client, os.X_OK), "the C++ client builds against the installed package")

        # Python: the wheel into a fresh virtual environment.
        dist = os.path.join(tmp, "dist")
        wheel = run([sys.executable, os.path.join(REPO, "protos", "python", "build_wheel.py"),
                     "--python_out", python_out, "--version", args.version, "--out", dist]).split()[-1]
        check(os.path.basename(wheel) == f"shop_ai_protos-{args.version}-py3-none-any.whl",
              f"the wheel is built ({os.path.basename(wheel)})")
        venv = os.path.join(tmp, "venv")
        run([sys.executable, "-m", "venv", "--system-site-packages", venv])
        vpython = os.path.join(venv, "bin", "python")
        run([vpython, "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", wheel])
        # google.rpc from the build, alone on the path (not the tree's shop stubs).
        rpc_path = os.path.join(tmp, "google-rpc")
        shutil.copytree(os.path.join(python_out, "google", "rpc"), os.path.join(rpc_path, "google", "rpc"))
        env = {**os.environ, "PYTHONPATH": rpc_path}
        where = run([vpython, "-c", "import shop.translator.v1.translator_pb2 as m; print(m.__file__)"],
                    env=env, cwd=tmp).strip()
        check(where.startswith(venv), f"the venv imports the stubs from the wheel ({where})")

        # The services behind the gateway, and both clients through it.
        common = ["--listen_address=127.0.0.1", "--port=0", "--metrics_port=-1",
                  f"--model_root={REPO}/models", "--model_poll_interval=0s"]
        trusted = ["--trusted_gateways=ip:127.0.0.1"]
        servers = {}
        try:
            servers["recommender"] = start_server(
                [f"{build_dir}/services/recommender/recommender", *common, *trusted,
                 f"--catalog={REPO}/services/recommender/demo/catalog.jsonl"])
            servers["translator"] = start_server([f"{build_dir}/services/translator/translator", *common])
            servers["support-bot"] = start_server(
                [f"{build_dir}/services/support-bot/support-bot", *common, *trusted,
                 f"--orders_db={tmp}/orders.db",
                 f"--translator_address=127.0.0.1:{servers['translator'][1]}"])
            with HaproxyGateway({name: f"127.0.0.1:{port}"
                                 for name, (_, port) in servers.items()}) as gateway:
                token = shop_jwt.mint(gateway.jwt_private_key, "cust-1001")
                out = run([cpp_client, f"--target={gateway.address}", f"--token={token}"], cwd=tmp)
                print(out, end="")
                check_output("C++ client", out)
                out = run([vpython, os.path.join(REPO, "clients", "python", "shop_client.py"),
                           "--target", gateway.address, "--token", token], env=env, cwd=tmp)
                print(out, end="")
                check_output("Python client", out)
        finally:
            for proc, _ in servers.values():
                if proc.poll() is None:
                    proc.send_signal(signal.SIGTERM)
                    proc.wait(timeout=60)
    print("both client packages install, build and call the services through the gateway")
    return 0


if __name__ == "__main__":
    sys.exit(main())
