// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Language identification for DetectLanguage and Translate with source_language "auto":
// naive Bayes over hashed character n-grams, trained by langid_train.py (which documents
// the features and the file format; this class mirrors them exactly, so the two agree).
// Knows en, de, fr, es; anything else, text without letters and texts it is unsure about
// are "und". Immutable after Load, so one instance serves all threads.
#ifndef SHOP_SERVICES_TRANSLATOR_LANGUAGE_DETECTOR_H_
#define SHOP_SERVICES_TRANSLATOR_LANGUAGE_DETECTOR_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shop::translator {

class LanguageDetector {
 public:
  struct Detection {
    std::string language;  // "en", "de", ... or "und"
    float confidence;      // probability of `language`, 0..1; 0 when "und"
  };

  // NotFound if the file cannot be read, InvalidArgument if it is not a model file.
  static absl::StatusOr<std::unique_ptr<LanguageDetector>> Load(const std::string& path);

  // "und" with confidence 0 for text without letters, text unlike every known language,
  // or a best probability below the file's min_confidence. Invalid UTF-8 bytes count as
  // separators (the service rejects invalid UTF-8 before this).
  Detection Detect(absl::string_view utf8_text) const;

  // Probability of each of languages(), in that order, before the "und" rules (the
  // best guess for text Detect calls "und"); all 0 for text without letters.
  std::vector<double> Probabilities(absl::string_view utf8_text) const;

  // The text's features: the hash bucket of every character n-gram occurrence (and of
  // every whole word longer than the longest n-gram), in text order. Exposed so that the
  // golden test can compare them with langid_train.py's (models/translator/*/golden.json).
  std::vector<uint32_t> FeatureIds(absl::string_view utf8_text) const;

  const std::vector<std::string>& languages() const { return languages_; }
  // Identifies the model file (for DetectLanguageResponse.model_version).
  const std::string& version() const { return version_; }

 private:
  LanguageDetector() = default;

  // Per-language sum of log P(feature | language) over the text's feature occurrences,
  // and the number of occurrences.
  void Score(absl::string_view utf8_text, std::vector<double>* sums, int64_t* count) const;
  std::vector<double> Softmax(const std::vector<double>& sums, int64_t count) const;

  std::vector<std::string> languages_;
  std::string version_;
  uint32_t num_buckets_ = 0;
  int min_order_ = 1;
  int max_order_ = 5;
  int max_chars_ = 1000;
  double scale_ = 1.0;
  double length_exponent_ = 0.0;
  double min_confidence_ = 0.5;
  double min_mean_log_prob_ = 0.0;
  std::vector<float> log_probs_;  // num_buckets_ rows x languages_.size()
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_LANGUAGE_DETECTOR_H_
