// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Retrieval quality of the knowledge base on the evaluation questions: accuracy@1,
// accuracy@3 and MRR, overall, on two fixed halves (even and odd lines of the questions
// file: tune parameters on one, read the other), by category of the expected article, and
// with the synonym table and the spelling corrector switched off. Lists the misses.
//
//   support_bot_kb_eval [--articles=...] [--questions=...] [--min_accuracy_at_3=0.9]
//                       [--clinc150=../shared/data/support/clinc150/data_full.json]
//   support_bot_kb_eval --language=de --articles=services/support-bot/kb/articles.de.jsonl
//                       --questions=services/support-bot/kb/eval_questions.de.jsonl --clinc150=
//
// With CLINC150 it also sweeps the score floor below which a message with no intent gets
// no article (DialogueOptions::kb_min_score_without_intent): tuned on half A against
// CLINC150's unrelated dev utterances, read on half B and its test utterances. Run it from
// the repository root (the default paths are relative to it).
//
// Exits 1 when accuracy over all questions is below --min_accuracy_at_1/_at_3 (CI floor).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/usage.h"
#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/server/env_flags.h"
#include "nlohmann/json.hpp"
#include "services/support-bot/knowledge_base.h"

ABSL_FLAG(std::string, articles, "services/support-bot/kb/articles.jsonl",
          "articles, one JSON object a line (default relative to the repository root)");
ABSL_FLAG(std::string, questions, "services/support-bot/kb/eval_questions.jsonl",
          "evaluation questions {\"question\", \"article_id\"}, one a line");
ABSL_FLAG(double, min_accuracy_at_1, 0.0, "exit 1 if accuracy@1 over all questions is lower");
ABSL_FLAG(double, min_accuracy_at_3, 0.0, "exit 1 if accuracy@3 over all questions is lower");
ABSL_FLAG(std::string, language, "en",
          "the articles' language: en, or de/fr/es with --articles=.../articles.<lang>.jsonl "
          "and --questions=.../eval_questions.<lang>.jsonl (Snowball stems, no synonym table)");
ABSL_FLAG(std::string, kb_analyzer_dir, "",
          "folder of the text analysis tables (stop words, synonyms, ...); empty = `analyzer` "
          "in the folder of --articles (services/support-bot/kb/analyzer)");
ABSL_FLAG(bool, list_misses, true, "list the questions whose article did not rank first");
ABSL_FLAG(std::string, clinc150, "../shared/data/support/clinc150/data_full.json",
          "CLINC150 data_full.json: its out-of-scope utterances and the intents no shop serves "
          "(alarms, weather, recipes, ...) are the unrelated requests of the min_score sweep; "
          "empty = no sweep");
ABSL_FLAG(double, k1, shop::supportbot::KnowledgeBaseOptions().k1, "BM25 k1");
ABSL_FLAG(double, title_weight, shop::supportbot::KnowledgeBaseOptions().title_weight,
          "BM25F weight of the title");
ABSL_FLAG(double, keywords_weight, shop::supportbot::KnowledgeBaseOptions().keywords_weight,
          "BM25F weight of the keywords");
ABSL_FLAG(double, body_weight, shop::supportbot::KnowledgeBaseOptions().body_weight,
          "BM25F weight of the body");
ABSL_FLAG(double, title_b, shop::supportbot::KnowledgeBaseOptions().title_b,
          "BM25F b of the title");
ABSL_FLAG(double, keywords_b, shop::supportbot::KnowledgeBaseOptions().keywords_b,
          "BM25F b of the keywords");
ABSL_FLAG(double, body_b, shop::supportbot::KnowledgeBaseOptions().body_b, "BM25F b of the body");

