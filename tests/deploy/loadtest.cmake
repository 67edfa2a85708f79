# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
# Load tests (deploy/loadtest/, scripts/loadtest.py); include()d by tests/deploy/CMakeLists.txt.

add_test(NAME "loadtest: every ghz config names its RPC and its data parses as the request"
  COMMAND ${SHOP_PYTHON} ${CMAKE_SOURCE_DIR}/tests/deploy/loadtest_test.py configs
          --python_out ${SHOP_PYTHON_OUT})
set_tests_properties("loadtest: every ghz config names its RPC and its data parses as the request"
  PROPERTIES TIMEOUT 60)

# Starts the three servers and HAProxy, a few hundred h2load requests in all.
add_test(NAME "loadtest: h2load script direct and through the gateway, codes add up"
  COMMAND ${SHOP_PYTHON} ${CMAKE_SOURCE_DIR}/tests/deploy/loadtest_test.py smoke
          --python_out ${SHOP_PYTHON_OUT}
          --recommender $<TARGET_FILE:recommender>
          --translator $<TARGET_FILE:translator>
          --support_bot $<TARGET_FILE:support-bot>
  WORKING_DIRECTORY ${CMAKE_SOURCE_DIR})
set_tests_properties("loadtest: h2load script direct and through the gateway, codes add up"
  PROPERTIES TIMEOUT 600)
