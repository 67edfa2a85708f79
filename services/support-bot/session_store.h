// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Where conversations live between turns. Two implementations: in process memory (the
// embedded default, one replica) and Redis (several replicas share sessions).
//
// Every change goes through Update(), which runs the caller's function on the session
// with exclusive access: messages of one session are handled one at a time, in the
// order they arrived (FIFO per session inside a process; across replicas a Redis lock
// serialises them). Sessions idle longer than the configured time expire; a message for
// an unknown or expired session starts a new one.
#ifndef SHOP_SERVICES_SUPPORT_BOT_SESSION_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_SESSION_STORE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "shop/supportbot/internal/session.pb.h"

namespace shop::supportbot {

using internal::SessionRecord;

// A session id for logs: its first 10 characters ("s-" and 32 of its 128 random bits),
// enough to correlate log lines, useless as the key a guest session's id is.
inline std::string SessionIdForLogs(const std::string& id) {
  return id.size() <= 10 ? id : id.substr(0, 10) + "...";
}

class SessionStore {
 public:
  // `created` is true when the session did not exist (or had expired) and `session` is a
  // fresh record with only its id set. Returning an error discards the changes.
  using Mutator = std::function<absl::Status(SessionRecord& session, bool created)>;

  virtual ~SessionStore() = default;
  virtual absl::Status Update(const std::string& session_id, const Mutator& fn) = 0;
  // nullopt when unknown or expired.
  virtual absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& session_id) = 0;
  // True when a session was deleted.
  virtual absl::StatusOr<bool> Delete(const std::string& session_id) = 0;
  // Live sessions (Redis: keys under the store's prefix, sampled with SCAN).
  virtual absl::StatusOr<int64_t> Size() = 0;
};

// FIFO locks keyed by session id, created on demand and dropped when unused.
class SessionLocks {
 public:
  class Guard {
   public:
    Guard(SessionLocks* locks, std::string id) : locks_(locks), id_(std::move(id)) {}
    Guard(Guard&& other) noexcept : locks_(other.locks_), id_(std::move(other.id_)) {
      other.locks_ = nullptr;
    }
    Guard(const Guard&) = delete;
    ~Guard() {
      if (locks_ != nullptr) locks_->Release(id_);
    }

   private:
    SessionLocks* locks_;
    std::string id_;
  };

  // Blocks until every earlier Acquire of `id` has been released.
  Guard Acquire(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);

 private:
  // Only reached through entries_, so under mu_ too (an annotation here cannot name the
  // enclosing object's mutex).
  struct Entry {
    uint64_t next_ticket = 0;
    uint64_t serving = 0;
    absl::CondVar cv;  // one per session: a release wakes only that session's waiters
  };
  void Release(const std::string& id) ABSL_LOCKS_EXCLUDED(mu_);

  absl::Mutex mu_;
  std::unordered_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_SESSION_STORE_H_
