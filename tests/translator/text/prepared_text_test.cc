// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/prepared_text.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "re2/re2.h"
#include "services/translator/text/html.h"
#include "tests/catch.h"

namespace shop::translator {
namespace {

// A stand-in for the model that changes every word (upper-cases it) and moves every
// placeholder: they all go to the front, in reverse order.
std::string FakeTranslate(const std::string& sentence) {
  static const RE2 kPlaceholder(R"(<ph\d+>)");
  std::vector<std::string> placeholders;
  re2::StringPiece input(sentence), match;
  while (RE2::FindAndConsume(&input, R"((<ph\d+>))", &match)) placeholders.emplace_back(match);
  std::string words = sentence;
  RE2::GlobalReplace(&words, kPlaceholder, "");
  std::vector<std::string> out(placeholders.rbegin(), placeholders.rend());
  for (absl::string_view word : absl::StrSplit(words, ' ', absl::SkipEmpty())) {
    out.push_back(absl::AsciiStrToUpper(word));
  }
  return absl::StrJoin(out, " ");
}

std::vector<std::string> TranslateAll(const PreparedText& prepared) {
  std::vector<std::string> translations;
  for (size_t i = 0; i < prepared.sentences().size(); ++i) {
    translations.push_back(prepared.needs_model(i) ? FakeTranslate(prepared.sentences()[i]) : "");
  }
  return translations;
}

std::string RoundTrip(const std::string& text, const PrepareOptions& options,
                      RestoreStats* stats = nullptr) {
  const PreparedText prepared = PreparedText::Prepare(text, options);
  return prepared.Assemble(TranslateAll(prepared), stats);
}

int Occurrences(absl::string_view text, absl::string_view part) {
  int count = 0;
  for (size_t pos = text.find(part); pos != absl::string_view::npos;
       pos = text.find(part, pos + 1)) {
    ++count;
  }
  return count;
}

TEST_CASE("every protected kind survives a translation that moves placeholders", "[prepared]") {
  const PrepareOptions options{false, {"SuperSoft"}, {}};
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"Visit https://shop.example.com/item?id=7 for more.", "https://shop.example.com/item?id=7"},
      {"See www.example.de for details.", "www.example.de"},
      {"Mail service@example.com today.", "service@example.com"},
      {"Now only €19.99 instead of 1.299,00 € here.", "€19.99"},
      {"Now only €19.99 instead of 1.299,00 € here.", "1.299,00 €"},
      {"It costs US$ 12.50 or CHF 10.- only.", "US$ 12.50"},
      {"It costs US$ 12.50 or CHF 10.- only.", "CHF 10.-"},
      {"Order part AB-1234 or B07XYZ1234 now.", "AB-1234"},
      {"Order part AB-1234 or B07XYZ1234 now.", "B07XYZ1234"},
      {"The iPhone 15 has 50% more power and weighs 3.5 kg.", "15"},
      {"The iPhone 15 has 50% more power and weighs 3.5 kg.", "50%"},
      {"The iPhone 15 has 50% more power and weighs 3.5 kg.", "3.5"},
      {"A sheet of 150x200 and 42cm deep.", "150x200"},
      {"The SuperSoft blanket is soft.", "SuperSoft"},
      {"Type <ph3> here.", "<ph3>"},
  };
  for (const auto& [text, kept] : cases) {
    INFO(text);
    RestoreStats stats;
    const std::string out = RoundTrip(text, options, &stats);
    INFO(out);
    CHECK(Occurrences(out, kept) == 1);
    CHECK(out != text);  // the words were translated
    CHECK(stats.repairs() == 0);
  }
}

TEST_CASE("a glossary term comes out as its target term", "[prepared]") {
  const PrepareOptions options{false, {}, {{"cosy throw", "Kuscheldecke"}}};
  const std::string out = RoundTrip("This cosy throw is warm. Buy the cosy throw!", options);
  CHECK(Occurrences(out, "Kuscheldecke") == 2);
  CHECK(Occurrences(out, "cosy throw") == 0);
  CHECK(out.find("THIS IS WARM.") != std::string::npos);
}

TEST_CASE("paragraphs, line breaks and surrounding whitespace survive translation", "[prepared]") {
  const std::string out =
      RoundTrip("  Soft blanket\n\nWarm and light. Washable.\r\n- cotton\n", PrepareOptions{});
  CHECK(out == "  SOFT BLANKET\n\nWARM AND LIGHT. WASHABLE.\r\n- COTTON\n");
}

