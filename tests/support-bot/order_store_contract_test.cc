// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The OrderStore contract, run against every store: SQLite (a file in a scratch
// directory) and PostgreSQL (a real PostgreSQL 15 server started for this process, a fresh
// database per test case). Each test case runs once per backend (GENERATE).
#include <atomic>
#include <filesystem>
#include <iterator>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/barrier.h"
#include "services/support-bot/order_store.h"
#include "services/support-bot/postgres_order_store.h"
#include "services/support-bot/sqlite_order_store.h"
#include "tests/catch.h"
#include "tests/support-bot/demo_order_ids.h"
#include "tests/support-bot/shared_postgres.h"

namespace shop::supportbot {
namespace {

// One database seeded with the demo orders; Open() gives another store on it, as another
// replica (or another process) would have.
class Backend {
 public:
  virtual ~Backend() = default;
  virtual std::unique_ptr<OrderStore> Open() = 0;
};

class SqliteBackend : public Backend {
 public:
  SqliteBackend() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("shop_orders_contract_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  ~SqliteBackend() override {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  std::unique_ptr<OrderStore> Open() override {
    auto store = SqliteOrderStore::Open((dir_ / "orders.db").string());
    REQUIRE(store.ok());
    REQUIRE((*store)->SeedDemoData(kDemoOrdersFile, kToday).ok());
    return *std::move(store);
  }

 private:
  std::filesystem::path dir_;
};

testing::PostgresServer& Server() { return testing::SharedPostgres(); }

class PostgresBackend : public Backend {
 public:
  PostgresBackend() {
    auto database = Server().CreateDatabase("orders");
    REQUIRE(database.ok());
    options_.url = Server().Url(*database);
    options_.password_file = Server().password_file();
  }
  std::unique_ptr<OrderStore> Open() override {
    auto store = PostgresOrderStore::Open(options_);
    if (!store.ok()) FAIL(store.status().ToString() << "\n" << Server().log());
    REQUIRE((*store)->SeedDemoData(kDemoOrdersFile, kToday).ok());
    return *std::move(store);
  }

