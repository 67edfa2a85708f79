// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The bot's view of the translator service: customer messages into English (the language
// the bot understands) and replies back into the customer's language, each call under
// its own deadline. The translator protects numbers, order numbers, article ids, e-mails
// and prices, so those survive both ways unchanged.
//
// Failures are the caller's to degrade on: the bot answers in English rather than not at
// all when the translator is down or slow.
#ifndef SHOP_SERVICES_SUPPORT_BOT_TRANSLATOR_CLIENT_H_
#define SHOP_SERVICES_SUPPORT_BOT_TRANSLATOR_CLIENT_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/server_context.h"
#include "shop/translator/v1/translator.grpc.pb.h"

namespace shop::supportbot {

struct TranslatorClientOptions {
  // host:port of the translator; empty = no translator (every call UNAVAILABLE).
  std::string address;
  // Upper bound of one Translate call. The call also ends with the RPC it serves: it
  // inherits that caller's deadline (when earlier) and its cancellation, so a slow
  // translation uses the time the caller gave, not a fixed share of it.
  absl::Duration timeout = absl::Seconds(30);
  // Channel credentials (common/server/tls.h MakeChannelCredentials: TLS or mutual TLS to
  // the translator); null = plaintext.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

struct ToEnglishResult {
  std::string english;
  // The customer's language: the given hint, or what the translator detected ("und"
  // when it could not tell, in which case the text is treated as English).
  std::string language;
  // The translator's confidence in `english` (0..1, calibrated: translator.proto); 1 when
  // nothing was translated.
  float confidence = 1;
};

class TranslatorClient {
 public:
  explicit TranslatorClient(TranslatorClientOptions options);

  bool enabled() const { return stub_ != nullptr; }

  // `language_hint` is a lower-case primary subtag or empty (= detect). `parent` is the
  // RPC being served (its deadline and cancellation carry over), or null.
  absl::StatusOr<ToEnglishResult> ToEnglish(const std::string& text,
                                            const std::string& language_hint,
                                            const grpc::ServerContextBase* parent = nullptr);
  absl::StatusOr<std::string> FromEnglish(const std::string& text, const std::string& language,
                                          const grpc::ServerContextBase* parent = nullptr);

 private:
  absl::StatusOr<translator::v1::TranslateResponse> Call(const std::string& text,
                                                         const std::string& source,
                                                         const std::string& target,
                                                         const grpc::ServerContextBase* parent);

  const TranslatorClientOptions options_;
  std::unique_ptr<translator::v1::Translator::Stub> stub_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_TRANSLATOR_CLIENT_H_
