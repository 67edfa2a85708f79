#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Item index benchmark of the recommender: builds the item_index_bench target and runs it.
# It compares ExactItemIndex and HnswItemIndex (faiss HNSW) on a synthetic catalog
# (Gaussian mixture, default 1,000,000 items x 64): HNSW build time, then recall@10 and
# p50/p99 latency per query for several efSearch values, with every item eligible and with
# a mask keeping ~30% of the items. It prints a Markdown report; see
# services/recommender/bench/item_index_bench.cc for every flag.
#
# Usage (from the repository root, after `cmake --preset release`):
#   scripts/bench_item_index.sh                          # N=1M: ~4 min on 2 idle cores
#   scripts/bench_item_index.sh --items=200000 --queries=200 --ef_search=16,32,64
#   BENCH_OUT=docs/bench_item_index.md scripts/bench_item_index.sh   # also save the report
#
# Environment (defaults in brackets):
#   BUILD_DIR [build]    CMake build directory (configured with the release preset)
#   BUILD_JOBS [2]       ninja -j for building the benchmark
#   BENCH_BIN []         run this binary instead of building $BUILD_DIR's item_index_bench
#   BENCH_OUT []         also write the report there, under a heading naming the command
#
# The benchmark needs ~1.5 GiB of memory at N=1M. Latencies are single-threaded by default
# (--threads=1 sizes torch, OpenMP/faiss and OpenBLAS); the HNSW build uses every core
# unless --build_threads says otherwise. On CPUs that Debian's OpenBLAS 0.3.21 does not
# know (e.g. model 207), it falls back to its Prescott kernels; the report prints the core
# it chose, and OPENBLAS_CORETYPE=SkylakeX (or Haswell) overrides it.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "${SCRIPT_DIR}/.." && pwd)"
INVOCATION="scripts/bench_item_index.sh${*:+ $*}"
BUILD_DIR="${BUILD_DIR:-build}"
BUILD_JOBS="${BUILD_JOBS:-2}"
BENCH_BIN="${BENCH_BIN:-}"
BENCH_OUT="${BENCH_OUT:-}"

cd "${ROOT}"
if [[ -z "${BENCH_BIN}" ]]; then
  if [[ ! -f "${BUILD_DIR}/build.ninja" ]]; then
    echo "error: ${BUILD_DIR}/build.ninja not found; run: cmake --preset release" >&2
    exit 1
  fi
  ninja -C "${BUILD_DIR}" -j "${BUILD_JOBS}" item_index_bench >&2
  BENCH_BIN="${BUILD_DIR}/services/recommender/item_index_bench"
fi
if [[ ! -x "${BENCH_BIN}" ]]; then
  echo "error: ${BENCH_BIN} is not an executable" >&2
  exit 1
fi

if [[ -z "${BENCH_OUT}" ]]; then
  exec "${BENCH_BIN}" "$@"
fi

report="$(mktemp)"
trap 'rm -f "${report}"' EXIT
"${BENCH_BIN}" "$@" | tee "${report}"
mkdir -p "$(dirname "${BENCH_OUT}")"
{
  echo "# Item index benchmark"
  echo
  echo "Produced by \`${INVOCATION}\` on $(date -u +%Y-%m-%dT%H:%MZ)$(
    git rev-parse --short HEAD >/dev/null 2>&1 && echo " at commit $(git rev-parse --short HEAD)")."
  echo
  cat "${report}"
} >"${BENCH_OUT}"
echo "report written to ${BENCH_OUT}" >&2
