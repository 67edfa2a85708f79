// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The knowledge base: loading and its errors, text analysis (stems, stop words, synonyms,
// typos), ranking on the shipped articles, the no-match threshold and k.
#include "services/support-bot/knowledge_base.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "services/support-bot/article_translations.h"
#include "services/support-bot/kb_text_analyzer.h"
#include "tests/catch.h"

namespace shop::supportbot {
namespace {

const std::string kArticles =
    std::string(SHOP_SOURCE_DIR) + "/services/support-bot/kb/articles.jsonl";
const std::string kAnalyzerDir = std::string(SHOP_SOURCE_DIR) + "/services/support-bot/kb/analyzer";

// Options whose analysis tables are the shipped ones, for articles outside kb/.
KnowledgeBaseOptions WithShippedTables() {
  KnowledgeBaseOptions options;
  options.analyzer_dir = kAnalyzerDir;
  return options;
}

// The analyzer over the shipped tables, one per setting.
const KbTextAnalyzer& Analyzer(bool synonyms, const std::string& language) {
  static auto* analyzers =
      new std::map<std::pair<bool, std::string>, std::unique_ptr<KbTextAnalyzer>>();
  std::unique_ptr<KbTextAnalyzer>& analyzer = (*analyzers)[{synonyms, language}];
  if (analyzer == nullptr) {
    auto loaded = KbTextAnalyzer::Load(kAnalyzerDir, synonyms, language);
    REQUIRE(loaded.ok());
    analyzer = *std::move(loaded);
  }
  return *analyzer;
}

// The English stem of the search (protected stems, base forms, -ise folding, Porter).
std::string KbStem(absl::string_view word) { return Analyzer(true, "en").Stem(word); }

const KnowledgeBase& Shipped() {
  static std::unique_ptr<KnowledgeBase> kb = [] {
    auto loaded = KnowledgeBase::Load(kArticles);
    REQUIRE(loaded.ok());
    return *std::move(loaded);
  }();
  return *kb;
}

// A file in the temporary directory with these lines (the pid keeps parallel runs of
// several build trees apart).
std::string WriteFile(const std::string& name, const std::vector<std::string>& lines) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() / (std::to_string(::getpid()) + "_" + name);
  std::ofstream out(path);
  for (const std::string& line : lines) out << line << "\n";
  return path.string();
}

std::vector<std::string> Stems(const std::string& text, bool synonyms = true) {
  std::vector<std::string> stems;
  for (const KbTerm& term : Analyzer(synonyms, "en").Analyze(text)) stems.push_back(term.stem);
  return stems;
}

std::string TopId(const KnowledgeBase& kb, const std::string& question) {
  const std::vector<Hit> hits = kb.Search(question, 1);
  return hits.empty() ? "" : hits.front().article->id;
}

int RankOf(const KnowledgeBase& kb, const std::string& question, const std::string& id) {
  const std::vector<Hit> hits = kb.Search(question, static_cast<int>(kb.articles().size()));
  for (size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].article->id == id) return static_cast<int>(i) + 1;
  }
  return 0;
}

const char kGoodLine1[] =
    R"({"id": "KB-A-001", "title": "Parcel delivery times", "category": "shipping", )"
    R"("keywords": ["delivery time"], "body": "Standard parcels arrive in 3-5 days."})";
const char kGoodLine2[] =
    R"({"id": "KB-A-002", "title": "Refunds", "category": "refunds", )"
    R"("keywords": ["money back"], "body": "We refund within 5 days of inspection."})";

TEST_CASE("Load reads every article of the shipped file", "[kb][load]") {
  const KnowledgeBase& kb = Shipped();
  CHECK(kb.articles().size() == 58);
  const Article* article = kb.Find("KB-CUST-003");
  REQUIRE(article != nullptr);
  CHECK(article->category == "customs");
  CHECK(article->title == "USA and Canada: duties and taxes on delivery");
  CHECK_FALSE(article->keywords.empty());
  CHECK(kb.Find("KB-NOPE-001") == nullptr);
}

TEST_CASE("Load skips blank lines", "[kb][load]") {
  auto kb = KnowledgeBase::Load(WriteFile("kb_blank.jsonl", {kGoodLine1, "", "  ", kGoodLine2}),
                                WithShippedTables());
  REQUIRE(kb.ok());
  CHECK((*kb)->articles().size() == 2);
}

