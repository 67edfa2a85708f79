// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// One model as a service binary serves it, wired in one call: LibTorch/OpenBLAS threads,
// per-model metrics, the repository (initial load, warm-up, hot reload) and the dynamic
// batcher in front of it.
#ifndef SHOP_COMMON_INFERENCE_SERVED_MODEL_H_
#define SHOP_COMMON_INFERENCE_SERVED_MODEL_H_

#include <memory>

#include "absl/status/statusor.h"
#include "common/inference/batched_model.h"
#include "common/inference/inference_options.h"
#include "prometheus/registry.h"

namespace shop {

class ServedModel {
 public:
  // Loads and warms up the model; `registry` must outlive the result.
  static absl::StatusOr<std::unique_ptr<ServedModel>> Load(const InferenceOptions& options,
                                                           prometheus::Registry& registry);

  BatchedModel* model() { return model_.get(); }
  ModelRepository* repository() { return repository_.get(); }
  // For a caller that computes some requests itself (without the batcher) and should
  // still count them under this model.
  InferenceMetrics* metrics() { return &metrics_; }

 private:
  ServedModel(prometheus::Registry& registry, const std::string& name) : metrics_(registry, name) {}

  // Declared in dependency order: destroyed batcher first, metrics last.
  InferenceMetrics metrics_;
  std::unique_ptr<ModelRepository> repository_;
  std::unique_ptr<BatchedModel> model_;
};

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_SERVED_MODEL_H_
