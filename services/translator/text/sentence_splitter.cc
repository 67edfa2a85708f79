// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/sentence_splitter.h"

#include <algorithm>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/types/span.h"
#include "common/text/re2_util.h"
#include "re2/re2.h"

namespace shop::translator {
namespace {

// Length in bytes of the whitespace character at text[pos], 0 if there is none.
size_t WhitespaceLength(absl::string_view text, size_t pos) {
  if (absl::string_view(" \t\n\v\f\r").find(text[pos]) != absl::string_view::npos) return 1;
  const absl::string_view rest = text.substr(pos);
  if (absl::StartsWith(rest, "\xC2\xA0")) return 2;  // U+00A0
  if (absl::StartsWith(rest, "\xE2\x80\xA8") || absl::StartsWith(rest, "\xE2\x80\xA9")) {
    return 3;  // U+2028/9
  }
  return 0;
}

bool IsLineBreak(absl::string_view text, size_t pos) {
  return text[pos] == '\n' || text[pos] == '\r' || text[pos] == '\v' || text[pos] == '\f' ||
         WhitespaceLength(text, pos) == 3;
}

bool IsOneOf(absl::string_view word, absl::Span<const absl::string_view> lower_case_words) {
  const std::string lower = absl::AsciiStrToLower(std::string(word));
  return std::find(lower_case_words.begin(), lower_case_words.end(), lower) !=
         lower_case_words.end();
}

// Abbreviations that are practically never the last word of a sentence. Units ("min.",
// "mm.") are left out: product texts often end sentences with them.
constexpr absl::string_view kAbbreviations[] = {
    // English
    "mr", "mrs", "ms", "dr", "prof", "st", "jr", "sr", "vs", "approx", "fig", "vol", "dept", "ref",
    // German
    "nr", "ca", "bzw", "inkl", "exkl", "zzgl", "ggf", "evtl", "vgl", "str", "hr", "fr", "dipl",
    "bspw", "sog", "max", "mind", "tel",
    // French
    "mme", "mlle", "env", "cf", "av", "bd",
    // Spanish
    "sra", "srta", "dra", "ud", "uds", "aprox", "pág", "núm", "dña"};

// Abbreviations that can end a sentence ("I said no.") but not before a number ("No. 5").
constexpr absl::string_view kAbbreviationsBeforeNumbers[] = {"no", "nos", "art", "p",
                                                             "pp", "s",   "abb", "kap"};

// Whether the whitespace between `token` (the text since the previous whitespace) and
// `next` (the text after this whitespace) ends a sentence. `previous` is the token before
// `token`, for French spacing: « Non. » Puis...
bool EndsSentence(absl::string_view previous, absl::string_view token, absl::string_view next) {
  static const RE2 kClosingOnly(R"(["'”’»›)\]]+)");
  static const RE2 kNextStartsSentence(R"(^[\p{Lu}\p{Nd}"'“‘„«‹(\[¿¡])");
  // Group 1: the word before the terminator, without opening punctuation; group 2: the
  // terminator; closing quotes and brackets may follow it.
  static const RE2 kTerminated(R"(^[(\["'“‘„«‹¿¡]*(.*?)([.!?…]+)["'”’»›)\]]*$)");
  static const RE2 kInitial(R"(\p{Lu})");
  static const RE2 kDotted(R"(\p{L}{1,2}(?:\.\p{L}{1,2})+)");  // e.g, z.B, U.S, p.ej
  static const RE2 kDayOfMonth(R"(\d{1,2})");
  static const RE2 kGermanMonth(
      R"(^(?:Januar|Jänner|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|)"
      R"(November|Dezember)\b)");
  if (RE2::FullMatch(ToPiece(token), kClosingOnly)) token = previous;
  re2::StringPiece word, terminator;
  if (!RE2::PartialMatch(ToPiece(next), kNextStartsSentence) ||
      !RE2::FullMatch(ToPiece(token), kTerminated, &word, &terminator)) {
    return false;
  }
  if (terminator != ".") return true;  // ! ? … and "..." always end a sentence
  if (word.empty()) return true;
  // "am 3. Mai": German writes the day of the month as an ordinal.
  if (RE2::FullMatch(word, kDayOfMonth) && RE2::PartialMatch(ToPiece(next), kGermanMonth)) {
    return false;
  }
  if (absl::ascii_isdigit(next[0]) && IsOneOf(ToView(word), kAbbreviationsBeforeNumbers)) {
    return false;
  }
  return !(RE2::FullMatch(word, kInitial) || RE2::FullMatch(word, kDotted) ||
           IsOneOf(ToView(word), kAbbreviations));
}

}  // namespace

std::vector<TextSegment> SplitSentences(absl::string_view text) {
  std::vector<TextSegment> segments;
  size_t sentence_begin = 0;  // where the current sentence started
  size_t token_begin = 0;     // where the text after the last whitespace run started
  absl::string_view previous_token;
  for (size_t pos = 0; pos < text.size();) {
    if (WhitespaceLength(text, pos) == 0) {
      ++pos;  // whitespace lead bytes never occur inside a multi-byte character
      continue;
    }
    const size_t run_begin = pos;
    bool line_break = false;
    for (size_t length; pos < text.size() && (length = WhitespaceLength(text, pos)) > 0;) {
      line_break = line_break || IsLineBreak(text, pos);
      pos += length;
    }
    const absl::string_view token = text.substr(token_begin, run_begin - token_begin);
    const bool ends_sentence = run_begin == 0 || pos == text.size() || line_break ||
                               EndsSentence(previous_token, token, text.substr(pos));
    previous_token = token;
    token_begin = pos;
    if (ends_sentence) {
      if (run_begin > sentence_begin) {
        segments.push_back({TextSegment::Kind::kSentence,
                            text.substr(sentence_begin, run_begin - sentence_begin)});
      }
      segments.push_back({TextSegment::Kind::kSeparator, text.substr(run_begin, pos - run_begin)});
      sentence_begin = pos;
    }
  }
  if (sentence_begin < text.size()) {
    segments.push_back({TextSegment::Kind::kSentence, text.substr(sentence_begin)});
  }
  return segments;
}

}  // namespace shop::translator
