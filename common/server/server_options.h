// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Options of the serving bootstrap shared by every service binary. Each field has a flag
// of the same name (defined in server_options.cc) and so an environment variable
// `SHOP_<NAME>` (see env_flags.h).
#ifndef SHOP_COMMON_SERVER_SERVER_OPTIONS_H_
#define SHOP_COMMON_SERVER_SERVER_OPTIONS_H_

#include <cstdint>
#include <string>

#include "absl/time/time.h"

namespace shop {

struct ServerOptions {
  // gRPC listening address and port; port 0 picks a free port (tests).
  std::string listen_address = "0.0.0.0";
  int port = 50051;
  // A second, plaintext gRPC port that serves only grpc.health.v1 (the same statuses as the
  // main port), for probes that cannot speak TLS (the kubelet's native gRPC probe) when
  // the main port requires TLS or client certificates. 0 picks a free port, -1 (default)
  // disables it. It reveals serving statuses and nothing else.
  int health_port = -1;
  // Prometheus /metrics endpoint; port 0 picks a free port, -1 disables it.
  std::string metrics_address = "0.0.0.0";
  int metrics_port = 9090;
  // Largest request and response message, in bytes.
  int max_receive_message_bytes = 4 << 20;
  int max_send_message_bytes = 4 << 20;
  // Server-initiated HTTP/2 pings find dead connections behind NATs and load balancers.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  // Clients may ping this often without data; faster pings get the connection closed.
  absl::Duration min_client_ping_interval = absl::Seconds(10);
  // Connections are closed gracefully after this age so that clients re-resolve and load
  // spreads over new replicas; 0 = never.
  absl::Duration max_connection_age = absl::ZeroDuration();
  // Upper bound on threads the gRPC server may use; beyond it new calls get
  // RESOURCE_EXHAUSTED instead of the process running out of memory. 0 = unlimited.
  int max_server_threads = 256;
  // Idle threads the synchronous gRPC server keeps waiting for calls (its MAX_POLLERS).
  // gRPC's default of 2 makes a server whose handlers block (on a batch, a database, a
  // backend) end a thread after nearly every call and start another for the next: perf
  // showed dozens of threads created per second at 16 concurrent calls. Threads above
  // this count still end after the server's poll timeout.
  int max_idle_server_threads = 64;
  // On SIGTERM/SIGINT: health turns NOT_SERVING, the server keeps accepting calls for
  // `shutdown_delay` (so load balancers can take the replica out), then stops accepting
  // and waits up to `drain_deadline` for in-flight calls before cancelling them.
  absl::Duration shutdown_delay = absl::ZeroDuration();
  absl::Duration drain_deadline = absl::Seconds(10);
  // TLS (common/server/tls.h): plaintext unless tls_cert_file and tls_key_file are set;
  // with tls_client_ca_file, mutual TLS (clients must present a certificate it signed).
  // The files are re-read every tls_refresh_interval, so rotated Secrets take effect
  // without a restart.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  absl::Duration tls_refresh_interval = absl::Seconds(60);
  // Peers whose identity headers are believed (common/server/caller_identity.h):
  // `name:<client certificate name>` (mutual TLS) or `ip:<address>`, comma-separated.
  // Empty = local mode, no verified identity.
  std::string trusted_gateways;
  // Logging: level (debug, info, warning, error) and whether payloads may be logged.
  std::string log_level = "info";
  bool log_payloads = false;

  // Reads the flags (after ParseFlagsWithEnvironment) into options.
  static ServerOptions FromFlags();
};

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_SERVER_OPTIONS_H_
