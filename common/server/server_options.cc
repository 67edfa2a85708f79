// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/server_options.h"

#include "absl/flags/flag.h"

namespace {
const shop::ServerOptions kDefaults;
}  // namespace

ABSL_FLAG(std::string, listen_address, kDefaults.listen_address, "gRPC listening address.");
ABSL_FLAG(int, port, kDefaults.port, "gRPC port; 0 picks a free port.");
ABSL_FLAG(std::string, metrics_address, kDefaults.metrics_address,
          "Address of the Prometheus /metrics endpoint.");
ABSL_FLAG(int, metrics_port, kDefaults.metrics_port,
          "Port of the Prometheus /metrics endpoint; 0 picks a free port, -1 disables it.");
ABSL_FLAG(int, max_receive_message_bytes, kDefaults.max_receive_message_bytes,
          "Largest accepted request message in bytes.");
ABSL_FLAG(int, max_send_message_bytes, kDefaults.max_send_message_bytes,
          "Largest response message in bytes.");
ABSL_FLAG(absl::Duration, keepalive_time, kDefaults.keepalive_time,
          "Interval of server keepalive pings.");
ABSL_FLAG(absl::Duration, keepalive_timeout, kDefaults.keepalive_timeout,
          "Time to wait for a keepalive ping ack before closing the connection.");
ABSL_FLAG(absl::Duration, min_client_ping_interval, kDefaults.min_client_ping_interval,
          "Minimum interval between client pings without data; faster clients are dropped.");
ABSL_FLAG(absl::Duration, max_connection_age, kDefaults.max_connection_age,
          "Close connections gracefully after this age (0 = never) so clients rebalance.");
ABSL_FLAG(int, max_server_threads, kDefaults.max_server_threads,
          "Maximum threads of the gRPC server (0 = unlimited); beyond it calls get "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, max_idle_server_threads, kDefaults.max_idle_server_threads,
          "Idle gRPC server threads kept waiting for calls (gRPC's MAX_POLLERS); too few "
          "makes blocking handlers start and end a thread per call.");
ABSL_FLAG(absl::Duration, shutdown_delay, kDefaults.shutdown_delay,
          "On SIGTERM, keep serving this long after health turns NOT_SERVING.");
ABSL_FLAG(absl::Duration, drain_deadline, kDefaults.drain_deadline,
          "On SIGTERM, wait this long for in-flight calls before cancelling them.");
ABSL_FLAG(int, health_port, kDefaults.health_port,
          "Plaintext port serving only grpc.health.v1, for probes that cannot do TLS; "
          "-1 = none, 0 = a free port.");
ABSL_FLAG(std::string, tls_cert_file, kDefaults.tls_cert_file,
          "Server certificate chain (PEM); with --tls_key_file the server speaks TLS only.");
ABSL_FLAG(std::string, tls_key_file, kDefaults.tls_key_file, "Server private key (PEM).");
ABSL_FLAG(std::string, tls_client_ca_file, kDefaults.tls_client_ca_file,
          "CA bundle (PEM): set = mutual TLS, clients must present a certificate it signed.");
ABSL_FLAG(absl::Duration, tls_refresh_interval, kDefaults.tls_refresh_interval,
          "How often the TLS files are re-read (rotated Secrets apply without a restart).");
ABSL_FLAG(std::string, trusted_gateways, kDefaults.trusted_gateways,
          "Gateways whose x-shop-customer-id/x-shop-roles headers are believed, comma-separated: "
          "name:<client certificate DNS name or CN> (needs --tls_client_ca_file) or "
          "ip:<peer address>. Empty = local mode: no verified caller identity.");
ABSL_FLAG(std::string, log_level, kDefaults.log_level, "debug, info, warning or error.");
ABSL_FLAG(bool, log_payloads, kDefaults.log_payloads,
          "Allow services to log request payloads (they may contain personal data).");

namespace shop {

ServerOptions ServerOptions::FromFlags() {
  ServerOptions o;
  o.listen_address = absl::GetFlag(FLAGS_listen_address);
  o.port = absl::GetFlag(FLAGS_port);
  o.metrics_address = absl::GetFlag(FLAGS_metrics_address);
  o.metrics_port = absl::GetFlag(FLAGS_metrics_port);
  o.max_receive_message_bytes = absl::GetFlag(FLAGS_max_receive_message_bytes);
  o.max_send_message_bytes = absl::GetFlag(FLAGS_max_send_message_bytes);
  o.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  o.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  o.min_client_ping_interval = absl::GetFlag(FLAGS_min_client_ping_interval);
  o.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  o.max_server_threads = absl::GetFlag(FLAGS_max_server_threads);
  o.max_idle_server_threads = absl::GetFlag(FLAGS_max_idle_server_threads);
  o.shutdown_delay = absl::GetFlag(FLAGS_shutdown_delay);
  o.drain_deadline = absl::GetFlag(FLAGS_drain_deadline);
  o.health_port = absl::GetFlag(FLAGS_health_port);
  o.tls_cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  o.tls_key_file = absl::GetFlag(FLAGS_tls_key_file);
  o.tls_client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  o.tls_refresh_interval = absl::GetFlag(FLAGS_tls_refresh_interval);
  o.trusted_gateways = absl::GetFlag(FLAGS_trusted_gateways);
  o.log_level = absl::GetFlag(FLAGS_log_level);
  o.log_payloads = absl::GetFlag(FLAGS_log_payloads);
  return o;
}

}  // namespace shop
