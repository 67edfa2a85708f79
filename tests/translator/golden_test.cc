// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The server's C++ against the Python code that defines it, on every translator version
// under models/translator/. The C++ re-implements by hand what training defines in
// Python: the language identifier's features and scoring (langid_train.py), the
// SentencePiece call (sentencepiece) and decoding (translate.py). golden.json in each
// version directory (services/translator/training/golden.py, written by every export)
// holds what the Python side computes on fixed inputs; here the classes the server uses,
// loaded as TranslationEngine loads them (TorchModel::Load with its checksums,
// TranslationModel::Create, LanguageDetector::Load of <dir>/langid.bin, BeamSearch through
// the direct decoder and through step()), must compute the same.

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "common/inference/model_repository.h"
#include "common/inference/torch_model.h"
#include "nlohmann/json.hpp"
#include "services/translator/beam_search.h"
#include "services/translator/direct_decoder.h"
#include "services/translator/language_detector.h"
#include "services/translator/translation_engine.h"
#include "services/translator/translation_model.h"
#include "tests/catch.h"

namespace shop::translator {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char kRegenerate[] =
    "rerun /usr/bin/python3 services/translator/training/golden.py <dir>, then "
    "/usr/bin/python3 common/inference/model_checksums.py <dir>";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

json ReadJson(const fs::path& path) {
  INFO("parsing " << path.string());
  json j = json::parse(ReadFile(path), nullptr, /*allow_exceptions=*/false);
  REQUIRE_FALSE(j.is_discarded());
  return j;
}

// One version directory with its golden outputs, checked to belong to its files.
struct Version {
  std::string dir;
  json golden;
};

// Every version the model repository would serve (ListVersions: the numeric
// directories), each of which must carry a golden.json computed from its current files.
std::vector<Version> Versions() {
  const std::string root = std::string(SHOP_SOURCE_DIR) + "/models/translator";
  absl::StatusOr<std::vector<int64_t>> numbers = ModelRepository::ListVersions(root);
  REQUIRE(numbers.ok());
  REQUIRE_FALSE(numbers->empty());
  std::vector<Version> versions;
  for (int64_t number : *numbers) {
    Version v;
    v.dir = root + "/" + std::to_string(number);
    INFO(v.dir);
    if (!fs::exists(v.dir + "/golden.json")) {
      FAIL(v.dir << " has no golden.json: " << kRegenerate);
    }
    v.golden = ReadJson(v.dir + "/golden.json");
    const json metadata = ReadJson(v.dir + "/metadata.json");
    REQUIRE(v.golden.at("format").get<int>() == 1);
    REQUIRE(v.golden.at("version").get<int64_t>() == metadata.at("version").get<int64_t>());
    // A model file changed without new golden outputs would otherwise read as a C++ bug.
    for (const auto& [file, digest] : v.golden.at("computed_from").items()) {
      INFO("golden.json was computed from another "
           << file << " than metadata.json's sha256 "
           << "records (golden.json is stale): " << kRegenerate);
      REQUIRE(metadata.at("sha256").contains(file));
      REQUIRE(metadata.at("sha256").at(file).get<std::string>() == digest.get<std::string>());
    }
    versions.push_back(std::move(v));
  }
  return versions;
}

std::shared_ptr<const TranslationModel> LoadModel(const std::string& dir) {
  absl::StatusOr<std::shared_ptr<const TorchModel>> torch_model = TorchModel::Load(dir);
  INFO(torch_model.status().ToString());
  REQUIRE(torch_model.ok());
  absl::StatusOr<std::shared_ptr<const TranslationModel>> model =
      TranslationModel::Create(*torch_model);
  INFO(model.status().ToString());
  REQUIRE(model.ok());
  return *model;
}

std::unique_ptr<LanguageDetector> LoadDetector(const std::string& path) {
  absl::StatusOr<std::unique_ptr<LanguageDetector>> detector = LanguageDetector::Load(path);
  INFO(path << ": " << detector.status().ToString());
  REQUIRE(detector.ok());
  return *std::move(detector);
}

TEST_CASE("every translator version has golden.json computed from its own files") {
  // Versions() fails on a version without golden.json or with a stale one.
  for (const Version& v : Versions()) {
    INFO(v.dir);
    CHECK_FALSE(v.golden.at("langid").at("cases").empty());
    CHECK_FALSE(v.golden.at("tokenizer").at("cases").empty());
    CHECK(v.golden.at("decoder").at("cases").size() >= 3);
  }
}

TEST_CASE("the language detector computes langid_train.py's features and probabilities") {
  for (const Version& v : Versions()) {
    INFO(v.dir);
    const std::string path = v.dir + "/langid.bin";  // as TranslationEngine loads it
    std::unique_ptr<LanguageDetector> detector = LoadDetector(path);
    const json& golden = v.golden.at("langid");
    CHECK(detector->version() == golden.at("version").get<std::string>());
    CHECK(detector->languages() == golden.at("languages").get<std::vector<std::string>>());

    for (const json& c : golden.at("cases")) {
      const std::string text = c.at("text").get<std::string>();
      INFO("text: " << text);
      const std::vector<uint32_t> want_ids = c.at("feature_ids").get<std::vector<uint32_t>>();
      CHECK(detector->FeatureIds(text) == want_ids);

      // Both sides sum the same float32 weights in double, in another order, and softmax
      // with their own exp: equal far beyond what any decision depends on.
      const std::vector<double> want = c.at("probabilities").get<std::vector<double>>();
      const std::vector<double> got = detector->Probabilities(text);
      REQUIRE(got.size() == want.size());
      for (size_t l = 0; l < got.size(); ++l) {
        INFO("probability of " << detector->languages()[l]);
        CHECK(std::abs(got[l] - want[l]) <= 1e-9);
      }
      const LanguageDetector::Detection d = detector->Detect(text);
      CHECK(d.language == c.at("language").get<std::string>());
      // Detection::confidence is a float.
      CHECK(std::abs(d.confidence - c.at("confidence").get<double>()) <= 1e-6);
    }
  }
}

TEST_CASE("the tokenizer gives sentencepiece's ids") {
  for (const Version& v : Versions()) {
    INFO(v.dir);
    std::shared_ptr<const TranslationModel> model = LoadModel(v.dir);
    for (const json& c : v.golden.at("tokenizer").at("cases")) {
      const std::string text = c.at("text").get<std::string>();
      INFO("text: " << text);
      CHECK(model->tokenizer().Encode(text) == c.at("ids").get<std::vector<int>>());
    }
  }
}

TEST_CASE("beam search and both decoder steps give translate.py's greedy output") {
  const EngineOptions engine_defaults{};
  for (const Version& v : Versions()) {
    INFO(v.dir);
    std::shared_ptr<const TranslationModel> model = LoadModel(v.dir);
    const DecoderSpec& spec = model->spec();
    const DirectDecoder* direct = model->direct_decoder();
    REQUIRE(direct != nullptr);
    const json& golden = v.golden.at("decoder");
    REQUIRE(golden.at("beam").get<int>() == 1);
    const double tolerance = golden.at("tolerance").get<double>();
    const double min_margin = golden.at("min_margin_required").get<double>();

    std::vector<int64_t> banned = spec.banned_ids;
    std::sort(banned.begin(), banned.end());
    CHECK(banned == golden.at("banned_ids").get<std::vector<int64_t>>());

    const json& cases = golden.at("cases");
    std::vector<DecodeJob> jobs(cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      const json& c = cases[i];
      const std::string text = c.at("text").get<std::string>();
      const std::string target = c.at("target").get<std::string>();
      INFO(c.at("source_language").get<std::string>() << "->" << target << ": " << text);
      // Only sentences whose every token choice is clear of float rounding are golden.
      REQUIRE(c.at("min_margin").get<double>() >= min_margin);

      // The source as TranslationEngine::TranslateSentences builds it.
      const int tag = model->TargetTag(target);
      REQUIRE(tag >= 0);
      std::vector<int> source = {tag};
      for (int id : model->tokenizer().Encode(text)) source.push_back(id);
      source.push_back(spec.eos_id);
      CHECK(source == c.at("source_ids").get<std::vector<int>>());
      const int limit = std::min<int>(
          static_cast<int>(engine_defaults.max_output_ratio * static_cast<double>(source.size())) +
              engine_defaults.max_output_extra,
          spec.max_positions - 1);
      CHECK(limit == c.at("max_output_tokens").get<int>());

      DecodeJob& job = jobs[i];
      job.model = model;
      job.source = c.at("source_ids").get<std::vector<int>>();
      job.target_tag = tag;
      job.beam_size = 1;
      job.length_penalty = model->default_length_penalty();
      job.max_output_tokens = c.at("max_output_tokens").get<int>();
      const std::vector<int> want = c.at("tokens").get<std::vector<int>>();
      const double want_log_prob = c.at("log_prob").get<double>();

      for (const StepPath path : {StepPath::kDirect, StepPath::kInterpreted}) {
        INFO((path == StepPath::kDirect ? "direct decoder" : "TorchScript step()"));
        std::vector<absl::StatusOr<DecodeOutput>> out = BeamSearch({&job}, path);
        REQUIRE(out.size() == 1);
        INFO(out[0].status().ToString());
        REQUIRE(out[0].ok());
        CHECK(out[0]->tokens == want);
        CHECK(std::abs(out[0]->log_prob - want_log_prob) <= tolerance);
        CHECK(out[0]->alternatives.empty());  // greedy: one finished hypothesis
      }

      // Step 0's log-probabilities (before banning) at the golden ids, by both step paths.
      c10::InferenceMode guard;
      std::vector<int64_t> src_ids(job.source.begin(), job.source.end());
      torch::Tensor src = torch::tensor(src_ids, torch::kInt64).unsqueeze(0);
      absl::StatusOr<std::vector<torch::Tensor>> enc = model->torch_model().Forward({src});
      REQUIRE(enc.ok());
      const torch::Tensor tokens = torch::tensor({int64_t{tag}}, torch::kInt64);
      DirectDecoder::Cache cache = direct->NewCache(1);
      const torch::Tensor direct_logp = direct->Step(tokens, cache, (*enc)[0], (*enc)[1]);
      absl::StatusOr<std::vector<torch::Tensor>> step = model->torch_model().RunMethod(
          "step",
          {tokens, torch::tensor({int64_t{0}}, torch::kInt64),
           torch::zeros({1, spec.layers, 2, spec.heads, 0, spec.head_dim}), (*enc)[0], (*enc)[1]});
      REQUIRE(step.ok());
      const torch::Tensor step_logp = (*step)[0];
      const std::vector<int64_t> ids = c.at("first_step").at("ids").get<std::vector<int64_t>>();
      const std::vector<double> values =
          c.at("first_step").at("log_probs").get<std::vector<double>>();
      REQUIRE(ids.size() == values.size());
      for (size_t k = 0; k < ids.size(); ++k) {
        INFO("step 0, token " << ids[k] << ": golden " << values[k]);
        CHECK(std::abs(direct_logp[0][ids[k]].item<double>() - values[k]) <= tolerance);
        CHECK(std::abs(step_logp[0][ids[k]].item<double>() - values[k]) <= tolerance);
      }
    }

    // All sentences in one batch, as the dynamic batcher joins concurrent requests: padding
    // and batch rows must not change a token.
    std::vector<const DecodeJob*> pointers;
    for (const DecodeJob& job : jobs) pointers.push_back(&job);
    std::vector<absl::StatusOr<DecodeOutput>> batched = BeamSearch(pointers);
    REQUIRE(batched.size() == cases.size());
    for (size_t i = 0; i < cases.size(); ++i) {
      INFO("in one batch: " << cases[i].at("text").get<std::string>());
      REQUIRE(batched[i].ok());
      CHECK(batched[i]->tokens == cases[i].at("tokens").get<std::vector<int>>());
    }
  }
}

}  // namespace
}  // namespace shop::translator
