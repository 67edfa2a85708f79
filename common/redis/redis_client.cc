// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>

#include <cerrno>
#include <fstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace shop {

// One blocking hiredis connection. `broken` marks it for disposal after an I/O error.
void RedisReplyDeleter::operator()(redisReply* r) const {
  if (r != nullptr) freeReplyObject(r);
}

class RedisClient::Connection {
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

// Whether an idle connection is still usable: nothing may be waiting to be read on it
// (a reply nobody asked for, or the end of the stream after the server closed it). Checked
// before a command is sent, so that a dead connection is replaced while re-sending is
// still harmless.
bool StillOpen(redisContext* c) {
  char byte;
  const ssize_t n = recv(c->fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

absl::Status ReplyError(redisContext* c, const redisReply* r, absl::string_view what) {
  if (r == nullptr) {
    return absl::UnavailableError(
        absl::StrCat("redis ", what, " failed: ", c->errstr[0] ? c->errstr : "no reply"));
  }
  if (r->type == REDIS_REPLY_ERROR) {
    const std::string error(r->str, r->len);
    // Replies of a server that is fine but cannot answer now (loading its data set after a
    // restart, running a long script, a failover in progress): a retry later succeeds, so
    // they are UNAVAILABLE, not INTERNAL. The command was not executed.
    for (absl::string_view transient : {"LOADING", "BUSY", "MASTERDOWN", "TRYAGAIN"}) {
      if (absl::StartsWith(error, transient) &&
          (error.size() == transient.size() || error[transient.size()] == ' ')) {
        return absl::UnavailableError(
            absl::StrCat("redis ", what, ": ", error, " (not executed; retry)"));
      }
    }
    return absl::InternalError(absl::StrCat("redis ", what, ": ", error));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadRedisPassword(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the redis password file ", path));
  std::string password;
  std::getline(in, password);
  if (!password.empty() && password.back() == '\r') password.pop_back();
  if (password.empty()) {
    return absl::InvalidArgumentError(absl::StrCat("the redis password file ", path, " is empty"));
  }
  return password;
}

absl::StatusOr<std::unique_ptr<RedisClient>> RedisClient::Create(RedisOptions options) {
  if (options.pool_size < 1) return absl::InvalidArgumentError("redis pool_size must be >= 1");
  std::unique_ptr<RedisClient> client(new RedisClient(std::move(options)));
  auto connection = client->Acquire(/*fresh=*/true);
  if (!connection.ok()) return connection.status();
  client->Release(*std::move(connection));
  return client;
}

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() = default;

absl::StatusOr<std::unique_ptr<RedisClient::Connection>> RedisClient::Acquire(bool fresh) {
  while (!fresh) {
    std::unique_ptr<Connection> c;
    {
      absl::MutexLock lock(&mu_);
      if (idle_.empty()) break;
      c = std::move(idle_.back());
      idle_.pop_back();
    }
    if (!StillOpen(c->get())) continue;  // closed while idle (e.g. Redis restarted): drop
    c->pooled = true;
    return c;
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
  if (!options_.password.empty()) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(c, "AUTH %b", options_.password.data(), options_.password.size()));
    RedisReplyPtr owned(reply);
    if (reply == nullptr || reply->type == REDIS_REPLY_ERROR) {
      // The server's words ("WRONGPASS ...") name the problem; the password is never shown.
      const std::string error =
          reply != nullptr ? std::string(reply->str, reply->len) : std::string(c->errstr);
      redisFree(c);
      return absl::UnavailableError(
          absl::StrCat("redis at ", options_.host, ":", options_.port, " refused AUTH: ", error));
    }
  }
  return std::make_unique<Connection>(c);
}

void RedisClient::Release(std::unique_ptr<Connection> connection) {
  if (connection->broken) return;  // dropped; the next Acquire dials a fresh one
  absl::MutexLock lock(&mu_);
  if (static_cast<int>(idle_.size()) < options_.pool_size) idle_.push_back(std::move(connection));
}

absl::StatusOr<RedisReplyPtr> RedisClient::Execute(
    const std::vector<std::vector<std::string>>& commands, bool transaction, Replay replay,
    absl::string_view what) {
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
    RedisReplyPtr last;
    for (size_t i = 0; i < replies && status.ok(); ++i) {
      redisReply* raw = nullptr;
      if (redisGetReply(c, reinterpret_cast<void**>(&raw)) != REDIS_OK) raw = nullptr;
      RedisReplyPtr r(raw);
      io_error = r == nullptr;
      status = ReplyError(c, r.get(), what);
      if (i + 1 == replies) last = std::move(r);
    }
    // Replies left unread after an error would be mistaken for the next call's.
    if (!status.ok()) (*conn)->broken = true;
    Release(*std::move(conn));
    if (io_error) {
      // The commands left, and their outcome is unknown: Redis may have run them and the
      // reply was lost, or be running them still (a timeout). Only a command that is the
      // same applied twice goes out again, once.
      if (replay == Replay::kSafe && attempt == 0) continue;
      if (replay == Replay::kUnsafe) {
        return absl::UnavailableError(absl::StrCat(
            status.message(), " (it may or may not have been applied; it was not re-sent)"));
      }
    }
    if (!status.ok()) return status;
    if (transaction && (last->type != REDIS_REPLY_ARRAY || last->elements != commands.size())) {
      return absl::InternalError(absl::StrCat("redis ", what, ": transaction aborted"));
    }
    return last;
  }
}

}  // namespace shop
