// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// PackedLinear against at::linear on shapes around its panel and row-group edges, for
// every kernel this CPU can run (the AVX2 and portable twins too, forced).
#include "common/inference/packed_linear.h"

#include <string>
#include <vector>

#include "tests/catch.h"

namespace shop {
namespace {

// Restores the CPU's own kernel when a test section ends.
struct KernelScope {
  explicit KernelScope(const std::string& name) : usable(PackedLinear::UseKernelForTesting(name)) {}
  ~KernelScope() {
    for (const char* best : {"avx512", "avx2", "portable"}) {
      if (PackedLinear::UseKernelForTesting(best)) break;
    }
  }
  bool usable;
};

TEST_CASE("PackedLinear equals at::linear for every kernel, shape and stride") {
  c10::InferenceMode guard;
  torch::manual_seed(3);
  for (const std::string kernel : {"avx512", "avx2", "portable"}) {
    KernelScope scope(kernel);
    if (!scope.usable) {
      WARN("kernel " << kernel << " not available on this CPU");
      continue;
    }
    INFO("kernel " << kernel);
    // (rows, in, out): single rows, a beam of 4, row groups of 3 and 8 and their
    // remainders, panels of 32 with partial last panels, odd input widths.
    const std::vector<std::array<int64_t, 3>> shapes = {
        {1, 256, 256},  {4, 256, 768}, {4, 1024, 256}, {3, 17, 33}, {9, 64, 8000},
        {33, 256, 100}, {8, 5, 1},     {17, 31, 47},   {2, 1, 64}};
    for (const auto& [rows, in, out] : shapes) {
      INFO("rows " << rows << ", in " << in << ", out " << out);
      const torch::Tensor w = torch::randn({out, in});
      const torch::Tensor b = torch::randn({out});
      const torch::Tensor x = torch::randn({rows, in});
      const torch::Tensor want = at::linear(x, w, b);
      const torch::Tensor got = PackedLinear(w, b)(x);
      REQUIRE(got.sizes() == want.sizes());
      // Sums of `in` products of unit normals, in another order: float rounding only.
      CHECK((got - want).abs().max().item<float>() <=
            1e-5f * std::sqrt(static_cast<float>(in)) * 4);
      // No bias, and rows `stride` floats apart in a wider buffer.
      const torch::Tensor wide = torch::randn({rows, in + 7});
      const torch::Tensor view = wide.narrow(1, 3, in);
      const torch::Tensor no_bias = PackedLinear(w, torch::Tensor())(view);
      CHECK(torch::allclose(no_bias, at::linear(view, w), 1e-4, 1e-4));
    }
  }
}

TEST_CASE("PackedLinear refuses inputs of the wrong width and unknown kernels") {
  c10::InferenceMode guard;
  PackedLinear layer(torch::ones({4, 3}), torch::zeros({4}));
  CHECK(layer.in_features() == 3);
  CHECK(layer.out_features() == 4);
  CHECK_THROWS(layer(torch::ones({2, 5})));
  CHECK_THROWS(layer(torch::ones({3, 2}).t()));  // columns not contiguous
  CHECK_THROWS(PackedLinear(torch::ones({4, 3}), torch::zeros({5})));
  CHECK_FALSE(PackedLinear::UseKernelForTesting("sse9"));
  const torch::Tensor y = layer(torch::ones({2, 3}));
  CHECK(torch::equal(y, torch::full({2, 4}, 3.0f)));
}

}  // namespace
}  // namespace shop
