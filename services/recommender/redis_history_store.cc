// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/redis_history_store.h"

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"

namespace shop::recommender {

absl::StatusOr<std::unique_ptr<RedisHistoryStore>> RedisHistoryStore::Create(
    RedisHistoryStoreOptions options) {
  if (options.max_events_per_user < 1) {
    return absl::InvalidArgumentError("history max_events_per_user must be >= 1");
  }
  if (options.ttl < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("history ttl must be at least 1ms");
  }
  RedisOptions redis;
  redis.host = options.host;
  redis.port = options.port;
  redis.timeout = options.timeout;
  redis.pool_size = options.pool_size;
  redis.password = options.password;
  ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> client, RedisClient::Create(std::move(redis)));
  return std::unique_ptr<RedisHistoryStore>(
      new RedisHistoryStore(std::move(options), std::move(client)));
}

RedisHistoryStore::RedisHistoryStore(RedisHistoryStoreOptions options,
                                     std::unique_ptr<RedisClient> redis)
    : options_(std::move(options)), redis_(std::move(redis)) {}

RedisHistoryStore::~RedisHistoryStore() = default;

absl::StatusOr<std::vector<HistoryEvent>> RedisHistoryStore::Get(const std::string& user_id) {
  ASSIGN_OR_RETURN(RedisReplyPtr r, redis_->Execute({{"LRANGE", Key(user_id), "0", "-1"}},
                                                    /*transaction=*/false, "LRANGE"));
  std::vector<HistoryEvent> events;
  if (r->type != REDIS_REPLY_ARRAY) return events;
  events.reserve(r->elements);
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    auto event = HistoryEvent::Decode(absl::string_view(e->str, e->len));
    if (event.ok()) events.push_back(*std::move(event));  // skip a corrupt entry, keep the rest
  }
  return events;
}

absl::StatusOr<int64_t> RedisHistoryStore::Append(const std::string& user_id,
                                                  const HistoryEvent& event) {
  const std::string key = Key(user_id);
  ASSIGN_OR_RETURN(
      RedisReplyPtr exec,
      redis_->Execute({{"RPUSH", key, event.Encode()},
                       {"LTRIM", key, absl::StrCat(-options_.max_events_per_user), "-1"},
                       {"PEXPIRE", key, absl::StrCat(absl::ToInt64Milliseconds(options_.ttl))}},
                      /*transaction=*/true, "append"));
  if (exec->element[0]->type != REDIS_REPLY_INTEGER) {
    return absl::InternalError("redis append: RPUSH did not return a length");
  }
  return std::min<int64_t>(exec->element[0]->integer, options_.max_events_per_user);
}

absl::StatusOr<int64_t> RedisHistoryStore::Delete(const std::string& user_id) {
  const std::string key = Key(user_id);
  // LLEN and DEL in one transaction: the count reported is what was erased.
  ASSIGN_OR_RETURN(RedisReplyPtr exec,
                   redis_->Execute({{"LLEN", key}, {"DEL", key}}, /*transaction=*/true, "delete"));
  // A key that is not a list (written by something else) has no events to count, but
  // DEL removed it all the same: the user is erased either way.
  if (exec->element[0]->type != REDIS_REPLY_INTEGER) return 0;
  return exec->element[0]->integer;
}

absl::StatusOr<int64_t> RedisHistoryStore::UserCount() {
  ASSIGN_OR_RETURN(RedisReplyPtr r, redis_->Execute({{"DBSIZE"}}, /*transaction=*/false, "DBSIZE"));
  return r->integer;
}

}  // namespace shop::recommender
