// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/request_size_interceptor.h"

#include <climits>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/server/error_details.h"
#include "common/server/grpc_status.h"
#include "google/protobuf/message_lite.h"

namespace shop {
namespace {

using grpc::experimental::InterceptionHookPoints;

class RequestSizeInterceptor : public grpc::experimental::Interceptor {
 public:
  RequestSizeInterceptor(grpc::experimental::ServerRpcInfo* info, int max_bytes)
      : info_(info), max_bytes_(max_bytes) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::POST_RECV_MESSAGE)) {
      // The services checked here are generated protobuf services: the received message is
      // a generated class, whose only base chain is Message -> MessageLite.
      auto* message = static_cast<google::protobuf::MessageLite*>(methods->GetRecvMessage());
      if (message != nullptr && refusal_.empty()) {
        const size_t bytes = message->ByteSizeLong();
        if (bytes > static_cast<size_t>(max_bytes_)) Refuse(bytes, message);
      }
    }
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS) &&
        !refusal_.empty()) {
      // Whatever the handler said about the emptied request, the client was told this.
      // No RetryInfo: the same request will be as large next time.
      methods->ModifySendStatus(ToGrpcStatus(
          WithoutRetry(WithReason(absl::ResourceExhaustedError(refusal_), "REQUEST_TOO_LARGE"))));
    }
    methods->Proceed();
  }

 private:
  void Refuse(size_t bytes, google::protobuf::MessageLite* message) {
    refusal_ = absl::StrCat("the request message to ", info_->method(), " is ", bytes,
                            " bytes; this server accepts at most ", max_bytes_,
                            " (--max_receive_message_bytes): send less per call");
    // The handler runs on an empty message (changing nothing); whatever it answers is
    // replaced at PRE_SEND_STATUS above by this refusal, with its error details (ErrorInfo
    // REQUEST_TOO_LARGE, no RetryInfo). Cancelling the call here instead would answer
    // sooner but could carry no details: a cancellation has no trailing metadata.
    message->Clear();
  }

  grpc::experimental::ServerRpcInfo* info_;
  const int max_bytes_;
  std::string refusal_;  // non-empty once the request was refused
};

}  // namespace

int CoreReceiveLimit(int configured_bytes) {
  if (configured_bytes > INT_MAX / kCoreLimitFactor) return INT_MAX;
  return configured_bytes * kCoreLimitFactor;
}

RequestSizeInterceptorFactory::RequestSizeInterceptorFactory(std::vector<std::string> services,
                                                             int max_bytes)
    : max_bytes_(max_bytes) {
  for (const std::string& s : services) prefixes_.push_back(absl::StrCat("/", s, "/"));
}

grpc::experimental::Interceptor* RequestSizeInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  const char* method = info->method();
  if (method == nullptr) return nullptr;
  for (const std::string& prefix : prefixes_) {
    if (absl::StartsWith(method, prefix)) return new RequestSizeInterceptor(info, max_bytes_);
  }
  return nullptr;  // not one of ours (health, reflection): no interceptor
}

}  // namespace shop
