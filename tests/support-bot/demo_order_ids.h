// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The demo orders (services/support-bot/demo/orders.jsonl, demo_orders.h) that the order
// store tests use, and the "today" they seed them for.
#ifndef SHOP_TESTS_SUPPORT_BOT_DEMO_ORDER_IDS_H_
#define SHOP_TESTS_SUPPORT_BOT_DEMO_ORDER_IDS_H_

#include <string>

#include "absl/time/civil_time.h"

namespace shop::supportbot {

inline const absl::CivilDay kToday(2026, 3, 16);
// The shipped demo orders file (services/support-bot/demo/orders.jsonl).
inline const std::string kDemoOrdersFile =
    std::string(SHOP_SOURCE_DIR) + "/services/support-bot/demo/orders.jsonl";

inline constexpr char kPlaced[] = "ORD-35032582";            // cust-1001, DE
inline constexpr char kPaymentConfirmed[] = "ORD-36480894";  // cust-1002, FR, 8 rue des Lilas
inline constexpr char kProcessing[] = "ORD-38302983";        // cust-1004
inline constexpr char kOnHold[] = "ORD-58816302";            // cust-1009
inline constexpr char kShipped[] = "ORD-36655764";           // cust-1002
inline constexpr char kInTransit[] = "ORD-37933677";         // cust-1003
inline constexpr char kDelivered[] = "ORD-36252221";         // cust-1001
inline constexpr char kCancelled[] = "ORD-68870700";         // cust-1002
inline constexpr char kGuestPlaced[] = "ORD-73464097";       // lena.fischer@example.de, 80331
inline constexpr char kGuestPaid[] = "ORD-82992312";         // carmen.lopez@example.es, 41004, ES

}  // namespace shop::supportbot

#endif  // SHOP_TESTS_SUPPORT_BOT_DEMO_ORDER_IDS_H_
