// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/message_catalog.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {
namespace {

// Calls `on_placeholder(name)` for each {name}, and `on_text(text)` for the text between.
template <typename OnText, typename OnPlaceholder>
void Scan(absl::string_view t, OnText on_text, OnPlaceholder on_placeholder) {
  size_t i = 0;
  std::string run;
  while (i < t.size()) {
    if ((t[i] == '{' || t[i] == '}') && i + 1 < t.size() && t[i + 1] == t[i]) {
      run += t[i];
      i += 2;
      continue;
    }
    if (t[i] == '{') {
      const size_t close = t.find('}', i + 1);
      if (close != absl::string_view::npos) {
        on_text(run);
        run.clear();
        on_placeholder(t.substr(i + 1, close - i - 1));
        i = close + 1;
        continue;
      }
    }
    run += t[i++];
  }
  on_text(run);
}

}  // namespace

std::set<std::string> MessageCatalog::Placeholders(absl::string_view text) {
  std::set<std::string> names;
  Scan(
      text, [](const std::string&) {}, [&](absl::string_view name) { names.emplace(name); });
  return names;
}

absl::StatusOr<std::unique_ptr<MessageCatalog>> MessageCatalog::FromJson(
    const std::map<std::string, std::string>& files) {
  std::map<std::string, Templates, std::less<>> by_language;
  for (const auto& [language, text] : files) {
    const nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!j.is_object()) {
      return absl::InvalidArgumentError(
          absl::StrCat("messages ", language, ": not a JSON object of key -> template"));
    }
    Templates& t = by_language[language];
    for (const auto& [key, value] : j.items()) {
      if (!value.is_string() || value.get<std::string>().empty()) {
        return absl::InvalidArgumentError(
            absl::StrCat("messages ", language, ": \"", key, "\" is not a non-empty string"));
      }
      t.emplace(key, value.get<std::string>());
    }
  }
  auto en = by_language.find("en");
  if (en == by_language.end()) {
    return absl::InvalidArgumentError("messages: the English catalog (en) is required");
  }
  for (const auto& [language, templates] : by_language) {
    for (const auto& [key, text] : en->second) {
      auto it = templates.find(key);
      if (it == templates.end()) {
        return absl::InvalidArgumentError(
            absl::StrCat("messages ", language, ": key \"", key, "\" is missing"));
      }
      if (Placeholders(it->second) != Placeholders(text)) {
        return absl::InvalidArgumentError(
            absl::StrCat("messages ", language, ": \"", key, "\" has placeholders {",
                         absl::StrJoin(Placeholders(it->second), "} {"), "} but English has {",
                         absl::StrJoin(Placeholders(text), "} {"), "}"));
      }
    }
    for (const auto& [key, text] : templates) {
      if (en->second.count(key) == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("messages ", language, ": key \"", key, "\" is not in English"));
      }
    }
  }
  return std::unique_ptr<MessageCatalog>(new MessageCatalog(std::move(by_language)));
}

absl::StatusOr<std::unique_ptr<MessageCatalog>> MessageCatalog::Load(
    const std::string& dir, const std::vector<std::string>& languages) {
  std::map<std::string, std::string> files;
  std::vector<std::string> all = languages;
  all.push_back("en");
  for (const std::string& language : all) {
    const std::string path = absl::StrCat(dir, "/", language, ".json");
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read messages file ", path));
    std::stringstream ss;
    ss << in.rdbuf();
    files[language] = ss.str();
  }
  return FromJson(files);
}

std::string MessageCatalog::Format(absl::string_view language, absl::string_view key,
                                   const MessageArgs& args) const {
  auto lang = by_language_.find(language);
  if (lang == by_language_.end()) lang = by_language_.find("en");
  auto it = lang->second.find(key);
  if (it == lang->second.end()) return std::string(key);
  std::string out;
  Scan(
      it->second, [&](const std::string& text) { out += text; },
      [&](absl::string_view name) {
        for (const auto& [k, v] : args) {
          if (k == name) {
            out += v;
            return;
          }
        }
        absl::StrAppend(&out, "{", name, "}");  // unfilled: visible, and caught by tests
      });
  return out;
}

bool MessageCatalog::HasLanguage(absl::string_view language) const {
  return by_language_.find(language) != by_language_.end();
}

std::vector<std::string> MessageCatalog::languages() const {
  std::vector<std::string> out;
  for (const auto& [language, templates] : by_language_) out.push_back(language);
  return out;
}

std::vector<std::string> MessageCatalog::keys() const {
  std::vector<std::string> out;
  for (const auto& [key, text] : by_language_.at("en")) out.push_back(key);
  return out;
}

}  // namespace shop::supportbot