 private:
  PostgresOrderStoreOptions options_;
};

std::unique_ptr<Backend> MakeBackend(const std::string& kind) {
  UNSCOPED_INFO("backend: " << kind);
  if (kind == "sqlite") return std::make_unique<SqliteBackend>();
  return std::make_unique<PostgresBackend>();
}

Requester Customer(const std::string& id) { return {id, ""}; }
Requester Guest(const std::string& verification) { return {"", verification}; }

Address NewLyonAddress() { return {"Lucas Martin", "3 place Bellecour", "69002", "Lyon", "FR"}; }

TEST_CASE("GetOrder returns the stored order and unknown ids are NOT_FOUND", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  auto order = store->GetOrder(kShipped);
  REQUIRE(order.ok());
  CHECK(order->id == kShipped);
  CHECK(order->customer_id == "cust-1002");
  CHECK(order->email == "lucas.martin@example.fr");
  CHECK(order->status == OrderStatus::kShipped);
  CHECK(order->carrier == "Colissimo");
  CHECK(order->tracking_number == "6A36655764417");
  CHECK(order->expected_delivery == kToday + 2);
  CHECK(order->destination_country == "FR");
  CHECK(order->shipping_address ==
        Address{"Lucas Martin", "8 rue des Lilas", "69003", "Lyon", "FR"});
  REQUIRE(order->items.size() == 1);
  CHECK(order->items[0].name == "Leather wallet");
  CHECK(order->items[0].unit_price_minor == 5500);
  CHECK(order->items[0].currency == "EUR");
  CHECK(order->created ==
        absl::FromCivil(absl::CivilMinute(kToday - 3) + 9 * 60 + 7 * 4, absl::UTCTimeZone()));

  // Every spelling NormalizeOrderId accepts.
  for (const char* spelling : {"ord 36655764", "ORD36655764", "#36655764", " 36655764 "}) {
    auto same = store->GetOrder(spelling);
    REQUIRE(same.ok());
    CHECK(same->id == kShipped);
  }

  auto unknown = store->GetOrder("ORD-00000001");
  CHECK(unknown.status().code() == absl::StatusCode::kNotFound);
  CHECK(unknown.status().message() == "no order ORD-00000001");
  CHECK(store->GetOrder("ORD-123").status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(store->History("ORD-00000001").status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("an order can be cancelled while placed or payment confirmed", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  const absl::Time before = absl::Now();
  auto result = store->CancelOrder(kPlaced, Customer("cust-1001"), "sess-1/turn-4");
  REQUIRE(result.ok());
  CHECK(result->order.status == OrderStatus::kCancelled);
  CHECK(result->order.updated >= before);
  CHECK(result->event.order_id == kPlaced);
  CHECK(result->event.change == OrderChange::kCancel);
  CHECK(result->event.old_value == "placed");
  CHECK(result->event.new_value == "cancelled");
  CHECK(result->event.actor == "customer:cust-1001");
  CHECK(result->event.session_ref == "sess-1/turn-4");
  CHECK(store->GetOrder(kPlaced)->status == OrderStatus::kCancelled);

  auto paid = store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "sess-2");
  REQUIRE(paid.ok());
  CHECK(paid->event.old_value == "payment_confirmed");
}

TEST_CASE("cancelling is refused from processing on, naming the status", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  const std::map<std::string, std::pair<std::string, std::string>> cases = {
      {kProcessing, {"cust-1004", "processing"}}, {kOnHold, {"cust-1009", "on_hold"}},
      {kShipped, {"cust-1002", "shipped"}},       {kInTransit, {"cust-1003", "in_transit"}},
      {kDelivered, {"cust-1001", "delivered"}},   {kCancelled, {"cust-1002", "cancelled"}},
  };
  for (const auto& [id, owner_and_status] : cases) {
    const auto& [owner, status] = owner_and_status;
    INFO(id);
    const Order before = *store->GetOrder(id);
    auto result = store->CancelOrder(id, Customer(owner), "s");
    CHECK(result.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(result.status().message()).find(status) != std::string::npos);
    const Order after = *store->GetOrder(id);
    CHECK(after.status == before.status);
    CHECK(after.updated == before.updated);
    CHECK(store->History(id)->empty());
  }
  CHECK(store->CancelOrder(kCancelled, Customer("cust-1002"), "s").status().message() ==
        "order ORD-68870700 is already cancelled");
}

TEST_CASE("the shipping address changes within the destination country only", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  const Address old_address = store->GetOrder(kPaymentConfirmed)->shipping_address;

  SECTION("a valid address in the same country") {
    Address typed = NewLyonAddress();
    typed.street = "  3 place Bellecour ";
    typed.country = "fr";
    auto result = store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), typed,
                                               "sess-9/turn-6");
    REQUIRE(result.ok());
    CHECK(result->order.shipping_address == NewLyonAddress());
    CHECK(result->event.change == OrderChange::kChangeShippingAddress);
    CHECK(result->event.old_value == "Lucas Martin, 8 rue des Lilas, 69003 Lyon, FR");
    CHECK(result->event.new_value == "Lucas Martin, 3 place Bellecour, 69002 Lyon, FR");
    const Order stored = *store->GetOrder(kPaymentConfirmed);
    CHECK(stored.shipping_address == NewLyonAddress());
    CHECK(stored.status == OrderStatus::kPaymentConfirmed);
  }
  SECTION("another country is refused") {
    auto result = store->ChangeShippingAddress(
        kPaymentConfirmed, Customer("cust-1002"),
        {"Lucas Martin", "Calle Mayor 1", "28013", "Madrid", "ES"}, "s");
    CHECK(result.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(result.status().message()).find("FR") != std::string::npos);
  }
  SECTION("a malformed address is INVALID_ARGUMENT") {
    Address bad = NewLyonAddress();
    bad.postcode = "6900";
    CHECK(store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), bad, "s")
              .status()
              .code() == absl::StatusCode::kInvalidArgument);
    bad = NewLyonAddress();
    bad.street = std::string(36, 'x');
    CHECK(store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), bad, "s")
              .status()
              .code() == absl::StatusCode::kInvalidArgument);
    bad = NewLyonAddress();
    bad.city = " ";
    CHECK(store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), bad, "s")
              .status()
              .code() == absl::StatusCode::kInvalidArgument);
  }
  SECTION("a shipped order keeps its address") {
    auto result =
        store->ChangeShippingAddress(kShipped, Customer("cust-1002"), NewLyonAddress(), "s");
    CHECK(result.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK(std::string(result.status().message()).find("shipped") != std::string::npos);
    CHECK(store->GetOrder(kShipped)->shipping_address.street == "8 rue des Lilas");
  }
  if (store->History(kPaymentConfirmed)->empty()) {  // every refused change left it as it was
    CHECK(store->GetOrder(kPaymentConfirmed)->shipping_address == old_address);
  }
}

