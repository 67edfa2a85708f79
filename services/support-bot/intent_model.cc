// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/intent_model.h"

#include <algorithm>
#include <vector>

#include "absl/time/clock.h"
#include "common/inference/inference_metrics.h"
#include "common/status_macros.h"

namespace shop::supportbot {

absl::StatusOr<std::unique_ptr<IntentModel>> IntentModel::Load(const InferenceOptions& options,
                                                               prometheus::Registry& registry) {
  ASSIGN_OR_RETURN(std::unique_ptr<ServedModel> served, ServedModel::Load(options, registry));
  std::unique_ptr<IntentModel> model(new IntentModel(std::move(served)));
  // Fail at start, not on the first message, when the version's own files are wrong.
  RETURN_IF_ERROR(model->Current().status());
  return model;
}

absl::StatusOr<std::shared_ptr<const IntentClassifier>> IntentModel::Current() {
  std::shared_ptr<const TorchModel> serving = served_->repository()->Current();
  absl::MutexLock lock(&mu_);
  if (classifier_ == nullptr || classifier_->version() != serving->version()) {
    // The repository verified and loaded the network; its vocabulary and labels are read
    // once per version (a few milliseconds), by whichever call first sees it.
    ASSIGN_OR_RETURN(std::unique_ptr<IntentClassifier> loaded, IntentClassifier::Load(serving));
    classifier_ = std::move(loaded);
  }
  return classifier_;
}

absl::StatusOr<IntentPrediction> IntentModel::Classify(absl::string_view text,
                                                       RequestContext context) {
  // A reload between featurizing and scoring would score one version's ids with another's
  // network: then the message is featurized again for the version that scored it.
  for (int attempt = 0;; ++attempt) {
    ASSIGN_OR_RETURN(std::shared_ptr<const IntentClassifier> classifier, Current());
    std::vector<int64_t> ids = classifier->FeatureIds(text);
    if (const IntentEnsemble* direct = classifier->direct()) {
      // Tens of microseconds of arithmetic: computed here, no queue (intent_ensemble.h),
      // and counted as a batch of one under the model's metrics.
      InferenceMetrics* metrics = served_->metrics();
      const absl::Time start = absl::Now();
      if (start >= context.deadline) {
        metrics->RecordOutcome(RequestOutcome::kExpired);
        return absl::DeadlineExceededError("deadline passed before intent classification");
      }
      std::vector<float> p(classifier->labels().size());
      direct->Probabilities(ids, p.data());
      metrics->RecordBatch(1, absl::ToDoubleSeconds(absl::Now() - start));
      metrics->RecordOutcome(RequestOutcome::kSuccess);
      return classifier->Predict(p.data());
    }
    if (ids.empty()) ids.push_back(0);  // the padding id: a message without words
    torch::Tensor row =
        torch::from_blob(ids.data(), {1, static_cast<int64_t>(ids.size())}, torch::kInt64).clone();
    ASSIGN_OR_RETURN(InferenceOutput out, served_->model()->Run({row}, context));
    if (out.model_version != classifier->version() && attempt == 0) continue;
    const torch::Tensor p = out.outputs[0].contiguous();
    if (p.size(1) != static_cast<int64_t>(classifier->labels().size())) {
      return absl::InternalError("intent model output does not match its labels");
    }
    return classifier->Predict(p.data_ptr<float>());
  }
}

}  // namespace shop::supportbot
