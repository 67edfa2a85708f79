// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/error_details.h"

#include <optional>

#include "absl/strings/match.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace shop {
namespace {

constexpr char kTypePrefix[] = "type.googleapis.com/";
// A payload of our own that only says "no RetryInfo"; never sent.
constexpr char kNoRetryUrl[] = "shop-ai/no-retry";

std::string TypeUrl(const google::protobuf::Message& m) {
  return std::string(kTypePrefix) + m.GetDescriptor()->full_name();
}

template <typename T>
std::optional<T> Payload(const absl::Status& status) {
  T message;
  // absl::optional: Debian's abseil is not built with std::optional as absl::optional.
  absl::optional<absl::Cord> cord = status.GetPayload(TypeUrl(message));
  if (!cord.has_value() || !message.ParseFromString(std::string(*cord))) return std::nullopt;
  return message;
}

void SetPayload(absl::Status& status, const google::protobuf::Message& m) {
  status.SetPayload(TypeUrl(m), absl::Cord(m.SerializeAsString()));
}

google::rpc::RetryInfo RetryAfter(absl::Duration delay) {
  google::rpc::RetryInfo retry;
  const int64_t nanos = absl::ToInt64Nanoseconds(delay);
  retry.mutable_retry_delay()->set_seconds(nanos / 1000000000);
  retry.mutable_retry_delay()->set_nanos(static_cast<int32_t>(nanos % 1000000000));
  return retry;
}

}  // namespace

absl::Status InvalidFieldError(absl::string_view field, absl::string_view message) {
  return InvalidFieldsError({field}, message);
}

absl::Status InvalidFieldsError(std::initializer_list<absl::string_view> fields,
                                absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  google::rpc::BadRequest bad_request;
  for (absl::string_view field : fields) {
    google::rpc::BadRequest::FieldViolation* v = bad_request.add_field_violations();
    v->set_field(std::string(field));
    v->set_description(std::string(message));
  }
  SetPayload(status, bad_request);
  return status;
}

absl::Status WithReason(absl::Status status, absl::string_view reason) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(kErrorDomain);
  SetPayload(status, info);
  return status;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  SetPayload(status, RetryAfter(delay));
  status.ErasePayload(kNoRetryUrl);
  return status;
}

absl::Status WithoutRetry(absl::Status status) {
  if (status.ok()) return status;
  status.ErasePayload(TypeUrl(google::rpc::RetryInfo()));
  status.SetPayload(kNoRetryUrl, absl::Cord());
  return status;
}

std::vector<std::pair<std::string, std::string>> FieldViolations(const absl::Status& status) {
  std::vector<std::pair<std::string, std::string>> out;
  if (auto bad_request = Payload<google::rpc::BadRequest>(status)) {
    for (const auto& v : bad_request->field_violations())
      out.emplace_back(v.field(), v.description());
  }
  return out;
}

std::string ErrorReason(const absl::Status& status) {
  auto info = Payload<google::rpc::ErrorInfo>(status);
  return info.has_value() ? info->reason() : "";
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(std::string(status.message()));
  bool has_info = false, has_retry = false;
  const std::string info_url = TypeUrl(google::rpc::ErrorInfo());
  const std::string retry_url = TypeUrl(google::rpc::RetryInfo());
  status.ForEachPayload([&](absl::string_view url, const absl::Cord& value) {
    if (!absl::StartsWith(url, std::string(kTypePrefix) + "google.rpc.")) return;
    google::protobuf::Any* any = rpc.add_details();
    any->set_type_url(std::string(url));
    any->set_value(std::string(value));
    has_info |= url == info_url;
    has_retry |= url == retry_url;
  });
  if (!has_info) {
    google::rpc::ErrorInfo info;
    info.set_reason(absl::StatusCodeToString(status.code()));
    info.set_domain(kErrorDomain);
    rpc.add_details()->PackFrom(info);
  }
  const bool retryable = absl::IsResourceExhausted(status) || absl::IsUnavailable(status);
  if (retryable && !has_retry && !status.GetPayload(kNoRetryUrl).has_value()) {
    rpc.add_details()->PackFrom(
        RetryAfter(absl::IsUnavailable(status) ? kRetryAfterUnavailable : kRetryAfterExhausted));
  }
  return rpc;
}

}  // namespace shop
