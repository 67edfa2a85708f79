// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/entity_extractor.h"

#include <string>
#include <thread>
#include <vector>

#include "tests/catch.h"

namespace shop::supportbot {
namespace {

using Ids = std::vector<std::string>;

const EntityExtractor& Extractor() {
  static const EntityExtractor* const kExtractor = new EntityExtractor();
  return *kExtractor;
}

Ids Orders(const std::string& text) { return Extractor().Extract(text).order_ids; }
Ids Countries(const std::string& text) { return Extractor().Extract(text).countries; }

// "12.50 EUR" for each amount: normalised amount and currency.
Ids Amounts(const std::string& text) {
  Ids out;
  for (const MoneyAmount& a : Extractor().Extract(text).amounts) {
    out.push_back(a.amount + " " + a.currency);
  }
  return out;
}

TEST_CASE("order numbers are found in every usual spelling", "[entities]") {
  const Ids want = {"ORD-48213907"};
  for (const char* text : {
           "ORD-48213907",
           "where is ORD-48213907?",
           "ord 48213907 hasn't arrived",
           "ORD48213907",
           "ord#48213907",
           "order #48213907",
           "Order number: 48213907",
           "my order no. 48213907 is late",
           "order number is 48213907",
           "Order ID 48213907",
           "#48213907",
           "# 48213907",
           "48213907",
           "it's 48213907.",
           "order 4821 3907",
           "ORD-4821-3907",
           "Meine Bestellnummer ist 48213907",
           "Bestellung Nr. 48213907",
           "ma commande n° 48213907",
           "mi pedido número 48213907",
           "(48213907)",
       }) {
    INFO(text);
    CHECK(Orders(text) == want);
  }
}

TEST_CASE("several order numbers come in order of mention, without duplicates", "[entities]") {
  CHECK(Orders("orders 48213907 and ORD-35032582, also #48213907") ==
        Ids{"ORD-48213907", "ORD-35032582"});
}

TEST_CASE("amounts, phone numbers, dates and other numbers are not order numbers", "[entities]") {
  for (const char* text : {
           "ORD-4821390",      // 7 digits
           "order 482139071",  // 9 digits
           "123456789012",     // a longer number
           "€48213907",        // an amount
           "48213907 EUR",
           "I paid 48213907,50",
           "call me on +49 151 48213907",
           "my phone is 48213907",
           "Handy: 0151 48213907",
           "ring 030/48213907",
           "+4848213907",
           "20250314",              // YYYYMMDD
           "14032025",              // DDMMYYYY
           "48213907@example.com",  // an e-mail address
           "IBAN DE89 3704 0044 0532 0130 00",
           "1.48213907",
           "4821 39071234",
           "tracking 1Z4R8E070348213907",
           "KB-ORD-001",
           "my account number is 48213907",  // named as another kind of number
           "Kundennummer: 48213907",
           "tracking 48213907",
       }) {
    INFO(text);
    CHECK(Orders(text).empty());
  }
  // With an explicit prefix a date-like number is an order number.
  CHECK(Orders("order 20250314") == Ids{"ORD-20250314"});
}

TEST_CASE("e-mail addresses are found as written", "[entities]") {
  const Entities e = Extractor().Extract(
      "write to Lena.Fischer@Example.de or lena.fischer@example.de, or "
      "to support+orders@shop.example.co.uk.");
  CHECK(e.emails == Ids{"Lena.Fischer@Example.de", "support+orders@shop.example.co.uk"});
  CHECK(Extractor().Extract("not an address: user@ or @example.com or a@b").emails.empty());
}

TEST_CASE("money amounts with currency symbols, codes and words", "[entities]") {
  CHECK(Amounts("€12.50") == Ids{"12.50 EUR"});
  CHECK(Amounts("it cost 12,50 EUR") == Ids{"12.50 EUR"});
  CHECK(Amounts("12,50 €") == Ids{"12.50 EUR"});
  CHECK(Amounts("12.5€") == Ids{"12.50 EUR"});
  CHECK(Amounts("$5") == Ids{"5 USD"});
  CHECK(Amounts("20 GBP") == Ids{"20 GBP"});
  CHECK(Amounts("£7.99 and 3 pounds") == Ids{"7.99 GBP", "3 GBP"});
  CHECK(Amounts("EUR 1.299,00") == Ids{"1299.00 EUR"});
  CHECK(Amounts("USD 1,234.56") == Ids{"1234.56 USD"});
  CHECK(Amounts("¥1,000") == Ids{"1000 JPY"});
  CHECK(Amounts("CHF 15.-") == Ids{"15 CHF"});
  CHECK(Amounts("A$30 or 45 AUD") == Ids{"30 AUD", "45 AUD"});
  CHECK(Amounts("20 euros") == Ids{"20 EUR"});
  CHECK(Amounts("5 dollars") == Ids{"5 USD"});
  CHECK(Amounts("a 150 eur limit") == Ids{"150 EUR"});
  CHECK(Amounts("1 234,56 € en France") == Ids{"1234.56 EUR"});
  CHECK(Amounts("US$ 12.50") == Ids{"12.50 USD"});
  const Entities e = Extractor().Extract("refund of 12,50 € please");
  REQUIRE(e.amounts.size() == 1);
  CHECK(e.amounts[0].text == "12,50 €");
  CHECK(e.amounts[0].value == Approx(12.5));
}

TEST_CASE("numbers without a currency are not amounts", "[entities]") {
  for (const char* text : {"12.50", "order 48213907", "2 items", "20 Eurostar tickets", "3 kg",
                           "page 5", "EURO2024"}) {
    INFO(text);
    CHECK(Amounts(text).empty());
  }
}

TEST_CASE("an order number and an amount in one message stay apart", "[entities]") {
  const Entities e = Extractor().Extract("Order #48213907: I was charged €45.90 twice");
  CHECK(e.order_ids == Ids{"ORD-48213907"});
  REQUIRE(e.amounts.size() == 1);
  CHECK(e.amounts[0].amount == "45.90");
}

TEST_CASE("countries by English, German, French and Spanish names", "[entities]") {
  CHECK(Countries("Can you ship to Germany?") == Ids{"DE"});
  CHECK(Countries("Lieferung nach Deutschland") == Ids{"DE"});
  CHECK(Countries("livraison en Allemagne") == Ids{"DE"});
  CHECK(Countries("envío a Alemania") == Ids{"DE"});
  CHECK(Countries("from France to Spain") == Ids{"FR", "ES"});
  CHECK(Countries("España y Francia") == Ids{"ES", "FR"});
  CHECK(Countries("ÉTATS-UNIS et Royaume-Uni") == Ids{"US", "GB"});
  CHECK(Countries("to the United States") == Ids{"US"});
  CHECK(Countries("the United Kingdom, I mean England") == Ids{"GB"});
  CHECK(Countries("Northern Ireland") == Ids{"GB"});
  CHECK(Countries("Ireland") == Ids{"IE"});
  CHECK(Countries("in die Schweiz oder nach Österreich") == Ids{"CH", "AT"});
  CHECK(Countries("Japan, Australia, New Zealand") == Ids{"JP", "AU", "NZ"});
  CHECK(Countries("Estados Unidos") == Ids{"US"});
  CHECK(Countries("los Países Bajos") == Ids{"NL"});
}

TEST_CASE("countries by ISO code", "[entities]") {
  CHECK(Countries("shipping to DE") == Ids{"DE"});
  CHECK(Countries("I live in the UK") == Ids{"GB"});
  CHECK(Countries("from the USA") == Ids{"US"});
  CHECK(Countries("de") == Ids{"DE"});  // the whole message: the answer to "which country?"
  CHECK(Countries("FR.") == Ids{"FR"});
  CHECK(Countries("ship it to IT") == Ids{"IT"});  // a word-like code after "to"
  CHECK(Countries("IT") == Ids{"IT"});
}

TEST_CASE("words that look like countries or codes are not countries", "[entities]") {
  for (const char* text :
       {"no", "NO", "it", "Is it shipped?", "IT support said my order is late",
        "WHERE IS MY ORDER IT WAS DUE ON MONDAY", "I use Deutsche Post", "Frances", "a francophone",
        "send me the PDF", "OK", "the suede jacket", "fine china", "usa el código", "paid in EUR",
        "US$ 12.50", "ORD-48213907", "anna@france.fr", "Kanadas"}) {
    INFO(text);
    CHECK(Countries(text).empty());
  }
}

TEST_CASE("an empty or odd message yields no entities", "[entities]") {
  CHECK(Extractor().Extract("").empty());
  CHECK(Extractor().Extract("   ").empty());
  CHECK(Extractor().Extract("hello, where is my parcel?").empty());
  CHECK(Extractor().Extract(std::string("\xff\xfe ord \xc3", 8)).empty());
  // A long message is handled in linear time (RE2), and finds what is in it.
  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "1234 5678 9 €€ ## ord order x ";
  long_text += "ORD-48213907";
  CHECK(Orders(long_text) == Ids{"ORD-48213907"});
}

TEST_CASE("one extractor serves many threads", "[entities]") {
  std::vector<std::thread> threads;
  std::vector<int> ok(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&ok, t] {
      for (int i = 0; i < 200; ++i) {
        const Entities e = Extractor().Extract("order #48213907 to Germany for €12.50");
        ok[t] +=
            e.order_ids == Ids{"ORD-48213907"} && e.countries == Ids{"DE"} && e.amounts.size() == 1;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  CHECK(ok == std::vector<int>(4, 200));
}

}  // namespace
}  // namespace shop::supportbot

namespace shop::supportbot {
namespace {

TEST_CASE("order numbers follow the store's configured format", "[entities]") {
  const EntityExtractor so(OrderIdFormat{"SO-", 6});
  CHECK(so.Extract("where is SO-123456?").order_ids == Ids{"SO-123456"});
  CHECK(so.Extract("so 123456 has not arrived").order_ids == Ids{"SO-123456"});
  CHECK(so.Extract("my order #123456").order_ids == Ids{"SO-123456"});
  CHECK(so.Extract("Bestellung 123 456").order_ids == Ids{"SO-123456"});
  CHECK(so.Extract("123456").order_ids == Ids{"SO-123456"});  // 6 digits: bare numbers too
  CHECK(so.Extract("ORD-12345678").order_ids.empty());        // not this shop's shape
  CHECK(so.Extract("call me on 0151 123456").order_ids.empty());

  const EntityExtractor five(OrderIdFormat{"W", 5});
  CHECK(five.Extract("order w12345").order_ids == Ids{"W12345"});
  CHECK(five.Extract("order number 12345").order_ids == Ids{"W12345"});
  CHECK(five.Extract("I live in 10115 Berlin").order_ids.empty());  // short: no bare numbers
}

TEST_CASE("ids are normalised and validated in the configured format", "[entities]") {
  const OrderIdFormat so{"SO-", 6};
  CHECK(NormalizeOrderId(" so123456 ", so) == "SO-123456");
  CHECK(NormalizeOrderId("#123456", so) == "SO-123456");
  CHECK(!NormalizeOrderId("ORD-12345678", so).has_value());
  CHECK(NormalizeOrderId("ord 12345678") == "ORD-12345678");  // the default is unchanged
  CHECK(so.Example() == "SO-123456");
  CHECK(OrderIdFormat{}.Example() == "ORD-12345678");
  CHECK(so.Validate().ok());
  CHECK(!OrderIdFormat({"ORD--", 8}).Validate().ok());
  CHECK(!OrderIdFormat({"", 8}).Validate().ok());
  CHECK(!OrderIdFormat({"ORD-", 3}).Validate().ok());
  CHECK(!OrderIdFormat({"O(D", 8}).Validate().ok());
}

}  // namespace
}  // namespace shop::supportbot
