# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
# The Kubernetes manifests (deploy/k8s/). The first test renders them with `kubectl
# kustomize`, validates them against Kubernetes' and cert-manager's schemas offline and
# cross-checks them with the flags, the Envoy configs and the Dockerfiles, and for security
# (NetworkPolicies evaluated, Secrets only as files, TLS in prod, no private keys), broken
# copies rejected; its first run does `npm ci` (the npm registry) into the work dir, reused
# until deploy/k8s/validate/package-lock.json changes. The second starts the built binaries
# with the dev ConfigMaps as their environment, against Redis started by its manifest's
# command (password required) and a local PostgreSQL 15 set up like dev's StatefulSet (the
# bot's replicas at once, migrating it), and probes them as the kubelet would; then with the
# prod ConfigMaps (mutual TLS from throwaway certificates, verify-full TLS to PostgreSQL),
# probed on their plaintext health port.

set(SHOP_K8S_TEST "k8s: overlays render, match the Kubernetes schemas, flags, envoy.yaml and Dockerfiles, broken copies rejected")
add_test(NAME "${SHOP_K8S_TEST}"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/k8s_test.py
          --work_dir ${CMAKE_BINARY_DIR}/k8s_validate)
set_tests_properties("${SHOP_K8S_TEST}" PROPERTIES TIMEOUT 300)

set(SHOP_K8S_LIVE_TEST "k8s: the binaries start from their dev and prod ConfigMaps, answer the probes' health names (prod: on the plaintext health port) and stop within the grace period")
add_test(NAME "${SHOP_K8S_LIVE_TEST}"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/k8s_test.py
          --work_dir ${CMAKE_BINARY_DIR}/k8s_live
          --python_out ${SHOP_PYTHON_OUT}
          --live $<TARGET_FILE:recommender> $<TARGET_FILE:translator> $<TARGET_FILE:support-bot>)
set_tests_properties("${SHOP_K8S_LIVE_TEST}" PROPERTIES TIMEOUT 300)
