// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/catalog.h"

#include <fstream>

#include "tests/catch.h"
#include "tests/common/test_models.h"

namespace shop::recommender {
namespace {

std::string WriteFile(const testing::ScratchDir& dir, const std::string& text) {
  const std::string path = dir.path() + "/catalog.jsonl";
  std::ofstream(path) << text;
  return path;
}

TEST_CASE("a catalog file loads items, stock, countries and popularity", "[catalog]") {
  testing::ScratchDir dir;
  const std::string path = WriteFile(
      dir,
      R"({"item_id":"1","categories":["7"],"in_stock":true,"ship_to":["de","US"],"popularity":4})"
      "\n"
      R"({"item_id":"3","categories":["7","9"],"in_stock":false,"ship_to":["US"],"popularity":9})"
      "\n");
  auto catalog = Catalog::Load(path, 4);
  REQUIRE(catalog.ok());
  CHECK((*catalog)->IndexOf("3") == 3);
  CHECK_FALSE((*catalog)->IndexOf("2").has_value());
  CHECK((*catalog)->ItemAt(1)->ship_to == std::vector<std::string>{"DE", "US"});
  CHECK((*catalog)->ItemAt(2) == nullptr);
  CHECK((*catalog)->popularity()[3].item<float>() == 9.f);
  // Eligible: in the catalog, in stock, shipping to the country.
  auto de = (*catalog)->EligibleMask("DE");
  CHECK(de[1].item<bool>());
  CHECK_FALSE(de[3].item<bool>());  // out of stock
  CHECK_FALSE(de[2].item<bool>());  // not in the catalog
  CHECK_FALSE(de[0].item<bool>());  // padding
  CHECK_FALSE((*catalog)->EligibleMask("FR")[1].item<bool>());
  CHECK((*catalog)->CategoryMask("9")[3].item<bool>());
  CHECK_FALSE((*catalog)->CategoryMask("9")[1].item<bool>());
  CHECK((*catalog)->CategoryMask("nope").sum().item<int64_t>() == 0);
}

TEST_CASE("catalog errors name the line and the problem", "[catalog]") {
  testing::ScratchDir dir;
  auto bad_country = Catalog::Load(WriteFile(dir, R"({"item_id":"1","ship_to":["XX"]})"
                                                  "\n"),
                                   4);
  CHECK(absl::IsInvalidArgument(bad_country.status()));
  CHECK(bad_country.status().message().find("XX") != absl::string_view::npos);
  auto out_of_vocab = Catalog::Load(WriteFile(dir, R"({"item_id":"99"})"
                                                   "\n"),
                                    4);
  CHECK(out_of_vocab.status().message().find("vocabulary") != absl::string_view::npos);
  auto not_json = Catalog::Load(WriteFile(dir, "{oops\n"), 4);
  CHECK(not_json.status().message().find(":1:") != absl::string_view::npos);
  CHECK(absl::IsNotFound(Catalog::Load(dir.path() + "/missing.jsonl", 4).status()));
}

}  // namespace
}  // namespace shop::recommender
