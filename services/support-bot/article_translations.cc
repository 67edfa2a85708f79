// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/article_translations.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {

absl::StatusOr<std::unique_ptr<ArticleTranslations>> ArticleTranslations::FromJsonl(
    const std::map<std::string, std::string>& files, const KnowledgeBase& kb) {
  auto out = std::make_unique<ArticleTranslations>();
  const auto& searchable = KbTextAnalyzer::SupportedKbLanguages();
  for (const auto& [language, content] : files) {
    auto& texts = out->texts_[language];
    std::vector<Article> articles;
    int line_no = 0;
    for (absl::string_view line : absl::StrSplit(content, '\n')) {
      ++line_no;
      if (line.find_first_not_of(" \t\r") == absl::string_view::npos) continue;
      const nlohmann::json j = nlohmann::json::parse(line.begin(), line.end(), nullptr,
                                                     /*allow_exceptions=*/false);
      const auto field = [&](const char* name) -> std::string {
        return j.is_object() && j.contains(name) && j[name].is_string() ? j[name].get<std::string>()
                                                                        : "";
      };
      const std::string id = field("id"), title = field("title"), body = field("body");
      std::vector<std::string> keywords;
      if (j.is_object() && j.contains("keywords") && j["keywords"].is_array()) {
        for (const auto& k : j["keywords"]) {
          if (k.is_string()) keywords.push_back(k.get<std::string>());
        }
      }
      if (id.empty() || title.empty() || body.empty()) {
        return absl::InvalidArgumentError(absl::StrCat("articles ", language, " line ", line_no,
                                                       ": needs non-empty id, title and body"));
      }
      if (kb.Find(id) == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat("articles ", language, " line ", line_no,
                                                       ": ", id,
                                                       " is not an article of the knowledge base"));
      }
      if (!texts.emplace(id, std::make_pair(title, body)).second) {
        return absl::InvalidArgumentError(
            absl::StrCat("articles ", language, " line ", line_no, ": ", id, " appears twice"));
      }
      articles.push_back({id, title, kb.Find(id)->category, body, std::move(keywords)});
    }
    for (const Article& a : kb.articles()) {
      if (texts.count(a.id) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("articles ", language, ": article ", a.id, " is missing"));
      }
    }
    if (std::find(searchable.begin(), searchable.end(), language) != searchable.end()) {
      KnowledgeBaseOptions options = kb.options();  // the English ranking settings
      options.language = language;
      options.synonyms = false;
      absl::StatusOr<std::unique_ptr<KnowledgeBase>> index =
          KnowledgeBase::Create(std::move(articles), options);
      if (!index.ok()) return index.status();
      out->indexes_[language] = *std::move(index);
    }
  }
  return out;
}

absl::StatusOr<std::unique_ptr<ArticleTranslations>> ArticleTranslations::Load(
    const std::string& english_jsonl, const KnowledgeBase& kb,
    const std::vector<std::string>& languages) {
  const std::filesystem::path english(english_jsonl);
  std::map<std::string, std::string> files;
  for (const std::string& language : languages) {
    if (language == "en") continue;
    const std::filesystem::path path =
        english.parent_path() /
        absl::StrCat(english.stem().string(), ".", language, english.extension().string());
    std::ifstream in(path);
    if (!in) continue;  // not written yet: English articles for this language
    std::stringstream ss;
    ss << in.rdbuf();
    files[language] = ss.str();
  }
  return FromJsonl(files, kb);
}

const std::pair<std::string, std::string>* ArticleTranslations::Find(
    const std::string& id, absl::string_view language) const {
  auto lang = texts_.find(language);
  if (lang == texts_.end()) return nullptr;
  auto it = lang->second.find(id);
  return it == lang->second.end() ? nullptr : &it->second;
}

const KnowledgeBase* ArticleTranslations::Index(absl::string_view language) const {
  auto it = indexes_.find(language);
  return it == indexes_.end() ? nullptr : it->second.get();
}

std::vector<std::string> ArticleTranslations::languages() const {
  std::vector<std::string> out;
  for (const auto& [language, texts] : texts_) out.push_back(language);
  return out;
}

}  // namespace shop::supportbot
