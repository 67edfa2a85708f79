#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Batching benchmark of the common inference layer: runs examples/minimal_service/example_server on the
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
#   BUILD_DIR [build]          holds examples/minimal_service/example_server, test_models/bench, python/
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
H2LOAD_TIMEOUT="${H2LOAD_TIMEOUT:-600}"  # read by lib/bench_lib.sh, as is KEEP_WORKDIR

SERVER="${BUILD_DIR}/examples/minimal_service/example_server"
MODEL_ROOT="${BUILD_DIR}/test_models/bench"
PYTHON_OUT="${BUILD_DIR}/python"
RPC_PATH="/shop.example.v1.ExampleInference/Infer"
FEATURES=2048  # input width of the bench model (test_models/bench/example/1/metadata.json)

BENCH_NAME=bench_batching  # read by lib/bench_lib.sh
# shellcheck source=scripts/lib/bench_lib.sh
source "$SCRIPT_DIR/lib/bench_lib.sh"

bench_require_tools h2load curl timeout /usr/bin/python3
[[ -x "$SERVER" ]] || bench_die "$SERVER missing: build first (ninja -C $BUILD_DIR example_server)"
[[ -f "$MODEL_ROOT/example/1/model.pt" ]] || bench_die "$MODEL_ROOT/example/1 missing: build first"
[[ -d "$PYTHON_OUT" ]] || bench_die "$PYTHON_OUT (generated Python protos) missing: build first"

bench_init
# Both configs run this copy: a rebuild during the benchmark cannot swap the binary.
SERVER_COPY="$(bench_copy_binary "$SERVER")"

# start_server NAME MAX_BATCH_SIZE MAX_QUEUE_DELAY: sets SERVER_PID, PORT, METRICS_PORT.
start_server() {
  local name=$1 batch=$2 delay=$3
  bench_pick_ports
  SERVER_ARGS=(--listen_address=127.0.0.1 --port="$PORT"
               --metrics_address=127.0.0.1 --metrics_port="$METRICS_PORT"
               --model_root="$MODEL_ROOT" --model_poll_interval=0s
               --intra_op_threads="$INTRA_OP_THREADS"
               --max_batch_size="$batch" --max_queue_delay="$delay"
               --max_queue_size=4096 --inference_workers=1)
  bench_log "starting $SERVER ${SERVER_ARGS[*]}"
  bench_start_server "$name" "$WORK/server_$name.log" "$SERVER_COPY" "${SERVER_ARGS[@]}"
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
    bench_log "batching $config, concurrency $c: $n requests"
    bench_measure_point "$WORK/${config}_c$c" "$n" "$warmup" "$c" \
      "http://127.0.0.1:$PORT$RPC_PATH" "$BODY" -- \
      --label batching="$config" --label concurrency="$c" \
      --grpc_method Infer --model example >>"$RESULTS"
    bench_log "  $(tail -n 1 "$RESULTS")"
  done
  bench_stop_server || bench_die "server ($config) exited with status $? on SIGTERM; log: $SERVER_LOG"
done

read -r -a concurrencies <<<"$CONCURRENCY"
echo "## Batching benchmark: examples/minimal_service/example_server, bench transformer model"
echo
"$BENCH_STATS" report --results "$RESULTS" --speedup batching=on/off \
  --speedup_at concurrency="${concurrencies[-1]}"
echo
echo "- Command: \`$(bench_command_line \
  'LD_PRELOAD|BUILD_DIR|REQUESTS|WARMUP_REQUESTS|CONCURRENCY|INTRA_OP_THREADS|BATCH_(ON|OFF)_(SIZE|DELAY)' \
  "$INVOCATION")\`"
echo "- Server (batching off): \`${SERVER_CMD[off]}\`"
echo "- Server (batching on): \`${SERVER_CMD[on]}\`"
echo "- Load, per point: \`h2load -n N -c C -m 1 -H 'content-type: application/grpc'" \
  "-H 'te: trailers' -d body.bin --log-file=FILE http://127.0.0.1:PORT$RPC_PATH\`" \
  "with N = max($REQUESTS, 20*C), after a discarded warm-up of max($WARMUP_REQUESTS, 2*C)" \
  "requests; body: $FEATURES pseudo-random floats (seed 0); h2load and the server share" \
  "the machine"
echo "- nproc: $(nproc); CPU: $(bench_cpu_model)"
echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
