#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Batching benchmark of the common inference layer: runs tests/example_server on the
# bench transformer model (test_models/bench/example/1, input [-1, 2048]) twice, with
# dynamic batching OFF (max_batch_size=1) and ON (max_batch_size=64, max_queue_delay=2ms),
# loads each with h2load over h2c (gRPC unary calls, one stream per connection) at several
# concurrencies, and prints a Markdown table: req/s, p50/p99 latency, mean batch size and
# the gRPC status codes the server counted, then the speed-up at the highest concurrency.
#
# Usage (from the repository root, after building):
#   scripts/bench_batching.sh                 # defaults, a few minutes on 2 cores
#   REQUESTS=500 CONCURRENCY="1 64" scripts/bench_batching.sh
#
# Environment (defaults in brackets):
#   BUILD_DIR [build]          holds tests/example_server, test_models/bench, python/
#   REQUESTS [4000]            requests per point; a point runs max(REQUESTS, 20*C)
#                              (4000: ~3-25 s a point on 2 cores; batch 1 takes ~1.4 ms)
#   WARMUP_REQUESTS [100]      discarded warm-up requests per point (at least 2*C)
#   CONCURRENCY ["1 8 64"]     h2load connections (-c), one stream each (-m 1)
#   INTRA_OP_THREADS [nproc]   --intra_op_threads of the server
#   BATCH_OFF_SIZE [1], BATCH_OFF_DELAY [0s]   the batching-OFF server
#   BATCH_ON_SIZE [64], BATCH_ON_DELAY [2ms]   the batching-ON server
#   H2LOAD_TIMEOUT [600]       seconds one h2load run may take before the script fails
#   KEEP_WORKDIR [0]           1 keeps the temporary directory (logs, bodies, metrics)
#
# Needs h2load (Debian: nghttp2-client), curl and /usr/bin/python3 with python3-protobuf.
# Only talks to 127.0.0.1; the server is stopped (SIGTERM) on exit, whatever happens.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INVOCATION="$0${*:+ $*}"
BUILD_DIR="${BUILD_DIR:-build}"
REQUESTS="${REQUESTS:-4000}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-100}"
CONCURRENCY="${CONCURRENCY:-1 8 64}"
INTRA_OP_THREADS="${INTRA_OP_THREADS:-$(nproc)}"
BATCH_OFF_SIZE="${BATCH_OFF_SIZE:-1}"
BATCH_OFF_DELAY="${BATCH_OFF_DELAY:-0s}"
BATCH_ON_SIZE="${BATCH_ON_SIZE:-64}"
BATCH_ON_DELAY="${BATCH_ON_DELAY:-2ms}"
H2LOAD_TIMEOUT="${H2LOAD_TIMEOUT:-600}"
KEEP_WORKDIR="${KEEP_WORKDIR:-0}"

SERVER="${BUILD_DIR}/tests/example_server"
MODEL_ROOT="${BUILD_DIR}/test_models/bench"
PYTHON_OUT="${BUILD_DIR}/python"
STATS="${SCRIPT_DIR}/h2load_stats.py"
RPC_PATH="/shop.example.v1.ExampleInference/Infer"
FEATURES=2048  # input width of the bench model (test_models/bench/example/1/metadata.json)

log() { echo "bench_batching: $*" >&2; }
die() { log "error: $*"; exit 1; }

for tool in h2load curl /usr/bin/python3; do
  command -v "$tool" >/dev/null || die "$tool not found (Debian: scripts/setup.sh installs it)"
done
[[ -x "$SERVER" ]] || die "$SERVER missing: build first (ninja -C $BUILD_DIR example_server)"
[[ -f "$MODEL_ROOT/example/1/model.pt" ]] || die "$MODEL_ROOT/example/1 missing: build first"
[[ -d "$PYTHON_OUT" ]] || die "$PYTHON_OUT (generated Python protos) missing: build first"

WORK="$(mktemp -d "${TMPDIR:-/tmp}/bench_batching.XXXXXX")"
SERVER_PID=""
H2LOAD_PID=""
# Both configs run this copy: a rebuild during the benchmark cannot swap the binary.
SERVER_COPY="$WORK/example_server"
cp "$SERVER" "$SERVER_COPY"

stop_server() {
  [[ -n "$SERVER_PID" ]] || return 0
  if kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    # Drain deadline is 10s; give it a little more, then make sure it is gone.
    for _ in $(seq 1 150); do
      kill -0 "$SERVER_PID" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$SERVER_PID" 2>/dev/null; then
      log "server $SERVER_PID ignored SIGTERM; killing it"
      kill -KILL "$SERVER_PID" 2>/dev/null || true
    fi
  fi
  local rc=0
  wait "$SERVER_PID" 2>/dev/null || rc=$?
  SERVER_PID=""
  return "$rc"
}