TEST_CASE("a sentence without words skips the model and is restored as is", "[prepared]") {
  const PreparedText prepared = PreparedText::Prepare("Great blanket.\n€19.99\nAB-1234 / 3x", {});
  REQUIRE(prepared.sentences().size() == 3);
  CHECK(prepared.needs_model(0));
  CHECK_FALSE(prepared.needs_model(1));
  CHECK_FALSE(prepared.needs_model(2));
  CHECK(prepared.Assemble({"Tolle Decke.", "ignored", "ignored"}, nullptr) ==
        "Tolle Decke.\n€19.99\nAB-1234 / 3x");
}

TEST_CASE("model mistakes with placeholders are repaired and counted", "[prepared]") {
  const PreparedText prepared =
      PreparedText::Prepare("Only €5 for AB-1234. Order at www.shop.de now.", {});
  REQUIRE(prepared.sentences() ==
          std::vector<std::string>{"Only <ph0> for <ph1>.", "Order at <ph0> now."});
  RestoreStats stats;
  const std::string out =
      prepared.Assemble({"Nur <ph0> <ph0> für <ph7>.", "Bestellen Sie jetzt."}, &stats);
  CHECK(out == "Nur €5 für AB-1234. Bestellen Sie jetzt www.shop.de.");
  CHECK(stats.restored == 1);
  CHECK(stats.duplicated == 1);
  CHECK(stats.unknown == 1);
  CHECK(stats.missing == 2);
}

TEST_CASE("a missing translation leaves the sentence untranslated", "[prepared]") {
  const PreparedText prepared = PreparedText::Prepare("One. Two.", {});
  CHECK(prepared.Assemble({"Eins."}, nullptr) == "Eins. Two.");
}

TEST_CASE("more placeholder look-alikes than placeholders: the sentence stays as it is",
          "[prepared]") {
  std::string text = "Tokens";
  for (int i = 0; i < 20; ++i) absl::StrAppend(&text, " <ph", i, ">");
  text += " here. Then more.";
  const PreparedText prepared = PreparedText::Prepare(text, {});
  CHECK(prepared.sentences() == std::vector<std::string>{"Then more."});
  CHECK(prepared.Assemble({"Dann mehr."}, nullptr) ==
        text.substr(0, text.size() - 10) + "Dann mehr.");
}

TEST_CASE("HTML markup comes back byte-identical and in order, text is translated", "[prepared]") {
  const std::string html =
      "<!DOCTYPE html><div class=\"product\" data-name=\"Soft blanket\">"
      "<h1 title=\"Buy now\">Soft blanket</h1>\n"
      "<p>Only <b>€19.99</b> &amp; free shipping. Order today!</p>"
      "<script>var label = \"buy < now\";</script><!-- a comment -->"
      "<style>p > b { color: red }</style><img alt=\"a blanket\" src=\"x.png\"/></div>";
  RestoreStats stats;
  const std::string out = RoundTrip(html, PrepareOptions{true, {}, {}}, &stats);
  INFO(out);
  size_t pos = 0;
  for (const HtmlSegment& segment : SplitHtml(html)) {
    if (!segment.markup) continue;
    pos = out.find(std::string(segment.text), pos);
    CHECK(pos != std::string::npos);
  }
  CHECK(
      out.find(">SOFT BLANKET</h1>\n<p>ONLY <b>€19.99</b> &amp; FREE SHIPPING. ORDER TODAY!</p>") !=
      std::string::npos);
  CHECK(stats.repairs() == 0);
}

TEST_CASE("HTML entities are decoded for the model and re-escaped after", "[prepared]") {
  const PreparedText prepared =
      PreparedText::Prepare("<p>Tom &amp; Jerry &lt;3 caf&eacute;&nbsp;Paris</p>", {true, {}, {}});
  REQUIRE(prepared.sentences().size() == 1);
  CHECK(prepared.sentences()[0] == "Tom & Jerry <<ph0> café\u00A0Paris");
  CHECK(prepared.Assemble(prepared.sentences(), nullptr) ==
        "<p>Tom &amp; Jerry &lt;3 caf&eacute;&nbsp;Paris</p>");
  CHECK(prepared.Assemble({"Tom & Jerry <<ph0> > x"}, nullptr) ==
        "<p>Tom &amp; Jerry &lt;3 &gt; x</p>");
}

