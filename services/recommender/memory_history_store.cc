// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/memory_history_store.h"

#include <algorithm>

namespace shop::recommender {

// Rough heap cost of one event and of one user entry; used only for the memory cap.
int64_t MemoryHistoryStore::EventBytes(const HistoryEvent& e) {
  return static_cast<int64_t>(sizeof(HistoryEvent) + e.item_id.capacity() + e.event_id.capacity());
}
namespace {
constexpr int64_t kEntryOverhead = 160;
}  // namespace

absl::StatusOr<std::vector<HistoryEvent>> MemoryHistoryStore::Get(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(user_id);
  if (it == index_.end()) return std::vector<HistoryEvent>{};
  lru_.splice(lru_.begin(), lru_, it->second);
  return std::vector<HistoryEvent>(it->second->events.begin(), it->second->events.end());
}

absl::StatusOr<AppendResult> MemoryHistoryStore::Record(const std::string& user_id,
                                                        const HistoryEvent& event) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(user_id);
  if (it == index_.end()) {
    lru_.push_front(Entry{user_id, {}, kEntryOverhead + static_cast<int64_t>(user_id.size())});
    it = index_.emplace(user_id, lru_.begin()).first;
    bytes_ += lru_.front().bytes;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second);
  }
  Entry& entry = *it->second;
  if (!event.event_id.empty()) {
    for (const HistoryEvent& e : entry.events) {
      if (e.event_id == event.event_id) {
        return AppendResult{static_cast<int64_t>(entry.events.size()), /*duplicate=*/true};
      }
    }
  }
  // After the last event not newer than this one: time order, ties in arrival order.
  auto at = std::upper_bound(entry.events.begin(), entry.events.end(), event.time_ms,
                             [](int64_t t, const HistoryEvent& e) { return t < e.time_ms; });
  at = entry.events.insert(at, event);
  // The stored copy's size, not the caller's string capacity, is what is held.
  const int64_t added = EventBytes(*at);
  entry.bytes += added;
  bytes_ += added;
  while (static_cast<int>(entry.events.size()) > options_.max_events_per_user) {
    const int64_t b = EventBytes(entry.events.front());
    entry.bytes -= b;
    bytes_ -= b;
    entry.events.pop_front();
  }
  const int64_t length = static_cast<int64_t>(entry.events.size());
  EvictIfNeeded();
  return AppendResult{length, /*duplicate=*/false};
}

void MemoryHistoryStore::EvictIfNeeded() {
  // Never evicts the entry just used (the front), so an append is always kept.
  while (lru_.size() > 1 &&
         (static_cast<int64_t>(lru_.size()) > options_.max_users || bytes_ > options_.max_bytes)) {
    Entry& victim = lru_.back();
    bytes_ -= victim.bytes;
    index_.erase(victim.user_id);
    lru_.pop_back();
    ++evictions_;
  }
}

absl::StatusOr<int64_t> MemoryHistoryStore::Delete(const std::string& user_id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(user_id);
  if (it == index_.end()) return 0;
  const int64_t n = static_cast<int64_t>(it->second->events.size());
  bytes_ -= it->second->bytes;
  lru_.erase(it->second);
  index_.erase(it);
  return n;
}

absl::StatusOr<int64_t> MemoryHistoryStore::UserCount() {
  std::lock_guard<std::mutex> lock(mu_);
  return static_cast<int64_t>(index_.size());
}

int64_t MemoryHistoryStore::bytes() const {
  std::lock_guard<std::mutex> lock(mu_);
  return bytes_;
}

int64_t MemoryHistoryStore::evictions() const {
  std::lock_guard<std::mutex> lock(mu_);
  return evictions_;
}

}  // namespace shop::recommender
