// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/knowledge_base.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {
namespace {

// Weight of a question word replaced by its nearest known word: a guess counts less.
constexpr double kCorrectedWordWeight = 0.8;

absl::StatusOr<std::string> RequiredString(const nlohmann::json& object, const char* name,
                                           const std::string& where) {
  auto it = object.find(name);
  if (it == object.end()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": missing field \"", name, "\""));
  }
  if (!it->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": field \"", name, "\" must be a string"));
  }
  std::string value = it->get<std::string>();
  if (absl::StripAsciiWhitespace(value).empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": field \"", name, "\" is empty"));
  }
  return value;
}

absl::StatusOr<Article> ParseArticle(absl::string_view line, const std::string& where) {
  const nlohmann::json object = nlohmann::json::parse(line.begin(), line.end(), /*cb=*/nullptr,
                                                      /*allow_exceptions=*/false);
  if (object.is_discarded()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": not valid JSON"));
  }
  if (!object.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": expected a JSON object"));
  }
  Article article;
  for (auto [name, field] :
       {std::pair{"id", &article.id}, std::pair{"title", &article.title},
        std::pair{"category", &article.category}, std::pair{"body", &article.body}}) {
    absl::StatusOr<std::string> value = RequiredString(object, name, where);
    if (!value.ok()) return value.status();
    *field = *std::move(value);
  }
  auto keywords = object.find("keywords");
  if (keywords == object.end() || !keywords->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": field \"keywords\" must be an array of strings"));
  }
  for (const nlohmann::json& keyword : *keywords) {
    if (!keyword.is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": field \"keywords\" must be an array of strings"));
    }
    article.keywords.push_back(keyword.get<std::string>());
  }
  return article;
}

// Optimal string alignment distance (Levenshtein plus adjacent transpositions), or
// max_distance + 1 once it is certain to exceed max_distance.
int EditDistance(const std::string& a, const std::string& b, int max_distance) {
  const int n = static_cast<int>(a.size());
  const int m = static_cast<int>(b.size());
  if (std::abs(n - m) > max_distance) return max_distance + 1;
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (int i = 0; i <= n; ++i) d[i][0] = i;
  for (int j = 0; j <= m; ++j) d[0][j] = j;
  for (int i = 1; i <= n; ++i) {
    int row_min = max_distance + 1;
    for (int j = 1; j <= m; ++j) {
      const int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
      row_min = std::min(row_min, d[i][j]);
    }
    if (row_min > max_distance) return max_distance + 1;
  }
  return std::min(d[n][m], max_distance + 1);
}

// The body without the titles of other articles that it cites ("see Changing the delivery
// address"): those words describe the other article, not this one.
std::string StripCitedTitles(const std::string& body, const std::vector<Article>& articles,
                             const std::string& own_id) {
  std::string text = body;
  std::string lower = absl::AsciiStrToLower(body);
  for (const Article& other : articles) {
    if (other.id == own_id) continue;
    const std::string title = absl::AsciiStrToLower(other.title);
    size_t pos = 0;
    while ((pos = lower.find(title, pos)) != std::string::npos) {
      text.replace(pos, title.size(), title.size(), ' ');
      lower.replace(pos, title.size(), title.size(), ' ');
      pos += title.size();
    }
  }
  return text;
}

bool IsLowerAlpha(const std::string& word) {
  return !word.empty() &&
         std::all_of(word.begin(), word.end(), [](char ch) { return ch >= 'a' && ch <= 'z'; });
}

}  // namespace

std::string KbAnalyzerDirBeside(const std::string& articles_jsonl) {
  return (std::filesystem::path(articles_jsonl).parent_path() / "analyzer").string();
}

absl::StatusOr<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Load(
    const std::string& articles_jsonl, const KnowledgeBaseOptions& options) {
  std::ifstream in(articles_jsonl);
  if (!in) {
    return absl::NotFoundError(absl::StrCat("cannot read articles file ", articles_jsonl));
  }
  std::vector<Article> articles;
  std::unordered_map<std::string, int> first_line;
  std::string line;
  int line_number = 0;
  while (std::getline(in, line)) {
    ++line_number;
    if (absl::StripAsciiWhitespace(line).empty()) continue;
    const std::string where = absl::StrCat(articles_jsonl, ":", line_number);
    absl::StatusOr<Article> article = ParseArticle(line, where);
    if (!article.ok()) return article.status();
    auto [it, inserted] = first_line.emplace(article->id, line_number);
    if (!inserted) {
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": duplicate article id \"", article->id, "\" (first on line ", it->second, ")"));
    }
    articles.push_back(*std::move(article));
  }
  if (articles.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(articles_jsonl, ": no articles"));
  }
  if (options.analyzer_dir.empty()) {
    // Kept in options() resolved, so indexes built from this one (ArticleTranslations) find
    // the same tables.
    KnowledgeBaseOptions beside = options;
    beside.analyzer_dir = KbAnalyzerDirBeside(articles_jsonl);
    return Create(std::move(articles), beside);
  }
  return Create(std::move(articles), options);
}

