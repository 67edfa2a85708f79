// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// A map that keeps its entries in recency order, the one LRU structure of the project: the
// translator's sentence cache, the recommender's in-memory histories and the support
// bot's in-memory sessions are each an LruMap plus their own eviction rule (bytes, count,
// idle time), which stays with them. Not thread-safe: every user holds its own lock.
#ifndef SHOP_COMMON_CONTAINER_LRU_MAP_H_
#define SHOP_COMMON_CONTAINER_LRU_MAP_H_

#include <cassert>
#include <cstddef>
#include <list>
#include <string>
#include <unordered_map>
#include <utility>

namespace shop {

template <typename Value>
class LruMap {
 public:
  LruMap() = default;
  // Entries point into the list; a copy would point into the other map's list.
  LruMap(const LruMap&) = delete;
  LruMap& operator=(const LruMap&) = delete;

  size_t size() const { return index_.size(); }
  bool empty() const { return index_.empty(); }

  // The value under `key`, made the most recent; nullptr if absent.
  Value* Find(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    order_.splice(order_.begin(), order_, it->second);
    return &it->second->second;
  }

  // The value under `key` without changing the order; nullptr if absent.
  const Value* Peek(const std::string& key) const {
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &it->second->second;
  }

  // The value under `key`, made the most recent; inserted as Value() if absent. The flag
  // says whether it was inserted.
  std::pair<Value*, bool> FindOrInsert(const std::string& key) {
    if (Value* v = Find(key)) return {v, false};
    order_.emplace_front(key, Value());
    index_.emplace(key, order_.begin());
    return {&order_.front().second, true};
  }

  // Removes `key`; false if it was absent.
  bool Erase(const std::string& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    order_.erase(it->second);
    index_.erase(it);
    return true;
  }

  // The least recently used entry (key, value). The map must not be empty.
  std::pair<const std::string&, Value&> Oldest() {
    assert(!order_.empty());
    return {order_.back().first, order_.back().second};
  }
  void PopOldest() {
    assert(!order_.empty());
    index_.erase(order_.back().first);
    order_.pop_back();
  }

  // Entries from the most to the least recently used, without changing the order.
  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [key, value] : order_) fn(key, value);
  }

 private:
  using Entry = std::pair<std::string, Value>;
  std::list<Entry> order_;  // most recent first
  std::unordered_map<std::string, typename std::list<Entry>::iterator> index_;
};

}  // namespace shop

#endif  // SHOP_COMMON_CONTAINER_LRU_MAP_H_
