// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/intent_featurizer.h"

#include <cstdlib>
#include <map>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "nlohmann/json.hpp"

namespace shop::supportbot {
namespace {

constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ull;
constexpr uint64_t kFnvPrime = 0x100000001b3ull;
// data.py: PAD, UNK_WORD, UNK_BIGRAM, UNK_CHAR, FIRST_ID.
constexpr int64_t kPad = 0;
constexpr int64_t kUnkWord = 1;
constexpr int64_t kUnkBigram = 2;
constexpr int64_t kUnkChar = 3;
constexpr int64_t kFirstId = 4;
// Bounds on the settings: far above any trained model's (64 words, 3..5-grams), low enough
// that a damaged metadata file cannot make one message cost seconds.
constexpr int64_t kMaxWords = 1024;
constexpr int64_t kMaxN = 16;

// 64-bit FNV-1a of prefix + a + b (the bytes of one feature key).
uint64_t Fnv1a64(char prefix, absl::string_view a, absl::string_view b = {}) {
  uint64_t h = kFnvOffset;
  auto add = [&h](unsigned char c) {
    h ^= c;
    h *= kFnvPrime;
  };
  add(static_cast<unsigned char>(prefix));
  for (char c : a) add(static_cast<unsigned char>(c));
  for (char c : b) add(static_cast<unsigned char>(c));
  return h;
}

// data.py's words_of(): lower-cased runs of ASCII letters and non-ASCII bytes, each run
// of digits folded to one "0", apostrophes (U+0027, U+2019) dropped, anything else a
// separator.
std::vector<std::string> Words(absl::string_view text, int max_words) {
  std::vector<std::string> words;
  std::string current;
  bool in_digits = false;
  const size_t n = text.size();
  for (size_t i = 0; i < n; ++i) {
    auto b = static_cast<unsigned char>(text[i]);
    if (b == 0x27) continue;
    if (b == 0xE2 && i + 2 < n && static_cast<unsigned char>(text[i + 1]) == 0x80 &&
        static_cast<unsigned char>(text[i + 2]) == 0x99) {
      i += 2;
      continue;
    }
    if (b >= 'A' && b <= 'Z') b += 32;
    if ((b >= 'a' && b <= 'z') || b >= 0x80) {
      current.push_back(static_cast<char>(b));
      in_digits = false;
    } else if (b >= '0' && b <= '9') {
      if (!in_digits) current.push_back('0');
      in_digits = true;
    } else {
      if (!current.empty()) {
        words.push_back(std::move(current));
        current.clear();
        if (static_cast<int>(words.size()) == max_words) return words;
      }
      in_digits = false;
    }
  }
  if (!current.empty() && static_cast<int>(words.size()) < max_words) {
    words.push_back(std::move(current));
  }
  return words;
}

absl::Status Invalid(absl::string_view name, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(name, ": ", what));
}

// The integer under `key` of `j`, in lo..hi; checked before converting (a float or a huge
// number does not convert to int).
absl::StatusOr<int64_t> IntIn(const nlohmann::json& j, const char* key, int64_t lo, int64_t hi) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not an integer"));
  }
  const bool in_range =
      it->is_number_unsigned()
          ? it->get<uint64_t>() <= static_cast<uint64_t>(hi) && it->get<int64_t>() >= lo
          : it->get<int64_t>() >= lo && it->get<int64_t>() <= hi;
  if (!in_range) {
    return absl::InvalidArgumentError(absl::StrCat("\"", key, "\" is not in ", lo, "..", hi));
  }
  return it->get<int64_t>();
}

}  // namespace

absl::StatusOr<std::string> IntentFeaturizer::FeaturesFile(const nlohmann::json& meta) {
  auto it = meta.find("features");
  if (!meta.is_object() || it == meta.end() || !it->is_string()) {
    return absl::InvalidArgumentError("\"features\" is not a file name");
  }
  return it->get<std::string>();
}

