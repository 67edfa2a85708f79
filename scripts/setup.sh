#!/usr/bin/env bash
# Installs every Debian package the build, the tests and the scripts need.
# Idempotent: packages already present are skipped, so re-running costs one dpkg query.
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  # gRPC, protobuf, abseil
  libgrpc++-dev libgrpc-dev protobuf-compiler-grpc protobuf-compiler libprotobuf-dev libabsl-dev
  # inference: LibTorch and a threaded BLAS (without it matmul runs ~25x slower)
  libtorch-dev libopenblas0-pthread
  # metrics, JSON (model metadata, catalogs) and tests
  prometheus-cpp-dev nlohmann-json3-dev catch2 libgoogle-glog-dev
  # recommender: shared histories (hiredis + a real redis-server for tests), ANN index
  libhiredis-dev redis-server libfaiss-dev
  # PostgreSQL-backed stores: libpqxx (C++ client) over libpq, and PostgreSQL 15's server
  # binaries (initdb, postgres) for the throwaway servers of tests/common/postgres_server.h
  postgresql libpq-dev libpqxx-dev
  # translator: regular expressions for protected spans/markup, the SentencePiece tokenizer
  libre2-dev libsentencepiece-dev python3-sentencepiece
  # translator evaluation: the rule-based en->es floor (Apertium) that v6 must beat
  apertium apertium-eng-spa
  # support bot: the embedded order database; Snowball stemmers for the German, French and
  # Spanish knowledge base; for retraining the intent model's word vectors
  # (services/support-bot/training/pretrain_words.py): WordNet's text and gensim
  libsqlite3-dev libstemmer-dev wordnet-base python3-gensim
  # the intent TF-IDF + logistic regression baseline (services/support-bot/training/tfidf.py)
  python3-sklearn
  # TLS tests make their keys and certificates with the openssl command line
  openssl
  # models, test fixtures and the Python test client
  python3 python3-torch python3-grpcio python3-jwt python3-cryptography python3-protobuf python3-numpy
  # the Python client package (clients/): built as a wheel with pip + setuptools, tested in
  # a virtual environment
  python3-pip python3-setuptools python3-wheel python3-venv
  # load generation (gRPC-framed bodies over HTTP/2) and process tools for tests
  nghttp2-client curl procps
  # deployment (issue 6): the local gateway, Prometheus + promtool, YAML for the config tests
  haproxy prometheus python3-yaml
  # fuzzing (scripts/fuzz.sh): clang, libFuzzer's runtime (libclang-rt-dev: clang only
  # recommends it, and recommends are not installed) and llvm-symbolizer (llvm) for
  # sanitizer stack traces with file and line
  clang libclang-rt-dev llvm
  # the thread-safety preset's clang build: clang's OpenMP (faiss links OpenMP::OpenMP_CXX)
  libomp-dev
)

# Node.js/npm (pinned validators for the Envoy and Kubernetes configs) and kubectl (kustomize)
# may already come from another source (NodeSource, Google's kubectl package); Debian's
# packages would conflict with those, so they are only added when the command is missing.
command -v npm >/dev/null 2>&1 || PACKAGES+=(npm)
command -v kubectl >/dev/null 2>&1 || PACKAGES+=(kubernetes-client)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all ${#PACKAGES[@]} packages present"
fi
