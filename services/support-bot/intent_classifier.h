// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Intent classification of customer-support messages into the bitext-intent intents
// (cancel_order, track_order, get_refund, ...), with out-of-scope rejection. Models up to
// version 2 read English only; version 3 was trained on English, German, French and
// Spanish messages (metadata "languages") and reads them as written.
//
// The model is a TorchScript ensemble trained by services/support-bot/training/train.py and
// exported by export.py into models/support-bot/<version>/: model.pt (feature ids ->
// probabilities), metadata.json (signature, labels, threshold, margin, featurizer
// settings) and features.txt (the feature vocabulary). The featurizer here mirrors
// data.py byte for byte: lower-cased ASCII words, digit runs folded to "0", word
// bigrams, byte n-grams of "<word>" and (models with pretrained word vectors) each word
// once more, each looked up by its 64-bit FNV-1a hash.
//
// A message is in scope when the best probability is >= threshold and exceeds the
// runner-up's by >= margin (and, for models trained with an out-of-scope class, that
// class is not the best); otherwise the caller should use its out-of-scope handling.
// Immutable after Load, so one instance serves all threads.
#ifndef SHOP_SERVICES_SUPPORT_BOT_INTENT_CLASSIFIER_H_
#define SHOP_SERVICES_SUPPORT_BOT_INTENT_CLASSIFIER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/inference/torch_model.h"
#include "services/support-bot/intent_ensemble.h"
#include "services/support-bot/intent_featurizer.h"

namespace shop::supportbot {

struct IntentPrediction {
  std::string intent;  // the most probable intent, also when !in_scope
  float confidence = 0;
  std::string runner_up;  // the second most probable intent
  float runner_up_confidence = 0;
  // confidence >= threshold, confidence - runner-up >= margin, and the intent is not the
  // model's out-of-scope class (metadata "oos_label", for models trained with one).
  bool in_scope = false;
};

class IntentClassifier {
 public:
  // Loads <version_dir>/metadata.json, the TorchScript model it names (warmed up and
  // checked by TorchModel::Load) and the feature vocabulary. NotFound for missing
  // files, InvalidArgument for inconsistent ones.
  static absl::StatusOr<std::unique_ptr<IntentClassifier>> Load(const std::string& version_dir);
  // The same around a model already loaded (by a ModelRepository) from its directory.
  static absl::StatusOr<std::unique_ptr<IntentClassifier>> Load(
      std::shared_ptr<const TorchModel> model);

  // Never fails: should the model fail to run (it does not, once loaded), the prediction
  // has an empty intent, confidence 0 and in_scope false.
  IntentPrediction Classify(absl::string_view text) const;
  // One model call for all texts; the same predictions as Classify on each.
  std::vector<IntentPrediction> ClassifyBatch(const std::vector<std::string>& texts) const;

  // The probability of each of labels(), per text.
  absl::StatusOr<std::vector<std::vector<float>>> Probabilities(
      const std::vector<std::string>& texts) const;
  // The model's input ids for `text` (data.py's Vocabulary.encode).
  std::vector<int64_t> FeatureIds(absl::string_view text) const;
  // The prediction for one row of the model's output (labels().size() probabilities).
  IntentPrediction Predict(const float* probabilities) const;

  // The ensemble computed directly from the module's weights (intent_ensemble.h), or null
  // for a module of another shape, which then runs through TorchScript.
  const IntentEnsemble* direct() const { return direct_ ? &*direct_ : nullptr; }
  // The probabilities of one message's feature ids through TorchScript, whatever direct()
  // is (tests compare both paths).
  absl::StatusOr<std::vector<float>> TorchScriptProbabilities(
      const std::vector<int64_t>& ids) const;

  // Whether the model was trained on messages in `language` (ISO 639-1), so a message in
  // it is classified as written rather than through an English translation.
  bool Understands(absl::string_view language) const;

  const std::vector<std::string>& labels() const { return labels_; }
  float threshold() const { return threshold_; }
  float margin() const { return margin_; }
  int64_t version() const { return model_->version(); }

 private:
  IntentClassifier() = default;

  std::shared_ptr<const TorchModel> model_;
  std::vector<std::string> labels_;
  float threshold_ = 0;
  float margin_ = 0;
  int64_t oos_index_ = -1;                       // index of metadata "oos_label" in labels_, or -1
  std::vector<std::string> languages_ = {"en"};  // metadata "languages"
  std::optional<IntentFeaturizer> featurizer_;   // set by Load
  std::optional<IntentEnsemble> direct_;         // set by Load when the module allows
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_INTENT_CLASSIFIER_H_
