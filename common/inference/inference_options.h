// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Flags of the inference layer for a binary's main model (each has an environment variable
// SHOP_<NAME>, see env_flags.h). A service with several models builds the option structs
// itself and may reuse these values as defaults.
#ifndef SHOP_COMMON_INFERENCE_INFERENCE_OPTIONS_H_
#define SHOP_COMMON_INFERENCE_INFERENCE_OPTIONS_H_

#include "absl/status/status.h"
#include "common/inference/dynamic_batcher.h"
#include "common/inference/model_repository.h"

namespace shop {

// What a service runs with when --inference_workers / --intra_op_threads are left at 0.
struct InferenceDefaults {
  int workers = 1;
  int intra_op_threads = 0;  // 0: LibTorch's default, one per core
};

// Per-core defaults for a service whose calls are long and single-threaded at heart (a
// translation is ~16 small decoder steps): one worker per core, one thread each.
InferenceDefaults WorkerPerCoreDefaults();

struct InferenceOptions {
  ModelRepositoryOptions repository;
  BatcherOptions batcher;
  // LibTorch intra-op threads per forward call (0 = LibTorch's default, one per core) and
  // inter-op threads. Match them to the CPU limit: workers x intra-op <= cores.
  int intra_op_threads = 0;
  int inter_op_threads = 1;
  // Threads of OpenBLAS's own pool (matrix products outside LibTorch's parallel_for).
  // 1 by default: a server already runs many calls at once, and a threaded OpenBLAS
  // called from many threads serialises them on its pool (the recommender at 16
  // concurrent calls, when it still scored per request: 133 -> 1572 req/s on 2 cores,
  // docs/bench_recommender.md).
  int blas_threads = 1;

  // Reads the flags; `model_name` is the folder under --model_root unless --model_name
  // overrides it. Flags left at 0 take the service's `defaults`.
  static InferenceOptions FromFlags(const std::string& model_name,
                                    const InferenceDefaults& defaults = {});
};

// OK when --model_root (resolved against --data_root, data_paths.h) exists; otherwise a
// FAILED_PRECONDITION that says what to pass. Binaries check it before anything starts.
absl::Status CheckModelRoot();

// Applies the thread settings process-wide. Call once, before the first model loads.
// `blas_threads` <= 0 leaves OpenBLAS alone.
absl::Status ConfigureTorchThreads(int intra_op_threads, int inter_op_threads,
                                   int blas_threads = 1);

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_INFERENCE_OPTIONS_H_
