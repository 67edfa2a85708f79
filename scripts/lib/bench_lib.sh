# shellcheck shell=bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Shared shell helpers of the h2load gRPC benchmarks (scripts/bench_batching.sh,
# scripts/bench_recommender.sh). Source it, do not run it:
#
#   BENCH_NAME=bench_foo                      # prefix of log lines and of the work directory
#   source "$SCRIPT_DIR/lib/bench_lib.sh"
#   bench_require_tools h2load curl /usr/bin/python3
#   bench_init                                # $WORK, EXIT/INT/TERM traps
#   copy="$(bench_copy_binary build/foo)"     # runs a copy: rebuilds cannot swap it
#   bench_pick_ports                          # $PORT, $METRICS_PORT
#   bench_start_server NAME LOGFILE "$copy" --port="$PORT" ...   # waits until serving
#   bench_measure_point PREFIX N WARMUP C URL BODY -- STATS_POINT_ARGS... >>results.jsonl
#   bench_stop_server || bench_die "server exited with status $?"
#
# One server runs at a time ($SERVER_PID); the EXIT trap stops it (SIGTERM, then SIGKILL
# after 15 s), ends a running h2load and removes $WORK unless KEEP_WORKDIR=1. Servers
# must log JSON lines to stderr and print {"event":"health_changed",...,"serving":true}
# once they serve. Only 127.0.0.1 is used.
#
# Settings read (set them before calling): BENCH_NAME [bench], H2LOAD_TIMEOUT [600] (s per
# h2load run), KEEP_WORKDIR [0], SERVER_START_TIMEOUT [120] (s until serving).

BENCH_NAME="${BENCH_NAME:-bench}"
H2LOAD_TIMEOUT="${H2LOAD_TIMEOUT:-600}"
KEEP_WORKDIR="${KEEP_WORKDIR:-0}"
SERVER_START_TIMEOUT="${SERVER_START_TIMEOUT:-120}"
BENCH_LIB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
BENCH_STATS="${BENCH_STATS:-$BENCH_LIB_DIR/../h2load_stats.py}"

WORK=""
SERVER_PID=""
H2LOAD_PID=""

bench_log() { echo "$BENCH_NAME: $*" >&2; }
bench_die() { bench_log "error: $*"; exit 1; }

# bench_require_tools TOOL...: fails unless every tool is on PATH (or an executable path).
bench_require_tools() {
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || bench_die "$tool not found (Debian: scripts/setup.sh installs it)"
  done
}

# bench_init: creates $WORK and installs the cleanup traps.
bench_init() {
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/$BENCH_NAME.XXXXXX")"
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# bench_copy_binary PATH: copies an executable into $WORK and prints the copy's path.
bench_copy_binary() {
  local copy
  copy="$WORK/$(basename "$1")"
  cp "$1" "$copy" || bench_die "cannot copy $1"
  echo "$copy"
}

# bench_pick_ports: sets PORT and METRICS_PORT to two distinct free ports of 127.0.0.1.
bench_pick_ports() {
  PORT="$("$BENCH_STATS" free_port)"
  METRICS_PORT="$("$BENCH_STATS" free_port)"
  while [[ "$METRICS_PORT" == "$PORT" ]]; do METRICS_PORT="$("$BENCH_STATS" free_port)"; done
}

# bench_start_server NAME LOGFILE COMMAND [ARGS...]: starts the server in the background
# (stderr to LOGFILE, stdout discarded), sets SERVER_PID and SERVER_LOG and waits until it
# logs that it serves; fails (printing the log) if it exits or takes too long.
bench_start_server() {
  local name=$1
  SERVER_LOG=$2
  shift 2
  [[ -z "$SERVER_PID" ]] || bench_die "bench_start_server $name: server $SERVER_PID still runs"
  "$@" 2>"$SERVER_LOG" >/dev/null &
  SERVER_PID=$!
  local deadline=$((SECONDS + SERVER_START_TIMEOUT))
  until grep -q '"event":"health_changed".*"serving":true' "$SERVER_LOG"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$SERVER_LOG" >&2
      wait "$SERVER_PID" 2>/dev/null || true
      SERVER_PID=""
      bench_die "server ($name) exited before serving; log above"
    fi
    ((SECONDS < deadline)) || {
      cat "$SERVER_LOG" >&2
      bench_die "server ($name) not serving after ${SERVER_START_TIMEOUT}s"
    }
    sleep 0.2
  done
  bench_log "server ($name) serving on 127.0.0.1:$PORT, metrics on 127.0.0.1:$METRICS_PORT"
}

# bench_stop_server: SIGTERM, waits for the exit; returns the server's exit status.
bench_stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # The default drain deadline is 10s; give it a little more, then make sure it is gone.
    local _
    for _ in $(seq 1 150); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      bench_log "server $SERVER_PID ignored SIGTERM; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  local rc=0
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  SERVER_PID=""
  return "$rc"
}