TEST_CASE("Load names the line of malformed JSON", "[kb][load]") {
  const std::string path =
      WriteFile("kb_malformed.jsonl", {kGoodLine1, "", R"({"id": "KB-A-003", "title": )"});
  auto kb = KnowledgeBase::Load(path, WithShippedTables());
  REQUIRE_FALSE(kb.ok());
  CHECK(kb.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(kb.status().message()),
             Catch::Contains(path + ":3") && Catch::Contains("not valid JSON"));
}

TEST_CASE("Load names a missing or mistyped field and its line", "[kb][load]") {
  auto missing = KnowledgeBase::Load(
      WriteFile(
          "kb_missing.jsonl",
          {kGoodLine1, R"({"id": "KB-A-002", "category": "x", "keywords": [], "body": "b"})"}),
      WithShippedTables());
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(std::string(missing.status().message()),
             Catch::Contains(":2: missing field \"title\""));

  auto keywords = KnowledgeBase::Load(
      WriteFile(
          "kb_keywords.jsonl",
          {R"({"id": "KB-A-002", "title": "t", "category": "x", "keywords": "a", "body": "b"})"}),
      WithShippedTables());
  REQUIRE_FALSE(keywords.ok());
  CHECK_THAT(std::string(keywords.status().message()),
             Catch::Contains(":1: field \"keywords\" must be an array of strings"));

  auto array = KnowledgeBase::Load(WriteFile("kb_array.jsonl", {"[1, 2]"}), WithShippedTables());
  REQUIRE_FALSE(array.ok());
  CHECK_THAT(std::string(array.status().message()), Catch::Contains(":1: expected a JSON object"));
}

