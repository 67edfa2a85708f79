// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The knowledge base's articles in other languages, written by hand: next to
// kb/articles.jsonl, kb/articles.<lang>.jsonl holds the same article ids with their title,
// keywords and body in that language. Each language gets its own search index (a
// KnowledgeBase with that language's analysis), so a question is searched as the customer
// wrote it; the answer is shown in the customer's language.
#ifndef SHOP_SERVICES_SUPPORT_BOT_ARTICLE_TRANSLATIONS_H_
#define SHOP_SERVICES_SUPPORT_BOT_ARTICLE_TRANSLATIONS_H_

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/support-bot/knowledge_base.h"

namespace shop::supportbot {

class ArticleTranslations {
 public:
  // Reads <dir of english_jsonl>/articles.<lang>.jsonl for each language; a language
  // without a file is left out (its customers read the English articles). A file must
  // hold every article of `kb` exactly once, and no other: INVALID_ARGUMENT otherwise.
  static absl::StatusOr<std::unique_ptr<ArticleTranslations>> Load(
      const std::string& english_jsonl, const KnowledgeBase& kb,
      const std::vector<std::string>& languages);
  // From JSONL texts (language -> content); for tests.
  static absl::StatusOr<std::unique_ptr<ArticleTranslations>> FromJsonl(
      const std::map<std::string, std::string>& files, const KnowledgeBase& kb);

  // The search index of the articles in `language` (same ids and categories as the
  // English ones), or null when the language has none.
  const KnowledgeBase* Index(absl::string_view language) const;

  // Title and body of `id` in `language`, or null when there is none.
  const std::pair<std::string, std::string>* Find(const std::string& id,
                                                  absl::string_view language) const;
  std::vector<std::string> languages() const;

 private:
  // language -> article id -> (title, body)
  std::map<std::string, std::map<std::string, std::pair<std::string, std::string>>, std::less<>>
      texts_;
  std::map<std::string, std::unique_ptr<KnowledgeBase>, std::less<>> indexes_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_ARTICLE_TRANSLATIONS_H_
