// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The bot's conversation logic, in English: one customer message in, one reply out, with
// the session's dialogue state carried between turns.
//
// - Order intents (track, cancel, change the shipping address, refund status, invoice)
//   need an order number: taken from the message or earlier turns, asked for otherwise
//   (at most two re-prompts). Anonymous customers then prove ownership with the order's
//   e-mail or postcode (signed-in customers are checked against the order's owner).
// - Changes (cancel, new address) are confirmed in a second turn before the order store
//   is called; the store re-checks state and ownership inside its transaction. A "yes"
//   applies exactly what the question named (order id, address). A message that names
//   another order, corrects the address, says "yes, but ..." or asks something else never
//   applies anything: the bot re-asks naming the new content (or drops the change and
//   says so when the customer moved on to another order request).
// - Policy questions are answered from the knowledge base, quoting the article and its id.
// - Handoff to a human when asked, on complaints, after repeated low confidence or too many
//   failed ownership proofs; returned as a structured Handoff. After a handoff the bot only
//   acknowledges messages.
//
// Pure logic over the order store and the knowledge base: understanding (intent, entities)
// comes in as data, so the state machine is tested without models.
#ifndef SHOP_SERVICES_SUPPORT_BOT_DIALOGUE_MANAGER_H_
#define SHOP_SERVICES_SUPPORT_BOT_DIALOGUE_MANAGER_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/support-bot/article_translations.h"
#include "services/support-bot/knowledge_base.h"
#include "services/support-bot/message_catalog.h"
#include "services/support-bot/order_store.h"
#include "services/support-bot/session_store.h"
#include "shop/supportbot/v1/supportbot.pb.h"

namespace shop::supportbot {

// What was understood of one English message.
struct Understanding {
  // A bitext intent ("cancel_order", ...) or empty when out of scope.
  std::string intent;
  float confidence = 0;
  // Canonical order ids ("ORD-12345678") and e-mail addresses found in the message.
  std::vector<std::string> order_ids;
  std::vector<std::string> emails;
  // The customer's own words, before translation (empty: the message was English).
  // Addresses and yes/no answers are read from it, since machine translation may
  // mangle a street name or turn "ja" into something else.
  std::string original_text;
  // The language to reply in (a catalog language; empty or unknown: English).
  std::string language;
  // The translation into English was too unsure to act on: no intent, and no article is
  // looked up for the garbled text.
  bool unsure_translation = false;
};

// A reply as message-catalog entries, so that it is written in the customer's language
// (and in English, the working language of transcripts and agents) from hand-written
// templates rather than machine-translated.
class Phrase {
 public:
  Phrase() = default;
  Phrase(std::string key, MessageArgs args = {});  // NOLINT: a key alone is a phrase
  // A knowledge-base article: "{title} ({article_id}): {body}" in the rendering language.
  static Phrase Article(const std::string& article_id);

  // Appends `next`, after `separator`.
  Phrase& Then(Phrase next, std::string separator = " ");

  // `article_text(id, language)` gives an article's title and body in a language.
  template <typename ArticleText>
  std::string Render(const MessageCatalog& catalog, absl::string_view language,
                     const ArticleText& article_text) const {
    std::string out;
    for (const Part& p : parts_) {
      if (!out.empty()) out += p.separator;
      if (p.article_id.empty()) {
        out += catalog.Format(language, p.key, p.args);
      } else {
        auto [title, body] = article_text(p.article_id, language);
        out += catalog.Format(language, "kb.answer",
                              {{"title", title}, {"article_id", p.article_id}, {"body", body}});
      }
    }
    return out;
  }

