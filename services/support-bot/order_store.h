// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The order system as the support bot sees it: look up an order, cancel it or change its
// shipping address, and read the audit trail of those changes. The bot asks the customer
// to confirm a change in a second turn before it calls one of the change operations; the
// store enforces ownership and the order-state policy itself, inside the transaction.
//
// Order ids are "ORD-" followed by exactly 8 digits ("ORD-48213907") unless the store is
// configured with another OrderIdFormat. Customers may write them as "ORD-48213907",
// "ord 48213907", "order #48213907" or "48213907"; NormalizeOrderId (and the entity
// extractor) turn all of these into the canonical form.
//
// Policy (services/support-bot/kb, KB-ORD-002 and KB-ORD-003): an order can be cancelled
// and its address changed only while its status is `placed` (the KB's "Received") or
// `payment_confirmed`. From `processing` on, labels and customs documents exist and the
// order can no longer be changed; `on_hold` orders need a human. A new address must be in
// the order's destination country.
#ifndef SHOP_SERVICES_SUPPORT_BOT_ORDER_STORE_H_
#define SHOP_SERVICES_SUPPORT_BOT_ORDER_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace shop::supportbot {

// Order lifecycle, in order. The names are stored in the database and shown to agents.
enum class OrderStatus {
  kPlaced,            // "placed": received, payment pending
  kPaymentConfirmed,  // "payment_confirmed"
  kProcessing,        // "processing": being picked and packed
  kOnHold,            // "on_hold": waits for something from the customer (payment, address)
  kShipped,           // "shipped": handed to the carrier, tracking number known
  kInTransit,         // "in_transit"
  kAtCustoms,         // "at_customs"
  kOutForDelivery,    // "out_for_delivery"
  kDelivered,         // "delivered"
  kCancelled,         // "cancelled"
};

// "placed", "payment_confirmed", ... (snake_case, as in the database).
absl::string_view OrderStatusName(OrderStatus status);
// The status named `name` (as OrderStatusName writes it); nullopt for any other text.
std::optional<OrderStatus> ParseOrderStatus(absl::string_view name);
// True for kPlaced and kPaymentConfirmed: the statuses in which the customer may still
// cancel the order or change its shipping address.
bool OrderIsChangeable(OrderStatus status);

struct Address {
  std::string name;      // recipient
  std::string street;    // street and house number, flat number included
  std::string postcode;  // as the country writes it ("10969", "SW1A 2AA", "150-0002")
  std::string city;
  std::string country;  // ISO 3166-1 alpha-2, upper case

  bool operator==(const Address& other) const;
  bool operator!=(const Address& other) const { return !(*this == other); }
};

// "Erika Mustermann, Lindenstrasse 14, 10969 Berlin, DE": for audit rows and agents.
std::string FormatAddress(const Address& address);

// OK when every field is filled in (1..35 characters, the carriers' label limit; no
// control characters), the country is an assigned ISO code and, for the countries the
// shop ships to most (DE, FR, ES, IT, NL, AT, BE, CH, GB, US, CA, JP, AU), the postcode
// has that country's format; INVALID_ARGUMENT naming the field otherwise.
absl::Status ValidateAddress(const Address& address);

struct OrderItem {
  std::string name;
  int quantity = 0;
  // Price of one unit in the currency's minor unit: cents, pence, rappen; yen for JPY.
  int64_t unit_price_minor = 0;
  std::string currency;  // ISO 4217, e.g. "EUR"
};

struct Order {
  std::string id;           // "ORD-12345678"
  std::string customer_id;  // owner; empty for guest orders
  std::string email;        // contact address of the order
  OrderStatus status = OrderStatus::kPlaced;
  std::string shipping_method;  // "standard" or "express"
  std::string carrier;          // e.g. "DHL Parcel", "UPS", "Colissimo"; known from checkout on
  std::string tracking_number;  // empty until the order ships
  absl::CivilDay expected_delivery;  // the carrier's estimate; the actual day once delivered
  std::string destination_country;   // ISO alpha-2; always equal to shipping_address.country
  Address shipping_address;
  std::vector<OrderItem> items;
  absl::Time created;
  absl::Time updated;  // last change by the shop or through this store
};

// Kinds of change, named as the bot's intents and the API's ActionType.
enum class OrderChange {
  kCancel,                 // "cancel_order"
  kChangeShippingAddress,  // "change_shipping_address"
};
absl::string_view OrderChangeName(OrderChange change);
// The change named `name` (as OrderChangeName writes it); nullopt for any other text.
std::optional<OrderChange> ParseOrderChange(absl::string_view name);

