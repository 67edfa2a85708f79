// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/translation_engine.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/logging.h"
#include "common/server/error_details.h"
#include "common/status_macros.h"
#include "services/translator/text/prepared_text.h"

namespace shop::translator {
namespace {

constexpr char kPivot[] = "en";

// Waits for the results of jobs submitted to the batcher, or for the caller's deadline.
struct PendingBatch {
  absl::Mutex mu;
  size_t remaining ABSL_GUARDED_BY(mu) = 0;
  std::vector<absl::StatusOr<DecodeOutput>> results ABSL_GUARDED_BY(mu);

  bool Done() const ABSL_SHARED_LOCKS_REQUIRED(mu) { return remaining == 0; }
};

// A caller's cancellation check that stays safe after the caller returned: jobs can
// outlive the RPC (its deadline passed while they were queued or decoding), and the
// original check reads the grpc::ServerContext, which is gone by then.
class CallerLiveness {
 public:
  explicit CallerLiveness(std::function<bool()> is_cancelled)
      : is_cancelled_(std::move(is_cancelled)) {}
  bool IsCancelled() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    return !alive_ || (is_cancelled_ && is_cancelled_());
  }
  void CallerLeft() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    alive_ = false;
  }

 private:
  absl::Mutex mu_;
  bool alive_ ABSL_GUARDED_BY(mu_) = true;
  // Called under mu_, so that CallerLeft waits out a check that is reading the context.
  const std::function<bool()> is_cancelled_;
};

