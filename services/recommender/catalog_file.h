// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The catalog file: JSON lines, one object per item (make_catalog.py writes it):
//   {"item_id": "42", "categories": ["7"], "in_stock": true, "ship_to": ["DE"],
//    "popularity": 130}
// Parsing and checking it needs no LibTorch (Catalog builds its masks from the result), so
// the parser is fuzzed on its own (tests/fuzz/catalog_file_fuzzer.cc).
#ifndef SHOP_SERVICES_RECOMMENDER_CATALOG_FILE_H_
#define SHOP_SERVICES_RECOMMENDER_CATALOG_FILE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shop::recommender {

struct CatalogItem {
  std::string item_id;
  std::vector<std::string> categories;
  bool in_stock = false;
  std::vector<std::string> ship_to;  // ISO 3166-1 alpha-2, upper case
  int64_t popularity = 0;
};

// Parses catalog JSON lines; `source` names the input in error messages ("<source>:<line>:
// ..."). InvalidArgument for a line that is not an object with a string "item_id", a field of
// the wrong type, an unknown country code or a popularity that is not a whole number in
// 0..2^53 (what a float ranking can hold exactly).
absl::StatusOr<std::vector<CatalogItem>> ParseCatalogJsonl(absl::string_view text,
                                                           absl::string_view source);

// The model index of a catalog item id: the model's vocabulary is the dataset's dense
// integer ids, so the id must be the canonical decimal of an index in 1..num_items ("42",
// not "042" or "+42": two spellings of one index would be two items sharing one row).
absl::StatusOr<int64_t> CatalogIndex(absl::string_view item_id, int64_t num_items);

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_CATALOG_FILE_H_