 private:
  struct Part {
    std::string separator, key;
    MessageArgs args;
    std::string article_id;
  };
  std::vector<Part> parts_;
};

struct DialogueOptions {
  // Re-prompts for a missing or malformed slot before giving up on the request.
  int max_reprompts = 2;
  // Consecutive turns not understood before a human takes over.
  int low_confidence_handoff_after = 2;
  // Failed ownership proofs per session before a human takes over.
  int max_failed_verifications = 3;
  // When the intent model found no shop intent, an article is only quoted above this
  // score (higher than the knowledge base's own floor, which serves messages with an
  // intent): "set an alarm" must not get the cookies article. Tuned on half A of the KB
  // questions against CLINC150's unrelated dev utterances by balanced accuracy
  // (`build/services/support-bot/support_bot_kb_eval`: on the held-out half B and CLINC150
  // test, 69.2 % answered with the right article and 90.9 % of unrelated requests refused,
  // against 74.7 % and 62.2 % with the floor alone).
  double kb_min_score_without_intent = 0.14;
  // An order number as the store's format writes it, shown in prompts that ask for one.
  std::string order_id_example = "ORD-12345678";
};

// The bot's side of one turn. `turn` carries the text in the reply language, intent,
// article, action and handoff; `english` is the same reply in English. The awaited slot
// is in the session's state.
struct BotTurn {
  v1::Turn turn;
  std::string english;
  // The language `turn.text` is written in: Understanding::language when the catalogs
  // have it, else "en".
  std::string language = "en";
};

// True when `text` holds nothing but the order numbers and e-mail addresses of `u` (and
// the letters of an order number's prefix, "ord 86126116"), punctuation and "#": such a
// message says nothing about what the customer wants, whatever an intent model guesses
// from its characters.
bool OnlyReferences(absl::string_view text, const Understanding& u);

class DialogueManager {
 public:
  // `articles` (may be null) holds the knowledge base in other languages.
  DialogueManager(OrderStore* orders, const KnowledgeBase* kb, const MessageCatalog* messages,
                  const ArticleTranslations* articles, DialogueOptions options = {})
      : orders_(orders), kb_(kb), messages_(messages), articles_(articles), options_(options) {}

  // Advances `session` by one message. `customer_turn_id` is the id of the customer's turn
  // (for handoff transcript references); `customer_id` may be empty (anonymous). Errors
  // are only those of the order store that retrying may fix (UNAVAILABLE, INTERNAL): the
  // caller then fails the RPC and keeps the session as it was.
  absl::StatusOr<BotTurn> Handle(SessionRecord& session, const std::string& english_text,
                                 const Understanding& understanding, int customer_turn_id);

  const MessageCatalog& messages() const { return *messages_; }

 private:
  struct Context;

  absl::StatusOr<BotTurn> Dispatch(Context& c);
  absl::StatusOr<BotTurn> StartOrderRequest(Context& c, const std::string& intent);
  // Continues the pending order request once the order id is known.
  absl::StatusOr<BotTurn> ContinueOrderRequest(Context& c);
  absl::StatusOr<BotTurn> HandleConfirmation(Context& c);
  // Applies the confirmed change: `pending_intent` on `pending_order_id`, nothing else.
  absl::StatusOr<BotTurn> ApplyConfirmed(Context& c);
  // Asks to confirm `pending_intent` on `order` (with `pending_address` for an address
  // change); `prefix` goes before the question. Records what the question names.
  BotTurn AskConfirmation(Context& c, const Order& order, Phrase prefix);
  absl::StatusOr<BotTurn> HandleAddress(Context& c);
  absl::StatusOr<BotTurn> HandleVerification(Context& c);
  BotTurn AnswerFromKnowledgeBase(Context& c, bool understood_intent);
  // The best article for the message, preferring the intent's categories among close hits.
  // The article for the turn: from the index of the customer's language when there is
  // one (ArticleTranslations::Index), else from the English index with the English text.
  std::optional<Hit> PickArticle(const Context& c) const;
  std::optional<Hit> PickArticleIn(const KnowledgeBase& kb, absl::string_view text,
                                   const std::string& intent) const;
  BotTurn Handoff(Context& c, v1::HandoffReason reason, Phrase text);
  BotTurn Reply(Context& c, const Phrase& text);
  // Puts `phrase` before (or after) a reply already written, in both its languages.
  void Prepend(const Context& c, const Phrase& phrase, BotTurn& turn) const;
  void Append(const Context& c, const Phrase& phrase, BotTurn& turn) const;
  std::string Render(const Phrase& phrase, absl::string_view language) const;

  OrderStore* const orders_;
  const KnowledgeBase* const kb_;
  const MessageCatalog* const messages_;
  const ArticleTranslations* const articles_;
  const DialogueOptions options_;
};

// What ParseAddress says when a part is missing (the dialogue words it per language).
inline constexpr char kNoPostcodeMessage[] = "I could not find the postcode and city";
inline constexpr char kNoStreetMessage[] = "I could not find the street and house number";

// Parses a free-text address ("Erika Mustermann, Hauptstrasse 5, 10115 Berlin"): comma- or
// line-separated parts with the postcode and city together; the country is `country` and
// the recipient defaults to `default_name`. INVALID_ARGUMENT saying what is missing.
absl::StatusOr<Address> ParseAddress(absl::string_view text, const std::string& country,
                                     const std::string& default_name);

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_DIALOGUE_MANAGER_H_
