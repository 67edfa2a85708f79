// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/memory_session_store.h"

namespace shop::supportbot {

absl::Status MemorySessionStore::Update(const std::string& session_id, const Mutator& fn) {
  SessionLocks::Guard guard = locks_.Acquire(session_id);
  SessionRecord working;
  bool created = true;
  {
    std::lock_guard<std::mutex> lock(mu_);
    const absl::Time now = options_.now();
    EvictLocked(now);
    auto it = sessions_.find(session_id);
    if (it != sessions_.end()) {
      working = it->second.record;
      created = false;
    }
  }
  if (created) working.set_session_id(session_id);
  // The function runs outside mu_ (it may call models and databases); the session lock
  // keeps other messages of this session out meanwhile.
  absl::Status status = fn(working, created);
  if (!status.ok()) return status;
  std::lock_guard<std::mutex> lock(mu_);
  const absl::Time now = options_.now();
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) {
    lru_.push_front(session_id);
    it = sessions_.emplace(session_id, Entry{std::move(working), now, lru_.begin()}).first;
  } else {
    it->second.record = std::move(working);
    it->second.last_active = now;
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  EvictLocked(now);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SessionRecord>> MemorySessionStore::Get(
    const std::string& session_id) {
  std::lock_guard<std::mutex> lock(mu_);
  EvictLocked(options_.now());
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return std::optional<SessionRecord>();
  return std::optional<SessionRecord>(it->second.record);
}

absl::StatusOr<bool> MemorySessionStore::Delete(const std::string& session_id) {
  // Waits for a turn in progress, so a deletion is not undone by its save.
  SessionLocks::Guard guard = locks_.Acquire(session_id);
  std::lock_guard<std::mutex> lock(mu_);
  auto it = sessions_.find(session_id);
  if (it == sessions_.end()) return false;
  lru_.erase(it->second.lru);
  sessions_.erase(it);
  return true;
}

absl::StatusOr<int64_t> MemorySessionStore::Size() {
  std::lock_guard<std::mutex> lock(mu_);
  EvictLocked(options_.now());
  return static_cast<int64_t>(sessions_.size());
}

void MemorySessionStore::EvictLocked(absl::Time now) {
  // The LRU tail is the least recently active: expired ones are all there.
  while (!lru_.empty()) {
    auto it = sessions_.find(lru_.back());
    const bool expired = now - it->second.last_active > options_.idle_ttl;
    const bool over_cap = static_cast<int64_t>(sessions_.size()) > options_.max_sessions;
    if (!expired && !over_cap) break;
    sessions_.erase(it);
    lru_.pop_back();
  }
}

}  // namespace shop::supportbot
