// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/kb_text_analyzer.h"

#include <libstemmer.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "common/text/utf8.h"

namespace shop::supportbot {
namespace {

// British -ise spellings to -ize, so "personalised" and "personalized" share a stem.
std::string FoldBritishSpelling(std::string word) {
  static constexpr std::pair<const char*, const char*> kSuffixes[] = {
      {"isations", "izations"}, {"isation", "ization"}, {"isers", "izers"}, {"iser", "izer"},
      {"ising", "izing"},       {"ised", "ized"},       {"ises", "izes"},   {"ise", "ize"}};
  for (const auto& [from, to] : kSuffixes) {
    const size_t from_len = std::char_traits<char>::length(from);
    // At least three letters before the suffix: "rise" and "noise" stay.
    if (word.size() >= from_len + 3 && absl::EndsWith(word, from)) {
      word.replace(word.size() - from_len, from_len, to);
      return word;
    }
  }
  return word;
}

bool IsWordByte(unsigned char ch) {
  return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
         ch >= 0x80;
}

bool IsDigit(char ch) { return ch >= '0' && ch <= '9'; }

// Currency symbols to codes, before splitting.
std::string ReplaceSymbols(absl::string_view text) {
  static constexpr std::pair<const char*, const char*> kSymbols[] = {
      {"\xE2\x82\xAC", " eur "},
      {"\xC2\xA3", " gbp "},
      {"\xC2\xA5", " jpy "},
      {"$", " usd "},
      {"\xE2\x80\x99", "'"}};  // the typographic apostrophe as a plain one
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    for (const auto& [symbol, code] : kSymbols) {
      if (absl::StartsWith(text.substr(i), symbol)) {
        out += code;
        i += std::char_traits<char>::length(symbol);
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

// The two-byte UTF-8 letters of Latin-1 (U+00C0..U+00FF) without their marks, lower case;
// anything else is kept.
std::string FoldToAscii(absl::string_view word) {
  static constexpr const char* kFold[64] = {
      "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "ss",
      "a", "a", "a", "a", "a", "a", "ae", "c",     "e", "e", "e", "e", "i", "i", "i",  "i",
      "d", "n", "o", "o", "o", "o", "o",  nullptr, "o", "u", "u", "u", "u", "y", "th", "y"};
  // (nullptr: U+00D7 and U+00F7, the signs x and / of Latin-1, are not letters: kept.)
  std::string out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    const unsigned char ch = static_cast<unsigned char>(word[i]);
    if (ch == 0xC3 && i + 1 < word.size()) {
      const unsigned char next = static_cast<unsigned char>(word[i + 1]);
      if (next >= 0x80 && next <= 0xBF && kFold[next - 0x80] != nullptr) {
        out += kFold[next - 0x80];
        ++i;
        continue;
      }
    }
    out += static_cast<char>(ch);
  }
  return out;
}

// German written without umlauts: "rueckerstattung" is "rückerstattung". Applied to
// folded stems of articles and questions alike, so both spellings meet.
std::string FoldGermanDigraphs(std::string word) {
  std::string out;
  out.reserve(word.size());
  for (size_t i = 0; i < word.size(); ++i) {
    out += word[i];
    if (i + 1 < word.size() && word[i + 1] == 'e' &&
        (word[i] == 'a' || word[i] == 'o' || word[i] == 'u') &&
        !(word[i] == 'u' && i > 0 && (word[i - 1] == 'e' || word[i - 1] == 'q'))) {
      ++i;  // "ae" -> "a", "oe" -> "o", "ue" -> "u" (not in "eue", "que")
    }
  }
  return out;
}

// Snowball's name of each language's stemmer. English uses Porter's original algorithm
// ("porter"), which the tables and the ranking were tuned with, not Porter2 ("english"):
// Porter2 stems 62 of the 1,620 words of the English articles and questions differently
// ("day" -> "day", not "dai"; "generally" -> "general", not "gener"), so the protected
// stems, base forms and ranking settings would have to be checked again.
const std::unordered_map<std::string, std::string>& SnowballNames() {
  static const auto* names = new std::unordered_map<std::string, std::string>{
      {"en", "porter"}, {"de", "german"}, {"fr", "french"}, {"es", "spanish"}};
  return *names;
}

// The language part of the error messages: every language with tables here.
constexpr const char kKnownLanguages[] = "en, de, fr, es";

// One kind of table file, <name>.<lang>.<extension> in the analyzer folder.
struct TableKind {
  const char* name;
  const char* extension;
  const char* what;  // for messages
  int columns;
  const char* column_names[2];
  bool english_only;
};

constexpr TableKind kStopWordsTable{
    "stopwords", "txt", "stop words", 1, {"stop word", nullptr}, false,
};
constexpr TableKind kSynonymsTable{
    "synonyms", "tsv", "a synonym table", 2, {"phrase", "replacement"}, true,
};
constexpr TableKind kBaseFormsTable{
    "base_forms", "tsv", "base forms", 2, {"word", "base form"}, true,
};
constexpr TableKind kProtectedStemsTable{
    "protected_stems", "tsv", "protected stems", 2, {"word", "stem"}, true,
};
constexpr const TableKind* kTableKinds[] = {&kStopWordsTable, &kSynonymsTable, &kBaseFormsTable,
                                            &kProtectedStemsTable};

// One entry of a table file: its line number and columns.
struct TableLine {
  int number;
  std::vector<std::string> columns;
};

std::string TablePath(const std::string& dir, const TableKind& kind, const std::string& language) {
  return (std::filesystem::path(dir) / absl::StrCat(kind.name, ".", language, ".", kind.extension))
      .string();
}

// Reads a table file: UTF-8, one entry a line of `kind.columns` tab-separated columns;
// blank lines and lines starting with '#' are skipped. The format is strict (no spaces
// around a column, no empty one) because a stray space would make an entry that silently
// never matches.
absl::StatusOr<std::vector<TableLine>> ReadTable(const std::string& path, const TableKind& kind) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return absl::NotFoundError(absl::StrCat(
        "cannot read ", path, ": the knowledge base's text analysis needs its ", kind.what,
        " (the files of services/support-bot/kb/analyzer, described in its kb/README.md)"));
  }
  const std::string expected =
      kind.columns == 1 ? absl::StrCat("one ", kind.column_names[0], " a line, without tabs")
                        : absl::StrCat(kind.columns, " columns separated by one tab (",
                                       kind.column_names[0], ", ", kind.column_names[1], ")");
  std::vector<TableLine> lines;
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    // Tolerated because editors write them: a byte order mark and Windows line ends.
    if (number == 1 && absl::StartsWith(line, "\xEF\xBB\xBF")) line.erase(0, 3);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = absl::StrCat(path, ":", number);
    if (!IsValidUtf8(line)) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": not valid UTF-8; save the file as UTF-8"));
    }
    const absl::string_view content = absl::StripAsciiWhitespace(line);
    if (content.empty() || content.front() == '#') continue;
    std::vector<std::string> columns = absl::StrSplit(line, '\t');
    if (static_cast<int>(columns.size()) != kind.columns) {
      return absl::InvalidArgumentError(absl::StrCat(where, ": expected ", expected, ", found ",
                                                     columns.size(),
                                                     columns.size() == 1 ? " column" : " columns"));
    }
    for (int c = 0; c < kind.columns; ++c) {
      if (absl::StripAsciiWhitespace(columns[c]).empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": the ", kind.column_names[c], " is empty; expected ", expected));
      }
      if (absl::StripAsciiWhitespace(columns[c]) != columns[c]) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": the ", kind.column_names[c], " \"", columns[c],
                         "\" has spaces or tabs around it; remove them (expected ", expected, ")"));
      }
    }
    lines.push_back({number, std::move(columns)});
  }
  if (in.bad()) return absl::DataLossError(absl::StrCat("error reading ", path));
  if (lines.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no entries; it must list at least one ",
                                                   kind.column_names[0],
                                                   " (lines starting with '#' are comments)"));
  }
  return lines;
}

