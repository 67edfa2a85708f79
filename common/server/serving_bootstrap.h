// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Everything a service binary needs around its gRPC services, in one object:
//   - a gRPC server with message limits, keepalive and a thread cap from ServerOptions;
//   - grpc.health.v1 with an overall ("") and a per-service status, NOT_SERVING until the
//     binary calls SetServing(true) after loading and warming up its models;
//   - server reflection (v1alpha, the version gRPC 1.51 serves);
//   - a Prometheus /metrics endpoint on its own port with the standard gRPC server metrics;
//   - graceful shutdown on SIGTERM/SIGINT: NOT_SERVING, optional delay, drain with a
//     deadline, then return so that main() exits 0.
//
// Typical main():
//   auto registry = std::make_shared<prometheus::Registry>();
//   MyService service(registry);
//   auto server = ServingBootstrap::Start(options, registry, {{&service, kName}});
//   ... load models ...; server->SetServing(true);
//   server->WaitForShutdown();
//   return 0;
#ifndef SHOP_COMMON_SERVER_SERVING_BOOTSTRAP_H_
#define SHOP_COMMON_SERVER_SERVING_BOOTSTRAP_H_

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "common/server/metrics_http_server.h"
#include "common/server/server_options.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "prometheus/registry.h"

namespace shop {

struct ServiceEntry {
  grpc::Service* service;
  // Full proto name, e.g. "shop.recommender.v1.Recommender"; the health status key.
  std::string name;
};

class ServingBootstrap {
 public:
  // Starts the gRPC server (health NOT_SERVING) and the metrics endpoint. With
  // `handle_signals`, SIGTERM and SIGINT request shutdown (off in in-process tests).
  static absl::StatusOr<std::unique_ptr<ServingBootstrap>> Start(
      const ServerOptions& options, std::shared_ptr<prometheus::Registry> registry,
      const std::vector<ServiceEntry>& services, bool handle_signals = true);

  ~ServingBootstrap();
  ServingBootstrap(const ServingBootstrap&) = delete;
  ServingBootstrap& operator=(const ServingBootstrap&) = delete;

  int port() const { return port_; }
  // -1 when the metrics endpoint is disabled.
  int metrics_port() const { return metrics_port_; }
  // -1 when there is no health-only port (ServerOptions::health_port).
  int health_port() const { return health_port_; }
  grpc::Server* server() { return server_.get(); }

  // Sets the overall and every per-service health status.
  void SetServing(bool serving);
  // Sets one service's status (e.g. a model of that service failed); the overall status
  // is left alone.
  void SetServiceServing(const std::string& service_name, bool serving);

  // Asks WaitForShutdown() to return, as SIGTERM does. Thread-safe, idempotent.
  void RequestShutdown();
  // Blocks until a signal or RequestShutdown(), then drains (see header comment).
  void WaitForShutdown();

 private:
  ServingBootstrap() = default;
  void Drain();
  // The health services of both servers (the health-only one may be absent).
  std::vector<grpc::HealthCheckServiceInterface*> HealthServices();

  ServerOptions options_;
  std::shared_ptr<prometheus::Registry> registry_;
  std::vector<std::string> service_names_;
  std::unique_ptr<grpc::Server> server_;
  // Plaintext, grpc.health.v1 only; null without --health_port.
  std::unique_ptr<grpc::Server> health_server_;
  int health_port_ = -1;
  std::unique_ptr<MetricsHttpServer> metrics_server_;
  int port_ = 0;
  int metrics_port_ = -1;
  bool handle_signals_ = false;
  absl::Notification shutdown_requested_;
  std::atomic<bool> drained_{false};
};

// For main(): logs {"event":"startup_failed","error":...} and returns the exit status 1,
// so every binary fails start-up the same way (`return shop::StartupFailed(s.status());`).
int StartupFailed(const absl::Status& status);

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_SERVING_BOOTSTRAP_H_
