// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/sqlite_order_store.h"

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/country_codes.h"
#include "common/server/error_details.h"
#include "services/support-bot/demo_orders.h"

namespace shop::supportbot {
namespace {

// Fixed width (microseconds, "+00:00"), so that the text sorts in time order.
constexpr char kTimeFormat[] = "%Y-%m-%d%ET%H:%M:%E6S%Ez";

std::string ToStoredTime(absl::Time t) {
  return absl::FormatTime(kTimeFormat, t, absl::UTCTimeZone());
}

absl::Status ParseStoredTime(const std::string& text, absl::Time* t) {
  std::string error;
  if (!absl::ParseTime(kTimeFormat, text, absl::UTCTimeZone(), t, &error)) {
    return absl::InternalError(absl::StrCat("order database: bad time \"", text, "\": ", error));
  }
  return absl::OkStatus();
}

// Busy, locked or I/O trouble may pass: UNAVAILABLE, the caller may retry. Anything else
// (constraint, corruption, misuse, a read-only file) is INTERNAL.
absl::Status DbError(sqlite3* db, int rc, absl::string_view what) {
  const std::string message =
      absl::StrCat("order database: ", what, ": ", db != nullptr ? sqlite3_errmsg(db) : "", " (",
                   sqlite3_errstr(rc), ", code ", rc, ")");
  switch (rc & 0xFF) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_PROTOCOL:
    case SQLITE_NOMEM:
      return absl::UnavailableError(message);
    default:
      return absl::InternalError(message);
  }
}

// A prepared statement, finalized on destruction.
class Statement {
 public:
  static absl::StatusOr<Statement> Prepare(sqlite3* db, absl::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return DbError(db, rc, "prepare");
    }
    return Statement(db, stmt);
  }

  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(std::exchange(other.stmt_, nullptr)), bind_rc_(other.bind_rc_) {}
  Statement& operator=(Statement&&) = delete;
  ~Statement() { sqlite3_finalize(stmt_); }

  // Parameters are numbered from 1. A failed bind is reported by the next Step.
  Statement& Bind(int index, absl::string_view value) {
    Check(sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()),
                            SQLITE_TRANSIENT));
    return *this;
  }
  Statement& Bind(int index, int64_t value) {
    Check(sqlite3_bind_int64(stmt_, index, value));
    return *this;
  }

  // True when a row is ready, false when the statement is done.
  absl::StatusOr<bool> Step() {
    if (bind_rc_ != SQLITE_OK) return DbError(db_, bind_rc_, "bind");
    const int rc = sqlite3_step(stmt_);
    if (rc == SQLITE_ROW) return true;
    if (rc == SQLITE_DONE) return false;
    return DbError(db_, rc, "step");
  }

  // Runs a statement that returns no rows.
  absl::Status Run() {
    absl::StatusOr<bool> row = Step();
    if (!row.ok()) return row.status();
    if (*row) return absl::InternalError("order database: statement returned a row");
    return absl::OkStatus();
  }

  // Columns are numbered from 0.
  std::string Text(int column) const {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
    return text == nullptr ? std::string() : std::string(text, sqlite3_column_bytes(stmt_, column));
  }
  int64_t Int(int column) const { return sqlite3_column_int64(stmt_, column); }

 private:
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  void Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
  }

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int bind_rc_ = SQLITE_OK;
};

absl::Status Exec(sqlite3* db, const char* sql) {
  char* error = nullptr;
  const int rc = sqlite3_exec(db, sql, nullptr, nullptr, &error);
  sqlite3_free(error);  // sqlite3_errmsg still has it
  return rc == SQLITE_OK ? absl::OkStatus() : DbError(db, rc, sql);
}

// A transaction that rolls back on destruction unless committed.
class Transaction {
 public:
  enum class Kind { kRead, kWrite };

  // kWrite takes the write lock at once (BEGIN IMMEDIATE), waiting up to the busy timeout.
  static absl::StatusOr<Transaction> Begin(sqlite3* db, Kind kind) {
    absl::Status s = Exec(db, kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!s.ok()) return s;
    return Transaction(db);
  }

  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction() {
    // SQLite may already have rolled back by itself (after SQLITE_FULL, IOERR, ...).
    if (db_ != nullptr && !sqlite3_get_autocommit(db_)) {
      sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
    }
  }