absl::Status Duplicate(const std::string& where, const char* what, const std::string& key,
                       int first_line) {
  return absl::InvalidArgumentError(absl::StrCat(where, ": duplicate ", what, " \"", key,
                                                 "\" (first on line ", first_line,
                                                 "); keep one of the two lines"));
}

// OK when `word` is one word that Tokenize leaves as it is; anything else could never
// meet a token of a question or an article.
absl::Status CheckOneWord(const KbTextAnalyzer& analyzer, const std::string& where,
                          const char* what, const std::string& word) {
  const std::vector<KbToken> tokens = analyzer.Tokenize(word);
  if (tokens.size() == 1 && tokens.front().word == word) return absl::OkStatus();
  std::vector<std::string> words;
  for (const KbToken& token : tokens) words.push_back(token.word);
  return absl::InvalidArgumentError(absl::StrCat(
      where, ": the ", what, " \"", word,
      "\" is not one word as the tokenizer writes it (it reads ",
      words.empty() ? std::string("no word") : absl::StrCat("\"", absl::StrJoin(words, " "), "\""),
      "), so it would never be used; write one word in lower case, without spaces or "
      "punctuation"));
}

// The files of the analyzer folder that are named like a table (<kind>.<lang>.<ext>) but
// would never be read: an unknown language, a wrong extension, an English-only table in
// another language. Caught here because a misnamed file otherwise goes unnoticed.
absl::Status CheckFolder(const std::string& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return absl::NotFoundError(
        absl::StrCat("knowledge-base analyzer folder ", dir,
                     " not found: it holds the text analysis tables (stop words, synonyms; "
                     "services/support-bot/kb/analyzer in the repository)"));
  }
  std::vector<std::filesystem::path> files;
  for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    files.push_back(it->path());
  }
  if (ec) return absl::UnavailableError(absl::StrCat("cannot list ", dir, ": ", ec.message()));
  std::sort(files.begin(), files.end());  // the same error first on every file system
  for (const std::filesystem::path& file : files) {
    const std::vector<std::string> parts = absl::StrSplit(file.filename().string(), '.');
    if (parts.size() != 3) continue;
    const auto kind = std::find_if(std::begin(kTableKinds), std::end(kTableKinds),
                                   [&](const TableKind* k) { return parts[0] == k->name; });
    if (kind == std::end(kTableKinds)) continue;  // README.md and the like
    const std::string& language = parts[1];
    if (SnowballNames().count(language) == 0) {
      return absl::InvalidArgumentError(absl::StrCat(
          file.string(), ": unknown language \"", language, "\"; the analyzer has tables for ",
          kKnownLanguages, " (rename the file or remove it)"));
    }
    if (parts[2] != (*kind)->extension) {
      return absl::InvalidArgumentError(absl::StrCat(file.string(),
                                                     ": wrong extension; the file must be named ",
                                                     TablePath("", **kind, language)));
    }
    if ((*kind)->english_only && language != "en") {
      return absl::InvalidArgumentError(absl::StrCat(file.string(), ": only English has ",
                                                     (*kind)->what,
                                                     "; this file would be ignored (remove it)"));
    }
  }
  return absl::OkStatus();
}

}  // namespace

