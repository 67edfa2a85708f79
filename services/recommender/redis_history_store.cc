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
  bool pooled = false;  // taken from the idle pool (may have died while idle)

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
  if (options.max_events_per_user < 1) {
    return absl::InvalidArgumentError("history max_events_per_user must be >= 1");
  }
  if (options.ttl < absl::Milliseconds(1)) {
    return absl::InvalidArgumentError("history ttl must be at least 1ms");
  }
  std::unique_ptr<RedisHistoryStore> store(new RedisHistoryStore(std::move(options)));
  auto connection = store->Acquire(/*fresh=*/true);
  if (!connection.ok()) return connection.status();
  store->Release(*std::move(connection));
  return store;
}

RedisHistoryStore::RedisHistoryStore(RedisHistoryStoreOptions options)
    : options_(std::move(options)) {}

RedisHistoryStore::~RedisHistoryStore() = default;

absl::StatusOr<std::unique_ptr<RedisHistoryStore::Connection>> RedisHistoryStore::Acquire(
    bool fresh) {
  if (!fresh) {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      auto c = std::move(idle_.back());
      idle_.pop_back();
      c->pooled = true;
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

absl::StatusOr<RedisHistoryStore::ReplyPtr> RedisHistoryStore::Execute(
    const std::vector<std::vector<std::string>>& commands, bool transaction,
    absl::string_view what) {
  // A pooled connection may have died while idle (e.g. Redis restarted): its first use
  // fails with an I/O error, and one retry on a freshly dialled connection hides that.
  for (int attempt = 0;; ++attempt) {
    auto conn = Acquire(/*fresh=*/attempt > 0);
    if (!conn.ok()) return conn.status();
    redisContext* c = (*conn)->get();
    auto append = [c](const std::vector<std::string>& args) {
      std::vector<const char*> argv;
      std::vector<size_t> lengths;
      for (const std::string& a : args) {
        argv.push_back(a.data());
        lengths.push_back(a.size());
      }
      redisAppendCommandArgv(c, static_cast<int>(args.size()), argv.data(), lengths.data());
    };
    // Pipelined: one round trip. As MULTI ... EXEC, applied atomically.
    if (transaction) append({"MULTI"});
    for (const auto& command : commands) append(command);
    if (transaction) append({"EXEC"});
    const size_t replies = commands.size() + (transaction ? 2 : 0);
    absl::Status status;
    bool io_error = false;
    ReplyPtr last;
    for (size_t i = 0; i < replies && status.ok(); ++i) {
      redisReply* raw = nullptr;
      if (redisGetReply(c, reinterpret_cast<void**>(&raw)) != REDIS_OK) raw = nullptr;
      ReplyPtr r(raw);
      io_error = r == nullptr;
      status = ReplyError(c, r.get(), what);
      if (i + 1 == replies) last = std::move(r);
    }
    // Replies left unread after an error would be mistaken for the next call's.
    if (!status.ok()) (*conn)->broken = true;
    const bool was_pooled = (*conn)->pooled;
    Release(*std::move(conn));
    if (io_error && was_pooled && attempt == 0) continue;
    if (!status.ok()) return status;
    if (transaction &&
        (last->type != REDIS_REPLY_ARRAY || last->elements != commands.size())) {
      return absl::InternalError(absl::StrCat("redis ", what, ": transaction aborted"));
    }
    return last;
  }
}

absl::StatusOr<std::vector<HistoryEvent>> RedisHistoryStore::Get(const std::string& user_id) {
  ASSIGN_OR_RETURN(ReplyPtr r,
                   Execute({{"LRANGE", Key(user_id), "0", "-1"}}, /*transaction=*/false, "LRANGE"));
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
      ReplyPtr exec,
      Execute({{"RPUSH", key, event.Encode()},
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
  ASSIGN_OR_RETURN(ReplyPtr exec,
                   Execute({{"LLEN", key}, {"DEL", key}}, /*transaction=*/true, "delete"));
  // A key that is not a list (written by something else) has no events to count, but
  // DEL removed it all the same: the user is erased either way.
  if (exec->element[0]->type != REDIS_REPLY_INTEGER) return 0;
  return exec->element[0]->integer;
}

absl::StatusOr<int64_t> RedisHistoryStore::UserCount() {
  ASSIGN_OR_RETURN(ReplyPtr r, Execute({{"DBSIZE"}}, /*transaction=*/false, "DBSIZE"));
  return r->integer;
}

}  // namespace shop::recommender
