#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Recommender benchmark: Recommend (k=10, ship_to_country=DE, an 8-item history from the
# Beauty data set) over real gRPC with h2load, against two servers started here in the
# same run:
#   recommender   build/services/recommender/recommender on $MODEL_ROOT (the real service:
#                 history -> transformer (dynamic batching) -> exact top-k over the catalog)
#   empty         build/services/recommender/recommender_empty_server (same serving
#                 bootstrap; the handler answers an empty response at once): what gRPC
#                 transport allows on this machine
# For each concurrency the empty server is measured, then the recommender, each freshly
# started, so the pair sees the same background load. Prints a Markdown table (req/s,
# p50/p99 latency, mean batch size, gRPC codes the server counted, req/s relative to the
# empty server at the same concurrency), the verdicts against the goals (throughput at
# c=16 and c=64 >= 0.5 of the empty server; p99 at c=16 < 10 ms) and how the answers were
# produced (model-scored or popularity fallback, from shop_recommender_results_total).
#
# Usage (from the repository root, after building):
#   scripts/bench_recommender.sh                       # defaults, a few minutes on 2 cores
#   MODEL_ROOT=/tmp/rec_standin MAX_BATCH_SIZE=8 scripts/bench_recommender.sh
#
# Environment (defaults in brackets):
#   BUILD_DIR [build]          holds services/recommender/{recommender,recommender_empty_server}
#                              and python/ (generated protos)
#   MODEL_ROOT [<repo>/models] --model_root: holds recommender/<version>/{model.pt,metadata.json}
#   CATALOG [services/recommender/demo/catalog.jsonl]   --catalog
#   DATA_DIR [../shared/data]  holds recsys/Beauty.txt (lines "user item item ...", oldest
#                              first); the request's history comes from it
#   HISTORY_USER []            user whose last HISTORY_LEN items form the history
#                              (default: the first user with at least HISTORY_LEN items)
#   HISTORY_LEN [8]            items in recent_item_ids; 0 = none: the request names a user
#                              the service has no history for, so every request takes the
#                              cold-start path (popular items under the same filters, no
#                              model): the cost of serving a Recommend without inference
#   REQUESTS [3000]            requests per point; a point runs max(REQUESTS, 20*C)
#   WARMUP_REQUESTS [200]      discarded warm-up requests per point (at least 2*C)
#   CONCURRENCY ["1 16 64"]    h2load connections (-c), one stream each (-m 1)
#   Batching of the recommender, tuned on 2 cores shared with h2load (no setting reached the
#   goals; these were best or tied within the machine's noise):
#   MAX_BATCH_SIZE [16]        --max_batch_size (mean batch about 4 at c=16, 10 at c=64; 32/64
#                              gained nothing)
#   MAX_QUEUE_DELAY [500us]    --max_queue_delay (a lone request waits it in full: c=1 p50 about
#                              1 ms lower than 1ms/2ms; c=16/64 throughput the same)
#   INTRA_OP_THREADS [1]       --intra_op_threads (2 was 2-5x slower: it oversubscribes 2 cores)
#   INFERENCE_WORKERS [2]      --inference_workers (workers x intra-op = cores; 1 tied when the
#                              machine was otherwise quiet, lost up to 3x when others loaded it)
#   SERVER_ENV []              extra VAR=VALUE words in the recommender's environment (e.g.
#                              OPENBLAS_CORETYPE=SkylakeX); shown in its command line
#   H2LOAD_TIMEOUT [600]       seconds one h2load run may take before the script fails
#   KEEP_WORKDIR [0]           1 keeps the temporary directory (logs, bodies, metrics)
#
# SHOP_* variables (the servers' flag environment) are removed before the servers start, so
# only the flags printed in the report apply. Needs h2load (Debian: nghttp2-client), curl and
# /usr/bin/python3 with python3-protobuf. Only talks to 127.0.0.1; the servers are stopped
# (SIGTERM) on exit, whatever happens.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/.." && pwd)"
INVOCATION="$0${*:+ $*}"
BUILD_DIR="${BUILD_DIR:-build}"
MODEL_ROOT="${MODEL_ROOT:-$REPO_ROOT/models}"
CATALOG="${CATALOG:-services/recommender/demo/catalog.jsonl}"
DATA_DIR="${DATA_DIR:-../shared/data}"
HISTORY_USER="${HISTORY_USER:-}"
HISTORY_LEN="${HISTORY_LEN:-8}"
REQUESTS="${REQUESTS:-3000}"
WARMUP_REQUESTS="${WARMUP_REQUESTS:-200}"
CONCURRENCY="${CONCURRENCY:-1 16 64}"
MAX_BATCH_SIZE="${MAX_BATCH_SIZE:-16}"
MAX_QUEUE_DELAY="${MAX_QUEUE_DELAY:-500us}"
INTRA_OP_THREADS="${INTRA_OP_THREADS:-1}"
INFERENCE_WORKERS="${INFERENCE_WORKERS:-2}"
SERVER_ENV="${SERVER_ENV:-}"
H2LOAD_TIMEOUT="${H2LOAD_TIMEOUT:-600}"  # read by lib/bench_lib.sh, as is KEEP_WORKDIR