namespace shop::supportbot {
namespace {

struct Question {
  std::string text;
  std::string article_id;
  int line;
};

absl::StatusOr<std::vector<Question>> LoadQuestions(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read questions file ", path));
  std::vector<Question> questions;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const nlohmann::json object = nlohmann::json::parse(line, nullptr, false);
    if (object.is_discarded() || !object.is_object() || !object.contains("question") ||
        !object["question"].is_string() || !object.contains("article_id") ||
        !object["article_id"].is_string()) {
      return absl::InvalidArgumentError(absl::StrCat(
          path, ":", line_number, ": expected {\"question\": \"...\", \"article_id\": \"...\"}"));
    }
    questions.push_back({object["question"].get<std::string>(),
                         object["article_id"].get<std::string>(), line_number});
  }
  return questions;
}

// CLINC150 intents that no shop's support answers: requests a customer might still type into
// the chat ("set an alarm", "what is 17 times 23", "tell me a joke"). Shopping and banking
// intents (order status, card declined, ...) are left out on purpose: they are not unrelated.
const char* const kUnrelatedClincIntents[] = {"alarm",
                                              "calculator",
                                              "weather",
                                              "tell_joke",
                                              "play_music",
                                              "restaurant_suggestion",
                                              "recipe",
                                              "timer",
                                              "time",
                                              "date",
                                              "flip_coin",
                                              "roll_dice",
                                              "definition",
                                              "meaning_of_life",
                                              "fun_fact",
                                              "what_song",
                                              "change_volume",
                                              "traffic",
                                              "directions",
                                              "uber",
                                              "book_flight",
                                              "book_hotel",
                                              "car_rental",
                                              "flight_status",
                                              "travel_suggestion",
                                              "nutrition_info",
                                              "calories",
                                              "cook_time",
                                              "reminder",
                                              "calendar",
                                              "todo_list",
                                              "smart_home",
                                              "spelling",
                                              "who_made_you",
                                              "how_old_are_you"};

// Unrelated requests from CLINC150: `dev` = oos_train + oos_val + the val split of the
// unrelated intents; `test` = oos_test + their test split.
absl::Status LoadUnrelated(const std::string& path, std::vector<std::string>* dev,
                           std::vector<std::string>* test) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  const nlohmann::json j = nlohmann::json::parse(in, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not CLINC150's data_full.json"));
  }
  const std::set<std::string> unrelated(std::begin(kUnrelatedClincIntents),
                                        std::end(kUnrelatedClincIntents));
  const auto take = [&](const char* split, bool all, std::vector<std::string>* out) {
    if (!j.contains(split)) return;
    for (const nlohmann::json& row : j[split]) {
      if (row.is_array() && row.size() == 2 &&
          (all || unrelated.count(row[1].get<std::string>()) > 0)) {
        out->push_back(row[0].get<std::string>());
      }
    }
  };
  take("oos_train", true, dev);
  take("oos_val", true, dev);
  take("val", false, dev);
  take("oos_test", true, test);
  take("test", false, test);
  if (dev->empty() || test->empty()) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": no out-of-scope utterances found"));
  }
  return absl::OkStatus();
}

double TopScore(const KnowledgeBase& kb, const std::string& text) {
  const std::vector<Hit> top = kb.Search(text, 1);
  return top.empty() ? 0.0 : top.front().score;
}

// At threshold t: the share of answerable questions answered with the right article (top
// score >= t and rank 1) and the share of unrelated requests refused (top score < t).
struct Operating {
  double answered_right, refused;
};
Operating At(double t, const std::vector<std::pair<double, bool>>& answerable,
             const std::vector<double>& unrelated) {
  int right = 0, refused = 0;
  for (const auto& [score, rank1] : answerable) right += score >= t && rank1;
  for (double score : unrelated) refused += score < t;
  return {static_cast<double>(right) / answerable.size(),
          static_cast<double>(refused) / unrelated.size()};
}

// Rank of the expected article (1 = first), 0 when it is not retrieved at all.
int RankOf(const KnowledgeBase& kb, const Question& question) {
  const std::vector<Hit> hits = kb.Search(question.text, static_cast<int>(kb.articles().size()));
  for (size_t i = 0; i < hits.size(); ++i) {
    if (hits[i].article->id == question.article_id) return static_cast<int>(i) + 1;
  }
  return 0;
}

struct Tally {
  int n = 0, at1 = 0, at3 = 0;
  double reciprocal_ranks = 0;

  void Add(int rank) {
    ++n;
    if (rank == 1) ++at1;
    if (rank >= 1 && rank <= 3) ++at3;
    if (rank >= 1) reciprocal_ranks += 1.0 / rank;
  }
  double AccuracyAt1() const { return n ? static_cast<double>(at1) / n : 0; }
  double AccuracyAt3() const { return n ? static_cast<double>(at3) / n : 0; }
  double Mrr() const { return n ? reciprocal_ranks / n : 0; }
};

void PrintRow(const std::string& name, const Tally& t) {
  std::printf("%-28s %4d   %.3f   %.3f   %.3f\n", name.c_str(), t.n, t.AccuracyAt1(),
              t.AccuracyAt3(), t.Mrr());
}

Tally Evaluate(const KnowledgeBase& kb, const std::vector<Question>& questions) {
  Tally tally;
  for (const Question& question : questions) tally.Add(RankOf(kb, question));
  return tally;
}

