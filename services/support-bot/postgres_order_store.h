// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// OrderStore on a PostgreSQL server (15; libpqxx), for deployments with several bot
// replicas: a real shop's orders live in a database server, and SQLite's single writer ties
// the bot to one pod.
//
// Schema: the SQLite store's tables (sqlite_order_store.h) with PostgreSQL types
// (timestamptz, date, bigserial audit ids), created by versioned migrations that every
// replica applies at start in one transaction under an advisory lock (schema_migrations
// records each; a database newer than the binary is refused).
//
// A change runs in one READ COMMITTED transaction that reads the order SELECT ... FOR UPDATE:
// the row lock serializes conflicting changes from every replica, and the second one reads
// the first one's result after it commits, so of two concurrent cancels exactly one succeeds.
// Serialization failures and deadlocks are retried inside (a few attempts); a connection lost
// before the commit is retried once on a fresh connection (nothing was committed). Lost
// connections that retrying does not cure are UNAVAILABLE; a connection lost during COMMIT
// is UNAVAILABLE saying the outcome is unknown (the history tells).
//
// Connections come from a bounded pool (opened on demand, a broken one dropped); a call
// that finds every connection busy for `pool_wait` is UNAVAILABLE.
#ifndef SHOP_SERVICES_SUPPORT_BOT_POSTGRES_ORDER_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_POSTGRES_ORDER_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "services/support-bot/order_store.h"

namespace pqxx {
class dbtransaction;  // (pqxx::connection is an alias in libpqxx 6: not declared here)
}  // namespace pqxx

namespace shop::supportbot {

struct PostgresOrderStoreOptions {
  // "postgresql://user@host:port/database?sslmode=verify-full" or key=value form, without a
  // password (refused: it would show in the process list and the pod spec).
  std::string url;
  // A file holding the password (a mounted Kubernetes Secret); empty = none (trust, peer or
  // certificate authentication). Surrounding whitespace is ignored.
  std::string password_file;
  int pool_size = 8;
  absl::Duration pool_wait = absl::Seconds(2);
  absl::Duration connect_timeout = absl::Seconds(5);
  // A change waits at most this long for another's row lock, and any statement runs at most
  // `statement_timeout`; then the call is UNAVAILABLE and nothing changed (a stuck session
  // or an operator's open transaction must not hang the bot's threads).
  absl::Duration lock_timeout = absl::Seconds(5);
  absl::Duration statement_timeout = absl::Seconds(10);
  // Attempts of a change that hits a serialization failure or a deadlock.
  int max_attempts = 5;
  OrderIdFormat order_ids;
};

class PostgresOrderStore : public TransactionalOrderStore {
 public:
  // True for URLs that name a PostgreSQL server (postgresql:// or postgres://): the bot's
  // --orders_db picks this store for them and SQLite for a file path.
  static bool IsPostgresUrl(absl::string_view url);

  // Connects, applies missing migrations and keeps the connection in the pool.
  // INVALID_ARGUMENT for a URL with a password or an unreadable password file's path;
  // UNAVAILABLE when the server cannot be reached; FAILED_PRECONDITION for a newer schema.
  static absl::StatusOr<std::unique_ptr<PostgresOrderStore>> Open(
      const PostgresOrderStoreOptions& options);

  ~PostgresOrderStore() override;
  PostgresOrderStore(const PostgresOrderStore&) = delete;
  PostgresOrderStore& operator=(const PostgresOrderStore&) = delete;

  // Inserts the demo orders of the file `path` for `today` (LoadDemoOrders, demo_orders.h)
  // in one transaction; orders that exist already are left as they are (ON CONFLICT DO
  // NOTHING), so every replica may seed at start.
  absl::Status SeedDemoData(const std::string& path, absl::CivilDay today);

  // The schema version this binary migrates to (the newest migration).
  static int SchemaVersion();

  absl::StatusOr<Order> GetOrder(absl::string_view order_id) override;
  absl::StatusOr<std::vector<OrderEvent>> History(absl::string_view order_id) override;
  absl::StatusOr<std::vector<Order>> ListCustomerOrders(absl::string_view customer_id,
                                                        int limit) override;

 private:
  class Pool;
  // Runs `body` in one transaction on a pooled connection, committing when it returns OK;
  // retries as the header comment says. `writes`: the body changes data (a lost COMMIT then
  // has an unknown outcome).
  using Body = std::function<absl::Status(pqxx::dbtransaction&)>;
  absl::Status InTransaction(absl::string_view what, bool writes, const Body& body);
  // In one transaction: the order under its row lock and its history, PrepareChange, the
  // update and the audit row.
  absl::StatusOr<ChangeResult> ApplyChange(absl::string_view order_id, const Requester& requester,
                                           absl::string_view session_ref,
                                           const PendingChange& change) override;

  PostgresOrderStore(std::unique_ptr<Pool> pool, const PostgresOrderStoreOptions& options);

  std::unique_ptr<Pool> pool_;
  const int max_attempts_;
  const OrderIdNormalizer order_ids_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_POSTGRES_ORDER_STORE_H_
