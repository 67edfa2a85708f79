// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/demo_orders.h"

#include <cstdint>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace shop::supportbot {

namespace {

struct DemoItem {
  const char* name;
  int quantity;
  int64_t unit_price_minor;
};

struct DemoOrder {
  const char* id;
  const char* customer_id;
  const char* email;
  OrderStatus status;
  bool express;
  Address address;
  std::vector<DemoItem> items;
  int created_days_ago;  // >= 1, so that no demo order lies in the future
  int expected_in_days;  // relative to today; negative for delivered orders
};

// Currency by destination (KB "Policy facts").
const char* CurrencyFor(const std::string& country) {
  if (country == "GB") return "GBP";
  if (country == "US") return "USD";
  if (country == "CH") return "CHF";
  if (country == "JP") return "JPY";
  if (country == "AU") return "AUD";
  return "EUR";
}

// Carriers by destination and method (KB "Policy facts": express is DHL Express everywhere;
// standard is Colissimo to France, Correos to Spain, DHL Parcel to the rest of the EU, UPS
// to the UK and the USA, Colissimo International to Switzerland, Asia and Australia), with
// tracking numbers in each carrier's format, made from the order's digits.
std::pair<std::string, std::string> CarrierAndTracking(const std::string& country, bool express,
                                                       absl::string_view digits) {
  if (express) return {"DHL Express", absl::StrCat(digits, "42")};
  if (country == "FR") return {"Colissimo", absl::StrCat("6A", digits, "417")};
  if (country == "ES") return {"Correos", absl::StrCat("PQ4B6A07", digits, "0128001S")};
  if (country == "GB" || country == "US") return {"UPS", absl::StrCat("1Z4R8E0703", digits)};
  if (country == "CH" || country == "JP" || country == "AU") {
    return {"Colissimo International", absl::StrCat("CB", digits, "5FR")};
  }
  return {"DHL Parcel", absl::StrCat("00340434", digits, "0001")};
}

bool HasShipped(OrderStatus status) {
  switch (status) {
    case OrderStatus::kShipped:
    case OrderStatus::kInTransit:
    case OrderStatus::kAtCustoms:
    case OrderStatus::kOutForDelivery:
    case OrderStatus::kDelivered:
      return true;
    default:
      return false;
  }
}

using S = OrderStatus;

const std::vector<DemoOrder>& DemoSpecs() {
  // One order per three lines reads better than one field per line.
  // clang-format off
  static const auto* const kSpecs = new std::vector<DemoOrder>{
      // Signed-in customers cust-1001 .. cust-1010.
      {"ORD-35032582", "cust-1001", "anna.schmidt@example.de", S::kPlaced, false,
       {"Anna Schmidt", "Lindenstrasse 14", "10969", "Berlin", "DE"},
       {{"Linen bed sheet set", 1, 8990}, {"Cotton pillowcase", 2, 1490}}, 1, 4},
      {"ORD-36252221", "cust-1001", "anna.schmidt@example.de", S::kDelivered, false,
       {"Anna Schmidt", "Lindenstrasse 14", "10969", "Berlin", "DE"},
       {{"Ceramic coffee mug", 4, 1250}}, 40, -35},
      {"ORD-62301241", "cust-1001", "anna.schmidt@example.de", S::kInTransit, false,
       {"Anna Schmidt", "Lindenstrasse 14", "10969", "Berlin", "DE"},
       {{"Desk organiser", 1, 2450}}, 2, 2},
      {"ORD-36480894", "cust-1002", "lucas.martin@example.fr", S::kPaymentConfirmed, false,
       {"Lucas Martin", "8 rue des Lilas", "69003", "Lyon", "FR"},
       {{"Wool scarf", 1, 3900}}, 1, 4},
      {"ORD-36655764", "cust-1002", "lucas.martin@example.fr", S::kShipped, false,
       {"Lucas Martin", "8 rue des Lilas", "69003", "Lyon", "FR"},
       {{"Leather wallet", 1, 5500}}, 3, 2},
      {"ORD-68870700", "cust-1002", "lucas.martin@example.fr", S::kCancelled, false,
       {"Lucas Martin", "8 rue des Lilas", "69003", "Lyon", "FR"},
       {{"Scented candle", 3, 1590}}, 10, -5},
      {"ORD-37784483", "cust-1003", "sofia.garcia@example.es", S::kPlaced, false,
       {"Sofía García", "Calle Mayor 12, 3B", "28013", "Madrid", "ES"},
       {{"Espresso maker", 1, 4590}}, 1, 5},
      {"ORD-37933677", "cust-1003", "sofia.garcia@example.es", S::kInTransit, false,
       {"Sofía García", "Calle Mayor 12, 3B", "28013", "Madrid", "ES"},
       {{"Bath towel", 2, 2490}}, 4, 1},
      {"ORD-38302983", "cust-1004", "oliver.brown@example.co.uk", S::kProcessing, false,
       {"Oliver Brown", "14 Albert Road", "M1 1AE", "Manchester", "GB"},
       {{"Running shoes", 1, 7900}}, 1, 6},
      {"ORD-39375836", "cust-1004", "oliver.brown@example.co.uk", S::kDelivered, false,
       {"Oliver Brown", "14 Albert Road", "M1 1AE", "Manchester", "GB"},
       {{"Rain jacket", 1, 6500}}, 20, -12},
      {"ORD-39722233", "cust-1005", "emily.johnson@example.com", S::kPlaced, false,
       {"Emily Johnson", "350 Fifth Avenue, Apt 4B", "10118", "New York", "US"},
       {{"Bluetooth speaker", 1, 5999}}, 1, 9},
      {"ORD-41535642", "cust-1005", "emily.johnson@example.com", S::kAtCustoms, false,
       {"Emily Johnson", "350 Fifth Avenue, Apt 4B", "10118", "New York", "US"},
       {{"Yoga mat", 2, 3499}}, 6, 3},
      {"ORD-71403729", "cust-1005", "emily.johnson@example.com", S::kDelivered, false,
       {"Emily Johnson", "350 Fifth Avenue, Apt 4B", "10118", "New York", "US"},
       {{"Phone case", 1, 2499}}, 15, -5},
      {"ORD-42175294", "cust-1006", "noah.meier@example.ch", S::kPaymentConfirmed, false,
       {"Noah Meier", "Bahnhofstrasse 21", "8001", "Zürich", "CH"},
       {{"Hiking backpack", 1, 11900}}, 1, 7},
      {"ORD-42633920", "cust-1006", "noah.meier@example.ch", S::kShipped, false,
       {"Noah Meier", "Bahnhofstrasse 21", "8001", "Zürich", "CH"},
       {{"Thermos flask", 1, 3450}}, 2, 5},
      {"ORD-45809806", "cust-1007", "yuki.tanaka@example.jp", S::kPlaced, false,
       {"Yuki Tanaka", "2-11-3 Shibuya, Shibuya-ku", "150-0002", "Tokyo", "JP"},
       {{"Silk scarf", 1, 8800}}, 1, 11},
      {"ORD-46616417", "cust-1007", "yuki.tanaka@example.jp", S::kInTransit, false,
       {"Yuki Tanaka", "2-11-3 Shibuya, Shibuya-ku", "150-0002", "Tokyo", "JP"},
       {{"Tea set", 1, 12500}}, 5, 6},
      {"ORD-47874421", "cust-1008", "jack.wilson@example.com.au", S::kProcessing, false,
       {"Jack Wilson", "45 George Street", "2000", "Sydney", "AU"},
       {{"Sunglasses", 1, 12900}}, 1, 14},
      {"ORD-49361589", "cust-1008", "jack.wilson@example.com.au", S::kOutForDelivery, false,
       {"Jack Wilson", "45 George Street", "2000", "Sydney", "AU"},
       {{"Beach towel", 2, 3900}}, 13, 0},
      {"ORD-50246633", "cust-1009", "marie.dubois@example.fr", S::kCancelled, false,
       {"Marie Dubois", "15 avenue Jean Jaurès", "75019", "Paris", "FR"},
       {{"Table lamp", 1, 6900}}, 6, 1},
      {"ORD-58816302", "cust-1009", "marie.dubois@example.fr", S::kOnHold, false,
       {"Marie Dubois", "15 avenue Jean Jaurès", "75019", "Paris", "FR"},
       {{"Eau de parfum 50 ml", 1, 7800}}, 2, 5},
      {"ORD-59673100", "cust-1010", "max.weber@example.de", S::kShipped, true,
       {"Max Weber", "Königstrasse 3", "70173", "Stuttgart", "DE"},
       {{"Noise-cancelling headphones", 1, 24900}}, 1, 1},
      {"ORD-59962626", "cust-1010", "max.weber@example.de", S::kPlaced, true,
       {"Max Weber", "Königstrasse 3", "70173", "Stuttgart", "DE"},
       {{"Smartwatch strap", 2, 1990}}, 1, 2},
      // Guest orders: anonymous customers verify with the e-mail address or postcode.
      {"ORD-73464097", "", "lena.fischer@example.de", S::kPlaced, false,
       {"Lena Fischer", "Hauptstrasse 5", "80331", "München", "DE"},
       {{"Children's raincoat", 1, 3490}}, 1, 4},
      {"ORD-98106871", "", "tom.becker@example.de", S::kDelivered, false,
       {"Tom Becker", "Schillerstrasse 9", "60313", "Frankfurt am Main", "DE"},
       {{"Bicycle lights", 1, 2990}}, 9, -4},
      {"ORD-79081935", "", "pierre.laurent@example.fr", S::kShipped, false,
       {"Pierre Laurent", "22 rue Victor Hugo", "33000", "Bordeaux", "FR"},
       {{"Cast iron pan", 1, 5990}}, 2, 2},
      {"ORD-82992312", "", "carmen.lopez@example.es", S::kPaymentConfirmed, false,
       {"Carmen López", "Avenida de la Constitución 20", "41004", "Sevilla", "ES"},
       {{"Handbag", 1, 8900}}, 1, 5},
      {"ORD-83241552", "", "george.taylor@example.co.uk", S::kPlaced, false,
       {"George Taylor", "27 Queen Street", "EH2 1JX", "Edinburgh", "GB"},
       {{"Wool jumper", 1, 6900}}, 1, 6},
      {"ORD-86126116", "", "michael.davis@example.com", S::kInTransit, false,
       {"Michael Davis", "1200 Market Street", "94102", "San Francisco", "US"},
       {{"Camera tripod", 1, 4999}}, 4, 5},
      {"ORD-86255890", "", "sarah.keller@example.ch", S::kDelivered, false,
       {"Sarah Keller", "Rue du Rhône 40", "1204", "Genève", "CH"},
       {{"Watch box", 1, 7900}}, 18, -9},
      {"ORD-86978001", "", "haruto.sato@example.jp", S::kPaymentConfirmed, false,
       {"Haruto Sato", "1-1-2 Oshiage, Sumida-ku", "131-0045", "Tokyo", "JP"},
       {{"Fountain pen", 1, 15000}}, 1, 10},
      {"ORD-88202938", "", "chloe.smith@example.com.au", S::kPlaced, false,
       {"Chloe Smith", "12 Collins Street", "3000", "Melbourne", "AU"},
       {{"Linen dress", 1, 14900}}, 1, 13},
  };
  // clang-format on
  return *kSpecs;
}

}  // namespace

