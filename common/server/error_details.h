// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Machine-readable error details, the google.rpc error model (AIP-193): a caller reads
// which request field was wrong, a stable reason to switch on, and how long to wait before
// a retry, instead of parsing messages.
//
// Inside the services they ride on absl::Status payloads, keyed by the details' type URLs
// (so they survive RETURN_IF_ERROR and StatusOr); ToGrpcStatus (grpc_status.h) packs them
// into the google.rpc.Status that gRPC sends in the `grpc-status-details-bin` trailer,
// adding what every error carries:
//   - google.rpc.ErrorInfo {reason, domain "shop-ai"} on every error: the reason given with
//     WithReason, else the code's name ("INVALID_ARGUMENT", "NOT_FOUND", ...);
//   - google.rpc.BadRequest with the field path on INVALID_ARGUMENT made by
//     InvalidFieldError ("options.beam_size", "texts[2]", "recent_item_ids[0]");
//   - google.rpc.RetryInfo on RESOURCE_EXHAUSTED and UNAVAILABLE: the delay given with
//     WithRetryDelay, else 200 ms (queue full) / 1 s (unavailable). WithoutRetry drops it
//     where waiting cannot help (a request over the size limit).
#ifndef SHOP_COMMON_SERVER_ERROR_DETAILS_H_
#define SHOP_COMMON_SERVER_ERROR_DETAILS_H_

#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/rpc/status.pb.h"

namespace shop {

// ErrorInfo.domain of every error the services return.
inline constexpr char kErrorDomain[] = "shop-ai";

// Default RetryInfo delays.
inline constexpr absl::Duration kRetryAfterExhausted = absl::Milliseconds(200);
inline constexpr absl::Duration kRetryAfterUnavailable = absl::Seconds(1);

// INVALID_ARGUMENT whose BadRequest names `field` (the proto field path the caller
// wrote, e.g. "options.beam_size" or "texts[2]"; "" = the request as a whole) with
// `message` as both the status message and the violation's description.
absl::Status InvalidFieldError(absl::string_view field, absl::string_view message);
// The same with one violation per field, for a rule that no single field breaks ("give
// user_id, recent_item_ids, or both").
absl::Status InvalidFieldsError(std::initializer_list<absl::string_view> fields,
                                absl::string_view message);

// `status` with ErrorInfo.reason `reason` (UPPER_SNAKE_CASE, stable: callers switch on
// it). No-op on OK.
absl::Status WithReason(absl::Status status, absl::string_view reason);

// `status` with RetryInfo.retry_delay `delay`. No-op on OK.
absl::Status WithRetryDelay(absl::Status status, absl::Duration delay);

// `status` without any RetryInfo, not even the default: retrying the same call cannot
// succeed. No-op on OK.
absl::Status WithoutRetry(absl::Status status);

// Reading them back (tests, and C++ callers of our own clients).
std::vector<std::pair<std::string, std::string>> FieldViolations(const absl::Status& status);
std::string ErrorReason(const absl::Status& status);  // "" when none was set

// The google.rpc.Status of `status`: code, message and the details above, defaults
// added. ToGrpcStatus sends it with grpc::SetErrorDetails.
google::rpc::Status ToRpcStatus(const absl::Status& status);

}  // namespace shop

#endif  // SHOP_COMMON_SERVER_ERROR_DETAILS_H_
