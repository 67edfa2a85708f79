// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Makes OpenBLAS use the kernels the CPU can run best.
//
// Debian bookworm's OpenBLAS (0.3.21) picks its kernels once, when the library loads, from
// the CPU model; models newer than it knows (Sapphire Rapids, this project's machines)
// fall back to the Prescott (SSE3) kernels, and LibTorch's fp32 matrix products run ~5x
// slower than with the AVX-512 ones. OPENBLAS_CORETYPE overrides the choice, but only at
// load time, so a binary that finds itself on the fallback sets it and re-executes itself.
#ifndef SHOP_COMMON_INFERENCE_BLAS_KERNELS_H_
#define SHOP_COMMON_INFERENCE_BLAS_KERNELS_H_

#include <string>

namespace shop {

// The kernel family to ask OpenBLAS for on this CPU ("SkylakeX" with AVX-512, "Haswell"
// with AVX2+FMA), or "" when the fallback is what the CPU supports anyway.
std::string PreferredBlasCoreType();

// The core name the loaded OpenBLAS uses (e.g. "Prescott", "SkylakeX"), or "" when the
// process's BLAS is not OpenBLAS.
std::string LoadedBlasCoreName();

// Call first in main(), before any thread starts. When OpenBLAS is loaded with its
// Prescott fallback, OPENBLAS_CORETYPE is unset and the CPU has better kernels, sets
// OPENBLAS_CORETYPE and re-executes /proc/self/exe with the same arguments (same pid).
// Returns only if nothing needed doing or the re-exec failed (then the slow kernels stay
// in use). An OPENBLAS_CORETYPE set by the operator is always left alone.
void ReexecForBlasKernels(char** argv);

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_BLAS_KERNELS_H_
