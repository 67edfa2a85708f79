// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/span_protector.h"

#include <fstream>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/catch.h"

namespace shop::translator {
namespace {

// The protected spans of `sentence` as (kind, original) pairs.
std::vector<std::pair<SpanKind, std::string>> Spans(const std::string& sentence,
                                                    const SpanProtector& protector) {
  std::vector<std::pair<SpanKind, std::string>> spans;
  for (const ProtectedSpan& span : protector.Protect(sentence).spans) {
    spans.emplace_back(span.kind, span.original);
  }
  return spans;
}

std::vector<std::pair<SpanKind, std::string>> Spans(const std::string& sentence) {
  return Spans(sentence, SpanProtector({}, {}));
}

using Want = std::vector<std::pair<SpanKind, std::string>>;

TEST_CASE("URLs and e-mail addresses are protected without trailing punctuation",
          "[span_protector]") {
  CHECK(Spans("Visit https://shop.example.com/a?b=1&c=2 today.") ==
        Want{{SpanKind::kUrl, "https://shop.example.com/a?b=1&c=2"}});
  CHECK(Spans("See www.example.de.") == Want{{SpanKind::kUrl, "www.example.de"}});
  CHECK(Spans("(http://x.org/page)") == Want{{SpanKind::kUrl, "http://x.org/page"}});
  CHECK(Spans("Write to info@shop-example.com.") ==
        Want{{SpanKind::kEmail, "info@shop-example.com"}});
}

TEST_CASE("prices with a currency are protected whole", "[span_protector]") {
  for (const char* price : {"€19.99", "19,99 €", "19,99\u00A0€", "$5", "US$ 12.50", "20 EUR",
                            "USD 20", "£3", "CHF 10.-", "1.299,00 €", "¥1,000"}) {
    INFO(price);
    CHECK(Spans(absl::StrCat("Now only ", price, ", today.")) == Want{{SpanKind::kPrice, price}});
  }
}

TEST_CASE("SKUs and model numbers are protected as one token", "[span_protector]") {
  for (const char* sku : {"AB-1234", "XJ9000", "B07XYZ1234", "SN_12/ab.3", "4K"}) {
    INFO(sku);
    CHECK(Spans(absl::StrCat("Model ", sku, " is new.")) == Want{{SpanKind::kSku, sku}});
  }
}

TEST_CASE("numbers with separators, percent, dimensions, units or a + are one token",
          "[span_protector]") {
  for (const char* number :
       {"12", "3.5", "1,000", "1.000,50", "50%", "10x20", "42cm", "12:30", "+49 30 1234567"}) {
    INFO(number);
    CHECK(Spans(absl::StrCat("It has ", number, " parts.")) == Want{{SpanKind::kNumber, number}});
  }
}

TEST_CASE("only the number of a product name is protected", "[span_protector]") {
  CHECK(Spans("The iPhone 15 is here.") == Want{{SpanKind::kNumber, "15"}});
}

TEST_CASE("ordinals and number-word compounds are left for the model", "[span_protector]") {
  CHECK(Spans("The 1st pick, a 2-pack.") == Want{{SpanKind::kNumber, "2"}});
  CHECK(Spans("Word42 and 42word.") ==
        Want{{SpanKind::kSku, "Word42"}, {SpanKind::kSku, "42word"}});
}

TEST_CASE("placeholders are numbered in order of appearance", "[span_protector]") {
  const ProtectedSentence sentence =
      SpanProtector({}, {}).Protect("USD 20 for AB-1234 at www.x.com, 3 left.");
  CHECK(sentence.text == "<ph0> for <ph1> at <ph2>, <ph3> left.");
  REQUIRE(sentence.spans.size() == 4);
  for (int i = 0; i < 4; ++i) CHECK(sentence.spans[i].index == i);
  CHECK(sentence.spans[2].kind == SpanKind::kUrl);
  CHECK(sentence.spans[3].restored == "3");
}

TEST_CASE("caller terms match whole words, case-sensitively, longest first", "[span_protector]") {
  const SpanProtector protector({"Acme", "SuperSoft 3000"}, {{"Acme Pro", "Acme Profi"}});
  CHECK(Spans("The Acme Pro and the Acme.", protector) ==
        Want{{SpanKind::kGlossary, "Acme Pro"}, {SpanKind::kDoNotTranslate, "Acme"}});
  CHECK(Spans("Acmes, acme and AcmeX.", protector).empty());
  // The term beats the number inside it.
  CHECK(Spans("Try SuperSoft 3000 now.", protector) ==
        Want{{SpanKind::kDoNotTranslate, "SuperSoft 3000"}});
  const ProtectedSentence sentence = protector.Protect("Acme Pro!");
  REQUIRE(sentence.spans.size() == 1);
  CHECK(sentence.spans[0].restored == "Acme Profi");
}

TEST_CASE("a caller term inside a URL or e-mail address is part of the address",
          "[span_protector]") {
  const SpanProtector protector({"acme"}, {{"shop", "Laden"}});
  CHECK(Spans("Go to www.acme.com/shop or shop@acme.de.", protector) ==
        Want{{SpanKind::kUrl, "www.acme.com/shop"}, {SpanKind::kEmail, "shop@acme.de"}});
}

TEST_CASE("literal placeholder look-alikes in the input are protected themselves",
          "[span_protector]") {
  const ProtectedSentence sentence = SpanProtector({}, {}).Protect("Type <ph3> or <2de> here.");
  CHECK(sentence.text == "Type <ph0> or <ph1> here.");
  REQUIRE(sentence.spans.size() == 2);
  CHECK(sentence.spans[0].kind == SpanKind::kReservedToken);
  CHECK(Restore(sentence.text, sentence.spans, nullptr) == "Type <ph3> or <2de> here.");
}

// The markup spans (kMarkup, kFormatPlaceholder) SpanProtector finds in `sentence`.
std::vector<std::string> MarkupSpans(const std::string& sentence) {
  std::vector<std::string> spans;
  for (const ProtectedSpan& span : SpanProtector({}, {}).Protect(sentence).spans) {
    if (span.kind == SpanKind::kMarkup || span.kind == SpanKind::kFormatPlaceholder) {
      spans.push_back(span.original);
    }
  }
  return spans;
}

TEST_CASE("markup spans are what markup.py finds (markup_cases.tsv)", "[span_protector]") {
  std::ifstream cases(SHOP_SOURCE_DIR "/tests/translator/text/markup_cases.tsv");
  REQUIRE(cases);
  int count = 0;
  for (std::string line; std::getline(cases, line);) {
    if (line.empty() || absl::StartsWith(line, "#")) continue;
    const std::vector<std::string> columns = absl::StrSplit(line, '\t');
    INFO(line);
    CHECK(MarkupSpans(columns[0]) == std::vector<std::string>(columns.begin() + 1, columns.end()));
    ++count;
  }
  CHECK(count >= 20);
}

TEST_CASE("HTML tags and references are kMarkup, placeholders kFormatPlaceholder",
          "[span_protector]") {
  CHECK(Spans("Copyright &copy; %1 Magento") ==
        Want{{SpanKind::kMarkup, "&copy;"}, {SpanKind::kFormatPlaceholder, "%1"}});
  CHECK(Spans("<b>{name}</b> has {{count}} items.") ==
        Want{{SpanKind::kMarkup, "<b>"},
             {SpanKind::kFormatPlaceholder, "{name}"},
             {SpanKind::kMarkup, "</b>"},
             {SpanKind::kFormatPlaceholder, "{{count}}"}});
}

TEST_CASE("markup outranks caller terms, prices and numbers inside it", "[span_protector]") {
  const SpanProtector protector({"name", "Acme"}, {});
  CHECK(Spans("Dear {name}, your <a title=\"Acme 5\">Acme</a> costs %1.", protector) ==
        Want{{SpanKind::kFormatPlaceholder, "{name}"},
             {SpanKind::kMarkup, "<a title=\"Acme 5\">"},
             {SpanKind::kDoNotTranslate, "Acme"},
             {SpanKind::kMarkup, "</a>"},
             {SpanKind::kFormatPlaceholder, "%1"}});
  CHECK(Spans("%{count} of 20") ==
        Want{{SpanKind::kFormatPlaceholder, "%{count}"}, {SpanKind::kNumber, "20"}});
}

TEST_CASE("percent signs, prices and bare ampersands are not markup", "[span_protector]") {
  CHECK(Spans("100% cotton, 50%off.") ==
        Want{{SpanKind::kNumber, "100%"}, {SpanKind::kNumber, "50%"}});
  CHECK(Spans("Now € 5 or 5 €.") == Want{{SpanKind::kPrice, "€ 5"}, {SpanKind::kPrice, "5 €"}});
  CHECK(Spans("Save & Edit").empty());
}

TEST_CASE("markup inside a URL or e-mail address is part of the address", "[span_protector]") {
  CHECK(Spans("See https://x.com/a%20b?q=%1&amp;r=%{n} now.") ==
        Want{{SpanKind::kUrl, "https://x.com/a%20b?q=%1&amp;r=%{n}"}});
  // A URL stops before a final "}" or ";": one inside a placeholder is taken in.
  CHECK(Spans("Open www.x.com/{lang} or https://x.com/?q={{term}}.") ==
        Want{{SpanKind::kUrl, "www.x.com/{lang}"}, {SpanKind::kUrl, "https://x.com/?q={{term}}"}});
  CHECK(Spans("Write to %name@shop.de") == Want{{SpanKind::kEmail, "%name@shop.de"}});
  // A URL inside a tag is part of the tag.
  CHECK(Spans("Click <a href=\"https://x.com/%1\">here</a>.") ==
        Want{{SpanKind::kMarkup, "<a href=\"https://x.com/%1\">"}, {SpanKind::kMarkup, "</a>"}});
}

TEST_CASE("markup comes back verbatim wherever the model moves it", "[span_protector]") {
  const ProtectedSentence sentence =
      SpanProtector({}, {}).Protect("Copyright &copy; %1 <b>Magento</b>.");
  CHECK(sentence.text == "Copyright <ph0> <ph1> <ph2>Magento<ph3>.");
  CHECK(Restore("<ph2>Magento<ph3> <ph0> <ph1> Urheberrecht.", sentence.spans, nullptr) ==
        "<b>Magento</b> &copy; %1 Urheberrecht.");
}

TEST_CASE("at most 16 spans are protected per sentence", "[span_protector]") {
  std::string text;
  for (int i = 0; i < 20; ++i) absl::StrAppend(&text, i, " ");
  const ProtectedSentence sentence = SpanProtector({}, {}).Protect(text);
  CHECK(sentence.spans.size() == kMaxPlaceholders);
  CHECK(sentence.text.find("<ph15> 16 17 18 19") != std::string::npos);
  CHECK(Restore(sentence.text, sentence.spans, nullptr) ==
        std::string(absl::StripTrailingAsciiWhitespace(text)));
}

std::vector<ProtectedSpan> TwoSpans() {
  return {{0, SpanKind::kPrice, "€5", "€5"}, {1, SpanKind::kGlossary, "Acme Pro", "Acme Profi"}};
}

TEST_CASE("restoring swaps placeholders for their text, glossary terms for the target",
          "[span_protector]") {
  RestoreStats stats;
  CHECK(Restore("Der <ph1> kostet <ph0>.", TwoSpans(), &stats) == "Der Acme Profi kostet €5.");
  CHECK(stats.restored == 2);
  CHECK(stats.repairs() == 0);
}

TEST_CASE("non-ASCII symbols and dashes are protected, ASCII ones and prices are not",
          "[span_protector]") {
  CHECK(Spans("Soft – warm ★★★ cozy") ==
        Want{{SpanKind::kSymbol, "–"}, {SpanKind::kSymbol, "★★★"}});
  CHECK(Spans("I ♥ it, © 2026 Acme™") ==
        Want{{SpanKind::kSymbol, "♥"}, {SpanKind::kSymbol, "©"}, {SpanKind::kNumber, "2026"},
             {SpanKind::kSymbol, "™"}});
  CHECK(Spans("a - b + c = d $").empty());
  CHECK(Spans("Now only €19.99!") == Want{{SpanKind::kPrice, "€19.99"}});
  CHECK(Spans("Größe, café, niño").empty());  // letters are text
}

TEST_CASE("a dropped placeholder is appended before the final punctuation", "[span_protector]") {
  RestoreStats stats;
  CHECK(Restore("Der Preis ist gut!", TwoSpans(), &stats) == "Der Preis ist gut €5 Acme Profi!");
  CHECK(Restore("Nur <ph1>", TwoSpans(), &stats) == "Nur Acme Profi €5");
  CHECK(Restore("", TwoSpans(), &stats) == "€5 Acme Profi");
  CHECK(Restore("Vraiment <ph1> ?", TwoSpans(), &stats) == "Vraiment Acme Profi €5 ?");
  CHECK(stats.missing == 6);
  CHECK(stats.repairs() == 6);
}

TEST_CASE("a repeated placeholder is kept only the first time", "[span_protector]") {
  RestoreStats stats;
  CHECK(Restore("Der <ph1> kostet <ph0> <ph0>.", TwoSpans(), &stats) ==
        "Der Acme Profi kostet €5.");
  CHECK(Restore("<ph1> <ph1> ist <ph0>", TwoSpans(), &stats) == "Acme Profi ist €5");
  CHECK(stats.duplicated == 2);
  CHECK(stats.missing == 0);
}

TEST_CASE("an unknown placeholder is removed without leaving double spaces", "[span_protector]") {
  RestoreStats stats;
  CHECK(Restore("<ph7> Der <ph1> kostet <ph9> <ph0> <ph12>.", TwoSpans(), &stats) ==
        "Der Acme Profi kostet €5.");
  CHECK(Restore("a <ph99999999999999999999> b", {}, &stats) == "a b");
  CHECK(stats.unknown == 4);
}

TEST_CASE("restored text glued to a word by the model gets a space", "[span_protector]") {
  const std::vector<ProtectedSpan> spans = {{0, SpanKind::kNumber, "15", "15"}};
  CHECK(Restore("das iPhone<ph0>ist da", spans, nullptr) == "das iPhone 15 ist da");
  CHECK(Restore("(<ph0>)", spans, nullptr) == "(15)");
}

TEST_CASE("a sentence of placeholders and punctuation has nothing to translate",
          "[span_protector]") {
  CHECK_FALSE(HasWordsToTranslate("<ph0> <ph1>."));
  CHECK_FALSE(HasWordsToTranslate("– <ph0> / ★"));
  CHECK(HasWordsToTranslate("<ph0> ist gut"));
  CHECK(HasWordsToTranslate("Größe"));
}

}  // namespace
}  // namespace shop::translator
