// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// ISO 3166-1 alpha-2 country codes, for validating the ship-to and customer countries
// that every service receives.
#ifndef SHOP_COMMON_COUNTRY_CODES_H_
#define SHOP_COMMON_COUNTRY_CODES_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace shop {

// The upper-case code when `code` is an assigned ISO 3166-1 alpha-2 code (matched
// case-insensitively, e.g. "de" -> "DE"); nullopt otherwise.
std::optional<std::string> NormalizeCountryCode(absl::string_view code);

}  // namespace shop

#endif  // SHOP_COMMON_COUNTRY_CODES_H_
