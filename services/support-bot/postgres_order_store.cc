// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/postgres_order_store.h"

#include <libpq-fe.h>

#include <fstream>
#include <optional>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/logging.h"
#include "common/server/error_details.h"
#include "pqxx/pqxx"
#include "services/support-bot/demo_orders.h"

namespace shop::supportbot {
namespace {

// One migration: applied once, in order, recorded in schema_migrations.
struct Migration {
  int version;
  const char* description;
  const char* sql;
};

const Migration kMigrations[] = {
    {1, "orders, order items and the audit log", R"sql(
CREATE TABLE orders (
  id text PRIMARY KEY,
  customer_id text NOT NULL DEFAULT '',
  email text NOT NULL,
  status text NOT NULL CHECK (status IN ('placed', 'payment_confirmed', 'processing',
      'on_hold', 'shipped', 'in_transit', 'at_customs', 'out_for_delivery', 'delivered',
      'cancelled')),
  shipping_method text NOT NULL CHECK (shipping_method IN ('standard', 'express')),
  carrier text NOT NULL,
  tracking_number text NOT NULL DEFAULT '',
  expected_delivery date NOT NULL,
  ship_name text NOT NULL,
  ship_street text NOT NULL,
  ship_postcode text NOT NULL,
  ship_city text NOT NULL,
  ship_country text NOT NULL CHECK (length(ship_country) = 2),
  created_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL
);
CREATE INDEX orders_by_customer ON orders (customer_id, created_at);
CREATE TABLE order_items (
  order_id text NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
  position integer NOT NULL,
  name text NOT NULL,
  quantity integer NOT NULL CHECK (quantity > 0),
  unit_price_minor bigint NOT NULL CHECK (unit_price_minor >= 0),
  currency text NOT NULL CHECK (length(currency) = 3),
  PRIMARY KEY (order_id, position)
);
CREATE TABLE order_events (
  id bigserial PRIMARY KEY,
  order_id text NOT NULL REFERENCES orders (id),
  at timestamptz NOT NULL,
  action text NOT NULL CHECK (action IN ('cancel_order', 'change_shipping_address')),
  old_value text NOT NULL,
  new_value text NOT NULL,
  actor text NOT NULL,
  session_ref text NOT NULL
);
CREATE INDEX order_events_by_order ON order_events (order_id, id);
)sql"},
};

// Any constant: replicas starting together take turns migrating.
constexpr int64_t kMigrationLock = 0x73686f702d6f72;  // "shop-or"

// Times travel as Unix microseconds (exact in both directions).
constexpr char kSelectOrder[] =
    "SELECT id, customer_id, email, status, shipping_method, carrier, tracking_number, "
    "to_char(expected_delivery, 'YYYY-MM-DD'), ship_name, ship_street, ship_postcode, "
    "ship_city, ship_country, (extract(epoch FROM created_at) * 1000000)::bigint, "
    "(extract(epoch FROM updated_at) * 1000000)::bigint FROM orders WHERE id = $1";
constexpr char kFromMicros[] = "(to_timestamp(0) + $%d::bigint * interval '1 microsecond')";

std::string FromMicros(int param) {
  return absl::StrReplaceAll(kFromMicros, {{"%d", absl::StrCat(param)}});
}

// What the database said, as a status: connection trouble and shutdowns may pass
// (UNAVAILABLE); anything else is a server fault (INTERNAL).
absl::Status SqlStatus(const std::string& sqlstate, absl::string_view message) {
  const std::string text = absl::StrCat("order database: ", message, " (SQLSTATE ", sqlstate, ")");
  const bool transient = absl::StartsWith(sqlstate, "08") ||   // connection exception
                         absl::StartsWith(sqlstate, "57P") ||  // shutdown, cannot connect now
                         absl::StartsWith(sqlstate, "53") ||   // insufficient resources
                         absl::StartsWith(sqlstate, "40") ||   // rollback (after our retries)
                         sqlstate == "55P03" ||                // lock not available (timeout)
                         sqlstate == "57014";                  // statement timeout
  return transient ? absl::UnavailableError(text) : absl::InternalError(text);
}

absl::Status Corrupt(absl::string_view what) {
  return absl::InternalError(absl::StrCat("order database: ", what));
}

// libpq's keyword=value form of `url` with the password and defaults added.
absl::StatusOr<std::string> ConnectionString(const PostgresOrderStoreOptions& o) {
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(o.url.c_str(), &error);
  if (parsed == nullptr) {
    std::string why(error != nullptr ? absl::StripAsciiWhitespace(error) : "out of memory");
    PQfreemem(error);
    return absl::InvalidArgumentError(absl::StrCat("--orders_db is not a PostgreSQL URL: ", why));
  }
  std::vector<std::pair<std::string, std::string>> params;
  bool has_password = false, has_timeout = false, has_name = false;
  for (PQconninfoOption* p = parsed; p->keyword != nullptr; ++p) {
    if (p->val == nullptr) continue;
    const std::string key = p->keyword;
    has_password |= key == "password";
    has_timeout |= key == "connect_timeout";
    has_name |= key == "application_name";
    params.emplace_back(key, p->val);
  }
  PQconninfoFree(parsed);
  if (has_password) {
    return absl::InvalidArgumentError(
        "--orders_db holds a password, which would show in the process list and the pod spec: "
        "remove it and pass --orders_db_password_file (a mounted Secret)");
  }
  if (!o.password_file.empty()) {
    std::ifstream in(o.password_file);
    if (!in) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read --orders_db_password_file ", o.password_file));
    }
    std::stringstream text;
    text << in.rdbuf();
    params.emplace_back("password", std::string(absl::StripAsciiWhitespace(text.str())));
  }
  if (!has_timeout) {
    params.emplace_back("connect_timeout", absl::StrCat(std::max<int64_t>(
                                               1, absl::ToInt64Seconds(o.connect_timeout))));
  }
  if (!has_name) params.emplace_back("application_name", "support-bot");
  std::string out;
  for (const auto& [key, value] : params) {
    // Single-quoted, with \ and ' escaped (libpq's keyword=value syntax).
    absl::StrAppend(&out, out.empty() ? "" : " ", key, "='",
                    absl::StrReplaceAll(value, {{"\\", "\\\\"}, {"'", "\\'"}}), "'");
  }
  return out;
}

Order OrderFromRow(const pqxx::row& r, absl::Status* status) {
  Order o;
  o.id = r[0].as<std::string>();
  o.customer_id = r[1].as<std::string>();
  o.email = r[2].as<std::string>();
  const std::string name = r[3].as<std::string>();
  if (std::optional<OrderStatus> s = ParseOrderStatus(name)) {
    o.status = *s;
  } else {
    *status = Corrupt(absl::StrCat("order ", o.id, " has unknown status \"", name, "\""));
  }
  o.shipping_method = r[4].as<std::string>();
  o.carrier = r[5].as<std::string>();
  o.tracking_number = r[6].as<std::string>();
  if (!absl::ParseCivilTime(r[7].as<std::string>(), &o.expected_delivery)) {
    *status = Corrupt(absl::StrCat("order ", o.id, " has a bad expected_delivery"));
  }
  o.shipping_address = {r[8].as<std::string>(), r[9].as<std::string>(), r[10].as<std::string>(),
                        r[11].as<std::string>(), r[12].as<std::string>()};
  o.destination_country = o.shipping_address.country;
  o.created = absl::FromUnixMicros(r[13].as<int64_t>());
  o.updated = absl::FromUnixMicros(r[14].as<int64_t>());
  return o;
}

// The order `id` with its items; FOR UPDATE locks its row until the transaction ends.
absl::StatusOr<Order> LoadOrder(pqxx::dbtransaction& tx, const std::string& id, bool for_update) {
  const pqxx::result r =
      tx.exec_params(for_update ? absl::StrCat(kSelectOrder, " FOR UPDATE") : kSelectOrder, id);
  if (r.empty()) {
    return WithReason(absl::NotFoundError(absl::StrCat("no order ", id)), "ORDER_NOT_FOUND");
  }
  absl::Status status;
  Order o = OrderFromRow(r[0], &status);
  if (!status.ok()) return status;
  for (const pqxx::row& item :
       tx.exec_params("SELECT name, quantity, unit_price_minor, currency FROM order_items "
                      "WHERE order_id = $1 ORDER BY position",
                      id)) {
    o.items.push_back({item[0].as<std::string>(), item[1].as<int>(), item[2].as<int64_t>(),
                       item[3].as<std::string>()});
  }
  return o;
}

// The audit rows of order `id`, oldest first.
absl::StatusOr<std::vector<OrderEvent>> LoadEvents(pqxx::dbtransaction& tx, const std::string& id) {
  std::vector<OrderEvent> events;
  for (const pqxx::row& r : tx.exec_params(
           "SELECT id, order_id, (extract(epoch FROM at) * 1000000)::bigint, action, old_value, "
           "new_value, actor, session_ref FROM order_events WHERE order_id = $1 ORDER BY id",
           id)) {
    OrderEvent e;
    e.id = r[0].as<int64_t>();
    e.order_id = r[1].as<std::string>();
    e.at = absl::FromUnixMicros(r[2].as<int64_t>());
    const std::string action = r[3].as<std::string>();
    const std::optional<OrderChange> change = ParseOrderChange(action);
    if (!change) {
      return Corrupt(absl::StrCat("event ", e.id, " has unknown action \"", action, "\""));
    }
    e.change = *change;
    e.old_value = r[4].as<std::string>();
    e.new_value = r[5].as<std::string>();
    e.actor = r[6].as<std::string>();
    e.session_ref = r[7].as<std::string>();
    events.push_back(std::move(e));
  }
  return events;
}

}  // namespace