// Cuts a sentence that is too long for the model at word boundaries into parts of at
// most `max_pieces` pieces (never inside a placeholder: it has no spaces).
std::vector<std::string> CutLongSentence(const Tokenizer& tok, const std::string& sentence,
                                         int max_pieces) {
  if (static_cast<int>(tok.Encode(sentence).size()) <= max_pieces) return {sentence};
  std::vector<std::string> words = absl::StrSplit(sentence, ' ');
  if (words.size() < 2) return {sentence};  // one giant token: the length limit cuts it
  const size_t half = words.size() / 2;
  std::vector<std::string> out =
      CutLongSentence(tok, absl::StrJoin(words.begin(), words.begin() + half, " "), max_pieces);
  for (std::string& s :
       CutLongSentence(tok, absl::StrJoin(words.begin() + half, words.end(), " "), max_pieces)) {
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace

TranslationEngine::TranslationEngine(ModelRepository* repository, EngineOptions options,
                                     prometheus::Registry& registry)
    : repository_(repository), options_(std::move(options)), cache_(options_.cache_bytes) {
  auto& lookups = prometheus::BuildCounter()
                      .Name("shop_translator_cache_lookups_total")
                      .Help("Sentence cache lookups by result (hit, miss).")
                      .Register(registry);
  cache_hits_ = &lookups.Add({{"result", "hit"}});
  cache_misses_ = &lookups.Add({{"result", "miss"}});
  cache_bytes_ = &prometheus::BuildGauge()
                      .Name("shop_translator_cache_bytes")
                      .Help("Approximate bytes held by the sentence cache.")
                      .Register(registry)
                      .Add({});
  cache_entries_ = &prometheus::BuildGauge()
                        .Name("shop_translator_cache_entries")
                        .Help("Sentences held by the sentence cache.")
                        .Register(registry)
                        .Add({});
  span_repairs_ = &prometheus::BuildCounter()
                       .Name("shop_translator_protected_span_repairs_total")
                       .Help(
                           "Protected spans the model dropped, duplicated or invented, "
                           "repaired after decoding.")
                       .Register(registry)
                       .Add({});
  texts_ = &prometheus::BuildCounter()
                .Name("shop_translator_texts_total")
                .Help(
                    "Texts by outcome (translated, empty_input, same_language, "
                    "unsupported_source).")
                .Register(registry);
  pivot_sentences_ = &prometheus::BuildCounter()
                          .Name("shop_translator_pivot_sentences_total")
                          .Help("Sentences translated through English (no direct pair).")
                          .Register(registry)
                          .Add({});
  language_fallbacks_ = &prometheus::BuildCounter()
                             .Name("shop_translator_language_fallbacks_total")
                             .Help(
                                 "Sentences whose most likely translation was not detected as "
                                 "the target language, answered with a lower hypothesis of the "
                                 "beam that was.")
                             .Register(registry)
                             .Add({});
}

TranslationEngine::~TranslationEngine() { batcher_.reset(); }

absl::StatusOr<std::unique_ptr<TranslationEngine>> TranslationEngine::Create(
    ModelRepository* repository, EngineOptions options, InferenceMetrics* metrics,
    prometheus::Registry& registry) {
  if (options.default_beam_size < 1 || options.default_beam_size > options.max_beam_size) {
    return absl::InvalidArgumentError("default beam size must be in [1, max_beam_size]");
  }
  // The same range requests are held to (and NaN fails both comparisons).
  const float alpha = options.default_length_penalty;
  if (!(alpha == 0.0f || (alpha > 0.0f && alpha <= kMaxLengthPenalty))) {
    return absl::InvalidArgumentError(absl::StrCat("default_length_penalty ", alpha,
                                                   " must be 0 (the model's own) or in (0, ",
                                                   kMaxLengthPenalty, "]"));
  }
  const float confidence = options.min_detection_confidence;
  if (!(confidence >= 0.0f && confidence <= 1.0f)) {
    return absl::InvalidArgumentError(
        absl::StrCat("min_detection_confidence ", confidence, " must be in [0, 1]"));
  }
  std::unique_ptr<TranslationEngine> engine(
      new TranslationEngine(repository, std::move(options), registry));
  RETURN_IF_ERROR(engine->CurrentModel().status());
  BatcherOptions bo = engine->options_.batcher;
  bo.name = "translator";
  ASSIGN_OR_RETURN(
      engine->batcher_,
      (DynamicBatcher<DecodeJob, DecodeOutput>::Create(
          bo, [raw = engine.get()](std::vector<DecodeJob>& jobs) { return raw->RunBatch(jobs); },
          metrics)));
  return engine;
}

absl::StatusOr<std::shared_ptr<const TranslationModel>> TranslationEngine::CurrentModel() {
  std::shared_ptr<const TorchModel> current = repository_->Current();
  absl::MutexLock lock(&model_mu_);
  if (current != model_source_) {
    ASSIGN_OR_RETURN(std::shared_ptr<const TranslationModel> model,
                     TranslationModel::Create(current));
    const std::string langid = current->directory() + "/langid.bin";  // see export.py
    ASSIGN_OR_RETURN(std::unique_ptr<LanguageDetector> detector, LanguageDetector::Load(langid));
    model_ = std::move(model);
    detector_ = std::move(detector);
    model_source_ = std::move(current);
  }
  return model_;
}

LanguageDetector::Detection TranslationEngine::Detect(absl::string_view text) const {
  absl::MutexLock lock(&model_mu_);
  LanguageDetector::Detection d = detector_->Detect(text);
  if (d.confidence < options_.min_detection_confidence) return {"und", d.confidence};
  return d;
}

std::vector<std::pair<std::string, std::string>> TranslationEngine::SupportedPairs() const {
  std::shared_ptr<const TranslationModel> model;
  {
    absl::MutexLock lock(&model_mu_);
    model = model_;
  }
  std::set<std::pair<std::string, std::string>> pairs(model->pairs().begin(), model->pairs().end());
  std::set<std::string> into_pivot, from_pivot;
  for (const auto& [s, t] : model->pairs()) {
    if (t == kPivot) into_pivot.insert(s);
    if (s == kPivot) from_pivot.insert(t);
  }
  for (const std::string& s : into_pivot) {
    for (const std::string& t : from_pivot) {
      if (s != t) pairs.emplace(s, t);
    }
  }
  return {pairs.begin(), pairs.end()};
}

bool TranslationEngine::Supports(const std::string& source, const std::string& target) const {
  const auto pairs = SupportedPairs();
  return std::find(pairs.begin(), pairs.end(), std::make_pair(source, target)) != pairs.end();
}

std::string TranslationEngine::ModelVersion() const {
  absl::MutexLock lock(&model_mu_);
  return absl::StrCat("translator-", model_->version(),
                      repository_->options().variant.empty() ? "" : "-",
                      repository_->options().variant);
}

std::vector<absl::StatusOr<DecodeOutput>> TranslationEngine::RunBatch(
    std::vector<DecodeJob>& jobs) {
  std::vector<absl::StatusOr<DecodeOutput>> results(jobs.size(), absl::UnknownError("not run"));
  // Bucket by model version, then by source length: one beam search per bucket, so short
  // sentences do not pad to long ones.
  std::vector<size_t> order(jobs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (jobs[a].model != jobs[b].model) return jobs[a].model < jobs[b].model;
    return jobs[a].source.size() < jobs[b].source.size();
  });
  size_t start = 0;
  while (start < order.size()) {
    const DecodeJob& first = jobs[order[start]];
    size_t end = start + 1;
    while (end < order.size() && jobs[order[end]].model == first.model &&
           jobs[order[end]].source.size() <=
               options_.bucket_ratio * static_cast<double>(first.source.size()) + 4) {
      ++end;
    }
    std::vector<const DecodeJob*> bucket;
    for (size_t i = start; i < end; ++i) bucket.push_back(&jobs[order[i]]);
    std::vector<absl::StatusOr<DecodeOutput>> out = BeamSearch(bucket, options_.step_path);
    for (size_t i = start; i < end; ++i) results[order[i]] = std::move(out[i - start]);
    start = end;
  }
  return results;
}

std::string TranslationEngine::InTargetLanguage(const TranslationModel& model,
                                                const DecodeOutput& decoded,
                                                const std::string& target,
                                                const DecodeOutput** chosen) {
  // A small model sometimes ranks a copy of English words, or another language's, above
  // a translation into the requested one (1-2 % of v6's MASSIVE dev outputs); a lower
  // hypothesis of the same beam is then often right (fallbacks took the dev outputs in the
  // target language from 98.0-99.0 % to 99.7-99.9 % without losing chrF; model card v6).
  // translate.py picks the same way, so both decoders stay equal.
  auto in_target = [&](const std::string& text) {
    const LanguageDetector::Detection d = Detect(text);
    return d.language == target;
  };
  *chosen = &decoded;
  std::string best = model.tokenizer().Decode(decoded.tokens);
  if (decoded.alternatives.empty() || in_target(best)) return best;
  for (const DecodeOutput& alternative : decoded.alternatives) {
    std::string text = model.tokenizer().Decode(alternative.tokens);
    if (in_target(text)) {
      language_fallbacks_->Increment();
      *chosen = &alternative;
      return text;
    }
  }
  return best;
}

absl::StatusOr<std::vector<SentenceTranslation>> TranslationEngine::TranslateSentences(
    const std::shared_ptr<const TranslationModel>& model, const std::vector<std::string>& sentences,
    const std::string& source, const std::string& target, int beam, float alpha,
    const RequestContext& context) {
  const int tag = model->TargetTag(target);
  if (tag < 0) return absl::InvalidArgumentError(absl::StrCat("the model cannot produce ", target));
  const std::string key_prefix = absl::StrCat(model->version(), repository_->options().variant, "|",
                                              source, "|", target, "|", beam, "|", alpha, "|");
  std::vector<SentenceTranslation> out(sentences.size());
  // Distinct sentences not in the cache -> indices of `sentences` waiting for them.
  std::map<std::string, std::vector<size_t>> misses;
  for (size_t i = 0; i < sentences.size(); ++i) {
    if (auto hit = cache_.Get(key_prefix + sentences[i])) {
      cache_hits_->Increment();
      out[i] = *std::move(hit);
    } else {
      misses[sentences[i]].push_back(i);
    }
  }
  if (misses.empty()) return out;
  cache_misses_->Increment(static_cast<double>(misses.size()));

  // Long sentences are decoded in parts; `parts` maps each decoded part to its sentence.
  std::vector<std::pair<const std::string*, std::string>> parts;
  for (const auto& [sentence, unused] : misses) {
    for (std::string& p :
         CutLongSentence(model->tokenizer(), sentence, options_.max_source_pieces)) {
      parts.emplace_back(&sentence, std::move(p));
    }
  }
  auto liveness = std::make_shared<CallerLiveness>(context.is_cancelled);
  struct LeaveOnReturn {
    std::shared_ptr<CallerLiveness> l;
    ~LeaveOnReturn() { l->CallerLeft(); }
  } leave{liveness};
  RequestContext job_context;
  job_context.deadline = context.deadline;
  job_context.is_cancelled = [liveness] { return liveness->IsCancelled(); };
  auto pending = std::make_shared<PendingBatch>();
  {
    // Not shared yet; locked because the fields are guarded.
    absl::MutexLock lock(&pending->mu);
    pending->remaining = parts.size();
    pending->results.assign(parts.size(), absl::UnknownError("not decoded"));
  }
  for (size_t i = 0; i < parts.size(); ++i) {
    DecodeJob job;
    job.model = model;
    job.source.push_back(tag);
    for (int id : model->tokenizer().Encode(parts[i].second)) job.source.push_back(id);
    job.source.push_back(model->spec().eos_id);
    job.target_tag = tag;
    job.beam_size = beam;
    job.length_penalty = alpha;
    // Rounded down, as translate.py does, so both decoders stop at the same length.
    job.max_output_tokens = std::min<int>(
        static_cast<int>(options_.max_output_ratio * static_cast<double>(job.source.size())) +
            options_.max_output_extra,
        model->spec().max_positions - 1);
    job.deadline = job_context.deadline;
    job.is_cancelled = job_context.is_cancelled;
    batcher_->Submit(std::move(job), job_context, [pending, i](absl::StatusOr<DecodeOutput> r) {
      // The last result wakes the wait below: the Mutex re-checks Done() on release.
      absl::MutexLock lock(&pending->mu);
      pending->results[i] = std::move(r);
      --pending->remaining;
    });
  }
  std::vector<absl::StatusOr<DecodeOutput>> results;
  {
    absl::MutexLock lock(&pending->mu);
    const bool done = pending->mu.AwaitWithDeadline(
        absl::Condition(pending.get(), &PendingBatch::Done), context.deadline);
    // Late results land in `pending`, which the callbacks keep alive.
    if (!done) return absl::DeadlineExceededError("deadline passed while translating");
    // Every callback has run: nothing writes the results any more.
    results = std::move(pending->results);
  }
  std::map<const std::string*, SentenceTranslation> joined;
  for (size_t i = 0; i < parts.size(); ++i) {
    const absl::StatusOr<DecodeOutput>& r = results[i];
    if (!r.ok()) return r.status();
    SentenceTranslation& j = joined[parts[i].first];
    const DecodeOutput* chosen = nullptr;
    absl::StrAppend(&j.text, j.text.empty() ? "" : " ",
                    InTargetLanguage(*model, *r, target, &chosen));
    if (j.legs.empty()) j.legs.emplace_back();
    j.legs[0].log_prob += chosen->log_prob;
    j.legs[0].tokens += static_cast<int>(chosen->tokens.size()) + 1;  // with EOS, as scored
  }
  for (auto& [sentence, translation] : joined) {
    for (size_t i : misses[*sentence]) out[i] = translation;
    cache_.Put(key_prefix + *sentence, std::move(translation));
  }
  const auto [entries, bytes] = cache_.Size();
  cache_entries_->Set(static_cast<double>(entries));
  cache_bytes_->Set(static_cast<double>(bytes));
  return out;
}

absl::StatusOr<std::vector<SentenceTranslation>> TranslationEngine::TranslateSentencesAnyPair(
    const std::shared_ptr<const TranslationModel>& model, const std::vector<std::string>& sentences,
    const std::string& source, const std::string& target, int beam, float alpha,
    const RequestContext& context) {
  const auto& pairs = model->pairs();
  if (std::find(pairs.begin(), pairs.end(), std::make_pair(source, target)) != pairs.end()) {
    return TranslateSentences(model, sentences, source, target, beam, alpha, context);
  }
  pivot_sentences_->Increment(static_cast<double>(sentences.size()));
  ASSIGN_OR_RETURN(std::vector<SentenceTranslation> english,
                   TranslateSentences(model, sentences, source, kPivot, beam, alpha, context));
  std::vector<std::string> english_text;
  english_text.reserve(english.size());
  for (const SentenceTranslation& e : english) english_text.push_back(e.text);
  ASSIGN_OR_RETURN(std::vector<SentenceTranslation> out,
                   TranslateSentences(model, english_text, kPivot, target, beam, alpha, context));
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].legs.insert(out[i].legs.begin(), english[i].legs.begin(), english[i].legs.end());
  }
  return out;
}