TEST_CASE("Load rejects a duplicate id, naming both lines", "[kb][load]") {
  auto kb = KnowledgeBase::Load(
      WriteFile("kb_duplicate.jsonl", {kGoodLine1, kGoodLine2, kGoodLine1}), WithShippedTables());
  REQUIRE_FALSE(kb.ok());
  CHECK(kb.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK_THAT(std::string(kb.status().message()),
             Catch::Contains(":3: duplicate article id \"KB-A-001\" (first on line 1)"));
}

TEST_CASE("Load reports a missing file and an empty one", "[kb][load]") {
  auto missing = KnowledgeBase::Load("/nonexistent/articles.jsonl", WithShippedTables());
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  auto empty = KnowledgeBase::Load(WriteFile("kb_empty.jsonl", {""}), WithShippedTables());
  REQUIRE_FALSE(empty.ok());
  CHECK_THAT(std::string(empty.status().message()), Catch::Contains("no articles"));
}

TEST_CASE("Create rejects duplicate ids", "[kb][load]") {
  Article a{"KB-X-001", "t", "c", "body", {}};
  auto kb = KnowledgeBase::Create({a, a}, WithShippedTables());
  REQUIRE_FALSE(kb.ok());
  CHECK_THAT(std::string(kb.status().message()), Catch::Contains("duplicate article id"));
}

// Snowball's "porter" in place of the hand-written stemmer of before: these words are in
// none of the tables, so their English stem is Porter's.
TEST_CASE("The Porter stemmer matches the reference outputs", "[kb][stem]") {
  const std::vector<std::pair<std::string, std::string>> cases = {{"caresses", "caress"},
                                                                  {"ponies", "poni"},
                                                                  {"ties", "ti"},
                                                                  {"cats", "cat"},
                                                                  {"feed", "feed"},
                                                                  {"agreed", "agre"},
                                                                  {"plastered", "plaster"},
                                                                  {"motoring", "motor"},
                                                                  {"sing", "sing"},
                                                                  {"conflated", "conflat"},
                                                                  {"hopping", "hop"},
                                                                  {"falling", "fall"},
                                                                  {"filing", "file"},
                                                                  {"happy", "happi"},
                                                                  {"sky", "sky"},
                                                                  {"relational", "relat"},
                                                                  {"conditional", "condit"},
                                                                  {"rational", "ration"},
                                                                  {"digitizer", "digit"},
                                                                  {"operator", "oper"},
                                                                  {"hopefulness", "hope"},
                                                                  {"sensitiviti", "sensit"},
                                                                  {"triplicate", "triplic"},
                                                                  {"formative", "form"},
                                                                  {"electrical", "electr"},
                                                                  {"goodness", "good"},
                                                                  {"adjustable", "adjust"},
                                                                  {"replacement", "replac"},
                                                                  {"adoption", "adopt"},
                                                                  {"activate", "activ"},
                                                                  {"controll", "control"},
                                                                  {"generalizations", "gener"},
                                                                  {"oscillators", "oscil"},
                                                                  {"cancellation", "cancel"},
                                                                  {"cancelled", "cancel"},
                                                                  {"cancelling", "cancel"},
                                                                  {"is", "is"},
                                                                  {"3ds", "3ds"}};
  for (const auto& [word, stem] : cases) {
    INFO(word);
    CHECK(KbStem(word) == stem);
  }
}

TEST_CASE("KbStem folds spellings and keeps customers apart from customs", "[kb][stem]") {
  CHECK(KbStem("personalised") == KbStem("personalized"));
  CHECK(KbStem("authorisation") == KbStem("authorization"));
  CHECK(KbStem("paid") == KbStem("pay"));
  CHECK(KbStem("delivery") == KbStem("delivered"));
  CHECK(KbStem("customs") == "custom");
  CHECK(KbStem("customer") != KbStem("customs"));
  CHECK(KbStem("customised") != KbStem("customs"));
}

TEST_CASE("Tokenization lower-cases, drops stop words and punctuation", "[kb][tokenize]") {
  CHECK(Stems("Where is my PARCEL?!", false) == std::vector<std::string>{"parcel"});
  CHECK(Stems("I don't want the customer's returns", false) ==
        std::vector<std::string>{"customer", "return"});
  CHECK(Stems("orders over 1,000 AUD cost 8.1 %", false) ==
        std::vector<std::string>{"order", "1000", "aud", "cost", "8.1"});
  CHECK(Stems("", false).empty());
  CHECK(Stems("how do I do it", false).empty());
}

TEST_CASE("German tokens lower-case Latin-1 capitals and survive stray lead bytes",
          "[kb][tokenize]") {
  const KbTextAnalyzer& german = Analyzer(/*synonyms=*/false, "de");
  auto words = [&german](absl::string_view text) {
    std::vector<std::string> out;
    for (const KbToken& t : german.Tokenize(text)) out.push_back(t.word);
    return out;
  };
  CHECK(words("\xC3\x84NDERUNG") == std::vector<std::string>{"\xC3\xA4nderung"});  // ÄNDERUNG
  // A lead byte 0xC3 without its continuation: the next letter is a letter of its own.
  CHECK(words("\xC3"
              "ABC") == std::vector<std::string>{"\xC3"
                                                 "abc"});
  // The multiplication sign is not a capital (U+00D7 + 0x20 would be the division sign).
  CHECK(words("2\xC3\x97"
              "3") == std::vector<std::string>{"2\xC3\x97"
                                               "3"});
}

TEST_CASE("Tokenization tells the country US from the pronoun us", "[kb][tokenize]") {
  CHECK(Stems("customs fees US?") == std::vector<std::string>{"custom", "duti", "usa"});
  CHECK(Stems("shipping to the US") == std::vector<std::string>{"ship", "usa"});
  CHECK(Stems("ship to US") == std::vector<std::string>{"ship", "usa"});
  CHECK(Stems("can you send it back to us") == std::vector<std::string>{"return"});
}

TEST_CASE("Synonyms map customer phrasing onto the KB's words", "[kb][synonyms]") {
  CHECK(Stems("my package") == Stems("my parcel"));
  CHECK(Stems("shipments") == Stems("parcels"));
  CHECK(Stems("money back") == Stems("refund"));
  CHECK(Stems("zip code") == Stems("postcode"));
  CHECK(Stems("postal code") == Stems("postcode"));
  CHECK(Stems("United Kingdom") == Stems("UK"));
  CHECK(Stems("Great Britain") == Stems("UK"));
  CHECK(Stems("tax") == Stems("VAT"));
  CHECK(Stems("e-mail") == Stems("email"));
  CHECK(Stems("log in") == Stems("sign in"));
  // The replacement keeps the specific word when it still tells articles apart.
  CHECK(Stems("Germany") == std::vector<std::string>{"germani", "eu"});
  // Longest phrase first: Northern Ireland is not the EU's Ireland.
  CHECK(Stems("Northern Ireland") == std::vector<std::string>{"northern", "ireland"});
  // Off, the words stay as written.
  CHECK(Stems("my package", false) == std::vector<std::string>{"packag"});
}

TEST_CASE("Question typos are corrected towards known words", "[kb][typos]") {
  const KnowledgeBase& kb = Shipped();
  CHECK(kb.QueryTerms("custms") == kb.QueryTerms("customs"));
  CHECK(kb.QueryTerms("adress") == kb.QueryTerms("address"));
  CHECK(kb.QueryTerms("recieve") == kb.QueryTerms("receive"));
  CHECK(kb.QueryTerms("powerbank") == kb.QueryTerms("power bank"));
  // Known words and inflections of known words are left alone.
  CHECK(kb.QueryTerms("refunded") == std::vector<std::string>{"refund"});

  KnowledgeBaseOptions off;
  off.spelling_correction = false;
  auto plain = KnowledgeBase::Load(kArticles, off);
  REQUIRE(plain.ok());
  CHECK((*plain)->QueryTerms("custms") == std::vector<std::string>{"custm"});
}

// --- German, French and Spanish: each language's own index (ArticleTranslations) ---

std::vector<std::string> StemsIn(const std::string& language, const std::string& text) {
  std::vector<std::string> stems;
  for (const KbTerm& term : Analyzer(true, language).Analyze(text)) {
    stems.push_back(term.stem);
  }
  return stems;
}

const ArticleTranslations& ShippedTranslations() {
  static std::unique_ptr<ArticleTranslations> t = [] {
    auto loaded = ArticleTranslations::Load(kArticles, Shipped(), {"de", "fr", "es"});
    REQUIRE(loaded.ok());
    return *std::move(loaded);
  }();
  return *t;
}

TEST_CASE("Other languages: Snowball stems meet across inflections, accents and umlauts",
          "[kb][stem][languages]") {
  // Customers type without accents and umlauts, and capitalise German nouns.
  CHECK(StemsIn("de", "Rückerstattung") == StemsIn("de", "rueckerstattung"));
  CHECK(StemsIn("de", "RÜCKERSTATTUNGEN") == StemsIn("de", "Rückerstattung"));
  CHECK(StemsIn("de", "Lieferungen") == StemsIn("de", "Lieferung"));
  CHECK(StemsIn("fr", "remboursé") == StemsIn("fr", "rembourse"));
  CHECK(StemsIn("fr", "colis livrés") == StemsIn("fr", "colis livres"));
  CHECK(StemsIn("es", "devoluciones") == StemsIn("es", "devolución"));
  CHECK(StemsIn("es", "envío") == StemsIn("es", "envio"));
  // Stop words of the language go, with or without accents; content words stay.
  CHECK(StemsIn("de", "Ich habe eine Frage zu meiner Bestellung").size() == 2);
  CHECK(StemsIn("fr", "Est-ce que vous êtes là ?").size() <= 2);
  CHECK(StemsIn("es", "¿Cómo puedo hacer una devolución?").size() == 2);
  // English keeps its own analysis.
  CHECK(StemsIn("en", "refunds") == Stems("refunds"));
}

TEST_CASE("A knowledge base in a language without a stemmer is refused", "[kb][load][languages]") {
  KnowledgeBaseOptions options = WithShippedTables();
  options.language = "xx";
  auto kb = KnowledgeBase::Create({{"KB-A-001", "t", "c", "b", {}}}, options);
  REQUIRE(!kb.ok());
  CHECK(kb.status().code() == absl::StatusCode::kInvalidArgument);
  CHECK(absl::StrContains(kb.status().message(), "xx"));
}

TEST_CASE("Questions in German, French and Spanish find their article in their own index",
          "[kb][search][languages]") {
  const ArticleTranslations& t = ShippedTranslations();
  REQUIRE(t.Index("de") != nullptr);
  REQUIRE(t.Index("fr") != nullptr);
  REQUIRE(t.Index("es") != nullptr);
  CHECK(t.Index("en") == nullptr);  // English is the main index
  const auto category = [&](const std::string& language, const std::string& question) {
    const std::vector<Hit> hits = t.Index(language)->Search(question, 1);
    return hits.empty() ? std::string() : hits.front().article->category;
  };
  CHECK(category("de", "Muss ich Zoll bezahlen, wenn ich in die USA bestelle?") == "customs");
  CHECK(category("fr",
                 "Est-ce que je dois payer des droits de douane pour une livraison au Canada ?") ==
        "customs");
  CHECK(category("es", "¿Tengo que pagar aduana si pido desde Estados Unidos?") == "customs");
  CHECK(category("de", "wann bekomme ich mein geld zurueck, ich habe mit paypal bezahlt") ==
        "refunds");
  // The hits are articles of that language, with the English ids.
  const std::vector<Hit> hits = t.Index("de")->Search("Zoll USA", 1);
  REQUIRE(!hits.empty());
  REQUIRE(Shipped().Find(hits.front().article->id) != nullptr);
  CHECK(hits.front().article->title != Shipped().Find(hits.front().article->id)->title);
}

TEST_CASE("A customs question ranks a customs article first", "[kb][search]") {
  const KnowledgeBase& kb = Shipped();
  CHECK(TopId(kb, "Do I have to pay customs duties when my order is delivered in Canada?") ==
        "KB-CUST-003");
  CHECK(TopId(kb, "import VAT for an order to Germany") == "KB-CUST-001");
  CHECK(TopId(kb, "HMRC charges on my order to England") == "KB-CUST-002");
  const Article* top = kb.Search("how are customs declared", 1).front().article;
  CHECK(top->category == "customs");
}

TEST_CASE("Other areas find their article", "[kb][search]") {
  const KnowledgeBase& kb = Shipped();
  CHECK(TopId(kb, "How do I reset my password?") == "KB-ACCT-003");
  CHECK(TopId(kb, "Can I cancel my order?") == "KB-ORD-002");
  CHECK(TopId(kb, "What does 3-D Secure mean?") == "KB-PAY-002");
  CHECK(TopId(kb, "Is a PO box OK as delivery address?") == "KB-ADDR-002");
}

TEST_CASE("Synonyms lift the article a customer's words describe", "[kb][search]") {
  KnowledgeBaseOptions off;
  off.synonyms = false;
  auto plain = KnowledgeBase::Load(kArticles, off);
  REQUIRE(plain.ok());
  const KnowledgeBase& kb = Shipped();
  // "postage", "Britain" and "send it back" are not how the articles put it (shipping
  // fee, UK, return).
  const std::string postage = "how much is postage to Britain";
  CHECK(TopId(kb, postage) == "KB-SHIP-003");
  CHECK(RankOf(kb, postage, "KB-SHIP-003") < RankOf(**plain, postage, "KB-SHIP-003"));
  const std::string send_back = "I want to send it back, how?";
  CHECK(RankOf(kb, send_back, "KB-RET-002") <= 3);
  CHECK(RankOf(kb, send_back, "KB-RET-002") < RankOf(**plain, send_back, "KB-RET-002"));
  CHECK(TopId(kb, "what zip format for Canada") == "KB-ADDR-001");
}

TEST_CASE("Scores are shares of the question, best first", "[kb][search]") {
  const std::vector<Hit> hits = Shipped().Search("return label fee for the UK", 10);
  REQUIRE(hits.size() == 10);
  for (size_t i = 0; i < hits.size(); ++i) {
    CHECK(hits[i].score > 0);
    CHECK(hits[i].score < 1);
    if (i > 0) CHECK(hits[i - 1].score >= hits[i].score);
  }
}

TEST_CASE("Off-topic questions get no good match", "[kb][threshold]") {
  const KnowledgeBase& kb = Shipped();
  for (const std::string question :
       {"What's the weather like in Paris tomorrow?", "Who won the football match last night?",
        "Give me a recipe for chocolate cake", "tell me a joke", "", "???"}) {
    INFO(question);
    CHECK_FALSE(kb.BestMatch(question).has_value());
  }
  const std::optional<Hit> answer = kb.BestMatch("How long does a refund to PayPal take?");
  REQUIRE(answer.has_value());
  CHECK(answer->article->id == "KB-REF-001");
  CHECK(answer->score >= kb.options().min_score);
}

TEST_CASE("Search returns at most k hits, none for k <= 0", "[kb][search]") {
  const KnowledgeBase& kb = Shipped();
  const std::string question = "shipping cost";
  CHECK(kb.Search(question, 0).empty());
  CHECK(kb.Search(question, -3).empty());
  CHECK(kb.Search(question, 1).size() == 1);
  CHECK(kb.Search(question, 3).size() == 3);
  const std::vector<Hit> all = kb.Search(question, 1000);
  CHECK(all.size() <= kb.articles().size());
  CHECK(kb.Search(question, 3).front().article == all.front().article);
  // Only articles that share a term with the question.
  CHECK(kb.Search("Klarna", 1000).size() < kb.articles().size());
  CHECK(kb.Search("zzzz qqqq", 5).empty());
}

}  // namespace
}  // namespace shop::supportbot
