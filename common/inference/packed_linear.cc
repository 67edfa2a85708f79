// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/packed_linear.h"

#include <immintrin.h>

#include <algorithm>
#include <atomic>
#include <cstring>

namespace shop {
namespace {

// Output columns per packed panel: the weights of 32 columns for one k are contiguous
// (two 16-float vectors), so a panel is one sequential stream.
constexpr int64_t kPanel = 32;
constexpr int64_t kHalf = 16;

enum class Kernel { kAvx512, kAvx2, kPortable };

Kernel Pick() {
  if (__builtin_cpu_supports("avx512f")) return Kernel::kAvx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return Kernel::kAvx2;
  return Kernel::kPortable;
}

// Read on every call (relaxed: it only changes in tests, before the calls they make).
std::atomic<Kernel> kernel_in_use{Pick()};

constexpr Kernel kKernels[] = {Kernel::kAvx512, Kernel::kAvx2, Kernel::kPortable};

const char* Name(Kernel kernel) {
  switch (kernel) {
    case Kernel::kAvx512:
      return "avx512";
    case Kernel::kAvx2:
      return "avx2";
    default:
      return "portable";
  }
}

// One panel for R rows: w [in][32], bias [32]; writes `cols` (<= 32) columns of each row.
// Two 16-wide halves keep 2R accumulations in flight: with one (R = 4, a beam of 4) the
// 4-cycle FMA latency, not the weights, set the pace.
template <int R>
__attribute__((target("avx512f"))) void PanelAvx512(const float* w, const float* bias,
                                                    const float* x, int64_t x_stride, int64_t in,
                                                    float* y, int64_t y_stride, int cols) {
  __m512 lo[R], hi[R];
  for (int r = 0; r < R; ++r) lo[r] = hi[r] = _mm512_setzero_ps();
  for (int64_t k = 0; k < in; ++k) {
    const __m512 wl = _mm512_load_ps(w + k * kPanel);
    const __m512 wh = _mm512_load_ps(w + k * kPanel + kHalf);
    for (int r = 0; r < R; ++r) {
      const __m512 xv = _mm512_set1_ps(x[r * x_stride + k]);
      lo[r] = _mm512_fmadd_ps(xv, wl, lo[r]);
      hi[r] = _mm512_fmadd_ps(xv, wh, hi[r]);
    }
  }
  const auto mask = [](int n) {
    return n >= kHalf ? static_cast<__mmask16>(0xffff)
                      : static_cast<__mmask16>((1u << std::max(n, 0)) - 1u);
  };
  const __mmask16 mask_lo = mask(cols), mask_hi = mask(cols - static_cast<int>(kHalf));
  const __m512 bl = _mm512_load_ps(bias), bh = _mm512_load_ps(bias + kHalf);
  for (int r = 0; r < R; ++r) {
    _mm512_mask_storeu_ps(y + r * y_stride, mask_lo, _mm512_add_ps(lo[r], bl));
    _mm512_mask_storeu_ps(y + r * y_stride + kHalf, mask_hi, _mm512_add_ps(hi[r], bh));
  }
}

// The AVX2 twin: 32 columns as four 8-float quarters, so at most 3 rows (12 accumulators)
// fit the 16 registers beside the weights.
template <int R>
__attribute__((target("avx2,fma"))) void PanelAvx2(const float* w, const float* bias,
                                                   const float* x, int64_t x_stride, int64_t in,
                                                   float* y, int64_t y_stride, int cols) {
  __m256 acc[R][4];
  for (int r = 0; r < R; ++r) {
    for (int q = 0; q < 4; ++q) acc[r][q] = _mm256_setzero_ps();
  }
  for (int64_t k = 0; k < in; ++k) {
    __m256 wq[4];
    for (int q = 0; q < 4; ++q) wq[q] = _mm256_load_ps(w + k * kPanel + 8 * q);
    for (int r = 0; r < R; ++r) {
      const __m256 xv = _mm256_broadcast_ss(x + r * x_stride + k);
      for (int q = 0; q < 4; ++q) acc[r][q] = _mm256_fmadd_ps(xv, wq[q], acc[r][q]);
    }
  }
  for (int r = 0; r < R; ++r) {
    alignas(32) float out[kPanel];
    for (int q = 0; q < 4; ++q) {
      _mm256_store_ps(out + 8 * q, _mm256_add_ps(acc[r][q], _mm256_load_ps(bias + 8 * q)));
    }
    std::memcpy(y + r * y_stride, out, sizeof(float) * cols);
  }
}

// Without FMA hardware std::fma is a slow library call: multiply, then add.
void PanelPortable(const float* w, const float* bias, const float* x, int64_t x_stride, int64_t in,
                   float* y, int64_t y_stride, int rows, int cols) {
  for (int r = 0; r < rows; ++r) {
    float acc[kPanel] = {};
    for (int64_t k = 0; k < in; ++k) {
      const float xv = x[r * x_stride + k];
      for (int c = 0; c < kPanel; ++c) acc[c] += xv * w[k * kPanel + c];
    }
    for (int c = 0; c < cols; ++c) y[r * y_stride + c] = acc[c] + bias[c];
  }
}

// `rows` rows: 1..8 with AVX-512, 1..3 with AVX2.
void Panel(Kernel kernel, int rows, const float* w, const float* bias, const float* x,
           int64_t x_stride, int64_t in, float* y, int64_t y_stride, int cols) {
  if (kernel == Kernel::kAvx2) {
    switch (rows) {
      case 1:
        return PanelAvx2<1>(w, bias, x, x_stride, in, y, y_stride, cols);
      case 2:
        return PanelAvx2<2>(w, bias, x, x_stride, in, y, y_stride, cols);
      default:
        return PanelAvx2<3>(w, bias, x, x_stride, in, y, y_stride, cols);
    }
  }
  switch (rows) {
    case 1:
      return PanelAvx512<1>(w, bias, x, x_stride, in, y, y_stride, cols);
    case 2:
      return PanelAvx512<2>(w, bias, x, x_stride, in, y, y_stride, cols);
    case 3:
      return PanelAvx512<3>(w, bias, x, x_stride, in, y, y_stride, cols);
    case 4:
      return PanelAvx512<4>(w, bias, x, x_stride, in, y, y_stride, cols);
    case 5:
      return PanelAvx512<5>(w, bias, x, x_stride, in, y, y_stride, cols);
    case 6:
      return PanelAvx512<6>(w, bias, x, x_stride, in, y, y_stride, cols);
    case 7:
      return PanelAvx512<7>(w, bias, x, x_stride, in, y, y_stride, cols);
    default:
      return PanelAvx512<8>(w, bias, x, x_stride, in, y, y_stride, cols);
  }
}

}  // namespace

PackedLinear::PackedLinear(const torch::Tensor& weight, const torch::Tensor& bias) {
  TORCH_CHECK(weight.dim() == 2 && weight.scalar_type() == torch::kFloat32,
              "PackedLinear: weight must be a float32 matrix");
  out_ = weight.size(0);
  in_ = weight.size(1);
  const int64_t panels = (out_ + kPanel - 1) / kPanel;
  packed_ = torch::zeros({panels, in_, kPanel});
  bias_ = torch::zeros({panels * kPanel});
  const torch::Tensor w = weight.contiguous();
  const float* src = w.data_ptr<float>();
  float* dst = packed_.data_ptr<float>();
  for (int64_t n = 0; n < out_; ++n) {
    const int64_t panel = n / kPanel, col = n % kPanel;
    for (int64_t k = 0; k < in_; ++k) dst[(panel * in_ + k) * kPanel + col] = src[n * in_ + k];
  }
  if (bias.defined()) {
    TORCH_CHECK(bias.dim() == 1 && bias.size(0) == out_ && bias.scalar_type() == torch::kFloat32,
                "PackedLinear: bias must be float32 [out]");
    bias_.narrow(0, 0, out_).copy_(bias);
  }
}

bool PackedLinear::UseKernelForTesting(const std::string& name) {
  const Kernel best = Pick();
  for (Kernel k : kKernels) {
    if (name != Name(k)) continue;
    if (static_cast<int>(k) < static_cast<int>(best)) return false;  // not on this CPU
    kernel_in_use.store(k, std::memory_order_relaxed);
    return true;
  }
  return false;
}

const char* PackedLinear::KernelName() {
  return Name(kernel_in_use.load(std::memory_order_relaxed));
}

void PackedLinear::Apply(const float* x, int64_t rows, int64_t x_stride, float* y,
                         int64_t y_stride) const {
  const int64_t panels = (out_ + kPanel - 1) / kPanel;
  const float* packed = packed_.data_ptr<float>();
  const float* bias = bias_.data_ptr<float>();
  const Kernel kernel = kernel_in_use.load(std::memory_order_relaxed);
  const int group = kernel == Kernel::kAvx512 ? 8 : kernel == Kernel::kAvx2 ? 3 : 1;
  // Panels outside, row groups inside: a panel's weights (in x 32 floats) are read from
  // memory once and from cache for the other row groups.
  for (int64_t p = 0; p < panels; ++p) {
    const float* w = packed + p * in_ * kPanel;
    const int cols = static_cast<int>(std::min<int64_t>(kPanel, out_ - p * kPanel));
    for (int64_t r = 0; r < rows; r += group) {
      const int n = static_cast<int>(std::min<int64_t>(group, rows - r));
      float* out = y + r * y_stride + p * kPanel;
      if (kernel == Kernel::kPortable) {
        PanelPortable(w, bias + p * kPanel, x + r * x_stride, x_stride, in_, out, y_stride, n,
                      cols);
      } else {
        Panel(kernel, n, w, bias + p * kPanel, x + r * x_stride, x_stride, in_, out, y_stride,
              cols);
      }
    }
  }
}

torch::Tensor PackedLinear::operator()(const torch::Tensor& x) const {
  TORCH_CHECK(
      x.dim() == 2 && x.size(1) == in_ && x.scalar_type() == torch::kFloat32 && x.stride(1) == 1,
      "PackedLinear: input must be float32 [rows, ", in_, "] with contiguous rows");
  torch::Tensor y = torch::empty({x.size(0), out_});
  Apply(x.data_ptr<float>(), x.size(0), x.stride(0), y.data_ptr<float>(), out_);
  return y;
}

}  // namespace shop
