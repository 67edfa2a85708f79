# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
# The Envoy gateway config (deploy/envoy/), checked against Envoy's v3 API without Envoy.
# Its first run does `npm ci` (the npm registry) into the work dir; later runs reuse the
# compiled descriptor set until deploy/envoy/validate/package-lock.json changes.

add_test(NAME "envoy: envoy.yaml is a valid v3 bootstrap routing every service, broken copies rejected"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/envoy_config_test.py
          --work_dir ${CMAKE_BINARY_DIR}/envoy_validate)
set_tests_properties("envoy: envoy.yaml is a valid v3 bootstrap routing every service, broken copies rejected"
  PROPERTIES TIMEOUT 300)