cleanup() {
  local rc=$?
  if [[ -n "$H2LOAD_PID" ]]; then
    kill -TERM "$H2LOAD_PID" 2>/dev/null || true
    wait "$H2LOAD_PID" 2>/dev/null || true
  fi
  stop_server || true
  if [[ "$KEEP_WORKDIR" == 1 ]]; then
    log "kept $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_server NAME MAX_BATCH_SIZE MAX_QUEUE_DELAY: sets SERVER_PID, PORT, METRICS_PORT.
start_server() {
  local name=$1 batch=$2 delay=$3
  PORT="$("$STATS" free_port)"
  METRICS_PORT="$("$STATS" free_port)"
  while [[ "$METRICS_PORT" == "$PORT" ]]; do METRICS_PORT="$("$STATS" free_port)"; done
  SERVER_ARGS=(--listen_address=127.0.0.1 --port="$PORT"
               --metrics_address=127.0.0.1 --metrics_port="$METRICS_PORT"
               --model_root="$MODEL_ROOT" --model_poll_interval=0s
               --intra_op_threads="$INTRA_OP_THREADS"
               --max_batch_size="$batch" --max_queue_delay="$delay"
               --max_queue_size=4096 --inference_workers=1)
  SERVER_LOG="$WORK/server_$name.log"
  log "starting $SERVER ${SERVER_ARGS[*]}"
  "$SERVER_COPY" "${SERVER_ARGS[@]}" 2>"$SERVER_LOG" >/dev/null &
  SERVER_PID=$!
  local deadline=$((SECONDS + 120))
  until grep -q '"event":"health_changed".*"serving":true' "$SERVER_LOG"; do
    if ! kill -0 "$SERVER_PID" 2>/dev/null; then
      cat "$SERVER_LOG" >&2
      SERVER_PID=""
      die "server ($name) exited before serving; log above"
    fi
    ((SECONDS < deadline)) || { cat "$SERVER_LOG" >&2; die "server ($name) not serving after 120s"; }
    sleep 0.2
  done
  log "server ($name) serving on 127.0.0.1:$PORT, metrics on 127.0.0.1:$METRICS_PORT"
}

scrape() {  # scrape FILE
  curl -sf --max-time 10 "http://127.0.0.1:$METRICS_PORT/metrics" -o "$1" \
    || die "cannot read http://127.0.0.1:$METRICS_PORT/metrics"
}

# h2load_run N C LOGFILE STDOUTFILE
h2load_run() {
  local n=$1 c=$2 logfile=$3 out=$4
  H2LOAD_ARGS=(-n "$n" -c "$c" -m 1 -H 'content-type: application/grpc' -H 'te: trailers'
               -d "$BODY" --log-file="$logfile" "http://127.0.0.1:$PORT$RPC_PATH")
  # In the background so that a signal reaches the traps at once, not after the run.
  timeout "$H2LOAD_TIMEOUT" h2load "${H2LOAD_ARGS[@]}" >"$out" 2>&1 &
  H2LOAD_PID=$!
  local rc=0
  wait "$H2LOAD_PID" || rc=$?
  H2LOAD_PID=""
  ((rc == 0)) || { cat "$out" >&2; die "h2load failed with status $rc (n=$n c=$c)"; }
}

BODY="$WORK/body.bin"
/usr/bin/python3 "$SCRIPT_DIR/grpc_body.py" --python_out "$PYTHON_OUT" \
  --message shop.example.v1.example_pb2:InferRequest --random_floats "$FEATURES" --out "$BODY"

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
declare -A SERVER_CMD
for config in off on; do
  if [[ "$config" == off ]]; then
    start_server off "$BATCH_OFF_SIZE" "$BATCH_OFF_DELAY"
  else
    start_server on "$BATCH_ON_SIZE" "$BATCH_ON_DELAY"
  fi
  SERVER_CMD[$config]="$SERVER ${SERVER_ARGS[*]}"
  for c in $CONCURRENCY; do
    n=$((REQUESTS > 20 * c ? REQUESTS : 20 * c))
    warmup=$((WARMUP_REQUESTS > 2 * c ? WARMUP_REQUESTS : 2 * c))
    point="$WORK/${config}_c$c"
    h2load_run "$warmup" "$c" "$point.warmup.log" "$point.warmup.txt"
    scrape "$point.before.prom"
    log "batching $config, concurrency $c: $n requests"
    h2load_run "$n" "$c" "$point.log" "$point.txt"
    scrape "$point.after.prom"
    "$STATS" point --label batching="$config" --label concurrency="$c" \
      --h2load_log "$point.log" --h2load_stdout "$point.txt" \
      --metrics_before "$point.before.prom" --metrics_after "$point.after.prom" \
      --grpc_method Infer --model example >>"$RESULTS"
    log "  $(tail -n 1 "$RESULTS")"
  done
  stop_server || die "server ($config) exited with status $? on SIGTERM; log: $SERVER_LOG"
done

read -r -a concurrencies <<<"$CONCURRENCY"
cpu_model="$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
echo "## Batching benchmark: tests/example_server, bench transformer model"
echo
"$STATS" report --results "$RESULTS" --speedup_at "${concurrencies[-1]}"
echo
echo "- Command: \`$(env | grep -E '^(LD_PRELOAD|BUILD_DIR|REQUESTS|WARMUP_REQUESTS|CONCURRENCY|INTRA_OP_THREADS|BATCH_(ON|OFF)_(SIZE|DELAY))=' \
  | sort | sed 's/=\(.*\)/="\1"/' | tr '\n' ' ')$INVOCATION\`"
echo "- Server (batching off): \`${SERVER_CMD[off]}\`"
echo "- Server (batching on): \`${SERVER_CMD[on]}\`"
echo "- Load, per point: \`h2load -n N -c C -m 1 -H 'content-type: application/grpc'" \
  "-H 'te: trailers' -d body.bin --log-file=FILE http://127.0.0.1:PORT$RPC_PATH\`" \
  "with N = max($REQUESTS, 20*C), after a discarded warm-up of max($WARMUP_REQUESTS, 2*C)" \
  "requests; body: $FEATURES pseudo-random floats (seed 0); h2load and the server share" \
  "the machine"
echo "- nproc: $(nproc); CPU: ${cpu_model:-unknown}"
echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
