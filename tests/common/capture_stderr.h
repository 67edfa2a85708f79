// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// What a piece of code writes to stderr (where Log writes), for tests of log lines: fd 2
// is pointed at a temporary file while `fn` runs.
#ifndef SHOP_TESTS_COMMON_CAPTURE_STDERR_H_
#define SHOP_TESTS_COMMON_CAPTURE_STDERR_H_

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <string>

namespace shop::testing {

template <typename Fn>
std::string CaptureStderr(Fn fn) {
  char path[] = "/tmp/shop_stderr_test_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) std::abort();
  std::fflush(stderr);
  const int saved = dup(2);
  dup2(fd, 2);
  fn();
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::remove(path);
  return text;
}

}  // namespace shop::testing

#endif  // SHOP_TESTS_COMMON_CAPTURE_STDERR_H_
