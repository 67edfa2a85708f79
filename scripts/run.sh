#!/usr/bin/env bash
# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# Installs what is missing, builds, starts the system and runs a short demo client session
# against it. Servers keep running until Ctrl-C (SIGINT), then drain and stop.
#
# Started: the recommender (shipped model, demo catalog), the translator (shipped model),
# the support bot (shipped intent model, demo order database, knowledge base, wired to the
# translator), the example server of the common layer, and the local gRPC gateway (HAProxy,
# deploy/haproxy/) in front of the three services; the demo reaches them through it.
#   scripts/run.sh
#   RUN_EXIT_AFTER_DEMO=1 scripts/run.sh   # stop after the demo (smoke test)
#   RECOMMENDER_PORT=50051 TRANSLATOR_PORT=50052 SUPPORT_BOT_PORT=50053 EXAMPLE_PORT=50050 \
#     METRICS_PORT=9090 GATEWAY_PORT=8080 GATEWAY_METRICS_PORT=9100 scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build.sh
BUILD_DIR=${BUILD_DIR:-build}
EXAMPLE_PORT=${EXAMPLE_PORT:-50050}
RECOMMENDER_PORT=${RECOMMENDER_PORT:-50051}
TRANSLATOR_PORT=${TRANSLATOR_PORT:-50052}
SUPPORT_BOT_PORT=${SUPPORT_BOT_PORT:-50053}
GATEWAY_PORT=${GATEWAY_PORT:-8080}
GATEWAY_METRICS_PORT=${GATEWAY_METRICS_PORT:-9100}
# The example server's; the recommender uses +1, the translator +2, the support bot +3.
METRICS_PORT=${METRICS_PORT:-9090}
LOG_DIR=${LOG_DIR:-$BUILD_DIR/run-logs}
mkdir -p "$LOG_DIR"

pids=()
# Newest first, so the gateway stops taking calls before the services behind it go.
stop_all() {
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap stop_all EXIT

# wait_ready NAME LOGFILE [PATTERN]: blocks until the log of the process started last says
# it is ready (a server: SERVING); fails at once if that process exits.
wait_ready() {
  local pattern=${3:-'"event":"health_changed","serving":true'}
  for _ in $(seq 1 600); do
    if grep -q "$pattern" "$2" 2>/dev/null; then return 0; fi
    if ! kill -0 "${pids[-1]}" 2>/dev/null; then break; fi
    sleep 0.2
  done
  echo "$1 did not become ready; see $2" >&2
  exit 1
}

"$BUILD_DIR/examples/minimal_service/example_server" \
  --listen_address=127.0.0.1 --port="$EXAMPLE_PORT" \
  --metrics_address=127.0.0.1 --metrics_port="$METRICS_PORT" \
  --model_root="$BUILD_DIR/test_models/bench" \
  2>"$LOG_DIR/example_server.log" &
pids+=($!)
wait_ready example_server "$LOG_DIR/example_server.log"
echo "example_server: grpc 127.0.0.1:$EXAMPLE_PORT, metrics http://127.0.0.1:$METRICS_PORT/metrics," \
     "log $LOG_DIR/example_server.log"

# Callers' identity comes from tokens the gateway verifies (docs/security.md). This run's
# identity provider is a key pair made here; mint a token for a customer with
#   scripts/lib/shop_jwt.py mint build/run-data/jwt.key cust-1001
# The services believe identity headers only from the gateway's address.
mkdir -p "$BUILD_DIR/run-data"
/usr/bin/python3 scripts/lib/shop_jwt.py keys "$BUILD_DIR/run-data" >/dev/null
TRUSTED_GATEWAYS=--trusted_gateways=ip:127.0.0.1

"$BUILD_DIR/services/recommender/recommender" \
  --listen_address=127.0.0.1 --port="$RECOMMENDER_PORT" "$TRUSTED_GATEWAYS" \
  --metrics_address=127.0.0.1 --metrics_port="$((METRICS_PORT + 1))" \
  --model_root=models --catalog=services/recommender/demo/catalog.jsonl \
  2>"$LOG_DIR/recommender.log" &
pids+=($!)
wait_ready recommender "$LOG_DIR/recommender.log"
echo "recommender: grpc 127.0.0.1:$RECOMMENDER_PORT, metrics" \
     "http://127.0.0.1:$((METRICS_PORT + 1))/metrics, log $LOG_DIR/recommender.log"

"$BUILD_DIR/services/translator/translator" \
  --listen_address=127.0.0.1 --port="$TRANSLATOR_PORT" \
  --metrics_address=127.0.0.1 --metrics_port="$((METRICS_PORT + 2))" \
  --model_root=models \
  2>"$LOG_DIR/translator.log" &
pids+=($!)
wait_ready translator "$LOG_DIR/translator.log"
echo "translator: grpc 127.0.0.1:$TRANSLATOR_PORT, metrics" \
     "http://127.0.0.1:$((METRICS_PORT + 2))/metrics, log $LOG_DIR/translator.log"

# A fresh demo order database each run, so the demo's cancellation works every time.
rm -f "$BUILD_DIR/run-data/orders.db" "$BUILD_DIR/run-data/orders.db-wal" "$BUILD_DIR/run-data/orders.db-shm"
"$BUILD_DIR/services/support-bot/support-bot" \
  --listen_address=127.0.0.1 --port="$SUPPORT_BOT_PORT" "$TRUSTED_GATEWAYS" \
  --metrics_address=127.0.0.1 --metrics_port="$((METRICS_PORT + 3))" \
  --model_root=models --orders_db="$BUILD_DIR/run-data/orders.db" \
  --translator_address="127.0.0.1:$TRANSLATOR_PORT" \
  2>"$LOG_DIR/support-bot.log" &
pids+=($!)
wait_ready support-bot "$LOG_DIR/support-bot.log"
echo "support-bot: grpc 127.0.0.1:$SUPPORT_BOT_PORT, metrics" \
     "http://127.0.0.1:$((METRICS_PORT + 3))/metrics, log $LOG_DIR/support-bot.log"

/usr/bin/python3 scripts/lib/haproxy_gateway.py \
  --recommender "127.0.0.1:$RECOMMENDER_PORT" --translator "127.0.0.1:$TRANSLATOR_PORT" \
  --support-bot "127.0.0.1:$SUPPORT_BOT_PORT" \
  --port "$GATEWAY_PORT" --metrics_port "$GATEWAY_METRICS_PORT" \
  --jwt_public_key "$BUILD_DIR/run-data/jwt.pub" \
  >"$LOG_DIR/gateway.log" 2>&1 &
pids+=($!)
wait_ready gateway "$LOG_DIR/gateway.log" '^gateway ready:'
echo "gateway (HAProxy): grpc 127.0.0.1:$GATEWAY_PORT for the three services, metrics" \
     "http://127.0.0.1:$GATEWAY_METRICS_PORT/metrics, log $LOG_DIR/gateway.log"

/usr/bin/python3 scripts/demo_client.py --python_out "$BUILD_DIR/python" \
  --example "127.0.0.1:$EXAMPLE_PORT" --metrics "127.0.0.1:$METRICS_PORT" \
  --gateway "127.0.0.1:$GATEWAY_PORT" --gateway_metrics "127.0.0.1:$GATEWAY_METRICS_PORT" \
  --jwt_private_key "$BUILD_DIR/run-data/jwt.key"

if [[ -n "${RUN_EXIT_AFTER_DEMO:-}" ]]; then exit 0; fi
echo "Serving. Press Ctrl-C to stop."
wait "${pids[@]}"
