// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/demo_orders.h"

#include <cstdint>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/country_codes.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {

namespace {

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

// One order of the demo file, checked; `where` (file:line) names it in errors, `index` is
// its place among the orders.
absl::StatusOr<Order> ParseDemoOrder(const nlohmann::json& j, const std::string& where,
                                     absl::CivilDay today, int index) {
  static const std::set<std::string> kFields = {"id",     "customer_id",      "email",
                                                "status", "express",          "address",
                                                "items",  "created_days_ago", "expected_in_days"};
  auto bad = [&](const std::string& what) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": ", what));
  };
  if (!j.is_object()) return bad("not a JSON object");
  for (const auto& [key, value] : j.items()) {
    if (!kFields.count(key)) return bad(absl::StrCat("unknown field \"", key, "\""));
  }
  Order o;
  o.id = j.at("id").get<std::string>();
  const std::optional<std::string> canonical = OrderIdNormalizer(OrderIdFormat{}).Normalize(o.id);
  if (!canonical.has_value() || *canonical != o.id) {
    return bad(absl::StrCat("id \"", o.id, "\" is not like ", OrderIdFormat{}.Example()));
  }
  o.customer_id = j.at("customer_id").get<std::string>();
  o.email = j.at("email").get<std::string>();
  if (o.email.find('@') == std::string::npos) return bad("email has no @");
  const std::optional<OrderStatus> status = ParseOrderStatus(j.at("status").get<std::string>());
  if (!status)
    return bad(absl::StrCat("unknown status \"", j.at("status").get<std::string>(), "\""));
  o.status = *status;
  const bool express = j.at("express").get<bool>();
  o.shipping_method = express ? "express" : "standard";
  const nlohmann::json& a = j.at("address");
  o.shipping_address = {a.at("name").get<std::string>(), a.at("street").get<std::string>(),
                        a.at("postcode").get<std::string>(), a.at("city").get<std::string>(),
                        a.at("country").get<std::string>()};
  const std::optional<std::string> country = NormalizeCountryCode(o.shipping_address.country);
  if (!country || *country != o.shipping_address.country) {
    return bad(absl::StrCat("address.country \"", o.shipping_address.country,
                            "\" is not an upper-case ISO 3166-1 alpha-2 code"));
  }
  o.destination_country = o.shipping_address.country;
  auto [carrier, tracking] = CarrierAndTracking(o.destination_country, express, o.id.substr(4));
  o.carrier = std::move(carrier);
  if (HasShipped(o.status)) o.tracking_number = std::move(tracking);
  const int created_days_ago = j.at("created_days_ago").get<int>();
  if (created_days_ago < 1) return bad("created_days_ago must be >= 1 (no order in the future)");
  o.expected_delivery = today + j.at("expected_in_days").get<int>();
  const std::string currency = CurrencyFor(o.destination_country);
  if (!j.at("items").is_array() || j.at("items").empty()) return bad("items is empty");
  for (const nlohmann::json& item : j.at("items")) {
    const int quantity = item.at("quantity").get<int>();
    const int64_t price = item.at("unit_price_minor").get<int64_t>();
    if (quantity < 1 || price < 0) return bad("an item needs quantity >= 1 and a price >= 0");
    o.items.push_back({item.at("name").get<std::string>(), quantity, price, currency});
  }
  // Minutes apart in file order, so that listings sort the same on every run.
  o.created = absl::FromCivil(absl::CivilMinute(today - created_days_ago) + 9 * 60 + 7 * index,
                              absl::UTCTimeZone());
  o.updated = o.created;
  return o;
}

}  // namespace

absl::StatusOr<std::vector<Order>> LoadDemoOrders(const std::string& path, absl::CivilDay today) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read the demo orders file ", path));
  std::vector<Order> orders;
  std::set<std::string> ids;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = absl::StrCat(path, ":", number);
    try {
      const nlohmann::json j = nlohmann::json::parse(line);
      ASSIGN_OR_RETURN(Order order,
                       ParseDemoOrder(j, where, today, static_cast<int>(orders.size())));
      if (!ids.insert(order.id).second) {
        return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate id ", order.id));
      }
      orders.push_back(std::move(order));
    } catch (const nlohmann::json::exception& e) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": ", e.what()));
    }
  }
  if (orders.empty()) return absl::InvalidArgumentError(absl::StrCat(path, ": no orders"));
  return orders;
}

absl::StatusOr<std::vector<Order>> DemoOrdersFor(const std::string& path,
                                                 const OrderIdFormat& format,
                                                 absl::CivilDay today) {
  if (!(format == OrderIdFormat{})) {
    return absl::FailedPreconditionError(
        absl::StrCat("the demo orders have ids like ", OrderIdFormat{}.Example(), ", not ",
                     format.Example(), "; do not seed them into a store with another id format"));
  }
  return LoadDemoOrders(path, today);
}

}  // namespace shop::supportbot
