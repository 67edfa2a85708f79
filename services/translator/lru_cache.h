// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// A thread-safe LRU cache (common LruMap shards, each under its own lock) with a capacity in bytes
// of keys plus values, for sentence translations. Sharded so that concurrent requests rarely wait
// on one lock. A value type other than std::string needs a `size_t CacheBytes(const Value&)` found
// by ADL.
#ifndef SHOP_SERVICES_TRANSLATOR_LRU_CACHE_H_
#define SHOP_SERVICES_TRANSLATOR_LRU_CACHE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "common/container/lru_map.h"

namespace shop::translator {

inline size_t CacheBytes(const std::string& s) { return s.size(); }

template <typename Value>
class BasicLruCache {
 public:
  // capacity_bytes = 0 disables the cache (every Get misses, Put does nothing).
  explicit BasicLruCache(size_t capacity_bytes, int shards = 16)
      : shards_(capacity_bytes == 0 ? 0 : shards),
        shard_capacity_(shards_.empty() ? 0 : capacity_bytes / shards_.size()) {}

  std::optional<Value> Get(const std::string& key) {
    if (shards_.empty()) return std::nullopt;
    Shard& s = ShardFor(key);
    absl::MutexLock lock(&s.mu);
    const Value* v = s.map.Find(key);
    if (v == nullptr) return std::nullopt;
    return *v;
  }

  void Put(const std::string& key, Value value) {
    if (shards_.empty()) return;
    const size_t cost = Cost(key, value);
    if (cost > shard_capacity_) return;  // would evict everything for one entry
    Shard& s = ShardFor(key);
    absl::MutexLock lock(&s.mu);
    auto [slot, inserted] = s.map.FindOrInsert(key);
    if (!inserted) s.bytes -= Cost(key, *slot);
    *slot = std::move(value);
    s.bytes += cost;
    while (s.bytes > shard_capacity_) {
      auto [oldest_key, oldest_value] = s.map.Oldest();
      s.bytes -= Cost(oldest_key, oldest_value);
      s.map.PopOldest();
    }
  }

  // Entries and bytes held now (for metrics and tests).
  std::pair<size_t, size_t> Size() const {
    size_t n = 0, bytes = 0;
    for (const Shard& s : shards_) {
      absl::MutexLock lock(&s.mu);
      n += s.map.size();
      bytes += s.bytes;
    }
    return {n, bytes};
  }

 private:
  struct Shard {
    mutable absl::Mutex mu;
    LruMap<Value> map ABSL_GUARDED_BY(mu);
    size_t bytes ABSL_GUARDED_BY(mu) = 0;
  };
  // Strings plus a rough per-entry overhead (list node, hash node, two headers).
  static size_t Cost(const std::string& k, const Value& v) {
    return k.size() + CacheBytes(v) + 128;
  }
  Shard& ShardFor(const std::string& key) {
    return shards_[std::hash<std::string>()(key) % shards_.size()];
  }

  std::vector<Shard> shards_;
  const size_t shard_capacity_;
};

using LruCache = BasicLruCache<std::string>;

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_LRU_CACHE_H_
