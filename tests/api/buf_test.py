#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""The public protos (protos/, buf.yaml) against buf: `buf lint` is clean, and `buf
breaking` finds no breaking change against the latest release tag (v*). buf is pinned in
protos/buf/package-lock.json and installed with `npm ci` into the work dir (the npm
registry on the first run; later runs reuse it until the lock changes).

Both checks are shown able to fail: a copy of the protos with a field renamed to
camelCase fails lint, and a copy with a field removed fails breaking against the tree.
Without any release tag (a shallow clone) the breaking check against it is skipped
(exit 77), the rest still runs first."""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
PROTOS = os.path.join(REPO, "protos")
PIN_DIR = os.path.join(PROTOS, "buf")
SKIP = 77


def run(cmd, cwd=None, check=True):
    p = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if check and p.returncode != 0:
        raise SystemExit(f"FAILED ({p.returncode}): {' '.join(cmd)}\n{p.stdout}{p.stderr}")
    return p


def install_buf(work_dir):
    """Path of the pinned buf binary, `npm ci` unless done for this lock file."""
    npm_dir = os.path.join(work_dir, "npm")
    os.makedirs(npm_dir, exist_ok=True)
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        with open(os.path.join(PIN_DIR, name), "rb") as f:
            digest.update(f.read())
    stamp = os.path.join(npm_dir, ".stamp")
    buf = os.path.join(npm_dir, "node_modules", ".bin", "buf")
    if not (os.path.exists(stamp) and open(stamp).read() == digest.hexdigest() and os.path.exists(buf)):
        for name in ("package.json", "package-lock.json"):
            shutil.copy(os.path.join(PIN_DIR, name), npm_dir)
        print(f"npm ci in {npm_dir} (@bufbuild/buf)", flush=True)
        run(["npm", "ci", "--no-audit", "--no-fund", "--prefer-offline"], cwd=npm_dir)
        with open(stamp, "w") as f:
            f.write(digest.hexdigest())
    print(run([buf, "--version"]).stdout.strip(), "at", buf)
    return buf


def copy_protos(dest):
    shutil.copytree(PROTOS, dest, ignore=shutil.ignore_patterns("buf", "CMakeLists.txt"))
    return dest


def edit(path, old, new):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    if text.count(old) != 1:
        raise SystemExit(f"{path}: cannot find {old!r} once to make the broken copy")
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace(old, new))


def latest_release_tag():
    p = run(["git", "-C", REPO, "tag", "--list", "v*", "--sort=-v:refname"], check=False)
    tags = [t for t in p.stdout.split() if t]
    return tags[0] if tags else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--work_dir", required=True)
    args = ap.parse_args()
    buf = install_buf(os.path.abspath(args.work_dir))

    run([buf, "lint"], cwd=PROTOS)
    print("buf lint: clean")

    with tempfile.TemporaryDirectory() as tmp:
        bad = copy_protos(os.path.join(tmp, "lint"))
        edit(os.path.join(bad, "shop", "translator", "v1", "translator.proto"),
             "  string target_language = 3;\n", "  string targetLanguage = 3;\n")
        p = run([buf, "lint"], cwd=bad, check=False)
        if p.returncode == 0 or "targetLanguage" not in p.stdout + p.stderr:
            raise SystemExit(f"buf lint accepted a camelCase field name:\n{p.stdout}{p.stderr}")
        print("buf lint rejects a broken copy:", (p.stdout + p.stderr).strip().splitlines()[0])

        broken = copy_protos(os.path.join(tmp, "breaking"))
        edit(os.path.join(broken, "shop", "translator", "v1", "translator.proto"),
             "  ContentType content_type = 6;\n", "")
        p = run([buf, "breaking", "--against", PROTOS], cwd=broken, check=False)
        if p.returncode == 0:
            raise SystemExit("buf breaking accepted a removed field")
        print("buf breaking rejects a removed field:", (p.stdout + p.stderr).strip().splitlines()[0])

        tag = latest_release_tag()
        if tag is None:
            print("no release tag (v*) in this clone: nothing to check breaking changes against")
            return SKIP
        released = os.path.join(tmp, "released")
        os.makedirs(released)
        archive = subprocess.run(["git", "-C", REPO, "archive", tag, "protos"], capture_output=True,
                                 check=True).stdout
        subprocess.run(["tar", "-x", "-C", released], input=archive, check=True)
        run([buf, "breaking", "--against", os.path.join(released, "protos")], cwd=PROTOS)
        print(f"buf breaking against {tag}: no breaking change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
