// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Histories in Redis, so that several recommender replicas see the same shopper. One list
// per user, key `<prefix><user_id>`, entries HistoryEvent::Encode(), trimmed to the last
// `max_events_per_user` and expiring after `ttl` without events. An append is one Lua
// script (duplicate check by event id, insert in time order, LTRIM, PEXPIRE), so readers
// never see an untrimmed list and two replicas never store one event twice.
// Connections: common/redis/redis_client.h.
#ifndef SHOP_SERVICES_RECOMMENDER_REDIS_HISTORY_STORE_H_
#define SHOP_SERVICES_RECOMMENDER_REDIS_HISTORY_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/redis/redis_client.h"
#include "services/recommender/history_store.h"

namespace shop::recommender {

struct RedisHistoryStoreOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string key_prefix = "shop:rec:hist:";
  int max_events_per_user = 200;
  absl::Duration ttl = absl::Hours(24 * 90);
  absl::Duration timeout = absl::Milliseconds(200);
  int pool_size = 8;
  std::string password;  // Redis AUTH (RedisOptions::password); empty = none
};

class RedisHistoryStore : public HistoryStore {
 public:
  // Connects once to fail fast on a wrong address.
  static absl::StatusOr<std::unique_ptr<RedisHistoryStore>> Create(
      RedisHistoryStoreOptions options);
  ~RedisHistoryStore() override;

  absl::StatusOr<std::vector<HistoryEvent>> Get(const std::string& user_id) override;
  absl::StatusOr<AppendResult> Record(const std::string& user_id,
                                      const HistoryEvent& event) override;
  absl::StatusOr<int64_t> Delete(const std::string& user_id) override;
  // Keys in the Redis database: give the store a database of its own for this to be exact.
  absl::StatusOr<int64_t> UserCount() override;

 private:
  RedisHistoryStore(RedisHistoryStoreOptions options, std::unique_ptr<RedisClient> redis);
  std::string Key(const std::string& user_id) const { return options_.key_prefix + user_id; }

  const RedisHistoryStoreOptions options_;
  std::unique_ptr<RedisClient> redis_;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_REDIS_HISTORY_STORE_H_