absl::StatusOr<std::vector<TextResult>> TranslationEngine::Translate(
    const std::vector<std::string>& texts, const std::string& source, const std::string& target,
    const TextOptions& options, const RequestContext& context) {
  const bool detect = source.empty() || source == "auto";
  if (!detect && source != target && !Supports(source, target)) {
    std::vector<std::string> names;
    bool known_source = false, known_target = false;
    for (const auto& [s, t] : SupportedPairs()) {
      names.push_back(absl::StrCat(s, "->", t));
      known_source = known_source || s == source;
      known_target = known_target || t == target;
    }
    const std::string message = absl::StrCat("unsupported language pair ", source, "->", target,
                                             "; supported pairs: ", absl::StrJoin(names, ", "));
    // The violation names the TranslateRequest field that no supported pair accepts, or
    // both when neither does or when each is supported but not the two together.
    absl::Status status =
        known_source != known_target
            ? InvalidFieldError(known_source ? "target_language" : "source_language", message)
            : InvalidFieldsError({"source_language", "target_language"}, message);
    return WithReason(std::move(status), "UNSUPPORTED_LANGUAGE_PAIR");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const TranslationModel> model, CurrentModel());
  const int beam = options.beam_size > 0 ? options.beam_size : options_.default_beam_size;
  const float alpha = options.length_penalty > 0            ? options.length_penalty
                      : options_.default_length_penalty > 0 ? options_.default_length_penalty
                                                            : model->default_length_penalty();
  PrepareOptions prepare;
  prepare.html = options.html;
  prepare.do_not_translate = options.do_not_translate;
  prepare.glossary = options.glossary;

  std::vector<TextResult> results(texts.size());
  // Group the sentences of all texts by source language, so each language is one batch.
  std::vector<std::unique_ptr<PreparedText>> prepared(texts.size());
  std::map<std::string, std::vector<std::pair<size_t, size_t>>> by_language;  // -> (text, sentence)
  std::map<std::string, std::vector<std::string>> inputs;
  for (size_t i = 0; i < texts.size(); ++i) {
    TextResult& r = results[i];
    std::string lang = source;
    if (detect) {
      LanguageDetector::Detection d = Detect(texts[i]);
      r.detected_language = d.language;
      r.detection_confidence = d.language == "und" ? 0 : d.confidence;
      lang = d.language;
    }
    if (absl::StripAsciiWhitespace(texts[i]).empty()) {
      r.text = texts[i];
      r.outcome = Outcome::kEmptyInput;
      r.confidence = 1;
      continue;
    }
    if (lang == target) {
      r.text = texts[i];
      r.outcome = Outcome::kSameLanguage;
      r.confidence = 1;
      continue;
    }
    if (detect && !Supports(lang, target)) {
      r.text = texts[i];
      r.outcome = Outcome::kUnsupportedSource;
      continue;
    }
    prepared[i] = std::make_unique<PreparedText>(PreparedText::Prepare(texts[i], prepare));
    for (size_t s = 0; s < prepared[i]->sentences().size(); ++s) {
      if (!prepared[i]->needs_model(s)) continue;
      by_language[lang].emplace_back(i, s);
      inputs[lang].push_back(prepared[i]->sentences()[s]);
    }
  }
  std::vector<std::vector<std::string>> translated(texts.size());
  // Per text, per leg: the summed log-probabilities and tokens of its decoded sentences.
  std::vector<std::vector<SentenceTranslation::Leg>> scores(texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    if (prepared[i]) translated[i] = prepared[i]->sentences();  // no-model sentences stay
  }
  for (const auto& [lang, where] : by_language) {
    ASSIGN_OR_RETURN(
        std::vector<SentenceTranslation> out,
        TranslateSentencesAnyPair(model, inputs[lang], lang, target, beam, alpha, context));
    for (size_t k = 0; k < where.size(); ++k) {
      std::vector<SentenceTranslation::Leg>& acc = scores[where[k].first];
      acc.resize(std::max(acc.size(), out[k].legs.size()));
      for (size_t l = 0; l < out[k].legs.size(); ++l) {
        acc[l].log_prob += out[k].legs[l].log_prob;
        acc[l].tokens += out[k].legs[l].tokens;
      }
      translated[where[k].first][where[k].second] = std::move(out[k].text);
    }
  }
  for (size_t i = 0; i < texts.size(); ++i) {
    if (!prepared[i]) continue;
    RestoreStats stats;
    results[i].text = prepared[i]->Assemble(translated[i], &stats);
    results[i].outcome = Outcome::kTranslated;
    // The whole text as one sequence: its mean token log-probability, per leg.
    float confidence = 1;
    for (const SentenceTranslation::Leg& leg : scores[i]) {
      if (leg.tokens > 0) confidence *= model->Confidence(leg.log_prob / leg.tokens);
    }
    results[i].confidence = confidence;
    if (stats.repairs() > 0) span_repairs_->Increment(stats.repairs());
  }
  for (const TextResult& r : results) {
    static constexpr const char* kNames[] = {"translated", "empty_input", "same_language",
                                             "unsupported_source"};
    texts_->Add({{"outcome", kNames[static_cast<int>(r.outcome)]}}).Increment();
  }
  return results;
}

}  // namespace shop::translator