bench_cleanup() {
  local rc=$?
  if [[ -n "$H2LOAD_PID" ]]; then
    kill -TERM "$H2LOAD_PID" 2>/dev/null || true
    wait "$H2LOAD_PID" 2>/dev/null || true
  fi
  bench_stop_server || true
  if [[ -n "$WORK" ]]; then
    if [[ "$KEEP_WORKDIR" == 1 ]]; then
      bench_log "kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
  exit "$rc"
}

# bench_scrape FILE: saves the server's /metrics to FILE.
bench_scrape() {
  curl -sf --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics" -o "$1" \
    || bench_die "cannot read http://127.0.0.1:$METRICS_PORT/metrics"
}

# bench_h2load N C URL BODY LOGFILE STDOUTFILE: N gRPC unary calls over C connections (one
# stream each) with h2load, request durations to LOGFILE (--log-file), summary to
# STDOUTFILE. Runs in the background so that a signal reaches the traps at once.
bench_h2load() {
  local n=$1 c=$2 url=$3 body=$4 logfile=$5 out=$6
  H2LOAD_ARGS=(-n "$n" -c "$c" -m 1 -H 'content-type: application/grpc' -H 'te: trailers'
               -d "$body" --log-file="$logfile" "$url")
  timeout "$H2LOAD_TIMEOUT" h2load "${H2LOAD_ARGS[@]}" >"$out" 2>&1 &
  H2LOAD_PID=$!
  local rc=0
  wait "$H2LOAD_PID" || rc=$?
  H2LOAD_PID=""
  ((rc == 0)) || { cat "$out" >&2; bench_die "h2load failed with status $rc (n=$n c=$c)"; }
}

# bench_measure_point PREFIX N WARMUP C URL BODY -- STATS_ARGS...: a discarded warm-up of
# WARMUP requests, /metrics before, N measured requests, /metrics after, then prints the
# point's JSON line (h2load_stats.py point STATS_ARGS... plus the files). Files: PREFIX.*.
bench_measure_point() {
  local prefix=$1 n=$2 warmup=$3 c=$4 url=$5 body=$6
  shift 6
  [[ "${1:-}" == "--" ]] && shift
  bench_h2load "$warmup" "$c" "$url" "$body" "$prefix.warmup.log" "$prefix.warmup.txt"
  bench_scrape "$prefix.before.prom"
  bench_h2load "$n" "$c" "$url" "$body" "$prefix.log" "$prefix.txt"
  bench_scrape "$prefix.after.prom"
  "$BENCH_STATS" point "$@" --h2load_log "$prefix.log" --h2load_stdout "$prefix.txt" \
    --metrics_before "$prefix.before.prom" --metrics_after "$prefix.after.prom"
}

# bench_cpu_model: the CPU model name of /proc/cpuinfo.
bench_cpu_model() {
  local model
  model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
  echo "${model:-unknown}"
}

# bench_command_line REGEX INVOCATION: the invocation preceded by the environment
# variables whose NAME=... matches ^(REGEX)= (as NAME="value"), for the report.
bench_command_line() {
  local regex=$1 invocation=$2
  echo "$(env | grep -E "^($regex)=" | sort | sed 's/=\(.*\)/="\1"/' | tr '\n' ' ')$invocation"
}
