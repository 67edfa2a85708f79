// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the translator's HTML handling (services/translator/text/html.h) with what its
// header promises, on the input as an HTML fragment:
//  - SplitHtml: the segments are views of the input that concatenate back to it, markup
//    and text alternate, markup starts with "<" and ends with ">" (only a <script> or
//    <style> left open may run to the end of the input);
//  - DecodeHtmlEntities keeps valid UTF-8 valid and EntitySpellings::Decode decodes alike;
//  - EscapeHtmlText and EntitySpellings::Escape write no "<" or ">", and decoding what
//    they write gives back the text they were given.
// Requests are checked with IsValidUtf8 first, so the promises are checked on valid
// UTF-8; other bytes must merely not crash anything.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/string_view.h"
#include "common/text/utf8.h"
#include "services/translator/text/html.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using shop::translator::DecodeHtmlEntities;
  using shop::translator::EscapeHtmlText;
  const absl::string_view html(reinterpret_cast<const char*>(data), size);
  const bool valid = shop::IsValidUtf8(html);

  const std::vector<shop::translator::HtmlSegment> segments = shop::translator::SplitHtml(html);
  size_t offset = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    const shop::translator::HtmlSegment& segment = segments[i];
    Check(!segment.text.empty());
    Check(segment.text.data() == html.data() + offset);
    if (i > 0) Check(segment.markup != segments[i - 1].markup);
    if (segment.markup) {
      Check(segment.text[0] == '<');
      Check(absl::EndsWith(segment.text, ">") || i + 1 == segments.size());
    }
    offset += segment.text.size();
  }
  Check(offset == html.size());

  // The translator's order: decode every text run of the document, then escape the
  // (here: untranslated) texts.
  shop::translator::EntitySpellings spellings;
  std::vector<std::string> decoded_texts;
  for (const shop::translator::HtmlSegment& segment : segments) {
    if (segment.markup) continue;
    std::string decoded = spellings.Decode(segment.text);
    Check(decoded == DecodeHtmlEntities(segment.text));
    if (valid) Check(shop::IsValidUtf8(decoded));
    decoded_texts.push_back(std::move(decoded));
  }
  if (!valid) {
    for (const std::string& text : decoded_texts) spellings.Escape(text);
    EscapeHtmlText(html);
    return 0;
  }
  for (const std::string& text : decoded_texts) {
    const std::string escaped = spellings.Escape(text);
    Check(escaped.find_first_of("<>") == std::string::npos);
    Check(DecodeHtmlEntities(escaped) == text);
  }
  const std::string escaped = EscapeHtmlText(html);
  Check(escaped.find_first_of("<>") == std::string::npos);
  Check(escaped.find("\u00A0") == std::string::npos);
  Check(DecodeHtmlEntities(escaped) == html);
  return 0;
}
