// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Helpers for loopback integration tests: a plain HTTP GET for /metrics, a health check,
// and a child server process whose stderr log tells its ports.
#ifndef SHOP_TESTS_INTEGRATION_TEST_CLIENT_H_
#define SHOP_TESTS_INTEGRATION_TEST_CLIENT_H_

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "grpcpp/channel.h"

namespace shop::testing {

// GETs http://127.0.0.1:<port><path> and returns the body (HTTP/1.0, no keep-alive).
absl::StatusOr<std::string> HttpGet(int port, const std::string& path);

// grpc.health.v1.Health/Check; returns "SERVING", "NOT_SERVING", or the error code name.
std::string CheckHealth(const std::shared_ptr<grpc::Channel>& channel, const std::string& service);

// Value of the sample `name{labels...}` in a Prometheus text page whose label set contains
// every string in `label_parts` (e.g. "grpc_code=\"OK\""); -1 if absent.
double FindSample(const std::string& page, const std::string& name,
                  const std::vector<std::string>& label_parts);

// A server binary running as a child process.
class ChildServer {
 public:
  // Starts `binary` with `args`, and waits until its log says "server_started" and, when
  // `wait_serving`, "health_changed" to serving.
  static absl::StatusOr<std::unique_ptr<ChildServer>> Start(const std::string& binary,
                                                            const std::vector<std::string>& args);
  ~ChildServer();

  int port() const { return port_; }
  int metrics_port() const { return metrics_port_; }
  pid_t pid() const { return pid_; }
  // Sends `signal` and waits for the process; returns its exit code (128+n if killed).
  int SignalAndWait(int signal, int timeout_seconds);
  // Log lines read so far.
  std::string log() const { return log_; }
  // Reads the log until it contains `needle` or `timeout_seconds` pass; whether it does.
  bool WaitForLog(const std::string& needle, int timeout_seconds) {
    ReadLogUntil(needle, timeout_seconds);
    return log_.find(needle) != std::string::npos;
  }

 private:
  void ReadLogUntil(const std::string& needle, int timeout_seconds);
  pid_t pid_ = -1;
  int log_fd_ = -1;
  int port_ = 0;
  int metrics_port_ = 0;
  std::string log_;
};

}  // namespace shop::testing

#endif  // SHOP_TESTS_INTEGRATION_TEST_CLIENT_H_
