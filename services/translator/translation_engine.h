// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Translates whole texts: detects the source language when asked, splits texts into
// sentences (and HTML into text runs), protects spans, answers repeated sentences from
// an LRU cache, decodes the rest through the dynamic batcher (sentences of concurrent
// requests share one beam search, bucketed by length), and reassembles the texts.
// Pairs without English (de->fr) pivot through English.
#ifndef SHOP_SERVICES_TRANSLATOR_TRANSLATION_ENGINE_H_
#define SHOP_SERVICES_TRANSLATOR_TRANSLATION_ENGINE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/inference/dynamic_batcher.h"
#include "common/inference/model_repository.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/translator/beam_search.h"
#include "services/translator/language_detector.h"
#include "services/translator/lru_cache.h"
#include "services/translator/translation_model.h"

namespace shop::translator {

struct EngineOptions {
  int default_beam_size = 4;
  int max_beam_size = 8;
  // Length penalty when a request leaves it at 0; 0 here means the model's own
  // (TranslationModel::default_length_penalty), which follows hot reloads.
  float default_length_penalty = 0.0f;
  // Output limit per sentence: ratio * source pieces + extra.
  double max_output_ratio = 1.5;
  int max_output_extra = 10;
  // Sentences longer than this many pieces are cut at word boundaries and translated in
  // parts (the model was trained on sentences of at most 128 pieces).
  int max_source_pieces = 160;
  // Sentence cache capacity (keys + translations); 0 disables it.
  size_t cache_bytes = 64 << 20;
  // Sources at most this many pieces apart (relative) share a decoding batch.
  double bucket_ratio = 1.5;
  BatcherOptions batcher;
  // Detection below this confidence counts as undetermined ("und").
  float min_detection_confidence = 0.5f;
  // kInterpreted decodes through the model's TorchScript step() (to compare against).
  StepPath step_path = StepPath::kDirect;
};

// Per-request settings, already validated by the service.
struct TextOptions {
  int beam_size = 0;         // 0 = default
  float length_penalty = 0;  // 0 = default
  bool html = false;
  std::vector<std::string> do_not_translate;
  std::vector<std::pair<std::string, std::string>> glossary;
};

enum class Outcome { kTranslated, kEmptyInput, kSameLanguage, kUnsupportedSource };

struct TextResult {
  std::string text;
  // 0..1: how likely the translation is usable (TranslationModel::Confidence over all of
  // the text's decoded tokens; the product of both legs when pivoting through English).
  // 1 for a text returned unchanged or with nothing the model had to translate, 0 for an
  // unsupported source language.
  float confidence = 0;
  std::string detected_language;  // set when the source was "auto"
  float detection_confidence = 0;
  Outcome outcome = Outcome::kTranslated;
};

// One sentence's translation and the scores its confidence is computed from: one
// (log-probability, tokens) entry per model pass, two when it pivoted through English.
struct SentenceTranslation {
  std::string text;
  struct Leg {
    double log_prob = 0;
    int tokens = 0;
  };
  std::vector<Leg> legs;
};

inline size_t CacheBytes(const SentenceTranslation& t) {
  return t.text.size() + t.legs.size() * sizeof(SentenceTranslation::Leg);
}

class TranslationEngine {
 public:
  // `repository` and `registry` must outlive the engine.
  static absl::StatusOr<std::unique_ptr<TranslationEngine>> Create(ModelRepository* repository,
                                                                   EngineOptions options,
                                                                   InferenceMetrics* metrics,
                                                                   prometheus::Registry& registry);
  ~TranslationEngine();

  // `source` empty or "auto" = detect per text. Fails with INVALID_ARGUMENT for an
  // unsupported pair (reason UNSUPPORTED_LANGUAGE_PAIR; the violation is on the
  // TranslateRequest field, `source_language` or `target_language`, that no pair accepts,
  // on both when neither or each but not the two together), DEADLINE_EXCEEDED/CANCELLED/
  // RESOURCE_EXHAUSTED from decoding.
  absl::StatusOr<std::vector<TextResult>> Translate(const std::vector<std::string>& texts,
                                                    const std::string& source,
                                                    const std::string& target,
                                                    const TextOptions& options,
                                                    const RequestContext& context);

  LanguageDetector::Detection Detect(absl::string_view text) const ABSL_LOCKS_EXCLUDED(model_mu_);

  // Direct and pivot pairs, sorted.
  std::vector<std::pair<std::string, std::string>> SupportedPairs() const
      ABSL_LOCKS_EXCLUDED(model_mu_);
  bool Supports(const std::string& source, const std::string& target) const
      ABSL_LOCKS_EXCLUDED(model_mu_);
  std::string ModelVersion() const ABSL_LOCKS_EXCLUDED(model_mu_);
  const EngineOptions& options() const { return options_; }

 private:
  TranslationEngine(ModelRepository* repository, EngineOptions options,
                    prometheus::Registry& registry);

  // The model of the version serving now (re-created after a hot reload).
  absl::StatusOr<std::shared_ptr<const TranslationModel>> CurrentModel()
      ABSL_LOCKS_EXCLUDED(model_mu_);

  // Translates placeholder-bearing sentences from `source` to `target` (a direct pair).
  absl::StatusOr<std::vector<SentenceTranslation>> TranslateSentences(
      const std::shared_ptr<const TranslationModel>& model,
      const std::vector<std::string>& sentences, const std::string& source,
      const std::string& target, int beam, float alpha, const RequestContext& context);

  // Direct or through English.
  absl::StatusOr<std::vector<SentenceTranslation>> TranslateSentencesAnyPair(
      const std::shared_ptr<const TranslationModel>& model,
      const std::vector<std::string>& sentences, const std::string& source,
      const std::string& target, int beam, float alpha, const RequestContext& context);

  std::vector<absl::StatusOr<DecodeOutput>> RunBatch(std::vector<DecodeJob>& jobs);

  // The text of the best hypothesis the language detector assigns to `target`, or of the
  // best one when none is; `chosen` gets that hypothesis.
  std::string InTargetLanguage(const TranslationModel& model, const DecodeOutput& decoded,
                               const std::string& target, const DecodeOutput** chosen);

  ModelRepository* const repository_;
  const EngineOptions options_;
  BasicLruCache<SentenceTranslation> cache_;
  std::unique_ptr<DynamicBatcher<DecodeJob, DecodeOutput>> batcher_;

  // The model built for the version serving now; replaced together after a hot reload.
  mutable absl::Mutex model_mu_;
  std::shared_ptr<const TorchModel> model_source_ ABSL_GUARDED_BY(model_mu_);  // model_'s source
  std::shared_ptr<const TranslationModel> model_ ABSL_GUARDED_BY(model_mu_);
  std::unique_ptr<LanguageDetector> detector_ ABSL_GUARDED_BY(model_mu_);

  prometheus::Counter* cache_hits_;
  prometheus::Counter* cache_misses_;
  prometheus::Gauge* cache_bytes_;
  prometheus::Gauge* cache_entries_;
  prometheus::Counter* span_repairs_;
  prometheus::Family<prometheus::Counter>* texts_;
  prometheus::Counter* pivot_sentences_;
  prometheus::Counter* language_fallbacks_;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TRANSLATION_ENGINE_H_
