// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/language_detector.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <iterator>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/text/utf8.h"
#include "nlohmann/json.hpp"

namespace shop::translator {
namespace {

static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "the model file is little-endian");

constexpr char kMagic[] = "SHOPLID1";  // 8 bytes in the file, no terminator
constexpr size_t kMagicSize = 8;
constexpr char kUndetermined[] = "und";
constexpr char32_t kReplacement = 0xFFFD;

// Code point ranges counted as letters: langid_train.py's _LETTER_RANGES, sorted.
constexpr std::pair<char32_t, char32_t> kLetterRanges[] = {
    {0x41, 0x5A},     {0x61, 0x7A},     {0xAA, 0xAA},     {0xB5, 0xB5},     {0xBA, 0xBA},
    {0xC0, 0xD6},     {0xD8, 0xF6},     {0xF8, 0x2AF},    {0x300, 0x36F},   {0x370, 0x373},
    {0x376, 0x377},   {0x37B, 0x37D},   {0x386, 0x386},   {0x388, 0x3FF},   {0x400, 0x481},
    {0x48A, 0x52F},   {0x531, 0x556},   {0x561, 0x587},   {0x5D0, 0x5EA},   {0x620, 0x64A},
    {0x671, 0x6D3},   {0x900, 0xDFF},   {0xE01, 0xE3A},   {0xE40, 0xE4E},   {0x10A0, 0x10FF},
    {0x1100, 0x11FF}, {0x1E00, 0x1EFF}, {0x3041, 0x3096}, {0x30A1, 0x30FA}, {0x3400, 0x4DBF},
    {0x4E00, 0x9FFF}, {0xAC00, 0xD7A3}, {0xF900, 0xFAFF},
};

bool IsLetter(char32_t cp) {
  for (const auto& [lo, hi] : kLetterRanges) {
    if (cp < lo) return false;
    if (cp <= hi) return true;
  }
  return false;
}

bool IsApostrophe(char32_t cp) { return cp == 0x27 || cp == 0x2019 || cp == 0x2BC; }

// langid_train.py's lower(): a fixed table, not the locale's.
char32_t Lower(char32_t cp) {
  if (cp >= 0x41 && cp <= 0x5A) return cp + 0x20;
  if (cp < 0xC0) return cp;
  if (cp <= 0xDE) return cp == 0xD7 ? cp : cp + 0x20;
  if (cp >= 0x100 && cp <= 0x17F) {
    if (cp == 0x130) return 0x69;  // I with dot above
    if (cp <= 0x137 || (cp >= 0x14A && cp <= 0x177)) return cp | 1;
    if ((cp >= 0x139 && cp <= 0x148) || (cp >= 0x179 && cp <= 0x17E)) {
      return (cp & 1) ? cp + 1 : cp;
    }
    if (cp == 0x178) return 0xFF;  // Y with diaeresis
    return cp;
  }
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp == 0x1E9E) return 0xDF;  // capital sharp s
  return cp;
}

// The first `max_chars` code points of `s`; an invalid sequence becomes one U+FFFD per
// offending byte (not a letter, so it separates words).
std::vector<char32_t> CodePoints(absl::string_view s, int max_chars) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < s.size() && static_cast<int>(out.size()) < max_chars) {
    char32_t cp = 0;
    const int length = DecodeUtf8(s, i, &cp);
    out.push_back(length > 0 ? cp : kReplacement);
    i += length > 0 ? length : 1;
  }
  return out;
}

// Lower-cased words: runs of letters; an apostrophe joins a word only between two letters.
std::vector<std::u32string> Words(const std::vector<char32_t>& cps) {
  std::vector<std::u32string> words;
  std::u32string current;
  for (size_t i = 0; i < cps.size(); ++i) {
    const char32_t cp = cps[i];
    if (IsLetter(cp)) {
      current.push_back(Lower(cp));
    } else if (IsApostrophe(cp) && !current.empty() && i + 1 < cps.size() && IsLetter(cps[i + 1])) {
      current.push_back(0x27);
    } else if (!current.empty()) {
      words.push_back(std::move(current));
      current.clear();
    }
  }
  if (!current.empty()) words.push_back(std::move(current));
  return words;
}

uint32_t Fnv1a32(const char* data, size_t size) {
  uint32_t h = 0x811C9DC5u;
  for (size_t i = 0; i < size; ++i) {
    h ^= static_cast<unsigned char>(data[i]);
    h *= 0x01000193u;
  }
  return h;
}

absl::Status Invalid(const std::string& path, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("language model ", path, ": ", what));
}

}  // namespace

