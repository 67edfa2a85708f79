// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Standard gRPC server metrics, collected by a server interceptor so that no handler has to
// remember them. Names follow go-grpc-prometheus, which dashboards and alerts already know:
//   grpc_server_started_total{grpc_service,grpc_method,grpc_type}
//   grpc_server_handled_total{grpc_service,grpc_method,grpc_type,grpc_code}
//   grpc_server_handling_seconds{grpc_service,grpc_method,grpc_type}  (histogram)
//   grpc_server_in_flight{grpc_service,grpc_method}                   (gauge)
#ifndef SHOP_COMMON_SERVER_GRPC_METRICS_H_
#define SHOP_COMMON_SERVER_GRPC_METRICS_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "grpcpp/support/server_interceptor.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/gauge.h"
#include "prometheus/histogram.h"
#include "prometheus/registry.h"

namespace shop {

// Owns the metric families; shared by every per-call interceptor.
class GrpcServerMetrics {
 public:
  explicit GrpcServerMetrics(prometheus::Registry& registry);

  void OnStart(absl::string_view full_method, grpc::experimental::ServerRpcInfo::Type type);
  void OnFinish(absl::string_view full_method, grpc::experimental::ServerRpcInfo::Type type,
                grpc::StatusCode code, double seconds);

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& handling_seconds_;
  prometheus::Family<prometheus::Gauge>& in_flight_;
};

// gRPC code as Prometheus label value, e.g. "OK", "INVALID_ARGUMENT".
const char* GrpcCodeName(grpc::StatusCode code);

// Splits "/pkg.Service/Method" into service and method; unparsable names pass through.
void SplitFullMethod(absl::string_view full_method, std::string* service, std::string* method);

class GrpcMetricsInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit GrpcMetricsInterceptorFactory(std::shared_ptr<GrpcServerMetrics> metrics)
      : metrics_(std::move(metrics)) {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::shared_ptr<GrpcServerMetrics> metrics_;
};

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_GRPC_METRICS_H_
