// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// One loaded, warmed-up version of a TorchScript model. Immutable after Create(), so many
// inference workers can call Forward() concurrently and a hot reload can swap the whole
// object while old batches finish on the previous one.
#ifndef SHOP_COMMON_INFERENCE_TORCH_MODEL_H_
#define SHOP_COMMON_INFERENCE_TORCH_MODEL_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/inference/model_metadata.h"
#include "torch/script.h"

namespace shop {

class TorchModel {
 public:
  // Loads `<version_dir>/metadata.json` and the TorchScript file it names, then runs the
  // warm-up inferences it asks for and checks the outputs against the metadata. Any failure
  // (missing file, corrupt archive, wrong signature) is a status, never an exception.
  // A non-empty `variant` loads metadata.variants[variant] instead of metadata.file.
  static absl::StatusOr<std::shared_ptr<const TorchModel>> Load(const std::string& version_dir,
                                                                const std::string& variant = "");

  // Runs the model on batched inputs (one tensor per metadata input, batch dimension 0).
  // Returns one tensor per metadata output. Thread-safe.
  absl::StatusOr<std::vector<torch::Tensor>> Forward(
      const std::vector<torch::Tensor>& inputs) const;

  // Calls another exported method of the module (e.g. a decoder step) with tensor
  // arguments and returns its tensor outputs. No signature checks: the caller owns the
  // contract of that method. Thread-safe.
  absl::StatusOr<std::vector<torch::Tensor>> RunMethod(
      const std::string& method, const std::vector<torch::Tensor>& inputs) const;

  const ModelMetadata& metadata() const { return metadata_; }
  int64_t version() const { return metadata_.version; }
  const std::string& directory() const { return directory_; }

  // The loaded module, read-only: for code that computes a small model directly from its
  // weights (services/support-bot/intent_ensemble.h) instead of through the interpreter.
  const torch::jit::script::Module& module() const { return module_; }

  // Extra tensors saved in the module as attributes (e.g. an item embedding table for
  // similar-item lookups), read once at load time.
  absl::StatusOr<torch::Tensor> Attribute(const std::string& name) const;

 private:
  TorchModel(ModelMetadata metadata, std::string directory, torch::jit::script::Module module)
      : metadata_(std::move(metadata)),
        directory_(std::move(directory)),
        module_(std::move(module)) {}
  absl::Status Warmup() const;

  ModelMetadata metadata_;
  std::string directory_;
  // forward() on a TorchScript module does not mutate it; `mutable` only because the
  // Module API is not const-qualified.
  mutable torch::jit::script::Module module_;
};

// Zero tensors shaped for `spec` with `batch` rows and variable dimensions of length 1.
torch::Tensor ExampleTensor(const TensorSpec& spec, int64_t batch);

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_TORCH_MODEL_H_