absl::StatusOr<IntentFeaturizer> IntentFeaturizer::Parse(const nlohmann::json& meta,
                                                         absl::string_view features_text,
                                                         absl::string_view meta_name,
                                                         absl::string_view features_name) {
  if (!meta.is_object()) return Invalid(meta_name, "not a JSON object");
  auto hash = meta.find("hash");
  if (hash == meta.end() || !hash->is_string() || hash->get<std::string>() != "fnv1a64") {
    return Invalid(meta_name, "\"hash\" is not \"fnv1a64\"");
  }
  auto f = meta.find("featurizer");
  if (f == meta.end() || !f->is_object()) return Invalid(meta_name, "no \"featurizer\" object");
  IntentFeaturizer featurizer;
  absl::StatusOr<int64_t> max_words = IntIn(*f, "max_words", 1, kMaxWords);
  absl::StatusOr<int64_t> min_n = IntIn(*f, "min_n", 1, kMaxN);
  absl::StatusOr<int64_t> max_n = IntIn(*f, "max_n", 1, kMaxN);
  for (const auto* v : {&max_words, &min_n, &max_n}) {
    if (!v->ok()) return Invalid(meta_name, absl::StrCat("featurizer ", v->status().message()));
  }
  if (*max_n < *min_n) return Invalid(meta_name, "featurizer max_n is below min_n");
  featurizer.max_words_ = static_cast<int>(*max_words);
  featurizer.min_n_ = static_cast<int>(*min_n);
  featurizer.max_n_ = static_cast<int>(*max_n);
  // Models trained with pretrained word vectors (train.py --pretrained) look every word up
  // once more, as a "pword" feature, which has no unknown id (pword 0 = dropped).
  featurizer.pretrained_words_ = f->contains("pretrained") && !f->at("pretrained").is_null();

  auto unk = meta.find("unk_ids");
  if (unk == meta.end() || !unk->is_object()) return Invalid(meta_name, "no \"unk_ids\" object");
  const std::map<std::string, int64_t> expected = {
      {"word", kUnkWord}, {"bigram", kUnkBigram}, {"char", kUnkChar}};
  for (const auto& [kind, id] : expected) {
    absl::StatusOr<int64_t> got = IntIn(*unk, kind.c_str(), id, id);
    if (!got.ok())
      return Invalid(meta_name, "unexpected unknown ids (featurizer version mismatch)");
  }
  if (featurizer.pretrained_words_ && !IntIn(*unk, "pword", kPad, kPad).ok()) {
    return Invalid(meta_name, "unexpected unknown ids (featurizer version mismatch)");
  }
  if (!IntIn(meta, "first_id", kFirstId, kFirstId).ok()) {
    return Invalid(meta_name, "unexpected first_id (featurizer version mismatch)");
  }
  absl::StatusOr<int64_t> num_features = IntIn(meta, "num_features", 0, int64_t{1} << 40);
  if (!num_features.ok()) return Invalid(meta_name, num_features.status().message());

  int64_t id = kFirstId;
  for (absl::string_view line : absl::StrSplit(features_text, '\n')) {
    if (line.empty()) continue;
    const int64_t line_no = id - kFirstId + 1;
    uint64_t value = 0;
    bool hex = line.size() == 16;
    for (char c : line) {
      if (!hex) break;
      hex = absl::ascii_isxdigit(c);
      const int digit = c <= '9' ? c - '0' : absl::ascii_tolower(c) - 'a' + 10;
      value = value << 4 | static_cast<uint64_t>(digit);
    }
    if (!hex)
      return Invalid(features_name, absl::StrCat("line ", line_no, " is not 16 hex digits"));
    if (!featurizer.ids_.emplace(value, id).second) {
      return Invalid(features_name, absl::StrCat("duplicate hash on line ", line_no));
    }
    ++id;
  }
  if (id - kFirstId != *num_features) {
    return Invalid(features_name,
                   absl::StrCat("has ", id - kFirstId, " features, metadata says ", *num_features));
  }
  return featurizer;
}

std::vector<int64_t> IntentFeaturizer::FeatureIds(absl::string_view text) const {
  const std::vector<std::string> words = Words(text, max_words_);
  std::vector<int64_t> ids;
  // A key not in the vocabulary becomes its kind's unknown id; a kind without one (kPad)
  // drops it, as data.py's Vocabulary.encode does.
  auto lookup = [this, &ids](uint64_t hash, int64_t unk) {
    auto it = ids_.find(hash);
    const int64_t id = it == ids_.end() ? unk : it->second;
    if (id != kPad) ids.push_back(id);
  };
  for (const std::string& w : words) lookup(Fnv1a64('w', w), kUnkWord);
  // Bigrams of <s> words... </s>.
  std::string left = "<s>";
  for (size_t i = 0; i <= words.size(); ++i) {
    const std::string right = i < words.size() ? words[i] : "</s>";
    lookup(Fnv1a64('b', absl::StrCat(left, " "), right), kUnkBigram);
    left = right;
  }
  std::string bracketed;
  for (const std::string& w : words) {
    bracketed = absl::StrCat("<", w, ">");
    const absl::string_view s(bracketed);
    for (int n = min_n_; n <= max_n_; ++n) {
      for (size_t j = 0; j + n <= s.size(); ++j) lookup(Fnv1a64('c', s.substr(j, n)), kUnkChar);
    }
  }
  if (pretrained_words_) {
    // A word without a pretrained vector adds nothing: the pword kind has no unknown id.
    for (const std::string& w : words) lookup(Fnv1a64('p', w), kPad);
  }
  return ids;
}

}  // namespace shop::supportbot