// A sb_stemmer keeps state between calls, so no two threads may share one. Rather than
// serialize every search on one stemmer, each stemming thread borrows one from this pool
// (made on demand, so there are as many as threads ever stemmed at once) and stems without
// holding the lock.
struct KbTextAnalyzer::Snowball {
  explicit Snowball(std::string algorithm) : algorithm(std::move(algorithm)) {}
  ~Snowball() {
    absl::MutexLock lock(&mu);
    for (sb_stemmer* s : idle) sb_stemmer_delete(s);
  }

  // An idle stemmer or a new one; nullptr when libstemmer cannot make one.
  sb_stemmer* Borrow() ABSL_LOCKS_EXCLUDED(mu) {
    {
      absl::MutexLock lock(&mu);
      if (!idle.empty()) {
        sb_stemmer* s = idle.back();
        idle.pop_back();
        return s;
      }
    }
    return sb_stemmer_new(algorithm.c_str(), "UTF_8");
  }
  void Return(sb_stemmer* s) ABSL_LOCKS_EXCLUDED(mu) {
    absl::MutexLock lock(&mu);
    idle.push_back(s);
  }

  const std::string algorithm;
  absl::Mutex mu;
  std::vector<sb_stemmer*> idle ABSL_GUARDED_BY(mu);
};

