// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// What the throwaway servers of the tests (redis_server.h, postgres_server.h) need to run a
// binary as a child process: a free loopback port, executable checks, exit descriptions and
// the child's log.
#ifndef SHOP_TESTS_COMMON_CHILD_PROCESS_H_
#define SHOP_TESTS_COMMON_CHILD_PROCESS_H_

#include <string>

#include "absl/status/statusor.h"

namespace shop::testing {

// A regular file the current user may execute.
bool IsExecutable(const std::string& path);

// A port the kernel just handed out on 127.0.0.1, released again for a server to take.
absl::StatusOr<int> PickFreePort();

// "exited with code 1", "was killed by signal 9" for a waitpid status.
std::string DescribeExit(int status);

// The whole file (empty when it cannot be read): a child's log for failure messages.
std::string ReadTextFile(const std::string& path);

}  // namespace shop::testing

#endif  // SHOP_TESTS_COMMON_CHILD_PROCESS_H_
