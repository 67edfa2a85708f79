// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Debian's RE2 (20220601) takes re2::StringPiece and Debian's abseil has its own
// absl::string_view (not std::string_view), so the two need explicit conversions: these,
// for every service that matches with RE2.
#ifndef SHOP_COMMON_TEXT_RE2_UTIL_H_
#define SHOP_COMMON_TEXT_RE2_UTIL_H_

#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace shop {

inline re2::StringPiece ToPiece(absl::string_view s) {
  return re2::StringPiece(s.data(), s.size());
}
inline absl::string_view ToView(re2::StringPiece s) {
  return absl::string_view(s.data(), s.size());
}

}  // namespace shop

#endif  // SHOP_COMMON_TEXT_RE2_UTIL_H_