// One recorded change (a row of the audit log), written in the change's transaction.
struct OrderEvent {
  int64_t id = 0;  // increasing in the order the changes were committed
  std::string order_id;
  absl::Time at;
  OrderChange change = OrderChange::kCancel;
  std::string old_value;  // the status ("payment_confirmed") or FormatAddress of the address
  std::string new_value;  // "cancelled" or FormatAddress of the new address
  // Who asked: "customer:<customer_id>" for signed-in customers, "guest:email" or
  // "guest:postcode" for anonymous ones (with the kind of verification they gave).
  std::string actor;
  std::string session_ref;  // the bot session (and turn) that made the change
};

// Who asks for a change.
//
// A signed-in customer (non-empty `customer_id`, from the trusted frontend) may change only
// their own orders; `verification` is ignored for them, so a guest order cannot be changed
// from someone else's account. An anonymous customer (empty `customer_id`) must prove
// ownership with the e-mail address of the order (compared case-insensitively) or the
// postcode of its shipping address (spaces and case ignored). The postcode is the weaker of
// the two; the dialogue layer must limit failed verification attempts per session.
struct Requester {
  std::string customer_id;
  std::string verification;
};

// OK when `requester` may see and change `order`; PERMISSION_DENIED otherwise (the message
// says why, without revealing the order's e-mail or postcode).
absl::Status CheckAccess(const Order& order, const Requester& requester);
// OK when `order` may be cancelled now; FAILED_PRECONDITION naming its status otherwise.
absl::Status CheckCancellable(const Order& order);
// OK when the shipping address of `order` may be changed to `address` now:
// INVALID_ARGUMENT for a malformed address (ValidateAddress), FAILED_PRECONDITION when the
// status does not allow it or the address is in another country.
absl::Status CheckAddressChangeable(const Order& order, const Address& address);

// The shape of this shop's order numbers, part of the order store's configuration
// (support-bot --order_id_prefix, --order_id_digits): canonical ids are `prefix` followed
// by `digits` digits. The default, "ORD-" and 8 ("ORD-48213907"), is the demo data's.
// Customers may write the prefix's letters in any case, with or without its punctuation
// or a space, or leave it out: "ord 48213907", "ORD48213907", "#48213907", "48213907".
struct OrderIdFormat {
  std::string prefix = "ORD-";
  int digits = 8;

  // INVALID_ARGUMENT unless `prefix` is 1-8 ASCII letters, optionally followed by one of
  // "-_/#", and `digits` is 4..16.
  absl::Status Validate() const;
  // An id of this shape, for prompts: "ORD-12345678".
  std::string Example() const;
  // The prefix's letters in lower case ("ord").
  std::string Letters() const;
  bool operator==(const OrderIdFormat& o) const { return prefix == o.prefix && digits == o.digits; }
};

// Turns ids as customers write them into the canonical form of one OrderIdFormat: "ORD-12345678"
// for "ORD-12345678", "ord 12345678", "ORD12345678", "#12345678" or "12345678"
// (surrounding spaces ignored); nullopt for anything else. The pattern is compiled once, so
// a store keeps one for all its calls.
class OrderIdNormalizer {
 public:
  explicit OrderIdNormalizer(OrderIdFormat format);
  ~OrderIdNormalizer();
  std::optional<std::string> Normalize(absl::string_view text) const;
  // Normalize, or INVALID_ARGUMENT naming the expected shape ("expected ORD- and 8 digits").
  absl::StatusOr<std::string> Canonical(absl::string_view text) const;
  const OrderIdFormat& format() const { return format_; }

 private:
  OrderIdFormat format_;
  std::unique_ptr<const re2::RE2> pattern_;
};

// OrderIdNormalizer(format).Normalize(text), for one-off calls.
std::optional<std::string> NormalizeOrderId(absl::string_view text,
                                            const OrderIdFormat& format = {});

// A successful change: the order as committed and the audit row written with it.
struct ChangeResult {
  Order order;
  OrderEvent event;
};

