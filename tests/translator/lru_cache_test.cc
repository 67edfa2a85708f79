// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/lru_cache.h"

#include <thread>

#include "tests/catch.h"

namespace shop::translator {
namespace {

TEST_CASE("The cache returns what was put and evicts the least recently used") {
  // One shard so the eviction order is observable; each entry costs key+value+128 bytes.
  LruCache cache(3 * (1 + 1 + 128), /*shards=*/1);
  cache.Put("a", "1");
  cache.Put("b", "2");
  cache.Put("c", "3");
  CHECK(cache.Get("a") == "1");  // a is now the most recent
  cache.Put("d", "4");           // evicts b
  CHECK(!cache.Get("b").has_value());
  CHECK(cache.Get("a") == "1");
  CHECK(cache.Get("c") == "3");
  CHECK(cache.Get("d") == "4");
  CHECK(cache.Size().first == 3);
}

TEST_CASE("Replacing a key keeps one entry and the byte count right") {
  LruCache cache(10000, 1);
  cache.Put("k", "short");
  cache.Put("k", "a longer value");
  CHECK(cache.Get("k") == "a longer value");
  CHECK(cache.Size() == std::make_pair(size_t{1}, size_t{1 + 14 + 128}));
}

TEST_CASE("A zero capacity disables the cache and oversized entries are not stored") {
  LruCache off(0);
  off.Put("k", "v");
  CHECK(!off.Get("k").has_value());
  LruCache small(200, 1);
  small.Put("k", std::string(500, 'x'));
  CHECK(!small.Get("k").has_value());
  CHECK(small.Size().first == 0);
}

TEST_CASE("Concurrent readers and writers stay within capacity") {
  LruCache cache(64 * 1024, 16);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 2000; ++i) {
        const std::string key = std::to_string((t * 7919 + i) % 1500);
        if (auto v = cache.Get(key)) REQUIRE(*v == "value-" + key);
        cache.Put(key, "value-" + key);
      }
    });
  }
  for (auto& t : threads) t.join();
  CHECK(cache.Size().second <= 64 * 1024);
  CHECK(cache.Size().first > 0);
}

}  // namespace
}  // namespace shop::translator
