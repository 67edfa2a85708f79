// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/container/lru_map.h"

#include <string>
#include <vector>

#include "tests/catch.h"

namespace shop {
namespace {

std::vector<std::string> KeysByRecency(const LruMap<int>& map) {
  std::vector<std::string> keys;
  map.ForEach([&keys](const std::string& k, const int&) { keys.push_back(k); });
  return keys;
}

TEST_CASE("LruMap: Find and FindOrInsert make an entry the most recent, Peek does not") {
  LruMap<int> map;
  *map.FindOrInsert("a").first = 1;
  *map.FindOrInsert("b").first = 2;
  *map.FindOrInsert("c").first = 3;
  CHECK(KeysByRecency(map) == std::vector<std::string>{"c", "b", "a"});

  REQUIRE(map.Peek("a") != nullptr);
  CHECK(*map.Peek("a") == 1);
  CHECK(KeysByRecency(map) == std::vector<std::string>{"c", "b", "a"});

  REQUIRE(map.Find("a") != nullptr);
  CHECK(KeysByRecency(map) == std::vector<std::string>{"a", "c", "b"});

  auto [value, inserted] = map.FindOrInsert("b");
  CHECK_FALSE(inserted);
  CHECK(*value == 2);
  CHECK(KeysByRecency(map) == std::vector<std::string>{"b", "a", "c"});
  CHECK(map.Find("missing") == nullptr);
  CHECK(map.Peek("missing") == nullptr);
  CHECK(map.size() == 3);
}

TEST_CASE("LruMap: the oldest entry is evicted first, and Erase removes any entry") {
  LruMap<int> map;
  for (int i = 0; i < 5; ++i) *map.FindOrInsert(std::to_string(i)).first = i;
  map.Find("0");
  CHECK(map.Oldest().first == "1");
  CHECK(map.Oldest().second == 1);
  map.PopOldest();
  CHECK(map.Peek("1") == nullptr);
  CHECK(map.Oldest().first == "2");

  CHECK(map.Erase("3"));
  CHECK_FALSE(map.Erase("3"));
  CHECK(KeysByRecency(map) == std::vector<std::string>{"0", "4", "2"});

  while (!map.empty()) map.PopOldest();
  CHECK(map.size() == 0);
  // Reusable after emptying: the index and the order agree.
  *map.FindOrInsert("x").first = 9;
  CHECK(map.Oldest().first == "x");
  CHECK(*map.Find("x") == 9);
}

TEST_CASE("LruMap: a value reached through Oldest can be changed in place") {
  LruMap<std::string> map;
  *map.FindOrInsert("k").first = "v";
  map.Oldest().second += "2";
  CHECK(*map.Peek("k") == "v2");
}

}  // namespace
}  // namespace shop
