// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Finds the facts a support conversation turns on in a customer message: order numbers,
// e-mail addresses, money amounts and countries.
//
// Order numbers have the store's OrderIdFormat (default: 8 digits, canonical id
// "ORD-12345678", see order_store.h). They are recognised after the prefix's letters
// ("ORD"), "order" (also Bestellung, commande, pedido, ...), "#", with or without
// "number"/"no."/":" and spaces, and, for ids of 6 digits or more, as a bare number of that
// length standing on its own.
// A bare number is not taken when it is part of a phone number ("+49 151 23456789",
// "call me on 12345678"), an amount ("12345678 EUR"), an e-mail address, a longer or
// grouped number ("1234 56789012", "1.23456789"), is named as another kind of number
// ("account number 12345678", "Kundennummer 12345678", "tracking 12345678"), or reads as a
// date (20250314, 14032025).
//
// Amounts need a currency: a symbol, code or word before or after the number ("€12.50",
// "12,50 EUR", "$5", "20 GBP", "CHF 15.-", "20 euros"). Thousands may be separated by
// ",", ".", "'", or a (narrow, no-break) space ("1 234,56 €"); a last separator followed by
// 1 or 2 digits is the decimal mark.
//
// Countries are recognised by their English names and the common German, French and
// Spanish ones (Deutschland, Allemagne, Alemania, ...), by upper-case ISO codes ("DE",
// "UK", "USA") and by a message that is only a code ("de"). Two-letter codes that are also
// words ("IT", "NO", "IN", "AT", ...) count only after "to", "from", "in", "country" or
// when they are the whole message; codes in all-caps messages do not count.
#ifndef SHOP_SERVICES_SUPPORT_BOT_ENTITY_EXTRACTOR_H_
#define SHOP_SERVICES_SUPPORT_BOT_ENTITY_EXTRACTOR_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/support-bot/order_store.h"

namespace shop::supportbot {

struct MoneyAmount {
  std::string currency;  // ISO 4217: "EUR", "USD", ... A plain "$" is taken as USD.
  std::string amount;    // normalised decimal: "12.50" (for "12,50 €"), "1234" (for "¥1,234")
  double value = 0;      // the same as a number
  std::string text;      // as written in the message: "12,50 €"
};

struct Entities {
  // Canonical order ids ("ORD-12345678"), first mention first, without duplicates.
  std::vector<std::string> order_ids;
  // E-mail addresses as written, first mention first, without duplicates (ignoring case).
  std::vector<std::string> emails;
  // Amounts with a currency, in order of appearance.
  std::vector<MoneyAmount> amounts;
  // ISO 3166-1 alpha-2 codes ("DE", "GB"), first mention first, without duplicates.
  std::vector<std::string> countries;

  bool empty() const {
    return order_ids.empty() && emails.empty() && amounts.empty() && countries.empty();
  }
};

// Compiles its regular expressions once, on construction; Extract is const and may be
// called from any number of threads at once.
class EntityExtractor {
 public:
  explicit EntityExtractor(const OrderIdFormat& order_ids = {});
  ~EntityExtractor();
  EntityExtractor(const EntityExtractor&) = delete;
  EntityExtractor& operator=(const EntityExtractor&) = delete;

  // `text` is UTF-8 (invalid bytes are skipped over, never matched).
  Entities Extract(absl::string_view text) const;

 private:
  struct Patterns;
  std::unique_ptr<const Patterns> patterns_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_ENTITY_EXTRACTOR_H_