TEST_CASE("HTML entities come back as the caller spelled them", "[prepared]") {
  for (const char* entity : {"&hearts;", "&eacute;", "&amp;", "&#8364;", "&#x20AC;", "&#X20ac;",
                             "&nbsp;", "&#160;", "&copy;", "&lt;", "&quot;", "&#39;"}) {
    const std::string html = absl::StrCat("<p>I ", entity, " this blanket.</p>");
    INFO(html);
    const PreparedText prepared = PreparedText::Prepare(html, {true, {}, {}});
    CHECK(prepared.Assemble(prepared.sentences(), nullptr) == html);
  }
  // In the translation too, wherever the model put the character.
  const PreparedText prepared =
      PreparedText::Prepare("<p>I &hearts; caf&eacute;s &amp; tea.</p>", {true, {}, {}});
  // A symbol is a placeholder for the model (SpanKind::kSymbol), a letter is text.
  REQUIRE(prepared.sentences() == std::vector<std::string>{"I <ph0> cafés & tea."});
  CHECK(prepared.Assemble({"Ich <ph0> Cafés & Tee, é."}, nullptr) ==
        "<p>Ich &hearts; Caf&eacute;s &amp; Tee, &eacute;.</p>");
}

TEST_CASE("a symbol entity the model leaves out still comes back as it was sent", "[prepared]") {
  // v6 dropped "&hearts;" and "&ndash;" from its translations: they are placeholders now,
  // and a dropped placeholder is restored (before the final punctuation).
  const PreparedText prepared =
      PreparedText::Prepare("<p>Soft &ndash; warm. We &hearts; it.</p>", {true, {}, {}});
  REQUIRE(prepared.sentences() == std::vector<std::string>{"Soft <ph0> warm.", "We <ph0> it."});
  RestoreStats stats;
  const std::string out = prepared.Assemble({"Weich und warm.", "Wir lieben es."}, &stats);
  CHECK(out == "<p>Weich und warm &ndash;. Wir lieben es &hearts;.</p>");
  CHECK(stats.missing == 2);
  // In plain text the characters themselves.
  const PreparedText plain = PreparedText::Prepare("Rated ★★★★☆ – great.", {false, {}, {}});
  REQUIRE(plain.sentences() == std::vector<std::string>{"Rated <ph0> <ph1> great."});
  CHECK(plain.Assemble({"Bewertet <ph0> <ph1> toll."}, nullptr) == "Bewertet ★★★★☆ – toll.");
}

TEST_CASE("an escaped entity in HTML stays escaped text", "[prepared]") {
  const std::string html = "<p>Write &amp;hearts; for a heart.</p>";
  const PreparedText prepared = PreparedText::Prepare(html, {true, {}, {}});
  REQUIRE(prepared.sentences().size() == 1);
  CHECK(prepared.sentences()[0] == "Write <ph0> for a heart.");
  CHECK(prepared.Assemble(prepared.sentences(), nullptr) == html);
  CHECK(prepared.Assemble({"Schreib <ph0> für ein Herz."}, nullptr) ==
        "<p>Schreib &amp;hearts; für ein Herz.</p>");
}

TEST_CASE("in plain text, entities and placeholders come back verbatim", "[prepared]") {
  for (const std::string text :
       {"Save &amp; Edit the list.", "I &hearts; this blanket.", "Copyright &copy; %1 Magento.",
        "A total of %1 record(s) have been deleted.", "Hello {name}, see {{base_url}} now.",
        "You have %{count} items in your cart.", "Click <a href=\"%1\">here</a> to log in."}) {
    INFO(text);
    RestoreStats stats;
    const std::string out = RoundTrip(text, {}, &stats);
    INFO(out);
    CHECK(out != text);  // the words were translated
    CHECK(stats.repairs() == 0);
    CHECK(out.find("&amp;amp;") == std::string::npos);
    const PreparedText prepared = PreparedText::Prepare(text, {});
    for (size_t i = 0; i < prepared.sentences().size(); ++i) {
      for (const ProtectedSpan& span : prepared.spans(i)) {
        CHECK(Occurrences(out, span.original) == 1);
      }
    }
    CHECK(prepared.Assemble(prepared.sentences(), nullptr) == text);
  }
}

TEST_CASE("an empty text has nothing to translate", "[prepared]") {
  const PreparedText prepared = PreparedText::Prepare("", {});
  CHECK(prepared.sentences().empty());
  CHECK(prepared.Assemble({}, nullptr).empty());
}

