// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Gives the statuses gRPC itself answers for a broken request the code that says whose
// fault it is; gRPC says INTERNAL (a server fault, which pages) for all of them:
// - a request that does not parse (a proto3 string field holding invalid UTF-8: the
//   protobuf runtime rejects it before any handler runs; INTERNAL with an empty message)
//   -> INVALID_ARGUMENT;
// - no request message ("No payload", "Couldn't initialize byte buffer reader"): the client reset
// the stream or hung up before or
//   during the body -> CANCELLED (DEADLINE_EXCEEDED when its deadline had passed); it
//   ended the stream without a whole message (broken framing) -> INVALID_ARGUMENT.
// Both are recognisable: no handler here returns INTERNAL without a message or with
// those words of gRPC's (ToGrpcStatus keeps absl messages, and every absl error we build has
// one). Installed before the metrics interceptor, so the metrics count the corrected code.
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
