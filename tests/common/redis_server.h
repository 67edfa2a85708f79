// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// A throwaway redis-server for tests: a child process on a free loopback port, with no
// persistence unless asked to be durable, and its working directory in a fresh temporary
// directory. Stop(), Kill(), Pause() and Restart() (same port) let tests exercise an outage; the
// destructor kills it. A missing redis-server binary is an error, never a skip: setup installs it.
//
// The binary is $SHOP_REDIS_SERVER when set, else redis-server on $PATH, else
// /usr/bin/redis-server.
#ifndef SHOP_TESTS_COMMON_REDIS_SERVER_H_
#define SHOP_TESTS_COMMON_REDIS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shop::testing {

class RedisServer {
 public:
  // Starts a server and waits until it answers PING (up to `ready_timeout`).
  // With `password`, the server requires it (requirepass). `durable` turns on the
  // append-only file with an fsync per write (appendfsync always), so that what the server
  // acknowledged survives Kill() and Restart(), as in a production deployment.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      absl::Duration ready_timeout = absl::Seconds(10), const std::string& password = "",
      bool durable = false);
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  bool running() const { return pid_ > 0; }
  // SIGTERM, then waitpid (SIGKILL after 10 s). Idempotent.
  void Stop();
  // SIGKILL, as a crash or an OOM kill would: no shutdown work. Idempotent.
  void Kill();
  // Stop() if running, then start again on the same port and wait until ready.
  absl::Status Restart();
  // SIGSTOP / SIGCONT: the server keeps its connections but answers nothing meanwhile,
  // like one stalled by a long fork, swap or a paused VM.
  void Pause();
  void Resume();
  // What the server wrote to stdout/stderr so far (for failure messages).
  std::string log() const;

 private:
  RedisServer() = default;
  absl::Status Launch();  // requires port_ set and no process running

  std::string binary_;
  std::string dir_;       // temporary working directory
  std::string log_path_;  // stdout+stderr of the server, in dir_
  absl::Duration ready_timeout_;
  std::string password_;
  bool durable_ = false;
  int port_ = 0;
  pid_t pid_ = -1;
};

// The path of the redis-server binary that Start() runs, or an error naming where it looked.
absl::StatusOr<std::string> FindRedisServer();

}  // namespace shop::testing

#endif  // SHOP_TESTS_COMMON_REDIS_SERVER_H_
