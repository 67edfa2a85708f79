// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/grpc_metrics.h"

#include <chrono>
#include <utility>

namespace shop {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

const char* TypeName(ServerRpcInfo::Type type) {
  switch (type) {
    case ServerRpcInfo::Type::UNARY:
      return "unary";
    case ServerRpcInfo::Type::CLIENT_STREAMING:
      return "client_stream";
    case ServerRpcInfo::Type::SERVER_STREAMING:
      return "server_stream";
    case ServerRpcInfo::Type::BIDI_STREAMING:
      return "bidi_stream";
  }
  return "unary";
}

// Buckets from 100 us to 30 s: inference calls sit in the low milliseconds, but queueing
// under overload and long translations must still land in a finite bucket.
prometheus::Histogram::BucketBoundaries LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30};
}

class MetricsInterceptor : public grpc::experimental::Interceptor {
 public:
  MetricsInterceptor(GrpcServerMetrics* metrics, ServerRpcInfo* info)
      : metrics_(metrics),
        method_(info->method() != nullptr ? info->method() : "unknown"),
        type_(info->type()),
        start_(std::chrono::steady_clock::now()) {
    metrics_->OnStart(method_, type_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    // Counted when the status is about to be sent, not when the call object is destroyed
    // later: a client that reads /metrics right after its call returns must see the call.
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      Finish(methods->GetSendStatus().error_code());
    }
    methods->Proceed();
  }

  ~MetricsInterceptor() override {
    // A call that ends without a status being sent was cancelled by the client or by the
    // server's shutdown.
    Finish(grpc::StatusCode::CANCELLED);
  }

 private:
  void Finish(grpc::StatusCode code) {
    if (finished_) return;
    finished_ = true;
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    metrics_->OnFinish(method_, type_, code, seconds);
  }

  GrpcServerMetrics* metrics_;
  std::string method_;
  ServerRpcInfo::Type type_;
  std::chrono::steady_clock::time_point start_;
  bool finished_ = false;
};

}  // namespace

const char* GrpcCodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "CANCELLED";
    case grpc::StatusCode::UNKNOWN:
      return "UNKNOWN";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INVALID_ARGUMENT";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DEADLINE_EXCEEDED";
    case grpc::StatusCode::NOT_FOUND:
      return "NOT_FOUND";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "ALREADY_EXISTS";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PERMISSION_DENIED";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "RESOURCE_EXHAUSTED";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FAILED_PRECONDITION";
    case grpc::StatusCode::ABORTED:
      return "ABORTED";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OUT_OF_RANGE";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIMPLEMENTED";
    case grpc::StatusCode::INTERNAL:
      return "INTERNAL";
    case grpc::StatusCode::UNAVAILABLE:
      return "UNAVAILABLE";
    case grpc::StatusCode::DATA_LOSS:
      return "DATA_LOSS";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

void SplitFullMethod(absl::string_view full_method, std::string* service, std::string* method) {
  absl::string_view s = full_method;
  if (!s.empty() && s.front() == '/') s.remove_prefix(1);
  const size_t slash = s.find('/');
  if (slash == absl::string_view::npos) {
    *service = std::string(s);
    method->clear();
    return;
  }
  *service = std::string(s.substr(0, slash));
  *method = std::string(s.substr(slash + 1));
}

GrpcServerMetrics::GrpcServerMetrics(prometheus::Registry& registry)
    : started_(prometheus::BuildCounter()
                   .Name("grpc_server_started_total")
                   .Help("RPCs started on the server.")
                   .Register(registry)),
      handled_(prometheus::BuildCounter()
                   .Name("grpc_server_handled_total")
                   .Help("RPCs completed on the server, by gRPC status code.")
                   .Register(registry)),
      handling_seconds_(prometheus::BuildHistogram()
                            .Name("grpc_server_handling_seconds")
                            .Help("Latency of RPCs from start to status, in seconds.")
                            .Register(registry)),
      in_flight_(prometheus::BuildGauge()
                     .Name("grpc_server_in_flight")
                     .Help("RPCs currently being handled.")
                     .Register(registry)) {}

void GrpcServerMetrics::OnStart(absl::string_view full_method, ServerRpcInfo::Type type) {
  std::string service, method;
  SplitFullMethod(full_method, &service, &method);
  started_.Add({{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", TypeName(type)}})
      .Increment();
  in_flight_.Add({{"grpc_service", service}, {"grpc_method", method}}).Increment();
}

void GrpcServerMetrics::OnFinish(absl::string_view full_method, ServerRpcInfo::Type type,
                                 grpc::StatusCode code, double seconds) {
  std::string service, method;
  SplitFullMethod(full_method, &service, &method);
  handled_
      .Add({{"grpc_service", service},
            {"grpc_method", method},
            {"grpc_type", TypeName(type)},
            {"grpc_code", GrpcCodeName(code)}})
      .Increment();
  handling_seconds_
      .Add({{"grpc_service", service}, {"grpc_method", method}, {"grpc_type", TypeName(type)}},
           LatencyBuckets())
      .Observe(seconds);
  in_flight_.Add({{"grpc_service", service}, {"grpc_method", method}}).Decrement();
}

grpc::experimental::Interceptor* GrpcMetricsInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new MetricsInterceptor(metrics_.get(), info);
}

}  // namespace shop
