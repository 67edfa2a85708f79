// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Serves a prometheus-cpp Registry as Prometheus text at GET /metrics on its own port.
//
// Why not prometheus::Exposer: its civetweb server fails to start its threads in a process
// that has LibTorch loaded ("Cannot create threads: error 0" from mg_start, reproduced with
// a ten-line program linking libtorch), so every model-serving binary would lose /metrics.
// Scrapes are a few per minute, so one thread answering connections one at a time, each
// with short socket timeouts, is enough and has no third-party server underneath.
#ifndef SHOP_COMMON_SERVER_METRICS_HTTP_SERVER_H_
#define SHOP_COMMON_SERVER_METRICS_HTTP_SERVER_H_

#include <memory>
#include <string>
#include <thread>

#include "absl/status/statusor.h"
#include "prometheus/registry.h"

namespace shop {

class MetricsHttpServer {
 public:
  // Listens on address:port (port 0 picks a free one) and starts serving.
  static absl::StatusOr<std::unique_ptr<MetricsHttpServer>> Start(
      const std::string& address, int port, std::shared_ptr<prometheus::Registry> registry);
  ~MetricsHttpServer();

  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  int port() const { return port_; }

 private:
  MetricsHttpServer() = default;
  void Loop();
  void HandleConnection(int fd);

  std::shared_ptr<prometheus::Registry> registry_;
  int listen_fd_ = -1;
  int wake_pipe_[2] = {-1, -1};  // written on shutdown to wake poll()
  int port_ = 0;
  std::thread thread_;
};

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_METRICS_HTTP_SERVER_H_
