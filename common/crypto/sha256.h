// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// SHA-256 of bytes in memory, from OpenSSL's libcrypto (already linked for model file
// checksums): for ids derived from client keys, where a hand-written hash would be a risk.
#ifndef SHOP_COMMON_CRYPTO_SHA256_H_
#define SHOP_COMMON_CRYPTO_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace shop {

// Lower-case hex SHA-256 of `bytes` (64 characters).
std::string Sha256Hex(absl::string_view bytes);

}  // namespace shop

#endif  // SHOP_COMMON_CRYPTO_SHA256_H_
