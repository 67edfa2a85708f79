// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The small file that sits beside every TorchScript model, `metadata.json`:
//   {
//     "name": "example", "version": 3,
//     "file": "model.pt",                                    // TorchScript, relative path
//     "inputs":  [{"name": "x", "dtype": "float32", "shape": [-1, 16]}],
//     "outputs": [{"name": "y", "dtype": "float32", "shape": [-1, 4]}],
//     "warmup": {"batch_sizes": [1, 8], "iterations": 2}    // optional
//   }
// Dimension 0 is always the batch dimension (-1). Any other -1 is a variable dimension that
// the batcher pads to the longest request of a batch with `pad_value` (default 0).
// Supported dtypes: float32, int64, int32, bool.
#ifndef SHOP_COMMON_INFERENCE_MODEL_METADATA_H_
#define SHOP_COMMON_INFERENCE_MODEL_METADATA_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "torch/types.h"

namespace shop {

struct TensorSpec {
  std::string name;
  torch::ScalarType dtype = torch::kFloat32;
  std::vector<int64_t> shape;  // shape[0] == -1 (batch)
  double pad_value = 0;

  bool operator==(const TensorSpec& other) const {
    return name == other.name && dtype == other.dtype && shape == other.shape;
  }
  bool operator!=(const TensorSpec& other) const { return !(*this == other); }
  std::string DebugString() const;
};

struct ModelMetadata {
  std::string name;
  int64_t version = 0;
  std::string file = "model.pt";
  // Alternative files of the same model, e.g. {"int8": "model_int8.pt"}; chosen with
  // ModelRepositoryOptions::variant. They must have the same signature as `file`.
  std::map<std::string, std::string> variants;
  std::vector<TensorSpec> inputs;
  std::vector<TensorSpec> outputs;
  // SHA-256 (lower-case hex) of each served file of the version, by file name
  // (common/inference/model_files.h); empty in metadata written before checksums.
  std::map<std::string, std::string> sha256;
  std::vector<int64_t> warmup_batch_sizes = {1};
  int warmup_iterations = 1;

  static absl::StatusOr<ModelMetadata> Parse(absl::string_view json);
  static absl::StatusOr<ModelMetadata> ReadFile(const std::string& path);

  // True when a model with `other`'s metadata can replace this one without callers
  // noticing: same inputs and outputs.
  bool SameSignature(const ModelMetadata& other) const {
    return inputs == other.inputs && outputs == other.outputs;
  }
};

absl::StatusOr<torch::ScalarType> ParseDtype(absl::string_view name);
const char* DtypeName(torch::ScalarType dtype);

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_MODEL_METADATA_H_