SERVER="${BUILD_DIR}/services/recommender/recommender"
EMPTY_SERVER="${BUILD_DIR}/services/recommender/recommender_empty_server"
PYTHON_OUT="${BUILD_DIR}/python"
HISTORY_FILE="${DATA_DIR}/recsys/Beauty.txt"
RPC_PATH="/shop.recommender.v1.Recommender/Recommend"
K=10
COUNTRY=DE
# Goals of the verdict lines.
THROUGHPUT_GOAL=0.5
THROUGHPUT_GOAL_AT="16 64"
P99_GOAL_MS=10
P99_GOAL_AT=16

BENCH_NAME=bench_recommender  # read by lib/bench_lib.sh
# shellcheck source=scripts/lib/bench_lib.sh
source "$SCRIPT_DIR/lib/bench_lib.sh"

bench_require_tools h2load curl timeout sha256sum /usr/bin/python3
for binary in "$SERVER" "$EMPTY_SERVER"; do
  [[ -x "$binary" ]] || bench_die "$binary missing: build first" \
    "(ninja -C $BUILD_DIR recommender recommender_empty_server)"
done
[[ -d "$PYTHON_OUT" ]] || bench_die "$PYTHON_OUT (generated Python protos) missing: build first"
[[ -f "$CATALOG" ]] || bench_die "catalog $CATALOG missing"
[[ -f "$HISTORY_FILE" ]] || bench_die "$HISTORY_FILE missing (set DATA_DIR)"
# The version the server will load: the highest numbered folder with a model.pt.
MODEL_DIR="$(find "$MODEL_ROOT/recommender" -mindepth 2 -maxdepth 2 -name model.pt 2>/dev/null \
  | sed 's|/model.pt$||' | awk -F/ '$NF ~ /^[0-9]+$/ {print $NF "\t" $0}' | sort -n | tail -n 1 \
  | cut -f 2 || true)"
[[ -n "$MODEL_DIR" ]] || bench_die "no $MODEL_ROOT/recommender/<version>/model.pt (set MODEL_ROOT)"
MODEL_SHA="$(sha256sum "$MODEL_DIR/model.pt" | cut -c 1-16)"
MODEL_DATE="$(date -u -r "$MODEL_DIR/model.pt" '+%Y-%m-%d %H:%M:%S UTC')"

for var in $(compgen -e | grep '^SHOP_' || true); do
  bench_log "ignoring $var (flags are given on the command line)"
  unset "$var"
done

bench_init
# Copies: a rebuild during the benchmark cannot swap the binaries.
SERVER_COPY="$(bench_copy_binary "$SERVER")"
EMPTY_COPY="$(bench_copy_binary "$EMPTY_SERVER")"

# The request: the last HISTORY_LEN items of one user, oldest first.
if [[ -n "$HISTORY_USER" ]]; then
  HISTORY_LINE="$(awk -v u="$HISTORY_USER" '$1 == u {print; exit}' "$HISTORY_FILE")"
else
  HISTORY_LINE="$(awk -v n="$HISTORY_LEN" 'NF - 1 >= n {print; exit}' "$HISTORY_FILE")"
