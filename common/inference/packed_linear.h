// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// y = x W^T + b for a few rows at a time (an nn.Linear), with W packed once at load.
//
// Why not at::linear: a decoder step multiplies 4-32 rows (beam hypotheses) by weight
// matrices of 256x256 to 8000x256. OpenBLAS packs its operands into blocks on every
// call, and with so few rows that packing is a full copy of the weight matrix each time:
// perf put 35 % of a beam-4 translation in sgemm_incopy alone (against 18 % in the
// multiply kernel). Here W is packed once, in panels of 32 columns laid out k-major
// ([N/32][K][32]), so a call streams each weight once through 16-wide FMAs while the
// few input rows stay in registers and cache. AVX-512 and AVX2/FMA kernels are picked at
// run time (the build targets baseline x86-64); other machines get the same loop in
// plain C++.
//
// Each output is accumulated over k in order from zero and the bias added last: the
// same order as OpenBLAS's kernels for K up to its block size, so results agree with
// at::linear to a few float ulps (packed_linear_test), not bit for bit.
#ifndef SHOP_COMMON_INFERENCE_PACKED_LINEAR_H_
#define SHOP_COMMON_INFERENCE_PACKED_LINEAR_H_

#include <cstdint>
#include <string>

#include "torch/script.h"

namespace shop {

class PackedLinear {
 public:
  PackedLinear() = default;
  // `weight` [out, in] float32 and `bias` [out] (or undefined), as nn.Linear holds them.
  PackedLinear(const torch::Tensor& weight, const torch::Tensor& bias);

  int64_t in_features() const { return in_; }
  int64_t out_features() const { return out_; }

  // x [rows, in] (rows contiguous in memory; any row stride) -> [rows, out] float32.
  torch::Tensor operator()(const torch::Tensor& x) const;

  // The raw form: `rows` input rows of in_features() floats, `x_stride` apart, into rows
  // of out_features() floats, `y_stride` apart.
  void Apply(const float* x, int64_t rows, int64_t x_stride, float* y, int64_t y_stride) const;

  // Which kernel Apply uses on this machine: "avx512", "avx2" or "portable".
  static const char* KernelName();
  // Makes every PackedLinear use the named kernel, so tests reach the twins the CPU
  // would not pick; false (nothing changed) for an unknown name or one this CPU lacks.
  static bool UseKernelForTesting(const std::string& name);

 private:
  int64_t in_ = 0;
  int64_t out_ = 0;
  // Tensors for their 64-byte aligned storage (a 16-float load then never splits a
  // cache line).
  torch::Tensor packed_;  // [ceil(out/32), in, 32], zero-padded columns
  torch::Tensor bias_;    // [ceil(out/32) * 32], zeros when there is no bias
};

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_PACKED_LINEAR_H_
