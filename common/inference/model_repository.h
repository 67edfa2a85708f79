// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Serves the versions of one model found under `<root>/<name>/<version>/` (version = a
// positive integer directory holding metadata.json and the TorchScript file).
//
// Policy: the highest loadable version, or exactly `pinned_version`. A background thread
// polls the directory; a new version is loaded and warmed up beside the serving one and
// swapped in atomically, so no request fails during a reload (batches already running
// finish on the old version, which is freed when the last one drops it). A version that
// fails to load (corrupt file, wrong signature) is logged and counted in
// shop_model_loads_total{result="failure"}; the old version keeps serving, and the failed
// one is not retried until its files change. Removing the newest directory rolls back.
//
// Deploy a version by copying it to a temporary name and renaming it into place, so the
// poller never sees a half-written directory (one it did see would only fail and be
// retried after the copy finishes).
#ifndef SHOP_COMMON_INFERENCE_MODEL_REPOSITORY_H_
#define SHOP_COMMON_INFERENCE_MODEL_REPOSITORY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "common/inference/inference_metrics.h"
#include "common/inference/torch_model.h"

namespace shop {

struct ModelRepositoryOptions {
  // Directory holding one folder per model, e.g. "models".
  std::string root = "models";
  // Model folder name under root, e.g. "recommender".
  std::string name;
  // 0 = serve the latest loadable version; otherwise exactly this version.
  int64_t pinned_version = 0;
  // How often to look for new versions; 0 disables polling (Poll() can still be called).
  absl::Duration poll_interval = absl::Seconds(30);
  // Empty = metadata "file"; otherwise a key of metadata "variants" (e.g. "int8").
  std::string variant;
};

class ModelRepository {
 public:
  // Loads and warms up the initial version. With the latest policy, a broken newest
  // version falls back to the next older one; fails when no version loads.
  static absl::StatusOr<std::unique_ptr<ModelRepository>> Create(ModelRepositoryOptions options,
                                                                 InferenceMetrics* metrics);
  ~ModelRepository();

  // The version serving now; never null. Hold the pointer for the whole of one batch.
  std::shared_ptr<const TorchModel> Current() const ABSL_LOCKS_EXCLUDED(mu_);

  // Checks the directory once and swaps in a different target version if it loads.
  // Returns an error when the target version failed to load (the old one keeps serving).
  absl::Status Poll() ABSL_LOCKS_EXCLUDED(poll_mu_, mu_);

  // Version directories present, ascending.
  static absl::StatusOr<std::vector<int64_t>> ListVersions(const std::string& model_dir);

  const ModelRepositoryOptions& options() const { return options_; }

 private:
  ModelRepository(ModelRepositoryOptions options, InferenceMetrics* metrics)
      : options_(std::move(options)), metrics_(metrics) {}
  std::string VersionDir(int64_t version) const;
  // Identifies the files of a version as they are now, to notice a fixed re-upload.
  std::string Fingerprint(int64_t version) const;
  // Loads and checks `version` (signature against the serving one); records a failure in
  // failed_, which is why it runs under poll_mu_ (Create takes it too).
  absl::StatusOr<std::shared_ptr<const TorchModel>> LoadVersion(int64_t version)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(poll_mu_) ABSL_LOCKS_EXCLUDED(mu_);
  void SetCurrent(std::shared_ptr<const TorchModel> model) ABSL_LOCKS_EXCLUDED(mu_);
  void PollLoop() ABSL_LOCKS_EXCLUDED(poll_mu_, mu_);

  const ModelRepositoryOptions options_;
  InferenceMetrics* const metrics_;

  mutable absl::Mutex mu_;
  std::shared_ptr<const TorchModel> current_ ABSL_GUARDED_BY(mu_);
  // Serialises Poll() calls (poll thread vs. explicit calls); never held while serving.
  absl::Mutex poll_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  // version -> fingerprint of files that failed to load.
  std::map<int64_t, std::string> failed_ ABSL_GUARDED_BY(poll_mu_);

  absl::Notification stop_;
  std::thread poller_;
};

}  // namespace shop

#endif  // SHOP_COMMON_INFERENCE_MODEL_REPOSITORY_H_
