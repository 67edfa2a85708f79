// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes ModelMetadata::Parse (common/inference/model_metadata.h), the reader of every
// model's metadata.json: any bytes give a status, never a crash or UB, and accepted
// metadata has the shape the header promises (non-empty inputs and outputs, batch
// dimension -1 first, other dimensions positive or -1, supported dtypes, warmup batch
// sizes >= 1, SHA-256 digests of 64 lower-case hex digits) and reads back the same when
// written out again. Links no LibTorch: only its headers, for torch::ScalarType.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/inference/model_metadata.h"
#include "nlohmann/json.hpp"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

void CheckSpec(const shop::TensorSpec& spec) {
  Check(std::string(shop::DtypeName(spec.dtype)) != "unsupported");
  Check(shop::ParseDtype(shop::DtypeName(spec.dtype)).value() == spec.dtype);
  Check(!spec.shape.empty() && spec.shape[0] == -1);
  for (size_t i = 1; i < spec.shape.size(); ++i) Check(spec.shape[i] > 0 || spec.shape[i] == -1);
  spec.DebugString();
}

nlohmann::json SpecJson(const shop::TensorSpec& spec) {
  nlohmann::json j = {
      {"name", spec.name}, {"dtype", shop::DtypeName(spec.dtype)}, {"shape", spec.shape}};
  if (std::isfinite(spec.pad_value)) j["pad_value"] = spec.pad_value;
  return j;
}

// The same metadata as metadata.json would hold it.
std::string ToJson(const shop::ModelMetadata& m) {
  nlohmann::json j = {
      {"name", m.name},
      {"version", m.version},
      {"file", m.file},
      {"variants", m.variants},
      {"sha256", m.sha256},
      {"inputs", nlohmann::json::array()},
      {"outputs", nlohmann::json::array()},
      {"warmup", {{"batch_sizes", m.warmup_batch_sizes}, {"iterations", m.warmup_iterations}}}};
  for (const shop::TensorSpec& spec : m.inputs) j["inputs"].push_back(SpecJson(spec));
  for (const shop::TensorSpec& spec : m.outputs) j["outputs"].push_back(SpecJson(spec));
  // Strict: the parser accepts only valid UTF-8 in strings, so dump() cannot throw.
  return j.dump();
}

bool SamePadValues(const shop::ModelMetadata& a, const shop::ModelMetadata& b) {
  const auto same = [](double x, double y) { return x == y || (!std::isfinite(x) && y == 0); };
  for (size_t i = 0; i < a.inputs.size(); ++i) {
    if (!same(a.inputs[i].pad_value, b.inputs[i].pad_value)) return false;
  }
  for (size_t i = 0; i < a.outputs.size(); ++i) {
    if (!same(a.outputs[i].pad_value, b.outputs[i].pad_value)) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view json(reinterpret_cast<const char*>(data), size);
  const absl::StatusOr<shop::ModelMetadata> parsed = shop::ModelMetadata::Parse(json);
  if (shop::ParseDtype(json).ok()) {
    Check(json == "float32" || json == "int64" || json == "int32" || json == "bool");
  }
  if (!parsed.ok()) {
    Check(!parsed.status().message().empty());
    return 0;
  }
  const shop::ModelMetadata& m = *parsed;
  Check(!m.inputs.empty() && !m.outputs.empty());
  for (const shop::TensorSpec& spec : m.inputs) CheckSpec(spec);
  for (const shop::TensorSpec& spec : m.outputs) CheckSpec(spec);
  for (int64_t batch_size : m.warmup_batch_sizes) Check(batch_size >= 1);
  for (const auto& [file, digest] : m.sha256) {
    Check(digest.size() == 64);
    for (char c : digest) Check((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
  }

  const absl::StatusOr<shop::ModelMetadata> again = shop::ModelMetadata::Parse(ToJson(m));
  Check(again.ok());
  Check(again->name == m.name && again->version == m.version && again->file == m.file);
  Check(again->variants == m.variants && again->sha256 == m.sha256);
  Check(again->SameSignature(m) && SamePadValues(m, *again));
  Check(again->warmup_batch_sizes == m.warmup_batch_sizes);
  Check(again->warmup_iterations == m.warmup_iterations);
  return 0;
}
