# Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#
# deploy/prometheus and deploy/grafana (issue 6): promtool checks and alert unit tests, then
# a real Prometheus scraping the real servers. Needs the Debian packages prometheus,
# haproxy and python3-yaml (scripts/setup.sh).
add_test(NAME "deploy: prometheus alert rules pass promtool check and unit tests, configs and dashboard valid"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/prometheus_test.py --part=offline)
set_tests_properties("deploy: prometheus alert rules pass promtool check and unit tests, configs and dashboard valid"
  PROPERTIES TIMEOUT 120)

add_test(NAME "deploy: real prometheus scrapes the running services and evaluates every alert and dashboard query"
  COMMAND ${SHOP_PYTHON} ${CMAKE_CURRENT_SOURCE_DIR}/prometheus_test.py --part=running
          --recommender $<TARGET_FILE:recommender>
          --translator $<TARGET_FILE:translator>
          --support_bot $<TARGET_FILE:support-bot>
          --python_out ${SHOP_PYTHON_OUT})
set_tests_properties("deploy: real prometheus scrapes the running services and evaluates every alert and dashboard query"
  PROPERTIES TIMEOUT 300)
