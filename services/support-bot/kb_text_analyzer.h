// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Turns knowledge-base articles and customer questions into the same search terms:
//
//   "Can I get my money back on customs fees?"
//     tokens    can i get my money back on customs fees        (lower case, words and numbers)
//     synonyms  can i get refund on customs duty                (customer phrasing -> KB terms)
//     terms     get refund custom duti                          (stop words out, Porter stems)
//
// Synonyms are matched on stems, so one entry covers its inflections ("package" also
// matches "packages"). The table is hand-written from general shop and shipping vocabulary;
// it is not derived from the evaluation questions.
//
// German, French and Spanish (the languages of kb/articles.<lang>.jsonl) are analysed
// with the Snowball stemmer of the language (Debian's libstemmer), a stop-word list of
// the language and no synonym table; stems are then folded to plain ASCII letters
// ("rückerstattung" and "rueckerstattung" -> "ruckerstatt"), because customers often type
// without accents and umlauts.
#ifndef SHOP_SERVICES_SUPPORT_BOT_KB_TEXT_ANALYZER_H_
#define SHOP_SERVICES_SUPPORT_BOT_KB_TEXT_ANALYZER_H_

#include <memory>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/strings/string_view.h"

namespace shop::supportbot {

// One word of the input: lower case, apostrophes dropped ("don't" -> "dont"), digit groups
// joined ("1,000" -> "1000"). `weight` < 1 marks a guessed word (a corrected typo).
struct KbToken {
  std::string word;
  double weight = 1.0;
};

// One search term: a stem, or the stem of a synonym's replacement.
struct KbTerm {
  std::string stem;
  double weight = 1.0;
};

// The stem used for search: Porter's, after British -ise spellings are folded into -ize,
// irregular forms are mapped to their base ("paid" -> "pay") and words Porter would merge
// with a different word are protected ("customer" would otherwise stem to "custom", the
// stem of "customs").
std::string KbStem(absl::string_view word);

class KbTextAnalyzer {
 public:
  // `synonyms` false skips the synonym table (the ablation of the evaluation tool).
  // `language` is "en" (Porter stems and the synonym table) or one of
  // SupportedKbLanguages() (Snowball stems, no synonyms).
  explicit KbTextAnalyzer(bool synonyms = true, std::string language = "en");
  ~KbTextAnalyzer();
  KbTextAnalyzer(const KbTextAnalyzer&) = delete;
  KbTextAnalyzer& operator=(const KbTextAnalyzer&) = delete;

  // The languages other than English that have a stemmer and stop words here.
  static const std::vector<std::string>& SupportedKbLanguages();

  // The stem of one lower-case word in this analyzer's language (KbStem for English).
  std::string Stem(absl::string_view word) const;

  // Lower-cased words. Currency symbols become codes ("€" -> "eur"); "US" in capitals
  // becomes "usa" while the pronoun "us" stays a stop word.
  std::vector<KbToken> Tokenize(absl::string_view text) const;

  // Stems, applies the synonym table (longest phrase first, left to right, replacements
  // are not rescanned) and drops stop words.
  std::vector<KbTerm> Terms(const std::vector<KbToken>& tokens) const;

  std::vector<KbTerm> Analyze(absl::string_view text) const { return Terms(Tokenize(text)); }

  bool IsStopWord(absl::string_view word) const;

  // Words the synonym table recognises (each word of every phrase it replaces), whether or
  // not synonyms are on: the spelling corrector may correct a typo towards them.
  const std::vector<std::string>& synonym_words() const { return synonym_words_; }

  bool synonyms() const { return synonyms_; }
  const std::string& language() const { return language_; }

 private:
  struct Rule {
    std::vector<std::string> stems;        // the phrase to match, stemmed
    std::vector<std::string> replacement;  // stems that replace it
  };

  bool synonyms_;
  std::string language_;
  struct Snowball;
  std::unique_ptr<Snowball> snowball_;  // null for English
  // Rules by the stem of their first word, longest phrase first.
  std::unordered_map<std::string, std::vector<Rule>> rules_;
  std::vector<std::string> synonym_words_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_KB_TEXT_ANALYZER_H_
