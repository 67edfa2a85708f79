#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Data paths relative to the repository (--model_root=models, --catalog, --kb, ...) resolve
against --data_root (common/server/data_paths.h). Each binary started outside the
repository without it stops at once with FAILED_PRECONDITION naming the flag and what to
pass; with --data_root=<repository> (or SHOP_DATA_ROOT) it serves."""
import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "scripts", "lib"))
from grpc_bench import start_server  # noqa: E402

FAILURES = []


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--build_dir", required=True)
    args = p.parse_args()
    build = os.path.abspath(args.build_dir)
    common = ["--listen_address=127.0.0.1", "--port=0", "--metrics_port=-1", "--model_poll_interval=0s"]
    binaries = ["recommender", "translator", "support-bot"]
    with tempfile.TemporaryDirectory(prefix="data-root-") as elsewhere:
        os.chdir(elsewhere)  # not the repository: the defaults do not resolve
        for name in binaries:
            binary = os.path.join(build, "services", name, name)
            # The bot's order database is state, not data: a writable place of its own.
            db = (lambda tag: [f"--orders_db={elsewhere}/orders-{tag}.db"]) if name == "support-bot" \
                else (lambda tag: [])
            p = subprocess.run([binary, *common, *db("none")], capture_output=True, text=True,
                               timeout=120)
            events = [json.loads(line) for line in p.stderr.splitlines() if line.startswith("{")]
            failed = [e for e in events if e.get("event") == "startup_failed"]
            error = failed[0].get("error", "") if failed else ""
            # The model root is checked first: every binary names it; the recommender and the
            # bot would name their own data file next.
            if p.returncode == 0 or "FAILED_PRECONDITION" not in error or \
                    "--model_root=models" not in error or "--data_root" not in error:
                FAILURES.append(f"{name} outside the repository: exit {p.returncode}, {error!r}")
            else:
                print(f"ok: {name} outside the repository stops: {error}")
            # With the repository as data root (flag, then environment) it serves.
            for how, argv, env in (("--data_root", [f"--data_root={REPO}"], None),
                                   ("SHOP_DATA_ROOT", [], {**os.environ, "SHOP_DATA_ROOT": REPO})):
                proc, _ = start_server([binary, *common, *db(how), *argv], env=env)
                print(f"ok: {name} serves from elsewhere with {how}")
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=60)
        # A data file missing under a given root: the message names that flag and the root.
        p = subprocess.run([os.path.join(build, "services", "support-bot", "support-bot"), *common,
                            f"--data_root={REPO}", f"--orders_db={elsewhere}/x.db", "--kb=kb/nope.jsonl"],
                           capture_output=True, text=True, timeout=120)
        if p.returncode == 0 or "--kb=kb/nope.jsonl resolves to" not in p.stderr or \
                f"check --data_root={REPO}" not in p.stderr:
            FAILURES.append(f"a missing --kb under --data_root: exit {p.returncode}, {p.stderr[-400:]!r}")
        else:
            print("ok: a missing --kb under --data_root names the flag and the root")
    if FAILURES:
        print("\n".join(["FAILED:"] + FAILURES))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
