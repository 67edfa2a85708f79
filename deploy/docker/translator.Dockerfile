# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# The translator image (deploy/k8s: shop-ai/translator). From the repository root:
#   docker build -f deploy/docker/translator.Dockerfile -t shop-ai/translator:dev .
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
# Runtime libraries only: the packages of the NEEDED entries (readelf -d) of the binary and
# of libshop_spm_bridge.so (libsentencepiece0); libtorch1.13 brings its own dependencies.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libtorch1.13 libgomp1 libopenblas0-pthread \
      libgrpc++1.51 libgrpc29 libprotobuf32 libabsl20220623 libprometheus-cpp-core1.0 \
      libre2-9 libsentencepiece0 \
 && rm -rf /var/lib/apt/lists/*
# Numeric ids: Kubernetes checks runAsNonRoot against the image's USER by number.
RUN groupadd --gid 10001 shop \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin shop
# The SentencePiece bridge is looked for beside the binary first (spm_bridge_loader.cc).
COPY --from=builder /src/build/services/translator/translator /app/bin/translator
COPY --from=builder /src/build/services/translator/libshop_spm_bridge.so /app/bin/libshop_spm_bridge.so
COPY models/translator /app/models/translator
# The same path as deploy/k8s (translator-flags), so `docker run` works without flags.
ENV SHOP_MODEL_ROOT=/app/models
WORKDIR /app
USER 10001:10001
EXPOSE 50051 9090
LABEL org.opencontainers.image.title="shop-ai/translator" \
      org.opencontainers.image.licenses="Apache-2.0"
ENTRYPOINT ["/app/bin/translator"]
