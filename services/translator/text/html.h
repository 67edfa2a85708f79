// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Just enough HTML for MARKUP_MODE_HTML: markup is copied verbatim, the text between it is
// translated. No DOM and no validation; malformed input is never an error.
#ifndef SHOP_SERVICES_TRANSLATOR_TEXT_HTML_H_
#define SHOP_SERVICES_TRANSLATOR_TEXT_HTML_H_

#include <string>
#include <vector>

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

// Decodes character references in text: &amp; &lt; &gt; &quot; &apos; &nbsp; (to U+00A0),
// decimal and hex references, and the named entities common in European shop texts.
// Anything else (unknown names, a missing ";", invalid code points) stays as it is.
std::string DecodeHtmlEntities(absl::string_view text);

// Minimal escaping for translated text: & < > and U+00A0, which comes back as &nbsp; so a
// non-breaking space in the source stays visible in the markup.
std::string EscapeHtmlText(absl::string_view text);

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TEXT_HTML_H_