// A change as every store applies it, inside its transaction and under its lock on the
// order: `check` the order as read there (after CheckAccess), then `apply` it to the order in
// memory, which returns the audit row's old and new values. The store writes the order and
// the audit row, or neither.
struct PendingChange {
  OrderChange kind = OrderChange::kCancel;
  std::function<absl::Status(const Order&)> check;
  std::function<std::pair<std::string, std::string>(Order&)> apply;
};
// Cancelling (CheckCancellable; old value the status, new value "cancelled").
PendingChange CancelChange();
// Changing the shipping address to `new_address`, whose fields lose surrounding spaces and
// whose country and postcode are upper-cased first; INVALID_ARGUMENT for a malformed address
// (ValidateAddress), before any order is read.
absl::StatusOr<PendingChange> AddressChange(const Address& new_address);
// What a store writes for a change, decided in its transaction: the order changed in
// memory and its audit row (id unset: the store's insert gives it), or, for a retried turn,
// the row recorded the first time (`recorded`: nothing to write).
struct PreparedChange {
  Order order;
  OrderEvent event;
  bool recorded = false;
};
// The store-independent part of a change, given the order as read under the store's lock
// and its audit rows: a retried turn (the same kind of change with the same non-empty
// session_ref, by the same actor) comes back as recorded; otherwise CheckAccess, then
// `change.check` (their errors are returned), then `change.apply` at time `now`.
absl::StatusOr<PreparedChange> PrepareChange(Order order, const std::vector<OrderEvent>& history,
                                             const Requester& requester,
                                             absl::string_view session_ref,
                                             const PendingChange& change, absl::Time now);

// The order system. Implementations are thread-safe.
//
// Every operation takes an order id in any form NormalizeOrderId accepts; a malformed one
// is INVALID_ARGUMENT, an unknown one NOT_FOUND ("no order ORD-12345678"). A failure of the
// underlying system is UNAVAILABLE when retrying may help (busy, locked, I/O) and INTERNAL
// otherwise; either way nothing has changed.
class OrderStore {
 public:
  virtual ~OrderStore() = default;

  // The order as it is now. Does not check access: call CheckAccess before disclosing it.
  virtual absl::StatusOr<Order> GetOrder(absl::string_view order_id) = 0;

  // Cancels the order. In one transaction: re-reads the order, checks CheckAccess and
  // CheckCancellable (PERMISSION_DENIED, FAILED_PRECONDITION), sets the status to
  // cancelled and records an OrderEvent. Cancelling an already cancelled order is
  // FAILED_PRECONDITION, so of two concurrent cancels exactly one succeeds.
  //
  // Both changes are idempotent per `session_ref` (the bot's session and turn): when the
  // order's history already has this kind of change with this non-empty session_ref, made
  // by the same actor (ChangeActor), that change is not made again and its result is
  // returned (the order as it is now, the recorded event). A turn retried after a lost
  // answer, on any replica, is applied once.
  virtual absl::StatusOr<ChangeResult> CancelOrder(absl::string_view order_id,
                                                   const Requester& requester,
                                                   absl::string_view session_ref) = 0;

  // Replaces the shipping address, with the same checks in one transaction (access, then
  // CheckAddressChangeable). Surrounding spaces of the fields are dropped and the country
  // is upper-cased before validation.
  virtual absl::StatusOr<ChangeResult> ChangeShippingAddress(absl::string_view order_id,
                                                             const Requester& requester,
                                                             const Address& new_address,
                                                             absl::string_view session_ref) = 0;

  // The recorded changes of the order, oldest first (empty when it never changed).
  virtual absl::StatusOr<std::vector<OrderEvent>> History(absl::string_view order_id) = 0;

  // The orders of a signed-in customer, newest first, at most `limit` of them; for "where
  // is my order?" without an order number. Empty `customer_id` -> INVALID_ARGUMENT.
  virtual absl::StatusOr<std::vector<Order>> ListCustomerOrders(absl::string_view customer_id,
                                                                int limit) = 0;
};

// The stores' common CancelOrder and ChangeShippingAddress: describe the change
// (CancelChange, AddressChange) and run it through the store's ApplyChange, which reads the
// order under a lock, calls PrepareChange and writes the result, all in one transaction.
class TransactionalOrderStore : public OrderStore {
 public:
  absl::StatusOr<ChangeResult> CancelOrder(absl::string_view order_id, const Requester& requester,
                                           absl::string_view session_ref) final;
  absl::StatusOr<ChangeResult> ChangeShippingAddress(absl::string_view order_id,
                                                     const Requester& requester,
                                                     const Address& new_address,
                                                     absl::string_view session_ref) final;

 protected:
  virtual absl::StatusOr<ChangeResult> ApplyChange(absl::string_view order_id,
                                                   const Requester& requester,
                                                   absl::string_view session_ref,
                                                   const PendingChange& change) = 0;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_ORDER_STORE_H_