absl::StatusOr<std::unique_ptr<LanguageDetector>> LanguageDetector::Load(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read language model ", path));
  const std::string blob((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (blob.size() < kMagicSize + 4 || blob.compare(0, kMagicSize, kMagic) != 0) {
    return Invalid(path, "not a language id model (bad magic)");
  }
  uint32_t header_size = 0;
  std::memcpy(&header_size, blob.data() + kMagicSize, 4);
  const size_t weights_offset = kMagicSize + 4 + static_cast<size_t>(header_size);
  if (weights_offset > blob.size()) return Invalid(path, "truncated header");

  nlohmann::json h =
      nlohmann::json::parse(blob.begin() + kMagicSize + 4, blob.begin() + weights_offset, nullptr,
                            /*allow_exceptions=*/false);
  if (h.is_discarded() || !h.is_object()) return Invalid(path, "header is not a JSON object");
  std::unique_ptr<LanguageDetector> d(new LanguageDetector());
  try {
    if (h.at("format").get<int>() != 1) return Invalid(path, "unknown format version");
    if (h.at("hash").get<std::string>() != "fnv1a32") return Invalid(path, "unknown hash");
    d->languages_ = h.at("languages").get<std::vector<std::string>>();
    d->version_ = h.value("version", std::string());
    const int64_t num_buckets = h.at("num_buckets").get<int64_t>();
    d->min_order_ = h.at("min_order").get<int>();
    d->max_order_ = h.at("max_order").get<int>();
    d->max_chars_ = h.at("max_chars").get<int>();
    d->scale_ = h.at("scale").get<double>();
    d->length_exponent_ = h.at("length_exponent").get<double>();
    d->min_confidence_ = h.at("min_confidence").get<double>();
    d->min_mean_log_prob_ = h.at("min_mean_log_prob").get<double>();
    if (d->languages_.empty()) return Invalid(path, "no languages");
    if (num_buckets < 1 || num_buckets > (int64_t{1} << 30)) {
      return Invalid(path, absl::StrCat("num_buckets ", num_buckets, " out of range"));
    }
    d->num_buckets_ = static_cast<uint32_t>(num_buckets);
    if (d->min_order_ < 1 || d->max_order_ < d->min_order_ || d->max_chars_ < 1) {
      return Invalid(path, "bad n-gram orders or max_chars");
    }
  } catch (const nlohmann::json::exception& e) {
    return Invalid(path, absl::StrCat("header: ", e.what()));
  }

  const size_t count = static_cast<size_t>(d->num_buckets_) * d->languages_.size();
  if (blob.size() - weights_offset != count * sizeof(float)) {
    return Invalid(path, absl::StrCat("expected ", count, " float32 weights after the header, got ",
                                      blob.size() - weights_offset, " bytes"));
  }
  d->log_probs_.resize(count);
  std::memcpy(d->log_probs_.data(), blob.data() + weights_offset, count * sizeof(float));
  for (float w : d->log_probs_) {
    if (!std::isfinite(w)) return Invalid(path, "non-finite weight");
  }
  return d;
}

std::vector<uint32_t> LanguageDetector::FeatureIds(absl::string_view utf8_text) const {
  std::vector<uint32_t> ids;
  auto add = [&](const char* bytes, size_t size) {
    ids.push_back(Fnv1a32(bytes, size) % num_buckets_);
  };
  std::string padded;          // " word " in UTF-8
  std::vector<size_t> starts;  // byte offset of each code point of `padded`, plus the end
  for (const std::u32string& word : Words(CodePoints(utf8_text, max_chars_))) {
    padded.clear();
    starts.clear();
    starts.push_back(0);
    padded.push_back(' ');
    for (char32_t cp : word) {
      starts.push_back(padded.size());
      AppendUtf8(cp, &padded);
    }
    starts.push_back(padded.size());
    padded.push_back(' ');
    starts.push_back(padded.size());
    const int size = static_cast<int>(word.size()) + 2;  // code points
    for (int n = min_order_; n <= max_order_; ++n) {
      for (int i = 0; i + n <= size; ++i) {
        if (n == 1 && (i == 0 || i == size - 1)) continue;  // the padding spaces alone
        add(padded.data() + starts[i], starts[i + n] - starts[i]);
      }
    }
    if (size > max_order_) add(padded.data(), padded.size());
  }
  return ids;
}

void LanguageDetector::Score(absl::string_view utf8_text, std::vector<double>* sums,
                             int64_t* count) const {
  const size_t num_languages = languages_.size();
  sums->assign(num_languages, 0.0);
  const std::vector<uint32_t> ids = FeatureIds(utf8_text);
  for (uint32_t id : ids) {
    const float* row = &log_probs_[static_cast<size_t>(id) * num_languages];
    for (size_t l = 0; l < num_languages; ++l) (*sums)[l] += row[l];
  }
  *count = static_cast<int64_t>(ids.size());
}

std::vector<double> LanguageDetector::Softmax(const std::vector<double>& sums,
                                              int64_t count) const {
  std::vector<double> p(sums.size(), 0.0);
  if (count == 0) return p;
  const double temperature = scale_ * std::pow(static_cast<double>(count), -length_exponent_);
  double max_logit = sums[0] * temperature;
  for (double s : sums) max_logit = std::max(max_logit, s * temperature);
  double total = 0.0;
  for (size_t l = 0; l < sums.size(); ++l) {
    p[l] = std::exp(sums[l] * temperature - max_logit);
    total += p[l];
  }
  for (double& x : p) x /= total;
  return p;
}

std::vector<double> LanguageDetector::Probabilities(absl::string_view utf8_text) const {
  std::vector<double> sums;
  int64_t count = 0;
  Score(utf8_text, &sums, &count);
  return Softmax(sums, count);
}

LanguageDetector::Detection LanguageDetector::Detect(absl::string_view utf8_text) const {
  std::vector<double> sums;
  int64_t count = 0;
  Score(utf8_text, &sums, &count);
  if (count == 0) return {kUndetermined, 0.0f};
  const std::vector<double> p = Softmax(sums, count);
  size_t best = 0;
  for (size_t l = 1; l < p.size(); ++l) {
    if (p[l] > p[best]) best = l;
  }
  // Unsure between the known languages, or unlike all of them (another language).
  if (p[best] < min_confidence_ || sums[best] / static_cast<double>(count) < min_mean_log_prob_) {
    return {kUndetermined, 0.0f};
  }
  return {languages_[best], static_cast<float>(p[best])};
}

}  // namespace shop::translator
