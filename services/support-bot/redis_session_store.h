// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Sessions in Redis, so that several support-bot replicas serve one conversation. One
// string per session (`<prefix><id>`, the serialized SessionRecord) expiring after the
// idle time. Update() takes a per-session lock (`<prefix>lock:<id>`, SET NX PX with a
// random token, released by a compare-and-delete script) around read-modify-write, so
// messages of one session never interleave across replicas; inside a replica a FIFO lock
// keeps arrival order. A lock whose holder died expires after `lock_ttl`.
#ifndef SHOP_SERVICES_SUPPORT_BOT_REDIS_SESSION_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_REDIS_SESSION_STORE_H_

#include <memory>
#include <string>

#include "absl/time/time.h"
#include "common/redis/redis_client.h"
#include "services/support-bot/session_store.h"

namespace shop::supportbot {

struct RedisSessionStoreOptions {
  RedisOptions redis;
  std::string key_prefix = "shop:bot:session:";
  absl::Duration idle_ttl = absl::Minutes(30);
  // Longest a turn may hold a session (a crashed replica's lock expires after this).
  absl::Duration lock_ttl = absl::Seconds(30);
  // Longest Update waits for another replica's turn before UNAVAILABLE.
  absl::Duration lock_wait = absl::Seconds(10);
};

class RedisSessionStore : public SessionStore {
 public:
  static absl::StatusOr<std::unique_ptr<RedisSessionStore>> Create(
      RedisSessionStoreOptions options);

  absl::Status Update(const std::string& session_id, const Mutator& fn) override;
  absl::StatusOr<std::optional<SessionRecord>> Get(const std::string& session_id) override;
  absl::StatusOr<bool> Delete(const std::string& session_id) override;
  absl::StatusOr<int64_t> Size() override;

 private:
  RedisSessionStore(RedisSessionStoreOptions options, std::unique_ptr<RedisClient> redis)
      : options_(std::move(options)), redis_(std::move(redis)) {}
  std::string Key(const std::string& id) const { return options_.key_prefix + id; }
  std::string LockKey(const std::string& id) const { return options_.key_prefix + "lock:" + id; }
  // Returns the lock token once held.
  absl::StatusOr<std::string> Lock(const std::string& id);
  void Unlock(const std::string& id, const std::string& token);
  absl::StatusOr<std::optional<SessionRecord>> Read(const std::string& id);

  const RedisSessionStoreOptions options_;
  std::unique_ptr<RedisClient> redis_;
  SessionLocks locks_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_REDIS_SESSION_STORE_H_