  absl::Status Commit() {
    absl::Status s = Exec(db_, "COMMIT");
    if (s.ok()) db_ = nullptr;
    return s;
  }

 private:
  explicit Transaction(sqlite3* db) : db_(db) {}
  sqlite3* db_;
};

constexpr char kSchemaV1[] = R"sql(
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY
      CHECK (id GLOB 'ORD-[0-9][0-9][0-9][0-9][0-9][0-9][0-9][0-9]'),
  customer_id TEXT NOT NULL DEFAULT '',
  email TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('placed', 'payment_confirmed', 'processing',
      'on_hold', 'shipped', 'in_transit', 'at_customs', 'out_for_delivery', 'delivered',
      'cancelled')),
  shipping_method TEXT NOT NULL CHECK (shipping_method IN ('standard', 'express')),
  carrier TEXT NOT NULL,
  tracking_number TEXT NOT NULL DEFAULT '',
  expected_delivery TEXT NOT NULL,
  ship_name TEXT NOT NULL,
  ship_street TEXT NOT NULL,
  ship_postcode TEXT NOT NULL,
  ship_city TEXT NOT NULL,
  ship_country TEXT NOT NULL CHECK (length(ship_country) = 2),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS orders_by_customer ON orders (customer_id, created_at);
CREATE TABLE IF NOT EXISTS order_items (
  order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position INTEGER NOT NULL,
  name TEXT NOT NULL,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor >= 0),
  currency TEXT NOT NULL CHECK (length(currency) = 3),
  PRIMARY KEY (order_id, position)
) STRICT;
CREATE TABLE IF NOT EXISTS order_events (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  order_id TEXT NOT NULL REFERENCES orders (id),
  at TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('cancel_order', 'change_shipping_address')),
  old_value TEXT NOT NULL,
  new_value TEXT NOT NULL,
  actor TEXT NOT NULL,
  session_ref TEXT NOT NULL
) STRICT;
CREATE INDEX IF NOT EXISTS order_events_by_order ON order_events (order_id, id);
)sql";

// The schema's versions, oldest first: each entry takes a database from the previous
// version to its own (PRAGMA user_version records where a file stands). A new version is
// a new entry; an old one never changes, since databases in the field went through it.
struct Migration {
  int version;
  const char* sql;
};
constexpr Migration kMigrations[] = {{1, kSchemaV1}};
constexpr int kSchemaVersion = std::end(kMigrations)[-1].version;

constexpr char kSelectOrder[] =
    "SELECT id, customer_id, email, status, shipping_method, carrier, tracking_number, "
    "expected_delivery, ship_name, ship_street, ship_postcode, ship_city, ship_country, "
    "created_at, updated_at FROM orders WHERE id = ?1";

}  // namespace

absl::StatusOr<std::unique_ptr<SqliteOrderStore>> SqliteOrderStore::Open(
    const std::string& path, const SqliteOrderStoreOptions& options) {
  if (absl::Status s = options.order_ids.Validate(); !s.ok()) return s;
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    absl::Status s = DbError(db, rc, absl::StrCat("open \"", path, "\""));
    sqlite3_close(db);
    return s;
  }
  std::unique_ptr<SqliteOrderStore> store(new SqliteOrderStore(db, options.order_ids));
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, static_cast<int>(absl::ToInt64Milliseconds(options.busy_timeout)));
  absl::MutexLock lock(&store->mu_);
  absl::Status s = store->InitSchema();
  if (!s.ok()) return s;
  return store;
}

SqliteOrderStore::~SqliteOrderStore() { sqlite3_close(db_); }

