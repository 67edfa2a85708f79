// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Just enough HTML for MARKUP_MODE_HTML: markup is copied verbatim, the text between it is
// translated. No DOM and no validation; malformed input is never an error.
#ifndef SHOP_SERVICES_TRANSLATOR_TEXT_HTML_H_
#define SHOP_SERVICES_TRANSLATOR_TEXT_HTML_H_

#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/string_view.h"

namespace shop::translator {

struct HtmlSegment {
  bool markup;             // true: copy verbatim; false: text (entities still encoded)
  absl::string_view text;  // points into the input of SplitHtml
};

// Splits an HTML fragment into markup and text; concatenating the segments gives back the
// input, and two markup or two text segments never follow each other. Markup is tags with
// their attributes (quoted values may contain ">"), comments, <!DOCTYPE>, CDATA,
// processing instructions, and everything from <script> or <style> to its end tag (or to
// the end of the input).
// Every tag is a boundary, inline ones too: "a <b>big</b> deal" gives the texts "a ", "big"
// and " deal", translated one by one. That costs some fluency around inline tags but
// guarantees every tag comes back intact and in its original order. Attribute values
// (alt, title) are copied untranslated. A "<" that starts no well-formed construct (as in
// "a < b", or an unclosed tag or comment) is text.
std::vector<HtmlSegment> SplitHtml(absl::string_view html);

// Decodes character references in text: every named reference of HTML5 written with its
// ";" (&amp; &hearts; &eacute; ...; &nbsp; gives U+00A0) and decimal and hex references.
// Anything else (unknown names, a missing ";", invalid code points) stays as it is.
std::string DecodeHtmlEntities(absl::string_view text);

// Minimal escaping for translated text: & < > and U+00A0, which comes back as &nbsp; so a
// non-breaking space in the source stays visible in the markup.
std::string EscapeHtmlText(absl::string_view text);

// The number of named references DecodeHtmlEntities knows (HTML5's names ending in ";").
size_t NamedHtmlEntityCount();

// How one document spelled the characters it wrote as references, so that text translated
// from it comes back escaped the way its author wrote it: a caller who sent "&hearts;",
// "&eacute;" or "&#8364;" gets "&hearts;", "&eacute;" and "&#8364;" back, not the bare
// characters. Decode every text run of the document first, then Escape.
class EntitySpellings {
 public:
  // DecodeHtmlEntities(text), noting the spelling of each reference and which characters
  // the text also wrote as themselves.
  std::string Decode(absl::string_view text);

  // EscapeHtmlText(text), except that characters the decoded texts spelled as references
  // come back in that spelling (the first one, where a character had several). A
  // character the document also wrote unencoded comes back unencoded: "café ... &eacute;"
  // should not turn every "é" into "&eacute;", nor one "&period;" every ".". & < > and
  // U+00A0 are always escaped, in the document's own spelling where it had one.
  std::string Escape(absl::string_view text) const;

 private:
  // The decoded text of a reference ("♥", or two code points for a few names such as
  // "&fjlig;") -> its spelling ("&hearts;").
  absl::flat_hash_map<std::string, std::string> spellings_;
  // The code points written as themselves, outside references.
  absl::flat_hash_set<std::string> unencoded_;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TEXT_HTML_H_
