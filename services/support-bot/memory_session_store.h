// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Sessions in process memory: the embedded default for a single replica. Idle sessions
// expire after `idle_ttl`; beyond `max_sessions` the least recently active are dropped
// (a bound on memory under a flood of new session ids).
#ifndef SHOP_SERVICES_SUPPORT_BOT_MEMORY_SESSION_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_MEMORY_SESSION_STORE_H_

#include <mutex>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "common/container/lru_map.h"
#include "services/support-bot/session_store.h"

namespace shop::supportbot {

struct MemorySessionStoreOptions {
  absl::Duration idle_ttl = absl::Minutes(30);
  int64_t max_sessions = 100000;
  // Injectable clock for tests.
  std::function<absl::Time()> now = [] { return absl::Now(); };
};

class MemorySessionStore : public SessionStore {
 public:
  explicit MemorySessionStore(MemorySessionStoreOptions options = {})
      : options_(std::move(options)) {}

  absl::Status Update(const std::string& session_id, const Mutator& fn) override;
  absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& session_id) override;
  absl::StatusOr<bool> Delete(const std::string& session_id) override;
  absl::StatusOr<int64_t> Size() override;

 private:
  struct Entry {
    SessionRecord record;
    absl::Time last_active;
  };
  // Drops expired sessions and, beyond the cap, the least recently active. Holds mu_.
  void EvictLocked(absl::Time now);

  const MemorySessionStoreOptions options_;
  SessionLocks locks_;
  std::mutex mu_;
  LruMap<Entry> sessions_;  // least recently active last
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_MEMORY_SESSION_STORE_H_