absl::Status SqliteOrderStore::InitSchema() {
  // WAL: readers never block the writer and vice versa. (":memory:" stays "memory".)
  absl::Status s = Exec(db_, "PRAGMA journal_mode = WAL");
  if (!s.ok()) return s;
  s = Exec(db_, "PRAGMA foreign_keys = ON");
  if (!s.ok()) return s;

  absl::StatusOr<Transaction> tx = Transaction::Begin(db_, Transaction::Kind::kWrite);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Statement> version = Statement::Prepare(db_, "PRAGMA user_version");
  if (!version.ok()) return version.status();
  absl::StatusOr<bool> row = version->Step();
  if (!row.ok()) return row.status();
  const int64_t found = *row ? version->Int(0) : 0;
  if (found > kSchemaVersion) {
    return absl::FailedPreconditionError(absl::StrCat(
        "order database has schema version ", found, "; this binary knows up to ", kSchemaVersion));
  }
  for (const Migration& m : kMigrations) {
    if (m.version <= found) continue;
    s = Exec(db_, m.sql);
    if (!s.ok()) return s;
    s = Exec(db_, absl::StrCat("PRAGMA user_version = ", m.version).c_str());
    if (!s.ok()) return s;
  }
  return tx->Commit();
}

absl::StatusOr<Order> SqliteOrderStore::LoadOrder(const std::string& id) {
  absl::StatusOr<Statement> q = Statement::Prepare(db_, kSelectOrder);
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  absl::StatusOr<bool> row = q->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return WithReason(absl::NotFoundError(absl::StrCat("no order ", id)), "ORDER_NOT_FOUND");
  }

  Order o;
  o.id = q->Text(0);
  o.customer_id = q->Text(1);
  o.email = q->Text(2);
  const std::string status = q->Text(3);
  const std::optional<OrderStatus> parsed = ParseOrderStatus(status);
  if (!parsed) {
    return absl::InternalError(
        absl::StrCat("order database: order ", id, " has unknown status \"", status, "\""));
  }
  o.status = *parsed;
  o.shipping_method = q->Text(4);
  o.carrier = q->Text(5);
  o.tracking_number = q->Text(6);
  const std::string expected = q->Text(7);
  if (!absl::ParseCivilTime(expected, &o.expected_delivery)) {
    return absl::InternalError(absl::StrCat("order database: order ", id,
                                            " has a bad expected_delivery \"", expected, "\""));
  }
  o.shipping_address = {q->Text(8), q->Text(9), q->Text(10), q->Text(11), q->Text(12)};
  o.destination_country = o.shipping_address.country;
  absl::Status s = ParseStoredTime(q->Text(13), &o.created);
  if (!s.ok()) return s;
  s = ParseStoredTime(q->Text(14), &o.updated);
  if (!s.ok()) return s;

  absl::StatusOr<Statement> items =
      Statement::Prepare(db_,
                         "SELECT name, quantity, unit_price_minor, currency FROM order_items "
                         "WHERE order_id = ?1 ORDER BY position");
  if (!items.ok()) return items.status();
  items->Bind(1, id);
  while (true) {
    absl::StatusOr<bool> item = items->Step();
    if (!item.ok()) return item.status();
    if (!*item) break;
    o.items.push_back(
        {items->Text(0), static_cast<int>(items->Int(1)), items->Int(2), items->Text(3)});
  }
  return o;
}

absl::StatusOr<std::vector<OrderEvent>> SqliteOrderStore::LoadEvents(const std::string& id) {
  absl::StatusOr<Statement> q = Statement::Prepare(
      db_,
      "SELECT id, order_id, at, action, old_value, new_value, actor, session_ref "
      "FROM order_events WHERE order_id = ?1 ORDER BY id");
  if (!q.ok()) return q.status();
  q->Bind(1, id);
  std::vector<OrderEvent> events;
  while (true) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    OrderEvent e;
    e.id = q->Int(0);
    e.order_id = q->Text(1);
    absl::Status s = ParseStoredTime(q->Text(2), &e.at);
    if (!s.ok()) return s;
    const std::string action = q->Text(3);
    const std::optional<OrderChange> change = ParseOrderChange(action);
    if (!change) {
      return absl::InternalError(
          absl::StrCat("order database: event ", e.id, " has unknown action \"", action, "\""));
    }
    e.change = *change;
    e.old_value = q->Text(4);
    e.new_value = q->Text(5);
    e.actor = q->Text(6);
    e.session_ref = q->Text(7);
    events.push_back(std::move(e));
  }
  return events;
}

