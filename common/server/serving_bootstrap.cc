// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/serving_bootstrap.h"

#include <csignal>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/server/grpc_metrics.h"
#include "common/server/parse_error_interceptor.h"
#include "common/server/request_size_interceptor.h"
#include "common/server/request_trace.h"
#include "common/server/tls.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/resource_quota.h"
#include "grpcpp/server_builder.h"

namespace shop {
namespace {

// Set from the signal handler; only an async-signal-safe store happens there. The waiting
// thread polls it, which keeps the handler trivial.
volatile std::sig_atomic_t g_signal_received = 0;

void OnTerminationSignal(int signal) { g_signal_received = signal; }

void InstallSignalHandlers() {
  struct sigaction action = {};
  action.sa_handler = OnTerminationSignal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGTERM, &action, nullptr);
  sigaction(SIGINT, &action, nullptr);
}

int ToMillis(absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); }

}  // namespace

absl::StatusOr<std::unique_ptr<ServingBootstrap>> ServingBootstrap::Start(
    const ServerOptions& options, std::shared_ptr<prometheus::Registry> registry,
    const std::vector<ServiceEntry>& services, bool handle_signals) {
  LogLevel level;
  if (!ParseLogLevel(options.log_level, &level)) {
    return absl::InvalidArgumentError(absl::StrCat("--log_level=", options.log_level,
                                                   " is not one of debug, info, warning, error"));
  }
  SetMinLogLevel(level);
  SetLogPayloads(options.log_payloads);
  RouteProtobufLogs();
  // Debian's abseil is built without NDEBUG, so every absl::Mutex acquisition also updates
  // a process-wide lock-order graph (under one global lock) and aborts on an order it has
  // not seen before, even one that never deadlocks. A serving process must not pay that on
  // every request nor abort on it. The unit tests, which never call Start, keep the
  // detector; which lock guards what is checked by the thread-safety preset
  // (common/README.md#locking).
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  if (options.port < 0 || options.port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("--port=", options.port, " out of range"));
  }
  if (options.max_receive_message_bytes <= 0 || options.max_send_message_bytes <= 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("--max_receive_message_bytes=", options.max_receive_message_bytes,
                     " and --max_send_message_bytes=", options.max_send_message_bytes,
                     " must both be positive"));
  }
  if (options.health_port < -1 || options.health_port > 65535 ||
      (options.health_port == options.port && options.port != 0)) {
    return absl::InvalidArgumentError(absl::StrCat("--health_port=", options.health_port,
                                                   " must be -1, 0 or a port other than --port"));
  }

  absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> credentials =
      MakeServerCredentials({options.tls_cert_file, options.tls_key_file,
                             options.tls_client_ca_file, options.tls_refresh_interval});
  if (!credentials.ok()) return credentials.status();

  std::unique_ptr<ServingBootstrap> self(new ServingBootstrap());
  self->options_ = options;
  self->registry_ = std::move(registry);
  self->handle_signals_ = handle_signals;

  // Metrics first: a port clash there should fail start-up before gRPC accepts calls.
  if (options.metrics_port >= 0) {
    auto metrics_server =
        MetricsHttpServer::Start(options.metrics_address, options.metrics_port, self->registry_);
    if (!metrics_server.ok()) return metrics_server.status();
    self->metrics_server_ = *std::move(metrics_server);
    self->metrics_port_ = self->metrics_server_->port();
  }

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();

  grpc::ServerBuilder builder;
  const std::string address = absl::StrCat(options.listen_address, ":", options.port);
  builder.AddListeningPort(address, *credentials, &self->port_);
  for (const ServiceEntry& entry : services) {
    builder.RegisterService(entry.service);
    self->service_names_.push_back(entry.name);
  }
  // gRPC sets SO_REUSEPORT by default, which lets a second process bind the same port and
  // silently take half the traffic; a port clash must fail start-up instead.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  // Core's limit is a multiple of the configured one; RequestSizeInterceptor enforces the
  // configured one where the metrics count it (see request_size_interceptor.h).
  builder.SetMaxReceiveMessageSize(CoreReceiveLimit(options.max_receive_message_bytes));
  builder.SetMaxSendMessageSize(options.max_send_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ToMillis(options.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ToMillis(options.keepalive_timeout));
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS,
                             ToMillis(options.min_client_ping_interval));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  if (options.max_connection_age > absl::ZeroDuration()) {
    builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS,
                               ToMillis(options.max_connection_age));
  }
  if (options.max_server_threads > 0) {
    grpc::ResourceQuota quota("shop_server");
    quota.SetMaxThreads(options.max_server_threads);
    builder.SetResourceQuota(quota);
  }
  if (options.max_idle_server_threads > 0) {
    builder.SetSyncServerOption(grpc::ServerBuilder::SyncServerOption::MAX_POLLERS,
                                options.max_idle_server_threads);
  }
  auto metrics = std::make_shared<GrpcServerMetrics>(*self->registry_);
  std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
  // Hooks run in this order: the request's trace is known before anything logs, and the
  // status is corrected before it is counted.
  creators.push_back(std::make_unique<RequestTraceInterceptorFactory>());
  creators.push_back(std::make_unique<ParseErrorInterceptorFactory>());
  creators.push_back(std::make_unique<RequestSizeInterceptorFactory>(
      self->service_names_, options.max_receive_message_bytes));
  creators.push_back(std::make_unique<GrpcMetricsInterceptorFactory>(metrics));
  builder.experimental().SetInterceptorCreators(std::move(creators));

  self->server_ = builder.BuildAndStart();
  if (self->server_ == nullptr || self->port_ == 0) {
    return absl::UnavailableError(
        absl::StrCat("cannot listen on ", address, " (address in use or not local?)"));
  }
  if (options.health_port >= 0) {
    // Its own default health service (no other service registered): plaintext, because
    // its clients are probes that cannot do TLS; it carries no request data.
    grpc::ServerBuilder health_builder;
    const std::string health_address =
        absl::StrCat(options.listen_address, ":", options.health_port);
    health_builder.AddListeningPort(health_address, grpc::InsecureServerCredentials(),
                                    &self->health_port_);
    health_builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
    health_builder.SetMaxReceiveMessageSize(4096);
    self->health_server_ = health_builder.BuildAndStart();
    if (self->health_server_ == nullptr || self->health_port_ == 0) {
      return absl::UnavailableError(absl::StrCat("cannot listen on ", health_address,
                                                 " for --health_port (address in use?)"));
    }
  }
  self->SetServing(false);

  if (handle_signals) InstallSignalHandlers();
  Log(LogLevel::kInfo, "server_started",
      {{"port", self->port_},
       {"metrics_port", self->metrics_port_},
       {"services", static_cast<int>(services.size())},
       {"health_port", self->health_port_}});
  return self;
}

