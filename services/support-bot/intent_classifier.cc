// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/intent_classifier.h"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {
namespace {

absl::Status Invalid(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", what));
}

}  // namespace

absl::StatusOr<std::unique_ptr<IntentClassifier>> IntentClassifier::Load(
    const std::string& version_dir) {
  ASSIGN_OR_RETURN(std::shared_ptr<const TorchModel> model, TorchModel::Load(version_dir));
  return Load(std::move(model));
}

absl::StatusOr<std::unique_ptr<IntentClassifier>> IntentClassifier::Load(
    std::shared_ptr<const TorchModel> model) {
  const std::string& version_dir = model->directory();
  const std::string meta_path = version_dir + "/metadata.json";
  std::ifstream meta_in(meta_path);
  if (!meta_in) return absl::NotFoundError(absl::StrCat("cannot read ", meta_path));
  const nlohmann::json meta = nlohmann::json::parse(meta_in, nullptr, /*allow_exceptions=*/false);
  if (meta.is_discarded() || !meta.is_object()) return Invalid(meta_path, "not a JSON object");

  std::unique_ptr<IntentClassifier> c(new IntentClassifier());
  try {
    c->labels_ = meta.at("labels").get<std::vector<std::string>>();
    // Read as double and range-checked: a double outside float's range does not convert.
    const double threshold = meta.at("threshold").get<double>();
    const double margin = meta.at("margin").get<double>();
    if (!(threshold >= 0 && threshold <= 1 && margin >= 0 && margin <= 1)) {
      return Invalid(meta_path, "threshold and margin must be in 0..1");
    }
    c->threshold_ = static_cast<float>(threshold);
    c->margin_ = static_cast<float>(margin);
    if (meta.contains("oos_label")) {
      const auto oos = meta.at("oos_label").get<std::string>();
      const auto it = std::find(c->labels_.begin(), c->labels_.end(), oos);
      if (it == c->labels_.end()) return Invalid(meta_path, "oos_label is not one of the labels");
      c->oos_index_ = it - c->labels_.begin();
    }
    // Models trained on messages in several languages (train.py --dataset multilingual)
    // list them; older models were trained on English only.
    if (meta.contains("languages")) {
      c->languages_ = meta.at("languages").get<std::vector<std::string>>();
    }
  } catch (const std::exception& e) {
    return Invalid(meta_path, e.what());
  }
  if (c->labels_.size() < 2) return Invalid(meta_path, "needs at least two labels");

  absl::StatusOr<std::string> features_file = IntentFeaturizer::FeaturesFile(meta);
  if (!features_file.ok()) return Invalid(meta_path, features_file.status().message());
  const std::string features_path = version_dir + "/" + *features_file;
  std::ifstream features_in(features_path, std::ios::binary);
  if (!features_in) return absl::NotFoundError(absl::StrCat("cannot read ", features_path));
  std::ostringstream features_text;
  features_text << features_in.rdbuf();
  absl::StatusOr<IntentFeaturizer> featurizer =
      IntentFeaturizer::Parse(meta, features_text.str(), meta_path, features_path);
  if (!featurizer.ok()) return featurizer.status();
  c->featurizer_.emplace(*std::move(featurizer));

  c->model_ = std::move(model);
  const ModelMetadata& m = c->model_->metadata();
  if (m.inputs.size() != 1 || m.inputs[0].dtype != torch::kInt64 || m.inputs[0].shape.size() != 2 ||
      m.outputs.size() != 1 || m.outputs[0].dtype != torch::kFloat32 ||
      m.outputs[0].shape != std::vector<int64_t>{-1, static_cast<int64_t>(c->labels_.size())}) {
    return Invalid(meta_path, "expected ids:int64[-1,-1] -> probabilities:float32[-1,#labels]");
  }
  absl::StatusOr<IntentEnsemble> direct = IntentEnsemble::FromModule(c->model_->module());
  if (direct.ok()) {
    if (direct->num_labels() != static_cast<int>(c->labels_.size())) {
      return Invalid(meta_path, "the model's members do not have one output per label");
    }
    c->direct_.emplace(*std::move(direct));
  } else if (!absl::IsUnimplemented(direct.status())) {
    return Invalid(meta_path, direct.status().message());
  }
  return c;
}

