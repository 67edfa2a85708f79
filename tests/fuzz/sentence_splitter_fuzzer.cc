// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the translator's SplitSentences with what sentence_splitter.h promises: segments
// that alternate between separators and sentences, none empty, that concatenate back to
// the input byte for byte, separators of whitespace only, and sentences that neither start
// nor end with whitespace. Requests are checked with IsValidUtf8 before the splitter sees
// them, so the promises are checked on valid UTF-8; other bytes must merely not crash it.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/text/utf8.h"
#include "services/translator/text/sentence_splitter.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

// ASCII whitespace, U+00A0, U+2028 and U+2029: the header's whitespace.
size_t WhitespaceAt(absl::string_view s, size_t pos) {
  const absl::string_view rest = s.substr(pos);
  if (!rest.empty() && absl::string_view(" \t\n\v\f\r").find(rest[0]) != absl::string_view::npos)
    return 1;
  if (absl::StartsWith(rest, "\u00A0")) return 2;
  if (absl::StartsWith(rest, "\u2028") || absl::StartsWith(rest, "\u2029")) return 3;
  return 0;
}

bool EndsWithWhitespace(absl::string_view s) {
  return absl::EndsWith(s, " ") || absl::EndsWith(s, "\t") || absl::EndsWith(s, "\n") ||
         absl::EndsWith(s, "\v") || absl::EndsWith(s, "\f") || absl::EndsWith(s, "\r") ||
         absl::EndsWith(s, "\u00A0") || absl::EndsWith(s, "\u2028") || absl::EndsWith(s, "\u2029");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  const std::vector<shop::translator::TextSegment> segments =
      shop::translator::SplitSentences(text);
  if (!shop::IsValidUtf8(text)) return 0;

  using Kind = shop::translator::TextSegment::Kind;
  std::string joined;
  for (size_t i = 0; i < segments.size(); ++i) {
    const shop::translator::TextSegment& segment = segments[i];
    Check(!segment.text.empty());
    // The segments are views of the input, in order, without gaps.
    Check(segment.text.data() == text.data() + joined.size());
    if (i > 0) Check(segment.kind != segments[i - 1].kind);
    if (segment.kind == Kind::kSeparator) {
      for (size_t pos = 0; pos < segment.text.size();) {
        const size_t length = WhitespaceAt(segment.text, pos);
        Check(length > 0);
        pos += length;
      }
    } else {
      Check(WhitespaceAt(segment.text, 0) == 0);
      Check(!EndsWithWhitespace(segment.text));
    }
    joined.append(segment.text.data(), segment.text.size());
  }
  Check(joined == text);
  return 0;
}
