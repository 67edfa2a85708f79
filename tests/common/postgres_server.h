// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// A throwaway PostgreSQL 15 server for tests: initdb into a fresh temporary directory, then
// `postgres` as a child process on a free loopback port, tuned for speed over crash safety of
// the machine (fsync off: a process crash, Kill(), loses nothing committed; only an OS crash
// would). One server serves many test cases: CreateDatabase() hands each its own database.
// Stop(), Kill() and Restart() (same port, same data) let tests exercise an outage; the
// destructor stops it and removes the directory. Missing binaries are an error, never a skip:
// setup installs them.
//
// Authentication is scram-sha-256 for user "shop" with a random password, kept in
// password_file() (mode 0600, owned by the test process's user) for the store under test to
// read; Url() carries no password.
//
// PostgreSQL refuses to run as root, and CI runs as root: then initdb and postgres run as the
// `postgres` system user (Debian's postgresql package creates it), which owns the directory.
//
// The binaries come from $SHOP_POSTGRES_BIN_DIR when set, else /usr/lib/postgresql/15/bin.
#ifndef SHOP_TESTS_COMMON_POSTGRES_SERVER_H_
#define SHOP_TESTS_COMMON_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace shop::testing {

class PostgresServer {
 public:
  // Runs initdb, starts the server and waits until user() can log in (up to `ready_timeout`
  // for the server; initdb itself takes a second or two).
  static absl::StatusOr<std::unique_ptr<PostgresServer>> Start(
      absl::Duration ready_timeout = absl::Seconds(30));
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  int port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  const std::string& password_file() const { return password_file_; }
  bool running() const { return pid_ > 0; }

  // Creates an empty database named `prefix` + "_" + a counter (unique on this server) and
  // returns its name. Not thread-safe: call it from the test's thread.
  absl::StatusOr<std::string> CreateDatabase(const std::string& prefix);
  // "postgresql://shop@127.0.0.1:<port>/<database>".
  std::string Url(const std::string& database) const;

  // SIGINT (fast shutdown: open sessions are ended, all committed data kept), then waitpid
  // (SIGKILL to the whole process group after 15 s). Idempotent.
  void Stop();
  // SIGKILL to the postmaster and all its backends, as a crash or an OOM kill would: no
  // shutdown work, the next start runs crash recovery. Idempotent.
  void Kill();
  // Stop() if running, then start again on the same port and data and wait until ready.
  absl::Status Restart();
  // What initdb and the server wrote to stdout/stderr so far (for failure messages).
  std::string log() const;

 private:
  PostgresServer() = default;
  absl::Status Launch();  // requires port_ set and no process running
  // Forks and execs `args` with stdout/stderr appended to the log, as run_uid_/run_gid_ when
  // switch_user_, in dir_; with `own_group`, in a new process group of its own.
  absl::StatusOr<pid_t> Spawn(std::vector<std::string> args, bool own_group);
  absl::Status WaitUntilReady();

  std::string bin_dir_;
  std::string dir_;  // temporary directory: data/, password, log, socket
  std::string data_dir_;
  std::string log_path_;
  std::string password_file_;
  std::string user_ = "shop";
  std::string password_;
  absl::Duration ready_timeout_;
  bool switch_user_ = false;  // running as root: initdb and postgres run as `postgres`
  uid_t run_uid_ = 0;
  gid_t run_gid_ = 0;
  int port_ = 0;
  pid_t pid_ = -1;  // the postmaster, leader of its own process group (backends are not in it)
  int databases_created_ = 0;
};

// The directory holding initdb and postgres, or an error naming where it looked.
absl::StatusOr<std::string> FindPostgresBinDir();

}  // namespace shop::testing

#endif  // SHOP_TESTS_COMMON_POSTGRES_SERVER_H_