fi
[[ -n "$HISTORY_LINE" ]] || bench_die "no user ${HISTORY_USER:-with $HISTORY_LEN items} in $HISTORY_FILE"
read -r -a history_fields <<<"$HISTORY_LINE"
HISTORY_USER="${history_fields[0]}"
history=("${history_fields[@]:1}")
if ((HISTORY_LEN == 0)); then
  history=()  # no history: the cold-start path (popularity under the filters, no model)
elif ((${#history[@]} > HISTORY_LEN)); then
  history=("${history[@]: -$HISTORY_LEN}")
fi
if ((${#history[@]} > 0)); then
  HISTORY_JSON="$(printf '"%s",' "${history[@]}")"
  REQUEST_JSON="{\"k\": $K, \"recent_item_ids\": [${HISTORY_JSON%,}],"
  REQUEST_ABOUT="the last ${#history[@]} items of user $HISTORY_USER in $HISTORY_FILE"
else  # a user id the service has no history for: a cold start
  REQUEST_JSON="{\"k\": $K, \"user_id\": \"bench-user-without-history\","
  REQUEST_ABOUT="no history: every answer is a cold start"
fi
REQUEST_JSON+=" \"filters\": {\"ship_to_country\": \"$COUNTRY\"}}"
BODY="$WORK/body.bin"
/usr/bin/python3 "$SCRIPT_DIR/grpc_body.py" --python_out "$PYTHON_OUT" \
  --message shop.recommender.v1.recommender_pb2:RecommendRequest --json "$REQUEST_JSON" \
  --out "$BODY"

bench_log "model: $MODEL_DIR (model.pt sha256 $MODEL_SHA..., $MODEL_DATE)"
bench_log "batching: MAX_BATCH_SIZE=$MAX_BATCH_SIZE MAX_QUEUE_DELAY=$MAX_QUEUE_DELAY" \
  "INTRA_OP_THREADS=$INTRA_OP_THREADS INFERENCE_WORKERS=$INFERENCE_WORKERS"
bench_log "request: $REQUEST_JSON (user $HISTORY_USER of $HISTORY_FILE)"

# start NAME: starts that server on fresh ports; sets SERVER_ARGS and the lib's variables.
start() {
  local name=$1 binary copy
  local -a server_env=()
  bench_pick_ports
  SERVER_ARGS=(--listen_address=127.0.0.1 --port="$PORT"
               --metrics_address=127.0.0.1 --metrics_port="$METRICS_PORT")
  if [[ "$name" == empty ]]; then
    binary="$EMPTY_SERVER" copy="$EMPTY_COPY"
  else
    binary="$SERVER" copy="$SERVER_COPY"
    SERVER_ARGS+=(--model_root="$MODEL_ROOT" --catalog="$CATALOG" --model_poll_interval=0s
                  --max_batch_size="$MAX_BATCH_SIZE" --max_queue_delay="$MAX_QUEUE_DELAY"
                  --intra_op_threads="$INTRA_OP_THREADS"
                  --inference_workers="$INFERENCE_WORKERS")
    read -r -a server_env <<<"$SERVER_ENV"
    local word
    for word in "${server_env[@]}"; do
      [[ "$word" == [A-Za-z_]*=* ]] || bench_die "SERVER_ENV: $word is not VAR=VALUE"
    done
  fi
  SERVER_CMD[$name]="${server_env[*]:+${server_env[*]} }$binary ${SERVER_ARGS[*]}"
  bench_log "starting ${SERVER_CMD[$name]}"
  bench_start_server "$name" "$WORK/server_${name}_c$c.log" \
    env "${server_env[@]}" "$copy" "${SERVER_ARGS[@]}"
}

RESULTS="$WORK/results.jsonl"
: >"$RESULTS"
declare -A SERVER_CMD
declare -A LOG_NOTES
LOAD_BEFORE="$(cut -d ' ' -f 1-3 /proc/loadavg)"
for c in $CONCURRENCY; do
  n=$((REQUESTS > 20 * c ? REQUESTS : 20 * c))
  warmup=$((WARMUP_REQUESTS > 2 * c ? WARMUP_REQUESTS : 2 * c))
  for server in empty recommender; do
    start "$server"
    stats_args=(--label server="$server" --label concurrency="$c" --grpc_method Recommend)
    if [[ "$server" == recommender ]]; then
      stats_args+=(--model recommender
                   --breakdown fallback shop_recommender_results_total fallback rpc=Recommend)
    fi
    bench_log "$server, concurrency $c: $n requests"
    bench_measure_point "$WORK/${server}_c$c" "$n" "$warmup" "$c" \
      "http://127.0.0.1:$PORT$RPC_PATH" "$BODY" -- "${stats_args[@]}" >>"$RESULTS"
    bench_log "  $(tail -n 1 "$RESULTS")"
    bench_stop_server || bench_die "server ($server) exited with status $? on SIGTERM; log: $SERVER_LOG"
    # Anything the server logged above info while serving the benchmark.
    if grep -qE '"level":"(warning|error)"' "$SERVER_LOG"; then
      LOG_NOTES[$server]+="c=$c: $(grep -cE '"level":"(warning|error)"' "$SERVER_LOG") lines, first:"
      LOG_NOTES[$server]+=" $(grep -m 1 -E '"level":"(warning|error)"' "$SERVER_LOG"); "
    fi
  done
done
LOAD_AFTER="$(cut -d ' ' -f 1-3 /proc/loadavg)"

read -r -a goal_at <<<"$THROUGHPUT_GOAL_AT"
echo "## Recommender benchmark: Recommend (k=$K) against recommender and recommender_empty_server"
echo
"$BENCH_STATS" report --results "$RESULTS" --ratio_vs server=empty --goal_for server=recommender \
  --throughput_goal "$THROUGHPUT_GOAL" --throughput_goal_at "${goal_at[@]}" \
  --p99_goal_ms "$P99_GOAL_MS" --p99_goal_at "$P99_GOAL_AT"
echo
echo "- Command: \`$(bench_command_line \
  'LD_PRELOAD|BUILD_DIR|MODEL_ROOT|CATALOG|DATA_DIR|HISTORY_USER|HISTORY_LEN|REQUESTS|WARMUP_REQUESTS|CONCURRENCY|MAX_BATCH_SIZE|MAX_QUEUE_DELAY|INTRA_OP_THREADS|INFERENCE_WORKERS|SERVER_ENV' \
  "$INVOCATION")\`"
echo "- Batching of the recommender: max_batch_size=$MAX_BATCH_SIZE," \
  "max_queue_delay=$MAX_QUEUE_DELAY, intra_op_threads=$INTRA_OP_THREADS," \
  "inference_workers=$INFERENCE_WORKERS"
echo "- Model: \`$MODEL_DIR\` (model.pt sha256 $MODEL_SHA..., written $MODEL_DATE);" \
  "metadata: \`$(tr -d '\n' <"$MODEL_DIR/metadata.json")\`"
echo "- Server (recommender): \`${SERVER_CMD[recommender]}\`"
echo "- Server (empty): \`${SERVER_CMD[empty]}\`"
echo "- Each server is started afresh for each concurrency (empty first, then recommender)," \
  "on new free ports; the command lines above are those of the last start"
echo "- Load, per point: \`h2load -n N -c C -m 1 -H 'content-type: application/grpc'" \
  "-H 'te: trailers' -d body.bin --log-file=FILE http://127.0.0.1:PORT$RPC_PATH\`" \
  "with N = max($REQUESTS, 20*C), after a discarded warm-up of max($WARMUP_REQUESTS, 2*C)" \
  "requests; h2load and the servers share the machine"
echo "- Request (body.bin): \`$REQUEST_JSON\` ($REQUEST_ABOUT)"
for server in empty recommender; do
  [[ -z "${LOG_NOTES[$server]:-}" ]] \
    || echo "- Server log ($server), warnings/errors: ${LOG_NOTES[$server]}"
done
echo "- nproc: $(nproc); CPU: $(bench_cpu_model); load average (1/5/15 min) before:" \
  "$LOAD_BEFORE, after: $LOAD_AFTER"
echo "- Date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
