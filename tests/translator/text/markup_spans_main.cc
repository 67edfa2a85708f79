// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The markup spans SpanProtector finds, for markup_parity_test.py to hold against
// markup.py's MARKUP. Reads one hex-encoded UTF-8 text per line on stdin and writes, per
// text, one line with its kMarkup and kFormatPlaceholder spans in order, each hex-encoded,
// separated by spaces. Hex keeps tabs, newlines and any other byte in a test text intact.
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_join.h"
#include "services/translator/text/span_protector.h"

int main() {
  using shop::translator::ProtectedSpan;
  using shop::translator::SpanKind;
  const shop::translator::SpanProtector protector({}, {});
  for (std::string line; std::getline(std::cin, line);) {
    std::vector<std::string> spans;
    for (const ProtectedSpan& span : protector.Protect(absl::HexStringToBytes(line)).spans) {
      if (span.kind == SpanKind::kMarkup || span.kind == SpanKind::kFormatPlaceholder) {
        spans.push_back(absl::BytesToHexString(span.original));
      }
    }
    std::cout << absl::StrJoin(spans, " ") << '\n';
  }
  return 0;
}
