// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "tests/common/postgres_server.h"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/common/child_process.h"

namespace shop::testing {
namespace {

constexpr char kDefaultBinDir[] = "/usr/lib/postgresql/15/bin";

// 128 random bits as hex: nothing a conninfo string or a URL would need to quote.
std::string RandomPassword() {
  std::random_device random;
  std::string bytes(16, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  return absl::BytesToHexString(bytes);
}

// Writes `text` to a new file at `path` with mode 0600 (O_EXCL: nothing planted beforehand).
absl::Status WriteSecretFile(const std::string& path, const std::string& text) {
  const int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return absl::InternalError(absl::StrCat("cannot create ", path, ": ", strerror(errno)));
  }
  const bool ok = write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  close(fd);
  if (!ok) return absl::InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

struct PqFinish {
  void operator()(PGconn* conn) const { PQfinish(conn); }
};
using PqConn = std::unique_ptr<PGconn, PqFinish>;

// A libpq connection as `user` to `database`, or the error libpq gave.
absl::StatusOr<PqConn> Connect(int port, const std::string& user, const std::string& password,
                               const std::string& database) {
  const std::string port_text = absl::StrCat(port);
  const char* keys[] = {"host", "port", "user", "password", "dbname", "connect_timeout", nullptr};
  const char* values[] = {"127.0.0.1",      port_text.c_str(), user.c_str(),
                          password.c_str(), database.c_str(),  "5",
                          nullptr};
  PqConn conn(PQconnectdbParams(keys, values, /*expand_dbname=*/0));
  if (conn == nullptr) return absl::ResourceExhaustedError("PQconnectdbParams: out of memory");
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn.get())));
  }
  return conn;
}

}  // namespace

absl::StatusOr<std::string> FindPostgresBinDir() {
  const char* env = std::getenv("SHOP_POSTGRES_BIN_DIR");
  const bool from_env = env != nullptr && *env != '\0';
  const std::string dir = from_env ? env : kDefaultBinDir;
  for (const char* binary : {"initdb", "postgres"}) {
    if (!IsExecutable(absl::StrCat(dir, "/", binary))) {
      return absl::NotFoundError(absl::StrCat(
          dir, "/", binary, " is not an executable file (",
          from_env ? "$SHOP_POSTGRES_BIN_DIR" : "the default",
          "). The PostgreSQL store tests need PostgreSQL 15's server binaries: install them with "
          "`apt-get install postgresql` (scripts/setup.sh does), or point SHOP_POSTGRES_BIN_DIR "
          "at the directory holding initdb and postgres."));
    }
  }
  return dir;
}