// Up to `size` connections, opened when needed. Not a connection per call: a bot replica
// makes a few calls per turn, and PostgreSQL's connections are processes.
class PostgresOrderStore::Pool {
 public:
  // `session_sql` runs on every new connection (its settings).
  Pool(std::string conninfo, std::string session_sql, int size, absl::Duration wait)
      : conninfo_(std::move(conninfo)),
        session_sql_(std::move(session_sql)),
        size_(std::max(1, size)),
        wait_(wait) {}

  absl::StatusOr<std::unique_ptr<pqxx::connection>> Take() ABSL_LOCKS_EXCLUDED(mu_) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return !idle_.empty() || open_ < size_;
      };
      if (!mu_.AwaitWithTimeout(absl::Condition(&ready), wait_)) {
        return absl::UnavailableError(absl::StrCat(
            "order database: all ", size_, " connections busy for ", absl::FormatDuration(wait_)));
      }
      if (!idle_.empty()) {
        std::unique_ptr<pqxx::connection> c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
      ++open_;  // reserved; connecting happens outside the lock
    }
    try {
      auto c = std::make_unique<pqxx::connection>(conninfo_);
      pqxx::nontransaction(*c).exec0(session_sql_);
      return c;
    } catch (const std::exception& e) {
      absl::MutexLock lock(&mu_);
      --open_;
      return absl::UnavailableError(
          absl::StrCat("order database unreachable: ", absl::StripAsciiWhitespace(e.what())));
    }
  }

  // A connection back; `healthy` false drops it, and with it the idle ones, which a server
  // restart has broken as well.
  void Give(std::unique_ptr<pqxx::connection> c, bool healthy) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    if (healthy) {
      idle_.push_back(std::move(c));
      return;
    }
    open_ -= 1 + static_cast<int>(idle_.size());
    idle_.clear();
  }

 private:
  const std::string conninfo_;
  const std::string session_sql_;
  const int size_;
  const absl::Duration wait_;
  absl::Mutex mu_;
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
  int open_ ABSL_GUARDED_BY(mu_) = 0;  // idle + lent + being opened
};

