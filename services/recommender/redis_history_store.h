// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Histories in Redis, so that several recommender replicas see the same shopper. One list
// per user, key `<prefix><user_id>`, entries HistoryEvent::Encode(), trimmed to the last
// `max_events_per_user` and expiring after `ttl` without events. Appends are one
// MULTI/EXEC (RPUSH + LTRIM + PEXPIRE), so readers never see an untrimmed list.
//
// hiredis (Debian libhiredis-dev) is the C client Redis itself maintains; a small pool of
// blocking connections is enough because every call is one round trip on loopback or in
// the same zone. A dead connection is dropped and re-dialled on the next call; while Redis
// is down calls return UNAVAILABLE.
#ifndef SHOP_SERVICES_RECOMMENDER_REDIS_HISTORY_STORE_H_
#define SHOP_SERVICES_RECOMMENDER_REDIS_HISTORY_STORE_H_

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/recommender/history_store.h"

struct redisContext;
struct redisReply;

namespace shop::recommender {

struct RedisHistoryStoreOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string key_prefix = "shop:rec:hist:";
  int max_events_per_user = 200;
  absl::Duration ttl = absl::Hours(24 * 90);
  absl::Duration timeout = absl::Milliseconds(200);
  int pool_size = 8;
};

class RedisHistoryStore : public HistoryStore {
 public:
  // Connects once to fail fast on a wrong address.
  static absl::StatusOr<std::unique_ptr<RedisHistoryStore>> Create(RedisHistoryStoreOptions options);
  ~RedisHistoryStore() override;

  absl::StatusOr<std::vector<HistoryEvent>> Get(const std::string& user_id) override;
  absl::StatusOr<int64_t> Append(const std::string& user_id, const HistoryEvent& event) override;
  absl::StatusOr<int64_t> Delete(const std::string& user_id) override;
  // Keys in the Redis database: give the store a database of its own for this to be exact.
  absl::StatusOr<int64_t> UserCount() override;

 private:
  class Connection;
  struct ReplyDeleter {
    void operator()(redisReply* r) const;
  };
  using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;
  explicit RedisHistoryStore(RedisHistoryStoreOptions options);
  // A pooled connection, or a new one when `fresh` or the pool is empty.
  absl::StatusOr<std::unique_ptr<Connection>> Acquire(bool fresh = false);
  void Release(std::unique_ptr<Connection> connection);
  std::string Key(const std::string& user_id) const { return options_.key_prefix + user_id; }
  // Sends `commands` pipelined (wrapped in MULTI/EXEC when `transaction`) and returns
  // the last reply (EXEC's array, one element per command, for a transaction).
  absl::StatusOr<ReplyPtr> Execute(const std::vector<std::vector<std::string>>& commands,
                                   bool transaction, absl::string_view what);

  const RedisHistoryStoreOptions options_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_REDIS_HISTORY_STORE_H_
