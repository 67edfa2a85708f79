// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the translator's request path around the model, PreparedText::Prepare and
// Assemble (services/translator/text/prepared_text.h: HTML splitting and entities,
// sentences, protected spans together), in plain text and HTML mode, with a model that
// returns every sentence unchanged. The input is the text, then optional "\x01"-separated
// caller terms as in span_protector_fuzzer.cc. Checked on valid UTF-8 (the service
// rejects anything else):
//  - Assemble repairs nothing, and a missing translation counts as the untranslated
//    sentence;
//  - plain text comes back byte for byte when no glossary term changes a span and Restore
//    separates no span from a glued word;
//  - in HTML mode every markup segment of the input comes back verbatim and in order.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "common/text/utf8.h"
#include "services/translator/text/html.h"
#include "services/translator/text/prepared_text.h"

namespace {

using shop::translator::PreparedText;
using shop::translator::RestoreStats;

void Check(bool condition) {
  if (!condition) std::abort();
}

// The protected sentence with each <phN> replaced by spans[N].original, nothing else.
std::string Substitute(const std::string& text,
                       const std::vector<shop::translator::ProtectedSpan>& spans) {
  std::string out;
  size_t pos = 0;
  for (size_t i = 0; i < spans.size(); ++i) {
    const std::string placeholder = absl::StrCat("<ph", i, ">");
    const size_t found = text.find(placeholder, pos);
    Check(found != std::string::npos);
    out.append(text, pos, found - pos);
    out += spans[i].original;
    pos = found + placeholder.size();
  }
  out.append(text, pos, std::string::npos);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view input(reinterpret_cast<const char*>(data), size);
  const std::vector<absl::string_view> parts = absl::StrSplit(input, '\x01');
  const absl::string_view text = parts[0];
  if (!shop::IsValidUtf8(input)) return 0;  // PreparedText's precondition
  shop::translator::PrepareOptions options;
  for (size_t i = 1; i < parts.size() && i < 9; ++i) {
    const std::pair<absl::string_view, absl::string_view> entry =
        absl::StrSplit(parts[i], absl::MaxSplits('\x02', 1));
    if (parts[i].find('\x02') == absl::string_view::npos) {
      options.do_not_translate.emplace_back(parts[i]);
    } else {
      options.glossary.emplace_back(entry.first, entry.second);
    }
  }

  for (const bool html : {false, true}) {
    options.html = html;
    const PreparedText prepared = PreparedText::Prepare(text, options);
    RestoreStats stats;
    const std::string assembled = prepared.Assemble(prepared.sentences(), &stats);
    Check(stats.repairs() == 0);
    Check(prepared.Assemble({}, nullptr) == assembled);

    if (!html) {
      bool unchanged = true;  // does Restore give each sentence back as it was sent?
      for (size_t i = 0; i < prepared.sentences().size() && unchanged; ++i) {
        const auto& spans = prepared.spans(i);
        for (const auto& span : spans) unchanged = unchanged && span.restored == span.original;
        unchanged =
            unchanged && shop::translator::Restore(prepared.sentences()[i], spans, nullptr) ==
                             Substitute(prepared.sentences()[i], spans);
      }
      if (unchanged) Check(assembled == text);
      continue;
    }
    size_t pos = 0;
    for (const shop::translator::HtmlSegment& segment : shop::translator::SplitHtml(text)) {
      if (!segment.markup) continue;
      const size_t found = assembled.find(segment.text.data(), pos, segment.text.size());
      Check(found != std::string::npos);
      pos = found + segment.text.size();
    }
  }
  return 0;
}