std::vector<int64_t> IntentClassifier::FeatureIds(absl::string_view text) const {
  return featurizer_->FeatureIds(text);
}

absl::StatusOr<std::vector<float>> IntentClassifier::TorchScriptProbabilities(
    const std::vector<int64_t>& ids) const {
  std::vector<int64_t> row = ids.empty() ? std::vector<int64_t>{0} : ids;
  torch::Tensor input =
      torch::from_blob(row.data(), {1, static_cast<int64_t>(row.size())}, torch::kInt64).clone();
  ASSIGN_OR_RETURN(std::vector<torch::Tensor> out, model_->Forward({input}));
  const torch::Tensor p = out[0].contiguous();
  return std::vector<float>(p.data_ptr<float>(), p.data_ptr<float>() + p.numel());
}

absl::StatusOr<std::vector<std::vector<float>>> IntentClassifier::Probabilities(
    const std::vector<std::string>& texts) const {
  std::vector<std::vector<float>> probs;
  if (texts.empty()) return probs;
  if (direct_) {
    for (const std::string& t : texts) {
      probs.emplace_back(labels_.size());
      direct_->Probabilities(FeatureIds(t), probs.back().data());
    }
    return probs;
  }
  std::vector<std::vector<int64_t>> rows;
  rows.reserve(texts.size());
  size_t width = 1;
  for (const std::string& t : texts) {
    rows.push_back(FeatureIds(t));
    width = std::max(width, rows.back().size());
  }
  torch::Tensor ids =
      torch::zeros({static_cast<int64_t>(rows.size()), static_cast<int64_t>(width)}, torch::kInt64);
  auto acc = ids.accessor<int64_t, 2>();
  for (size_t i = 0; i < rows.size(); ++i) {
    for (size_t j = 0; j < rows[i].size(); ++j) acc[i][j] = rows[i][j];
  }
  ASSIGN_OR_RETURN(std::vector<torch::Tensor> out, model_->Forward({ids}));
  const torch::Tensor p = out[0].contiguous();
  const float* data = p.data_ptr<float>();
  const size_t k = labels_.size();
  probs.reserve(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) probs.emplace_back(data + i * k, data + (i + 1) * k);
  return probs;
}

std::vector<IntentPrediction> IntentClassifier::ClassifyBatch(
    const std::vector<std::string>& texts) const {
  absl::StatusOr<std::vector<std::vector<float>>> probs = Probabilities(texts);
  std::vector<IntentPrediction> predictions(texts.size());
  if (!probs.ok()) return predictions;  // empty intents, not in scope
  for (size_t i = 0; i < predictions.size(); ++i) predictions[i] = Predict((*probs)[i].data());
  return predictions;
}

IntentPrediction IntentClassifier::Predict(const float* p) const {
  const size_t k = labels_.size();
  // First index wins ties, as numpy's argmax does.
  size_t best = 0;
  for (size_t j = 1; j < k; ++j) {
    if (p[j] > p[best]) best = j;
  }
  size_t second = best == 0 ? 1 : 0;
  for (size_t j = 0; j < k; ++j) {
    if (j != best && p[j] > p[second]) second = j;
  }
  IntentPrediction out;
  out.intent = labels_[best];
  out.confidence = p[best];
  out.runner_up = labels_[second];
  out.runner_up_confidence = p[second];
  out.in_scope = p[best] >= threshold_ && p[best] - p[second] >= margin_ &&
                 static_cast<int64_t>(best) != oos_index_;
  return out;
}

bool IntentClassifier::Understands(absl::string_view language) const {
  return std::find(languages_.begin(), languages_.end(), language) != languages_.end();
}

IntentPrediction IntentClassifier::Classify(absl::string_view text) const {
  return ClassifyBatch({std::string(text)}).front();
}

}  // namespace shop::supportbot
