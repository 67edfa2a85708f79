// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the support bot's text featurization torch-free: KbTextAnalyzer (tokenizer, Porter
// and Snowball stems, synonym table, stop words; services/support-bot/kb_text_analyzer.h,
// with the shipped tables of kb/analyzer) in English with and without synonyms and in
// German, French and Spanish, and Stem on its own. Checked: tokens are non-empty words
// without ASCII capitals or separators (in valid UTF-8, which is what reaches the analyzer:
// proto3 strings and the articles' JSON are UTF-8; any bytes must merely not crash it),
// Analyze equals Terms(Tokenize), weights stay in (0, 1], and the English stem leaves
// words Porter does not handle unchanged and never lengthens the ones it does (outside the
// tables, whose entries may map a word to a longer one).
// (The intent classifier's featurizer, IntentClassifier::FeatureIds, is reachable only
// through a loaded TorchScript model, so it is not fuzzed here.)
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/text/utf8.h"
#include "services/support-bot/kb_text_analyzer.h"

namespace {

using shop::supportbot::KbTerm;
using shop::supportbot::KbTextAnalyzer;
using shop::supportbot::KbToken;

void Check(bool condition) {
  if (!condition) std::abort();
}

// The bytes Tokenize keeps in a word: ASCII letters and digits, "." between digits, and
// every byte of a multi-byte character.
bool IsTokenByte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c >= 0x80;
}

bool OnlyLowerAsciiLetters(absl::string_view word) {
  for (char c : word) {
    if (c < 'a' || c > 'z') return false;
  }
  return true;
}

// The shipped tables (the build passes their folder in the source tree); a table that no
// longer loads is a crash the fuzzer reports at once.
const KbTextAnalyzer* Load(bool synonyms, const std::string& language) {
  absl::StatusOr<std::unique_ptr<KbTextAnalyzer>> analyzer =
      KbTextAnalyzer::Load(SHOP_KB_ANALYZER_DIR, synonyms, language);
  if (!analyzer.ok()) {
    std::fprintf(stderr, "%s\n", analyzer.status().ToString().c_str());
    std::abort();
  }
  return analyzer->release();
}

// Words that KbTextAnalyzer::Stem looks up in the English tables before Porter: their
// entries may be longer than the word ("paid" -> "pay" is not, "got" -> "get" is as long).
bool InEnglishTables(absl::string_view word) {
  static const auto* const kWords = [] {
    auto* words = new std::vector<std::string>;
    for (const char* name : {"base_forms.en.tsv", "protected_stems.en.tsv"}) {
      std::ifstream in(std::string(SHOP_KB_ANALYZER_DIR) + "/" + name);
      std::string line;
      while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#') continue;
        words->push_back(line.substr(0, line.find('\t')));
      }
    }
    return words;
  }();
  return std::find(kWords->begin(), kWords->end(), word) != kWords->end();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<const KbTextAnalyzer*>* const kAnalyzers = [] {
    auto* analyzers = new std::vector<const KbTextAnalyzer*>{Load(true, "en"), Load(false, "en")};
    for (const std::string& language : KbTextAnalyzer::SupportedKbLanguages()) {
      analyzers->push_back(Load(true, language));
    }
    return analyzers;
  }();
  const absl::string_view text(reinterpret_cast<const char*>(data), size);
  // Outside English, Tokenize lower-cases Latin-1 capitals by their UTF-8 pair and skips
  // the byte after a 0xC3 lead, which in invalid UTF-8 may be an ASCII capital.
  const bool valid = shop::IsValidUtf8(text);

  for (const KbTextAnalyzer* analyzer : *kAnalyzers) {
    const std::vector<KbToken> tokens = analyzer->Tokenize(text);
    for (const KbToken& token : tokens) {
      Check(!token.word.empty());
      if (valid) {
        for (char c : token.word) Check(IsTokenByte(static_cast<unsigned char>(c)));
      }
      Check(token.weight > 0 && token.weight <= 1);
      analyzer->IsStopWord(token.word);
    }
    const std::vector<KbTerm> terms = analyzer->Terms(tokens);
    for (const KbTerm& term : terms) Check(term.weight > 0 && term.weight <= 1);
    const std::vector<KbTerm> analyzed = analyzer->Analyze(text);
    Check(analyzed.size() == terms.size());
    for (size_t i = 0; i < terms.size(); ++i) {
      Check(analyzed[i].stem == terms[i].stem && analyzed[i].weight == terms[i].weight);
    }
  }

  // One word straight into the stemmers, as the spelling corrector and the index use them.
  if (size <= 64) {
    const std::string stem = kAnalyzers->front()->Stem(text);
    // The English tables hold only lower-case words of three letters or more. Other words
    // have -ise folded into -ize (as long) and go to Porter, which leaves words of one or two
    // letters and words with anything but a-z as they are.
    if (size <= 2) {
      Check(stem == text);
    } else if (!OnlyLowerAsciiLetters(text)) {
      Check(stem.size() == size);
    } else if (!InEnglishTables(text)) {
      Check(!stem.empty() && stem.size() <= size && OnlyLowerAsciiLetters(stem));
    }
    for (const KbTextAnalyzer* analyzer : *kAnalyzers) analyzer->Stem(text);
  }
  return 0;
}
