#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Installs what is missing, builds and runs every test (CTest: Catch2 unit and loopback
# integration tests, and the python3-grpcio client tests). `.ci/run` calls this.
#   scripts/test.sh
#   PRESET=asan scripts/test.sh      # the same tests under ASan+UBSan
#   THREAD_SAFETY=0 scripts/test.sh  # without the clang thread-safety build (below)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
PRESET=${PRESET:-release}
JOBS=${JOBS:-$(nproc)}
ctest --preset "$PRESET" -j "$JOBS"
# Clang's thread-safety analysis of the locking annotations (common/README.md, Locking): the
# thread-safety preset builds the libraries and servers with clang in build-tsa/, where any
# finding is a compile error, so this step fails on it.
if [[ "${THREAD_SAFETY:-1}" != 0 ]]; then
  cmake --preset thread-safety >/dev/null
  cmake --build --preset thread-safety -j "$JOBS"
fi
# Every libFuzzer target (tests/fuzz) for a short smoke run under ASan+UBSan, built with
# clang in its own tree; scripts/fuzz.sh 600 is the long run (docs/errors.md).
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
if [[ "$FUZZ_SECONDS" != 0 ]]; then
  bash scripts/fuzz.sh "$FUZZ_SECONDS"
fi
