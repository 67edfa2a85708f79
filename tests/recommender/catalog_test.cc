// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/catalog.h"

#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
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

TEST_CASE("catalog values of the wrong type or range are refused, naming the line", "[catalog]") {
  struct Case {
    const char* line;
    const char* expected;
  };
  for (const Case& c : {
           Case{R"({"item_id":"2","popularity":1e30})", "popularity"},
           Case{R"({"item_id":"2","popularity":-3})", "popularity"},
           Case{R"({"item_id":"2","popularity":2.5})", "popularity"},
           Case{R"({"item_id":"2","popularity":18446744073709551615})", "popularity"},
           Case{R"({"item_id":"2","in_stock":"yes"})", "in_stock"},
           Case{R"({"item_id":"2","categories":"7"})", "categories"},
           Case{R"({"item_id":"2","ship_to":[7]})", "ship_to"},
           Case{R"({"item_id":2})", "item_id"},
           Case{R"([1,2])", "not a JSON object"},
       }) {
    auto parsed =
        ParseCatalogJsonl(absl::StrCat(R"({"item_id":"1"})", "\n", c.line, "\n"), "catalog.jsonl");
    INFO(c.line);
    REQUIRE_FALSE(parsed.ok());
    CHECK(absl::IsInvalidArgument(parsed.status()));
    CHECK(absl::StrContains(parsed.status().message(), "catalog.jsonl:2:"));
    CHECK(absl::StrContains(parsed.status().message(), c.expected));
  }
  auto largest = ParseCatalogJsonl(R"({"item_id":"1","popularity":9007199254740992})", "f");
  REQUIRE(largest.ok());
  CHECK((*largest)[0].popularity == (int64_t{1} << 53));
}

TEST_CASE("an item id is the canonical decimal of one index, listed once", "[catalog]") {
  CHECK(*CatalogIndex("42", 100) == 42);
  for (const char* id :
       {"042", "+42", " 42", "42 ", "0", "101", "", "4x", "-1", "99999999999999999999"}) {
    INFO(id);
    CHECK(absl::IsInvalidArgument(CatalogIndex(id, 100).status()));
  }
  testing::ScratchDir dir;
  auto twice = Catalog::Load(WriteFile(dir, "{\"item_id\":\"1\"}\n{\"item_id\":\"1\"}\n"), 4);
  CHECK(absl::StrContains(twice.status().message(), "listed twice"));
  auto two_spellings =
      Catalog::Load(WriteFile(dir, "{\"item_id\":\"1\"}\n{\"item_id\":\"01\"}\n"), 4);
  CHECK(absl::StrContains(two_spellings.status().message(), "\"01\""));
}

}  // namespace
}  // namespace shop::recommender
