// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/translator_service.h"

#include <cmath>
#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/server/error_details.h"
#include "common/server/grpc_status.h"
#include "common/status_macros.h"
#include "common/text/utf8.h"

namespace shop::translator {
namespace {

absl::Status ValidateTexts(const google::protobuf::RepeatedPtrField<std::string>& texts) {
  if (texts.empty()) return InvalidFieldError("texts", "texts is empty; send 1 to 64 texts");
  if (texts.size() > kMaxTexts) {
    return InvalidFieldError("texts", absl::StrCat("texts has ", texts.size(), " entries; at most ",
                                                   kMaxTexts, " per request"));
  }
  int64_t total = 0;
  for (int i = 0; i < texts.size(); ++i) {
    if (!IsValidUtf8(texts[i])) {
      const std::string field = absl::StrCat("texts[", i, "]");
      return InvalidFieldError(field, absl::StrCat(field, " is not valid UTF-8"));
    }
    const int64_t n = CountCodePoints(texts[i]);
    if (n > kMaxTextChars) {
      const std::string field = absl::StrCat("texts[", i, "]");
      return InvalidFieldError(
          field, absl::StrCat(field, " has ", n, " characters; at most ", kMaxTextChars));
    }
    total += n;
  }
  if (total > kMaxTotalChars) {
    return InvalidFieldError(
        "texts",
        absl::StrCat("texts have ", total, " characters in total; at most ", kMaxTotalChars));
  }
  return absl::OkStatus();
}

absl::Status ValidateTerm(const std::string& term, const std::string& field) {
  if (!IsValidUtf8(term)) {
    return InvalidFieldError(field, absl::StrCat(field, " is not valid UTF-8"));
  }
  const int64_t n = CountCodePoints(term);
  if (n < 1 || n > kMaxTermChars) {
    return InvalidFieldError(
        field, absl::StrCat(field, " has ", n, " characters; must be 1 to ", kMaxTermChars));
  }
  return absl::OkStatus();
}

absl::StatusOr<TextOptions> ValidateOptions(const v1::TranslateOptions& o) {
  TextOptions out;
  if (o.glossary_size() > kMaxGlossaryEntries) {
    return InvalidFieldError("options.glossary",
                             absl::StrCat("options.glossary has ", o.glossary_size(),
                                          " entries; at most ", kMaxGlossaryEntries));
  }
  std::set<std::string> seen;
  for (int i = 0; i < o.glossary_size(); ++i) {
    const auto& e = o.glossary(i);
    const std::string source_field = absl::StrCat("options.glossary[", i, "].source_term");
    RETURN_IF_ERROR(ValidateTerm(e.source_term(), source_field));
    RETURN_IF_ERROR(
        ValidateTerm(e.target_term(), absl::StrCat("options.glossary[", i, "].target_term")));
    if (!seen.insert(e.source_term()).second) {
      return InvalidFieldError(
          source_field, absl::StrCat(source_field, " \"", e.source_term(), "\" appears twice"));
    }
    out.glossary.emplace_back(e.source_term(), e.target_term());
  }
  if (o.do_not_translate_size() > kMaxDoNotTranslate) {
    return InvalidFieldError(
        "options.do_not_translate",
        absl::StrCat("options.do_not_translate has ", o.do_not_translate_size(), " terms; at most ",
                     kMaxDoNotTranslate));
  }
  for (int i = 0; i < o.do_not_translate_size(); ++i) {
    RETURN_IF_ERROR(
        ValidateTerm(o.do_not_translate(i), absl::StrCat("options.do_not_translate[", i, "]")));
    out.do_not_translate.push_back(o.do_not_translate(i));
  }
  if (o.beam_size() < 0 || o.beam_size() > kMaxBeamSize) {
    return InvalidFieldError("options.beam_size",
                             absl::StrCat("options.beam_size is ", o.beam_size(),
                                          "; must be 0 (default), 1 (greedy) to ", kMaxBeamSize));
  }
  out.beam_size = o.beam_size();
  const float lp = o.length_penalty();
  if (std::isnan(lp) || lp < 0 || lp > kMaxLengthPenalty) {
    return InvalidFieldError(
        "options.length_penalty",
        absl::StrCat("options.length_penalty is ", lp, "; must be 0 (default) or in (0, ",
                     kMaxLengthPenalty, "]"));
  }
  out.length_penalty = lp;
  switch (o.markup_mode()) {
    case v1::MARKUP_MODE_UNSPECIFIED:
    case v1::MARKUP_MODE_PLAIN_TEXT:
      break;
    case v1::MARKUP_MODE_HTML:
      out.html = true;
      break;
    default:
      return InvalidFieldError(
          "options.markup_mode",
          absl::StrCat("options.markup_mode ", o.markup_mode(), " is not a known MarkupMode"));
  }
  return out;
}

v1::TranslationOutcome ToProto(Outcome o) {
  switch (o) {
    case Outcome::kTranslated:
      return v1::TRANSLATION_OUTCOME_TRANSLATED;
    case Outcome::kEmptyInput:
      return v1::TRANSLATION_OUTCOME_EMPTY_INPUT;
    case Outcome::kSameLanguage:
      return v1::TRANSLATION_OUTCOME_SAME_LANGUAGE;
    case Outcome::kUnsupportedSource:
      return v1::TRANSLATION_OUTCOME_UNSUPPORTED_SOURCE;
  }
  return v1::TRANSLATION_OUTCOME_UNSPECIFIED;
}

}  // namespace

absl::StatusOr<std::string> NormalizeLanguage(const std::string& tag, const std::string& field,
                                              bool allow_auto) {
  const std::string lower = absl::AsciiStrToLower(tag);
  if (lower.empty() || lower == "auto") {
    if (allow_auto) return lower;
    return InvalidFieldError(field, absl::StrCat(field, " is required (\"auto\" is not allowed)"));
  }
  // BCP-47 shape: a 2-3 letter primary subtag, then subtags of 1-8 letters/digits.
  size_t i = 0;
  while (i < lower.size() && absl::ascii_isalpha(lower[i])) ++i;
  bool ok = i >= 2 && i <= 3;
  size_t run = 0;
  for (size_t j = i; ok && j < lower.size(); ++j) {
    const char c = lower[j];
    if (c == '-' || c == '_') {
      ok = j + 1 < lower.size() && (j == i || run > 0);
      run = 0;
    } else if (absl::ascii_isalnum(c)) {
      ok = ++run <= 8;
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return InvalidFieldError(
        field,
        absl::StrCat(field, " \"", tag, "\" is not a language tag (e.g. \"en\", \"de-DE\")"));
  }
  return lower.substr(0, i);
}

absl::StatusOr<TranslationEngine*> TranslatorService::Engine() const {
  TranslationEngine* e = engine_.load();
  if (e == nullptr) {
    return WithReason(absl::UnavailableError("the translation model is still loading; retry"),
                      "MODEL_LOADING");
  }
  return e;
}

grpc::Status TranslatorService::Translate(grpc::ServerContext* context,
                                          const v1::TranslateRequest* request,
                                          v1::TranslateResponse* response) {
  return ToGrpcStatus(DoTranslate(context, *request, response));
}

absl::Status TranslatorService::DoTranslate(grpc::ServerContext* context,
                                            const v1::TranslateRequest& request,
                                            v1::TranslateResponse* response) {
  ASSIGN_OR_RETURN(TranslationEngine * engine, Engine());
  RETURN_IF_ERROR(ValidateTexts(request.texts()));
  ASSIGN_OR_RETURN(std::string target,
                   NormalizeLanguage(request.target_language(), "target_language", false));
  ASSIGN_OR_RETURN(std::string source,
                   NormalizeLanguage(request.source_language(), "source_language", true));
  ASSIGN_OR_RETURN(TextOptions options, ValidateOptions(request.options()));
  RequestContext rc;
  rc.deadline = absl::FromChrono(context->deadline());
  rc.is_cancelled = [context] { return context->IsCancelled(); };
  std::vector<std::string> texts(request.texts().begin(), request.texts().end());
  ASSIGN_OR_RETURN(std::vector<TextResult> results,
                   engine->Translate(texts, source, target, options, rc));
  const bool detect = source.empty() || source == "auto";
  for (TextResult& r : results) {
    v1::Translation* t = response->add_translations();
    t->set_text(std::move(r.text));
    t->set_outcome(ToProto(r.outcome));
    t->set_confidence(r.confidence);
    if (detect) {
      t->set_detected_source_language(r.detected_language);
      t->set_detection_confidence(r.detection_confidence);
    }
  }
  response->set_model_version(engine->ModelVersion());
  return absl::OkStatus();
}

grpc::Status TranslatorService::DetectLanguage(grpc::ServerContext* context,
                                               const v1::DetectLanguageRequest* request,
                                               v1::DetectLanguageResponse* response) {
  return ToGrpcStatus(DoDetectLanguage(*request, response));
}

absl::Status TranslatorService::DoDetectLanguage(const v1::DetectLanguageRequest& request,
                                                 v1::DetectLanguageResponse* response) {
  ASSIGN_OR_RETURN(TranslationEngine * engine, Engine());
  RETURN_IF_ERROR(ValidateTexts(request.texts()));
  for (const std::string& text : request.texts()) {
    const auto d = engine->Detect(text);
    v1::Detection* out = response->add_detections();
    out->set_language(d.language);
    out->set_confidence(d.language == "und" ? 0 : d.confidence);
  }
  response->set_model_version(engine->ModelVersion());
  return absl::OkStatus();
}

grpc::Status TranslatorService::ListLanguagePairs(grpc::ServerContext* context,
                                                  const v1::ListLanguagePairsRequest* request,
                                                  v1::ListLanguagePairsResponse* response) {
  absl::StatusOr<TranslationEngine*> engine = Engine();
  if (!engine.ok()) return ToGrpcStatus(engine.status());
  for (const auto& [s, t] : (*engine)->SupportedPairs()) {
    v1::LanguagePair* p = response->add_pairs();
    p->set_source_language(s);
    p->set_target_language(t);
  }
  response->set_model_version((*engine)->ModelVersion());
  return grpc::Status::OK;
}

}  // namespace shop::translator
