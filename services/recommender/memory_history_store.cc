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
  absl::MutexLock lock(&mu_);
  const Entry* entry = users_.Find(user_id);
  if (entry == nullptr) return std::vector<HistoryEvent>{};
  return std::vector<HistoryEvent>(entry->events.begin(), entry->events.end());
}

absl::StatusOr<AppendResult> MemoryHistoryStore::Record(const std::string& user_id,
                                                        const HistoryEvent& event) {
  absl::MutexLock lock(&mu_);
  auto [found, created] = users_.FindOrInsert(user_id);
  Entry& entry = *found;
  if (created) {
    entry.bytes = kEntryOverhead + static_cast<int64_t>(user_id.size());
    bytes_ += entry.bytes;
  }
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
  while (users_.size() > 1 && (static_cast<int64_t>(users_.size()) > options_.max_users ||
                               bytes_ > options_.max_bytes)) {
    bytes_ -= users_.Oldest().second.bytes;
    users_.PopOldest();
    ++evictions_;
  }
}

absl::StatusOr<int64_t> MemoryHistoryStore::Delete(const std::string& user_id) {
  absl::MutexLock lock(&mu_);
  const Entry* entry = users_.Peek(user_id);
  if (entry == nullptr) return 0;
  const int64_t n = static_cast<int64_t>(entry->events.size());
  bytes_ -= entry->bytes;
  users_.Erase(user_id);
  return n;
}

absl::StatusOr<int64_t> MemoryHistoryStore::UserCount() {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(users_.size());
}

int64_t MemoryHistoryStore::bytes() const {
  absl::MutexLock lock(&mu_);
  return bytes_;
}

int64_t MemoryHistoryStore::evictions() const {
  absl::MutexLock lock(&mu_);
  return evictions_;
}

}  // namespace shop::recommender
