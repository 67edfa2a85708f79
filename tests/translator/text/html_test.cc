// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/html.h"

#include <string>
#include <utility>
#include <vector>

#include "tests/catch.h"

namespace shop::translator {
namespace {

using Segments = std::vector<std::pair<bool, std::string>>;  // (markup, text)
constexpr bool kMarkup = true;
constexpr bool kText = false;

Segments Split(const std::string& html) {
  Segments segments;
  std::string joined;
  for (const HtmlSegment& segment : SplitHtml(html)) {
    if (!segments.empty()) CHECK(segment.markup != segments.back().first);
    segments.emplace_back(segment.markup, std::string(segment.text));
    joined += segments.back().second;
  }
  CHECK(joined == html);
  return segments;
}

TEST_CASE("every tag is a boundary between text segments", "[html]") {
  CHECK(Split("<p class=\"intro\">Hello <b>big</b> world!</p>") ==
        Segments{{kMarkup, "<p class=\"intro\">"},
                 {kText, "Hello "},
                 {kMarkup, "<b>"},
                 {kText, "big"},
                 {kMarkup, "</b>"},
                 {kText, " world!"},
                 {kMarkup, "</p>"}});
  CHECK(Split("<br/><img src=x.png>") == Segments{{kMarkup, "<br/><img src=x.png>"}});
}

TEST_CASE("a > inside a quoted attribute value does not end the tag", "[html]") {
  CHECK(
      Split("<a title=\"a > b\" data-x='<i>'>link</a>") ==
      Segments{{kMarkup, "<a title=\"a > b\" data-x='<i>'>"}, {kText, "link"}, {kMarkup, "</a>"}});
  // A quote that never closes is an ordinary character.
  CHECK(Split("<a title=\"oops>text") == Segments{{kMarkup, "<a title=\"oops>"}, {kText, "text"}});
}

TEST_CASE("script, style, comments and doctype are markup, content included", "[html]") {
  CHECK(Split("<!DOCTYPE html><script>if (a < b) { s = \"<p>Hi</p>\"; }</script>Text") ==
        Segments{{kMarkup, "<!DOCTYPE html><script>if (a < b) { s = \"<p>Hi</p>\"; }</script>"},
                 {kText, "Text"}});
  CHECK(Split("A<STYLE type=\"text/css\">p > a { color: red }</Style>B") ==
        Segments{{kText, "A"},
                 {kMarkup, "<STYLE type=\"text/css\">p > a { color: red }</Style>"},
                 {kText, "B"}});
  CHECK(Split("A<!-- a <b> comment -->B<![CDATA[x < y]]>C") ==
        Segments{{kText, "A"},
                 {kMarkup, "<!-- a <b> comment -->"},
                 {kText, "B"},
                 {kMarkup, "<![CDATA[x < y]]>"},
                 {kText, "C"}});
  CHECK(Split("A<script>never closed") ==
        Segments{{kText, "A"}, {kMarkup, "<script>never closed"}});
}

TEST_CASE("malformed markup is text, not an error", "[html]") {
  CHECK(Split("a < b and c > d") == Segments{{kText, "a < b and c > d"}});
  CHECK(Split("x <b unclosed") == Segments{{kText, "x <b unclosed"}});
  CHECK(Split("x <!-- never closed") == Segments{{kText, "x <!-- never closed"}});
  CHECK(Split("1 <2 <b>3</b>") ==
        Segments{{kText, "1 <2 "}, {kMarkup, "<b>"}, {kText, "3"}, {kMarkup, "</b>"}});
  CHECK(SplitHtml("").empty());
}

TEST_CASE("entities are decoded for translation", "[html]") {
  CHECK(DecodeHtmlEntities("Tom &amp; Jerry &lt;3 &gt; &quot;x&quot; it&#39;s &apos;") ==
        "Tom & Jerry <3 > \"x\" it's '");
  CHECK(DecodeHtmlEntities("&#8364;5 &#x20AC;6 &#X20ac;7") == "€5 €6 €7");
  CHECK(DecodeHtmlEntities("Gr&ouml;&szlig;e&nbsp;M &eacute;t&eacute; &copy;") ==
        "Größe\u00A0M été ©");
}

TEST_CASE("unknown or broken entities stay as they are", "[html]") {
  CHECK(DecodeHtmlEntities("&bogus; &amp &#; &#xZZ; &#0; &#xD800; &#x110000; & ;") ==
        "&bogus; &amp &#; &#xZZ; &#0; &#xD800; &#x110000; & ;");
  CHECK(DecodeHtmlEntities("AT&T &&amp;") == "AT&T &&");
}

TEST_CASE("every named reference of HTML5 is known, only with its semicolon", "[html]") {
  CHECK(NamedHtmlEntityCount() >= 2000);
  CHECK(DecodeHtmlEntities("I &hearts; &check; &rarr; &frac34; &Omega; &zwnj;") ==
        "I ♥ ✓ → ¾ Ω \u200C");
  // The longest name, and names decoding to two code points.
  CHECK(DecodeHtmlEntities("&CounterClockwiseContourIntegral;") == "∳");
  CHECK(DecodeHtmlEntities("&fjlig; &NotEqualTilde; &nvlt;") == "fj ≂̸ <⃒");
  // Names are case-sensitive; HTML5's legacy names without ";" are left alone.
  CHECK(DecodeHtmlEntities("&HEARTS; &Hearts; &copy 2024 &amp &eacutex;") ==
        "&HEARTS; &Hearts; &copy 2024 &amp &eacutex;");
  CHECK(DecodeHtmlEntities("&AMP; &LT; &GT;") == "& < >");
}

TEST_CASE("translated text is re-escaped minimally", "[html]") {
  CHECK(EscapeHtmlText("a < b & c > d \"q\" 'a'\u00A0€") ==
        "a &lt; b &amp; c &gt; d \"q\" 'a'&nbsp;€");
}

TEST_CASE("characters the text spelled as references come back in that spelling", "[html]") {
  EntitySpellings spellings;
  CHECK(spellings.Decode("I &hearts; caf&eacute;s, &#8364;5 &amp; &#x2122;") ==
        "I ♥ cafés, €5 & ™");
  CHECK(spellings.Decode("&nbsp;") == "\u00A0");
  CHECK(spellings.Escape("Ich ♥ Cafés: 5€ & ™ <3\u00A0x") ==
        "Ich &hearts; Caf&eacute;s: 5&#8364; &amp; &#x2122; &lt;3&nbsp;x");
  // Characters the text never spelled as references are escaped as usual.
  CHECK(spellings.Escape("« ü > ö »") == "« ü &gt; ö »");
}

TEST_CASE("the first spelling of a character wins", "[html]") {
  EntitySpellings spellings;
  spellings.Decode("&#8364;1 &euro;2 &#x20AC;3");
  CHECK(spellings.Escape("€ €") == "&#8364; &#8364;");
}

TEST_CASE("a character the text also wrote unencoded comes back unencoded", "[html]") {
  EntitySpellings spellings;
  spellings.Decode("Café.");
  spellings.Decode("&eacute;t&eacute;&period; &hearts;");
  CHECK(spellings.Escape("été. ♥") == "été. &hearts;");
}

TEST_CASE("& < > and no-break spaces are escaped in the text's own spelling", "[html]") {
  EntitySpellings spellings;
  // Unencoded & and < are in the text too, but must be escaped all the same.
  spellings.Decode("AT&T a < b &#38; &LT; &gt; &#160;");
  CHECK(spellings.Escape("& < > \u00A0") == "&#38; &LT; &gt; &#160;");
}

TEST_CASE("a reference for two code points comes back whole", "[html]") {
  EntitySpellings spellings;
  spellings.Decode("&nvlt; &fjlig;");
  CHECK(spellings.Escape("<⃒ < fjord") == "&nvlt; &lt; &fjlig;ord");
  // One whose first character was also written unencoded comes back unencoded.
  spellings.Decode("fun");
  CHECK(spellings.Escape("fjord") == "fjord");
}

TEST_CASE("without references escaping is EscapeHtmlText", "[html]") {
  EntitySpellings spellings;
  spellings.Decode("plain café");
  CHECK(spellings.Escape("a < b & c\u00A0é") == EscapeHtmlText("a < b & c\u00A0é"));
}

}  // namespace
}  // namespace shop::translator
