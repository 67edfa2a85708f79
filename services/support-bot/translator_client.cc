// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/translator_client.h"

#include "absl/strings/str_cat.h"
#include "common/server/grpc_status.h"
#include "common/server/request_trace.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"

namespace shop::supportbot {

namespace tv1 = translator::v1;

TranslatorClient::TranslatorClient(TranslatorClientOptions options) : options_(std::move(options)) {
  if (!options_.address.empty()) {
    stub_ = tv1::Translator::NewStub(grpc::CreateChannel(
        options_.address, options_.credentials != nullptr ? options_.credentials
                                                          : grpc::InsecureChannelCredentials()));
  }
}

absl::StatusOr<tv1::TranslateResponse> TranslatorClient::Call(
    const std::string& text, const std::string& source, const std::string& target,
    const grpc::ServerContextBase* parent) {
  if (stub_ == nullptr) return absl::UnavailableError("no translator configured");
  tv1::TranslateRequest req;
  req.add_texts(text);
  req.set_source_language(source);
  req.set_target_language(target);
  req.mutable_options()->set_content_type(tv1::CONTENT_TYPE_MESSAGE);
  tv1::TranslateResponse resp;
  // From the served RPC: its deadline (gRPC takes the earlier of the two) and its
  // cancellation propagate to this call.
  std::unique_ptr<grpc::ClientContext> ctx = parent != nullptr
                                                 ? grpc::ClientContext::FromServerContext(*parent)
                                                 : std::make_unique<grpc::ClientContext>();
  ctx->set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
  // The customer's request id and trace continue into the translator's logs.
  ForwardTrace(CurrentRequestTrace(), ctx.get());
  grpc::Status st = stub_->Translate(ctx.get(), req, &resp);
  if (!st.ok()) {
    absl::Status s = FromGrpcStatus(st);
    return absl::Status(s.code(), absl::StrCat("translator: ", s.message()));
  }
  if (resp.translations_size() != 1)
    return absl::InternalError("translator: wrong number of results");
  return resp;
}

absl::StatusOr<ToEnglishResult> TranslatorClient::ToEnglish(const std::string& text,
                                                            const std::string& language_hint,
                                                            const grpc::ServerContextBase* parent) {
  if (language_hint == "en") return ToEnglishResult{text, "en"};
  absl::StatusOr<tv1::TranslateResponse> resp =
      Call(text, language_hint.empty() ? "auto" : language_hint, "en", parent);
  if (!resp.ok()) return resp.status();
  const tv1::Translation& t = resp->translations(0);
  ToEnglishResult out;
  out.language = language_hint.empty() ? t.detected_source_language() : language_hint;
  // Undetermined or unsupported: the text is used as it is (most likely English).
  out.english = t.outcome() == tv1::TRANSLATION_OUTCOME_TRANSLATED ? t.text() : text;
  if (t.outcome() == tv1::TRANSLATION_OUTCOME_TRANSLATED) out.confidence = t.confidence();
  if (out.language.empty() || out.language == "und" ||
      t.outcome() == tv1::TRANSLATION_OUTCOME_UNSUPPORTED_SOURCE) {
    out.language = "en";
  }
  return out;
}

absl::StatusOr<std::string> TranslatorClient::FromEnglish(const std::string& text,
                                                          const std::string& language,
                                                          const grpc::ServerContextBase* parent) {
  if (language == "en" || language.empty()) return text;
  absl::StatusOr<tv1::TranslateResponse> resp = Call(text, "en", language, parent);
  if (!resp.ok()) return resp.status();
  return resp->translations(0).text();
}

}  // namespace shop::supportbot
