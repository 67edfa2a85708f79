# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# The support bot image (deploy/k8s: shop-ai/support-bot). From the repository root:
#   docker build -f deploy/docker/support-bot.Dockerfile -t shop-ai/support-bot:dev .
# The builder stage is the same in all three Dockerfiles, so their builds share its layers.

FROM debian:bookworm-slim AS builder
WORKDIR /src
# Packages first, on their own, so that layer outlives source changes.
COPY scripts/setup.sh scripts/setup.sh
RUN bash scripts/setup.sh && rm -rf /var/lib/apt/lists/*
COPY . .
# The same configure and build as scripts/test.sh (Release preset, every target).
RUN bash scripts/build.sh

FROM debian:bookworm-slim
# Runtime libraries only: the packages of the binary's NEEDED entries (readelf -d);
# libtorch1.13 brings its own dependencies.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libtorch1.13 libgomp1 libopenblas0-pthread \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libprometheus-cpp-core1.0 \
      libhiredis0.14 libre2-9 libsqlite3-0 libstemmer0d libpqxx-6.4 libpq5 \
 && rm -rf /var/lib/apt/lists/*
# Numeric ids: Kubernetes checks runAsNonRoot against the image's USER by number.
RUN groupadd --gid 10001 shop \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin shop
COPY --from=builder /src/build/services/support-bot/support-bot /app/bin/support-bot
COPY models/support-bot /app/models/support-bot
COPY services/support-bot/kb/articles*.jsonl /app/kb/
# The text analysis tables (stop words, synonyms, ...), read and checked at start; the
# server finds them in the kb folder (/app/kb/analyzer, --kb_analyzer_dir).
COPY services/support-bot/kb/analyzer /app/kb/analyzer
# The reply catalogs; the server finds them beside the kb folder (/app/messages).
COPY services/support-bot/messages /app/messages
# The demo orders --seed_demo_orders inserts (dev; prod seeds none), found beside the kb
# folder (/app/demo) like the reply catalogs.
COPY services/support-bot/demo/orders.jsonl /app/demo/orders.jsonl
# `docker run` keeps the orders in a SQLite file and needs a writable directory, owned by
# the server's user; Kubernetes runs several replicas on PostgreSQL instead (deploy/k8s sets
# SHOP_ORDERS_DB to a postgresql:// URL, and the root filesystem is read-only there).
RUN mkdir -p /var/lib/shop && chown 10001:10001 /var/lib/shop
# The same model and KB paths as deploy/k8s (support-bot-flags), so `docker run` works
# without flags.
ENV SHOP_MODEL_ROOT=/app/models \
    SHOP_KB=/app/kb/articles.jsonl \
    SHOP_ORDERS_DB=/var/lib/shop/orders.db
WORKDIR /app
USER 10001:10001
EXPOSE 50051 9090
LABEL org.opencontainers.image.title="shop-ai/support-bot" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/app/bin/support-bot"]
