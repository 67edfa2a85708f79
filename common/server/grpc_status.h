// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The one place where absl::Status becomes grpc::Status: inside the services everything
// is absl::Status; only the RPC boundary converts.
#ifndef SHOP_COMMON_SERVER_GRPC_STATUS_H_
#define SHOP_COMMON_SERVER_GRPC_STATUS_H_

#include <string>

#include "absl/status/status.h"
#include "common/server/error_details.h"
#include "grpcpp/support/error_details.h"
#include "grpcpp/support/status.h"

namespace shop {

// The canonical codes of absl and gRPC have the same numbering. The error details
// (error_details.h: BadRequest, ErrorInfo, RetryInfo) go along as the google.rpc.Status
// that gRPC sends in the grpc-status-details-bin trailer.
inline grpc::Status ToGrpcStatus(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  grpc::Status out;
  grpc::SetErrorDetails(ToRpcStatus(status), &out);
  return out;
}

// Code and message only: a dependency's details (its field names, its reasons) are not
// ours to pass on to our callers.
inline absl::Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()), status.error_message());
}

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_GRPC_STATUS_H_
