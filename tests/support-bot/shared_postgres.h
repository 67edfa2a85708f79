// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// One throwaway PostgreSQL server per test process (ctest runs each test case in a process
// of its own, so each case starts one; a test binary run by hand shares it across cases).
#ifndef SHOP_TESTS_SUPPORT_BOT_SHARED_POSTGRES_H_
#define SHOP_TESTS_SUPPORT_BOT_SHARED_POSTGRES_H_

#include "tests/catch.h"
#include "tests/common/postgres_server.h"

namespace shop::testing {

inline PostgresServer& SharedPostgres() {
  static PostgresServer* server = [] {
    auto started = PostgresServer::Start();
    if (!started.ok()) FAIL("PostgreSQL did not start: " << started.status().ToString());
    return started->release();  // lives until the process ends
  }();
  return *server;
}

}  // namespace shop::testing

#endif  // SHOP_TESTS_SUPPORT_BOT_SHARED_POSTGRES_H_
