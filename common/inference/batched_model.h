// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The common case glued together: one model from a ModelRepository behind a
// DynamicBatcher. A request is one tensor per model input, each with the same number of
// rows (usually 1). The batcher concatenates requests along dimension 0, pads variable
// dimensions (-1 in the metadata) to the longest request with the input's pad_value, runs
// the serving version once, and hands every request its rows of each output.
#ifndef SHOP_COMMON_INFERENCE_BATCHED_MODEL_H_
#define SHOP_COMMON_INFERENCE_BATCHED_MODEL_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/inference/dynamic_batcher.h"
#include "common/inference/inference_metrics.h"
#include "common/inference/model_repository.h"
#include "torch/types.h"

namespace shop {

struct InferenceOutput {
  // One tensor per metadata output, holding this request's rows.
  std::vector<torch::Tensor> outputs;
  // The version that computed them.
  int64_t model_version = 0;
};

class BatchedModel {
 public:
  using Batcher = DynamicBatcher<std::vector<torch::Tensor>, InferenceOutput>;

  // `repository` and `metrics` must outlive the BatchedModel.
  static absl::StatusOr<std::unique_ptr<BatchedModel>> Create(ModelRepository* repository,
                                                              BatcherOptions options,
                                                              InferenceMetrics* metrics);

  // Checks the inputs against the serving model's signature (INVALID_ARGUMENT naming the
  // problem), then queues them. Blocks until the result; see DynamicBatcher::Run.
  absl::StatusOr<InferenceOutput> Run(std::vector<torch::Tensor> inputs, RequestContext context);
  // Asynchronous form, for callback-API handlers.
  void Submit(std::vector<torch::Tensor> inputs, RequestContext context, Batcher::DoneFn done);

  ModelRepository* repository() { return repository_; }
  const Batcher& batcher() const { return *batcher_; }
  // For callers that batch their own unit of work over the same model (and count it in
  // the same per-model metrics); may be null.
  InferenceMetrics* metrics() const { return metrics_; }

  // Exposed for tests: merges requests into one batch and splits the outputs back.
  static std::vector<absl::StatusOr<InferenceOutput>> RunBatch(
      const TorchModel& model, std::vector<std::vector<torch::Tensor>>& requests);
  static absl::Status ValidateRequest(const ModelMetadata& metadata,
                                      const std::vector<torch::Tensor>& inputs);

 private:
  BatchedModel(ModelRepository* repository, InferenceMetrics* metrics)
      : repository_(repository), metrics_(metrics) {}

  ModelRepository* const repository_;
  InferenceMetrics* const metrics_;
  std::unique_ptr<Batcher> batcher_;
};

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_BATCHED_MODEL_H_