const std::vector<std::string>& KbTextAnalyzer::SupportedKbLanguages() {
  static const auto* languages = new std::vector<std::string>{"de", "fr", "es"};
  return *languages;
}

absl::StatusOr<std::unique_ptr<KbTextAnalyzer>> KbTextAnalyzer::Load(const std::string& dir,
                                                                     bool synonyms,
                                                                     const std::string& language) {
  const auto name = SnowballNames().find(language);
  if (name == SnowballNames().end()) {
    return absl::InvalidArgumentError(absl::StrCat("no text analysis for language \"", language,
                                                   "\"; the analyzer has tables for ",
                                                   kKnownLanguages));
  }
  std::unique_ptr<KbTextAnalyzer> analyzer(new KbTextAnalyzer(synonyms, language));
  analyzer->snowball_ = std::make_unique<Snowball>(name->second);
  sb_stemmer* first = analyzer->snowball_->Borrow();  // fail here, not on the first search
  if (first == nullptr) {
    return absl::InternalError(absl::StrCat("libstemmer has no \"", name->second,
                                            "\" stemmer for UTF-8 (Debian: libstemmer0d)"));
  }
  analyzer->snowball_->Return(first);
  if (absl::Status s = CheckFolder(dir); !s.ok()) return s;
  if (absl::Status s = analyzer->LoadTables(dir); !s.ok()) return s;
  return analyzer;
}

KbTextAnalyzer::KbTextAnalyzer(bool synonyms, std::string language)
    : synonyms_(synonyms && language == "en"),  // no synonym table in other languages
      language_(std::move(language)) {}

KbTextAnalyzer::~KbTextAnalyzer() = default;

absl::Status KbTextAnalyzer::LoadTables(const std::string& dir) {
  const std::string stop_path = TablePath(dir, kStopWordsTable, language_);
  absl::StatusOr<std::vector<TableLine>> stop_lines = ReadTable(stop_path, kStopWordsTable);
  if (!stop_lines.ok()) return stop_lines.status();
  std::unordered_map<std::string, int> first_line;
  for (const TableLine& line : *stop_lines) {
    const std::string where = absl::StrCat(stop_path, ":", line.number);
    const std::string& word = line.columns[0];
    if (absl::Status s = CheckOneWord(*this, where, "stop word", word); !s.ok()) return s;
    // Outside English IsStopWord looks up the word folded to ASCII letters.
    if (language_ != "en" && FoldToAscii(word) != word) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": the stop word \"", word,
                       "\" is compared with words folded to ASCII letters; write it as \"",
                       FoldToAscii(word), "\""));
    }
    auto [it, inserted] = first_line.emplace(word, line.number);
    if (!inserted) return Duplicate(where, "stop word", word, it->second);
    stop_words_.insert(word);
  }
  if (language_ != "en") return absl::OkStatus();

  // Word -> stem and word -> base form; the protected stems first, since Stem() looks there
  // first and a word in both tables would never use its base form.
  struct WordTable {
    const TableKind* kind;
    std::unordered_map<std::string, std::string>* table;
  };
  std::string protected_path;
  std::unordered_map<std::string, int> protected_lines;
  for (const WordTable& t :
       {WordTable{&kProtectedStemsTable, &protected_stems_}, {&kBaseFormsTable, &base_forms_}}) {
    const std::string path = TablePath(dir, *t.kind, language_);
    absl::StatusOr<std::vector<TableLine>> lines = ReadTable(path, *t.kind);
    if (!lines.ok()) return lines.status();
    std::unordered_map<std::string, int> lines_by_word;
    for (const TableLine& line : *lines) {
      const std::string where = absl::StrCat(path, ":", line.number);
      const std::string& word = line.columns[0];
      for (int c = 0; c < 2; ++c) {
        absl::Status s = CheckOneWord(*this, where, t.kind->column_names[c], line.columns[c]);
        if (!s.ok()) return s;
      }
      auto [it, inserted] = lines_by_word.emplace(word, line.number);
      if (!inserted) return Duplicate(where, "word", word, it->second);
      if (auto p = protected_lines.find(word);
          t.table == &base_forms_ && p != protected_lines.end()) {
        return absl::InvalidArgumentError(absl::StrCat(
            where, ": \"", word, "\" is also in ", protected_path, " (line ", p->second,
            "), which comes first: this line would never be used; keep one of the two"));
      }
      t.table->emplace(word, line.columns[1]);
    }
    if (t.table == &protected_stems_) {
      protected_path = path;
      protected_lines = std::move(lines_by_word);
    }
  }
  return LoadSynonyms(TablePath(dir, kSynonymsTable, language_));
}

