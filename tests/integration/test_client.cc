// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "tests/integration/test_client.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <regex>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/server/grpc_metrics.h"
#include "grpc_health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"

namespace shop::testing {

absl::StatusOr<std::string> HttpGet(int port, const std::string& path) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return absl::InternalError("socket failed");
  sockaddr_in addr = {};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    close(fd);
    return absl::UnavailableError(absl::StrCat("cannot connect to port ", port));
  }
  const std::string request = absl::StrCat("GET ", path, " HTTP/1.0\r\nHost: localhost\r\n\r\n");
  if (write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    return absl::InternalError("short write");
  }
  std::string response;
  char buf[8192];
  ssize_t n;
  while ((n = read(fd, buf, sizeof(buf))) > 0) response.append(buf, static_cast<size_t>(n));
  close(fd);
  if (!absl::StartsWith(response, "HTTP/1.") || response.find(" 200 ") == std::string::npos) {
    return absl::InternalError(absl::StrCat("bad response: ", response.substr(0, 100)));
  }
  const size_t body = response.find("\r\n\r\n");
  return body == std::string::npos ? "" : response.substr(body + 4);
}

std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service) {
  auto stub = grpc::health::v1::Health::NewStub(channel);
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  grpc::Status status = stub->Check(&ctx, request, &response);
  if (!status.ok()) return GrpcCodeName(status.error_code());
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(response.status());
}

double FindSample(const std::string& page, const std::string& name,
                  const std::vector<std::string>& label_parts) {
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    if (!absl::StartsWith(line, name + "{") && !absl::StartsWith(line, name + " ")) continue;
    bool all = true;
    for (const std::string& part : label_parts) all &= absl::StrContains(line, part);
    if (!all) continue;
    double value;
    const size_t space = line.rfind(' ');
    if (absl::SimpleAtod(line.substr(space + 1), &value)) return value;
  }
  return -1;
}

absl::StatusOr<std::unique_ptr<ChildServer>> ChildServer::Start(
    const std::string& binary, const std::vector<std::string>& args) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return absl::InternalError("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(pipe_fds[1], STDERR_FILENO);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>(binary.c_str()));
    for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    execv(binary.c_str(), argv.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  std::unique_ptr<ChildServer> child(new ChildServer());
  child->pid_ = pid;
  child->log_fd_ = pipe_fds[0];
  child->ReadLogUntil("\"serving\":true", 120);
  std::smatch m;
  static const std::regex kPorts(R"re("port":(\d+),"metrics_port":(-?\d+))re");
  if (!std::regex_search(child->log_, m, kPorts) ||
      child->log_.find("\"serving\":true") == std::string::npos) {
    return absl::UnavailableError(absl::StrCat("server did not become ready; log:\n", child->log_));
  }
  child->port_ = std::stoi(m[1]);
  child->metrics_port_ = std::stoi(m[2]);
  return child;
}

void ChildServer::ReadLogUntil(const std::string& needle, int timeout_seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  // At least one non-blocking read, so a timeout of 0 drains what is already there.
  bool first = true;
  while (log_.find(needle) == std::string::npos &&
         (first || std::chrono::steady_clock::now() < until)) {
    pollfd p = {log_fd_, POLLIN, 0};
    const int ready = poll(&p, 1, first && timeout_seconds == 0 ? 0 : 100);
    first = false;
    if (ready <= 0) {
      if (timeout_seconds == 0) break;
      continue;
    }
    char buf[4096];
    const ssize_t n = read(log_fd_, buf, sizeof(buf));
    if (n <= 0) break;  // the child exited
    log_.append(buf, static_cast<size_t>(n));
  }
}

int ChildServer::SignalAndWait(int signal, int timeout_seconds) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  int status = 0;
  while (true) {
    const pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (std::chrono::steady_clock::now() > until) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    ReadLogUntil("\"event\":\"shutdown_complete\"", 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  ReadLogUntil("never-present", 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}

ChildServer::~ChildServer() {
  if (pid_ > 0) SignalAndWait(SIGKILL, 5);
  if (log_fd_ >= 0) close(log_fd_);
}

}  // namespace shop::testing
