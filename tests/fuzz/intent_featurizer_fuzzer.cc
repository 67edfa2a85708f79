// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Fuzzes the support bot's intent featurizer (services/support-bot/intent_featurizer.h):
// - the first byte even: the rest is a customer message, featurized with the vocabulary of
//   a small fixed model: every id is an unknown id (1..3) or a vocabulary id (4..5), and
//   there is at least the one bigram of <s> ... </s>;
// - odd: the rest is "<metadata JSON>\n\n<features file>", parsed as a model's files; any
//   bytes give a status, and an accepted featurizer featurizes a message within its bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"
#include "services/support-bot/intent_featurizer.h"

namespace {

void Check(bool condition) {
  if (!condition) std::abort();
}

const shop::supportbot::IntentFeaturizer& Fixed() {
  static const auto* featurizer = [] {
    const nlohmann::json meta = nlohmann::json::parse(R"({
      "hash": "fnv1a64", "first_id": 4, "num_features": 2, "features": "features.txt",
      "unk_ids": {"word": 1, "bigram": 2, "char": 3, "pword": 0},
      "featurizer": {"max_words": 64, "min_n": 3, "max_n": 5, "pretrained": {}}})");
    auto parsed = shop::supportbot::IntentFeaturizer::Parse(
        meta, "5ec5fa19489165a9\n1111111111111111\n", "metadata.json", "features.txt");
    Check(parsed.ok());
    return new shop::supportbot::IntentFeaturizer(*std::move(parsed));
  }();
  return *featurizer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (data[0] % 2 == 0) {
    const std::vector<int64_t> ids = Fixed().FeatureIds(rest);
    Check(!ids.empty());
    for (int64_t id : ids) Check(id >= 1 && id <= 5);
    return 0;
  }
  const size_t split = rest.find("\n\n");
  const absl::string_view meta_text = rest.substr(0, split);
  const absl::string_view features =
      split == absl::string_view::npos ? absl::string_view() : rest.substr(split + 2);
  const nlohmann::json meta = nlohmann::json::parse(meta_text.begin(), meta_text.end(), nullptr,
                                                    /*allow_exceptions=*/false);
  if (meta.is_discarded()) return 0;
  const auto parsed =
      shop::supportbot::IntentFeaturizer::Parse(meta, features, "metadata.json", "features.txt");
  if (!parsed.ok()) {
    Check(!parsed.status().message().empty());
    return 0;
  }
  // Bounded work and ids for a message of up to 1,024 words of 1..16 bytes each.
  const std::vector<int64_t> ids = parsed->FeatureIds("where is my order 12345, please?");
  Check(!ids.empty());
  for (int64_t id : ids) Check(id >= 1);
  return 0;
}