absl::StatusOr<std::unique_ptr<PostgresServer>> PostgresServer::Start(
    absl::Duration ready_timeout) {
  absl::StatusOr<std::string> bin_dir = FindPostgresBinDir();
  if (!bin_dir.ok()) return bin_dir.status();
  std::unique_ptr<PostgresServer> server(new PostgresServer());
  server->bin_dir_ = *std::move(bin_dir);
  server->ready_timeout_ = ready_timeout;
  if (geteuid() == 0) {
    const passwd* account = getpwnam("postgres");
    if (account == nullptr) {
      return absl::NotFoundError(
          "running as root, which PostgreSQL refuses, and there is no `postgres` user to run it "
          "as instead (the Debian postgresql package creates it)");
    }
    server->switch_user_ = true;
    server->run_uid_ = account->pw_uid;
    server->run_gid_ = account->pw_gid;
  }
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/shop-postgres-test.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  server->dir_ = pattern;
  server->data_dir_ = server->dir_ + "/data";
  server->log_path_ = server->dir_ + "/postgres.log";
  server->password_file_ = server->dir_ + "/password";
  server->password_ = RandomPassword();
  // The store under test reads password_file() as this process's user; initdb reads its own
  // copy, which must belong to the user it runs as, and is gone once it has been read.
  if (absl::Status s = WriteSecretFile(server->password_file_, server->password_); !s.ok()) {
    return s;
  }
  std::string initdb_password_file = server->password_file_;
  if (server->switch_user_) {
    initdb_password_file = server->dir_ + "/initdb-password";
    if (absl::Status s = WriteSecretFile(initdb_password_file, server->password_); !s.ok()) {
      return s;
    }
    // initdb creates data/ and postgres its socket and lock files in dir_.
    if (chown(initdb_password_file.c_str(), server->run_uid_, server->run_gid_) != 0 ||
        chown(server->dir_.c_str(), server->run_uid_, server->run_gid_) != 0) {
      return absl::InternalError(absl::StrCat("chown to postgres: ", strerror(errno)));
    }
  }

  absl::StatusOr<pid_t> initdb =
      server->Spawn({server->bin_dir_ + "/initdb", "--auth=scram-sha-256",
                     "--username=" + server->user_, "--pwfile=" + initdb_password_file,
                     "--encoding=UTF8", "--locale=C", "--no-sync", "-D", server->data_dir_},
                    /*own_group=*/false);
  if (!initdb.ok()) return initdb.status();
  int exit_status = 0;
  waitpid(*initdb, &exit_status, 0);
  if (server->switch_user_) unlink(initdb_password_file.c_str());
  if (!WIFEXITED(exit_status) || WEXITSTATUS(exit_status) != 0) {
    return absl::InternalError(
        absl::StrCat("initdb ", DescribeExit(exit_status),
                     server->switch_user_
                         ? " (as user postgres, which must be able to reach " + server->dir_ + ")"
                         : "",
                     "; its output:\n", server->log()));
  }

  // The free port can be taken by someone else between picking and binding: retry.
  absl::Status status;
  for (int attempt = 0; attempt < 5; ++attempt) {
    absl::StatusOr<int> port = PickFreePort();
    if (!port.ok()) return port.status();
    server->port_ = *port;
    status = server->Launch();
    if (status.ok()) return server;
    if (!absl::StrContains(status.message(), "in use")) break;
  }
  return status;
}

absl::StatusOr<pid_t> PostgresServer::Spawn(std::vector<std::string> args, bool own_group) {
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open ", log_path_, ": ", strerror(errno)));
  }
  // Built before fork: between fork and exec only async-signal-safe calls are allowed.
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string user = switch_user_ ? "user postgres" : "this user";
  const std::string setuid_error = "cannot switch to user postgres\n";
  const std::string chdir_error = absl::StrCat("cannot enter ", dir_, " as ", user, "\n");
  const std::string exec_error = absl::StrCat("cannot execute ", args[0], " as ", user, "\n");
  const auto fail = [](const std::string& error) {
    (void)!write(STDERR_FILENO, error.data(), error.size());
    _exit(126);
  };
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    // Kill() signals the group, so that the backends die with the postmaster.
    if (own_group) setpgid(0, 0);
    if (switch_user_ &&
        (setgroups(1, &run_gid_) != 0 || setgid(run_gid_) != 0 || setuid(run_uid_) != 0)) {
      fail(setuid_error);
    }
    // After setuid, which clears it: the server must not outlive a crashed test binary.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    // initdb fails when it cannot read its working directory, as user postgres may not.
    if (chdir(dir_.c_str()) != 0) fail(chdir_error);
    execv(argv[0], argv.data());
    fail(exec_error);
  }
  close(log_fd);
  return pid;
}

absl::Status PostgresServer::Launch() {
  const std::string port = absl::StrCat(port_);
  // fsync=off keeps commits cheap but still written to the kernel, so they survive Kill().
  // synchronous_commit stays on: off, a commit is acknowledged before its WAL is written at
  // all, and Kill() right after it loses the row (seen every time in postgres_server_test).
  absl::StatusOr<pid_t> pid = Spawn({bin_dir_ + "/postgres", "-D", data_dir_, "-p", port, "-k",
                                     dir_, "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off",
                                     "-c", "full_page_writes=off", "-c", "max_connections=100"},
                                    /*own_group=*/true);
  if (!pid.ok()) return pid.status();
  pid_ = *pid;
  return WaitUntilReady();
}

