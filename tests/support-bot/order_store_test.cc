// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/order_store.h"

#include <sqlite3.h>

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
#include "services/support-bot/sqlite_order_store.h"
#include "tests/catch.h"

namespace shop::supportbot {
namespace {

// The demo data's "today" in these tests.
const absl::CivilDay kToday(2026, 3, 16);

// Demo orders used below (see SqliteOrderStore::DemoOrders).
constexpr char kPlaced[] = "ORD-35032582";            // cust-1001, DE
constexpr char kPaymentConfirmed[] = "ORD-36480894";  // cust-1002, FR, 8 rue des Lilas
constexpr char kProcessing[] = "ORD-38302983";        // cust-1004
constexpr char kOnHold[] = "ORD-58816302";            // cust-1009
constexpr char kShipped[] = "ORD-36655764";           // cust-1002
constexpr char kInTransit[] = "ORD-37933677";         // cust-1003
constexpr char kDelivered[] = "ORD-36252221";         // cust-1001
constexpr char kCancelled[] = "ORD-68870700";         // cust-1002
constexpr char kGuestPlaced[] = "ORD-73464097";       // lena.fischer@example.de, 80331
constexpr char kGuestPaid[] = "ORD-82992312";         // carmen.lopez@example.es, 41004, ES

// A fresh directory under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("shop_orders_test_" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

std::unique_ptr<SqliteOrderStore> OpenSeeded(const std::string& path,
                                             const SqliteOrderStoreOptions& options = {}) {
  auto store = SqliteOrderStore::Open(path, options);
  REQUIRE(store.ok());
  REQUIRE((*store)->SeedDemoData(kToday).ok());
  return *std::move(store);
}

// A second, raw connection to the same file: what another process (or an operator) does.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
  }
  ~RawDb() { sqlite3_close(db_); }
  void Exec(const std::string& sql) {
    char* error = nullptr;
    const int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &error);
    INFO(sql << ": " << (error != nullptr ? error : ""));
    sqlite3_free(error);
    REQUIRE(rc == SQLITE_OK);
  }
  std::string Query(const std::string& sql) {
    sqlite3_stmt* stmt = nullptr;
    REQUIRE(sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK);
    std::string value;
    if (sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      value = text != nullptr ? text : "";
    }
    sqlite3_finalize(stmt);
    return value;
  }

 private:
  sqlite3* db_ = nullptr;
};

Requester Customer(const std::string& id) { return {id, ""}; }
Requester Guest(const std::string& verification) { return {"", verification}; }

Address NewLyonAddress() { return {"Lucas Martin", "3 place Bellecour", "69002", "Lyon", "FR"}; }

TEST_CASE("a new database gets the schema and reopening keeps the data", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  {
    auto store = OpenSeeded(path);
    REQUIRE((*store).CancelOrder(kPlaced, Customer("cust-1001"), "s1/2").ok());
  }
  RawDb raw(path);
  CHECK(raw.Query("PRAGMA user_version") == "1");
  CHECK(raw.Query("PRAGMA journal_mode") == "wal");
  CHECK(raw.Query("SELECT group_concat(name) FROM (SELECT name FROM sqlite_master "
                  "WHERE type = 'table' AND name LIKE 'order%' ORDER BY name)") ==
        "order_events,order_items,orders");

  auto reopened = SqliteOrderStore::Open(path);
  REQUIRE(reopened.ok());
  auto order = (*reopened)->GetOrder(kPlaced);
  REQUIRE(order.ok());
  CHECK(order->status == OrderStatus::kCancelled);
  auto history = (*reopened)->History(kPlaced);
  REQUIRE(history.ok());
  CHECK(history->size() == 1);
}

TEST_CASE("a store with another order id format reads ids in it and names it in errors",
          "[orders]") {
  SqliteOrderStoreOptions options;
  options.order_ids = {"SO-", 6};
  auto store = SqliteOrderStore::Open(":memory:", options);
  REQUIRE(store.ok());
  auto bad = (*store)->GetOrder("ORD-12345678");
  CHECK(absl::IsInvalidArgument(bad.status()));
  CHECK(bad.status().message().find("e.g. SO-123456") != std::string::npos);
  CHECK(absl::IsNotFound((*store)->GetOrder("so 123456").status()));
  // The demo orders have the default shape and are not seeded into it.
  CHECK(absl::IsFailedPrecondition((*store)->SeedDemoData(kToday)));
  options.order_ids = {"S(", 6};
  CHECK(absl::IsInvalidArgument(SqliteOrderStore::Open(":memory:", options).status()));
}

