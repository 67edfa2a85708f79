// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "tests/common/redis_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/common/child_process.h"

namespace shop::testing {
namespace {

// True when a server on 127.0.0.1:port answers "PING" with "+PONG" within `timeout`.
bool Pings(int port, absl::Duration timeout) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = false;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0) {
    static constexpr char kPing[] = "PING\r\n";
    if (send(fd, kPing, sizeof(kPing) - 1, MSG_NOSIGNAL) ==
        static_cast<ssize_t>(sizeof(kPing) - 1)) {
      std::string reply;
      const absl::Time until = absl::Now() + timeout;
      while (reply.find("\r\n") == std::string::npos && absl::Now() < until) {
        pollfd p = {fd, POLLIN, 0};
        const int ms = static_cast<int>(absl::ToInt64Milliseconds(until - absl::Now())) + 1;
        if (poll(&p, 1, ms) <= 0) break;
        char buf[64];
        const ssize_t n = recv(fd, buf, sizeof(buf), 0);
        if (n <= 0) break;
        reply.append(buf, static_cast<size_t>(n));
      }
      // A server with a password answers NOAUTH: it is up, which is all this asks.
      ok = absl::StartsWith(reply, "+PONG") || absl::StartsWith(reply, "-NOAUTH");
    }
  }
  close(fd);
  return ok;
}

}  // namespace

absl::StatusOr<std::string> FindRedisServer() {
  std::vector<std::string> tried;
  if (const char* env = std::getenv("SHOP_REDIS_SERVER"); env != nullptr && *env != '\0') {
    if (IsExecutable(env)) return std::string(env);
    return absl::NotFoundError(
        absl::StrCat("SHOP_REDIS_SERVER=", env, " is not an executable file"));
  }
  if (const char* path = std::getenv("PATH"); path != nullptr) {
    for (absl::string_view dir : absl::StrSplit(path, ':', absl::SkipEmpty())) {
      std::string candidate = absl::StrCat(dir, "/redis-server");
      if (IsExecutable(candidate)) return candidate;
      tried.push_back(std::move(candidate));
    }
  }
  if (IsExecutable("/usr/bin/redis-server")) return std::string("/usr/bin/redis-server");
  tried.push_back("/usr/bin/redis-server");
  return absl::NotFoundError(absl::StrCat(
      "redis-server not found (looked in $SHOP_REDIS_SERVER, $PATH and /usr/bin: ",
      absl::StrJoin(tried, ", "),
      "). The Redis history store tests need it: install it with `apt-get install "
      "redis-server` (scripts/setup does), or point SHOP_REDIS_SERVER at the binary."));
}

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(absl::Duration ready_timeout,
                                                                const std::string& password,
                                                                bool durable) {
  absl::StatusOr<std::string> binary = FindRedisServer();
  if (!binary.ok()) return binary.status();
  std::unique_ptr<RedisServer> server(new RedisServer());
  server->binary_ = *std::move(binary);
  server->ready_timeout_ = ready_timeout;
  server->password_ = password;
  server->durable_ = durable;
  const char* tmp = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/shop-redis-test.XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp ", pattern, ": ", strerror(errno)));
  }
  server->dir_ = pattern;
  server->log_path_ = server->dir_ + "/redis.log";
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

absl::Status RedisServer::Launch() {
  const std::string port = absl::StrCat(port_);
  std::vector<std::string> args = {binary_, "--port",      port, "--bind", "127.0.0.1", "--save",
                                   "",      "--daemonize", "no", "--dir",  dir_,        "--logfile",
                                   ""};
  args.push_back("--appendonly");
  args.push_back(durable_ ? "yes" : "no");
  if (durable_) {
    args.push_back("--appendfsync");
    args.push_back("always");
  }
  if (!password_.empty()) {
    args.push_back("--requirepass");
    args.push_back(password_);
  }
  const int log_fd = open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) {
    return absl::InternalError(absl::StrCat("cannot open ", log_path_, ": ", strerror(errno)));
  }
  const pid_t parent = getpid();
  const pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    return absl::InternalError(absl::StrCat("fork: ", strerror(errno)));
  }
  if (pid == 0) {
    // The server must not outlive a crashed test binary.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(126);
    dup2(log_fd, STDOUT_FILENO);
    dup2(log_fd, STDERR_FILENO);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(binary_.c_str(), argv.data());
    const std::string error = absl::StrCat("execv ", binary_, ": ", strerror(errno), "\n");
    (void)!write(STDERR_FILENO, error.data(), error.size());
    _exit(127);
  }
  close(log_fd);
  pid_ = pid;

  const absl::Time until = absl::Now() + ready_timeout_;
  while (true) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      const std::string log_text = log();
      return absl::UnavailableError(absl::StrCat(
          binary_, " on port ", port_, " ", DescribeExit(status), " before accepting connections",
          absl::StrContains(log_text, "Address already in use") ? " (port in use)" : "",
          "; its output:\n", log_text));
    }
    if (Pings(port_, absl::Milliseconds(200))) return absl::OkStatus();
    if (absl::Now() > until) {
      Stop();
      return absl::DeadlineExceededError(
          absl::StrCat(binary_, " on port ", port_, " did not answer PING within ",
                       absl::FormatDuration(ready_timeout_), "; its output:\n", log()));
    }
    absl::SleepFor(absl::Milliseconds(20));
  }
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  kill(pid_, SIGCONT);  // a paused server cannot act on SIGTERM
  kill(pid_, SIGTERM);
  const absl::Time until = absl::Now() + absl::Seconds(10);
  int status = 0;
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (absl::Now() > until) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    absl::SleepFor(absl::Milliseconds(10));
  }
  pid_ = -1;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void RedisServer::Pause() {
  if (pid_ > 0) kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) kill(pid_, SIGCONT);
}

absl::Status RedisServer::Restart() {
  Stop();
  return Launch();
}

std::string RedisServer::log() const { return ReadTextFile(log_path_); }

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!dir_.empty()) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

}  // namespace shop::testing