ServingBootstrap::~ServingBootstrap() {
  RequestShutdown();
  Drain();
}

std::vector<grpc::HealthCheckServiceInterface*> ServingBootstrap::HealthServices() {
  std::vector<grpc::HealthCheckServiceInterface*> out;
  for (grpc::Server* server : {server_.get(), health_server_.get()}) {
    if (server != nullptr && server->GetHealthCheckService() != nullptr) {
      out.push_back(server->GetHealthCheckService());
    }
  }
  return out;
}

void ServingBootstrap::SetServing(bool serving) {
  for (grpc::HealthCheckServiceInterface* health : HealthServices()) {
    health->SetServingStatus(serving);
    for (const std::string& name : service_names_) health->SetServingStatus(name, serving);
  }
  Log(LogLevel::kInfo, "health_changed", {{"serving", serving}});
}

void ServingBootstrap::SetServiceServing(const std::string& service_name, bool serving) {
  for (grpc::HealthCheckServiceInterface* health : HealthServices()) {
    health->SetServingStatus(service_name, serving);
  }
  Log(LogLevel::kInfo, "health_changed", {{"service", service_name}, {"serving", serving}});
}

void ServingBootstrap::RequestShutdown() {
  if (!shutdown_requested_.HasBeenNotified()) shutdown_requested_.Notify();
}

void ServingBootstrap::WaitForShutdown() {
  while (!shutdown_requested_.WaitForNotificationWithTimeout(absl::Milliseconds(100))) {
    if (handle_signals_ && g_signal_received != 0) {
      Log(LogLevel::kInfo, "signal_received", {{"signal", static_cast<int>(g_signal_received)}});
      RequestShutdown();
    }
  }
  Drain();
}

void ServingBootstrap::Drain() {
  if (server_ == nullptr || drained_.exchange(true)) return;
  Log(LogLevel::kInfo, "shutdown_started",
      {{"shutdown_delay_s", options_.shutdown_delay},
       {"drain_deadline_s", options_.drain_deadline}});
  // Health first, so that load balancers and probes stop sending before we stop accepting.
  for (grpc::HealthCheckServiceInterface* health : HealthServices()) health->Shutdown();
  if (options_.shutdown_delay > absl::ZeroDuration()) absl::SleepFor(options_.shutdown_delay);
  const absl::Time start = absl::Now();
  // Stops accepting calls, waits for in-flight ones up to the deadline, then cancels them.
  server_->Shutdown(absl::ToChronoTime(start + options_.drain_deadline));
  server_->Wait();
  if (health_server_ != nullptr) {
    health_server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1)));
    health_server_->Wait();
  }
  Log(LogLevel::kInfo, "shutdown_complete", {{"drain_s", absl::Now() - start}});
}

int StartupFailed(const absl::Status& status) {
  Log(LogLevel::kError, "startup_failed", {{"error", status}});
  return 1;
}

}  // namespace shop
