// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/support_bot_service.h"

#include <sys/random.h>

#include <cerrno>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/crypto/sha256.h"
#include "common/logging.h"
#include "common/server/error_details.h"
#include "common/server/grpc_status.h"
#include "common/status_macros.h"
#include "common/text/utf8.h"
#include "google/protobuf/util/time_util.h"

namespace shop::supportbot {
namespace {

using google::protobuf::util::TimeUtil;

absl::Status ValidateSessionId(const std::string& id, bool allow_empty) {
  if (id.empty()) {
    if (allow_empty) return absl::OkStatus();
    return InvalidFieldError("session_id", "session_id is required");
  }
  if (id.size() > kMaxSessionIdLength) {
    return InvalidFieldError(
        "session_id",
        absl::StrCat("session_id has ", id.size(), " characters; at most ", kMaxSessionIdLength));
  }
  for (char ch : id) {
    if (!absl::ascii_isalnum(ch) && ch != '_' && ch != '-') {
      return InvalidFieldError("session_id", "session_id may only hold A-Z, a-z, 0-9, '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status ValidateCustomerId(const std::string& id) {
  if (id.size() > kMaxCustomerIdLength) {
    return InvalidFieldError(
        "customer_id",
        absl::StrCat("customer_id has ", id.size(), " characters; at most ", kMaxCustomerIdLength));
  }
  for (char ch : id) {
    if (ch < 0x21 || ch > 0x7e) {
      return InvalidFieldError("customer_id", "customer_id must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

// "de-DE" -> "de"; empty stays empty.
absl::StatusOr<std::string> LocaleLanguage(const std::string& locale) {
  if (locale.empty()) return locale;
  std::vector<std::string> parts = absl::StrSplit(locale, absl::ByAnyChar("-_"));
  const std::string lang = absl::AsciiStrToLower(parts[0]);
  bool ok = lang.size() >= 2 && lang.size() <= 3 && locale.size() <= 35;
  for (char ch : lang) ok = ok && absl::ascii_isalpha(ch);
  for (size_t i = 1; ok && i < parts.size(); ++i) {
    ok = !parts[i].empty() && parts[i].size() <= 8;
    for (char ch : parts[i]) ok = ok && absl::ascii_isalnum(ch);
  }
  if (!ok) {
    return InvalidFieldError(
        "locale", absl::StrCat("locale \"", locale, "\" is not a BCP-47 tag (e.g. \"de-DE\")"));
  }
  return lang;
}

// 128 bits from the kernel's CSPRNG: an anonymous session's id is its only key, so it must
// not be guessable from other ids (a seeded mt19937 is, from a few hundred outputs).
absl::StatusOr<std::string> NewSessionId() {
  unsigned char bytes[16];
  size_t got = 0;
  while (got < sizeof(bytes)) {
    const ssize_t n = getrandom(bytes + got, sizeof(bytes) - got, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError("no randomness for a session id; retry");
    }
    got += static_cast<size_t>(n);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = "s-";
  for (unsigned char b : bytes) {
    id.push_back(kHex[b >> 4]);
    id.push_back(kHex[b & 15]);
  }
  return id;
}

// Idempotency keys: 16..64 of [A-Za-z0-9._:-]. The lower bound keeps out counters and
// other guessable keys, since a first message's key also names its session.
absl::Status ValidateRequestId(const std::string& id) {
  if (id.empty()) return absl::OkStatus();
  if (id.size() < 16 || id.size() > 64) {
    return InvalidFieldError(
        "request_id",
        absl::StrCat("request_id has ", id.size(), " characters; 16..64 (a random UUID) or empty"));
  }
  for (char ch : id) {
    if (!absl::ascii_isalnum(ch) && ch != '.' && ch != '_' && ch != ':' && ch != '-') {
      return InvalidFieldError("request_id",
                               "request_id may only hold A-Z, a-z, 0-9, '.', '_', ':', '-'");
    }
  }
  return absl::OkStatus();
}

// The session a first message with a request_id creates: a hash of the key (and of the
// customer, so that two customers' keys never meet), so that its retry, on any replica,
// finds the session the first attempt made instead of starting another. As unguessable as
// the key; same form as NewSessionId.
std::string SessionIdFor(const std::string& customer_id, const std::string& request_id) {
  return "s-" + Sha256Hex(absl::StrCat("shop.supportbot.session.v1", absl::string_view("\0", 1),
                                       customer_id, absl::string_view("\0", 1), request_id))
                    .substr(0, 32);
}

// The metadata of a customer turn and the bot's reply to it, as the session holds them now
// (translation_degraded aside: only the turn itself knows it). A session's first turn is
// the one that created it.
v1::TurnMetadata MetadataOf(const SessionRecord& s, const v1::Turn& customer, const v1::Turn& bot) {
  v1::TurnMetadata m;
  m.set_session_id(s.session_id());
  m.set_session_created(customer.turn_id() == 1);
  m.set_turn_id(bot.turn_id());
  m.set_customer_language(customer.language());
  m.set_reply_language(bot.language());
  *m.mutable_intent() = customer.intent();
  m.set_awaiting(s.state().awaiting() == v1::AWAITING_STATE_UNSPECIFIED ? v1::AWAITING_STATE_NONE
                                                                        : s.state().awaiting());
  m.set_kb_article_id(bot.kb_article_id());
  if (bot.has_action()) *m.mutable_action() = bot.action();
  if (bot.has_handoff()) *m.mutable_handoff() = bot.handoff();
  return m;
}

google::protobuf::Timestamp Now() {
  return TimeUtil::NanosecondsToTimestamp(absl::ToUnixNanos(absl::Now()));
}

}  // namespace

SupportBotMetrics::SupportBotMetrics(prometheus::Registry& registry) {
  turns_ = &prometheus::BuildCounter()
                .Name("shop_supportbot_turns_total")
                .Help("Customer turns by detected intent (unknown = out of scope).")
                .Register(registry);
  handoffs_ = &prometheus::BuildCounter()
                   .Name("shop_supportbot_handoffs_total")
                   .Help("Conversations handed over to a human, by reason.")
                   .Register(registry);
  actions_ = &prometheus::BuildCounter()
                  .Name("shop_supportbot_actions_total")
                  .Help("Order changes by type and result.")
                  .Register(registry);
  kb_answers_ = &prometheus::BuildCounter()
                     .Name("shop_supportbot_kb_answers_total")
                     .Help("Replies quoting a knowledge-base article.")
                     .Register(registry)
                     .Add({});
  degraded_ = &prometheus::BuildCounter()
                   .Name("shop_supportbot_translation_degraded_total")
                   .Help(
                       "Turns where the translator failed, by direction (to_english); the "
                       "bot read the message as English.")
                   .Register(registry);
  unsure_ = &prometheus::BuildCounter()
                 .Name("shop_supportbot_unsure_translations_total")
                 .Help(
                     "Messages whose translation into English was below "
                     "--min_translation_confidence, so the bot did not act on it.")
                 .Register(registry)
                 .Add({});
  replays_ = &prometheus::BuildCounter()
                  .Name("shop_supportbot_replayed_turns_total")
                  .Help("Retried Converse calls answered from the session (request_id seen).")
                  .Register(registry)
                  .Add({});
  ratings_ = &prometheus::BuildCounter()
                  .Name("shop_supportbot_ratings_total")
                  .Help("Reply ratings by value, to find weak answers.")
                  .Register(registry);
}

void SupportBotMetrics::RecordTurn(const v1::TurnMetadata& m) {
  turns_->Add({{"intent", m.intent().name()}}).Increment();
  if (m.has_handoff()) {
    handoffs_->Add({{"reason", v1::HandoffReason_Name(m.handoff().reason())}}).Increment();
  }
  if (m.has_action()) {
    actions_
        ->Add({{"type", v1::ActionType_Name(m.action().action_type())},
               {"result", v1::ActionResult_Name(m.action().result())}})
        .Increment();
  }
  if (!m.kb_article_id().empty()) kb_answers_->Increment();
}

absl::Status SupportBotService::DoTurn(const TurnInput& in, std::string* reply,
                                       v1::TurnMetadata* metadata) {
  IntentModel* intent_model = intent_model_.load();
  if (intent_model == nullptr) {
    return WithReason(absl::UnavailableError("the bot is still starting; retry"), "MODEL_LOADING");
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const IntentClassifier> classifier, intent_model->Current());
  RETURN_IF_ERROR(ValidateSessionId(in.session_id, /*allow_empty=*/true));
  RETURN_IF_ERROR(ValidateCustomerId(in.customer_id));
  ASSIGN_OR_RETURN(std::string hint, LocaleLanguage(in.locale));
  const int64_t chars = CountCodePoints(in.message);
  if (absl::StripAsciiWhitespace(in.message).empty()) {
    return InvalidFieldError("message", "message is empty");
  }
  if (chars > kMaxMessageChars) {
    return InvalidFieldError(
        "message", absl::StrCat("message has ", chars, " characters; at most ", kMaxMessageChars));
  }
  RETURN_IF_ERROR(ValidateRequestId(in.request_id));
  std::string session_id = in.session_id;
  if (session_id.empty() && !in.request_id.empty()) {
    session_id = SessionIdFor(in.customer_id, in.request_id);
  } else if (session_id.empty()) {
    ASSIGN_OR_RETURN(session_id, NewSessionId());
  }

  return sessions_->Update(session_id, [&](SessionRecord& s, bool created) -> absl::Status {
    if (in.caller.verified) {
      // Ids are issued by the server: a made-up one must not become someone's session.
      if (created && !in.session_id.empty()) {
        return WithReason(
            absl::NotFoundError(absl::StrCat(
                "no session ", in.session_id,
                " (expired, deleted or never issued); send an empty session_id to start one")),
            "SESSION_NOT_FOUND");
      }
      // Continuing a conversation is the customer's alone, as rating it is.
      RETURN_IF_ERROR(MayAccess(in.caller, s.customer_id(), /*operator_allowed=*/false));
    } else if (!s.customer_id().empty() && !in.customer_id.empty() &&
               s.customer_id() != in.customer_id) {
      return InvalidFieldError("customer_id",
                               "customer_id differs from the one bound to this session");
    }
    if (!in.request_id.empty() && !created) {
      ASSIGN_OR_RETURN(bool replayed, Replay(s, in, reply, metadata));
      if (replayed) return absl::OkStatus();
    }
    int customer_messages = 0;
    for (const v1::Turn& t : s.turns()) customer_messages += t.role() == v1::ROLE_CUSTOMER;
    if (customer_messages >= options_.max_customer_messages) {
      // Retrying cannot help: the session stays at its limit.
      return WithoutRetry(WithReason(
          absl::ResourceExhaustedError(absl::StrCat("this session reached its limit of ",
                                                    options_.max_customer_messages,
                                                    " customer messages; start a new session")),
          "SESSION_TURN_LIMIT"));
    }
    if (created) *s.mutable_create_time() = Now();
    if (s.customer_id().empty()) s.set_customer_id(in.customer_id);

    // Into English. A failing translator degrades to treating the message as English.
    // A locale in a language the bot does not serve ("xx") is no failure: the message is
    // understood through language detection and answered in English.
    bool degraded = false;
    bool unsure_translation = false;
    const bool served_hint = hint.empty() || options_.languages.count(hint) > 0;
    std::string language = hint.empty() ? s.customer_language() : hint;
    std::string english = in.message;
    if (translator_->enabled() && language != "en") {
      absl::StatusOr<ToEnglishResult> t =
          translator_->ToEnglish(in.message, served_hint ? hint : "", in.rpc);
      if (t.ok()) {
        english = t->english;
        if (served_hint) language = t->language;
        if (t->confidence < options_.min_translation_confidence) {
          unsure_translation = true;
          metrics_->RecordUnsureTranslation();
        }
      } else {
        degraded = true;
        metrics_->RecordDegraded("to_english");
        // The reason, not the message: logs must not carry what customers wrote.
        Log(LogLevel::kWarning, "translation_degraded",
            {{"direction", "to_english"},
             {"language", language},
             {"session_id", SessionIdForLogs(session_id)},
             {"error", t.status()}});
      }
    }
    if (language.empty()) language = "en";

    // A model trained on the customer's language reads the message as written: no
    // translation error can change the intent, and the confidence gate does not apply to
    // it (the translation still feeds the English knowledge-base search).
    const bool native = classifier->Understands(language);
    // Batched with other customers' messages; the caller's deadline and cancellation
    // reach the queue.
    RequestContext queue;
    if (in.rpc != nullptr) {
      queue.deadline = absl::FromChrono(in.rpc->deadline());
      queue.is_cancelled = [rpc = in.rpc] { return rpc->IsCancelled(); };
    }
    ASSIGN_OR_RETURN(const IntentPrediction prediction,
                     intent_model->Classify(native ? in.message : english, queue));
    Entities entities = entities_.Extract(in.message);
    Entities english_entities = entities_.Extract(english);
    for (const std::string& id : english_entities.order_ids) {
      if (std::find(entities.order_ids.begin(), entities.order_ids.end(), id) ==
          entities.order_ids.end()) {
        entities.order_ids.push_back(id);
      }
    }
    Understanding u;
    u.unsure_translation = unsure_translation;
    if (prediction.in_scope && (native || !unsure_translation)) {
      u.intent = prediction.intent;
      u.confidence = prediction.confidence;
    } else {
      u.confidence = prediction.confidence;
    }
    u.order_ids = entities.order_ids;
    u.emails = entities.emails;
    if (OnlyReferences(in.message, u)) u.intent.clear();  // a bare order number or e-mail
    if (english != in.message) u.original_text = in.message;
    // Replies are written from the message catalogs in the customer's language when the
    // bot serves it, English otherwise; never machine-translated.
    u.language = options_.languages.count(language) > 0 ? language : "en";

    v1::Turn* customer = s.add_turns();
    customer->set_turn_id(s.turns_size());
    customer->set_role(v1::ROLE_CUSTOMER);
    customer->set_text(in.message);
    customer->set_language(language);
    customer->set_working_text(english);
    customer->set_working_language("en");
    customer->set_request_id(in.request_id);
    *customer->mutable_create_time() = Now();
    customer->mutable_intent()->set_name(u.intent.empty() ? "unknown" : u.intent);
    customer->mutable_intent()->set_confidence(prediction.confidence);
    const int customer_turn_id = customer->turn_id();
    s.set_customer_language(language);

    ASSIGN_OR_RETURN(BotTurn bot, dialogue_->Handle(s, english, u, customer_turn_id));

    const std::string& reply_language = bot.language;
    std::string text = bot.turn.text();
    if (degraded) {
      text = absl::StrCat(dialogue_->messages().Format(reply_language, "degraded.note"), " ", text);
    }

    v1::Turn* out = s.add_turns();
    *out = bot.turn;
    out->set_turn_id(s.turns_size());
    out->set_role(v1::ROLE_BOT);
    out->set_working_text(bot.english);
    out->set_working_language("en");
    out->set_text(text);
    out->set_language(reply_language);
    *out->mutable_create_time() = Now();
    *s.mutable_update_time() = Now();

    *metadata = MetadataOf(s, *customer, *out);
    metadata->set_translation_degraded(degraded);
    *s.mutable_last_metadata() = *metadata;
    *reply = text;
    return absl::OkStatus();
  });
}

absl::StatusOr<bool> SupportBotService::Replay(const SessionRecord& s, const TurnInput& in,
                                               std::string* reply, v1::TurnMetadata* metadata) {
  for (int i = 0; i < s.turns_size(); ++i) {
    const v1::Turn& customer = s.turns(i);
    if (customer.role() != v1::ROLE_CUSTOMER || customer.request_id() != in.request_id) continue;
    if (customer.text() != in.message) {
      return InvalidFieldError(
          "request_id",
          "request_id was already used for another message in this session; use a new "
          "request_id for every message");
    }
    // The bot's reply follows its message (both are recorded in one update).
    if (i + 1 >= s.turns_size() || s.turns(i + 1).role() != v1::ROLE_BOT) {
      return absl::InternalError("the session holds the message of request_id but no reply");
    }
    const v1::Turn& bot = s.turns(i + 1);
    if (bot.turn_id() == s.last_metadata().turn_id()) {
      *metadata = s.last_metadata();
    } else {
      *metadata = MetadataOf(s, customer, bot);
    }
    metadata->set_replayed(true);
    *reply = bot.text();
    metrics_->RecordReplay();
    return true;
  }
  return false;
}

absl::Status SupportBotService::Authenticate(const grpc::ServerContext& context,
                                             TurnInput& in) const {
  ASSIGN_OR_RETURN(in.caller, options_.trust.Identify(context));
  if (!in.caller.verified) return absl::OkStatus();  // local mode: the body is believed
  if (!in.customer_id.empty() && in.customer_id != in.caller.customer_id) {
    return WithReason(
        absl::PermissionDeniedError(
            in.caller.customer_id.empty()
                ? "customer_id is set but the call carries no signed-in customer; send the "
                  "customer's token (or leave customer_id empty)"
                : "customer_id differs from the signed-in customer"),
        "CUSTOMER_ID_MISMATCH");
  }
  in.customer_id = in.caller.customer_id;
  return absl::OkStatus();
}

absl::Status SupportBotService::MayAccess(const CallerIdentity& caller, const std::string& owner,
                                          bool operator_allowed) {
  if (!caller.verified || owner.empty() || caller.customer_id == owner) return absl::OkStatus();
  if (operator_allowed && caller.is_operator) return absl::OkStatus();
  return WithReason(absl::PermissionDeniedError(caller.customer_id.empty()
                                                    ? "this session belongs to a signed-in "
                                                      "customer; send their token"
                                                    : "this session belongs to another customer"),
                    "NOT_THE_CUSTOMERS_SESSION");
}

grpc::Status SupportBotService::Converse(grpc::ServerContext* context,
                                         const v1::ConverseRequest* request,
                                         v1::ConverseResponse* response) {
  TurnInput in{request->session_id(),
               request->message(),
               request->locale(),
               request->customer_id(),
               request->request_id(),
               {},
               context};
  absl::Status st = Authenticate(*context, in);
  if (!st.ok()) return ToGrpcStatus(st);
  v1::TurnMetadata metadata;
  st = DoTurn(in, response->mutable_reply(), &metadata);
  if (!st.ok()) return ToGrpcStatus(st);
  if (!metadata.replayed()) metrics_->RecordTurn(metadata);
  *response->mutable_metadata() = std::move(metadata);
  return grpc::Status::OK;
}

grpc::Status SupportBotService::ConverseStream(
    grpc::ServerContext* context, const v1::ConverseStreamRequest* request,
    grpc::ServerWriter<v1::ConverseStreamResponse>* writer) {
  TurnInput in{request->session_id(),
               request->message(),
               request->locale(),
               request->customer_id(),
               request->request_id(),
               {},
               context};
  absl::Status st = Authenticate(*context, in);
  if (!st.ok()) return ToGrpcStatus(st);
  std::string reply;
  v1::TurnMetadata metadata;
  st = DoTurn(in, &reply, &metadata);
  if (!st.ok()) return ToGrpcStatus(st);
  if (!metadata.replayed()) metrics_->RecordTurn(metadata);
  // The reply is complete before the first chunk (the turn is recorded atomically); chunks
  // let a chat window render it progressively, word groups keeping UTF-8 intact.
  size_t start = 0;
  int words = 0;
  for (size_t i = 0; i <= reply.size(); ++i) {
    const bool end = i == reply.size();
    if (!end && reply[i] == ' ') ++words;
    if (end || (reply[i] == ' ' && words >= options_.stream_chunk_words)) {
      const size_t stop = end ? i : i + 1;
      if (stop > start) {
        v1::ConverseStreamResponse chunk;
        chunk.set_delta(reply.substr(start, stop - start));
        if (!writer->Write(chunk) || context->IsCancelled()) {
          return grpc::Status(grpc::StatusCode::CANCELLED, "client went away");
        }
      }
      start = stop;
      words = 0;
    }
  }
  v1::ConverseStreamResponse last;
  *last.mutable_metadata() = std::move(metadata);
  writer->Write(last);
  return grpc::Status::OK;
}

grpc::Status SupportBotService::GetTranscript(grpc::ServerContext* context,
                                              const v1::GetTranscriptRequest* request,
                                              v1::GetTranscriptResponse* response) {
  absl::StatusOr<CallerIdentity> caller = options_.trust.Identify(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::Status valid = ValidateSessionId(request->session_id(), /*allow_empty=*/false);
  if (!valid.ok()) return ToGrpcStatus(valid);
  absl::StatusOr<std::optional<SessionRecord>> s = sessions_->Get(request->session_id());
  if (!s.ok()) return ToGrpcStatus(s.status());
  if (!s->has_value()) {
    return ToGrpcStatus(
        WithReason(absl::NotFoundError(absl::StrCat("no session ", request->session_id(),
                                                    " (never created, deleted or expired)")),
                   "SESSION_NOT_FOUND"));
  }
  absl::Status allowed = MayAccess(*caller, (*s)->customer_id(), /*operator_allowed=*/true);
  if (!allowed.ok()) return ToGrpcStatus(allowed);
  response->set_session_id((*s)->session_id());
  *response->mutable_turns() = (*s)->turns();
  *response->mutable_create_time() = (*s)->create_time();
  return grpc::Status::OK;
}

grpc::Status SupportBotService::RateReply(grpc::ServerContext* context,
                                          const v1::RateReplyRequest* request,
                                          v1::RateReplyResponse* response) {
  absl::StatusOr<CallerIdentity> caller = options_.trust.Identify(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::Status valid = ValidateSessionId(request->session_id(), /*allow_empty=*/false);
  if (valid.ok() && request->turn_id() <= 0) {
    valid = InvalidFieldError("turn_id", "turn_id must be positive");
  }
  if (valid.ok() && request->rating() != v1::RATING_HELPFUL &&
      request->rating() != v1::RATING_NOT_HELPFUL) {
    valid = InvalidFieldError("rating", "rating must be RATING_HELPFUL or RATING_NOT_HELPFUL");
  }
  if (valid.ok() && CountCodePoints(request->comment()) > kMaxCommentChars) {
    valid = InvalidFieldError(
        "comment", absl::StrCat("comment has more than ", kMaxCommentChars, " characters"));
  }
  if (!valid.ok()) return ToGrpcStatus(valid);
  absl::Status st = sessions_->Update(request->session_id(), [&](SessionRecord& s, bool created) {
    if (created) {
      return WithReason(absl::NotFoundError(absl::StrCat("no session ", request->session_id())),
                        "SESSION_NOT_FOUND");
    }
    // Only the customer rates their conversation; an operator's rating would skew the
    // numbers that find weak answers.
    RETURN_IF_ERROR(MayAccess(*caller, s.customer_id(), /*operator_allowed=*/false));
    for (v1::Turn& t : *s.mutable_turns()) {
      if (t.turn_id() != request->turn_id()) continue;
      if (t.role() != v1::ROLE_BOT) {
        return InvalidFieldError("turn_id",
                                 absl::StrCat("turn ", t.turn_id(), " is not a reply of the bot"));
      }
      response->set_replaced(t.rating() != v1::RATING_UNSPECIFIED);
      t.set_rating(request->rating());
      t.set_rating_comment(request->comment());
      return absl::OkStatus();
    }
    return WithReason(absl::NotFoundError(absl::StrCat("session ", request->session_id(),
                                                       " has no turn ", request->turn_id())),
                      "TURN_NOT_FOUND");
  });
  if (!st.ok()) return ToGrpcStatus(st);
  metrics_->RecordRating(request->rating());
  return grpc::Status::OK;
}

grpc::Status SupportBotService::DeleteTranscript(grpc::ServerContext* context,
                                                 const v1::DeleteTranscriptRequest* request,
                                                 v1::DeleteTranscriptResponse* response) {
  absl::StatusOr<CallerIdentity> caller = options_.trust.Identify(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  absl::Status valid = ValidateSessionId(request->session_id(), /*allow_empty=*/false);
  if (!valid.ok()) return ToGrpcStatus(valid);
  if (caller->verified) {
    // The owner check and the delete are two store calls; a session cannot change owner in
    // between (the binding is set once, by its first signed-in turn), except from
    // anonymous to bound, and deleting an anonymous session is anyone's right who holds its
    // id. Unknown sessions fall through to the idempotent delete.
    absl::StatusOr<std::optional<SessionRecord>> s = sessions_->Get(request->session_id());
    if (!s.ok()) return ToGrpcStatus(s.status());
    if (s->has_value()) {
      absl::Status allowed = MayAccess(*caller, (*s)->customer_id(), /*operator_allowed=*/true);
      if (!allowed.ok()) return ToGrpcStatus(allowed);
    }
  }
  absl::StatusOr<bool> deleted = sessions_->Delete(request->session_id());
  if (!deleted.ok()) return ToGrpcStatus(deleted.status());
  response->set_deleted(*deleted);
  return grpc::Status::OK;
}

}  // namespace shop::supportbot
