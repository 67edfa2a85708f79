// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/translation_model.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"
#include "services/translator/direct_decoder.h"

namespace shop::translator {

absl::StatusOr<std::shared_ptr<const TranslationModel>> TranslationModel::Create(
    std::shared_ptr<const TorchModel> torch_model) {
  const std::string dir = torch_model->directory();
  std::ifstream in(dir + "/metadata.json");
  std::stringstream buf;
  buf << in.rdbuf();
  std::shared_ptr<TranslationModel> m(new TranslationModel());
  try {
    const nlohmann::json j = nlohmann::json::parse(buf.str());
    ASSIGN_OR_RETURN(m->tokenizer_,
                     Tokenizer::Load(dir + "/" + j.at("tokenizer").get<std::string>()));
    DecoderSpec& s = m->spec_;
    const auto& d = j.at("decoder");
    s.layers = d.at("layers").get<int>();
    s.heads = d.at("heads").get<int>();
    s.head_dim = d.at("head_dim").get<int>();
    s.pad_id = j.at("pad_id").get<int>();
    s.eos_id = j.at("eos_id").get<int>();
    s.max_positions = j.value("max_positions", 1024);
    s.banned_ids = {s.pad_id};
    const int bos = m->tokenizer_->PieceToId("<s>");
    if (bos >= 0) s.banned_ids.push_back(bos);
    for (const auto& [lang, tag] : j.at("lang_tags").items()) {
      const int id = m->tokenizer_->PieceToId(tag.get<std::string>());
      if (id < 0) {
        return absl::FailedPreconditionError(absl::StrCat(
            dir, ": language tag ", tag.get<std::string>(), " is not in the vocabulary"));
      }
      m->target_tags_[lang] = id;
      s.banned_ids.push_back(id);
    }
    for (const auto& p : j.at("pairs")) {
      m->pairs_.emplace_back(p.at(0).get<std::string>(), p.at(1).get<std::string>());
    }
    m->num_placeholders_ = j.value("num_placeholders", 0);
    m->default_length_penalty_ = j.value("default_length_penalty", 1.0f);
    if (!(m->default_length_penalty_ > 0.0f && m->default_length_penalty_ <= kMaxLengthPenalty)) {
      return absl::InvalidArgumentError(absl::StrCat(dir, "/metadata.json: default_length_penalty ",
                                                     m->default_length_penalty_, " is not in (0, ",
                                                     kMaxLengthPenalty, "]"));
    }
    if (j.contains("confidence")) {
      const auto& c = j.at("confidence");
      m->calibrated_ = true;
      m->confidence_slope_ = c.at("slope").get<double>();
      m->confidence_intercept_ = c.at("intercept").get<double>();
      if (!std::isfinite(m->confidence_slope_) || !std::isfinite(m->confidence_intercept_)) {
        return absl::InvalidArgumentError(
            absl::StrCat(dir, "/metadata.json: confidence slope and intercept must be finite"));
      }
    }
  } catch (const nlohmann::json::exception& e) {
    return absl::InvalidArgumentError(absl::StrCat(dir, "/metadata.json: ", e.what()));
  }
  absl::StatusOr<std::unique_ptr<const DirectDecoder>> direct =
      DirectDecoder::FromModule(torch_model->module(), m->spec_);
  if (direct.ok()) {
    m->direct_decoder_ = std::move(*direct);
  } else if (!absl::IsFailedPrecondition(direct.status())) {
    return direct.status();
  }
  m->torch_model_ = std::move(torch_model);
  return std::shared_ptr<const TranslationModel>(std::move(m));
}

float TranslationModel::Confidence(double mean_log_prob) const {
  if (!std::isfinite(mean_log_prob)) return 0.0f;
  if (!calibrated_) return static_cast<float>(std::exp(std::min(mean_log_prob, 0.0)));
  return static_cast<float>(
      1.0 / (1.0 + std::exp(-(confidence_slope_ * mean_log_prob + confidence_intercept_))));
}

int TranslationModel::TargetTag(const std::string& language) const {
  auto it = target_tags_.find(language);
  return it == target_tags_.end() ? -1 : it->second;
}

}  // namespace shop::translator
