// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/sentence_splitter.h"

#include <string>
#include <vector>

#include "tests/catch.h"

namespace shop::translator {
namespace {

using Kind = TextSegment::Kind;

// The sentences of `text`, after checking the segments' invariants: they alternate, none
// is empty, sentences are trimmed and the concatenation is the input.
std::vector<std::string> Sentences(const std::string& text) {
  const std::vector<TextSegment> segments = SplitSentences(text);
  std::string joined;
  std::vector<std::string> sentences;
  for (size_t i = 0; i < segments.size(); ++i) {
    const TextSegment& segment = segments[i];
    REQUIRE_FALSE(segment.text.empty());
    if (i > 0) CHECK(segment.kind != segments[i - 1].kind);
    joined.append(segment.text.data(), segment.text.size());
    if (segment.kind == Kind::kSentence) {
      sentences.emplace_back(segment.text);
      CHECK(std::string(" \t\n\r").find(sentences.back().front()) == std::string::npos);
      CHECK(std::string(" \t\n\r").find(sentences.back().back()) == std::string::npos);
    }
  }
  CHECK(joined == text);
  return sentences;
}

using Want = std::vector<std::string>;

TEST_CASE("sentences end at . ! ? and … before a capital", "[sentence_splitter]") {
  CHECK(Sentences("Hello world. This is great! Is it? Yes… Fine.") ==
        Want{"Hello world.", "This is great!", "Is it?", "Yes…", "Fine."});
  CHECK(Sentences("Wait... Really?! 3 left. \"Quoted.\" (Bracketed.)") ==
        Want{"Wait...", "Really?!", "3 left.", "\"Quoted.\"", "(Bracketed.)"});
  CHECK(Sentences("Hola. ¿Qué tal? ¡Bien!") == Want{"Hola.", "¿Qué tal?", "¡Bien!"});
  CHECK(Sentences("Größe 42. Über uns.") == Want{"Größe 42.", "Über uns."});
}

TEST_CASE("closing quotes and French spaced punctuation stay with their sentence",
          "[sentence_splitter]") {
  CHECK(Sentences("He said \"Stop.\" Then he left.") == Want{"He said \"Stop.\"", "Then he left."});
  CHECK(Sentences("Il a dit « Non. » Puis il est parti.") ==
        Want{"Il a dit « Non. »", "Puis il est parti."});
  CHECK(Sentences("C'est vrai ! Merci.") == Want{"C'est vrai !", "Merci."});
}

TEST_CASE("a lower-case word after the period continues the sentence", "[sentence_splitter]") {
  CHECK(Sentences("Tables, chairs etc. are included.") ==
        Want{"Tables, chairs etc. are included."});
  CHECK(Sentences("It is 5 cm. wide and 3 cm. high.") == Want{"It is 5 cm. wide and 3 cm. high."});
}

TEST_CASE("common abbreviations in en, de, fr and es do not end a sentence",
          "[sentence_splitter]") {
  CHECK(Sentences("Dr. Smith met Mr. Jones. They talked.") ==
        Want{"Dr. Smith met Mr. Jones.", "They talked."});
  CHECK(Sentences("Fruit, e.g. Apples or i.e. Pears, is healthy.") ==
        Want{"Fruit, e.g. Apples or i.e. Pears, is healthy."});
  CHECK(Sentences("Aus Holz, z.B. Eiche bzw. Buche, ca. 5 kg. Artikel Nr. 12 ist neu.") ==
        Want{"Aus Holz, z.B. Eiche bzw. Buche, ca. 5 kg.", "Artikel Nr. 12 ist neu."});
  CHECK(Sentences("Mme. Dupont est là. Merci.") == Want{"Mme. Dupont est là.", "Merci."});
  CHECK(Sentences("El Sr. García compra frutas, p.ej. Manzanas. Gracias.") ==
        Want{"El Sr. García compra frutas, p.ej. Manzanas.", "Gracias."});
}

TEST_CASE("No., Art. and p. do not end a sentence before a number", "[sentence_splitter]") {
  CHECK(Sentences("Item No. 12345 is new. Say no. Then go.") ==
        Want{"Item No. 12345 is new.", "Say no.", "Then go."});
  CHECK(Sentences("Siehe Art. 5 und S. 12.") == Want{"Siehe Art. 5 und S. 12."});
}

TEST_CASE("a German day of the month is not the end of a sentence", "[sentence_splitter]") {
  CHECK(Sentences("Lieferung am 3. Mai. Ab 24. Dezember geschlossen. Größe 42. Neu.") ==
        Want{"Lieferung am 3. Mai.", "Ab 24. Dezember geschlossen.", "Größe 42.", "Neu."});
}

TEST_CASE("etc. and usw. end a sentence when a capital follows", "[sentence_splitter]") {
  CHECK(Sentences("Tische, Stühle usw. Die Lieferung ist frei.") ==
        Want{"Tische, Stühle usw.", "Die Lieferung ist frei."});
  CHECK(Sentences("Pens, paper etc. The rest costs extra.") ==
        Want{"Pens, paper etc.", "The rest costs extra."});
}

TEST_CASE("initials do not end a sentence", "[sentence_splitter]") {
  CHECK(Sentences("A novel by J. R. Tolkien. Read it.") ==
        Want{"A novel by J. R. Tolkien.", "Read it."});
  CHECK(Sentences("Made in the U.S. Army style.") == Want{"Made in the U.S. Army style."});
}

TEST_CASE("decimal numbers, URLs and e-mail addresses are not split", "[sentence_splitter]") {
  CHECK(Sentences("It weighs 3.5 kg. It costs 1.299,00 €.") ==
        Want{"It weighs 3.5 kg.", "It costs 1.299,00 €."});
  CHECK(Sentences("See www.Shop.example.com/Item.Html or write to Info@Shop.De. Thanks.") ==
        Want{"See www.Shop.example.com/Item.Html or write to Info@Shop.De.", "Thanks."});
}

TEST_CASE("paragraph and line breaks are separators reproduced exactly", "[sentence_splitter]") {
  const std::string text =
      "  Soft Blanket\n\nWarm and light. Machine washable.\r\n- 100% cotton\n- 150x200 cm\n\n\n";
  CHECK(Sentences(text) == Want{"Soft Blanket", "Warm and light.", "Machine washable.",
                                "- 100% cotton", "- 150x200 cm"});
  std::vector<std::string> separators;
  for (const TextSegment& segment : SplitSentences(text)) {
    if (segment.kind == Kind::kSeparator) separators.emplace_back(segment.text);
  }
  CHECK(separators == Want{"  ", "\n\n", " ", "\r\n", "\n", "\n\n\n"});
}

TEST_CASE("a line break ends a sentence even without punctuation", "[sentence_splitter]") {
  CHECK(Sentences("first line\nsecond line") == Want{"first line", "second line"});
}

TEST_CASE("empty and whitespace-only texts have no sentences", "[sentence_splitter]") {
  CHECK(SplitSentences("").empty());
  const std::vector<TextSegment> blank = SplitSentences(" \n\t\u00A0");
  REQUIRE(blank.size() == 1);
  CHECK(blank[0].kind == Kind::kSeparator);
  CHECK(Sentences("\u00A0Hi.\u00A0") == Want{"Hi."});
}

}  // namespace
}  // namespace shop::translator