TEST_CASE("seeding twice adds nothing and keeps earlier changes", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  auto store = OpenSeeded(path);
  REQUIRE(store->CancelOrder(kPlaced, Customer("cust-1001"), "s1").ok());
  REQUIRE(store->SeedDemoData(kToday).ok());
  REQUIRE(store->SeedDemoData(kToday + 30).ok());  // a later start: dates stay as they were
  RawDb raw(path);
  CHECK(raw.Query("SELECT count(*) FROM orders") == "32");
  CHECK(raw.Query("SELECT count(*) FROM order_items") == "33");
  auto order = store->GetOrder(kPlaced);
  REQUIRE(order.ok());
  CHECK(order->status == OrderStatus::kCancelled);
  CHECK(order->expected_delivery == kToday + 4);
}

TEST_CASE("the demo data covers every status, the main countries and ten customers", "[orders]") {
  const std::vector<Order> orders = SqliteOrderStore::DemoOrders(kToday);
  REQUIRE(orders.size() == 32);
  std::set<std::string> ids, countries, customers;
  std::set<OrderStatus> statuses;
  for (const Order& o : orders) {
    INFO(o.id);
    CHECK(NormalizeOrderId(o.id) == o.id);
    CHECK(ValidateAddress(o.shipping_address).ok());
    CHECK(o.destination_country == o.shipping_address.country);
    const bool shipped = o.status == OrderStatus::kShipped || o.status == OrderStatus::kInTransit ||
                         o.status == OrderStatus::kAtCustoms ||
                         o.status == OrderStatus::kOutForDelivery ||
                         o.status == OrderStatus::kDelivered;
    CHECK(o.tracking_number.empty() != shipped);
    CHECK_FALSE(o.carrier.empty());
    CHECK_FALSE(o.items.empty());
    CHECK(o.created < absl::FromCivil(kToday, absl::UTCTimeZone()));
    ids.insert(o.id);
    countries.insert(o.destination_country);
    if (!o.customer_id.empty()) customers.insert(o.customer_id);
    statuses.insert(o.status);
  }
  CHECK(ids.size() == orders.size());
  CHECK(countries == std::set<std::string>{"AU", "CH", "DE", "ES", "FR", "GB", "JP", "US"});
  CHECK(customers.size() == 10);
  CHECK(customers.count("cust-1001") == 1);
  CHECK(customers.count("cust-1010") == 1);
  CHECK(statuses.size() == 10);  // every OrderStatus
  // Deterministic for a given day.
  CHECK(SqliteOrderStore::DemoOrders(kToday)[7].tracking_number == orders[7].tracking_number);
}

TEST_CASE("GetOrder returns the stored order and unknown ids are NOT_FOUND", "[orders]") {
  auto store = OpenSeeded(":memory:");
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
  auto store = OpenSeeded(":memory:");
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
  auto store = OpenSeeded(":memory:");
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
  auto store = OpenSeeded(":memory:");
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
  auto store = OpenSeeded(":memory:");
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
  auto store = OpenSeeded(":memory:");
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

TEST_CASE("a failing audit insert rolls the whole change back", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  auto store = OpenSeeded(path);
  const Order before = *store->GetOrder(kPaymentConfirmed);
  RawDb raw(path);
  raw.Exec(
      "CREATE TRIGGER audit_down BEFORE INSERT ON order_events "
      "BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END");

  auto cancel = store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "s");
  CHECK(cancel.status().code() == absl::StatusCode::kInternal);
  CHECK(std::string(cancel.status().message()).find("audit log unavailable") != std::string::npos);
  auto change =
      store->ChangeShippingAddress(kPaymentConfirmed, Customer("cust-1002"), NewLyonAddress(), "s");
  CHECK(change.status().code() == absl::StatusCode::kInternal);

  // The UPDATE ran before the failing INSERT; neither is visible, to this or any connection.
  const Order after = *store->GetOrder(kPaymentConfirmed);
  CHECK(after.status == OrderStatus::kPaymentConfirmed);
  CHECK(after.shipping_address == before.shipping_address);
  CHECK(after.updated == before.updated);
  CHECK(raw.Query("SELECT status || '|' || ship_street FROM orders WHERE id = 'ORD-36480894'") ==
        "payment_confirmed|8 rue des Lilas");
  CHECK(raw.Query("SELECT count(*) FROM order_events") == "0");

  // The store's connection is fine afterwards.
  raw.Exec("DROP TRIGGER audit_down");
  CHECK(store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "s").ok());
}

TEST_CASE("a database locked by another writer is UNAVAILABLE and nothing changes", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  SqliteOrderStoreOptions options;
  options.busy_timeout = absl::Milliseconds(100);
  auto store = OpenSeeded(path, options);
  {
    RawDb raw(path);
    raw.Exec("BEGIN IMMEDIATE");
    auto cancel = store->CancelOrder(kPlaced, Customer("cust-1001"), "s");
    CHECK(cancel.status().code() == absl::StatusCode::kUnavailable);
    // Readers are not blocked by the writer (WAL).
    CHECK(store->GetOrder(kPlaced)->status == OrderStatus::kPlaced);
    raw.Exec("ROLLBACK");
  }
  CHECK(store->History(kPlaced)->empty());
  CHECK(store->CancelOrder(kPlaced, Customer("cust-1001"), "s").ok());
}

