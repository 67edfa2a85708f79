// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The demo data set every order store can be seeded with (support-bot --seed_demo_orders).
#ifndef SHOP_SERVICES_SUPPORT_BOT_DEMO_ORDERS_H_
#define SHOP_SERVICES_SUPPORT_BOT_DEMO_ORDERS_H_

#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/civil_time.h"
#include "services/support-bot/order_store.h"

namespace shop::supportbot {

// 32 orders with fixed ids in every status, shipped to DE, FR, ES, GB, US, CH, JP and AU with
// the carriers of the shop's policy (KB "Policy facts"), 23 of them owned by
// "cust-1001".."cust-1010" and 9 guest orders. Creation times and expected delivery days
// are relative to `today`, so a demo always has parcels due in a few days. Deterministic for
// a given `today`; needs no database, so a demo client or a test can list the ids
// (DemoOrders(day)[i].id).
std::vector<Order> DemoOrders(absl::CivilDay today);
// DemoOrders(today) for a store whose ids have `format`; FAILED_PRECONDITION unless it is the
// demo data's (the default): they must not be seeded into a store with other ids.
absl::StatusOr<std::vector<Order>> DemoOrdersFor(const OrderIdFormat& format, absl::CivilDay today);

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_DEMO_ORDERS_H_
