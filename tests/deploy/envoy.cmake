# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
# The Envoy gateway configs (deploy/envoy/: plaintext envoy.yaml, envoy-tls.yaml for prod, their
# JWKS and SDS files), checked against Envoy's v3 API and the JWT contract without Envoy.
# Its first run does `npm ci` (the npm registry) into the work dir; later runs reuse the
# compiled descriptor set until deploy/envoy/validate/package-lock.json changes.

add_test(NAME "envoy: envoy.yaml and envoy-tls.yaml are valid v3 bootstraps routing every service with the JWT contract, broken copies rejected"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/envoy_config_test.py
          --work_dir ${CMAKE_BINARY_DIR}/envoy_validate
          --descriptor_set ${CMAKE_BINARY_DIR}/protos/shop_api.pb)
set_tests_properties("envoy: envoy.yaml and envoy-tls.yaml are valid v3 bootstraps routing every service with the JWT contract, broken copies rejected"
  PROPERTIES TIMEOUT 300)
