// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
// Catch2's main, compiled once for every test binary.
#define CATCH_CONFIG_MAIN
#include "catch2/catch.hpp"