TEST_CASE("only the owner, or a guest who verifies, may change an order", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  const auto code = [](const auto& result) { return result.status().code(); };

  // Signed in as somebody else.
  CHECK(code(store->CancelOrder(kPlaced, Customer("cust-1002"), "s")) ==
        absl::StatusCode::kPermissionDenied);
  // Signed in: a guest order is not theirs, even with the right e-mail address.
  CHECK(code(store->CancelOrder(kGuestPlaced, {"cust-1001", "lena.fischer@example.de"}, "s")) ==
        absl::StatusCode::kPermissionDenied);
  // Anonymous without or with wrong verification.
  CHECK(code(store->CancelOrder(kPlaced, Guest(""), "s")) == absl::StatusCode::kPermissionDenied);
  CHECK(code(store->CancelOrder(kPlaced, Guest("someone@example.de"), "s")) ==
        absl::StatusCode::kPermissionDenied);
  CHECK(code(store->CancelOrder(kPlaced, Guest("10115"), "s")) ==
        absl::StatusCode::kPermissionDenied);
  // The refusal does not reveal the order's details.
  const std::string message(store->CancelOrder(kPlaced, Guest("x@y.de"), "s").status().message());
  CHECK(message.find("anna") == std::string::npos);
  CHECK(message.find("10969") == std::string::npos);
  CHECK(store->GetOrder(kPlaced)->status == OrderStatus::kPlaced);
  CHECK(store->History(kPlaced)->empty());

  // Anonymous with the order's e-mail (any case) or its postcode.
  auto by_email = store->CancelOrder(kGuestPlaced, Guest(" Lena.Fischer@Example.DE "), "s");
  REQUIRE(by_email.ok());
  CHECK(by_email->event.actor == "guest:email");
  auto by_postcode = store->ChangeShippingAddress(
      kGuestPaid, Guest("41004"), {"Carmen López", "Calle Sierpes 3", "41004", "Sevilla", "ES"},
      "s");
  REQUIRE(by_postcode.ok());
  CHECK(by_postcode->event.actor == "guest:postcode");
  // A signed-in owner of a customer order may also be verified by e-mail when anonymous.
  CHECK(store->CancelOrder(kPlaced, Guest("anna.schmidt@example.de"), "s").ok());
}

TEST_CASE("every change is recorded in the order's history, oldest first", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  REQUIRE(store
              ->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), NewLyonAddress(),
                                      "sess-1/turn-2")
              .ok());
  REQUIRE(store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "sess-1/turn-8").ok());
  auto history = store->History(kPaymentConfirmed);
  REQUIRE(history.ok());
  REQUIRE(history->size() == 2);
  CHECK((*history)[0].change == OrderChange::kChangeShippingAddress);
  CHECK((*history)[0].session_ref == "sess-1/turn-2");
  CHECK((*history)[0].new_value == "Lucas Martin, 3 place Bellecour, 69002 Lyon, FR");
  CHECK((*history)[1].change == OrderChange::kCancel);
  CHECK((*history)[1].old_value == "payment_confirmed");
  CHECK((*history)[1].session_ref == "sess-1/turn-8");
  CHECK((*history)[0].id < (*history)[1].id);
  CHECK((*history)[0].at <= (*history)[1].at);
  CHECK(store->History(kPlaced)->empty());
}