TEST_CASE("of concurrent cancels of one order exactly one succeeds", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  auto first = OpenSeeded(path);

  SECTION("two connections (as two server replicas), two threads") {
    auto second = SqliteOrderStore::Open(path);
    REQUIRE(second.ok());
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
        codes[1] = (*second)->CancelOrder(id, Customer(owner), "replica-b").status().code();
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

TEST_CASE("a newer schema version is refused and an unopenable path is UNAVAILABLE", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  { OpenSeeded(path); }
  { RawDb(path).Exec("PRAGMA user_version = 2"); }
  CHECK(SqliteOrderStore::Open(path).status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(SqliteOrderStore::Open(dir.file("missing/dir/orders.db")).status().code() ==
        absl::StatusCode::kUnavailable);
}

TEST_CASE("a customer's orders are listed newest first", "[orders]") {
  auto store = OpenSeeded(":memory:");
  auto orders = store->ListCustomerOrders("cust-1001", 10);
  REQUIRE(orders.ok());
  std::vector<std::string> ids;
  for (const Order& o : *orders) ids.push_back(o.id);
  CHECK(ids == std::vector<std::string>{kPlaced, "ORD-62301241", kDelivered});
  CHECK(store->ListCustomerOrders("cust-1001", 2)->size() == 2);
  CHECK(store->ListCustomerOrders("cust-9999", 10)->empty());
  CHECK(store->ListCustomerOrders("", 10).status().code() == absl::StatusCode::kInvalidArgument);
}

TEST_CASE("order ids are normalised to ORD- and 8 digits", "[orders]") {
  CHECK(NormalizeOrderId("ORD-12345678") == "ORD-12345678");
  CHECK(NormalizeOrderId("ord 12345678") == "ORD-12345678");
  CHECK(NormalizeOrderId("Ord12345678") == "ORD-12345678");
  CHECK(NormalizeOrderId("# 12345678") == "ORD-12345678");
  CHECK(NormalizeOrderId("12345678") == "ORD-12345678");
  CHECK_FALSE(NormalizeOrderId("ORD-1234567").has_value());
  CHECK_FALSE(NormalizeOrderId("ORD-123456789").has_value());
  CHECK_FALSE(NormalizeOrderId("KB-ORD-001").has_value());
  CHECK_FALSE(NormalizeOrderId("").has_value());
}

TEST_CASE("addresses are checked field by field and postcodes by country", "[orders]") {
  CHECK(ValidateAddress({"A", "B 1", "10969", "Berlin", "DE"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "SW1A 2AA", "London", "GB"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "sw1a2aa", "London", "GB"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "10001-1234", "New York", "US"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "150-0002", "Tokyo", "JP"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "8001", "Zürich", "CH"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "1011 AB", "Amsterdam", "NL"}).ok());
  CHECK(ValidateAddress({"A", "B 1", "11000", "Beograd", "RS"}).ok());  // no format known
  CHECK_FALSE(ValidateAddress({"A", "B 1", "1096", "Berlin", "DE"}).ok());
  CHECK_FALSE(ValidateAddress({"A", "B 1", "99001", "Madrid", "ES"}).ok());  // no province 99
  CHECK_FALSE(ValidateAddress({"A", "B 1", "10969", "Berlin", "XX"}).ok());
  CHECK_FALSE(ValidateAddress({"A", "B\n1", "10969", "Berlin", "DE"}).ok());
  CHECK_FALSE(ValidateAddress({"", "B 1", "10969", "Berlin", "DE"}).ok());
  // 35 characters, not bytes: "ü" is one.
  CHECK(ValidateAddress({"A", std::string(33, 'x') + "ü1", "10969", "Berlin", "DE"}).ok());
  CHECK_FALSE(ValidateAddress({"A", std::string(35, 'x') + "1", "10969", "Berlin", "DE"}).ok());
}

TEST_CASE("status names round-trip and only placed or payment confirmed are changeable",
          "[orders]") {
  int changeable = 0;
  for (int i = 0; i <= static_cast<int>(OrderStatus::kCancelled); ++i) {
    const auto status = static_cast<OrderStatus>(i);
    CHECK(ParseOrderStatus(OrderStatusName(status)) == status);
    changeable += OrderIsChangeable(status);
  }
  CHECK(changeable == 2);
  CHECK(OrderIsChangeable(OrderStatus::kPlaced));
  CHECK(OrderIsChangeable(OrderStatus::kPaymentConfirmed));
  CHECK_FALSE(ParseOrderStatus("packed").has_value());
}

}  // namespace
}  // namespace shop::supportbot
