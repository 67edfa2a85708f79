// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/catalog_file.h"

#include <algorithm>
#include <optional>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/country_codes.h"
#include "nlohmann/json.hpp"

namespace shop::recommender {
namespace {

constexpr int64_t kMaxPopularity = int64_t{1} << 53;

absl::Status LineError(absl::string_view source, int64_t line_no, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(source, ":", line_no, ": ", what));
}

// A list of strings under `key`, empty when the key is absent.
absl::StatusOr<std::vector<std::string>> Strings(const nlohmann::json& j, const char* key) {
  std::vector<std::string> out;
  auto it = j.find(key);
  if (it == j.end()) return out;
  if (!it->is_array())
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not a list"));
  for (const nlohmann::json& v : *it) {
    if (!v.is_string()) {
      return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" holds a non-string"));
    }
    out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<CatalogItem>> ParseCatalogJsonl(absl::string_view text,
                                                           absl::string_view source) {
  std::vector<CatalogItem> items;
  int64_t line_no = 0;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    ++line_no;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr,
                                                   /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.is_object()) return LineError(source, line_no, "not a JSON object");
    auto id = j.find("item_id");
    if (id == j.end() || !id->is_string()) {
      return LineError(source, line_no, "no string \"item_id\"");
    }
    CatalogItem item;
    item.item_id = id->get<std::string>();
    absl::StatusOr<std::vector<std::string>> categories = Strings(j, "categories");
    if (!categories.ok()) return LineError(source, line_no, categories.status().message());
    item.categories = *std::move(categories);
    auto in_stock = j.find("in_stock");
    if (in_stock != j.end() && !in_stock->is_boolean()) {
      return LineError(source, line_no, "\"in_stock\" is not true or false");
    }
    item.in_stock = in_stock == j.end() || in_stock->get<bool>();
    auto popularity = j.find("popularity");
    if (popularity != j.end()) {
      // Checked before converting: a float or an out-of-range integer does not convert.
      const bool whole = popularity->is_number_unsigned() ||
                         (popularity->is_number_integer() && popularity->get<int64_t>() >= 0);
      if (!whole || popularity->get<uint64_t>() > static_cast<uint64_t>(kMaxPopularity)) {
        return LineError(source, line_no, "\"popularity\" is not a whole number in 0..2^53");
      }
      item.popularity = static_cast<int64_t>(popularity->get<uint64_t>());
    }
    absl::StatusOr<std::vector<std::string>> ship_to = Strings(j, "ship_to");
    if (!ship_to.ok()) return LineError(source, line_no, ship_to.status().message());
    for (const std::string& c : *ship_to) {
      std::optional<std::string> code = NormalizeCountryCode(c);
      if (!code)
        return LineError(source, line_no, absl::StrCat("unknown country code \"", c, "\""));
      item.ship_to.push_back(*code);
    }
    items.push_back(std::move(item));
  }
  return items;
}

absl::StatusOr<int64_t> CatalogIndex(absl::string_view item_id, int64_t num_items) {
  int64_t index = 0;
  const bool canonical = !item_id.empty() && item_id.size() <= 19 && item_id[0] != '0' &&
                         std::all_of(item_id.begin(), item_id.end(), absl::ascii_isdigit) &&
                         absl::SimpleAtoi(item_id, &index);
  if (!canonical || index < 1 || index > num_items) {
    return absl::InvalidArgumentError(
        absl::StrCat("catalog item \"", absl::CHexEscape(item_id),
                     "\" is not a decimal id in the model's vocabulary 1..", num_items));
  }
  return index;
}

}  // namespace shop::recommender
