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
  ASSIGN_OR_RETURN(RedisReplyPtr r,
                   redis_->Execute({{"LRANGE", Key(user_id), "0", "-1"}},
                                   /*transaction=*/false, RedisClient::Replay::kSafe, "LRANGE"));
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

namespace {

// One append, run atomically inside Redis, so that the duplicate check, the insert in time
// order and the trim cannot interleave with another replica's append to the same user.
// KEYS[1]: the user's list. ARGV: [1] the encoded event, [2] its time (ms), [3] events
// kept, [4] TTL (ms), [5] its event id or "". Returns {length, duplicate (0/1)}.
constexpr char kAppendScript[] = R"lua(
local key = KEYS[1]
local t = tonumber(ARGV[2])
local events = redis.call('LRANGE', key, 0, -1)
if ARGV[5] ~= '' then
  for i = #events, 1, -1 do
    if string.match(events[i], '^%de|%-?%d+|([^|]*)|') == ARGV[5] then
      return {#events, 1}
    end
  end
end
-- The place after the last event not newer than this one (ties keep arrival order).
local at = #events
while at > 0 do
  local et = tonumber(string.match(events[at], '^%de?|(%-?%d+)|'))
  if et == nil or et <= t then break end
  at = at - 1
end
if at == #events then
  redis.call('RPUSH', key, ARGV[1])
else
  -- Rare (a late event): rewrite the list, since LINSERT finds a pivot by value and equal
  -- entries would put the event at the wrong one.
  table.insert(events, at + 1, ARGV[1])
  redis.call('DEL', key)
  for i = 1, #events, 1000 do
    redis.call('RPUSH', key, unpack(events, i, math.min(i + 999, #events)))
  end
end
redis.call('LTRIM', key, -tonumber(ARGV[3]), -1)
redis.call('PEXPIRE', key, ARGV[4])
return {redis.call('LLEN', key), 0}
)lua";

}  // namespace

absl::StatusOr<AppendResult> RedisHistoryStore::Record(const std::string& user_id,
                                                       const HistoryEvent& event) {
  if (event.event_id.find('|') != std::string::npos) {
    return absl::InvalidArgumentError("an event id may not contain '|'");
  }
  // With an event id a re-sent script finds the event and changes nothing, so the client
  // may retry it on a fresh connection; without one it must not (it would store it twice).
  const RedisClient::Replay replay =
      event.event_id.empty() ? RedisClient::Replay::kUnsafe : RedisClient::Replay::kSafe;
  ASSIGN_OR_RETURN(
      RedisReplyPtr r,
      redis_->Execute({{"EVAL", kAppendScript, "1", Key(user_id), event.Encode(),
                        absl::StrCat(event.time_ms), absl::StrCat(options_.max_events_per_user),
                        absl::StrCat(absl::ToInt64Milliseconds(options_.ttl)), event.event_id}},
                      /*transaction=*/false, replay, "append"));
  if (r->type != REDIS_REPLY_ARRAY || r->elements != 2 ||
      r->element[0]->type != REDIS_REPLY_INTEGER || r->element[1]->type != REDIS_REPLY_INTEGER) {
    return absl::InternalError("redis append: the script returned an unexpected reply");
  }
  return AppendResult{r->element[0]->integer, r->element[1]->integer != 0};
}

absl::StatusOr<int64_t> RedisHistoryStore::Delete(const std::string& user_id) {
  const std::string key = Key(user_id);
  // LLEN and DEL in one transaction: the count reported is what was erased.
  ASSIGN_OR_RETURN(RedisReplyPtr exec,
                   redis_->Execute({{"LLEN", key}, {"DEL", key}}, /*transaction=*/true,
                                   RedisClient::Replay::kSafe, "delete"));
  // A key that is not a list (written by something else) has no events to count, but
  // DEL removed it all the same: the user is erased either way.
  if (exec->element[0]->type != REDIS_REPLY_INTEGER) return 0;
  return exec->element[0]->integer;
}

absl::StatusOr<int64_t> RedisHistoryStore::UserCount() {
  ASSIGN_OR_RETURN(RedisReplyPtr r, redis_->Execute({{"DBSIZE"}}, /*transaction=*/false,
                                                    RedisClient::Replay::kSafe, "DBSIZE"));
  return r->integer;
}

}  // namespace shop::recommender
