// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/order_store.h"

#include <array>
#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "common/country_codes.h"
#include "common/text/re2_util.h"
#include "common/text/utf8.h"
#include "re2/re2.h"

namespace shop::supportbot {
namespace {

constexpr std::array<std::pair<OrderStatus, absl::string_view>, 10> kStatusNames = {{
    {OrderStatus::kPlaced, "placed"},
    {OrderStatus::kPaymentConfirmed, "payment_confirmed"},
    {OrderStatus::kProcessing, "processing"},
    {OrderStatus::kOnHold, "on_hold"},
    {OrderStatus::kShipped, "shipped"},
    {OrderStatus::kInTransit, "in_transit"},
    {OrderStatus::kAtCustoms, "at_customs"},
    {OrderStatus::kOutForDelivery, "out_for_delivery"},
    {OrderStatus::kDelivered, "delivered"},
    {OrderStatus::kCancelled, "cancelled"},
}};

// The carriers print at most 35 characters per address line (KB-ADDR-003).
constexpr int kMaxAddressFieldChars = 35;

bool HasControlCharacter(absl::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7F) return true;
  }
  return false;
}

// Postcode formats of the main destinations (KB-ADDR-001 and the national post offices).
// Others: 2..10 letters, digits, spaces or hyphens.
const RE2& PostcodePattern(absl::string_view country) {
  static const auto* const kPatterns = [] {
    auto* m = new std::map<std::string, std::unique_ptr<RE2>>;
    const std::pair<std::vector<const char*>, const char*> formats[] = {
        {{"DE", "FR", "IT"}, R"(\d{5})"},
        {{"ES"}, R"((?:0[1-9]|[1-4]\d|5[0-2])\d{3})"},  // first two digits: the province
        {{"NL"}, R"(\d{4} ?[A-Z]{2})"},
        {{"AT", "BE", "CH", "AU", "LI", "NO", "DK"}, R"(\d{4})"},
        {{"GB"}, R"([A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2})"},
        {{"US"}, R"(\d{5}(?:-\d{4})?)"},
        {{"CA"}, R"([A-Z]\d[A-Z] ?\d[A-Z]\d)"},
        {{"JP"}, R"(\d{3}-?\d{4})"},
    };
    for (const auto& [codes, pattern] : formats) {
      for (const char* code : codes) (*m)[code] = std::make_unique<RE2>(pattern);
    }
    return m;
  }();
  static const RE2 kOther(R"([A-Z0-9][A-Z0-9 \-]{0,8}[A-Z0-9])");
  const auto it = kPatterns->find(std::string(country));
  return it == kPatterns->end() ? kOther : *it->second;
}

