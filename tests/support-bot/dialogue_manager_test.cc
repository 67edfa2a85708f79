// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The dialogue state machine over a real SQLite order store (seeded demo orders) and the
// real knowledge base: slot filling, ownership checks, confirmation, refusals, KB answers
// and handoffs. Understanding is given as data, so no model is involved.
#include "services/support-bot/dialogue_manager.h"

#include "services/support-bot/sqlite_order_store.h"
#include "tests/catch.h"
#include "tests/common/test_models.h"

namespace shop::supportbot {
namespace {

class Bot {
 public:
  explicit Bot(std::string customer_id = "") {
    auto store = SqliteOrderStore::Open(dir_.path() + "/orders.db");
    REQUIRE(store.ok());
    REQUIRE((*store)->SeedDemoData().ok());
    orders_ = *std::move(store);
    auto kb = KnowledgeBase::Load(std::string(SHOP_SOURCE_DIR) +
                                  "/services/support-bot/kb/articles.jsonl");
    REQUIRE(kb.ok());
    kb_ = *std::move(kb);
    dm_ = std::make_unique<DialogueManager>(orders_.get(), kb_.get());
    session_.set_session_id("test-session");
    session_.set_customer_id(customer_id);
  }

  // One customer message with the given understanding; returns the bot turn.
  v1::Turn Say(const std::string& text, const std::string& intent = "",
               std::vector<std::string> order_ids = {}, std::vector<std::string> emails = {}) {
    Understanding u;
    u.intent = intent;
    u.confidence = intent.empty() ? 0.2f : 0.95f;
    u.order_ids = std::move(order_ids);
    u.emails = std::move(emails);
    turn_id_ += 2;
    absl::StatusOr<BotTurn> t = dm_->Handle(session_, text, u, turn_id_ - 1);
    INFO(t.status().ToString());
    REQUIRE(t.ok());
    return t->turn;
  }
  v1::AwaitingState awaiting() const { return session_.state().awaiting(); }
  OrderStore& orders() { return *orders_; }

