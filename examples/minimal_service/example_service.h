// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The minimal service (the template for a new service, README.md beside it; also what the
// common layer's tests and the batching benchmark run): shop.example.v1 served
// with the callback API, one model behind the common dynamic batcher. No handler thread
// blocks on inference: the batcher's worker finishes the call.
#ifndef SHOP_EXAMPLES_MINIMAL_SERVICE_EXAMPLE_SERVICE_H_
#define SHOP_EXAMPLES_MINIMAL_SERVICE_EXAMPLE_SERVICE_H_

#include <atomic>

#include "common/inference/batched_model.h"
#include "shop/example/v1/example.grpc.pb.h"

namespace shop::example {

class ExampleService final : public shop::example::v1::ExampleInference::CallbackService {
 public:
  static constexpr uint32_t kMaxHoldMs = 10000;

  // Until a model is set, calls get UNAVAILABLE. `model` must outlive the service's use.
  void SetModel(BatchedModel* model) { model_.store(model); }

  grpc::ServerUnaryReactor* Infer(grpc::CallbackServerContext* context,
                                  const shop::example::v1::InferRequest* request,
                                  shop::example::v1::InferResponse* response) override;

 private:
  std::atomic<BatchedModel*> model_{nullptr};
};

}  // namespace shop::example

#endif  // SHOP_EXAMPLES_MINIMAL_SERVICE_EXAMPLE_SERVICE_H_
