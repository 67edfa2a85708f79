// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The seam between a translation request and the model: Prepare turns the request text
// into sentences with placeholders, the service translates them, Assemble rebuilds the text.
#ifndef SHOP_SERVICES_TRANSLATOR_TEXT_PREPARED_TEXT_H_
#define SHOP_SERVICES_TRANSLATOR_TEXT_PREPARED_TEXT_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "services/translator/text/html.h"
#include "services/translator/text/span_protector.h"

namespace shop::translator {

struct PrepareOptions {
  bool html = false;  // MARKUP_MODE_HTML: translate only the text between tags
  std::vector<std::string> do_not_translate;
  std::vector<std::pair<std::string, std::string>> glossary;  // source term -> target term
};

class PreparedText {
 public:
  // `text` must be valid UTF-8 (check with IsValidUtf8 first).
  static PreparedText Prepare(absl::string_view text, const PrepareOptions& options);

  // The sentences to translate, in order, trimmed, with <phN> placeholders. May be empty.
  const std::vector<std::string>& sentences() const { return sentences_; }

  // False for a sentence with nothing to translate (only placeholders, digits, punctuation,
  // e.g. a bare price or SKU): skip the model, Assemble ignores its translation.
  bool needs_model(size_t i) const { return needs_model_[i]; }

  // The spans protected in sentences()[i].
  const std::vector<ProtectedSpan>& spans(size_t i) const { return spans_[i]; }

  // Rebuilds the whole text from translations[i], the model's output for sentences()[i]:
  // markup and whitespace verbatim, placeholders restored and repaired (counted in `stats`,
  // which may be null), text re-escaped in HTML mode (characters the source wrote as
  // references in the source's spelling: "&hearts;" comes back as "&hearts;"). A missing
  // translation (index past the end of `translations`) counts as the untranslated sentence.
  std::string Assemble(const std::vector<std::string>& translations, RestoreStats* stats) const;

 private:
  // The text in order: verbatim runs (markup, whitespace) and references to sentences.
  struct Part {
    std::string verbatim;
    int sentence = -1;  // >= 0: sentences_[sentence] goes here
  };

  void AddVerbatim(absl::string_view text);
  void AddText(absl::string_view text, const SpanProtector& protector);

  bool html_ = false;
  // HTML mode: how the text spelled its references, to escape the translation the same way.
  EntitySpellings entity_spellings_;
  std::vector<Part> parts_;
  std::vector<std::string> sentences_;
  std::vector<std::vector<ProtectedSpan>> spans_;
  std::vector<bool> needs_model_;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TEXT_PREPARED_TEXT_H_