 private:
  testing::ScratchDir dir_;
  std::unique_ptr<SqliteOrderStore> orders_;
  std::unique_ptr<KnowledgeBase> kb_;
  std::unique_ptr<DialogueManager> dm_;
  SessionRecord session_;
  int turn_id_ = 0;
};

TEST_CASE("Tracking asks for the order number, verifies a guest, then answers from the store") {
  Bot bot;
  v1::Turn t = bot.Say("where is my parcel", "track_order");
  CHECK(bot.awaiting() == v1::AWAITING_STATE_ORDER_NUMBER);
  t = bot.Say("I don't know", "");
  CHECK(bot.awaiting() == v1::AWAITING_STATE_ORDER_NUMBER);  // re-prompt 1
  t = bot.Say("it is ORD-86126116", "", {"ORD-86126116"});
  CHECK(bot.awaiting() == v1::AWAITING_STATE_VERIFICATION);
  t = bot.Say("wrong@example.com", "", {}, {"wrong@example.com"});
  CHECK(bot.awaiting() == v1::AWAITING_STATE_VERIFICATION);
  CHECK(t.text().find("does not match") != std::string::npos);
  t = bot.Say("michael.davis@example.com", "", {}, {"michael.davis@example.com"});
  CHECK(bot.awaiting() == v1::AWAITING_STATE_NONE);
  CHECK(t.text().find("ORD-86126116") != std::string::npos);
  CHECK(t.text().find("on its way") != std::string::npos);
}

TEST_CASE("After two re-prompts without an order number the bot gives up politely") {
  Bot bot;
  bot.Say("track my order", "track_order");
  bot.Say("hmm", "");
  bot.Say("no idea", "");
  v1::Turn t = bot.Say("still no", "");
  CHECK(bot.awaiting() == v1::AWAITING_STATE_NONE);
  CHECK(t.text().find("confirmation e-mail") != std::string::npos);
  CHECK(!t.has_handoff());
}

TEST_CASE("A signed-in customer cancels an open order after confirming") {
  Bot bot("cust-1001");
  v1::Turn t = bot.Say("please cancel order ORD-35032582", "cancel_order", {"ORD-35032582"});
  CHECK(bot.awaiting() == v1::AWAITING_STATE_CONFIRMATION);
  CHECK(!t.has_action());
  CHECK(bot.orders().GetOrder("ORD-35032582")->status == OrderStatus::kPlaced);  // not yet
  t = bot.Say("yes please", "");
  REQUIRE(t.has_action());
  CHECK(t.action().action_type() == v1::ACTION_TYPE_CANCEL_ORDER);
  CHECK(t.action().result() == v1::ACTION_RESULT_SUCCEEDED);
  CHECK(bot.orders().GetOrder("ORD-35032582")->status == OrderStatus::kCancelled);
  auto history = bot.orders().History("ORD-35032582");
  REQUIRE(history.ok());
  REQUIRE(history->size() == 1);
  CHECK((*history)[0].session_ref == "test-session#3");
}

TEST_CASE("Saying no leaves the order unchanged") {
  Bot bot("cust-1003");
  bot.Say("cancel ORD-37784483", "cancel_order", {"ORD-37784483"});
  v1::Turn t = bot.Say("no, keep it", "");
  CHECK(!t.has_action());
  CHECK(bot.awaiting() == v1::AWAITING_STATE_NONE);
  CHECK(bot.orders().GetOrder("ORD-37784483")->status == OrderStatus::kPlaced);
}

TEST_CASE("A shipped order is not cancelled and the refusal is a structured action") {
  Bot bot("cust-1002");
  v1::Turn t = bot.Say("cancel ORD-36655764", "cancel_order", {"ORD-36655764"});
  REQUIRE(t.has_action());
  CHECK(t.action().result() == v1::ACTION_RESULT_REJECTED);
  CHECK(bot.awaiting() == v1::AWAITING_STATE_NONE);
  CHECK(bot.orders().GetOrder("ORD-36655764")->status == OrderStatus::kShipped);
}

TEST_CASE("Someone else's order is neither shown nor changed") {
  Bot bot("cust-1001");
  v1::Turn t = bot.Say("where is ORD-36655764", "track_order", {"ORD-36655764"});
  CHECK(t.text().find("not in your account") != std::string::npos);
  CHECK(t.text().find("shipped") == std::string::npos);
}

TEST_CASE("A guest changes the shipping address: address, confirmation, change") {
  Bot bot;
  bot.Say("I need to change the delivery address of ORD-73464097", "change_shipping_address",
          {"ORD-73464097"});
  CHECK(bot.awaiting() == v1::AWAITING_STATE_VERIFICATION);
  bot.Say("80331", "");  // the postcode proves ownership
  CHECK(bot.awaiting() == v1::AWAITING_STATE_SHIPPING_ADDRESS);
  v1::Turn t = bot.Say("somewhere nice", "");
  CHECK(bot.awaiting() == v1::AWAITING_STATE_SHIPPING_ADDRESS);  // could not parse: re-prompt
  t = bot.Say("Lena Fischer, Leopoldstrasse 20, 80802 München", "");
  CHECK(bot.awaiting() == v1::AWAITING_STATE_CONFIRMATION);
  t = bot.Say("yes", "");
  REQUIRE(t.has_action());
  CHECK(t.action().result() == v1::ACTION_RESULT_SUCCEEDED);
  auto order = bot.orders().GetOrder("ORD-73464097");
  CHECK(order->shipping_address.street == "Leopoldstrasse 20");
  CHECK(order->shipping_address.postcode == "80802");
}

TEST_CASE("Policy questions are answered from the knowledge base with the article id") {
  Bot bot;
  v1::Turn t = bot.Say("Do I have to pay import duties when ordering to the United States?");
  CHECK(t.kb_article_id().rfind("KB-CUST-", 0) == 0);
  CHECK(t.text().find(t.kb_article_id()) != std::string::npos);
}

TEST_CASE("Handoff on request, on complaints and after repeated low confidence") {
  {
    Bot bot;
    v1::Turn t = bot.Say("I want to talk to a person", "contact_human_agent");
    REQUIRE(t.has_handoff());
    CHECK(t.handoff().reason() == v1::HANDOFF_REASON_CUSTOMER_REQUESTED);
    CHECK(t.handoff().transcript().session_id() == "test-session");
    CHECK(t.handoff().transcript().turn_id() == 1);
    CHECK(bot.awaiting() == v1::AWAITING_STATE_HUMAN_AGENT);
    t = bot.Say("hello?", "");
    CHECK(!t.has_handoff());  // handed over already: only acknowledged
    CHECK(bot.awaiting() == v1::AWAITING_STATE_HUMAN_AGENT);
  }
  {
    Bot bot;
    v1::Turn t = bot.Say("this is the worst service ever", "complaint");
    REQUIRE(t.has_handoff());
    CHECK(t.handoff().reason() == v1::HANDOFF_REASON_COMPLAINT);
  }
  {
    Bot bot;
    CHECK(!bot.Say("blorp zzkx qwv").has_handoff());
    v1::Turn t = bot.Say("vrrm plonk");
    REQUIRE(t.has_handoff());
    CHECK(t.handoff().reason() == v1::HANDOFF_REASON_LOW_CONFIDENCE);
  }
}

TEST_CASE("Addresses are parsed from free text") {
  auto a = ParseAddress("Erika Mustermann, Hauptstrasse 5, 10115 Berlin", "DE", "X");
  REQUIRE(a.ok());
  CHECK(a->name == "Erika Mustermann");
  CHECK(a->street == "Hauptstrasse 5");
  CHECK(a->postcode == "10115");
  CHECK(a->city == "Berlin");
  CHECK(a->country == "DE");
  auto uk = ParseAddress("10 Downing Street\nLondon SW1A 2AA", "GB", "Default Name");
  REQUIRE(uk.ok());
  CHECK(uk->postcode == "SW1A 2AA");
  CHECK(uk->city == "London");
  CHECK(uk->name == "Default Name");
  CHECK(!ParseAddress("just a street 5", "DE", "X").ok());
}

}  // namespace
}  // namespace shop::supportbot
