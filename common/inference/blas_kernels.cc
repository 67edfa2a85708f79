// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/blas_kernels.h"

#include <dlfcn.h>
#include <strings.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace shop {

std::string PreferredBlasCoreType() {
#if defined(__x86_64__)
  __builtin_cpu_init();
  // OpenBLAS's SkylakeX kernels need the AVX-512 F/BW/VL/DQ/CD subsets.
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512cd")) {
    return "SkylakeX";
  }
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
  return "";
}

std::string LoadedBlasCoreName() {
  using CoreName = char* (*)();
  auto get = reinterpret_cast<CoreName>(dlsym(RTLD_DEFAULT, "openblas_get_corename"));
  if (get == nullptr) return "";
  const char* name = get();
  return name == nullptr ? "" : name;
}

void ReexecForBlasKernels(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE") != nullptr) return;
  if (strcasecmp(LoadedBlasCoreName().c_str(), "prescott") != 0) return;
  const std::string preferred = PreferredBlasCoreType();
  if (preferred.empty()) return;
  setenv("OPENBLAS_CORETYPE", preferred.c_str(), /*overwrite=*/1);
  execv("/proc/self/exe", argv);
  // Still here: the exec failed. Serve with the slow kernels rather than not at all, and
  // leave the variable unset so child processes don't inherit a choice never tested.
  std::fprintf(stderr,
               "{\"level\":\"warning\",\"event\":\"blas_reexec_failed\",\"error\":\"%s\"}\n",
               std::strerror(errno));
  unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace shop
