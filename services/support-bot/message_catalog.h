// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The bot's fixed replies, written by hand in each language it serves: one JSON file per
// language (services/support-bot/messages/<lang>.json) mapping a message key to a
// template with named placeholders ("Shall I cancel order {order_id}?"). The bot's
// replies are built from these, so a German customer reads German that a person wrote,
// not a machine translation of the English.
//
// Loading checks that every language has exactly the English keys, each with the same
// placeholders, so a missing or mistyped translation fails at start-up, not in a
// conversation.
#ifndef SHOP_SERVICES_SUPPORT_BOT_MESSAGE_CATALOG_H_
#define SHOP_SERVICES_SUPPORT_BOT_MESSAGE_CATALOG_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace shop::supportbot {

// Placeholder name -> value, e.g. {{"order_id", "ORD-12345678"}}.
using MessageArgs = std::vector<std::pair<std::string, std::string>>;

class MessageCatalog {
 public:
  // Reads <dir>/en.json and <dir>/<lang>.json for each of `languages` (English is always
  // loaded). INVALID_ARGUMENT naming the file and key when a file does not parse, a key
  // is missing or extra, or a template's placeholders differ from the English one's.
  static absl::StatusOr<std::unique_ptr<MessageCatalog>> Load(
      const std::string& dir, const std::vector<std::string>& languages);
  // From JSON texts (language -> file content); for tests.
  static absl::StatusOr<std::unique_ptr<MessageCatalog>> FromJson(
      const std::map<std::string, std::string>& files);

  // The template `key` in `language` (English when the language is not loaded) with its
  // placeholders filled from `args`. An unknown key renders as the key itself (a
  // programming error that the catalog tests catch), never as an empty reply.
  std::string Format(absl::string_view language, absl::string_view key,
                     const MessageArgs& args = {}) const;

  bool HasLanguage(absl::string_view language) const;
  std::vector<std::string> languages() const;
  // The English keys, sorted.
  std::vector<std::string> keys() const;

  // The placeholder names of a template ("{order_id} to {address}" -> {address,
  // order_id}); "{{" and "}}" are literal braces.
  static std::set<std::string> Placeholders(absl::string_view text);

 private:
  using Templates = std::map<std::string, std::string, std::less<>>;
  explicit MessageCatalog(std::map<std::string, Templates, std::less<>> by_language)
      : by_language_(std::move(by_language)) {}

  std::map<std::string, Templates, std::less<>> by_language_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_MESSAGE_CATALOG_H_
