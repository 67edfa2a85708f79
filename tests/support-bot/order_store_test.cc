// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/order_store.h"

#include <sqlite3.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "services/support-bot/demo_orders.h"
#include "services/support-bot/sqlite_order_store.h"
#include "tests/catch.h"
#include "tests/support-bot/demo_order_ids.h"

namespace shop::supportbot {
namespace {

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
  REQUIRE((*store)->SeedDemoData(kDemoOrdersFile, kToday).ok());
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
  CHECK(absl::IsFailedPrecondition((*store)->SeedDemoData(kDemoOrdersFile, kToday)));
  options.order_ids = {"S(", 6};
  CHECK(absl::IsInvalidArgument(SqliteOrderStore::Open(":memory:", options).status()));
}

TEST_CASE("seeding twice adds nothing and keeps earlier changes", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  auto store = OpenSeeded(path);
  REQUIRE(store->CancelOrder(kPlaced, Customer("cust-1001"), "s1").ok());
  REQUIRE(store->SeedDemoData(kDemoOrdersFile, kToday).ok());
  REQUIRE(store->SeedDemoData(kDemoOrdersFile, kToday + 30)
              .ok());  // a later start: dates stay as they were
  RawDb raw(path);
  CHECK(raw.Query("SELECT count(*) FROM orders") == "32");
  CHECK(raw.Query("SELECT count(*) FROM order_items") == "33");
  auto order = store->GetOrder(kPlaced);
  REQUIRE(order.ok());
  CHECK(order->status == OrderStatus::kCancelled);
  CHECK(order->expected_delivery == kToday + 4);
}

TEST_CASE("the demo data covers every status, the main countries and ten customers", "[orders]") {
  const std::vector<Order> orders = *LoadDemoOrders(kDemoOrdersFile, kToday);
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
  CHECK((*LoadDemoOrders(kDemoOrdersFile, kToday))[7].tracking_number == orders[7].tracking_number);
}

TEST_CASE("a malformed demo orders file is refused with the line and the reason", "[orders]") {
  const std::string dir = (std::filesystem::temp_directory_path() /
                           ("demo-orders-" + std::to_string(std::random_device{}())))
                              .string();
  std::filesystem::create_directories(dir);
  const std::string good =
      R"({"id": "ORD-12345678", "customer_id": "", "email": "a@example.de", "status": "placed", )"
      R"("express": false, "address": {"name": "A", "street": "S 1", "postcode": "10115", )"
      R"("city": "Berlin", "country": "DE"}, "items": [{"name": "Mug", "quantity": 1, )"
      R"("unit_price_minor": 990}], "created_days_ago": 1, "expected_in_days": 3})";
  auto with = [&](const std::string& from, const std::string& to) {
    std::string line = good;
    line.replace(line.find(from), from.size(), to);
    return line;
  };
  const std::vector<std::pair<std::string, std::string>> cases = {
      {good + "\n" + with("12345678", "1234"), ":2: id \"ORD-1234\" is not like"},
      {good + "\n" + good, ":2: duplicate id ORD-12345678"},
      {with("\"placed\"", "\"lost\""), ":1: unknown status \"lost\""},
      {with("\"DE\"", "\"XX\""), ":1: address.country \"XX\""},
      {with("\"express\"", "\"expres\""), ":1: unknown field \"expres\""},
      {with("\"created_days_ago\": 1", "\"created_days_ago\": 0"),
       ":1: created_days_ago must be >= 1"},
      {with("\"quantity\": 1", "\"quantity\": 0"), ":1: an item needs quantity >= 1"},
      {"{not json", ":1: "},
      {"", ": no orders"}};
  for (const auto& [text, want] : cases) {
    const std::string path = dir + "/orders.jsonl";
    {
      std::ofstream out(path);
      out << text << "\n";
    }
    auto loaded = LoadDemoOrders(path, kToday);
    INFO(text);
    REQUIRE_FALSE(loaded.ok());
    CHECK(absl::IsInvalidArgument(loaded.status()));
    CHECK(loaded.status().message().find(want) != absl::string_view::npos);
  }
  {
    std::ofstream out(dir + "/one.jsonl");
    out << good << "\n";
  }
  auto one = LoadDemoOrders(dir + "/one.jsonl", kToday);
  REQUIRE(one.ok());
  CHECK((*one)[0].carrier == "DHL Parcel");
  CHECK((*one)[0].expected_delivery == kToday + 3);
  CHECK(absl::IsNotFound(LoadDemoOrders(dir + "/missing.jsonl", kToday).status()));
  std::filesystem::remove_all(dir);
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

TEST_CASE("a newer schema version is refused and an unopenable path is UNAVAILABLE", "[orders]") {
  ScratchDir dir;
  const std::string path = dir.file("orders.db");
  { OpenSeeded(path); }
  { RawDb(path).Exec("PRAGMA user_version = 2"); }
  CHECK(SqliteOrderStore::Open(path).status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(SqliteOrderStore::Open(dir.file("missing/dir/orders.db")).status().code() ==
        absl::StatusCode::kUnavailable);
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
  for (OrderChange c : {OrderChange::kCancel, OrderChange::kChangeShippingAddress}) {
    CHECK(ParseOrderChange(OrderChangeName(c)) == c);
  }
  CHECK_FALSE(ParseOrderChange("refund").has_value());
}

}  // namespace
}  // namespace shop::supportbot
