// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the support bot's EntityExtractor (services/support-bot/entity_extractor.h) on any
// bytes (the header accepts invalid UTF-8), with the default order id format and an odd
// one, checking the shape of what it promises: canonical order ids without duplicates that
// OrderIdNormalizer maps to themselves, e-mail addresses and amounts as written in the
// message, amounts in order with an ISO currency and a normalised decimal that parses to
// their value, and assigned ISO country codes without duplicates. Also the order store's
// other text parsers: OrderIdNormalizer (its ids normalise to themselves) and, when the
// input has five "\x01"-separated fields, ValidateAddress.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/country_codes.h"
#include "services/support-bot/entity_extractor.h"
#include "services/support-bot/order_store.h"

namespace {

using shop::supportbot::OrderIdFormat;

void Check(bool condition) {
  if (!condition) std::abort();
}

struct Extractor {
  explicit Extractor(OrderIdFormat f) : format(f), extractor(f), normalizer(f) {}
  OrderIdFormat format;
  shop::supportbot::EntityExtractor extractor;
  shop::supportbot::OrderIdNormalizer normalizer;
};

bool IsCanonicalOrderId(absl::string_view id, const OrderIdFormat& format) {
  if (!absl::ConsumePrefix(&id, format.prefix)) return false;
  if (id.size() != static_cast<size_t>(format.digits)) return false;
  for (char c : id) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "1234" or "1234.50": what NormalizeAmount writes.
bool IsNormalisedAmount(absl::string_view amount) {
  const size_t dot = amount.find('.');
  const absl::string_view integer = amount.substr(0, dot);
  if (integer.empty()) return false;
  for (char c : amount) {
    if (c != '.' && !absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
  }
  return dot == absl::string_view::npos || amount.size() - dot - 1 == 2;
}

void CheckEntities(absl::string_view text, const Extractor& e) {
  const shop::supportbot::Entities entities = e.extractor.Extract(text);
  for (size_t i = 0; i < entities.order_ids.size(); ++i) {
    const std::string& id = entities.order_ids[i];
    Check(IsCanonicalOrderId(id, e.format));
    Check(e.normalizer.Normalize(id) == id);
    for (size_t j = 0; j < i; ++j) Check(entities.order_ids[j] != id);
  }
  for (size_t i = 0; i < entities.emails.size(); ++i) {
    const std::string& email = entities.emails[i];
    Check(email.find('@') != std::string::npos);
    Check(absl::StrContains(text, email));
    for (size_t j = 0; j < i; ++j) Check(!absl::EqualsIgnoreCase(entities.emails[j], email));
  }
  const char* previous_end = text.data();
  for (const shop::supportbot::MoneyAmount& amount : entities.amounts) {
    Check(amount.currency.size() == 3);
    for (char c : amount.currency) Check(absl::ascii_isupper(static_cast<unsigned char>(c)));
    Check(IsNormalisedAmount(amount.amount));
    double value = 0;
    Check(absl::SimpleAtod(amount.amount, &value) && value == amount.value);
    // (A number of hundreds of digits is infinity: amounts are not limited in length.)
    Check(!std::isnan(amount.value) && amount.value >= 0);
    // As written, and in order of appearance: each amount's text is found after the
    // previous one (the search finds the earliest place it could be).
    const size_t found = text.substr(previous_end - text.data()).find(amount.text);
    Check(!amount.text.empty() && found != absl::string_view::npos);
    previous_end += found + amount.text.size();
  }
  for (size_t i = 0; i < entities.countries.size(); ++i) {
    const std::string& code = entities.countries[i];
    Check(shop::NormalizeCountryCode(code) == code);
    for (size_t j = 0; j < i; ++j) Check(entities.countries[j] != code);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // The default format (8 digits, an even count that may be written in two halves) and
  // an odd one with a punctuated prefix.
  static const Extractor* const kExtractors[] = {
      new Extractor(OrderIdFormat{}),
      new Extractor(OrderIdFormat{"AB#", 7}),
  };
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  for (const Extractor* e : kExtractors) {
    CheckEntities(text, *e);
    const std::optional<std::string> id = e->normalizer.Normalize(text);
    if (id) {
      Check(IsCanonicalOrderId(*id, e->format));
      Check(e->normalizer.Normalize(*id) == id);
    }
  }

  const std::vector<std::string> fields = absl::StrSplit(text, '\x01');
  if (fields.size() == 5) {
    const shop::supportbot::Address address{fields[0], fields[1], fields[2], fields[3], fields[4]};
    if (shop::supportbot::ValidateAddress(address).ok()) {
      Check(shop::NormalizeCountryCode(address.country).has_value());
    }
  }
  if (const auto status = shop::supportbot::ParseOrderStatus(text)) {
    Check(shop::supportbot::OrderStatusName(*status) == text);
  }
  return 0;
}