absl::Status KbTextAnalyzer::LoadSynonyms(const std::string& path) {
  absl::StatusOr<std::vector<TableLine>> lines = ReadTable(path, kSynonymsTable);
  if (!lines.ok()) return lines.status();
  std::unordered_map<std::string, int> first_line;
  std::unordered_set<std::string> seen_words;
  for (const TableLine& line : *lines) {
    const std::string where = absl::StrCat(path, ":", line.number);
    const std::string& phrase = line.columns[0];
    // As written: "pick up" and "pick-up" are different lines with the same words.
    auto [it, inserted] = first_line.emplace(phrase, line.number);
    if (!inserted) return Duplicate(where, "phrase", phrase, it->second);
    const std::vector<KbToken> phrase_tokens = Tokenize(phrase);
    const std::vector<KbToken> replacement_tokens = Tokenize(line.columns[1]);
    for (const auto& [tokens, column] : {std::pair{&phrase_tokens, 0}, {&replacement_tokens, 1}}) {
      if (tokens->empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": the ", kSynonymsTable.column_names[column], " \"",
                         line.columns[column], "\" has no words (letters or digits)"));
      }
    }
    Rule rule;
    for (const KbToken& token : replacement_tokens) {
      if (!IsStopWord(token.word)) rule.replacement.push_back(Stem(token.word));
    }
    for (const KbToken& token : phrase_tokens) {
      rule.stems.push_back(Stem(token.word));
      if (seen_words.insert(token.word).second) synonym_words_.push_back(token.word);
    }
    rules_[rule.stems.front()].push_back(std::move(rule));
  }
  // Stable: among phrases of one length the earlier line wins.
  for (auto& [first, rules] : rules_) {
    std::stable_sort(rules.begin(), rules.end(),
                     [](const Rule& a, const Rule& b) { return a.stems.size() > b.stems.size(); });
  }
  return absl::OkStatus();
}

std::optional<std::string> KbTextAnalyzer::SnowballStem(absl::string_view word) const {
  sb_stemmer* stemmer = snowball_->Borrow();
  if (stemmer == nullptr) return std::nullopt;  // out of memory
  std::optional<std::string> stem;
  const sb_symbol* out = sb_stemmer_stem(stemmer, reinterpret_cast<const sb_symbol*>(word.data()),
                                         static_cast<int>(word.size()));
  if (out != nullptr) {  // else out of memory
    stem.emplace(reinterpret_cast<const char*>(out), sb_stemmer_length(stemmer));
  }
  snowball_->Return(stemmer);
  return stem;
}

std::string KbTextAnalyzer::PorterStem(absl::string_view word) const {
  // Porter's reference implementation, which the tables were written against, leaves
  // words of one or two letters and words with anything but a-z alone; Snowball's would
  // strip "as" to "a", "hs" to "h" and "3ds" to "3d", merging them with other words.
  if (word.size() <= 2 ||
      !std::all_of(word.begin(), word.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; })) {
    return std::string(word);
  }
  std::optional<std::string> stem = SnowballStem(word);
  return stem.has_value() ? *std::move(stem) : std::string(word);
}

std::string KbTextAnalyzer::Stem(absl::string_view word) const {
  if (language_ == "en") {
    const std::string key(word);
    if (auto it = protected_stems_.find(key); it != protected_stems_.end()) return it->second;
    if (auto it = base_forms_.find(key); it != base_forms_.end()) return PorterStem(it->second);
    return PorterStem(FoldBritishSpelling(key));
  }
  std::optional<std::string> snowball = SnowballStem(word);
  if (!snowball.has_value()) return std::string(word);  // out of memory: the word itself
  std::string stem = FoldToAscii(*snowball);
  return language_ == "de" ? FoldGermanDigraphs(std::move(stem)) : stem;
}

