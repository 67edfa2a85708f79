// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// One loaded version of the translation model: the TorchScript encoder/decoder (from the
// model repository), the SentencePiece vocabulary it was trained with, and the decoding
// facts from its metadata.json (special ids, language tags, cache layout, pairs).
// Immutable; a hot reload creates a new one, and requests tokenized with a version are
// decoded with that same version.
#ifndef SHOP_SERVICES_TRANSLATOR_TRANSLATION_MODEL_H_
#define SHOP_SERVICES_TRANSLATOR_TRANSLATION_MODEL_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/inference/torch_model.h"
#include "services/translator/tokenizer.h"

namespace shop::translator {

class DirectDecoder;

// Largest length penalty (alpha) a request may ask for; a model's own default must be
// one a request could ask for too.
inline constexpr float kMaxLengthPenalty = 2.0f;

// Layout of the decoder's key/value cache: [rows, layers, 2, heads, steps, head_dim].
struct DecoderSpec {
  int layers = 0;
  int heads = 0;
  int head_dim = 0;
  int pad_id = 0;
  int eos_id = 0;
  int max_positions = 0;
  // Ids the decoder must never emit (padding, BOS, language tags).
  std::vector<int64_t> banned_ids;
};

class TranslationModel {
 public:
  static absl::StatusOr<std::shared_ptr<const TranslationModel>> Create(
      std::shared_ptr<const TorchModel> torch_model);

  const TorchModel& torch_model() const { return *torch_model_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const DecoderSpec& spec() const { return spec_; }
  // The decoder step computed from the weights (direct_decoder.h); null when the module
  // is one it cannot compute (the int8 variant), which then decodes through its step().
  const DirectDecoder* direct_decoder() const { return direct_decoder_.get(); }
  int64_t version() const { return torch_model_->version(); }

  // Id of the tag that asks for `language`; -1 when the model cannot produce it.
  int TargetTag(const std::string& language) const;
  // Directions the model was trained on, e.g. ("en", "de").
  const std::vector<std::pair<std::string, std::string>>& pairs() const { return pairs_; }
  // Id of placeholder i ("<ph{i}>"); -1 beyond the model's placeholders.
  int num_placeholders() const { return num_placeholders_; }
  // Length penalty (alpha) this model decodes best with, tuned on validation data at
  // export ("default_length_penalty" in metadata.json; 1.0 when absent).
  float default_length_penalty() const { return default_length_penalty_; }

  // The confidence (0..1) of a translation whose tokens, EOS included, have the mean
  // log-probability `mean_log_prob`: sigmoid(slope * x + intercept), the logistic fit that
  // export.py makes on the dev splits ("confidence" in metadata.json). A model exported
  // without one gets exp(x), the geometric mean of its token probabilities.
  float Confidence(double mean_log_prob) const;

 private:
  TranslationModel() = default;

  std::shared_ptr<const TorchModel> torch_model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  DecoderSpec spec_;
  std::shared_ptr<const DirectDecoder> direct_decoder_;
  std::map<std::string, int> target_tags_;
  std::vector<std::pair<std::string, std::string>> pairs_;
  int num_placeholders_ = 0;
  float default_length_penalty_ = 1.0f;
  bool calibrated_ = false;
  double confidence_slope_ = 1.0;
  double confidence_intercept_ = 0.0;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TRANSLATION_MODEL_H_
