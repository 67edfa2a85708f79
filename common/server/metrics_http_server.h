// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Serves a prometheus-cpp Registry as Prometheus text at GET /metrics on its own port.
//
// Why not prometheus::Exposer: Debian's civetweb starts its threads with a 100 KiB stack,
// and in a process with LibTorch loaded the static thread-local storage alone is larger
// (OpenBLAS-pthread about 60 KiB, glog 30 KiB, libtorch_cpu 10 KiB), so pthread_create
// fails with EINVAL and mg_start reports "Cannot create threads". Every model-serving
// binary would lose /metrics.
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