TEST_CASE("of concurrent cancels of one order exactly one succeeds", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto first = backend->Open();

  SECTION("two stores on the same data (as two server replicas), two threads") {
    auto second = backend->Open();
    const std::vector<std::pair<std::string, std::string>> orders = {
        {kPlaced, "cust-1001"},
        {kPaymentConfirmed, "cust-1002"},
        {"ORD-37784483", "cust-1003"},
        {"ORD-39722233", "cust-1005"},
        {"ORD-42175294", "cust-1006"}};
    for (const auto& [id, owner] : orders) {
      INFO(id);
      absl::Barrier* start = new absl::Barrier(2);  // deleted by the last thread through it
      absl::StatusCode codes[2];
      std::thread a([&] {
        if (start->Block()) delete start;
        codes[0] = first->CancelOrder(id, Customer(owner), "replica-a").status().code();
      });
      std::thread b([&] {
        if (start->Block()) delete start;
        codes[1] = second->CancelOrder(id, Customer(owner), "replica-b").status().code();
      });
      a.join();
      b.join();
      const std::multiset<absl::StatusCode> got(std::begin(codes), std::end(codes));
      CHECK(got == std::multiset<absl::StatusCode>{absl::StatusCode::kOk,
                                                   absl::StatusCode::kFailedPrecondition});
      CHECK(first->History(id)->size() == 1);
    }
  }
  SECTION("one store shared by eight threads") {
    constexpr int kThreads = 8;
    absl::Barrier* start = new absl::Barrier(kThreads);
    std::atomic<int> succeeded{0}, refused{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        if (start->Block()) delete start;
        auto result = first->CancelOrder(kPlaced, Customer("cust-1001"), std::to_string(i));
        if (result.ok()) ++succeeded;
        if (result.status().code() == absl::StatusCode::kFailedPrecondition) ++refused;
      });
    }
    for (std::thread& t : threads) t.join();
    CHECK(succeeded == 1);
    CHECK(refused == kThreads - 1);
    CHECK(first->History(kPlaced)->size() == 1);
  }
}

TEST_CASE("a customer's orders are listed newest first", "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  auto orders = store->ListCustomerOrders("cust-1001", 10);
  REQUIRE(orders.ok());
  std::vector<std::string> ids;
  for (const Order& o : *orders) ids.push_back(o.id);
  CHECK(ids == std::vector<std::string>{kPlaced, "ORD-62301241", kDelivered});
  CHECK(store->ListCustomerOrders("cust-1001", 2)->size() == 2);
  CHECK(store->ListCustomerOrders("cust-9999", 10)->empty());
  CHECK(store->ListCustomerOrders("", 10).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("a change retried with its session_ref is made once and answered as the first time",
          "[orders]") {
  auto backend = MakeBackend(GENERATE(as<std::string>{}, "sqlite", "postgresql"));
  auto store = backend->Open();
  auto replica = backend->Open();
  auto first = store->CancelOrder(kPlaced, Customer("cust-1001"), "sess-7/turn-3");
  REQUIRE(first.ok());
  // The answer was lost; the same turn comes again, here through another replica.
  auto again = replica->CancelOrder(kPlaced, Customer("cust-1001"), "sess-7/turn-3");
  REQUIRE(again.ok());
  CHECK(again->event.id == first->event.id);
  CHECK(again->event.old_value == "placed");
  CHECK(again->order.status == OrderStatus::kCancelled);
  CHECK(store->History(kPlaced)->size() == 1);
  // Another turn, or another customer with the same reference, is a new request.
  CHECK(absl::IsFailedPrecondition(
      store->CancelOrder(kPlaced, Customer("cust-1001"), "sess-7/turn-5").status()));
  CHECK(absl::IsPermissionDenied(
      store->CancelOrder(kPlaced, Customer("cust-1002"), "sess-7/turn-3").status()));

  auto moved = store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"),
                                            NewLyonAddress(), "sess-8/turn-2");
  REQUIRE(moved.ok());
  auto moved_again = replica->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"),
                                                    NewLyonAddress(), "sess-8/turn-2");
  REQUIRE(moved_again.ok());
  CHECK(moved_again->event.id == moved->event.id);
  CHECK(store->History(kPaymentConfirmed)->size() == 1);
  // An empty reference is never a retry.
  CHECK(store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), NewLyonAddress(), "")
            .ok());
  CHECK(store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), NewLyonAddress(), "")
            .ok());
  CHECK(store->History(kPaymentConfirmed)->size() == 3);
}

}  // namespace
}  // namespace shop::supportbot
