#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Installs what is missing, builds, starts the system and runs a short demo client session
# against it. Servers keep running until Ctrl-C (SIGINT), then drain and stop.
#
# Until the services land (issues 3-5) and the gateway (issue 6), "the system" is the
# example server: the common bootstrap and inference layer serving a TorchScript model.
#   scripts/run.sh
#   RUN_EXIT_AFTER_DEMO=1 scripts/run.sh   # stop after the demo (smoke test)
#   EXAMPLE_PORT=50050 METRICS_PORT=9090 scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
EXAMPLE_PORT=${EXAMPLE_PORT:-50050}
METRICS_PORT=${METRICS_PORT:-9090}
LOG_DIR=${LOG_DIR:-$BUILD_DIR/run-logs}
mkdir -p "$LOG_DIR"

pids=()
stop_all() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# wait_ready NAME LOGFILE: blocks until the server's log says it is SERVING.
wait_ready() {
  for _ in $(seq 1 600); do
    if grep -q '"event":"health_changed","serving":true' "$2" 2>/dev/null; then return 0; fi
    sleep 0.2
  done
  echo "$1 did not become ready; see $2" >&2
  exit 1
}

"$BUILD_DIR/tests/example_server" \
  --listen_address=127.0.0.1 --port="$EXAMPLE_PORT" \
  --metrics_address=127.0.0.1 --metrics_port="$METRICS_PORT" \
  --model_root="$BUILD_DIR/test_models/bench" \
  2>"$LOG_DIR/example_server.log" &
pids+=($!)
wait_ready example_server "$LOG_DIR/example_server.log"
echo "example_server: grpc 127.0.0.1:$EXAMPLE_PORT, metrics http://127.0.0.1:$METRICS_PORT/metrics," \
     "log $LOG_DIR/example_server.log"

/usr/bin/python3 scripts/demo_client.py --python_out "$BUILD_DIR/python" \
  --example "127.0.0.1:$EXAMPLE_PORT" --metrics "127.0.0.1:$METRICS_PORT"

if [[ -n "${RUN_EXIT_AFTER_DEMO:-}" ]]; then exit 0; fi
echo "Serving. Press Ctrl-C to stop."
wait "${pids[@]}"
