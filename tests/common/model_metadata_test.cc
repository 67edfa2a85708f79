// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/model_metadata.h"

#include <cstdint>
#include <limits>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/catch.h"

namespace shop {
namespace {

TEST_CASE("metadata parses inputs, outputs and warm-up", "[metadata]") {
  auto m = ModelMetadata::Parse(R"({
    "name": "rec", "version": 4, "file": "m.pt",
    "inputs": [{"name": "items", "dtype": "int64", "shape": [-1, -1], "pad_value": 0}],
    "outputs": [{"name": "user", "dtype": "float32", "shape": [-1, 64]}],
    "warmup": {"batch_sizes": [1, 16], "iterations": 3}})");
  REQUIRE(m.ok());
  CHECK(m->name == "rec");
  CHECK(m->version == 4);
  CHECK(m->file == "m.pt");
  REQUIRE(m->inputs.size() == 1);
  CHECK(m->inputs[0].dtype == torch::kInt64);
  CHECK(m->inputs[0].shape == std::vector<int64_t>{-1, -1});
  CHECK(m->outputs[0].shape == std::vector<int64_t>{-1, 64});
  CHECK(m->warmup_batch_sizes == std::vector<int64_t>{1, 16});
  CHECK(m->warmup_iterations == 3);
}

TEST_CASE("metadata errors say what is wrong", "[metadata]") {
  CHECK(absl::IsInvalidArgument(ModelMetadata::Parse("not json").status()));
  auto no_batch = ModelMetadata::Parse(R"({"inputs": [{"name": "x", "dtype": "float32",
      "shape": [4]}], "outputs": [{"name": "y", "dtype": "float32", "shape": [-1]}]})");
  CHECK(no_batch.status().message().find("batch") != absl::string_view::npos);
  auto bad_dtype = ModelMetadata::Parse(R"({"inputs": [{"name": "x", "dtype": "float16",
      "shape": [-1]}], "outputs": [{"name": "y", "dtype": "float32", "shape": [-1]}]})");
  CHECK(bad_dtype.status().message().find("float16") != absl::string_view::npos);
  auto no_outputs = ModelMetadata::Parse(R"({"inputs": [{"name": "x", "dtype": "float32",
      "shape": [-1]}]})");
  CHECK(no_outputs.status().message().find("outputs") != absl::string_view::npos);
  CHECK(absl::IsNotFound(ModelMetadata::ReadFile("/nonexistent/metadata.json").status()));
}

// Found by tests/fuzz/model_metadata_fuzzer.cc ("version" of 77 digits): a float out of an
// integer's range was converted with a static_cast (undefined behaviour), other
// non-integers were truncated or wrapped around.
TEST_CASE("integer fields must be JSON integers in range", "[metadata]") {
  struct Fields {
    const char* version;
    const char* dim;
    const char* batch;
    const char* iterations;
  };
  const auto parse = [](const Fields& f) {
    return ModelMetadata::Parse(absl::StrCat(
        R"({"version": )", f.version,
        R"(, "inputs": [{"name": "x", "dtype": "float32", "shape": [-1, )", f.dim,
        R"(]}], "outputs": [{"name": "y", "dtype": "float32", "shape": [-1]}], )",
        R"("warmup": {"batch_sizes": [)", f.batch, R"(], "iterations": )", f.iterations, "}}"));
  };
  auto ok = parse({"9223372036854775807", "3", "2", "2147483647"});
  REQUIRE(ok.ok());
  CHECK(ok->version == std::numeric_limits<int64_t>::max());
  CHECK(ok->inputs[0].shape == std::vector<int64_t>{-1, 3});
  CHECK(ok->warmup_batch_sizes == std::vector<int64_t>{2});
  CHECK(ok->warmup_iterations == std::numeric_limits<int>::max());
  // 1e20 in digits is beyond uint64_t, so the JSON parser stores it as a float too.
  const Fields bad[] = {{"1e300", "3", "2", "1"},
                        {"100000000000000000000", "3", "2", "1"},
                        {"1", "1e300", "2", "1"},
                        {"1", "3", "-1e300", "1"},
                        {"1", "3", "2", "1e300"},
                        {"1", "2.5", "2", "1"},
                        {"1", "18446744073709551615", "2", "1"},
                        {"9223372036854775808", "3", "2", "1"},
                        {"1", "3", "2", "2147483648"},
                        {"\"1\"", "3", "2", "1"}};
  for (const Fields& f : bad) {
    INFO(f.version << " " << f.dim << " " << f.batch << " " << f.iterations);
    auto m = parse(f);
    CHECK(absl::IsInvalidArgument(m.status()));
    CHECK(m.status().message().find("integer") != absl::string_view::npos);
  }
  CHECK(absl::IsInvalidArgument(ModelMetadata::Parse(R"({"warmup": [1],
      "inputs": [{"name": "x", "dtype": "float32", "shape": [-1]}],
      "outputs": [{"name": "y", "dtype": "float32", "shape": [-1]}]})")
                                    .status()));
}

TEST_CASE("signatures compare inputs and outputs", "[metadata]") {
  const char* base = R"({"inputs": [{"name": "x", "dtype": "float32", "shape": [-1, 4]}],
      "outputs": [{"name": "y", "dtype": "float32", "shape": [-1, 2]}]})";
  const char* other = R"({"inputs": [{"name": "x", "dtype": "float32", "shape": [-1, 3]}],
      "outputs": [{"name": "y", "dtype": "float32", "shape": [-1, 2]}]})";
  auto a = ModelMetadata::Parse(base);
  auto b = ModelMetadata::Parse(base);
  auto c = ModelMetadata::Parse(other);
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(a->SameSignature(*b));
  CHECK_FALSE(a->SameSignature(*c));
}

}  // namespace
}  // namespace shop
