// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/model_metadata.h"

#include <fstream>
#include <limits>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace shop {
namespace {

// An integer field. nlohmann's get<int64_t>() converts any JSON number with a static_cast:
// undefined behaviour for a float out of range (1e300, or a "version" of 77 digits, which
// the JSON parser keeps as a float: found by tests/fuzz/model_metadata_fuzzer.cc), and
// silent truncation (2.5) or wrap-around (18446744073709551615 is -1, a variable
// dimension) otherwise. Only JSON integers in range are accepted; every metadata writer
// writes integers.
template <typename Int>
absl::StatusOr<Int> IntegerField(const nlohmann::json& j, absl::string_view what) {
  constexpr Int kMin = std::numeric_limits<Int>::min();
  constexpr Int kMax = std::numeric_limits<Int>::max();
  if (j.is_number_unsigned()) {
    if (j.get<uint64_t>() <= static_cast<uint64_t>(kMax)) {
      return static_cast<Int>(j.get<uint64_t>());
    }
  } else if (j.is_number_integer()) {
    if (j.get<int64_t>() >= kMin && j.get<int64_t>() <= kMax) {
      return static_cast<Int>(j.get<int64_t>());
    }
  }
  return absl::InvalidArgumentError(
      absl::StrCat(what, " must be an integer from ", kMin, " to ", kMax, ", not ", j.dump()));
}

absl::StatusOr<std::vector<int64_t>> IntegerArray(const nlohmann::json& j, absl::string_view what) {
  if (!j.is_array()) {
    return absl::InvalidArgumentError(absl::StrCat(what, " must be an array of integers"));
  }
  std::vector<int64_t> values;
  for (const nlohmann::json& element : j) {
    ASSIGN_OR_RETURN(const int64_t value, IntegerField<int64_t>(element, what));
    values.push_back(value);
  }
  return values;
}

absl::StatusOr<TensorSpec> ParseTensorSpec(const nlohmann::json& j, absl::string_view where) {
  TensorSpec spec;
  if (!j.is_object() || !j.contains("name") || !j.contains("dtype") || !j.contains("shape")) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": each tensor needs \"name\", \"dtype\" and \"shape\""));
  }
  spec.name = j.at("name").get<std::string>();
  auto dtype = ParseDtype(j.at("dtype").get<std::string>());
  if (!dtype.ok()) return dtype.status();
  spec.dtype = *dtype;
  ASSIGN_OR_RETURN(spec.shape, IntegerArray(j.at("shape"), absl::StrCat(where, " shape")));
  if (spec.shape.empty() || spec.shape[0] != -1) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, " \"", spec.name, "\": shape[0] must be -1 (the batch dimension)"));
  }
  for (size_t i = 1; i < spec.shape.size(); ++i) {
    if (spec.shape[i] == 0 || spec.shape[i] < -1) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, " \"", spec.name, "\": dimension ", i, " must be positive or -1"));
    }
  }
  spec.pad_value = j.value("pad_value", 0.0);
  return spec;
}

}  // namespace

std::string TensorSpec::DebugString() const {
  return absl::StrCat(name, ":", DtypeName(dtype), "[", absl::StrJoin(shape, ","), "]");
}

absl::StatusOr<torch::ScalarType> ParseDtype(absl::string_view name) {
  if (name == "float32") return torch::kFloat32;
  if (name == "int64") return torch::kInt64;
  if (name == "int32") return torch::kInt32;
  if (name == "bool") return torch::kBool;
  return absl::InvalidArgumentError(
      absl::StrCat("unsupported dtype \"", name, "\" (float32, int64, int32, bool)"));
}

const char* DtypeName(torch::ScalarType dtype) {
  switch (dtype) {
    case torch::kFloat32:
      return "float32";
    case torch::kInt64:
      return "int64";
    case torch::kInt32:
      return "int32";
    case torch::kBool:
      return "bool";
    default:
      return "unsupported";
  }
}

absl::StatusOr<ModelMetadata> ModelMetadata::Parse(absl::string_view json) {
  nlohmann::json j = nlohmann::json::parse(json.begin(), json.end(), nullptr,
                                           /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError("metadata is not a JSON object");
  }
  try {
    ModelMetadata m;
    m.name = j.value("name", "");
    if (j.contains("version")) {
      ASSIGN_OR_RETURN(m.version, IntegerField<int64_t>(j.at("version"), "\"version\""));
    }
    m.file = j.value("file", "model.pt");
    if (j.contains("variants"))
      m.variants = j.at("variants").get<std::map<std::string, std::string>>();
    if (j.contains("sha256")) {
      m.sha256 = j.at("sha256").get<std::map<std::string, std::string>>();
      for (const auto& [file, digest] : m.sha256) {
        bool hex = digest.size() == 64;
        for (char c : digest) hex = hex && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'));
        if (!hex) {
          return absl::InvalidArgumentError(
              absl::StrCat("sha256 of ", file, " is not 64 lower-case hex digits"));
        }
      }
    }
    if (!j.contains("inputs") || !j.at("inputs").is_array() || j.at("inputs").empty()) {
      return absl::InvalidArgumentError("metadata needs a non-empty \"inputs\" array");
    }
    if (!j.contains("outputs") || !j.at("outputs").is_array() || j.at("outputs").empty()) {
      return absl::InvalidArgumentError("metadata needs a non-empty \"outputs\" array");
    }
    for (const auto& t : j.at("inputs")) {
      auto spec = ParseTensorSpec(t, "input");
      if (!spec.ok()) return spec.status();
      m.inputs.push_back(*std::move(spec));
    }
    for (const auto& t : j.at("outputs")) {
      auto spec = ParseTensorSpec(t, "output");
      if (!spec.ok()) return spec.status();
      m.outputs.push_back(*std::move(spec));
    }
    if (j.contains("warmup")) {
      const auto& w = j.at("warmup");
      if (!w.is_object()) return absl::InvalidArgumentError("\"warmup\" must be an object");
      if (w.contains("batch_sizes")) {
        ASSIGN_OR_RETURN(m.warmup_batch_sizes,
                         IntegerArray(w.at("batch_sizes"), "warmup batch_sizes"));
      }
      if (w.contains("iterations")) {
        ASSIGN_OR_RETURN(m.warmup_iterations,
                         IntegerField<int>(w.at("iterations"), "warmup iterations"));
      }
      for (int64_t b : m.warmup_batch_sizes) {
        if (b < 1) return absl::InvalidArgumentError("warmup batch sizes must be >= 1");
      }
    }
    return m;
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("bad metadata: ", e.what()));
  }
}

absl::StatusOr<ModelMetadata> ModelMetadata::ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto m = Parse(buffer.str());
  if (!m.ok())
    return absl::Status(m.status().code(), absl::StrCat(path, ": ", m.status().message()));
  return m;
}

}  // namespace shop
