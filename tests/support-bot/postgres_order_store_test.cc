// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// What only the PostgreSQL order store has: migrations, credentials from a file, the
// connection pool across a server restart or crash, lock timeouts, rollback of a failed
// audit insert. The shared contract is in order_store_contract_test.cc.
#include "services/support-bot/postgres_order_store.h"

#include <atomic>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/barrier.h"
#include "pqxx/pqxx"
#include "tests/catch.h"
#include "tests/support-bot/demo_order_ids.h"
#include "tests/support-bot/shared_postgres.h"

namespace shop::supportbot {
namespace {

testing::PostgresServer& Server() { return testing::SharedPostgres(); }

PostgresOrderStoreOptions FreshDatabase() {
  auto database = Server().CreateDatabase("pg");
  REQUIRE(database.ok());
  PostgresOrderStoreOptions o;
  o.url = Server().Url(*database);
  o.password_file = Server().password_file();
  return o;
}

std::unique_ptr<PostgresOrderStore> OpenSeeded(const PostgresOrderStoreOptions& o) {
  auto store = PostgresOrderStore::Open(o);
  if (!store.ok()) FAIL(store.status().ToString() << "\n" << Server().log());
  REQUIRE((*store)->SeedDemoData(kDemoOrdersFile, kToday).ok());
  return *std::move(store);
}

// An operator's own connection to the same database.
class Raw {
 public:
  explicit Raw(const PostgresOrderStoreOptions& o)
      : conn_(absl::StrCat(o.url, "?password=", Server().password())) {}
  std::string Query(const std::string& sql) {
    pqxx::nontransaction tx(conn_);
    const pqxx::result r = tx.exec(sql);
    return r.empty() || r[0][0].is_null() ? "" : r[0][0].as<std::string>();
  }
  pqxx::connection& conn() { return conn_; }

 private:
  pqxx::connection conn_;
};

Requester Customer(const std::string& id) { return {id, ""}; }

TEST_CASE("PostgreSQL: migrations run once, also when replicas start together", "[orders][pg]") {
  const PostgresOrderStoreOptions o = FreshDatabase();
  constexpr int kReplicas = 4;
  absl::Barrier* start = new absl::Barrier(kReplicas);
  std::vector<absl::Status> results(kReplicas);
  std::vector<std::thread> threads;
  for (int i = 0; i < kReplicas; ++i) {
    threads.emplace_back([&, i] {
      if (start->Block()) delete start;
      results[i] = PostgresOrderStore::Open(o).status();
    });
  }
  for (std::thread& t : threads) t.join();
  for (const absl::Status& s : results) CHECK(s.ok());
  Raw raw(o);
  CHECK(raw.Query("SELECT count(*) FROM schema_migrations") ==
        std::to_string(PostgresOrderStore::SchemaVersion()));
  CHECK(raw.Query("SELECT max(version) FROM schema_migrations") ==
        std::to_string(PostgresOrderStore::SchemaVersion()));
  CHECK(raw.Query("SELECT string_agg(table_name, ',' ORDER BY table_name) FROM "
                  "information_schema.tables WHERE table_schema = 'public'") ==
        "order_events,order_items,orders,schema_migrations");

  // Seeding from every replica is idempotent.
  OpenSeeded(o);
  OpenSeeded(o);
  CHECK(raw.Query("SELECT count(*) FROM orders") == "32");
  CHECK(raw.Query("SELECT count(*) FROM order_items") == "33");

  // A database migrated by a newer binary is refused, naming both versions.
  raw.Query("INSERT INTO schema_migrations (version, description) VALUES (99, 'future')");
  auto newer = PostgresOrderStore::Open(o);
  CHECK(absl::IsFailedPrecondition(newer.status()));
  CHECK(absl::StrContains(newer.status().message(), "schema version 99"));
}

TEST_CASE("PostgreSQL: the password comes from a file, never from the URL", "[orders][pg]") {
  PostgresOrderStoreOptions o = FreshDatabase();
  PostgresOrderStoreOptions in_url = o;
  in_url.url = absl::StrCat(o.url, "?password=", Server().password());
  auto refused = PostgresOrderStore::Open(in_url);
  CHECK(absl::IsInvalidArgument(refused.status()));
  CHECK(absl::StrContains(refused.status().message(), "--orders_db_password_file"));
  CHECK_FALSE(absl::StrContains(refused.status().message(), Server().password()));

  PostgresOrderStoreOptions missing = o;
  missing.password_file = "/nonexistent/password";
  CHECK(absl::IsInvalidArgument(PostgresOrderStore::Open(missing).status()));

  // A wrong password is the database refusing us: UNAVAILABLE (an operator fixes the Secret).
  const std::string wrong_file = Server().password_file() + ".wrong";
  std::ofstream(wrong_file) << "not-the-password\n";
  PostgresOrderStoreOptions wrong = o;
  wrong.password_file = wrong_file;
  auto denied = PostgresOrderStore::Open(wrong);
  CHECK(absl::IsUnavailable(denied.status()));
  CHECK(absl::StrContains(denied.status().message(), "password authentication failed"));

  PostgresOrderStoreOptions bad_url = o;
  bad_url.url = "postgresql://[::1";
  CHECK(absl::IsInvalidArgument(PostgresOrderStore::Open(bad_url).status()));
  CHECK(PostgresOrderStore::IsPostgresUrl("postgresql://bot@db/shop"));
  CHECK(PostgresOrderStore::IsPostgresUrl("postgres://bot@db/shop"));
  CHECK_FALSE(PostgresOrderStore::IsPostgresUrl("build/orders.db"));
}

TEST_CASE("PostgreSQL: a restart or crash of the server is UNAVAILABLE, then served again",
          "[orders][pg]") {
  const PostgresOrderStoreOptions o = FreshDatabase();
  auto store = OpenSeeded(o);
  REQUIRE(store->CancelOrder(kPlaced, Customer("cust-1001"), "before").ok());
  // Every pooled connection predates the restart: the next call still succeeds.
  REQUIRE(Server().Restart().ok());
  CHECK(store->GetOrder(kPlaced)->status == OrderStatus::kCancelled);

  Server().Kill();
  auto during = store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "during");
  CHECK(absl::IsUnavailable(during.status()));
  CHECK(absl::IsUnavailable(store->GetOrder(kPlaced).status()));
  REQUIRE(Server().Restart().ok());
  // Nothing acknowledged was lost, nothing refused was applied, and the same store goes on.
  CHECK(store->History(kPlaced)->size() == 1);
  CHECK(store->History(kPaymentConfirmed)->empty());
  CHECK(store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "after").ok());
}

