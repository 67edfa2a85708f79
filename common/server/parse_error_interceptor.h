// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Turns gRPC's answer to an unparseable request into INVALID_ARGUMENT.
//
// The protobuf runtime rejects a proto3 string field holding invalid UTF-8 while parsing,
// before any handler runs, and gRPC then answers INTERNAL with an empty message: the
// wrong code (the caller sent bad input, retrying will not help) and nothing to act on.
// That status is recognisable: no handler here ever returns INTERNAL without a message
// (ToGrpcStatus keeps absl messages, and every absl error we build has one).
#ifndef SHOP_COMMON_SERVER_PARSE_ERROR_INTERCEPTOR_H_
#define SHOP_COMMON_SERVER_PARSE_ERROR_INTERCEPTOR_H_

#include "grpcpp/support/server_interceptor.h"

namespace shop {

class ParseErrorInterceptorFactory : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_PARSE_ERROR_INTERCEPTOR_H_
