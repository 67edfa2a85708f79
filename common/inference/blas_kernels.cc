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
  // The binary's own path rather than /proc/self/exe: the kernel names a process after the
  // file it executes, and "exe" in ps, top and perf hides which service is which. If the
  // file was replaced since start ("... (deleted)"), /proc/self/exe still reaches it.
  char path[4096];
  const ssize_t n = readlink("/proc/self/exe", path, sizeof(path) - 1);
  bool usable = false;
  if (n > 0 && n < static_cast<ssize_t>(sizeof(path)) - 1) {
    path[n] = '\0';
    usable = std::strstr(path, " (deleted)") == nullptr;
  }
  execv(usable ? path : "/proc/self/exe", argv);
  // Still here: the exec failed. Serve with the slow kernels rather than not at all, and
  // leave the variable unset so child processes don't inherit a choice never tested.
  std::fprintf(stderr,
               "{\"level\":\"warning\",\"event\":\"blas_reexec_failed\",\"error\":\"%s\"}\n",
               std::strerror(errno));
  unsetenv("OPENBLAS_CORETYPE");
}

}  // namespace shop
