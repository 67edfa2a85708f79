// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/batched_model.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace shop {

absl::Status BatchedModel::ValidateRequest(const ModelMetadata& metadata,
                                           const std::vector<torch::Tensor>& inputs) {
  if (inputs.size() != metadata.inputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("model ", metadata.name, " takes ",
                                                   metadata.inputs.size(), " inputs, got ",
                                                   inputs.size()));
  }
  int64_t rows = -1;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const TensorSpec& spec = metadata.inputs[i];
    const torch::Tensor& t = inputs[i];
    if (!t.defined()) {
      return absl::InvalidArgumentError(absl::StrCat("input \"", spec.name, "\" is empty"));
    }
    if (t.scalar_type() != spec.dtype || t.dim() != static_cast<int64_t>(spec.shape.size())) {
      return absl::InvalidArgumentError(
          absl::StrCat("input \"", spec.name, "\" must be ", spec.DebugString(), ", got ",
                       c10::toString(t.scalar_type()), "[", absl::StrJoin(t.sizes(), ","), "]"));
    }
    for (size_t d = 1; d < spec.shape.size(); ++d) {
      const int64_t size = t.size(static_cast<int64_t>(d));
      if ((spec.shape[d] != -1 && size != spec.shape[d]) || size < 1) {
        return absl::InvalidArgumentError(absl::StrCat("input \"", spec.name, "\" dimension ", d,
                                                       " is ", size, ", must be ",
                                                       spec.DebugString()));
      }
    }
    if (t.size(0) < 1 || (rows >= 0 && t.size(0) != rows)) {
      return absl::InvalidArgumentError(
          "every input needs the same positive number of rows (dimension 0)");
    }
    rows = t.size(0);
  }
  return absl::OkStatus();
}

std::vector<absl::StatusOr<InferenceOutput>> BatchedModel::RunBatch(
    const TorchModel& model, std::vector<std::vector<torch::Tensor>>& requests) {
  const ModelMetadata& meta = model.metadata();
  std::vector<absl::StatusOr<InferenceOutput>> results(requests.size());
  // Requests that do not fit this version's signature fail alone, not the whole batch.
  std::vector<size_t> valid;
  for (size_t r = 0; r < requests.size(); ++r) {
    absl::Status s = ValidateRequest(meta, requests[r]);
    if (s.ok()) {
      valid.push_back(r);
    } else {
      results[r] = s;
    }
  }
  if (valid.empty()) return results;

  std::vector<torch::Tensor> merged;
  for (size_t i = 0; i < meta.inputs.size(); ++i) {
    const TensorSpec& spec = meta.inputs[i];
    // Longest extent of each dimension over the batch; variable ones are padded to it.
    std::vector<int64_t> max_shape = requests[valid[0]][i].sizes().vec();
    for (size_t r : valid) {
      for (size_t d = 1; d < max_shape.size(); ++d) {
        max_shape[d] = std::max(max_shape[d], requests[r][i].size(static_cast<int64_t>(d)));
      }
    }
    std::vector<torch::Tensor> parts;
    parts.reserve(valid.size());
    for (size_t r : valid) {
      torch::Tensor t = requests[r][i];
      std::vector<int64_t> target = max_shape;
      target[0] = t.size(0);
      if (t.sizes().vec() != target) {
        torch::Tensor padded = torch::full(target, spec.pad_value, t.options());
        // The request's values go in the leading corner; the rest stays pad_value.
        torch::Tensor corner = padded;
        for (int64_t d = 0; d < t.dim(); ++d) corner = corner.narrow(d, 0, t.size(d));
        corner.copy_(t);
        t = padded;
      }
      parts.push_back(t);
    }
    merged.push_back(parts.size() == 1 ? parts[0] : torch::cat(parts, 0));
  }

  absl::StatusOr<std::vector<torch::Tensor>> outputs = model.Forward(merged);
  int64_t offset = 0;
  for (size_t r : valid) {
    if (!outputs.ok()) {
      results[r] = outputs.status();
      continue;
    }
    const int64_t rows = requests[r][0].size(0);
    InferenceOutput out;
    out.model_version = model.version();
    for (const torch::Tensor& o : *outputs) out.outputs.push_back(o.narrow(0, offset, rows));
    offset += rows;
    results[r] = std::move(out);
  }
  return results;
}

absl::StatusOr<std::unique_ptr<BatchedModel>> BatchedModel::Create(ModelRepository* repository,
                                                                   BatcherOptions options,
                                                                   InferenceMetrics* metrics) {
  std::unique_ptr<BatchedModel> model(new BatchedModel(repository, metrics));
  if (options.name == "model") options.name = repository->options().name;
  auto batcher = Batcher::Create(
      std::move(options),
      [repository](std::vector<std::vector<torch::Tensor>>& requests) {
        // One version for the whole batch, even if a reload swaps it meanwhile.
        std::shared_ptr<const TorchModel> current = repository->Current();
        return RunBatch(*current, requests);
      },
      metrics);
  if (!batcher.ok()) return batcher.status();
  model->batcher_ = *std::move(batcher);
  return model;
}

absl::StatusOr<InferenceOutput> BatchedModel::Run(std::vector<torch::Tensor> inputs,
                                                  RequestContext context) {
  absl::Status valid = ValidateRequest(repository_->Current()->metadata(), inputs);
  if (!valid.ok()) return valid;
  return batcher_->Run(std::move(inputs), std::move(context));
}

void BatchedModel::Submit(std::vector<torch::Tensor> inputs, RequestContext context,
                          Batcher::DoneFn done) {
  absl::Status valid = ValidateRequest(repository_->Current()->metadata(), inputs);
  if (!valid.ok()) {
    done(valid);
    return;
  }
  batcher_->Submit(std::move(inputs), std::move(context), std::move(done));
}

}  // namespace shop
