// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/redis_session_store.h"

#include <hiredis/hiredis.h>

#include <random>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace shop::supportbot {
namespace {

// Deletes the lock only if it still holds our token (it may have expired and been
// taken by another replica meanwhile).
constexpr char kUnlockScript[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";

std::string RandomToken() {
  thread_local std::mt19937_64 rng(std::random_device{}());
  return absl::StrCat(rng(), "-", rng());
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisSessionStore>> RedisSessionStore::Create(
    RedisSessionStoreOptions options) {
  if (options.idle_ttl < absl::Milliseconds(1) || options.lock_ttl < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("session idle_ttl and lock_ttl must be at least 1ms");
  }
  ASSIGN_OR_RETURN(std::unique_ptr<RedisClient> redis, RedisClient::Create(options.redis));
  return std::unique_ptr<RedisSessionStore>(
      new RedisSessionStore(std::move(options), std::move(redis)));
}

absl::StatusOr<std::string> RedisSessionStore::Lock(const std::string& id) {
  const std::string token = RandomToken();
  const absl::Time give_up = absl::Now() + options_.lock_wait;
  absl::Duration backoff = absl::Milliseconds(1);
  while (true) {
    ASSIGN_OR_RETURN(
        RedisReplyPtr r,
        redis_->Execute({{"SET", LockKey(id), token, "NX", "PX",
                          absl::StrCat(absl::ToInt64Milliseconds(options_.lock_ttl))}},
                        // Re-sent after a lost reply, it would find
                        // its own lock and wait for it to expire.
                        /*transaction=*/false, RedisClient::Replay::kUnsafe, "session lock"));
    if (r->type == REDIS_REPLY_STATUS) return token;  // "OK"; nil when held by another
    if (absl::Now() >= give_up) {
      return absl::UnavailableError(
          absl::StrCat("session ", id, " is busy on another replica; retry"));
    }
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Milliseconds(20));
  }
}

void RedisSessionStore::Unlock(const std::string& id, const std::string& token) {
  auto r = redis_->Execute({{"EVAL", kUnlockScript, "1", LockKey(id), token}},
                           /*transaction=*/false, RedisClient::Replay::kSafe, "session unlock");
  // Not fatal: the lock expires after lock_ttl.
  if (!r.ok()) Log(LogLevel::kWarning, "session_unlock_failed", {{"error", r.status()}});
}

absl::StatusOr<std::optional<SessionRecord>> RedisSessionStore::Read(const std::string& id) {
  ASSIGN_OR_RETURN(RedisReplyPtr r, redis_->Execute({{"GET", Key(id)}}, /*transaction=*/false,
                                                    RedisClient::Replay::kSafe, "session get"));
  if (r->type != REDIS_REPLY_STRING) return std::optional<SessionRecord>();
  SessionRecord record;
  if (!record.ParseFromArray(r->str, static_cast<int>(r->len))) {
    // Written by an incompatible release: start over rather than fail every turn.
    Log(LogLevel::kWarning, "session_unreadable", {{"session_id", SessionIdForLogs(id)}});
    return std::optional<SessionRecord>();
  }
  return std::optional<SessionRecord>(std::move(record));
}

absl::Status RedisSessionStore::Update(const std::string& session_id, const Mutator& fn) {
  SessionLocks::Guard local = locks_.Acquire(session_id);
  ASSIGN_OR_RETURN(std::string token, Lock(session_id));
  struct Unlocker {
    RedisSessionStore* store;
    const std::string& id;
    const std::string& token;
    ~Unlocker() { store->Unlock(id, token); }
  } unlocker{this, session_id, token};
  ASSIGN_OR_RETURN(std::optional<SessionRecord> stored, Read(session_id));
  const bool created = !stored.has_value();
  SessionRecord working = created ? SessionRecord() : *std::move(stored);
  if (created) working.set_session_id(session_id);
  RETURN_IF_ERROR(fn(working, created));
  std::string bytes;
  working.SerializeToString(&bytes);
  ASSIGN_OR_RETURN(
      RedisReplyPtr r,
      redis_->Execute({{"SET", Key(session_id), bytes, "PX",
                        absl::StrCat(absl::ToInt64Milliseconds(options_.idle_ttl))}},
                      /*transaction=*/false, RedisClient::Replay::kSafe, "session save"));
  return absl::OkStatus();
}

absl::StatusOr<std::optional<SessionRecord>> RedisSessionStore::Get(const std::string& session_id) {
  return Read(session_id);
}

absl::StatusOr<bool> RedisSessionStore::Delete(const std::string& session_id) {
  SessionLocks::Guard local = locks_.Acquire(session_id);
  ASSIGN_OR_RETURN(std::string token, Lock(session_id));
  auto r = redis_->Execute({{"DEL", Key(session_id)}}, /*transaction=*/false,
                           RedisClient::Replay::kSafe, "session delete");
  Unlock(session_id, token);
  if (!r.ok()) return r.status();
  return (*r)->integer > 0;
}

absl::StatusOr<int64_t> RedisSessionStore::Size() {
  // SCAN, not KEYS: it does not block Redis on a large keyspace.
  int64_t count = 0;
  std::string cursor = "0";
  const std::string lock_prefix = options_.key_prefix + "lock:";
  do {
    ASSIGN_OR_RETURN(
        RedisReplyPtr r,
        redis_->Execute({{"SCAN", cursor, "MATCH", options_.key_prefix + "*", "COUNT", "1000"}},
                        /*transaction=*/false, RedisClient::Replay::kSafe, "session scan"));
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
      return absl::InternalError("redis session scan: unexpected reply");
    }
    cursor = std::string(r->element[0]->str, r->element[0]->len);
    const redisReply* keys = r->element[1];
    for (size_t i = 0; i < keys->elements; ++i) {
      if (!absl::StartsWith(absl::string_view(keys->element[i]->str, keys->element[i]->len),
                            lock_prefix)) {
        ++count;
      }
    }
  } while (cursor != "0");
  return count;
}

}  // namespace shop::supportbot
