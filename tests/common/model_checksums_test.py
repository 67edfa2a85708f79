#!/usr/bin/python3
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
"""Every shipped model version records SHA-256 checksums of the files the servers read, and
they match (a model edited or re-exported without them would be refused at start-up); the
checker notices a flipped byte and an unlisted file."""
import os
import shutil
import sys
import tempfile

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(REPO, "common", "inference"))
import model_checksums  # noqa: E402


def main():
    failures = []
    models = os.path.join(REPO, "models")
    versions = sorted(os.path.join(models, name, v) for name in os.listdir(models)
                      for v in os.listdir(os.path.join(models, name)) if v.isdigit())
    for d in versions:
        problems = model_checksums.check_checksums(d)
        failures += problems
        print(f"{'FAIL' if problems else 'ok'}: {os.path.relpath(d, REPO)}")
    with tempfile.TemporaryDirectory() as tmp:
        d = os.path.join(tmp, "1")
        shutil.copytree(os.path.join(models, "recommender", "1"), d)
        with open(os.path.join(d, "model.pt"), "r+b") as f:
            f.seek(1000)
            byte = f.read(1)
            f.seek(1000)
            f.write(bytes([byte[0] ^ 1]))
        if not any("differs" in p for p in model_checksums.check_checksums(d)):
            failures.append("a flipped byte went unnoticed")
        open(os.path.join(d, "extra.bin"), "w").write("x")
        if not any("no checksum" in p for p in model_checksums.check_checksums(d)):
            failures.append("an unlisted file went unnoticed")
    for f in failures:
        print("FAIL:", f)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
