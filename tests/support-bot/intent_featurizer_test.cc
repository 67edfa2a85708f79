// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/intent_featurizer.h"

#include <string>

#include "absl/strings/match.h"
#include "nlohmann/json.hpp"
#include "tests/catch.h"

namespace shop::supportbot {
namespace {

nlohmann::json Meta() {
  return nlohmann::json::parse(R"({
    "hash": "fnv1a64", "first_id": 4, "num_features": 2, "features": "features.txt",
    "unk_ids": {"word": 1, "bigram": 2, "char": 3},
    "featurizer": {"max_words": 64, "min_n": 3, "max_n": 5}})");
}
// The FNV-1a 64 hash of "w" + "hi" (data.py's key of the word "hi") gets id 4; a second
// feature no text here produces gets id 5.
constexpr char kFeatures[] = "5ec5fa19489165a9\n1111111111111111\n";

TEST_CASE("the featurizer maps known words to their ids and the rest to unknown ids", "[intent]") {
  auto f = IntentFeaturizer::Parse(Meta(), kFeatures, "metadata.json", "features.txt");
  REQUIRE(f.ok());
  const std::vector<int64_t> ids = f->FeatureIds("Hi");
  // One word, two bigrams (<s> hi, hi </s>), the 3..5-grams of "<hi>" (2 + 1 = 3).
  REQUIRE(ids.size() == 1 + 2 + 3);
  CHECK(ids[0] == 4);                     // the known word
  CHECK(f->FeatureIds("there")[0] == 1);  // an unknown word
  CHECK(ids[1] == 2);                     // unknown bigram
  CHECK(ids[3] == 3);                     // unknown char n-gram
  CHECK(f->FeatureIds("").size() == 1);   // the bigram <s> </s>
  CHECK(*IntentFeaturizer::FeaturesFile(Meta()) == "features.txt");
}

TEST_CASE("damaged featurizer metadata and feature files are refused, naming the problem",
          "[intent]") {
  struct Case {
    const char* pointer;  // JSON pointer of the value to replace
    nlohmann::json value;
    const char* expected;
  };
  const Case cases[] = {
      {"/featurizer/max_words", 1e30, "max_words"},
      {"/featurizer/max_words", 0, "max_words"},
      {"/featurizer/max_words", "64", "max_words"},
      {"/featurizer/min_n", -1, "min_n"},
      {"/featurizer/max_n", 2, "max_n is below min_n"},
      {"/featurizer/max_n", 18446744073709551615ull, "max_n"},
      {"/unk_ids/word", 7, "unknown ids"},
      {"/unk_ids/char", 3.5, "unknown ids"},
      {"/first_id", 5, "first_id"},
      {"/num_features", 3, "has 2 features, metadata says 3"},
      {"/num_features", -1, "num_features"},
      {"/hash", "md5", "fnv1a64"},
      {"/featurizer", nullptr, "featurizer"},
  };
  for (const Case& c : cases) {
    nlohmann::json meta = Meta();
    meta[nlohmann::json::json_pointer(c.pointer)] = c.value;
    auto f = IntentFeaturizer::Parse(meta, kFeatures, "metadata.json", "features.txt");
    INFO(c.pointer << " = " << c.value.dump());
    REQUIRE_FALSE(f.ok());
    CHECK(absl::IsInvalidArgument(f.status()));
    CHECK(absl::StrContains(f.status().message(), c.expected));
  }
  for (const char* features : {"5ec5fa19489165a9\nnot-hex-at-all!!\n", "5ec5fa19489165a9\n123\n",
                               "5ec5fa19489165a9\n5EC5FA19489165A9\n"}) {
    INFO(features);
    auto f = IntentFeaturizer::Parse(Meta(), features, "metadata.json", "features.txt");
    REQUIRE_FALSE(f.ok());
    CHECK(absl::StrContains(f.status().message(), "features.txt: "));
    CHECK(absl::StrContains(f.status().message(), "line 2"));
  }
  nlohmann::json pretrained = Meta();
  pretrained["featurizer"]["pretrained"] = {{"file", "v.npz"}};
  CHECK_FALSE(IntentFeaturizer::Parse(pretrained, kFeatures, "m", "f").ok());  // no pword id
  pretrained["unk_ids"]["pword"] = 0;
  CHECK(IntentFeaturizer::Parse(pretrained, kFeatures, "m", "f").ok());
}

}  // namespace
}  // namespace shop::supportbot