int Run(const std::string& command) {
  std::printf("$ %s\n\n", command.c_str());
  KnowledgeBaseOptions options;
  options.k1 = absl::GetFlag(FLAGS_k1);
  options.title_weight = absl::GetFlag(FLAGS_title_weight);
  options.keywords_weight = absl::GetFlag(FLAGS_keywords_weight);
  options.body_weight = absl::GetFlag(FLAGS_body_weight);
  options.title_b = absl::GetFlag(FLAGS_title_b);
  options.keywords_b = absl::GetFlag(FLAGS_keywords_b);
  options.body_b = absl::GetFlag(FLAGS_body_b);
  options.language = absl::GetFlag(FLAGS_language);
  options.analyzer_dir = absl::GetFlag(FLAGS_kb_analyzer_dir);  // empty: KnowledgeBase::Load's

  const std::string articles_path = absl::GetFlag(FLAGS_articles);
  absl::StatusOr<std::unique_ptr<KnowledgeBase>> kb = KnowledgeBase::Load(articles_path, options);
  if (!kb.ok()) {
    std::fprintf(stderr, "error: %s\n", kb.status().ToString().c_str());
    return 2;
  }
  const std::string questions_path = absl::GetFlag(FLAGS_questions);
  absl::StatusOr<std::vector<Question>> questions = LoadQuestions(questions_path);
  if (!questions.ok()) {
    std::fprintf(stderr, "error: %s\n", questions.status().ToString().c_str());
    return 2;
  }
  for (const Question& question : *questions) {
    if ((*kb)->Find(question.article_id) == nullptr) {
      std::fprintf(stderr, "error: %s:%d: unknown article_id %s\n", questions_path.c_str(),
                   question.line, question.article_id.c_str());
      return 2;
    }
  }

  std::printf("articles:  %zu (%s)\nquestions: %zu (%s)\n", (*kb)->articles().size(),
              articles_path.c_str(), questions->size(), questions_path.c_str());
  std::printf("BM25F: k1=%g; title/keywords/body weight %g/%g/%g, b %g/%g/%g; min_score %g\n\n",
              options.k1, options.title_weight, options.keywords_weight, options.body_weight,
              options.title_b, options.keywords_b, options.body_b, options.min_score);

  // Ranks with the full configuration, kept for the per-category table and the misses.
  std::vector<int> ranks;
  std::vector<double> top_scores;
  Tally all, half_a, half_b;
  std::map<std::string, Tally> by_category;
  for (size_t i = 0; i < questions->size(); ++i) {
    const Question& question = (*questions)[i];
    const int rank = RankOf(**kb, question);
    ranks.push_back(rank);
    top_scores.push_back(TopScore(**kb, question.text));
    all.Add(rank);
    (i % 2 == 0 ? half_a : half_b).Add(rank);
    by_category[(*kb)->Find(question.article_id)->category].Add(rank);
  }

  std::printf("%-28s %4s   %5s   %5s   %5s\n", "", "n", "acc@1", "acc@3", "MRR");
  PrintRow("all", all);
  PrintRow("half A (even lines)", half_a);
  PrintRow("half B (odd lines)", half_b);
  std::printf("\nby category of the expected article\n");
  std::vector<std::string> categories;
  for (const Article& article : (*kb)->articles()) {
    if (std::find(categories.begin(), categories.end(), article.category) == categories.end()) {
      categories.push_back(article.category);
    }
  }
  for (const std::string& category : categories) {
    if (by_category.count(category)) PrintRow("  " + category, by_category[category]);
  }

  std::printf("\nablations (all questions)\n");
  struct Ablation {
    const char* name;
    bool synonyms;
    bool spelling;
  };
  for (const Ablation& ablation :
       {Ablation{"synonyms off", false, true}, Ablation{"spelling correction off", true, false},
        Ablation{"both off", false, false}}) {
    KnowledgeBaseOptions ablated = options;
    ablated.synonyms = ablation.synonyms;
    ablated.spelling_correction = ablation.spelling;
    absl::StatusOr<std::unique_ptr<KnowledgeBase>> other =
        KnowledgeBase::Load(articles_path, ablated);
    if (!other.ok()) {
      std::fprintf(stderr, "error: %s\n", other.status().ToString().c_str());
      return 2;
    }
    PrintRow(std::string("  ") + ablation.name, Evaluate(**other, *questions));
  }

  int below = 0;
  for (double score : top_scores) {
    if (score < options.min_score) ++below;
  }

  // min_score: tuned on half A and CLINC150's dev utterances, read on half B and its test.
  if (const std::string clinc = absl::GetFlag(FLAGS_clinc150); !clinc.empty()) {
    std::vector<std::string> dev_texts, test_texts;
    if (absl::Status s = LoadUnrelated(clinc, &dev_texts, &test_texts); !s.ok()) {
      std::fprintf(stderr, "error: %s\n", s.ToString().c_str());
      return 2;
    }
    std::vector<std::pair<double, bool>> answerable_dev, answerable_test;
    for (size_t i = 0; i < questions->size(); ++i) {
      (i % 2 == 0 ? answerable_dev : answerable_test).push_back({top_scores[i], ranks[i] == 1});
    }
    std::vector<double> unrelated_dev, unrelated_test;
    for (const std::string& t : dev_texts) unrelated_dev.push_back(TopScore(**kb, t));
    for (const std::string& t : test_texts) unrelated_test.push_back(TopScore(**kb, t));
    std::printf(
        "\nmin_score sweep: answerable = the right article above the floor; unrelated = "
        "refused.\ndev: half A (%zu) and CLINC150 unrelated dev (%zu); test: half B (%zu) and "
        "CLINC150 unrelated test (%zu)\n%8s   %14s %14s   %14s %14s\n",
        answerable_dev.size(), unrelated_dev.size(), answerable_test.size(), unrelated_test.size(),
        "min_score", "dev answered", "dev refused", "test answered", "test refused");
    double best_t = 0, best = -1;
    for (int step = 0; step <= 100; ++step) {
      const double t = 0.01 * step;
      const Operating d = At(t, answerable_dev, unrelated_dev);
      // Balanced: a wrong refusal and a wrong answer weigh the same.
      const double balanced = (d.answered_right + d.refused) / 2;
      if (balanced > best + 1e-12) best = balanced, best_t = t;
      if (step % 5 == 0 && step <= 40) {
        const Operating h = At(t, answerable_test, unrelated_test);
        std::printf("%8.2f   %13.1f%% %13.1f%%   %13.1f%% %13.1f%%\n", t, 100 * d.answered_right,
                    100 * d.refused, 100 * h.answered_right, 100 * h.refused);
      }
    }
    const Operating d = At(best_t, answerable_dev, unrelated_dev);
    const Operating h = At(best_t, answerable_test, unrelated_test);
    const Operating now = At(options.min_score, answerable_test, unrelated_test);
    std::printf(
        "best on dev (balanced accuracy): min_score %.2f: dev answered %.1f%%, refused %.1f%%; "
        "test answered %.1f%%, refused %.1f%%\ncurrent min_score %.2f on test: answered "
        "%.1f%%, refused %.1f%%\n",
        best_t, 100 * d.answered_right, 100 * d.refused, 100 * h.answered_right, 100 * h.refused,
        options.min_score, 100 * now.answered_right, 100 * now.refused);
  }
  std::printf(
      "\nanswerable questions whose best score is below min_score %g (the bot would say it "
      "does not know): %d of %zu\n",
      options.min_score, below, questions->size());

  if (absl::GetFlag(FLAGS_list_misses)) {
    std::printf("\nmisses at rank 1: [half] expected (its rank, 0 = not retrieved) <- first\n");
    for (size_t i = 0; i < questions->size(); ++i) {
      if (ranks[i] == 1) continue;
      const Question& question = (*questions)[i];
      const std::vector<Hit> top = (*kb)->Search(question.text, 1);
      std::printf("  [%c] %s (%d) <- %s %.2f  \"%s\"\n", i % 2 == 0 ? 'A' : 'B',
                  question.article_id.c_str(), ranks[i],
                  top.empty() ? "nothing" : top.front().article->id.c_str(),
                  top.empty() ? 0.0 : top.front().score, question.text.c_str());
    }
  }

  int status = 0;
  const double floor1 = absl::GetFlag(FLAGS_min_accuracy_at_1);
  const double floor3 = absl::GetFlag(FLAGS_min_accuracy_at_3);
  if (all.AccuracyAt1() < floor1) {
    std::printf("\nFAIL: accuracy@1 %.3f is below the floor %.3f\n", all.AccuracyAt1(), floor1);
    status = 1;
  }
  if (all.AccuracyAt3() < floor3) {
    std::printf("\nFAIL: accuracy@3 %.3f is below the floor %.3f\n", all.AccuracyAt3(), floor3);
    status = 1;
  }
  return status;
}

}  // namespace
}  // namespace shop::supportbot

int main(int argc, char** argv) {
  std::vector<std::string> words(argv, argv + argc);
  const std::string command = absl::StrJoin(words, " ");
  absl::SetProgramUsageMessage(
      "Retrieval accuracy@1/@3 and MRR of the support bot's knowledge base on the "
      "evaluation questions, by half and category, with ablations.");
  shop::ParseFlagsWithEnvironment(argc, argv);
  return shop::supportbot::Run(command);
}
