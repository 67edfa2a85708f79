// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// OrderStore on an embedded SQLite database file.
//
// Schema (versioned migrations applied on Open, PRAGMA user_version = the version):
//   orders(id TEXT PRIMARY KEY "ORD-########", customer_id, email, status, shipping_method,
//          carrier, tracking_number, expected_delivery "YYYY-MM-DD", ship_name, ship_street,
//          ship_postcode, ship_city, ship_country, created_at, updated_at)
//   order_items(order_id -> orders, position, name, quantity, unit_price_minor, currency)
//   order_events(id INTEGER PRIMARY KEY AUTOINCREMENT, order_id -> orders, at, action,
//                old_value, new_value, actor, session_ref): the audit log, append-only.
// Times are RFC 3339 in UTC. The destination country is ship_country.
//
// Each change runs in one BEGIN IMMEDIATE transaction that re-reads the order, checks
// access and state, updates the order and inserts its audit row; any failure rolls the
// whole transaction back. BEGIN IMMEDIATE takes the database's write lock before the
// read, so two writers (threads of one store, or other processes on the same file) cannot
// both see a changeable order and both change it: the second waits (busy timeout) and
// then sees the first one's result.
//
// The database runs in WAL mode (readers do not block the writer) with foreign keys on.
// One store holds one connection, guarded by a mutex: calls on one store run one at a
// time, which is plenty for a chat bot (each call takes well under a millisecond).
#ifndef SHOP_SERVICES_SUPPORT_BOT_SQLITE_ORDER_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_SQLITE_ORDER_STORE_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/support-bot/order_store.h"

struct sqlite3;

namespace shop::supportbot {

struct SqliteOrderStoreOptions {
  // How long a call waits for another connection's write lock before it fails with
  // UNAVAILABLE.
  absl::Duration busy_timeout = absl::Seconds(5);
  // What this shop's order numbers look like (Open refuses an invalid one).
  OrderIdFormat order_ids;
};

class SqliteOrderStore : public TransactionalOrderStore {
 public:
  // Opens (creating if missing) the database file at `path` and creates the schema if it
  // is missing. ":memory:" gives a private in-memory database (tests). UNAVAILABLE when
  // the file cannot be opened; FAILED_PRECONDITION when it holds a newer schema version.
  static absl::StatusOr<std::unique_ptr<SqliteOrderStore>> Open(
      const std::string& path, const SqliteOrderStoreOptions& options = {});

  ~SqliteOrderStore() override;
  SqliteOrderStore(const SqliteOrderStore&) = delete;
  SqliteOrderStore& operator=(const SqliteOrderStore&) = delete;

  // Inserts the demo orders of the file `path` for `today` (LoadDemoOrders, demo_orders.h)
  // in one transaction (FAILED_PRECONDITION when the store's order id format is not the
  // demo's default). Idempotent: orders that exist already, including demo orders changed
  // since, are left as they are (INSERT OR IGNORE), so re-seeding on every start keeps
  // earlier changes and their dates.
  absl::Status SeedDemoData(const std::string& path, absl::CivilDay today) ABSL_LOCKS_EXCLUDED(mu_);
  // The same with today's date in UTC.
  absl::Status SeedDemoData(const std::string& path) ABSL_LOCKS_EXCLUDED(mu_);

  absl::StatusOr<Order> GetOrder(absl::string_view order_id) override ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<OrderEvent>> History(absl::string_view order_id) override
      ABSL_LOCKS_EXCLUDED(mu_);
  absl::StatusOr<std::vector<Order>> ListCustomerOrders(absl::string_view customer_id,
                                                        int limit) override
      ABSL_LOCKS_EXCLUDED(mu_);

 private:
  SqliteOrderStore(sqlite3* db, OrderIdFormat order_ids) : db_(db), order_ids_(order_ids) {}
  // In one BEGIN IMMEDIATE transaction: load the order and its history, PrepareChange,
  // write the update and the audit row.
  absl::StatusOr<ChangeResult> ApplyChange(absl::string_view order_id, const Requester& requester,
                                           absl::string_view session_ref,
                                           const PendingChange& change) override
      ABSL_LOCKS_EXCLUDED(mu_);

  absl::Status InitSchema() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::Status InsertOrder(const Order& order) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<Order> LoadOrder(const std::string& id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::vector<OrderEvent>> LoadEvents(const std::string& id)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  absl::Mutex mu_;
  sqlite3* const db_ ABSL_PT_GUARDED_BY(mu_);
  const OrderIdNormalizer order_ids_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_SQLITE_ORDER_STORE_H_
