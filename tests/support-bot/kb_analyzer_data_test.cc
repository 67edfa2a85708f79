// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The knowledge base's text analysis tables (services/support-bot/kb/analyzer): the shipped
// files load in every language; a folder of good tables is read as written (comments, blank
// lines, Windows line ends); and each kind of bad file is refused with its file, line and
// what to change, also through KnowledgeBase.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "services/support-bot/kb_text_analyzer.h"
#include "services/support-bot/knowledge_base.h"
#include "tests/catch.h"

namespace shop::supportbot {
namespace {

using Catch::Contains;

const std::string kShippedDir = std::string(SHOP_SOURCE_DIR) + "/services/support-bot/kb/analyzer";

// A small, valid set of tables: file name -> content.
std::map<std::string, std::string> GoodTables() {
  return {
      {"stopwords.en.txt", "# English stop words\n\nthe\nmy\ndont\n"},
      {"synonyms.en.tsv", "# phrase, replacement\nparcel box\tpackage\nmoney back\trefund\n"},
      {"base_forms.en.tsv", "paid\tpay\n"},
      {"protected_stems.en.tsv", "customer\tcustomer\n"},
      {"stopwords.de.txt", "und\nfur\n"},
  };
}

// A fresh folder holding `files` (the pid keeps parallel runs of several build trees apart).
std::string WriteTables(const std::string& name, const std::map<std::string, std::string>& files) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    (std::to_string(::getpid()) + "_kb_analyzer_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  for (const auto& [file, content] : files) {
    std::ofstream out(dir / file, std::ios::binary);
    out << content;
  }
  return dir.string();
}

// The good tables with one file replaced (or, for an empty content, left out).
std::string GoodTablesWith(const std::string& name, const std::string& file,
                           const std::string& content) {
  std::map<std::string, std::string> files = GoodTables();
  if (content.empty()) {
    files.erase(file);
  } else {
    files[file] = content;
  }
  return WriteTables(name, files);
}

// The status of loading `dir` in `language`, and its message.
absl::Status LoadStatus(const std::string& dir, const std::string& language = "en") {
  return KbTextAnalyzer::Load(dir, /*synonyms=*/true, language).status();
}

std::vector<std::string> Stems(const KbTextAnalyzer& analyzer, const std::string& text) {
  std::vector<std::string> stems;
  for (const KbTerm& term : analyzer.Analyze(text)) stems.push_back(term.stem);
  return stems;
}

TEST_CASE("The shipped analysis tables load in every language", "[kb][tables]") {
  for (const std::string language : {"en", "de", "fr", "es"}) {
    INFO(language);
    auto analyzer = KbTextAnalyzer::Load(kShippedDir, true, language);
    REQUIRE(analyzer.ok());
    CHECK((*analyzer)->language() == language);
    CHECK((*analyzer)->synonyms() == (language == "en"));
    CHECK((*analyzer)->synonym_words().empty() == (language != "en"));
  }
  auto english = KbTextAnalyzer::Load(kShippedDir);
  REQUIRE(english.ok());
  CHECK((*english)->IsStopWord("the"));
  CHECK_FALSE((*english)->IsStopWord("parcel"));
  auto french = KbTextAnalyzer::Load(kShippedDir, true, "fr");
  REQUIRE(french.ok());
  // Written without accents, compared with the folded word.
  CHECK((*french)->IsStopWord("tres") == (*french)->IsStopWord("tr\xC3\xA8s"));
}

TEST_CASE("Good tables are read as written", "[kb][tables]") {
  std::map<std::string, std::string> files = GoodTables();
  // Windows line ends and a byte order mark, as some editors save them.
  files["base_forms.en.tsv"] = "\xEF\xBB\xBFpaid\tpay\r\n# a comment\r\n\r\nsent\tsend\r\n";
  const std::string dir = WriteTables("good", files);
  auto english = KbTextAnalyzer::Load(dir);
  REQUIRE(english.ok());
  const KbTextAnalyzer& en = **english;
  CHECK(en.IsStopWord("the"));
  CHECK_FALSE(en.IsStopWord("and"));  // only the file's stop words
  CHECK(en.Stem("paid") == en.Stem("pay"));
  CHECK(en.Stem("sent") == en.Stem("send"));
  CHECK(en.Stem("customer") == "customer");
  CHECK(en.Stem("customers") == "custom");  // not listed: Porter's stem
  // Synonyms on stems, stop words of the replacement dropped, words for the typo corrector.
  CHECK(Stems(en, "my parcel boxes") == Stems(en, "package"));
  CHECK(Stems(en, "money back") == std::vector<std::string>{"refund"});
  CHECK(en.synonym_words() == std::vector<std::string>{"parcel", "box", "money", "back"});
  auto without = KbTextAnalyzer::Load(dir, /*synonyms=*/false);
  REQUIRE(without.ok());
  CHECK(Stems(**without, "money back") == std::vector<std::string>{"monei", "back"});
  CHECK((*without)->synonym_words() == en.synonym_words());

  // German needs only its stop words.
  std::map<std::string, std::string> german_only = {{"stopwords.de.txt", "und\n"}};
  auto german = KbTextAnalyzer::Load(WriteTables("german_only", german_only), true, "de");
  REQUIRE(german.ok());
  CHECK((*german)->IsStopWord("und"));
  CHECK_FALSE((*german)->synonyms());
}

TEST_CASE("A missing folder or file is NOT_FOUND naming it", "[kb][tables]") {
  const absl::Status no_folder = LoadStatus("/nonexistent/kb/analyzer");
  CHECK(no_folder.code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(no_folder.message()), Contains("/nonexistent/kb/analyzer"));

  const std::string dir = GoodTablesWith("missing", "protected_stems.en.tsv", "");
  const absl::Status no_file = LoadStatus(dir);
  CHECK(no_file.code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(no_file.message()),
             Contains(dir + "/protected_stems.en.tsv") && Contains("protected stems"));
  // The other languages do not read the English files.
  CHECK(LoadStatus(dir, "de").ok());
}

TEST_CASE("An unknown language is refused, as an argument and as a file name", "[kb][tables]") {
  const absl::Status argument = LoadStatus(kShippedDir, "xx");
  CHECK(argument.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(argument.message()),
             Contains("language \"xx\"") && Contains("en, de, fr, es"));

  const std::string dir = GoodTablesWith("unknown_language", "stopwords.xx.txt", "the\n");
  const absl::Status file = LoadStatus(dir);
  CHECK(file.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(file.message()),
             Contains(dir + "/stopwords.xx.txt") && Contains("unknown language \"xx\""));
}

TEST_CASE("A misnamed table file is refused instead of ignored", "[kb][tables]") {
  const std::string german_synonyms =
      GoodTablesWith("german_synonyms", "synonyms.de.tsv", "paket\tparcel\n");
  CHECK_THAT(std::string(LoadStatus(german_synonyms, "de").message()),
             Contains("synonyms.de.tsv") && Contains("only English has a synonym table"));
  const std::string extension = GoodTablesWith("extension", "stopwords.fr.tsv", "le\n");
  CHECK_THAT(
      std::string(LoadStatus(extension).message()),
      Contains("stopwords.fr.tsv: wrong extension; the file must be named stopwords.fr.txt"));
}

TEST_CASE("Malformed lines are refused with file, line and what to change", "[kb][tables]") {
  struct Case {
    const char* name;
    const char* file;
    std::string content;
    std::string message;  // after "<file>:"
  };
  const std::vector<Case> cases = {
      {"utf8", "stopwords.en.txt", "the\nbad\xC3(\n", ":2: not valid UTF-8"},
      {"one_column", "synonyms.en.tsv", "# comment\nparcel box package\n",
       ":2: expected 2 columns separated by one tab (phrase, replacement), found 1 column"},
      {"three_columns", "base_forms.en.tsv", "paid\tpay\tpaying\n",
       ":1: expected 2 columns separated by one tab (word, base form), found 3 columns"},
      {"tab_in_list", "stopwords.en.txt", "the\tmy\n",
       ":1: expected one stop word a line, without tabs, found 2 columns"},
      {"empty_column", "synonyms.en.tsv", "parcel box\t\n", ":1: the replacement is empty"},
      {"spaces", "protected_stems.en.tsv", "customer \tcustomer\n",
       ":1: the word \"customer \" has spaces or tabs around it"},
      {"not_a_token", "stopwords.en.txt", "the\nHello\n",
       ":2: the stop word \"Hello\" is not one word as the tokenizer writes it (it reads "
       "\"hello\")"},
      {"apostrophe", "stopwords.en.txt", "don't\n",
       ":1: the stop word \"don't\" is not one word as the tokenizer writes it (it reads "
       "\"dont\")"},
      {"two_words", "base_forms.en.tsv", "paid\tpay back\n",
       ":1: the base form \"pay back\" is not one word as the tokenizer writes it (it reads \"pay "
       "back\")"},
      {"no_words", "synonyms.en.tsv", "parcel box\tpackage\n?!\tparcel\n",
       ":2: the phrase \"?!\" has no words"},
      {"duplicate_stop_word", "stopwords.en.txt", "the\nmy\n\nthe\n",
       ":4: duplicate stop word \"the\" (first on line 1)"},
      {"duplicate_phrase", "synonyms.en.tsv", "money back\trefund\nmoney back\treturn\n",
       ":2: duplicate phrase \"money back\" (first on line 1)"},
      {"duplicate_word", "base_forms.en.tsv", "paid\tpay\nsent\tsend\npaid\tpaid\n",
       ":3: duplicate word \"paid\" (first on line 1)"},
      {"protected_and_base", "base_forms.en.tsv", "paid\tpay\ncustomer\tcustom\n",
       ":2: \"customer\" is also in "},
      {"accent", "stopwords.de.txt", "und\nf\xC3\xBCr\n",
       ":2: the stop word \"f\xC3\xBCr\" is compared with words folded to ASCII letters; write "
       "it as \"fur\""},
  };
  for (const Case& c : cases) {
    INFO(c.name);
    const std::string dir = GoodTablesWith(c.name, c.file, c.content);
    const std::string language =
        std::string(c.file).find(".de.") != std::string::npos ? "de" : "en";
    const absl::Status status = LoadStatus(dir, language);
    CHECK(status.code() == absl::StatusCode::kInvalidArgument);
    CHECK_THAT(std::string(status.message()), Contains(dir + "/" + c.file + c.message));
  }
}

TEST_CASE("A table file without entries is refused", "[kb][tables]") {
  const std::string dir =
      GoodTablesWith("empty", "synonyms.en.tsv", "# only comments\n\n   \n# and blanks\n");
  const absl::Status status = LoadStatus(dir);
  CHECK(status.code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(status.message()),
             Contains(dir + "/synonyms.en.tsv: no entries") && Contains("at least one phrase"));
}

TEST_CASE("The knowledge base reports its tables' errors and needs their folder", "[kb][tables]") {
  const std::string articles =
      std::string(SHOP_SOURCE_DIR) + "/services/support-bot/kb/articles.jsonl";
  KnowledgeBaseOptions options;
  options.analyzer_dir = GoodTablesWith("kb", "stopwords.en.txt", "the\nthe\n");
  auto kb = KnowledgeBase::Load(articles, options);
  REQUIRE_FALSE(kb.ok());
  CHECK_THAT(std::string(kb.status().message()),
             Contains(options.analyzer_dir + "/stopwords.en.txt:2: duplicate stop word"));

  // Load defaults to the folder beside the articles, and keeps it for the other indexes.
  auto beside = KnowledgeBase::Load(articles);
  REQUIRE(beside.ok());
  CHECK((*beside)->options().analyzer_dir == KbAnalyzerDirBeside(articles));
  CHECK(KbAnalyzerDirBeside(articles) == kShippedDir);

  auto created = KnowledgeBase::Create({{"KB-A-001", "t", "c", "b", {}}});
  REQUIRE_FALSE(created.ok());
  CHECK(created.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(created.status().message()), Contains("analyzer_dir"));
}

}  // namespace
}  // namespace shop::supportbot
