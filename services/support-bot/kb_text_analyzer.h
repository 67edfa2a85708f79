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
// The language tables (stop words; for English also the synonyms, irregular forms and
// protected stems) are data files in kb/analyzer/, read and checked by Load(): they are
// edited by people who write articles, not code (formats in kb/README.md).
//
// Stems come from Snowball (Debian's libstemmer) in every language: Porter's original
// algorithm ("porter") for English, the Snowball stemmer of the language for German, French
// and Spanish (the languages of kb/articles.<lang>.jsonl). Those three use a stop-word list
// of the language and no synonym table; their stems are then folded to plain ASCII letters
// ("rückerstattung" and "rueckerstattung" -> "ruckerstatt"), because customers often type
// without accents and umlauts.
#ifndef SHOP_SERVICES_SUPPORT_BOT_KB_TEXT_ANALYZER_H_
#define SHOP_SERVICES_SUPPORT_BOT_KB_TEXT_ANALYZER_H_

#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
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

class KbTextAnalyzer {
 public:
  // Reads the tables of `language` from `dir` (services/support-bot/kb/analyzer):
  // stopwords.<language>.txt, and for English also synonyms.en.tsv, base_forms.en.tsv and
  // protected_stems.en.tsv. `language` is "en" (Porter stems and the synonym table) or one
  // of SupportedKbLanguages() (Snowball stems, no synonyms). `synonyms` false leaves the
  // synonym table out of Terms() (the ablation of the evaluation tool); it is still read.
  //
  // A missing folder or file is NOT_FOUND naming it. INVALID_ARGUMENT, naming file:line and
  // what to change: a language without tables here (in the argument, or as the <lang> of a
  // table file in `dir`), a line that is not valid UTF-8, a wrong number of tab-separated
  // columns, an empty column or one with spaces around it, an entry the analysis could
  // never match (a stop word or table word that is not one word as Tokenize writes it, a
  // synonym phrase without words), a repeated entry, a word in both the protected stems
  // and the base forms, a file with no entries, and an English-only table for another
  // language.
  static absl::StatusOr<std::unique_ptr<KbTextAnalyzer>> Load(const std::string& dir,
                                                              bool synonyms = true,
                                                              const std::string& language = "en");

  ~KbTextAnalyzer();
  KbTextAnalyzer(const KbTextAnalyzer&) = delete;
  KbTextAnalyzer& operator=(const KbTextAnalyzer&) = delete;

  // The languages other than English that have a stemmer and stop words here.
  static const std::vector<std::string>& SupportedKbLanguages();

  // The stem of one lower-case word in this analyzer's language. In English: Porter's,
  // after the protected stems (words Porter would merge with a different word: "customer"
  // would otherwise stem to "custom", the stem of "customs"), the base forms ("paid" ->
  // "pay") and British -ise spellings folded into -ize.
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
  struct Snowball;

  KbTextAnalyzer(bool synonyms, std::string language);
  // Reads this language's files from `dir` into the tables below (Load's checks).
  absl::Status LoadTables(const std::string& dir);
  absl::Status LoadSynonyms(const std::string& path);
  // Porter's stem where the reference implementation stems (the letters a-z, three or more).
  std::string PorterStem(absl::string_view word) const;
  // The stemmer's output for `word`; nullopt when it runs out of memory.
  std::optional<std::string> SnowballStem(absl::string_view word) const;

  bool synonyms_;
  std::string language_;
  std::unique_ptr<Snowball> snowball_;
  // As written in the files. Outside English stop words are compared with the word folded
  // to ASCII.
  std::unordered_set<std::string> stop_words_;
  std::unordered_map<std::string, std::string> base_forms_;       // English only
  std::unordered_map<std::string, std::string> protected_stems_;  // English only
  // Rules by the stem of their first word, longest phrase first.
  std::unordered_map<std::string, std::vector<Rule>> rules_;
  std::vector<std::string> synonym_words_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_KB_TEXT_ANALYZER_H_