TEST_CASE("PostgreSQL: an order locked elsewhere is UNAVAILABLE after the lock timeout",
          "[orders][pg]") {
  PostgresOrderStoreOptions o = FreshDatabase();
  o.lock_timeout = absl::Milliseconds(200);
  auto store = OpenSeeded(o);
  Raw raw(o);
  {
    pqxx::work holder(raw.conn());
    holder.exec("SELECT 1 FROM orders WHERE id = 'ORD-35032582' FOR UPDATE");
    const absl::Time start = absl::Now();
    auto cancel = store->CancelOrder(kPlaced, Customer("cust-1001"), "s");
    CHECK(absl::IsUnavailable(cancel.status()));
    CHECK(absl::Now() - start < absl::Seconds(3));
    CHECK(store->GetOrder(kPlaced)->status == OrderStatus::kPlaced);  // readers do not wait
  }                                                                   // the holder rolls back
  CHECK(store->History(kPlaced)->empty());
  CHECK(store->CancelOrder(kPlaced, Customer("cust-1001"), "s").ok());
}

TEST_CASE("PostgreSQL: a failing audit insert rolls the whole change back", "[orders][pg]") {
  const PostgresOrderStoreOptions o = FreshDatabase();
  auto store = OpenSeeded(o);
  Raw raw(o);
  raw.Query(
      "CREATE FUNCTION audit_down() RETURNS trigger LANGUAGE plpgsql AS "
      "$$ BEGIN RAISE EXCEPTION 'audit log unavailable'; END $$");
  raw.Query(
      "CREATE TRIGGER audit_down BEFORE INSERT ON order_events "
      "FOR EACH ROW EXECUTE FUNCTION audit_down()");
  auto cancel = store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "s");
  CHECK(absl::IsInternal(cancel.status()));
  CHECK(absl::StrContains(cancel.status().message(), "audit log unavailable"));
  CHECK(raw.Query("SELECT status || '|' || ship_street FROM orders WHERE id = 'ORD-36480894'") ==
        "payment_confirmed|8 rue des Lilas");
  CHECK(raw.Query("SELECT count(*) FROM order_events") == "0");
  raw.Query("DROP TRIGGER audit_down ON order_events");
  CHECK(store->CancelOrder(kPaymentConfirmed, Customer("cust-1002"), "s").ok());
}

TEST_CASE("PostgreSQL: a pool of one serves many threads, one call at a time", "[orders][pg]") {
  PostgresOrderStoreOptions o = FreshDatabase();
  o.pool_size = 1;
  auto store = OpenSeeded(o);
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 20; ++j) ok += store->GetOrder(kPlaced).ok();
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(ok == 160);
  Raw raw(o);
  // This database's connections: the store's one and the raw one.
  CHECK(raw.Query("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()") ==
        "2");
}

}  // namespace
}  // namespace shop::supportbot