PostgresOrderStore::PostgresOrderStore(std::unique_ptr<Pool> pool,
                                       const PostgresOrderStoreOptions& options)
    : pool_(std::move(pool)),
      max_attempts_(std::max(1, options.max_attempts)),
      order_ids_(options.order_ids) {}

PostgresOrderStore::~PostgresOrderStore() = default;

bool PostgresOrderStore::IsPostgresUrl(absl::string_view url) {
  return absl::StartsWith(url, "postgresql://") || absl::StartsWith(url, "postgres://");
}

int PostgresOrderStore::SchemaVersion() { return std::end(kMigrations)[-1].version; }

absl::StatusOr<std::unique_ptr<PostgresOrderStore>> PostgresOrderStore::Open(
    const PostgresOrderStoreOptions& options) {
  if (absl::Status s = options.order_ids.Validate(); !s.ok()) return s;
  absl::StatusOr<std::string> conninfo = ConnectionString(options);
  if (!conninfo.ok()) return conninfo.status();
  std::unique_ptr<PostgresOrderStore> store(new PostgresOrderStore(
      std::make_unique<Pool>(
          *conninfo,
          absl::StrCat(
              "SET lock_timeout = ", absl::ToInt64Milliseconds(options.lock_timeout),
              "; SET statement_timeout = ", absl::ToInt64Milliseconds(options.statement_timeout)),
          options.pool_size, options.pool_wait),
      options));
  absl::Status migrated = store->InTransaction("migrate", true, [](pqxx::dbtransaction& tx) {
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    tx.exec0(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, "
        "description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())");
    const int found =
        tx.exec1("SELECT coalesce(max(version), 0) FROM schema_migrations")[0].as<int>();
    if (found > SchemaVersion()) {
      return absl::FailedPreconditionError(absl::StrCat("order database has schema version ", found,
                                                        "; this binary knows up to ",
                                                        SchemaVersion()));
    }
    for (const Migration& m : kMigrations) {
      if (m.version <= found) continue;
      tx.exec0(m.sql);
      tx.exec_params0("INSERT INTO schema_migrations (version, description) VALUES ($1, $2)",
                      m.version, std::string(m.description));
      Log(LogLevel::kInfo, "order_db_migrated",
          {{"version", m.version}, {"description", absl::string_view(m.description)}});
    }
    return absl::OkStatus();
  });
  if (!migrated.ok()) return migrated;
  return store;
}

