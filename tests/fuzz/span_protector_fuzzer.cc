// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the translator's SpanProtector and Restore (services/translator/text/
// span_protector.h). The input is a sentence, optionally followed by "\x01" and a model
// output to restore, and then by "\x01"-separated caller terms (a do-not-translate term, or
// a glossary entry "source\x02target"). Checked, on valid UTF-8 (requests and terms are
// checked with IsValidUtf8 first; other bytes must merely not crash anything):
//  - Protect: at most kMaxPlaceholders spans, spans[i].index == i in order of appearance,
//    and putting each span's original text back for its <phN> gives the sentence again;
//    CountReservedTokens(text) == spans.size() unless the sentence had more than
//    kMaxPlaceholders reserved look-alikes;
//  - Restore of the unchanged protected text restores every placeholder, repairs nothing,
//    and gives back the (trimmed) sentence with each span's `restored` text, except where
//    Restore documents a change: a space between restored text and a letter or digit glued
//    to its placeholder;
//  - Restore of any model output accounts for every span (restored + missing).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/text/utf8.h"
#include "re2/re2.h"
#include "services/translator/text/span_protector.h"

namespace {

using shop::translator::kMaxPlaceholders;
using shop::translator::ProtectedSentence;
using shop::translator::ProtectedSpan;
using shop::translator::RestoreStats;

void Check(bool condition) {
  if (!condition) std::abort();
}

// Restore's notion of a word character ([\p{L}\p{N}_]), for the one change it makes to an
// unchanged sentence.
bool IsWordChar(absl::string_view code_point) {
  static const RE2 kWordChar(R"([\p{L}\p{N}_])");
  return !code_point.empty() &&
         RE2::FullMatch(re2::StringPiece(code_point.data(), code_point.size()), kWordChar);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<absl::string_view> parts = absl::StrSplit(input, '\x01');
  const absl::string_view sentence = parts[0];
  std::vector<std::string> do_not_translate;
  std::vector<std::pair<std::string, std::string>> glossary;
  for (size_t i = 2; i < parts.size() && i < 10; ++i) {
    const std::pair<absl::string_view, absl::string_view> entry =
        absl::StrSplit(parts[i], absl::MaxSplits('\x02', 1));
    if (parts[i].find('\x02') == absl::string_view::npos) {
      do_not_translate.emplace_back(parts[i]);
    } else {
      glossary.emplace_back(entry.first, entry.second);
    }
  }
  const shop::translator::SpanProtector protector(do_not_translate, glossary);
  const ProtectedSentence result = protector.Protect(sentence);
  shop::translator::HasWordsToTranslate(result.text);
  if (parts.size() > 1) {
    RestoreStats stats;
    shop::translator::Restore(parts[1], result.spans, &stats);
    Check(stats.restored + stats.missing == static_cast<int>(result.spans.size()));
    Check(stats.restored >= 0 && stats.missing >= 0 && stats.duplicated >= 0 && stats.unknown >= 0);
  }
  if (!shop::IsValidUtf8(input)) {
    shop::translator::Restore(result.text, result.spans, nullptr);
    return 0;
  }

  Check(result.spans.size() <= static_cast<size_t>(kMaxPlaceholders));
  if (shop::translator::CountReservedTokens(result.text) != static_cast<int>(result.spans.size())) {
    // Only more than kMaxPlaceholders look-alikes can leave one unprotected in the text
    // (and then the text cannot be read back unambiguously).
    Check(shop::translator::CountReservedTokens(sentence) > kMaxPlaceholders);
    return 0;
  }
  // Put the originals back by hand: the protected text is the sentence with <phN> in place
  // of spans[N], numbered in order of appearance.
  std::string rebuilt;   // with each span's original text
  std::string expected;  // with its restored text, spaced where Restore spaces it
  size_t pos = 0;
  for (size_t i = 0; i < result.spans.size(); ++i) {
    const ProtectedSpan& span = result.spans[i];
    Check(span.index == static_cast<int>(i));
    Check(!span.original.empty() && !span.restored.empty());
    const std::string placeholder = absl::StrCat("<ph", i, ">");
    const size_t found = result.text.find(placeholder, pos);
    Check(found != std::string::npos);
    const absl::string_view between = absl::string_view(result.text).substr(pos, found - pos);
    rebuilt.append(between.data(), between.size());
    rebuilt += span.original;
    expected.append(between.data(), between.size());
    if (IsWordChar(shop::CodePointBefore(expected, expected.size())) &&
        IsWordChar(shop::CodePointAt(span.restored, 0))) {
      expected += ' ';
    }
    expected += span.restored;
    pos = found + placeholder.size();
    if (IsWordChar(shop::CodePointBefore(span.restored, span.restored.size())) &&
        IsWordChar(shop::CodePointAt(result.text, pos))) {
      expected += ' ';
    }
  }
  rebuilt += result.text.substr(pos);
  expected += result.text.substr(pos);
  Check(rebuilt == sentence);

  RestoreStats stats;
  const std::string restored = shop::translator::Restore(result.text, result.spans, &stats);
  Check(stats.restored == static_cast<int>(result.spans.size()));
  Check(stats.repairs() == 0);
  Check(restored == absl::StripAsciiWhitespace(expected));
  return 0;
}
