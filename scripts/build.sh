#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Installs what is missing (scripts/setup.sh), configures and builds.
#   scripts/build.sh                 # Release build in build/
#   PRESET=debug scripts/build.sh    # or asan (ASan+UBSan); see CMakePresets.json
#   JOBS=4 scripts/build.sh          # parallel jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
PRESET=${PRESET:-release}
JOBS=${JOBS:-$(nproc)}
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET" -j "$JOBS"
