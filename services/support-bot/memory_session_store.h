// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Sessions in process memory: the embedded default for a single replica. Idle sessions
// expire after `idle_ttl`; beyond `max_sessions` the least recently active are dropped
// (a bound on memory under a flood of new session ids).
#ifndef SHOP_SERVICES_SUPPORT_BOT_MEMORY_SESSION_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_MEMORY_SESSION_STORE_H_

#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
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

  absl::Status Update(const std::string& session_id, const Mutator& fn) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& session_id) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<bool> Delete(const std::string& session_id) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<int64_t> Size() override ABSL_LOCKS_EXCLUDED(mu_);

 private:
  struct Entry {
    SessionRecord record;
    absl::Time last_active;
  };
  // Drops expired sessions and, beyond the cap, the least recently active.
  void EvictLocked(absl::Time now) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  const MemorySessionStoreOptions options_;
  SessionLocks locks_;
  absl::Mutex mu_;
  LruMap<Entry> sessions_ ABSL_GUARDED_BY(mu_);  // least recently active last
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_MEMORY_SESSION_STORE_H_
