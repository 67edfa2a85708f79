// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Retrieval quality of the knowledge base on the evaluation questions: accuracy@1,
// accuracy@3 and MRR, overall, on two fixed halves (even and odd lines of the questions
// file: tune parameters on one, read the other), by category of the expected article, and
// with the synonym table and the spelling corrector switched off. Lists the misses.
//
//   support_bot_kb_eval [--articles=...] [--questions=...] [--min_accuracy_at_3=0.9]
//
// Exits 1 when accuracy over all questions is below --min_accuracy_at_1/_at_3 (CI floor).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
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
ABSL_FLAG(bool, list_misses, true, "list the questions whose article did not rank first");
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
    const std::vector<Hit> top = (*kb)->Search(question.text, 1);
    top_scores.push_back(top.empty() ? 0.0 : top.front().score);
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