// Random texts from fragments that exercise every rule; the identity translation must give
// back the input byte for byte.
std::string RandomText(std::mt19937& rng) {
  static const std::vector<std::string> kWords = {"blanket",
                                                  "Soft",
                                                  "Größe",
                                                  "été",
                                                  "¿Qué",
                                                  "tal?",
                                                  "Dr.",
                                                  "z.B.",
                                                  "e.g.",
                                                  "J.",
                                                  "etc.",
                                                  "usw.",
                                                  "Nr.",
                                                  "3.5",
                                                  "1.299,00 €",
                                                  "€19.99",
                                                  "$5",
                                                  "USD 20",
                                                  "CHF 10.-",
                                                  "AB-1234",
                                                  "XJ9000",
                                                  "iPhone 15",
                                                  "50%",
                                                  "10x20",
                                                  "42cm",
                                                  "1st",
                                                  "2-pack",
                                                  "https://x.de/a?b=1.",
                                                  "www.shop.com",
                                                  "info@shop.de",
                                                  "Acme",
                                                  "Acme Pro",
                                                  "<ph3>",
                                                  "<2de>",
                                                  "<b>",
                                                  "&amp;",
                                                  "a < b",
                                                  "Hello.",
                                                  "World!",
                                                  "Why?",
                                                  "So…",
                                                  "\"Quoted.\"",
                                                  "(Note)",
                                                  "«Oui»",
                                                  "-",
                                                  "★",
                                                  "😀",
                                                  "ph0",
                                                  "<ph",
                                                  "12:30"};
  static const std::vector<std::string> kSpaces = {" ",    " ",  " ",    "  ",     "\n",
                                                   "\n\n", "\t", "\r\n", "\u00A0", " \n "};
  std::uniform_int_distribution<size_t> length(0, 30);
  std::string text;
  if (rng() % 4 == 0) text += kSpaces[rng() % kSpaces.size()];
  for (size_t n = length(rng), i = 0; i < n; ++i) {
    if (i > 0) text += kSpaces[rng() % kSpaces.size()];
    text += kWords[rng() % kWords.size()];
  }
  if (rng() % 4 == 0) text += kSpaces[rng() % kSpaces.size()];
  return text;
}

TEST_CASE("assembling the identity translation gives back any plain text exactly", "[prepared]") {
  std::mt19937 rng(20260101);
  const PrepareOptions options{false, {"Acme"}, {}};
  for (int i = 0; i < 500; ++i) {
    const std::string text = RandomText(rng);
    INFO(text);
    const PreparedText prepared = PreparedText::Prepare(text, options);
    for (const std::string& sentence : prepared.sentences()) {
      CHECK(sentence == absl::StripAsciiWhitespace(sentence));
    }
    RestoreStats stats;
    REQUIRE(prepared.Assemble(prepared.sentences(), &stats) == text);
    CHECK(stats.repairs() == 0);
  }
}

// Random HTML made of tags, placeholders, references and words that never spell one
// character two ways: the identity translation must give it back byte for byte, references
// in their own spelling.
std::string RandomHtml(std::mt19937& rng) {
  static const std::vector<std::string> kPieces = {
      "Soft",       "blanket",  "Hello.",       "World!",
      "Why?",       "AB-1234",  "3.5",          "50%",
      "{name}",     "%1",       "%{count}",     "{{base_url}}",
      "<b>",        "</b>",     "<br/>",        "<a href=\"%1\">",
      "</a>",       "&hearts;", "caf&eacute;",  "&amp;",
      "&lt;3",      "&#8364;",  "&#8364; 5",    "&nbsp;",
      "&copy;",     "&#x2122;", "&amp;hearts;", "&quot;Hi&quot;",
      "<!-- x -->", "&#x1F600;"};
  static const std::vector<std::string> kSpaces = {" ", " ", "  ", "\n", "\n\n", "\t"};
  std::uniform_int_distribution<size_t> length(0, 25);
  std::string html;
  for (size_t n = length(rng), i = 0; i < n; ++i) {
    if (i > 0) html += kSpaces[rng() % kSpaces.size()];
    html += kPieces[rng() % kPieces.size()];
  }
  return html;
}

TEST_CASE("assembling the identity translation gives back well-formed HTML exactly", "[prepared]") {
  std::mt19937 rng(20260202);
  for (int i = 0; i < 500; ++i) {
    const std::string html = RandomHtml(rng);
    INFO(html);
    const PreparedText prepared = PreparedText::Prepare(html, {true, {}, {}});
    RestoreStats stats;
    REQUIRE(prepared.Assemble(prepared.sentences(), &stats) == html);
    CHECK(stats.repairs() == 0);
  }
}

}  // namespace
}  // namespace shop::translator
