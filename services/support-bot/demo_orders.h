// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The demo data set every order store can be seeded with (support-bot --seed_demo_orders,
// --demo_orders).
#ifndef SHOP_SERVICES_SUPPORT_BOT_DEMO_ORDERS_H_
#define SHOP_SERVICES_SUPPORT_BOT_DEMO_ORDERS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/support-bot/order_store.h"

namespace shop::supportbot {

// The orders of a demo file (services/support-bot/demo/orders.jsonl: 32 orders with fixed
// ids in every status, shipped to DE, FR, ES, GB, US, CH, JP and AU with the carriers of
// the shop's policy, KB "Policy facts"; 23 owned by "cust-1001".."cust-1010", 9 guest
// orders), one JSON object per line:
//   {"id", "customer_id" ("" = guest), "email", "status" (OrderStatusName), "express",
//    "address": {"name", "street", "postcode", "city", "country"},
//    "items": [{"name", "quantity", "unit_price_minor"}],
//    "created_days_ago" (>= 1), "expected_in_days" (negative for delivered orders)}
// Creation times and delivery days are relative to `today`, so a demo always has parcels
// due in a few days; carrier, tracking number and currency follow from the destination.
// Deterministic for a given file and `today`. INVALID_ARGUMENT naming the line for a
// malformed order (unknown field or status, an id not like ORD-12345678, a duplicate id, a
// country that is not ISO 3166-1, no items, ...); NOT_FOUND for a missing file.
absl::StatusOr<std::vector<Order>> LoadDemoOrders(const std::string& path, absl::CivilDay today);

// LoadDemoOrders for a store whose ids have `format`; FAILED_PRECONDITION unless it is the
// demo data's (the default): they must not be seeded into a store with other ids.
absl::StatusOr<std::vector<Order>> DemoOrdersFor(const std::string& path,
                                                 const OrderIdFormat& format, absl::CivilDay today);

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_DEMO_ORDERS_H_
