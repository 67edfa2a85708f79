// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/torch_model.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/inference/model_files.h"
#include "common/status_macros.h"

namespace shop {
namespace {

std::string ShapeString(const torch::Tensor& t) { return absl::StrJoin(t.sizes(), ","); }

absl::Status CheckTensor(const TensorSpec& spec, const torch::Tensor& t, int64_t batch,
                         absl::string_view role) {
  if (t.scalar_type() != spec.dtype) {
    return absl::InvalidArgumentError(absl::StrCat(role, " \"", spec.name, "\" has dtype ",
                                                   c10::toString(t.scalar_type()), ", expected ",
                                                   DtypeName(spec.dtype)));
  }
  if (t.dim() != static_cast<int64_t>(spec.shape.size())) {
    return absl::InvalidArgumentError(absl::StrCat(role, " \"", spec.name, "\" has shape [",
                                                   ShapeString(t), "], expected ",
                                                   spec.DebugString()));
  }
  if (batch >= 0 && t.size(0) != batch) {
    return absl::InvalidArgumentError(
        absl::StrCat(role, " \"", spec.name, "\" has ", t.size(0), " rows, expected ", batch));
  }
  for (size_t i = 1; i < spec.shape.size(); ++i) {
    if (spec.shape[i] != -1 && t.size(static_cast<int64_t>(i)) != spec.shape[i]) {
      return absl::InvalidArgumentError(absl::StrCat(role, " \"", spec.name, "\" has shape [",
                                                     ShapeString(t), "], expected ",
                                                     spec.DebugString()));
    }
  }
  return absl::OkStatus();
}

}  // namespace

torch::Tensor ExampleTensor(const TensorSpec& spec, int64_t batch) {
  std::vector<int64_t> shape = spec.shape;
  shape[0] = batch;
  for (size_t i = 1; i < shape.size(); ++i) {
    if (shape[i] == -1) shape[i] = 1;
  }
  return torch::zeros(shape, torch::TensorOptions().dtype(spec.dtype));
}

absl::StatusOr<std::shared_ptr<const TorchModel>> TorchModel::Load(const std::string& version_dir,
                                                                   const std::string& variant) {
  ASSIGN_OR_RETURN(ModelMetadata metadata, ModelMetadata::ReadFile(version_dir + "/metadata.json"));
  if (!variant.empty()) {
    auto it = metadata.variants.find(variant);
    if (it == metadata.variants.end()) {
      return absl::NotFoundError(
          absl::StrCat(version_dir, "/metadata.json has no variant \"", variant, "\""));
    }
    metadata.file = it->second;
  }
  // Every served file of the version, not just this one: the tokenizer and other files the
  // service reads beside it are as easily corrupted or swapped.
  RETURN_IF_ERROR(
      VerifyModelFiles(version_dir, metadata.sha256, {metadata.file}, AllowUnverifiedModels()));
  const std::string file = version_dir + "/" + metadata.file;
  if (!std::filesystem::exists(file)) {
    return absl::NotFoundError(absl::StrCat("model file ", file, " does not exist"));
  }
  torch::jit::script::Module module;
  try {
    module = torch::jit::load(file, torch::kCPU);
    module.eval();
  } catch (const std::exception& e) {
    // c10::Error messages carry a C++ backtrace; the first line is the useful part.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    return absl::DataLossError(absl::StrCat("cannot load TorchScript ", file, ": ", what));
  }
  std::shared_ptr<TorchModel> model(
      new TorchModel(std::move(metadata), version_dir, std::move(module)));
  RETURN_IF_ERROR(model->Warmup());
  return std::shared_ptr<const TorchModel>(std::move(model));
}

absl::Status TorchModel::Warmup() const {
  for (int i = 0; i < metadata_.warmup_iterations; ++i) {
    for (int64_t batch : metadata_.warmup_batch_sizes) {
      std::vector<torch::Tensor> inputs;
      for (const TensorSpec& spec : metadata_.inputs) inputs.push_back(ExampleTensor(spec, batch));
      absl::StatusOr<std::vector<torch::Tensor>> outputs = Forward(inputs);
      if (!outputs.ok()) {
        return absl::Status(
            outputs.status().code(),
            absl::StrCat("warm-up of ", directory_, " failed: ", outputs.status().message()));
      }
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<torch::Tensor>> TorchModel::Forward(
    const std::vector<torch::Tensor>& inputs) const {
  if (inputs.size() != metadata_.inputs.size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("model takes ", metadata_.inputs.size(), " inputs, got ", inputs.size()));
  }
  const int64_t batch = inputs.empty() ? 0 : inputs[0].size(0);
  for (size_t i = 0; i < inputs.size(); ++i) {
    RETURN_IF_ERROR(CheckTensor(metadata_.inputs[i], inputs[i], batch, "input"));
  }
  ASSIGN_OR_RETURN(std::vector<torch::Tensor> outputs, RunMethod("forward", inputs));
  if (outputs.size() != metadata_.outputs.size()) {
    return absl::InternalError(absl::StrCat("model returned ", outputs.size(),
                                            " outputs, metadata declares ",
                                            metadata_.outputs.size()));
  }
  for (size_t i = 0; i < outputs.size(); ++i) {
    absl::Status s = CheckTensor(metadata_.outputs[i], outputs[i], batch, "output");
    if (!s.ok()) return absl::InternalError(s.message());
  }
  return outputs;
}

absl::StatusOr<std::vector<torch::Tensor>> TorchModel::RunMethod(
    const std::string& method, const std::vector<torch::Tensor>& inputs) const {
  std::vector<torch::Tensor> outputs;
  try {
    c10::InferenceMode guard;
    std::vector<torch::jit::IValue> args(inputs.begin(), inputs.end());
    torch::jit::IValue result = module_.get_method(method)(std::move(args));
    if (result.isTensor()) {
      outputs.push_back(result.toTensor());
    } else if (result.isTuple()) {
      for (const auto& v : result.toTuple()->elements()) {
        if (!v.isTensor()) {
          return absl::InternalError(absl::StrCat(method, " returned a tuple with a non-tensor"));
        }
        outputs.push_back(v.toTensor());
      }
    } else if (result.isTensorList()) {
      for (const auto& t : result.toTensorVector()) outputs.push_back(t);
    } else {
      return absl::InternalError(absl::StrCat(method, " returned ", result.tagKind(),
                                              ", expected a tensor or a tuple of tensors"));
    }
  } catch (const std::exception& e) {
    // c10::Error messages carry a C++ backtrace; the first line is the useful part.
    std::string what = e.what();
    what = what.substr(0, what.find('\n'));
    return absl::InternalError(absl::StrCat(method, " failed: ", what));
  }
  return outputs;
}

absl::StatusOr<torch::Tensor> TorchModel::Attribute(const std::string& name) const {
  try {
    if (!module_.hasattr(name)) {
      return absl::NotFoundError(absl::StrCat("model has no attribute \"", name, "\""));
    }
    torch::jit::IValue v = module_.attr(name);
    if (!v.isTensor()) {
      return absl::InvalidArgumentError(absl::StrCat("attribute \"", name, "\" is not a tensor"));
    }
    return v.toTensor();
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  }
}

}  // namespace shop
