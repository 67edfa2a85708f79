// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/text/prepared_text.h"

#include <string>
#include <utility>
#include <vector>

#include "services/translator/text/html.h"
#include "services/translator/text/sentence_splitter.h"

namespace shop::translator {

PreparedText PreparedText::Prepare(absl::string_view text, const PrepareOptions& options) {
  PreparedText prepared;
  prepared.html_ = options.html;
  const SpanProtector protector(options.do_not_translate, options.glossary);
  if (!options.html) {
    prepared.AddText(text, protector);
    return prepared;
  }
  // All text runs are decoded before any is escaped: the spelling of a reference anywhere
  // in the text (and whether its character also appears unencoded) decides how that
  // character is escaped everywhere, separators between sentences included.
  // The protector sees decoded text, so no reference of the source becomes a markup span;
  // one that remains ("&amp;hearts;" decodes to "&hearts;") is literal text, protected
  // and then escaped back as it came.
  const std::vector<HtmlSegment> segments = SplitHtml(text);
  std::vector<std::string> decoded(segments.size());
  for (size_t i = 0; i < segments.size(); ++i) {
    if (!segments[i].markup) decoded[i] = prepared.entity_spellings_.Decode(segments[i].text);
  }
  for (size_t i = 0; i < segments.size(); ++i) {
    if (segments[i].markup) {
      prepared.AddVerbatim(segments[i].text);
    } else {
      prepared.AddText(decoded[i], protector);
    }
  }
  return prepared;
}

void PreparedText::AddVerbatim(absl::string_view text) {
  if (parts_.empty() || parts_.back().sentence >= 0) parts_.emplace_back();
  parts_.back().verbatim.append(text.data(), text.size());
}

void PreparedText::AddText(absl::string_view text, const SpanProtector& protector) {
  const auto add_verbatim = [&](absl::string_view verbatim) {
    AddVerbatim(html_ ? entity_spellings_.Escape(verbatim) : std::string(verbatim));
  };
  for (const TextSegment& segment : SplitSentences(text)) {
    if (segment.kind == TextSegment::Kind::kSeparator) {
      add_verbatim(segment.text);
      continue;
    }
    ProtectedSentence sentence = protector.Protect(segment.text);
    // More literal "<phN>" look-alikes than placeholders to hide them behind: neither the
    // model nor Restore could tell them from ours, so the sentence stays untranslated.
    if (CountReservedTokens(sentence.text) != static_cast<int>(sentence.spans.size())) {
      add_verbatim(segment.text);
      continue;
    }
    parts_.push_back({"", static_cast<int>(sentences_.size())});
    needs_model_.push_back(HasWordsToTranslate(sentence.text));
    sentences_.push_back(std::move(sentence.text));
    spans_.push_back(std::move(sentence.spans));
  }
}

std::string PreparedText::Assemble(const std::vector<std::string>& translations,
                                   RestoreStats* stats) const {
  std::string out;
  for (const Part& part : parts_) {
    if (part.sentence < 0) {
      out += part.verbatim;
      continue;
    }
    const size_t i = part.sentence;
    const bool translated = needs_model_[i] && i < translations.size();
    const std::string restored =
        Restore(translated ? translations[i] : sentences_[i], spans_[i], stats);
    out += html_ ? entity_spellings_.Escape(restored) : restored;
  }
  return out;
}

}  // namespace shop::translator
