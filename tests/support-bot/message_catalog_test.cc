// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The reply catalogs: the shipped ones are complete in every language (same keys, same
// placeholders as English), and a catalog that is not is refused at load time.
#include "services/support-bot/message_catalog.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "absl/strings/match.h"
#include "tests/catch.h"

namespace shop::supportbot {
namespace {

const std::string kDir = std::string(SHOP_SOURCE_DIR) + "/services/support-bot/messages";

TEST_CASE("The shipped catalogs load, and every language has every key") {
  std::vector<std::string> languages;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() == ".json") languages.push_back(entry.path().stem().string());
  }
  REQUIRE(languages.size() >= 4);  // en, de, fr, es
  auto catalog = MessageCatalog::Load(kDir, languages);
  INFO(catalog.status().ToString());
  REQUIRE(catalog.ok());
  for (const std::string& language : languages) {
    for (const std::string& key : (*catalog)->keys()) {
      INFO(language << " " << key);
      // Every placeholder filled: no brace is left, and the text differs from the key.
      MessageArgs args;
      for (const std::string& name : MessageCatalog::Placeholders((*catalog)->Format("en", key))) {
        args.emplace_back(name, "X");
      }
      for (const std::string& name :
           MessageCatalog::Placeholders((*catalog)->Format(language, key))) {
        args.emplace_back(name, "X");
      }
      const std::string text = (*catalog)->Format(language, key, args);
      CHECK(text != key);
      CHECK(text.find('{') == std::string::npos);
      // Not English in another language's file (a forgotten translation), except
      // templates that are only placeholders and punctuation.
      if (language != "en" && key != "kb.answer")
        CHECK(text != (*catalog)->Format("en", key, args));
    }
  }
}

TEST_CASE("Every message key the dialogue uses is in the catalog") {
  auto catalog = MessageCatalog::Load(kDir, {});
  REQUIRE(catalog.ok());
  const std::vector<std::string> keys = (*catalog)->keys();
  std::ifstream in(std::string(SHOP_SOURCE_DIR) + "/services/support-bot/dialogue_manager.cc");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string code = ss.str();
  // Phrase("key" ... and the status keys returned by StatusKey ("status.placed").
  static const std::regex kKey(R"re((?:Phrase\(|return |\? |: )"([a-z_]+\.[a-z_.]+)")re");
  int found = 0;
  for (auto it = std::sregex_iterator(code.begin(), code.end(), kKey); it != std::sregex_iterator();
       ++it) {
    const std::string key = (*it)[1];
    INFO(key);
    CHECK(std::find(keys.begin(), keys.end(), key) != keys.end());
    ++found;
  }
  CHECK(found >= 40);
}

TEST_CASE("A catalog with a missing key, an extra key or other placeholders is refused") {
  const std::string en = R"({"a": "Order {order_id}.", "b": "Hello."})";
  CHECK(MessageCatalog::FromJson({{"en", en}, {"de", R"({"a": "Bestellung {order_id}."})"}})
            .status()
            .message()
            .find("\"b\" is missing") != std::string::npos);
  CHECK(MessageCatalog::FromJson(
            {{"en", en}, {"de", R"({"a": "Bestellung {order_id}.", "b": "Hallo.", "c": "x"})"}})
            .status()
            .message()
            .find("\"c\" is not in English") != std::string::npos);
  auto wrong = MessageCatalog::FromJson(
      {{"en", en}, {"de", R"({"a": "Bestellung {order}.", "b": "Hallo."})"}});
  CHECK(absl::StrContains(wrong.status().message(), "placeholders"));
  CHECK(!MessageCatalog::FromJson({{"de", R"({"a": "x"})"}}).ok());  // no English
  CHECK(!MessageCatalog::FromJson({{"en", "not json"}}).ok());
  CHECK(MessageCatalog::FromJson(
            {{"en", en}, {"de", R"({"a": "Bestellung {order_id}.", "b": "Hallo."})"}})
            .ok());
}

TEST_CASE("Formatting fills placeholders, keeps literal braces and falls back to English") {
  auto c = MessageCatalog::FromJson(
      {{"en", R"({"a": "Order {order_id} to {address}; {{literal}}"})"},
       {"de", R"({"a": "Bestellung {order_id} an {address}; {{literal}}"})"}});
  REQUIRE(c.ok());
  CHECK((*c)->Format("de", "a", {{"order_id", "ORD-1"}, {"address", "Berlin"}}) ==
        "Bestellung ORD-1 an Berlin; {literal}");
  CHECK((*c)->Format("xx", "a", {{"order_id", "ORD-1"}, {"address", "Paris"}}) ==
        "Order ORD-1 to Paris; {literal}");
  CHECK((*c)->Format("en", "a") == "Order {order_id} to {address}; {literal}");
  CHECK((*c)->Format("en", "missing") == "missing");
  CHECK(MessageCatalog::Placeholders("{a} and {b}, {{c}}") == std::set<std::string>{"a", "b"});
}

}  // namespace
}  // namespace shop::supportbot