absl::StatusOr<std::unique_ptr<KnowledgeBase>> KnowledgeBase::Create(
    std::vector<Article> articles, const KnowledgeBaseOptions& options) {
  if (articles.empty()) return absl::InvalidArgumentError("no articles");
  const auto& languages = KbTextAnalyzer::SupportedKbLanguages();
  if (options.language != "en" &&
      std::find(languages.begin(), languages.end(), options.language) == languages.end()) {
    return absl::InvalidArgumentError(
        absl::StrCat("no text analysis for knowledge-base language \"", options.language, "\""));
  }
  std::unordered_set<std::string> ids;
  for (const Article& article : articles) {
    if (article.id.empty()) return absl::InvalidArgumentError("article with an empty id");
    if (!ids.insert(article.id).second) {
      return absl::InvalidArgumentError(absl::StrCat("duplicate article id \"", article.id, "\""));
    }
  }
  if (options.analyzer_dir.empty()) {
    return absl::InvalidArgumentError(
        "KnowledgeBaseOptions::analyzer_dir is empty: set it to the folder of the text analysis "
        "tables (services/support-bot/kb/analyzer)");
  }
  absl::StatusOr<std::unique_ptr<KbTextAnalyzer>> analyzer =
      KbTextAnalyzer::Load(options.analyzer_dir, options.synonyms, options.language);
  if (!analyzer.ok()) return analyzer.status();
  std::unique_ptr<KnowledgeBase> kb(
      new KnowledgeBase(std::move(articles), options, *std::move(analyzer)));
  kb->Index();
  return kb;
}

KnowledgeBase::KnowledgeBase(std::vector<Article> articles, const KnowledgeBaseOptions& options,
                             std::unique_ptr<KbTextAnalyzer> analyzer)
    : options_(options), analyzer_(std::move(analyzer)), articles_(std::move(articles)) {
  for (int i = 0; i < static_cast<int>(articles_.size()); ++i) by_id_[articles_[i].id] = i;
}

void KnowledgeBase::Index() {
  const int n = static_cast<int>(articles_.size());
  field_lengths_.assign(n, {});
  // Term -> postings, ordered so that term ids do not depend on hashing.
  std::map<std::string, std::vector<Posting>> postings;
  for (int d = 0; d < n; ++d) {
    const Article& article = articles_[d];
    std::array<std::vector<KbTerm>, kFields> fields;
    fields[kTitle] = analyzer_->Analyze(article.title);
    for (const std::string& keyword : article.keywords) {
      // One keyword at a time: a synonym phrase must not span two keywords.
      std::vector<KbTerm> terms = analyzer_->Analyze(keyword);
      fields[kKeywords].insert(fields[kKeywords].end(), terms.begin(), terms.end());
    }
    fields[kBody] = analyzer_->Analyze(StripCitedTitles(article.body, articles_, article.id));

    std::map<std::string, std::array<float, kFields>> counts;
    for (int f = 0; f < kFields; ++f) {
      field_lengths_[d][f] = static_cast<float>(fields[f].size());
      for (const KbTerm& term : fields[f]) counts[term.stem][f] += 1.0f;
    }
    for (const auto& [stem, tf] : counts) postings[stem].push_back({d, tf});

    for (const std::string& text : {article.title, article.body}) {
      for (const KbToken& token : analyzer_->Tokenize(text)) ++word_counts_[token.word];
    }
    for (const std::string& keyword : article.keywords) {
      for (const KbToken& token : analyzer_->Tokenize(keyword)) ++word_counts_[token.word];
    }
  }
  for (int f = 0; f < kFields; ++f) {
    double total = 0;
    for (const auto& lengths : field_lengths_) total += lengths[f];
    average_lengths_[f] = total / n;
  }
  for (auto& [stem, list] : postings) {
    term_ids_[stem] = static_cast<int>(postings_.size());
    const double df = static_cast<double>(list.size());
    idf_.push_back(std::log(1.0 + (n - df + 0.5) / (df + 0.5)));
    postings_.push_back(std::move(list));
    known_stems_.insert(stem);
  }
  unknown_idf_ = std::log(1.0 + (n + 0.5) / 0.5);

  if (options_.synonyms) {
    for (const std::string& word : analyzer_->synonym_words()) {
      known_stems_.insert(analyzer_->Stem(word));
      word_counts_.emplace(word, 0);
    }
  }
  for (const auto& [word, count] : word_counts_) {
    if (word.size() >= 3 && IsLowerAlpha(word)) candidates_.push_back(word);
  }
  std::sort(candidates_.begin(), candidates_.end());
}

bool KnowledgeBase::IsKnownWord(const std::string& word) const {
  return analyzer_->IsStopWord(word) || word_counts_.count(word) > 0 ||
         known_stems_.count(analyzer_->Stem(word)) > 0;
}

