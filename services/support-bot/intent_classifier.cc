// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/intent_classifier.h"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;
// data.py: PAD, UNK_WORD, UNK_BIGRAM, UNK_CHAR, FIRST_ID.
constexpr int64_t kPad = 0;
constexpr int64_t kUnkWord = 1;
constexpr int64_t kUnkBigram = 2;
constexpr int64_t kUnkChar = 3;
constexpr int64_t kFirstId = 4;

// 64-bit FNV-1a of prefix + a + b (the bytes of one feature key).
uint64_t Fnv1a64(char prefix, absl::string_view a, absl::string_view b = {}) {
  uint64_t h = kFnvOffset;
  auto add = [&h](unsigned char c) {
    h ^= c;
    h *= kFnvPrime;
  };
  add(static_cast<unsigned char>(prefix));
  for (char c : a) add(static_cast<unsigned char>(c));
  for (char c : b) add(static_cast<unsigned char>(c));
  return h;
}

// data.py's words_of(): lower-cased runs of ASCII letters and non-ASCII bytes, each run
// of digits folded to one "0", apostrophes (U+0027, U+2019) dropped, anything else a
// separator.
std::vector<std::string> Words(absl::string_view text, int max_words) {
  std::vector<std::string> words;
  std::string current;
  bool in_digits = false;
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b == 0x27) continue;
    if (b == 0xE2 && i + 2 < n && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x99) {
      i += 2;
      continue;
    }
    if (b >= 'A' && b <= 'Z') b += 32;
    if ((b >= 'a' && b <= 'z') || b >= 0x80) {
      current.push_back(static_cast<char>(b));
      in_digits = false;
    } else if (b >= '0' && b <= '9') {
      if (!in_digits) current.push_back('0');
      in_digits = true;
    } else {
      if (!current.empty()) {
        words.push_back(std::move(current));
        current.clear();
        if (static_cast<int>(words.size()) == max_words) return words;
      }
      in_digits = false;
    }
  }
  if (!current.empty() && static_cast<int>(words.size()) < max_words) {
    words.push_back(std::move(current));
  }
  return words;
}

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
  std::string features_file;
  int64_t num_features = 0;
  try {
    c->labels_ = meta.at("labels").get<std::vector<std::string>>();
    c->threshold_ = meta.at("threshold").get<float>();
    c->margin_ = meta.at("margin").get<float>();
    if (meta.at("hash").get<std::string>() != "fnv1a64") return Invalid(meta_path, "unknown hash");
    const nlohmann::json& f = meta.at("featurizer");
    c->max_words_ = f.at("max_words").get<int>();
    c->min_n_ = f.at("min_n").get<int>();
    c->max_n_ = f.at("max_n").get<int>();
    // Models trained with pretrained word vectors (train.py --pretrained) look every word
    // up once more, as a "pword" feature.
    c->pretrained_words_ = f.contains("pretrained") && !f.at("pretrained").is_null();
    features_file = meta.at("features").get<std::string>();
    const auto unk = meta.at("unk_ids").get<std::map<std::string, int64_t>>();
    if (unk.at("word") != kUnkWord || unk.at("bigram") != kUnkBigram ||
        unk.at("char") != kUnkChar || meta.at("first_id").get<int64_t>() != kFirstId ||
        (c->pretrained_words_ && (unk.count("pword") == 0 || unk.at("pword") != kPad))) {
      return Invalid(meta_path, "unexpected unknown ids (featurizer version mismatch)");
    }
    num_features = meta.at("num_features").get<int64_t>();
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
  if (c->max_words_ < 1 || c->min_n_ < 1 || c->max_n_ < c->min_n_) {
    return Invalid(meta_path, "bad featurizer settings");
  }

  const std::string features_path = version_dir + "/" + features_file;
  std::ifstream features_in(features_path);
  if (!features_in) return absl::NotFoundError(absl::StrCat("cannot read ", features_path));
  std::string line;
  int64_t id = kFirstId;
  while (std::getline(features_in, line)) {
    if (line.empty()) continue;
    char* end = nullptr;
    const uint64_t hash = std::strtoull(line.c_str(), &end, 16);
    if (line.size() != 16 || end != line.c_str() + line.size()) {
      return Invalid(features_path,
                     absl::StrCat("line ", id - kFirstId + 1, " is not 16 hex digits"));
    }
    if (!c->ids_.emplace(hash, id).second) {
      return Invalid(features_path, absl::StrCat("duplicate hash on line ", id - kFirstId + 1));
    }
    ++id;
  }
  if (id - kFirstId != num_features) {
    return Invalid(features_path,
                   absl::StrCat("has ", id - kFirstId, " features, metadata says ", num_features));
  }

  c->model_ = std::move(model);
  const ModelMetadata& m = c->model_->metadata();
  if (m.inputs.size() != 1 || m.inputs[0].dtype != torch::kInt64 || m.inputs[0].shape.size() != 2 ||
      m.outputs.size() != 1 || m.outputs[0].dtype != torch::kFloat32 ||
      m.outputs[0].shape != std::vector<int64_t>{-1, static_cast<int64_t>(c->labels_.size())}) {
    return Invalid(meta_path, "expected ids:int64[-1,-1] -> probabilities:float32[-1,#labels]");
  }
  return c;
}

std::vector<int64_t> IntentClassifier::FeatureIds(absl::string_view text) const {
  const std::vector<std::string> words = Words(text, max_words_);
  std::vector<int64_t> ids;
  // A key not in the vocabulary becomes its kind's unknown id; a kind without one (kPad)
  // drops it, as data.py's Vocabulary.encode does.
  auto lookup = [this, &ids](uint64_t hash, int64_t unk) {
    auto it = ids_.find(hash);
    const int64_t id = it == ids_.end() ? unk : it->second;
    if (id != kPad) ids.push_back(id);
  };
  for (const std::string& w : words) lookup(Fnv1a64('w', w), kUnkWord);
  // Bigrams of <s> words... </s>.
  std::string left = "<s>";
  for (size_t i = 0; i <= words.size(); ++i) {
    const std::string right = i < words.size() ? words[i] : "</s>";
    lookup(Fnv1a64('b', absl::StrCat(left, " "), right), kUnkBigram);
    left = right;
  }
  std::string bracketed;
  for (const std::string& w : words) {
    bracketed = absl::StrCat("<", w, ">");
    const absl::string_view s(bracketed);
    for (int n = min_n_; n <= max_n_; ++n) {
      for (size_t j = 0; j + n <= s.size(); ++j) lookup(Fnv1a64('c', s.substr(j, n)), kUnkChar);
    }
  }
  if (pretrained_words_) {
    // A word without a pretrained vector adds nothing: the pword kind has no unknown id.
    for (const std::string& w : words) lookup(Fnv1a64('p', w), kPad);
  }
  return ids;
}

absl::StatusOr<std::vector<std::vector<float>>> IntentClassifier::Probabilities(
    const std::vector<std::string>& texts) const {
  std::vector<std::vector<float>> probs;
  if (texts.empty()) return probs;
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