absl::Status PostgresOrderStore::InTransaction(absl::string_view what, bool writes,
                                               const Body& body) {
  bool reconnected = false;
  absl::Status last;
  for (int attempt = 1; attempt <= max_attempts_; ++attempt) {
    absl::StatusOr<std::unique_ptr<pqxx::connection>> conn = pool_->Take();
    if (!conn.ok()) return conn.status();
    bool healthy = true;
    bool retry = false;
    absl::Status result;
    bool committing = false;
    try {
      pqxx::work tx(**conn);
      result = body(tx);
      if (result.ok()) {
        committing = true;
        tx.commit();
      }  // else the transaction rolls back as it goes out of scope
    } catch (const pqxx::in_doubt_error& e) {
      healthy = false;
      result = absl::UnavailableError(
          absl::StrCat("order database: the connection broke during the commit of ", what,
                       "; the change may or may not have been made (the order's history tells): ",
                       absl::StripAsciiWhitespace(e.what())));
    } catch (const pqxx::broken_connection& e) {
      healthy = false;
      // Before the commit nothing was written: one more try on a fresh connection (the
      // pooled one may predate a server restart). A commit cut short is in doubt.
      retry = !reconnected && !(committing && writes);
      reconnected = true;
      result =
          committing && writes
              ? absl::UnavailableError(
                    absl::StrCat("order database: the connection broke during the commit of ", what,
                                 "; the change may or may not have been made (the order's history "
                                 "tells)"))
              : absl::UnavailableError(absl::StrCat("order database unreachable during ", what,
                                                    ": ", absl::StripAsciiWhitespace(e.what())));
    } catch (const pqxx::transaction_rollback& e) {
      // Serialization failure or deadlock: the transaction did nothing; run it again.
      retry = true;
      // (libpqxx 6 gives these no SQLSTATE: 40001 or 40P01.)
      result = SqlStatus("40001", absl::StrCat(what, ": ", absl::StripAsciiWhitespace(e.what())));
    } catch (const pqxx::sql_error& e) {
      result =
          SqlStatus(e.sqlstate(), absl::StrCat(what, ": ", absl::StripAsciiWhitespace(e.what())));
      // A server shutting down or a connection error: this connection is done for. (A lock
      // or statement timeout leaves it usable, and trying again would wait as long again.)
      if (absl::StartsWith(e.sqlstate(), "08") || absl::StartsWith(e.sqlstate(), "57P")) {
        healthy = false;
        retry = !reconnected && !committing;
        reconnected = true;
      }
    } catch (const std::exception& e) {
      result = Corrupt(absl::StrCat(what, ": ", absl::StripAsciiWhitespace(e.what())));
    }
    pool_->Give(*std::move(conn), healthy);
    if (!retry) return result;
    last = result;
  }
  return last;
}