absl::StatusOr<Order> SqliteOrderStore::GetOrder(absl::string_view order_id) {
  absl::StatusOr<std::string> id = order_ids_.Canonical(order_id);
  if (!id.ok()) return id.status();
  absl::MutexLock lock(&mu_);
  // One read transaction: the order and its items from the same snapshot.
  absl::StatusOr<Transaction> tx = Transaction::Begin(db_, Transaction::Kind::kRead);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Order> order = LoadOrder(*id);
  if (!order.ok()) return order.status();
  absl::Status s = tx->Commit();
  if (!s.ok()) return s;
  return order;
}

absl::StatusOr<std::vector<OrderEvent>> SqliteOrderStore::History(absl::string_view order_id) {
  absl::StatusOr<std::string> id = order_ids_.Canonical(order_id);
  if (!id.ok()) return id.status();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Transaction> tx = Transaction::Begin(db_, Transaction::Kind::kRead);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Statement> exists = Statement::Prepare(db_, "SELECT 1 FROM orders WHERE id = ?1");
  if (!exists.ok()) return exists.status();
  exists->Bind(1, *id);
  absl::StatusOr<bool> row = exists->Step();
  if (!row.ok()) return row.status();
  if (!*row) {
    return WithReason(absl::NotFoundError(absl::StrCat("no order ", *id)), "ORDER_NOT_FOUND");
  }
  absl::StatusOr<std::vector<OrderEvent>> events = LoadEvents(*id);
  if (!events.ok()) return events.status();
  absl::Status s = tx->Commit();
  if (!s.ok()) return s;
  return events;
}

absl::StatusOr<std::vector<Order>> SqliteOrderStore::ListCustomerOrders(
    absl::string_view customer_id, int limit) {
  if (customer_id.empty()) return absl::InvalidArgumentError("customer id is empty");
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Transaction> tx = Transaction::Begin(db_, Transaction::Kind::kRead);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Statement> q = Statement::Prepare(
      db_,
      "SELECT id FROM orders WHERE customer_id = ?1 ORDER BY created_at DESC, id DESC LIMIT ?2");
  if (!q.ok()) return q.status();
  q->Bind(1, customer_id).Bind(2, static_cast<int64_t>(std::max(limit, 0)));
  std::vector<std::string> ids;
  while (true) {
    absl::StatusOr<bool> row = q->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    ids.push_back(q->Text(0));
  }
  std::vector<Order> orders;
  for (const std::string& id : ids) {
    absl::StatusOr<Order> order = LoadOrder(id);
    if (!order.ok()) return order.status();
    orders.push_back(*std::move(order));
  }
  absl::Status s = tx->Commit();
  if (!s.ok()) return s;
  return orders;
}

absl::StatusOr<ChangeResult> SqliteOrderStore::ApplyChange(absl::string_view order_id,
                                                           const Requester& requester,
                                                           absl::string_view session_ref,
                                                           const PendingChange& change) {
  absl::StatusOr<std::string> id = order_ids_.Canonical(order_id);
  if (!id.ok()) return id.status();
  absl::MutexLock lock(&mu_);
  // The write lock first, then the read: nobody can change the order between our check
  // and our update.
  absl::StatusOr<Transaction> tx = Transaction::Begin(db_, Transaction::Kind::kWrite);
  if (!tx.ok()) return tx.status();
  absl::StatusOr<Order> loaded = LoadOrder(*id);
  if (!loaded.ok()) return loaded.status();
  absl::StatusOr<std::vector<OrderEvent>> history = LoadEvents(*id);
  if (!history.ok()) return history.status();
  const OrderStatus old_status = loaded->status;
  absl::StatusOr<PreparedChange> prepared =
      PrepareChange(*std::move(loaded), *history, requester, session_ref, change, absl::Now());
  if (!prepared.ok()) return prepared.status();
  if (prepared->recorded) return ChangeResult{std::move(prepared->order), prepared->event};
  Order& order = prepared->order;
  OrderEvent& event = prepared->event;

  absl::StatusOr<Statement> update = Statement::Prepare(
      db_,
      "UPDATE orders SET status = ?2, ship_name = ?3, ship_street = ?4, ship_postcode = ?5, "
      "ship_city = ?6, ship_country = ?7, updated_at = ?8 WHERE id = ?1 AND status = ?9");
  if (!update.ok()) return update.status();
  const Address& a = order.shipping_address;
  update->Bind(1, order.id)
      .Bind(2, OrderStatusName(order.status))
      .Bind(3, a.name)
      .Bind(4, a.street)
      .Bind(5, a.postcode)
      .Bind(6, a.city)
      .Bind(7, a.country)
      .Bind(8, ToStoredTime(order.updated))
      .Bind(9, OrderStatusName(old_status));
  absl::Status s = update->Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) != 1) {
    return absl::InternalError(
        absl::StrCat("order database: order ", order.id, " changed under a write transaction"));
  }

  absl::StatusOr<Statement> insert = Statement::Prepare(
      db_,
      "INSERT INTO order_events (order_id, at, action, old_value, new_value, actor, session_ref) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)");
  if (!insert.ok()) return insert.status();
  insert->Bind(1, event.order_id)
      .Bind(2, ToStoredTime(event.at))
      .Bind(3, OrderChangeName(event.change))
      .Bind(4, event.old_value)
      .Bind(5, event.new_value)
      .Bind(6, event.actor)
      .Bind(7, event.session_ref);
  s = insert->Run();
  if (!s.ok()) return s;
  event.id = sqlite3_last_insert_rowid(db_);

  s = tx->Commit();
  if (!s.ok()) return s;
  return ChangeResult{std::move(order), std::move(event)};
}

