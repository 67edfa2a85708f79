// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The gRPC face of the support bot. A turn: validate, take the session (one turn per
// session at a time, in arrival order), translate the message to English if needed,
// classify its intent and extract entities, let the dialogue manager act, translate the
// reply back, record both turns. A turn that fails records nothing.
#ifndef SHOP_SERVICES_SUPPORT_BOT_SUPPORT_BOT_SERVICE_H_
#define SHOP_SERVICES_SUPPORT_BOT_SUPPORT_BOT_SERVICE_H_

#include <set>
#include <string>

#include "absl/status/statusor.h"
#include "common/server/caller_identity.h"
#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/support-bot/dialogue_manager.h"
#include "services/support-bot/entity_extractor.h"
#include "services/support-bot/intent_classifier.h"
#include "services/support-bot/intent_model.h"
#include "services/support-bot/session_store.h"
#include "services/support-bot/translator_client.h"
#include "shop/supportbot/v1/supportbot.grpc.pb.h"

namespace shop::supportbot {

// Documented limits (supportbot.proto).
inline constexpr int64_t kMaxMessageChars = 2000;
inline constexpr int64_t kMaxCommentChars = 500;
inline constexpr size_t kMaxSessionIdLength = 64;
inline constexpr size_t kMaxCustomerIdLength = 128;

struct SupportBotOptions {
  // Customer messages per session before RESOURCE_EXHAUSTED.
  int max_customer_messages = 100;
  // Words per streamed delta.
  int stream_chunk_words = 6;
  // Languages the bot serves (replies in, through the translator). English is always
  // served. A locale in another language is answered in English and is not a
  // translation failure.
  std::set<std::string> languages = {"en", "de", "fr", "es"};
  // A translation into English below this confidence is not acted on: the message counts
  // as not understood (no intent, no article; order numbers in the customer's own words
  // still count), so a garbled translation cannot start a cancellation. 0.5 is where the
  // calibrated score says a bad translation (sentence chrF < 30) is as likely as a good one.
  float min_translation_confidence = 0.5f;
  // The order store's id format, for finding order numbers in messages.
  OrderIdFormat order_ids;
  // Who may vouch for the caller (common/server/caller_identity.h). With a gateway
  // configured: the customer comes from the verified identity (a differing body
  // customer_id is PERMISSION_DENIED), session ids are issued by the server only, and a
  // session bound to a customer is theirs alone (operators may read and delete it).
  // Without (local mode): the body's customer_id is believed, and any well-formed unknown
  // session id starts a session.
  GatewayTrust trust;
};

// Metrics beside the standard gRPC ones:
//   shop_supportbot_turns_total{intent}                  customer turns by intent
//   shop_supportbot_handoffs_total{reason}
//   shop_supportbot_actions_total{type,result}           order changes
//   shop_supportbot_kb_answers_total                     replies quoting an article
//   shop_supportbot_translation_degraded_total{direction}  to_english (the translator failed)
//   shop_supportbot_unsure_translations_total            translations too unsure to act on
//   shop_supportbot_ratings_total{rating}
//   shop_supportbot_replayed_turns_total                 retries answered from the session
class SupportBotMetrics {
 public:
  explicit SupportBotMetrics(prometheus::Registry& registry);
  void RecordTurn(const v1::TurnMetadata& m);
  void RecordDegraded(const std::string& direction) {
    degraded_->Add({{"direction", direction}}).Increment();
  }
  void RecordUnsureTranslation() { unsure_->Increment(); }
  void RecordReplay() { replays_->Increment(); }
  void RecordRating(v1::Rating rating) {
    ratings_->Add({{"rating", v1::Rating_Name(rating)}}).Increment();
  }

 private:
  prometheus::Family<prometheus::Counter>* turns_;
  prometheus::Family<prometheus::Counter>* handoffs_;
  prometheus::Family<prometheus::Counter>* actions_;
  prometheus::Counter* kb_answers_;
  prometheus::Family<prometheus::Counter>* degraded_;
  prometheus::Family<prometheus::Counter>* ratings_;
  prometheus::Counter* unsure_;
  prometheus::Counter* replays_;
};

class SupportBotService final : public v1::SupportBot::Service {
 public:
  SupportBotService(SessionStore* sessions, DialogueManager* dialogue, TranslatorClient* translator,
                    SupportBotMetrics* metrics, SupportBotOptions options = {})
      : sessions_(sessions),
        dialogue_(dialogue),
        translator_(translator),
        metrics_(metrics),
        options_(options),
        entities_(options.order_ids) {}

  // Until set, Converse answers UNAVAILABLE (the intent model is loading).
  void SetIntentModel(IntentModel* model) { intent_model_.store(model); }

  grpc::Status Converse(grpc::ServerContext* context, const v1::ConverseRequest* request,
                        v1::ConverseResponse* response) override;
  grpc::Status ConverseStream(grpc::ServerContext* context,
                              const v1::ConverseStreamRequest* request,
                              grpc::ServerWriter<v1::ConverseStreamResponse>* writer) override;
  grpc::Status GetTranscript(grpc::ServerContext* context, const v1::GetTranscriptRequest* request,
                             v1::GetTranscriptResponse* response) override;
  grpc::Status RateReply(grpc::ServerContext* context, const v1::RateReplyRequest* request,
                         v1::RateReplyResponse* response) override;
  grpc::Status DeleteTranscript(grpc::ServerContext* context,
                                const v1::DeleteTranscriptRequest* request,
                                v1::DeleteTranscriptResponse* response) override;

 private:
  struct TurnInput {
    std::string session_id;
    std::string message;
    std::string locale;
    std::string customer_id;
    std::string request_id;  // idempotency key; empty = none
    // The verified caller (unverified in local mode).
    CallerIdentity caller;
    // The RPC served (deadline and cancellation reach the translator calls); may be null.
    const grpc::ServerContextBase* rpc = nullptr;
  };
  // Reads the caller and checks the body's customer_id against it; fills in.caller and,
  // with a gateway, in.customer_id.
  absl::Status Authenticate(const grpc::ServerContext& context, TurnInput& in) const;
  // One whole turn; returns the reply and its metadata.
  absl::Status DoTurn(const TurnInput& in, std::string* reply, v1::TurnMetadata* metadata);
  // When `s` already holds the message of in.request_id: its stored reply and metadata
  // (replayed = true), and true. INVALID_ARGUMENT when the key came with another message.
  absl::StatusOr<bool> Replay(const SessionRecord& s, const TurnInput& in, std::string* reply,
                              v1::TurnMetadata* metadata);
  // OK when `caller` may see (`read`: GetTranscript, DeleteTranscript) or rate (`read` =
  // false) a session bound to `owner` (empty: anonymous, whose unguessable id is its key).
  static absl::Status MayAccess(const CallerIdentity& caller, const std::string& owner,
                                bool operator_allowed);

  SessionStore* const sessions_;
  DialogueManager* const dialogue_;
  TranslatorClient* const translator_;
  SupportBotMetrics* const metrics_;
  const SupportBotOptions options_;
  std::atomic<IntentModel*> intent_model_{nullptr};
  EntityExtractor entities_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_SUPPORT_BOT_SERVICE_H_
