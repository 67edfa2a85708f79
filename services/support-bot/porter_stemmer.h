// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The Porter (1980) suffix-stripping stemmer, as in Martin Porter's reference C
// implementation: "cancellation", "cancelled" and "cancelling" all become "cancel".
#ifndef SHOP_SERVICES_SUPPORT_BOT_PORTER_STEMMER_H_
#define SHOP_SERVICES_SUPPORT_BOT_PORTER_STEMMER_H_

#include <string>

#include "absl/strings/string_view.h"

namespace shop::supportbot {

// Stems one lower-case word. Words of one or two letters, and words holding anything but
// the letters a-z (digits, upper case, UTF-8), are returned unchanged.
std::string PorterStem(absl::string_view word);

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_PORTER_STEMMER_H_