absl::StatusOr<Order> PostgresOrderStore::GetOrder(absl::string_view order_id) {
  absl::StatusOr<std::string> id = order_ids_.Canonical(order_id);
  if (!id.ok()) return id.status();
  Order order;
  absl::Status s = InTransaction("GetOrder", false, [&](pqxx::dbtransaction& tx) {
    absl::StatusOr<Order> loaded = LoadOrder(tx, *id, /*for_update=*/false);
    if (!loaded.ok()) return loaded.status();
    order = *std::move(loaded);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return order;
}

absl::StatusOr<std::vector<OrderEvent>> PostgresOrderStore::History(absl::string_view order_id) {
  absl::StatusOr<std::string> id = order_ids_.Canonical(order_id);
  if (!id.ok()) return id.status();
  std::vector<OrderEvent> events;
  absl::Status s = InTransaction("History", false, [&](pqxx::dbtransaction& tx) {
    if (tx.exec_params("SELECT 1 FROM orders WHERE id = $1", *id).empty()) {
      return WithReason(absl::NotFoundError(absl::StrCat("no order ", *id)), "ORDER_NOT_FOUND");
    }
    absl::StatusOr<std::vector<OrderEvent>> loaded = LoadEvents(tx, *id);
    if (!loaded.ok()) return loaded.status();
    events = *std::move(loaded);
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return events;
}

absl::StatusOr<std::vector<Order>> PostgresOrderStore::ListCustomerOrders(
    absl::string_view customer_id, int limit) {
  if (customer_id.empty()) return absl::InvalidArgumentError("customer id is empty");
  std::vector<Order> orders;
  absl::Status s = InTransaction("ListCustomerOrders", false, [&](pqxx::dbtransaction& tx) {
    orders.clear();
    const pqxx::result ids = tx.exec_params(
        "SELECT id FROM orders WHERE customer_id = $1 ORDER BY created_at DESC, id DESC LIMIT $2",
        std::string(customer_id), static_cast<int64_t>(std::max(limit, 0)));
    for (const pqxx::row& r : ids) {
      absl::StatusOr<Order> order = LoadOrder(tx, r[0].as<std::string>(), /*for_update=*/false);
      if (!order.ok()) return order.status();
      orders.push_back(*std::move(order));
    }
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return orders;
}

absl::StatusOr<ChangeResult> PostgresOrderStore::ApplyChange(absl::string_view order_id,
                                                             const Requester& requester,
                                                             absl::string_view session_ref,
                                                             const PendingChange& change) {
  absl::StatusOr<std::string> id = order_ids_.Canonical(order_id);
  if (!id.ok()) return id.status();
  ChangeResult result;
  absl::Status s = InTransaction(OrderChangeName(change.kind), true, [&](pqxx::dbtransaction& tx) {
    // The row lock first: a concurrent change of this order waits here, then reads ours.
    absl::StatusOr<Order> loaded = LoadOrder(tx, *id, /*for_update=*/true);
    if (!loaded.ok()) return loaded.status();
    // A retried turn (maybe on another replica) finds the change it made in the history.
    absl::StatusOr<std::vector<OrderEvent>> history = LoadEvents(tx, *id);
    if (!history.ok()) return history.status();
    absl::StatusOr<PreparedChange> prepared =
        PrepareChange(*std::move(loaded), *history, requester, session_ref, change, absl::Now());
    if (!prepared.ok()) return prepared.status();
    if (prepared->recorded) {
      result = ChangeResult{std::move(prepared->order), prepared->event};
      return absl::OkStatus();
    }
    Order& order = prepared->order;
    OrderEvent& event = prepared->event;
    const Address& a = order.shipping_address;
    tx.exec_params0(absl::StrCat("UPDATE orders SET status = $2, ship_name = $3, ship_street = $4, "
                                 "ship_postcode = $5, ship_city = $6, ship_country = $7, "
                                 "updated_at = ",
                                 FromMicros(8), " WHERE id = $1"),
                    order.id, std::string(OrderStatusName(order.status)), a.name, a.street,
                    a.postcode, a.city, a.country, absl::ToUnixMicros(order.updated));
    event.id =
        tx.exec_params1(absl::StrCat("INSERT INTO order_events (order_id, at, action, old_value, "
                                     "new_value, actor, session_ref) VALUES ($1, ",
                                     FromMicros(2), ", $3, $4, $5, $6, $7) RETURNING id"),
                        event.order_id, absl::ToUnixMicros(event.at),
                        std::string(OrderChangeName(event.change)), event.old_value,
                        event.new_value, event.actor, event.session_ref)[0]
            .as<int64_t>();
    result = ChangeResult{std::move(order), std::move(event)};
    return absl::OkStatus();
  });
  if (!s.ok()) return s;
  return result;
}

absl::Status PostgresOrderStore::SeedDemoData(const std::string& path, absl::CivilDay today) {
  absl::StatusOr<std::vector<Order>> demo = DemoOrdersFor(path, order_ids_.format(), today);
  if (!demo.ok()) return demo.status();
  const std::vector<Order>& orders = *demo;
  return InTransaction("SeedDemoData", true, [&](pqxx::dbtransaction& tx) {
    for (const Order& o : orders) {
      const Address& a = o.shipping_address;
      const pqxx::result inserted = tx.exec_params(
          absl::StrCat("INSERT INTO orders (id, customer_id, email, status, shipping_method, "
                       "carrier, tracking_number, expected_delivery, ship_name, ship_street, "
                       "ship_postcode, ship_city, ship_country, created_at, updated_at) VALUES "
                       "($1, $2, $3, $4, $5, $6, $7, $8::date, $9, $10, $11, $12, $13, ",
                       FromMicros(14), ", ", FromMicros(15),
                       ") ON CONFLICT (id) DO NOTHING RETURNING id"),
          o.id, o.customer_id, o.email, std::string(OrderStatusName(o.status)), o.shipping_method,
          o.carrier, o.tracking_number, absl::FormatCivilTime(o.expected_delivery), a.name,
          a.street, a.postcode, a.city, a.country, absl::ToUnixMicros(o.created),
          absl::ToUnixMicros(o.updated));
      if (inserted.empty()) continue;  // there already: keep it as it is
      for (size_t i = 0; i < o.items.size(); ++i) {
        const OrderItem& item = o.items[i];
        tx.exec_params0(
            "INSERT INTO order_items (order_id, position, name, quantity, unit_price_minor, "
            "currency) VALUES ($1, $2, $3, $4, $5, $6)",
            o.id, static_cast<int>(i), item.name, item.quantity, item.unit_price_minor,
            item.currency);
      }
    }
    return absl::OkStatus();
  });
}

}  // namespace shop::supportbot