std::vector<Order> DemoOrders(absl::CivilDay today) {
  std::vector<Order> orders;
  const std::vector<DemoOrder>& specs = DemoSpecs();
  for (size_t i = 0; i < specs.size(); ++i) {
    const DemoOrder& spec = specs[i];
    Order o;
    o.id = spec.id;
    o.customer_id = spec.customer_id;
    o.email = spec.email;
    o.status = spec.status;
    o.shipping_method = spec.express ? "express" : "standard";
    o.shipping_address = spec.address;
    o.destination_country = spec.address.country;
    auto [carrier, tracking] =
        CarrierAndTracking(o.destination_country, spec.express, o.id.substr(4));
    o.carrier = std::move(carrier);
    if (HasShipped(o.status)) o.tracking_number = std::move(tracking);
    o.expected_delivery = today + spec.expected_in_days;
    const std::string currency = CurrencyFor(o.destination_country);
    for (const DemoItem& item : spec.items) {
      o.items.push_back({item.name, item.quantity, item.unit_price_minor, currency});
    }
    o.created = absl::FromCivil(
        absl::CivilMinute(today - spec.created_days_ago) + 9 * 60 + 7 * static_cast<int>(i),
        absl::UTCTimeZone());
    o.updated = o.created;
    orders.push_back(std::move(o));
  }
  return orders;
}

absl::StatusOr<std::vector<Order>> DemoOrdersFor(const OrderIdFormat& format,
                                                 absl::CivilDay today) {
  if (!(format == OrderIdFormat{})) {
    return absl::FailedPreconditionError(
        absl::StrCat("the demo orders have ids like ", OrderIdFormat{}.Example(), ", not ",
                     format.Example(), "; do not seed them into a store with another id format"));
  }
  return DemoOrders(today);
}

}  // namespace shop::supportbot