absl::Status SqliteOrderStore::InsertOrder(const Order& o) {
  absl::StatusOr<Statement> q = Statement::Prepare(
      db_,
      "INSERT OR IGNORE INTO orders (id, customer_id, email, status, shipping_method, carrier, "
      "tracking_number, expected_delivery, ship_name, ship_street, ship_postcode, ship_city, "
      "ship_country, created_at, updated_at) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)");
  if (!q.ok()) return q.status();
  const Address& a = o.shipping_address;
  q->Bind(1, o.id)
      .Bind(2, o.customer_id)
      .Bind(3, o.email)
      .Bind(4, OrderStatusName(o.status))
      .Bind(5, o.shipping_method)
      .Bind(6, o.carrier)
      .Bind(7, o.tracking_number)
      .Bind(8, absl::FormatCivilTime(o.expected_delivery))
      .Bind(9, a.name)
      .Bind(10, a.street)
      .Bind(11, a.postcode)
      .Bind(12, a.city)
      .Bind(13, a.country)
      .Bind(14, ToStoredTime(o.created))
      .Bind(15, ToStoredTime(o.updated));
  absl::Status s = q->Run();
  if (!s.ok()) return s;
  if (sqlite3_changes(db_) == 0) return absl::OkStatus();  // there already: keep it as it is

  for (size_t i = 0; i < o.items.size(); ++i) {
    const OrderItem& item = o.items[i];
    absl::StatusOr<Statement> insert = Statement::Prepare(
        db_,
        "INSERT INTO order_items (order_id, position, name, quantity, unit_price_minor, "
        "currency) VALUES (?1, ?2, ?3, ?4, ?5, ?6)");
    if (!insert.ok()) return insert.status();
    insert->Bind(1, o.id)
        .Bind(2, static_cast<int64_t>(i))
        .Bind(3, item.name)
        .Bind(4, static_cast<int64_t>(item.quantity))
        .Bind(5, item.unit_price_minor)
        .Bind(6, item.currency);
    s = insert->Run();
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status SqliteOrderStore::SeedDemoData(const std::string& path, absl::CivilDay today) {
  absl::StatusOr<std::vector<Order>> orders = DemoOrdersFor(path, order_ids_.format(), today);
  if (!orders.ok()) return orders.status();
  absl::MutexLock lock(&mu_);
  absl::StatusOr<Transaction> tx = Transaction::Begin(db_, Transaction::Kind::kWrite);
  if (!tx.ok()) return tx.status();
  for (const Order& order : *orders) {
    absl::Status s = InsertOrder(order);
    if (!s.ok()) return s;
  }
  return tx->Commit();
}

absl::Status SqliteOrderStore::SeedDemoData(const std::string& path) {
  return SeedDemoData(path, absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()));
}

}  // namespace shop::supportbot
