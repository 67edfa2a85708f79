// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "examples/minimal_service/example_service.h"

#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/server/grpc_status.h"
#include "grpcpp/alarm.h"

namespace shop::example {
namespace {

using shop::example::v1::InferRequest;
using shop::example::v1::InferResponse;

// One call: optionally holds (test hook), then queues the features for inference and
// finishes from the batcher's callback. Deletes itself when gRPC is done with it.
class InferReactor : public grpc::ServerUnaryReactor {
 public:
  InferReactor(grpc::CallbackServerContext* context, BatchedModel* model,
               const InferRequest* request, InferResponse* response)
      : context_(context), model_(model), request_(request), response_(response) {
    if (model_ == nullptr) {
      Finish(grpc::Status(grpc::StatusCode::UNAVAILABLE, "model is loading; retry shortly"));
      return;
    }
    if (request_->hold_ms() > ExampleService::kMaxHoldMs) {
      Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          absl::StrCat("hold_ms must be <= ", ExampleService::kMaxHoldMs)));
      return;
    }
    if (request_->hold_ms() == 0) {
      Enqueue();
      return;
    }
    alarm_set_ = true;
    alarm_.Set(std::chrono::system_clock::now() + std::chrono::milliseconds(request_->hold_ms()),
               [this](bool fired) {
                 if (fired) {
                   Enqueue();
                 } else {
                   Finish(grpc::Status(grpc::StatusCode::CANCELLED, "call cancelled while held"));
                 }
               });
  }

  // The client left or the server is shutting down: stop holding.
  void OnCancel() override {
    if (alarm_set_) alarm_.Cancel();
  }
  void OnDone() override { delete this; }

 private:
  void Enqueue() {
    torch::Tensor features = torch::from_blob(const_cast<float*>(request_->features().data()),
                                              {1, request_->features_size()}, torch::kFloat32)
                                 .clone();
    RequestContext ctx;
    ctx.deadline = absl::FromChrono(context_->deadline());
    ctx.is_cancelled = [context = context_] { return context->IsCancelled(); };
    model_->Submit({features}, std::move(ctx), [this](absl::StatusOr<InferenceOutput> result) {
      if (!result.ok()) {
        Finish(ToGrpcStatus(result.status()));
        return;
      }
      const torch::Tensor scores = result->outputs[0].reshape({-1}).contiguous();
      const float* data = scores.data_ptr<float>();
      response_->mutable_scores()->Assign(data, data + scores.numel());
      response_->set_model_version(result->model_version);
      Finish(grpc::Status::OK);
    });
  }

  grpc::CallbackServerContext* context_;
  BatchedModel* model_;
  const InferRequest* request_;
  InferResponse* response_;
  grpc::Alarm alarm_;
  bool alarm_set_ = false;
};

}  // namespace

grpc::ServerUnaryReactor* ExampleService::Infer(grpc::CallbackServerContext* context,
                                                const InferRequest* request,
                                                InferResponse* response) {
  return new InferReactor(context, model_.load(), request, response);
}

}  // namespace shop::example
