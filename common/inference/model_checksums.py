#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""SHA-256 checksums of a model version's files, recorded in its metadata.json.

LibTorch does not check a TorchScript archive's CRCs: a model file with flipped bits loads
and serves wrong answers. So every exporter records, in metadata.json's "sha256" object,
the SHA-256 of every file the servers read (the model file, its variants, and everything
else in the version directory except metadata.json itself and Markdown documentation),
and the servers (common/inference/model_files.cc) verify them before loading and refuse
the version on any mismatch. Both sides hash the raw bytes; hex, lower case.

    from model_checksums import record_checksums     # common/inference/ on sys.path
    record_checksums("build/export/translator/7")    # last step of an export

As a command: record (or, with --check, verify) the checksums of version directories:
    /usr/bin/python3 common/inference/model_checksums.py models/translator/6
    /usr/bin/python3 common/inference/model_checksums.py --check models/*/*
"""
import argparse
import hashlib
import json
import os
import sys


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def served_files(version_dir):
    """The files of a version the servers read: all but metadata.json and *.md."""
    return sorted(name for name in os.listdir(version_dir)
                  if os.path.isfile(os.path.join(version_dir, name))
                  and name != "metadata.json" and not name.endswith(".md"))


def record_checksums(version_dir):
    """Adds (replaces) metadata.json's "sha256": {file: hex digest} for served_files();
    returns it. Fails when the model file or a variant named in metadata.json is missing."""
    meta_path = os.path.join(version_dir, "metadata.json")
    with open(meta_path) as f:
        meta = json.load(f)
    files = served_files(version_dir)
    for name in [meta.get("file", "model.pt")] + list(meta.get("variants", {}).values()):
        if name not in files:
            raise FileNotFoundError(f"{version_dir}: metadata.json names {name}, which is missing")
    meta["sha256"] = {name: sha256_file(os.path.join(version_dir, name)) for name in files}
    tmp = meta_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(meta, f, indent=1, ensure_ascii=False)
        f.write("\n")
    os.replace(tmp, meta_path)
    return meta["sha256"]


def check_checksums(version_dir):
    """[problems]: files whose digest differs from metadata.json's, or that it lacks."""
    with open(os.path.join(version_dir, "metadata.json")) as f:
        recorded = json.load(f).get("sha256")
    if not recorded:
        return [f"{version_dir}: metadata.json has no sha256 checksums"]
    problems = []
    for name in served_files(version_dir):
        if name not in recorded:
            problems.append(f"{version_dir}/{name}: no checksum in metadata.json")
    for name, digest in recorded.items():
        path = os.path.join(version_dir, name)
        if not os.path.isfile(path):
            problems.append(f"{path}: missing")
        elif sha256_file(path) != digest:
            problems.append(f"{path}: sha256 differs from metadata.json")
    return problems


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("version_dirs", nargs="+")
    p.add_argument("--check", action="store_true", help="verify instead of recording")
    args = p.parse_args()
    failed = False
    for d in args.version_dirs:
        if args.check:
            problems = check_checksums(d)
            for problem in problems:
                print(problem)
            failed |= bool(problems)
            if not problems:
                print(f"{d}: ok")
        else:
            print(f"{d}: {len(record_checksums(d))} files")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
