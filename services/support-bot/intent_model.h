// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The intent model as the bot serves it: through the common serving path, as the other
// services serve theirs (common/inference/served_model.h). The repository loads and
// verifies each version (checksums, signature, warm-up), polls for new ones and swaps
// them in, keeping the old version when a new one fails to load; the dynamic batcher
// merges concurrent customers' messages into one forward pass and drops those whose
// caller's deadline passed; and the per-model metrics count it all. So --model_version,
// --model_poll_interval, --max_batch_size, --max_queue_delay, --max_queue_size and
// --inference_workers mean for the bot what they mean for the recommender.
//
// Each version's vocabulary, labels and thresholds (IntentClassifier) are read when the
// repository first serves that version; a message is featurized with the vocabulary of
// the version that then scores it.
#ifndef SHOP_SERVICES_SUPPORT_BOT_INTENT_MODEL_H_
#define SHOP_SERVICES_SUPPORT_BOT_INTENT_MODEL_H_

#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "common/inference/dynamic_batcher.h"
#include "common/inference/inference_options.h"
#include "common/inference/served_model.h"
#include "prometheus/registry.h"
#include "services/support-bot/intent_classifier.h"

namespace shop::supportbot {

class IntentModel {
 public:
  // Loads the serving version (the latest loadable, or --model_version); `registry` must
  // outlive the result.
  static absl::StatusOr<std::unique_ptr<IntentModel>> Load(const InferenceOptions& options,
                                                           prometheus::Registry& registry);

  // The classifier of the version serving now (labels, languages, featurizer).
  absl::StatusOr<std::shared_ptr<const IntentClassifier>> Current() ABSL_LOCKS_EXCLUDED(mu_);

  // Classifies `text` in a batch with other callers' messages. RESOURCE_EXHAUSTED when the
  // queue is full, DEADLINE_EXCEEDED or CANCELLED when the caller's deadline passes or it
  // goes away while queued.
  absl::StatusOr<IntentPrediction> Classify(absl::string_view text, RequestContext context)
      ABSL_LOCKS_EXCLUDED(mu_);

  ModelRepository* repository() { return served_->repository(); }

 private:
  explicit IntentModel(std::unique_ptr<ServedModel> served) : served_(std::move(served)) {}

  std::unique_ptr<ServedModel> served_;
  absl::Mutex mu_;
  std::shared_ptr<const IntentClassifier> classifier_ ABSL_GUARDED_BY(mu_);  // last version seen
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_INTENT_MODEL_H_
