// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The google.rpc error details that ToGrpcStatus sends: field violations, a reason on
// every error, retry delays where waiting helps, and nothing of ours on the wire.
#include "common/server/error_details.h"

#include "absl/status/statusor.h"
#include "common/server/grpc_status.h"
#include "google/rpc/error_details.pb.h"
#include "grpcpp/support/error_details.h"
#include "tests/catch.h"

namespace shop {
namespace {

// The google.rpc.Status a client reads from the grpc::Status.
google::rpc::Status Sent(const absl::Status& status) {
  const grpc::Status wire = ToGrpcStatus(status);
  google::rpc::Status rpc;
  REQUIRE(grpc::ExtractErrorDetails(wire, &rpc).ok());
  REQUIRE(rpc.code() == static_cast<int>(wire.error_code()));
  REQUIRE(rpc.message() == wire.error_message());
  return rpc;
}

template <typename T>
int Count(const google::rpc::Status& rpc, T* last = nullptr) {
  int n = 0;
  for (const auto& any : rpc.details()) {
    T detail;
    if (any.UnpackTo(&detail)) {
      ++n;
      if (last != nullptr) *last = detail;
    }
  }
  return n;
}

TEST_CASE("an invalid field reaches the client as a BadRequest field violation") {
  const absl::Status status = InvalidFieldError("options.beam_size", "beam_size 99 > 8");
  CHECK(absl::IsInvalidArgument(status));
  CHECK(status.message() == "beam_size 99 > 8");
  REQUIRE(FieldViolations(status).size() == 1);
  CHECK(FieldViolations(status)[0].first == "options.beam_size");

  google::rpc::BadRequest bad;
  const google::rpc::Status rpc = Sent(status);
  REQUIRE(Count(rpc, &bad) == 1);
  REQUIRE(bad.field_violations_size() == 1);
  CHECK(bad.field_violations(0).field() == "options.beam_size");
  CHECK(bad.field_violations(0).description() == "beam_size 99 > 8");
  google::rpc::ErrorInfo info;
  REQUIRE(Count(rpc, &info) == 1);
  CHECK(info.reason() == "INVALID_ARGUMENT");
  CHECK(info.domain() == kErrorDomain);
  CHECK(Count<google::rpc::RetryInfo>(rpc) == 0);

  const absl::Status both = InvalidFieldsError({"user_id", "recent_item_ids"}, "give one");
  REQUIRE(FieldViolations(both).size() == 2);
  CHECK(FieldViolations(both)[1].first == "recent_item_ids");
}

TEST_CASE("details survive StatusOr and RETURN_IF_ERROR-style propagation") {
  auto inner = []() -> absl::StatusOr<int> { return InvalidFieldError("texts[2]", "empty"); };
  auto outer = [&]() -> absl::Status {
    absl::StatusOr<int> v = inner();
    if (!v.ok()) return v.status();
    return absl::OkStatus();
  };
  REQUIRE(FieldViolations(outer()).size() == 1);
  CHECK(FieldViolations(outer())[0].first == "texts[2]");
}

TEST_CASE("every error carries an ErrorInfo: the given reason or the code's name") {
  google::rpc::ErrorInfo info;
  REQUIRE(Count(Sent(absl::NotFoundError("no such order")), &info) == 1);
  CHECK(info.reason() == "NOT_FOUND");
  const absl::Status reasoned = WithReason(absl::NotFoundError("no such order"), "ORDER_NOT_FOUND");
  CHECK(ErrorReason(reasoned) == "ORDER_NOT_FOUND");
  REQUIRE(Count(Sent(reasoned), &info) == 1);
  CHECK(info.reason() == "ORDER_NOT_FOUND");
  CHECK(info.domain() == kErrorDomain);
  CHECK(ErrorReason(absl::InternalError("x")).empty());
  CHECK(WithReason(absl::OkStatus(), "X").ok());
  CHECK(ToGrpcStatus(absl::OkStatus()).ok());
  CHECK(ToGrpcStatus(absl::OkStatus()).error_details().empty());
}

TEST_CASE("RESOURCE_EXHAUSTED and UNAVAILABLE carry a RetryInfo unless retrying cannot help") {
  google::rpc::RetryInfo retry;
  REQUIRE(Count(Sent(absl::ResourceExhaustedError("queue full")), &retry) == 1);
  CHECK(retry.retry_delay().seconds() == 0);
  CHECK(retry.retry_delay().nanos() == 200000000);
  REQUIRE(Count(Sent(absl::UnavailableError("loading")), &retry) == 1);
  CHECK(retry.retry_delay().seconds() == 1);

  const absl::Status slow = WithRetryDelay(absl::UnavailableError("x"), absl::Milliseconds(2500));
  REQUIRE(Count(Sent(slow), &retry) == 1);
  CHECK(retry.retry_delay().seconds() == 2);
  CHECK(retry.retry_delay().nanos() == 500000000);

  const absl::Status never = WithoutRetry(absl::ResourceExhaustedError("too large"));
  const google::rpc::Status rpc = Sent(never);
  CHECK(Count<google::rpc::RetryInfo>(rpc) == 0);
  CHECK(Count<google::rpc::ErrorInfo>(rpc) == 1);
  // Only google.rpc details go on the wire, not the private "no retry" mark.
  for (const auto& any : rpc.details()) {
    CHECK(any.type_url().rfind("type.googleapis.com/google.rpc.", 0) == 0);
  }
  CHECK(Count<google::rpc::RetryInfo>(Sent(absl::InvalidArgumentError("x"))) == 0);
}

}  // namespace
}  // namespace shop