std::optional<std::vector<std::string>> KnowledgeBase::CorrectWord(const std::string& word) const {
  if (!options_.spelling_correction || word.size() < 4 || !IsLowerAlpha(word) ||
      IsKnownWord(word)) {
    return std::nullopt;
  }
  const int max_distance = word.size() >= 8 ? 2 : 1;
  const std::string* best = nullptr;
  int best_distance = max_distance + 1;
  int best_count = -1;
  for (const std::string& candidate : candidates_) {
    const int distance = EditDistance(word, candidate, max_distance);
    if (distance > max_distance) continue;
    const int count = word_counts_.at(candidate);
    if (distance < best_distance || (distance == best_distance && count > best_count)) {
      best = &candidate;
      best_distance = distance;
      best_count = count;
    }
  }
  if (best != nullptr) return std::vector<std::string>{*best};
  // Two words run together: "powerbank", "giftcard".
  for (size_t split = 3; split + 3 <= word.size(); ++split) {
    const std::string left = word.substr(0, split);
    const std::string right = word.substr(split);
    if (!analyzer_->IsStopWord(left) && !analyzer_->IsStopWord(right) &&
        word_counts_.count(left) > 0 && word_counts_.count(right) > 0) {
      return std::vector<std::string>{left, right};
    }
  }
  return std::nullopt;
}

std::vector<KbTerm> KnowledgeBase::AnalyzeQuestion(absl::string_view question) const {
  std::vector<KbToken> tokens;
  for (KbToken& token : analyzer_->Tokenize(question)) {
    std::optional<std::vector<std::string>> corrected = CorrectWord(token.word);
    if (!corrected.has_value()) {
      tokens.push_back(std::move(token));
      continue;
    }
    for (std::string& word : *corrected) {
      tokens.push_back({std::move(word), token.weight * kCorrectedWordWeight});
    }
  }
  return analyzer_->Terms(tokens);
}

std::vector<std::string> KnowledgeBase::QueryTerms(absl::string_view question) const {
  std::vector<std::string> stems;
  for (const KbTerm& term : AnalyzeQuestion(question)) stems.push_back(term.stem);
  return stems;
}

std::vector<Hit> KnowledgeBase::Search(absl::string_view question, int k) const {
  if (k <= 0) return {};
  // Each distinct term once, with the highest weight it appears with.
  std::vector<std::pair<std::string, double>> terms;
  for (const KbTerm& term : AnalyzeQuestion(question)) {
    auto it = std::find_if(terms.begin(), terms.end(),
                           [&](const auto& seen) { return seen.first == term.stem; });
    if (it == terms.end()) {
      terms.emplace_back(term.stem, term.weight);
    } else {
      it->second = std::max(it->second, term.weight);
    }
  }

  const std::array<double, kFields> weights = {options_.title_weight, options_.keywords_weight,
                                               options_.body_weight};
  const std::array<double, kFields> bs = {options_.title_b, options_.keywords_b, options_.body_b};
  const int n = static_cast<int>(articles_.size());
  std::vector<double> scores(n, 0.0);
  double max_score = 0;
  for (const auto& [stem, weight] : terms) {
    auto id = term_ids_.find(stem);
    if (id == term_ids_.end()) {
      max_score += weight * unknown_idf_;
      continue;
    }
    const double idf = idf_[id->second];
    max_score += weight * idf;
    for (const Posting& posting : postings_[id->second]) {
      double tf = 0;
      for (int f = 0; f < kFields; ++f) {
        if (posting.tf[f] == 0) continue;
        const double relative_length =
            average_lengths_[f] > 0 ? field_lengths_[posting.article][f] / average_lengths_[f]
                                    : 1.0;
        tf += weights[f] * posting.tf[f] / (1.0 - bs[f] + bs[f] * relative_length);
      }
      scores[posting.article] += weight * idf * tf / (options_.k1 + tf);
    }
  }
  if (max_score <= 0) return {};

  std::vector<int> order;
  for (int d = 0; d < n; ++d) {
    if (scores[d] > 0) order.push_back(d);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return scores[a] > scores[b]; });
  if (static_cast<int>(order.size()) > k) order.resize(k);
  std::vector<Hit> hits;
  hits.reserve(order.size());
  for (int d : order) hits.push_back({&articles_[d], scores[d] / max_score});
  return hits;
}

std::optional<Hit> KnowledgeBase::BestMatch(absl::string_view question) const {
  return BestMatch(question, options_.min_score);
}

std::optional<Hit> KnowledgeBase::BestMatch(absl::string_view question, double min_score) const {
  std::vector<Hit> hits = Search(question, 1);
  if (hits.empty() || hits.front().score < min_score) return std::nullopt;
  return hits.front();
}

const Article* KnowledgeBase::Find(const std::string& id) const {
  auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &articles_[it->second];
}

}  // namespace shop::supportbot
