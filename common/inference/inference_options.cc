// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "common/inference/inference_options.h"

#include <dlfcn.h>

#include <algorithm>
#include <thread>

#include "ATen/Parallel.h"
#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "common/inference/blas_kernels.h"
#include "common/inference/model_files.h"
#include "common/logging.h"
#include "common/server/data_paths.h"

namespace {
const shop::BatcherOptions kBatcherDefaults;
const shop::ModelRepositoryOptions kRepositoryDefaults;
}  // namespace

ABSL_FLAG(std::string, model_root, kRepositoryDefaults.root,
          "Directory holding one folder per model, each with numbered version folders.");
ABSL_FLAG(std::string, model_name, "", "Model folder under --model_root (default: the service's).");
ABSL_FLAG(int64_t, model_version, 0, "Serve exactly this version; 0 = the latest loadable.");
ABSL_FLAG(absl::Duration, model_poll_interval, kRepositoryDefaults.poll_interval,
          "How often to look for new model versions (hot reload); 0 disables.");
ABSL_FLAG(int, max_batch_size, kBatcherDefaults.max_batch_size,
          "Most requests merged into one forward call; 1 disables batching.");
ABSL_FLAG(absl::Duration, max_queue_delay, kBatcherDefaults.max_queue_delay,
          "Longest time the oldest queued request waits for its batch to fill, only while "
          "another batch is running (with nothing running, queued requests run at once).");
ABSL_FLAG(int, max_queue_size, kBatcherDefaults.max_queue_size,
          "Requests allowed to wait for inference; beyond it calls get RESOURCE_EXHAUSTED.");
ABSL_FLAG(int, inference_workers, 0,
          "Threads running batches concurrently (0 = the service's default: one per core for "
          "the translator, 1 elsewhere).");
ABSL_FLAG(bool, allow_unverified_models, false,
          "Load model versions whose metadata.json records no SHA-256 checksums (a corrupted "
          "file then goes unnoticed); for models exported before checksums existed.");
ABSL_FLAG(int, intra_op_threads, 0,
          "LibTorch threads per forward call (0 = the service's default: 1 for the "
          "translator, LibTorch's own elsewhere, one per core).");
ABSL_FLAG(int, inter_op_threads, 1, "LibTorch inter-op threads.");
ABSL_FLAG(int, blas_threads, 1,
          "OpenBLAS pool threads (0 = leave OpenBLAS's default); 1 suits servers that run "
          "many calls at once.");

namespace shop {

absl::Status CheckModelRoot() {
  return CheckDataPath("model_root", absl::GetFlag(FLAGS_model_root));
}

InferenceDefaults WorkerPerCoreDefaults() {
  InferenceDefaults d;
  d.workers = std::max(1u, std::thread::hardware_concurrency());
  d.intra_op_threads = 1;
  return d;
}

InferenceOptions InferenceOptions::FromFlags(const std::string& model_name,
                                             const InferenceDefaults& defaults) {
  InferenceOptions o;
  o.repository.root = DataPath(absl::GetFlag(FLAGS_model_root));
  const std::string name_flag = absl::GetFlag(FLAGS_model_name);
  o.repository.name = name_flag.empty() ? model_name : name_flag;
  o.repository.pinned_version = absl::GetFlag(FLAGS_model_version);
  o.repository.poll_interval = absl::GetFlag(FLAGS_model_poll_interval);
  o.batcher.max_batch_size = absl::GetFlag(FLAGS_max_batch_size);
  o.batcher.max_queue_delay = absl::GetFlag(FLAGS_max_queue_delay);
  o.batcher.max_queue_size = absl::GetFlag(FLAGS_max_queue_size);
  const int workers = absl::GetFlag(FLAGS_inference_workers);
  o.batcher.num_workers = workers == 0 ? defaults.workers : workers;
  o.batcher.name = o.repository.name;
  const int intra_op = absl::GetFlag(FLAGS_intra_op_threads);
  o.intra_op_threads = intra_op == 0 ? defaults.intra_op_threads : intra_op;
  o.inter_op_threads = absl::GetFlag(FLAGS_inter_op_threads);
  o.blas_threads = absl::GetFlag(FLAGS_blas_threads);
  // Process-wide, because every model load (repository or direct) checks it.
  SetAllowUnverifiedModels(absl::GetFlag(FLAGS_allow_unverified_models));
  return o;
}

absl::Status ConfigureTorchThreads(int intra_op_threads, int inter_op_threads, int blas_threads) {
  if (intra_op_threads < 0 || inter_op_threads < 0) {
    return absl::InvalidArgumentError("thread counts must be >= 0");
  }
  try {
    if (intra_op_threads > 0) at::set_num_threads(intra_op_threads);
    // LibTorch allows this only once and only before inter-op work has started.
    static bool inter_op_set = false;
    if (inter_op_threads > 0 && !inter_op_set) {
      at::set_num_interop_threads(inter_op_threads);
      inter_op_set = true;
    }
  } catch (const std::exception& e) {
    return absl::FailedPreconditionError(absl::StrCat("cannot set LibTorch threads: ", e.what()));
  }
  // OpenBLAS is reached through LibTorch, not linked by us: set its pool only if it is the
  // BLAS loaded in this process.
  bool blas_set = false;
  if (blas_threads > 0) {
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
      set(blas_threads);
      blas_set = true;
    }
  }
  Log(LogLevel::kInfo, "torch_threads",
      {{"intra_op", at::get_num_threads()},
       {"inter_op", at::get_num_interop_threads()},
       {"blas", blas_set ? blas_threads : 0},
       {"blas_core", LoadedBlasCoreName()}});
  return absl::OkStatus();
}

}  // namespace shop
