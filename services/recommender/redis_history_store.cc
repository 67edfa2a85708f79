// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/redis_history_store.h"

#include <hiredis/hiredis.h>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/status_macros.h"

namespace shop::recommender {

// One blocking hiredis connection. `broken` marks it for disposal after an I/O error.
void RedisHistoryStore::ReplyDeleter::operator()(redisReply* r) const {
  if (r != nullptr) freeReplyObject(r);
}

class RedisHistoryStore::Connection {
 public:
  explicit Connection(redisContext* context) : context_(context) {}
  ~Connection() {
    if (context_ != nullptr) redisFree(context_);
  }
  redisContext* get() { return context_; }
  bool broken = false;

 private:
  redisContext* context_;
};

namespace {


absl::Status ReplyError(redisContext* c, const redisReply* r, absl::string_view what) {
  if (r == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", what, " failed: ", c->errstr[0] ? c->errstr : "no reply"));
  }
  if (r->type == REDIS_REPLY_ERROR) {
    return absl::InternalError(absl::StrCat("redis ", what, ": ", std::string(r->str, r->len)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::unique_ptr<RedisHistoryStore>> RedisHistoryStore::Create(
    RedisHistoryStoreOptions options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("redis pool_size must be >= 1");
  std::unique_ptr<RedisHistoryStore> store(new RedisHistoryStore(std::move(options)));
  auto connection = store->Acquire();
  if (!connection.ok()) return connection.status();
  store->Release(*std::move(connection));
  return store;
}

RedisHistoryStore::RedisHistoryStore(RedisHistoryStoreOptions options)
    : options_(std::move(options)) {}

RedisHistoryStore::~RedisHistoryStore() = default;

absl::StatusOr<std::unique_ptr<RedisHistoryStore::Connection>> RedisHistoryStore::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      return c;
    }
  }
  const timeval tv = absl::ToTimeval(options_.timeout);
  redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  if (c == nullptr || c->err) {
    const std::string error = c ? c->errstr : "out of memory";
    if (c) redisFree(c);
    return absl::UnavailableError(absl::StrCat("cannot connect to redis at ", options_.host, ":",
                                               options_.port, ": ", error));
  }
  redisSetTimeout(c, tv);
  return std::make_unique<Connection>(c);
}

void RedisHistoryStore::Release(std::unique_ptr<Connection> connection) {
  if (connection->broken) return;  // dropped; the next Acquire dials a fresh one
  std::lock_guard<std::mutex> lock(mu_);
  if (static_cast<int>(idle_.size()) < options_.pool_size) idle_.push_back(std::move(connection));
}

absl::StatusOr<std::vector<HistoryEvent>> RedisHistoryStore::Get(const std::string& user_id) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  const std::string key = Key(user_id);
  ReplyPtr r(static_cast<redisReply*>(
      redisCommand((*conn)->get(), "LRANGE %b 0 -1", key.data(), key.size())));
  absl::Status s = ReplyError((*conn)->get(), r.get(), "LRANGE");
  (*conn)->broken = r == nullptr;
  Release(*std::move(conn));
  if (!s.ok()) return s;
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

absl::StatusOr<RedisHistoryStore::ReplyPtr> RedisHistoryStore::Transaction(
    const std::vector<std::vector<std::string>>& commands, absl::string_view what) {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  redisContext* c = (*conn)->get();
  // MULTI, the commands, EXEC: pipelined in one round trip, applied atomically.
  auto append = [c](const std::vector<std::string>& args) {
    std::vector<const char*> argv;
    std::vector<size_t> lengths;
    for (const std::string& a : args) {
      argv.push_back(a.data());
      lengths.push_back(a.size());
    }
    redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data());
  };
  append({"MULTI"});
  for (const auto& command : commands) append(command);
  append({"EXEC"});
  absl::Status status;
  ReplyPtr exec;
  const size_t replies = commands.size() + 2;
  for (size_t i = 0; i < replies && status.ok(); ++i) {
    redisReply* raw = nullptr;
    if (redisGetReply(c, reinterpret_cast<void**>(&raw)) != REDIS_OK) raw = nullptr;
    ReplyPtr r(raw);
    status = ReplyError(c, r.get(), what);
    if (i + 1 == replies) exec = std::move(r);
  }
  // Replies left unread after an error would be mistaken for the next call's.
  if (!status.ok()) (*conn)->broken = true;
  Release(*std::move(conn));
  if (!status.ok()) return status;
  if (exec->type != REDIS_REPLY_ARRAY || exec->elements != commands.size()) {
    return absl::InternalError(absl::StrCat("redis ", what, ": transaction aborted"));
  }
  return exec;
}

absl::StatusOr<int64_t> RedisHistoryStore::Append(const std::string& user_id,
                                                  const HistoryEvent& event) {
  const std::string key = Key(user_id);
  ASSIGN_OR_RETURN(
      ReplyPtr exec,
      Transaction({{"RPUSH", key, event.Encode()},
                   {"LTRIM", key, absl::StrCat(-options_.max_events_per_user), "-1"},
                   {"PEXPIRE", key, absl::StrCat(absl::ToInt64Milliseconds(options_.ttl))}},
                  "append"));
  if (exec->element[0]->type != REDIS_REPLY_INTEGER) {
    return absl::InternalError("redis append: RPUSH did not return a length");
  }
  return std::min<int64_t>(exec->element[0]->integer, options_.max_events_per_user);
}

absl::StatusOr<int64_t> RedisHistoryStore::Delete(const std::string& user_id) {
  const std::string key = Key(user_id);
  // LLEN and DEL in one transaction: the count reported is what was erased.
  ASSIGN_OR_RETURN(ReplyPtr exec, Transaction({{"LLEN", key}, {"DEL", key}}, "delete"));
  return exec->element[0]->integer;
}

absl::StatusOr<int64_t> RedisHistoryStore::UserCount() {
  auto conn = Acquire();
  if (!conn.ok()) return conn.status();
  ReplyPtr r(static_cast<redisReply*>(redisCommand((*conn)->get(), "DBSIZE")));
  absl::Status s = ReplyError((*conn)->get(), r.get(), "DBSIZE");
  (*conn)->broken = r == nullptr;
  Release(*std::move(conn));
  if (!s.ok()) return s;
  return r->integer;
}

}  // namespace shop::recommender