bool KbTextAnalyzer::IsStopWord(absl::string_view word) const {
  if (language_ != "en") return stop_words_.count(FoldToAscii(word)) > 0;
  return stop_words_.count(std::string(word)) > 0;
}

std::vector<KbToken> KbTextAnalyzer::Tokenize(absl::string_view text) const {
  const std::string clean = ReplaceSymbols(text);
  std::vector<KbToken> tokens;
  size_t i = 0;
  while (i < clean.size()) {
    if (!IsWordByte(static_cast<unsigned char>(clean[i]))) {
      ++i;
      continue;
    }
    std::string original;
    while (i < clean.size()) {
      const char ch = clean[i];
      if (IsWordByte(static_cast<unsigned char>(ch))) {
        original += ch;
        ++i;
      } else if ((ch == ',' || ch == '.') && !original.empty() && IsDigit(original.back()) &&
                 i + 1 < clean.size() && IsDigit(clean[i + 1])) {
        // "1,000" -> "1000"; "8.1" stays "8.1".
        if (ch == '.') original += ch;
        ++i;
      } else if (ch == '\'' && i + 1 < clean.size() &&
                 IsWordByte(static_cast<unsigned char>(clean[i + 1]))) {
        // Possessive "'s" is dropped; "don't" -> "dont".
        const bool possessive =
            (clean[i + 1] == 's' || clean[i + 1] == 'S') &&
            (i + 2 >= clean.size() || !IsWordByte(static_cast<unsigned char>(clean[i + 2])));
        i += possessive ? 2 : 1;
        if (possessive) break;
      } else {
        break;
      }
    }
    if (original == "US") {
      tokens.push_back({"usa"});
      continue;
    }
    std::string word = original;
    for (size_t k = 0; k < word.size(); ++k) {
      char& ch = word[k];
      if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
      // Outside English: the capitals of Latin-1 too ("Ä" -> "ä"; U+00C0..U+00DE but x).
      // Only before a continuation byte: after a stray 0xC3 the next byte is a character of
      // its own (and an ASCII capital there is lower-cased like any other).
      if (language_ != "en" && static_cast<unsigned char>(ch) == 0xC3 && k + 1 < word.size() &&
          (static_cast<unsigned char>(word[k + 1]) & 0xC0) == 0x80) {
        unsigned char& next = reinterpret_cast<unsigned char&>(word[k + 1]);
        if (next <= 0x9E && next != 0x97) next = static_cast<unsigned char>(next + 0x20);
        ++k;
      }
    }
    tokens.push_back({std::move(word)});
  }
  return tokens;
}

std::vector<KbTerm> KbTextAnalyzer::Terms(const std::vector<KbToken>& tokens) const {
  std::vector<std::string> stems;
  stems.reserve(tokens.size());
  for (const KbToken& token : tokens) stems.push_back(Stem(token.word));

  std::vector<KbTerm> terms;
  size_t i = 0;
  while (i < tokens.size()) {
    const Rule* matched = nullptr;
    if (synonyms_) {
      if (auto it = rules_.find(stems[i]); it != rules_.end()) {
        for (const Rule& rule : it->second) {
          if (i + rule.stems.size() > stems.size()) continue;
          if (std::equal(rule.stems.begin(), rule.stems.end(), stems.begin() + i)) {
            matched = &rule;
            break;
          }
        }
      }
    }
    if (matched != nullptr) {
      double weight = 1.0;
      for (size_t j = i; j < i + matched->stems.size(); ++j) {
        weight = std::min(weight, tokens[j].weight);
      }
      for (const std::string& stem : matched->replacement) terms.push_back({stem, weight});
      i += matched->stems.size();
      continue;
    }
    if (!IsStopWord(tokens[i].word)) terms.push_back({stems[i], tokens[i].weight});
    ++i;
  }
  return terms;
}

}  // namespace shop::supportbot
