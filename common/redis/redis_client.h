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
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
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

  // Sends `commands` pipelined in one round trip (wrapped in MULTI/EXEC when
  // `transaction`) and returns the last reply (EXEC's array, one element per command,
  // for a transaction). An error reply -> INTERNAL, except the transient ones (LOADING,
  // BUSY, MASTERDOWN, TRYAGAIN: the command was not run) -> UNAVAILABLE; no connection ->
  // UNAVAILABLE; `what` names the operation in messages.
  absl::StatusOr<RedisReplyPtr> Execute(const std::vector<std::vector<std::string>>& commands,
                                        bool transaction, absl::string_view what);

  const RedisOptions& options() const { return options_; }

 private:
  class Connection;
  explicit RedisClient(RedisOptions options);
  // A pooled connection, or a new one when `fresh` or the pool is empty.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(bool fresh = false);
  void Release(std::unique_ptr<Connection> connection);

  const RedisOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace shop

#endif  // SHOP_COMMON_REDIS_REDIS_CLIENT_H_
