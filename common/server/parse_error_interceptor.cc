// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/server/parse_error_interceptor.h"

#include <chrono>
#include <string>
#include <thread>

#include "common/server/error_details.h"
#include "common/server/grpc_status.h"
#include "grpcpp/server_context.h"

namespace shop {
namespace {

using grpc::experimental::InterceptionHookPoints;

// gRPC's own words when a call ended before a whole request message arrived: no buffer
// at all (grpcpp/impl/codegen/proto_utils.h), or an empty one (ProtoBufferReader).
bool IsNoPayload(const std::string& message) {
  return message == "No payload" || message == "Couldn't initialize byte buffer reader";
}

class ParseErrorInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit ParseErrorInterceptor(grpc::experimental::ServerRpcInfo* info)
      : method_(info->method() ? info->method() : "the method"), info_(info) {}

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(InterceptionHookPoints::PRE_SEND_STATUS)) {
      const grpc::Status status = methods->GetSendStatus();
      if (status.error_code() == grpc::StatusCode::INTERNAL && status.error_message().empty()) {
        methods->ModifySendStatus(ToGrpcStatus(WithReason(
            InvalidFieldError("", "the request could not be parsed as the request message of " +
                                      method_ +
                                      "; a string field holding invalid UTF-8 is the usual "
                                      "cause (send UTF-8 text)"),
            "MALFORMED_REQUEST")));
      } else if (status.error_code() == grpc::StatusCode::INTERNAL &&
                 IsNoPayload(status.error_message())) {
        methods->ModifySendStatus(ToGrpcStatus(NoRequestStatus()));
      } else if (!status.ok() && status.error_details().empty()) {
        // A status made without error details (by a handler directly, or by gRPC's
        // generated code) still gets its ErrorInfo (and RetryInfo where due).
        methods->ModifySendStatus(ToGrpcStatus(FromGrpcStatus(status)));
      }
    }
    methods->Proceed();
  }

 private:
  // No request message: the client reset the stream or hung up before sending all of it
  // (nobody hears the answer; it is counted as the client's CANCELLED, or DEADLINE_EXCEEDED
  // when its deadline had passed), or it ended the stream early, e.g. after fewer bytes
  // than the message's length prefix promised (its fault: INVALID_ARGUMENT).
  absl::Status NoRequestStatus() const {
    const grpc::ServerContextBase* context = info_->server_context();
    // A reset or hang-up reaches the call's cancellation a moment after it cut the body
    // short: look again for a few milliseconds (only calls without a request pay this).
    bool cancelled = context != nullptr && context->IsCancelled();
    for (int i = 0; context != nullptr && !cancelled && i < 20; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
      cancelled = context->IsCancelled();
    }
    if (cancelled) {
      if (context->deadline() <= std::chrono::system_clock::now()) {
        return absl::DeadlineExceededError("the deadline passed before the request of " + method_ +
                                           " arrived");
      }
      return absl::CancelledError("the client cancelled " + method_ +
                                  " before sending its request");
    }
    return WithReason(InvalidFieldError("", "the call to " + method_ +
                                                " ended before a whole request message arrived "
                                                "(no message, or fewer bytes than its length "
                                                "prefix says)"),
                      "INCOMPLETE_REQUEST");
  }

  std::string method_;
  grpc::experimental::ServerRpcInfo* info_;
};

}  // namespace

grpc::experimental::Interceptor* ParseErrorInterceptorFactory::CreateServerInterceptor(
    grpc::experimental::ServerRpcInfo* info) {
  return new ParseErrorInterceptor(info);
}

}  // namespace shop
