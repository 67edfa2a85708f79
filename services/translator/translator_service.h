// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The gRPC face of the translator: validates requests against the limits documented in
// translator.proto (INVALID_ARGUMENT naming the text index, the field and the limit),
// normalises language tags, calls the engine and converts statuses at the boundary.
// Sync API: a call blocks on the batcher, and the server's thread cap bounds how many do.
#ifndef SHOP_SERVICES_TRANSLATOR_TRANSLATOR_SERVICE_H_
#define SHOP_SERVICES_TRANSLATOR_TRANSLATOR_SERVICE_H_

#include <atomic>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/translator/translation_engine.h"
#include "shop/translator/v1/translator.grpc.pb.h"

namespace shop::translator {

// Documented limits of the API (translator.proto).
inline constexpr int kMaxTexts = 64;
inline constexpr int64_t kMaxTextChars = 5000;
inline constexpr int64_t kMaxTotalChars = 20000;
inline constexpr int kMaxGlossaryEntries = 256;
inline constexpr int kMaxDoNotTranslate = 256;
inline constexpr int64_t kMaxTermChars = 100;
inline constexpr int kMaxBeamSize = 8;

// "en-GB" -> "en"; "" and "auto" stay as they are when `allow_auto`. INVALID_ARGUMENT
// for anything that is not a BCP-47-shaped tag, its BadRequest naming `field` (the request
// field the tag came from, e.g. "target_language").
absl::StatusOr<std::string> NormalizeLanguage(const std::string& tag, const std::string& field,
                                              bool allow_auto);

class TranslatorService final : public v1::Translator::Service {
 public:
  // Until SetEngine, calls answer UNAVAILABLE (the model is loading; reason MODEL_LOADING).
  void SetEngine(TranslationEngine* engine) { engine_.store(engine); }

  grpc::Status Translate(grpc::ServerContext* context, const v1::TranslateRequest* request,
                         v1::TranslateResponse* response) override;
  grpc::Status DetectLanguage(grpc::ServerContext* context,
                              const v1::DetectLanguageRequest* request,
                              v1::DetectLanguageResponse* response) override;
  grpc::Status ListLanguagePairs(grpc::ServerContext* context,
                                 const v1::ListLanguagePairsRequest* request,
                                 v1::ListLanguagePairsResponse* response) override;

 private:
  absl::Status DoTranslate(grpc::ServerContext* context, const v1::TranslateRequest& request,
                           v1::TranslateResponse* response);
  absl::Status DoDetectLanguage(const v1::DetectLanguageRequest& request,
                                v1::DetectLanguageResponse* response);
  absl::StatusOr<TranslationEngine*> Engine() const;

  std::atomic<TranslationEngine*> engine_{nullptr};
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TRANSLATOR_SERVICE_H_
