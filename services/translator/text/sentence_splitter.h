// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Splits plain text into sentences (what the model translates, one at a time) and the
// whitespace between them (copied as is, so paragraph and line breaks survive).
#ifndef SHOP_SERVICES_TRANSLATOR_TEXT_SENTENCE_SPLITTER_H_
#define SHOP_SERVICES_TRANSLATOR_TEXT_SENTENCE_SPLITTER_H_

#include <vector>

#include "absl/strings/string_view.h"

namespace shop::translator {

struct TextSegment {
  enum class Kind { kSeparator, kSentence };
  Kind kind;
  absl::string_view text;  // points into the input of SplitSentences
};

// Separators and sentences alternate, none is empty, and concatenating them gives back
// `text` byte for byte. Separators are maximal runs of whitespace (ASCII, U+00A0, U+2028,
// U+2029); sentences never start or end with whitespace.
//
// A sentence ends
//  - at every line break (product texts put titles and bullet points on lines of their
//    own, and a line break inside a sentence would not survive the model anyway);
//  - after . ! ? or … (closing quotes and brackets may follow) when whitespace and then an
//    upper-case letter, a digit, an opening quote or bracket, ¿ or ¡ come next. A single
//    "." does not end a sentence after a known abbreviation ("Dr.", "Nr.", "Mme.", "Sr."),
//    a dotted one ("e.g.", "z.B.", "p.ej.") or an initial ("J. Smith"), nor before a
//    number after "No.", "Art.", "p.", nor in a German date ("am 3. Mai"). "etc." and
//    "usw." end a sentence when a capital follows: they are usually the last word of one.
// Decimal numbers, URLs and e-mail addresses contain no whitespace, so a "." inside them is
// never a boundary.
std::vector<TextSegment> SplitSentences(absl::string_view text);

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TEXT_SENTENCE_SPLITTER_H_
