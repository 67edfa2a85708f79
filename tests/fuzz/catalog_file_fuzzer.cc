// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the recommender's catalog file reader (services/recommender/catalog_file.h): any
// bytes give a status, never a crash or UB; accepted items have ship-to codes of two
// upper-case letters and a popularity in 0..2^53; an item id accepted as an index is the
// canonical decimal of that index. Links no LibTorch (Catalog's masks are not fuzzed).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/recommender/catalog_file.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const auto items = shop::recommender::ParseCatalogJsonl(text, "fuzz.jsonl");
  if (!items.ok()) {
    Check(absl::string_view(items.status().message()).substr(0, 11) == "fuzz.jsonl:");
    return 0;
  }
  for (const shop::recommender::CatalogItem& item : *items) {
    Check(item.popularity >= 0 && item.popularity <= (int64_t{1} << 53));
    for (const std::string& code : item.ship_to) {
      Check(code.size() == 2 && code[0] >= 'A' && code[0] <= 'Z' && code[1] >= 'A' &&
            code[1] <= 'Z');
    }
    const auto index = shop::recommender::CatalogIndex(item.item_id, 1'000'000);
    if (index.ok()) Check(absl::StrCat(*index) == item.item_id);
  }
  // Ids straight from the input, too.
  const auto index = shop::recommender::CatalogIndex(text, INT64_MAX);
  if (index.ok()) Check(*index >= 1 && absl::StrCat(*index) == text);
  return 0;
}