// E-mail addresses compare case-insensitively, postcodes without spaces and hyphens.
std::string NormalizeEmail(absl::string_view email) {
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(email));
}
std::string NormalizePostcodeForComparison(absl::string_view postcode) {
  std::string out;
  for (char c : postcode) {
    if (c != ' ' && c != '-') out.push_back(absl::ascii_toupper(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace

absl::string_view OrderStatusName(OrderStatus status) {
  for (const auto& [s, name] : kStatusNames) {
    if (s == status) return name;
  }
  return "unknown";
}

std::optional<OrderStatus> ParseOrderStatus(absl::string_view name) {
  for (const auto& [s, n] : kStatusNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

bool OrderIsChangeable(OrderStatus status) {
  return status == OrderStatus::kPlaced || status == OrderStatus::kPaymentConfirmed;
}

bool Address::operator==(const Address& other) const {
  return name == other.name && street == other.street && postcode == other.postcode &&
         city == other.city && country == other.country;
}

std::string FormatAddress(const Address& a) {
  return absl::StrCat(a.name, ", ", a.street, ", ", a.postcode, " ", a.city, ", ", a.country);
}

absl::Status ValidateAddress(const Address& address) {
  const std::pair<absl::string_view, const std::string*> fields[] = {
      {"name", &address.name},
      {"street", &address.street},
      {"postcode", &address.postcode},
      {"city", &address.city},
      {"country", &address.country}};
  for (const auto& [field, value] : fields) {
    if (absl::StripAsciiWhitespace(*value).empty()) {
      return absl::InvalidArgumentError(absl::StrCat("address ", field, " is empty"));
    }
    if (CountCodePoints(*value) > kMaxAddressFieldChars) {
      return absl::InvalidArgumentError(absl::StrCat("address ", field, " is longer than ",
                                                     kMaxAddressFieldChars, " characters"));
    }
    if (HasControlCharacter(*value)) {
      return absl::InvalidArgumentError(
          absl::StrCat("address ", field, " contains control characters"));
    }
  }
  const std::optional<std::string> country = NormalizeCountryCode(address.country);
  if (!country) {
    return absl::InvalidArgumentError(
        absl::StrCat("address country \"", address.country, "\" is not an ISO 3166-1 code"));
  }
  const std::string postcode = absl::AsciiStrToUpper(address.postcode);
  if (!RE2::FullMatch(postcode, PostcodePattern(*country))) {
    return absl::InvalidArgumentError(absl::StrCat("address postcode \"", address.postcode,
                                                   "\" is not a valid postcode for ", *country));
  }
  return absl::OkStatus();
}

absl::string_view OrderChangeName(OrderChange change) {
  switch (change) {
    case OrderChange::kCancel:
      return "cancel_order";
    case OrderChange::kChangeShippingAddress:
      return "change_shipping_address";
  }
  return "unknown";
}

std::optional<OrderChange> ParseOrderChange(absl::string_view name) {
  for (OrderChange c : {OrderChange::kCancel, OrderChange::kChangeShippingAddress}) {
    if (name == OrderChangeName(c)) return c;
  }
  return std::nullopt;
}

absl::Status CheckAccess(const Order& order, const Requester& requester) {
  if (!requester.customer_id.empty()) {
    if (requester.customer_id == order.customer_id) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("order ", order.id, " does not belong to the signed-in customer"));
  }
  const absl::string_view given = absl::StripAsciiWhitespace(requester.verification);
  if (given.empty()) {
    return absl::PermissionDeniedError(
        absl::StrCat("order ", order.id,
                     ": an anonymous customer must give the order's e-mail address or postcode"));
  }
  const std::string email = NormalizeEmail(order.email);
  const std::string postcode = NormalizePostcodeForComparison(order.shipping_address.postcode);
  if ((!email.empty() && NormalizeEmail(given) == email) ||
      (!postcode.empty() && NormalizePostcodeForComparison(given) == postcode)) {
    return absl::OkStatus();
  }
  return absl::PermissionDeniedError(absl::StrCat(
      "order ", order.id, ": the verification does not match the order's e-mail or postcode"));
}

absl::Status CheckCancellable(const Order& order) {
  if (order.status == OrderStatus::kCancelled) {
    return absl::FailedPreconditionError(absl::StrCat("order ", order.id, " is already cancelled"));
  }
  if (!OrderIsChangeable(order.status)) {
    return absl::FailedPreconditionError(absl::StrCat("order ", order.id,
                                                      " can no longer be cancelled: its status is ",
                                                      OrderStatusName(order.status)));
  }
  return absl::OkStatus();
}

absl::Status CheckAddressChangeable(const Order& order, const Address& address) {
  if (absl::Status s = ValidateAddress(address); !s.ok()) return s;
  if (!OrderIsChangeable(order.status)) {
    return absl::FailedPreconditionError(absl::StrCat("the address of order ", order.id,
                                                      " can no longer be changed: its status is ",
                                                      OrderStatusName(order.status)));
  }
  if (*NormalizeCountryCode(address.country) != order.destination_country) {
    return absl::FailedPreconditionError(
        absl::StrCat("the new address of order ", order.id, " must be in its destination country ",
                     order.destination_country, "; to ship elsewhere, cancel and order again"));
  }
  return absl::OkStatus();
}

absl::Status OrderIdFormat::Validate() const {
  static const RE2 kPrefix(R"([A-Za-z]{1,8}[\-_/#]?)");
  if (!RE2::FullMatch(prefix, kPrefix)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "order id prefix \"", prefix,
        "\" must be 1-8 ASCII letters, optionally followed by one of - _ / # (e.g. \"ORD-\")"));
  }
  if (digits < 4 || digits > 16) {
    return absl::InvalidArgumentError(
        absl::StrCat("order id digits ", digits, " must be between 4 and 16"));
  }
  return absl::OkStatus();
}

std::string OrderIdFormat::Example() const {
  std::string number;
  for (int i = 0; i < digits; ++i) number += static_cast<char>('1' + i % 9);
  return absl::StrCat(prefix, number);
}

std::string OrderIdFormat::Letters() const {
  std::string letters;
  for (char c : prefix) {
    if (absl::ascii_isalpha(c)) letters += absl::ascii_tolower(c);
  }
  return letters;
}

OrderIdNormalizer::OrderIdNormalizer(OrderIdFormat format)
    : format_(std::move(format)),
      pattern_(std::make_unique<const RE2>(absl::StrCat(R"((?i)\s*(?:)", format_.Letters(),
                                                        R"([ \-_/#]?|#\s*)?(\d{)", format_.digits,
                                                        R"(})\s*)"))) {}

OrderIdNormalizer::~OrderIdNormalizer() = default;

std::optional<std::string> OrderIdNormalizer::Normalize(absl::string_view text) const {
  std::string digits;
  if (!RE2::FullMatch(ToPiece(text), *pattern_, &digits)) {
    return std::nullopt;
  }
  return absl::StrCat(format_.prefix, digits);
}

absl::StatusOr<std::string> OrderIdNormalizer::Canonical(absl::string_view text) const {
  std::optional<std::string> id = Normalize(text);
  if (!id) {
    return absl::InvalidArgumentError(absl::StrCat("malformed order id \"", text, "\": expected ",
                                                   format_.prefix, " and ", format_.digits,
                                                   " digits, e.g. ", format_.Example()));
  }
  return *std::move(id);
}

PendingChange CancelChange() {
  PendingChange change;
  change.kind = OrderChange::kCancel;
  change.check = [](const Order& order) { return CheckCancellable(order); };
  change.apply = [](Order& order) {
    std::pair<std::string, std::string> values(OrderStatusName(order.status),
                                               OrderStatusName(OrderStatus::kCancelled));
    order.status = OrderStatus::kCancelled;
    return values;
  };
  return change;
}

absl::StatusOr<PendingChange> AddressChange(const Address& new_address) {
  Address address;
  address.name = std::string(absl::StripAsciiWhitespace(new_address.name));
  address.street = std::string(absl::StripAsciiWhitespace(new_address.street));
  address.postcode = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(new_address.postcode));
  address.city = std::string(absl::StripAsciiWhitespace(new_address.city));
  address.country = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(new_address.country));
  // A malformed address is the caller's mistake whatever the order: say so before looking.
  if (absl::Status s = ValidateAddress(address); !s.ok()) return s;
  PendingChange change;
  change.kind = OrderChange::kChangeShippingAddress;
  change.check = [address](const Order& order) { return CheckAddressChangeable(order, address); };
  change.apply = [address](Order& order) {
    std::pair<std::string, std::string> values(FormatAddress(order.shipping_address),
                                               FormatAddress(address));
    order.shipping_address = address;
    order.destination_country = address.country;
    return values;
  };
  return change;
}

namespace {

// The audit row's actor: "customer:<id>", "guest:email" or "guest:postcode".
std::string ChangeActor(const Requester& requester, const Order& order) {
  if (!requester.customer_id.empty()) return absl::StrCat("customer:", requester.customer_id);
  const bool by_email = absl::AsciiStrToLower(absl::StripAsciiWhitespace(requester.verification)) ==
                        absl::AsciiStrToLower(absl::StripAsciiWhitespace(order.email));
  return by_email ? "guest:email" : "guest:postcode";
}

}  // namespace

absl::StatusOr<PreparedChange> PrepareChange(Order order, const std::vector<OrderEvent>& history,
                                             const Requester& requester,
                                             absl::string_view session_ref,
                                             const PendingChange& change, absl::Time now) {
  const std::string actor = ChangeActor(requester, order);
  if (!session_ref.empty()) {
    for (const OrderEvent& e : history) {
      if (e.change == change.kind && e.session_ref == session_ref && e.actor == actor) {
        return PreparedChange{std::move(order), e, /*recorded=*/true};
      }
    }
  }
  if (absl::Status s = CheckAccess(order, requester); !s.ok()) return s;
  if (absl::Status s = change.check(order); !s.ok()) return s;
  auto [old_value, new_value] = change.apply(order);
  order.updated = now;
  OrderEvent event;
  event.order_id = order.id;
  event.at = now;
  event.change = change.kind;
  event.old_value = std::move(old_value);
  event.new_value = std::move(new_value);
  event.actor = actor;
  event.session_ref = std::string(session_ref);
  return PreparedChange{std::move(order), std::move(event), /*recorded=*/false};
}

absl::StatusOr<ChangeResult> TransactionalOrderStore::CancelOrder(absl::string_view order_id,
                                                                  const Requester& requester,
                                                                  absl::string_view session_ref) {
  return ApplyChange(order_id, requester, session_ref, CancelChange());
}

absl::StatusOr<ChangeResult> TransactionalOrderStore::ChangeShippingAddress(
    absl::string_view order_id, const Requester& requester, const Address& new_address,
    absl::string_view session_ref) {
  absl::StatusOr<PendingChange> change = AddressChange(new_address);
  if (!change.ok()) return change.status();
  return ApplyChange(order_id, requester, session_ref, *change);
}

std::optional<std::string> NormalizeOrderId(absl::string_view text, const OrderIdFormat& format) {
  return OrderIdNormalizer(format).Normalize(text);
}

}  // namespace shop::supportbot
