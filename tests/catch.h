// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Include this instead of catch2/catch.hpp. LibTorch's headers pull in glog, whose CHECK,
// CHECK_EQ, ... would silently replace Catch2's assertions (a failing check then aborts
// the binary instead of being reported). glog goes first, its CHECK is dropped, and
// Catch2's definitions are the ones that stay.
#ifndef SHOP_TESTS_CATCH_H_
#define SHOP_TESTS_CATCH_H_

#include "glog/logging.h"

#undef CHECK
#undef CHECK_FALSE
#undef CHECK_THAT
#undef CHECK_NOFAIL

#include "catch2/catch.hpp"

#endif  // SHOP_TESTS_CATCH_H_