absl::Status PostgresServer::WaitUntilReady() {
  const absl::Time until = absl::Now() + ready_timeout_;
  absl::Status last;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      kill(-pid_, SIGKILL);  // a backend that outlived its postmaster
      pid_ = -1;
      const std::string log_text = log();
      return absl::UnavailableError(absl::StrCat(
          "postgres on port ", port_, " ", DescribeExit(status), " before accepting connections",
          absl::StrContains(log_text, "Address already in use") ? " (port in use)" : "",
          "; its output:\n", log_text));
    }
    absl::StatusOr<PqConn> conn = Connect(port_, user_, password_, "postgres");
    if (conn.ok()) return absl::OkStatus();
    last = conn.status();
    if (absl::Now() > until) {
      Stop();
      return absl::DeadlineExceededError(
          absl::StrCat("postgres on port ", port_, " did not accept a login within ",
                       absl::FormatDuration(ready_timeout_), " (last: ", last.message(),
                       "); its output:\n", log()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

absl::StatusOr<std::string> PostgresServer::CreateDatabase(const std::string& prefix) {
  absl::StatusOr<PqConn> conn = Connect(port_, user_, password_, "postgres");
  if (!conn.ok()) return conn.status();
  const std::string name = absl::StrCat(prefix, "_", ++databases_created_);
  char* quoted = PQescapeIdentifier(conn->get(), name.data(), name.size());
  if (quoted == nullptr) return absl::InvalidArgumentError(PQerrorMessage(conn->get()));
  const std::string sql = absl::StrCat("CREATE DATABASE ", quoted);
  PQfreemem(quoted);
  PGresult* result = PQexec(conn->get(), sql.c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  PQclear(result);
  if (!ok) {
    return absl::InternalError(
        absl::StrCat(sql, ": ", absl::StripTrailingAsciiWhitespace(PQerrorMessage(conn->get()))));
  }
  return name;
}

std::string PostgresServer::Url(const std::string& database) const {
  return absl::StrCat("postgresql://", user_, "@127.0.0.1:", port_, "/", database);
}

void PostgresServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGINT);  // the postmaster ends its backends and waits for them
  const absl::Time until = absl::Now() + absl::Seconds(15);
  while (waitpid(pid_, nullptr, WNOHANG) != pid_) {
    if (absl::Now() > until) {
      Kill();
      return;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

namespace {

// The processes whose parent is `parent` (from /proc/<pid>/stat).
std::vector<pid_t> ChildrenOf(pid_t parent) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(entry.path() / "stat");
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // "pid (comm) state ppid ...": comm may hold spaces, so read after the last ')'.
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
    pid_t ppid = 0;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) && ppid == parent) {
      children.push_back(pid);
    }
  }
  return children;
}

}  // namespace

void PostgresServer::Kill() {
  if (pid_ <= 0) return;
  // The postmaster and its backends, which PostgreSQL puts in sessions of their own (so a
  // signal to the postmaster's group misses them): left alive, they would hold the old
  // shared memory, and a new postmaster refuses to start while they do.
  const std::vector<pid_t> backends = ChildrenOf(pid_);
  kill(-pid_, SIGKILL);
  for (pid_t backend : backends) kill(backend, SIGKILL);
  waitpid(pid_, nullptr, 0);
  // The backends are not our children, so their exit cannot be awaited: poll, bounded.
  const absl::Time until = absl::Now() + absl::Seconds(2);
  for (pid_t backend : backends) {
    while (kill(backend, 0) == 0 && absl::Now() < until) absl::SleepFor(absl::Milliseconds(5));
  }
  pid_ = -1;
}

absl::Status PostgresServer::Restart() {
  Stop();
  return Launch();
}

std::string PostgresServer::log() const { return ReadTextFile(log_path_); }

PostgresServer::~PostgresServer() {
  Stop();
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

}  // namespace shop::testing
