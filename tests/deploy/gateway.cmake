# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
# The local HAProxy gateway (deploy/haproxy/, scripts/lib/haproxy_gateway.py).

add_test(NAME "gateway: config passes haproxy -c and broken copies are rejected"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/gateway_e2e_test.py --config_only)
set_tests_properties("gateway: config passes haproxy -c and broken copies are rejected"
  PROPERTIES TIMEOUT 120)

# The three real servers with their shipped models behind the gateway.
add_test(NAME "gateway: end to end (all three services, errors, deadlines, a stopped service is UNAVAILABLE)"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/gateway_e2e_test.py
          --recommender $<TARGET_FILE:recommender>
          --translator $<TARGET_FILE:translator>
          --support_bot $<TARGET_FILE:support-bot>
          --model_root ${CMAKE_SOURCE_DIR}/models
          --python_out ${SHOP_PYTHON_OUT})
set_tests_properties("gateway: end to end (all three services, errors, deadlines, a stopped service is UNAVAILABLE)"
  PROPERTIES TIMEOUT 600)
