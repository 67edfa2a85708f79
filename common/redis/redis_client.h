// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// A small Redis client shared by the services' Redis-backed stores (recommender
// histories, support-bot sessions).
//
// hiredis (Debian libhiredis-dev) is the C client Redis itself maintains; a small pool of
// blocking connections is enough because every call is one round trip on loopback or in
// the same zone. A dead connection is dropped and re-dialled on the next call; while Redis
// is down calls return UNAVAILABLE.
#ifndef SHOP_COMMON_REDIS_REDIS_CLIENT_H_
#define SHOP_COMMON_REDIS_REDIS_CLIENT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;
struct redisReply;

namespace shop {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Connect and per-call timeout.
  absl::Duration timeout = absl::Milliseconds(200);
  // Idle connections kept for reuse.
  int pool_size = 8;
  // Sent with AUTH on every new connection when set (Redis `requirepass`); read it from a
  // file with ReadRedisPassword, never from a command line or the environment.
  std::string password;
};

// The password in `path` (a mounted Secret): its first line, without the line break.
// NOT_FOUND when the file cannot be read, INVALID_ARGUMENT when it is empty.
absl::StatusOr<std::string> ReadRedisPassword(const std::string& path);

struct RedisReplyDeleter {
  void operator()(redisReply* r) const;
};
using RedisReplyPtr = std::unique_ptr<redisReply, RedisReplyDeleter>;

class RedisClient {
 public:
  // Connects once to fail fast on a wrong address.
  static absl::StatusOr<std::unique_ptr<RedisClient>> Create(RedisOptions options);
  ~RedisClient();

  // Whether `commands` may be sent a second time after the first sending's outcome is
  // unknown (an I/O error or timeout after they left): kSafe when applying them twice is
  // the same as once (reads, SET of a fixed value, DEL, a write guarded by an idempotency
  // key); kUnsafe otherwise. kUnsafe commands are never re-sent: the caller gets
  // UNAVAILABLE saying the command may have been applied.
  enum class Replay { kSafe, kUnsafe };

  // Sends `commands` pipelined in one round trip (wrapped in MULTI/EXEC when
  // `transaction`) and returns the last reply (EXEC's array, one element per command,
  // for a transaction). An error reply -> INTERNAL, except the transient ones (LOADING,
  // BUSY, MASTERDOWN, TRYAGAIN: the command was not run) -> UNAVAILABLE; no connection ->
  // UNAVAILABLE; `what` names the operation in messages. A pooled connection the server
  // closed while it was idle is found before anything is sent on it and re-dialled, so a
  // Redis restart costs no call; a kSafe call whose reply is lost is sent once more on a
  // fresh connection.
  absl::StatusOr<RedisReplyPtr> Execute(const std::vector<std::vector<std::string>>& commands,
                                        bool transaction, Replay replay, absl::string_view what)
      ABSL_LOCKS_EXCLUDED(mu_);

  const RedisOptions& options() const { return options_; }

 private:
  class Connection;
  explicit RedisClient(RedisOptions options);
  // A pooled connection that is still open, or a new one when `fresh` or none is.
  // Both take mu_ only to move a connection in or out of idle_: dialling, AUTH and the
  // liveness check run unlocked.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(bool fresh = false) ABSL_LOCKS_EXCLUDED(mu_);
  void Release(std::unique_ptr<Connection> connection) ABSL_LOCKS_EXCLUDED(mu_);

  const RedisOptions options_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shop

#endif  // SHOP_COMMON_REDIS_REDIS_CLIENT_H_
