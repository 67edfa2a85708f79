#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Builds the libFuzzer targets of tests/fuzz (clang, ASan+UBSan, in build-fuzz/) and runs
# each for a while, starting from a copy of its seed corpus (tests/fuzz/corpus/<target>; the
# committed corpus never grows). Prints one row per target and exits nonzero when any
# target found a crash, UB, a timeout or an out-of-memory input.
#   scripts/fuzz.sh                      # every target, 600 s each
#   scripts/fuzz.sh 20                   # smoke run (CI): every target, 20 s each
#   scripts/fuzz.sh 120 html utf8        # some targets
#   JOBS=1 scripts/fuzz.sh               # build jobs (default 2)
# Needs clang and libFuzzer (scripts/setup.sh installs them). Reproduce a finding with
#   build-fuzz/tests/fuzz/fuzz_<target> <crash file>
set -euo pipefail
cd "$(dirname "$0")/.."

SECONDS_PER_TARGET=${1:-600}
shift $(($# > 0 ? 1 : 0))
if ! [[ $SECONDS_PER_TARGET =~ ^[0-9]+$ ]] || ((SECONDS_PER_TARGET < 1)); then
  echo "usage: scripts/fuzz.sh [seconds_per_target] [target...]" >&2
  exit 2
fi
JOBS=${JOBS:-2}
BUILD=build-fuzz
ALL_TARGETS=()
for f in tests/fuzz/*_fuzzer.cc; do
  f=${f##*/}
  ALL_TARGETS+=("${f%_fuzzer.cc}")
done
TARGETS=("$@")
((${#TARGETS[@]})) || TARGETS=("${ALL_TARGETS[@]}")
for t in "${TARGETS[@]}"; do
  if [[ ! -f tests/fuzz/${t}_fuzzer.cc ]]; then
    echo "fuzz: unknown target '$t' (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
  fi
done

if ! command -v clang++ >/dev/null ||
  ! compgen -G "/usr/lib/llvm-*/lib/clang/*/lib/linux/libclang_rt.fuzzer-*.a" >/dev/null; then
  echo "fuzz: clang++ and libFuzzer are needed: run scripts/setup.sh" \
    "(packages clang, libclang-rt-dev, llvm)" >&2
  exit 2
fi

# Shares the machine: lower priority, and at most JOBS compile jobs.
mkdir -p "$BUILD"
CXX=clang++ nice -n 5 cmake -S . -B "$BUILD" -G Ninja -DSHOP_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$BUILD/configure.log" 2>&1 ||
  { cat "$BUILD/configure.log" >&2; exit 1; }
nice -n 5 cmake --build "$BUILD" --target fuzz_all -j "$JOBS"

# The first report ends a run with an artifact (UBSan is compiled with
# -fno-sanitize-recover=all too); leaks count as findings.
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shop-fuzz.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ARTIFACTS=$BUILD/artifacts
LOGS=$BUILD/logs
mkdir -p "$LOGS"
failed=0
rows=()
for t in "${TARGETS[@]}"; do
  corpus=$WORK/$t
  mkdir -p "$corpus" "$ARTIFACTS/$t"
  cp tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  log=$LOGS/$t.log
  dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  echo "fuzz: $t for ${SECONDS_PER_TARGET}s (log: $log)"
  start=$(date +%s)
  rc=0
  nice -n 5 "$BUILD/tests/fuzz/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=10 \
    -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$ARTIFACTS/$t/" "${dict[@]}" \
    "$corpus" >"$log" 2>&1 || rc=$?
  elapsed=$(($(date +%s) - start))
  # Executions: the final stats, or the last status line when the run ended on a finding.
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  [[ -n $execs ]] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
  files=$(find "$corpus" -type f | wc -l)
  if ((rc == 0)); then
    result=clean
  else
    failed=1
    artifact=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -1)
    result="FAILED (exit $rc): ${artifact:-no artifact, see $log}"
  fi
  rows+=("$(printf '%-20s %8s %12s %8s  %s' "$t" "$elapsed" "${execs:-?}" "$files" "$result")")
done

printf '\n%-20s %8s %12s %8s  %s\n' target seconds executions corpus result
printf '%s\n' "${rows[@]}"
exit "$failed"
