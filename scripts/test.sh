#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Installs what is missing, builds and runs every test (CTest: Catch2 unit and loopback
# integration tests, and the python3-grpcio client tests). `.ci/run` calls this.
#   scripts/test.sh
#   PRESET=asan scripts/test.sh      # the same tests under ASan+UBSan
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
PRESET=${PRESET:-release}
JOBS=${JOBS:-$(nproc)}
ctest --preset "$PRESET" -j "$JOBS"
# Every libFuzzer target (tests/fuzz) for a short smoke run under ASan+UBSan, built with
# clang in its own tree; scripts/fuzz.sh 600 is the long run (docs/errors.md).
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if [[ "$FUZZ_SECONDS" != 0 ]]; then
  bash scripts/fuzz.sh "$FUZZ_SECONDS"
fi
