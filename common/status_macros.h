// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Early-return helpers for absl::Status / absl::StatusOr, so that call sites that chain
// fallible steps stay flat instead of nesting ifs.
#ifndef SHOP_COMMON_STATUS_MACROS_H_
#define SHOP_COMMON_STATUS_MACROS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define SHOP_CONCAT_INNER_(a, b) a##b
#define SHOP_CONCAT_(a, b) SHOP_CONCAT_INNER_(a, b)

// Returns the status from the enclosing function if `expr` is not OK.
#define RETURN_IF_ERROR(expr)                    \
  do {                                           \
    const ::absl::Status _shop_status = (expr);  \
    if (!_shop_status.ok()) return _shop_status; \
  } while (0)

// `lhs` = value of the StatusOr `rexpr`, or returns its status from the enclosing function.
#define ASSIGN_OR_RETURN(lhs, rexpr) \
  ASSIGN_OR_RETURN_IMPL_(SHOP_CONCAT_(_shop_statusor_, __LINE__), lhs, rexpr)

#define ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                           \
  if (!statusor.ok()) return statusor.status();      \
  lhs = std::move(statusor).value()

#endif  // SHOP_COMMON_STATUS_MACROS_H_
