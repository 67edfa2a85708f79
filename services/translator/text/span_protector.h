// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Spans the model must not translate (inline markup and format placeholders, brand names,
// glossary terms, URLs, prices, SKUs, numbers) are swapped for the placeholders
// <ph0>..<ph15> before translation; the model was trained to copy those tokens, and Restore
// swaps them back afterwards.
#ifndef SHOP_SERVICES_TRANSLATOR_TEXT_SPAN_PROTECTOR_H_
#define SHOP_SERVICES_TRANSLATOR_TEXT_SPAN_PROTECTOR_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"

namespace shop::translator {

// The model's vocabulary has placeholders <ph0> .. <ph15>.
inline constexpr int kMaxPlaceholders = 16;

// In priority order: where candidate spans overlap, the earlier kind wins (except for a
// caller term or markup inside a URL or e-mail address: see Protect).
enum class SpanKind {
  kReservedToken,  // literal text that looks like a model symbol ("<ph3>", "<2de>")
  // Inline markup, exactly what services/translator/training/markup.py's MARKUP matches (the v6
  // model is trained with these spans as <phN>): HTML tags and character references
  // ("<a href=\"%1\">", "&hearts;") ...
  kMarkup,
  // ... and format placeholders ("{{base_url}}", "%{count}", "%1", "%name", "{name}").
  // Both are found in one pass, as markup.py does, and rank as one tier.
  kFormatPlaceholder,
  kDoNotTranslate,
  kGlossary,
  kUrl,
  kEmail,
  kPrice,
  kSku,
  kNumber,
  // A run of non-ASCII symbols and dashes ("♥", "–", "©", "→", "★★★"; Unicode classes So,
  // Sm, Sk, Sc, Pd): the model drops or garbles such characters, and in HTML they often
  // came as references ("&hearts;", "&ndash;") that must come back as they were sent.
  kSymbol,
};

struct ProtectedSpan {
  int index;  // the N of <phN>
  SpanKind kind;
  std::string original;  // the text in the source sentence
  std::string restored;  // what <phN> turns into: the glossary target, else `original`
};

struct ProtectedSentence {
  std::string text;                  // the sentence with <phN> in place of each span
  std::vector<ProtectedSpan> spans;  // spans[i].index == i, numbered in order of appearance
};

// What Restore had to repair in the model's output. Restore adds to it.
struct RestoreStats {
  int restored = 0;    // placeholders found and replaced
  int missing = 0;     // placeholders the model dropped (their text is appended)
  int duplicated = 0;  // repeated placeholders (only the first is kept)
  int unknown = 0;     // <phN> that belong to no span (removed)

  int repairs() const { return missing + duplicated + unknown; }
};

class SpanProtector {
 public:
  // Do-not-translate terms are restored as they are, glossary sources as their targets.
  // Both match whole words, case-sensitively. Entries with an empty source or target are
  // ignored (the service should reject them as invalid arguments).
  SpanProtector(const std::vector<std::string>& do_not_translate,
                const std::vector<std::pair<std::string, std::string>>& glossary);

  // Protects one sentence. Where spans overlap, the higher-priority kind wins and then the
  // longer span. At most kMaxPlaceholders spans are protected, chosen by priority; any
  // further candidates are left in the text for the model (a sentence with more than 16
  // prices or numbers is rare, and an unprotected number usually survives translation).
  // A caller term or markup inside a URL or e-mail address is part of the address.
  ProtectedSentence Protect(absl::string_view sentence) const;

 private:
  struct Term {
    std::string source;
    std::string target;
    SpanKind kind;
  };
  std::vector<Term> terms_;
};

// Replaces every <phN> in the model's output with spans[N].restored and repairs the
// model's mistakes so that each span comes out exactly once: a dropped placeholder's text is
// appended at the end (before final punctuation), a repeated one is kept only the first
// time, and an unknown <phN> is removed. Spaces are fixed where something was removed (no
// double spaces, no space before punctuation) and a space separates restored text from a
// letter or digit the model glued to the placeholder. `stats` may be null.
std::string Restore(absl::string_view translated, const std::vector<ProtectedSpan>& spans,
                    RestoreStats* stats);

// Whether `text` has a letter outside placeholders, i.e. anything for a model to translate.
bool HasWordsToTranslate(absl::string_view protected_text);

// The number of tokens in `text` that the model would read as reserved symbols
// (<phN>, <2xx>). After Protect it equals spans.size() unless more than
// kMaxPlaceholders literal look-alikes had to stay unprotected.
int CountReservedTokens(absl::string_view text);

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_TEXT_SPAN_PROTECTOR_H_
