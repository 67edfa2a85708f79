// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The intent model's input: a message's words, word bigrams and character n-grams (and, for
// models trained with pretrained word vectors, each word once more), hashed with 64-bit
// FNV-1a and looked up in the model's feature vocabulary (training/data.py's Vocabulary.encode;
// tests/support-bot/intent_classifier_test.cc checks the C++ ids against the Python ones).
// Needs no LibTorch, so it is fuzzed on its own (tests/fuzz/intent_featurizer_fuzzer.cc).
#ifndef SHOP_SERVICES_SUPPORT_BOT_INTENT_FEATURIZER_H_
#define SHOP_SERVICES_SUPPORT_BOT_INTENT_FEATURIZER_H_

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json_fwd.hpp"

namespace shop::supportbot {

class IntentFeaturizer {
 public:
  // From a model's metadata.json (object `meta`: "hash", "featurizer", "unk_ids",
  // "first_id", "num_features") and the text of its features file (one 16-hex-digit hash
  // per line, ids from first_id on). `meta_name` and `features_name` name them in errors.
  // InvalidArgument for anything inconsistent or out of range.
  static absl::StatusOr<IntentFeaturizer> Parse(const nlohmann::json& meta,
                                                absl::string_view features_text,
                                                absl::string_view meta_name,
                                                absl::string_view features_name);

  // The model's input ids for `text`, in data.py's order: words, bigrams, character n-grams,
  // pretrained words; unknown keys become their kind's unknown id.
  std::vector<int64_t> FeatureIds(absl::string_view text) const;

  // The name of the features file the metadata names ("features").
  static absl::StatusOr<std::string> FeaturesFile(const nlohmann::json& meta);

 private:
  IntentFeaturizer() = default;

  int max_words_ = 64;
  int min_n_ = 3;
  int max_n_ = 5;
  bool pretrained_words_ = false;  // featurizer "pretrained": also a "p" + word feature each
  // Feature hash -> model input id.
  std::unordered_map<uint64_t, int64_t> ids_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_INTENT_FEATURIZER_H_
