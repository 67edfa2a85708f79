// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/memory_session_store.h"

namespace shop::supportbot {

absl::Status MemorySessionStore::Update(const std::string& session_id, const Mutator& fn) {
  SessionLocks::Guard guard = locks_.Acquire(session_id);
  SessionRecord working;
  bool created = true;
  {
    absl::MutexLock lock(&mu_);
    const absl::Time now = options_.now();
    EvictLocked(now);
    if (const Entry* entry = sessions_.Peek(session_id)) {
      working = entry->record;
      created = false;
    }
  }
  if (created) working.set_session_id(session_id);
  // The function runs outside mu_ (it may call models and databases); the session lock
  // keeps other messages of this session out meanwhile.
  absl::Status status = fn(working, created);
  if (!status.ok()) return status;
  absl::MutexLock lock(&mu_);
  const absl::Time now = options_.now();
  Entry* entry = sessions_.FindOrInsert(session_id).first;
  entry->record = std::move(working);
  entry->last_active = now;
  EvictLocked(now);
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SessionRecord>> MemorySessionStore::Get(
    const std::string& session_id) {
  absl::MutexLock lock(&mu_);
  EvictLocked(options_.now());
  // A read is not activity: it does not keep a session alive.
  const Entry* entry = sessions_.Peek(session_id);
  if (entry == nullptr) return std::optional<SessionRecord>();
  return std::optional<SessionRecord>(entry->record);
}

absl::StatusOr<bool> MemorySessionStore::Delete(const std::string& session_id) {
  // Waits for a turn in progress, so a deletion is not undone by its save.
  SessionLocks::Guard guard = locks_.Acquire(session_id);
  absl::MutexLock lock(&mu_);
  return sessions_.Erase(session_id);
}

absl::StatusOr<int64_t> MemorySessionStore::Size() {
  absl::MutexLock lock(&mu_);
  EvictLocked(options_.now());
  return static_cast<int64_t>(sessions_.size());
}

void MemorySessionStore::EvictLocked(absl::Time now) {
  // The LRU tail is the least recently active: expired ones are all there.
  while (!sessions_.empty()) {
    const bool expired = now - sessions_.Oldest().second.last_active > options_.idle_ttl;
    const bool over_cap = static_cast<int64_t>(sessions_.size()) > options_.max_sessions;
    if (!expired && !over_cap) break;
    sessions_.PopOldest();
  }
}

}  // namespace shop::supportbot
