// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Enforces --max_receive_message_bytes where the server's metrics see it. gRPC core refuses
// a message over its own limit before the call reaches any interceptor or handler, so those
// refusals never reached grpc_server_handled_total. The server therefore gives core a hard
// limit of kCoreLimitFactor times the configured one (a bound on memory per call) and this
// interceptor refuses what lies between: it answers RESOURCE_EXHAUSTED with the sizes,
// counted like any other status, and clears the request so that the handler, which still
// runs, sees an empty message and changes nothing (a refused RecordEvent is not stored).
//
// Only the application's own services are checked: their requests are protobuf messages.
// gRPC's health service reads raw byte buffers, which must not be cast.
#ifndef SHOP_COMMON_SERVER_REQUEST_SIZE_INTERCEPTOR_H_
#define SHOP_COMMON_SERVER_REQUEST_SIZE_INTERCEPTOR_H_

#include <string>
#include <vector>

#include "grpcpp/support/server_interceptor.h"

namespace shop {

// Messages over this many times the configured limit are refused by gRPC core itself
// (also RESOURCE_EXHAUSTED to the client, but not counted by the server's metrics).
inline constexpr int kCoreLimitFactor = 2;

// The receive limit to give gRPC core for a configured limit (saturates at INT_MAX).
int CoreReceiveLimit(int configured_bytes);

class RequestSizeInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  // `services`: full proto names ("shop.recommender.v1.Recommender") whose methods are
  // checked; `max_bytes`: the configured limit.
  RequestSizeInterceptorFactory(std::vector<std::string> services, int max_bytes);

  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;

 private:
  std::vector<std::string> prefixes_;  // "/<service>/"
  int max_bytes_;
};

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_REQUEST_SIZE_INTERCEPTOR_H_
