// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Golden files: the Python side (services/recommender/training/) defines the model's input
// (item id -> index, unknown ids dropped, the last max_len kept, left padding) and its
// scores; the server re-implements both in C++. export.py writes golden.json beside every
// exported model.pt (training/golden.py documents the format): fixed histories with the
// input the Python side builds and the top 10 it ranks. Here the server's own classes
// (Catalog, RecommendationEngine, the model repository) run the same histories on the same
// version, so a change on either side that breaks the equality fails a test instead of
// quietly changing what the shop ranks.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "nlohmann/json.hpp"
#include "services/recommender/recommendation_engine.h"
#include "tests/catch.h"
#include "tests/common/test_models.h"

namespace shop::recommender {
namespace {

// The two sides sum in different orders (LibTorch's sgemm or the bf16 path's fp32
// re-scoring loop against PyTorch's); scores are 0.5..20, differences about 1e-6.
constexpr double kScoreTolerance = 1e-3;
// Two items may trade places only when their scores are this close: a near-tie that the
// summation order can flip, not a different ranking.
constexpr double kSwapTolerance = 1e-4;
// The engine's scores against a user vector this process computes from the golden input:
// the same model in the same process, so only the summation order of the dot differs.
// Any other input moves the user vector and the scores by far more.
constexpr double kSameInputTolerance = 1e-4;
constexpr int kTopK = 10;

// The repository's models/. SHOP_GOLDEN_MODEL_ROOT names another root, e.g. a scratch copy
// whose golden.json was perturbed (checksums re-recorded), to watch this test fail.
std::string ModelRoot() {
  const char* root = std::getenv("SHOP_GOLDEN_MODEL_ROOT");
  return root != nullptr && *root != '\0' ? std::string(root)
                                          : std::string(SHOP_REPO_DIR) + "/models";
}

std::string VersionDir(int64_t version) {
  return ModelRoot() + "/recommender/" + std::to_string(version);
}

// The version directories the server would load (ModelRepository's own enumeration).
std::vector<int64_t> Versions() {
  absl::StatusOr<std::vector<int64_t>> versions =
      ModelRepository::ListVersions(ModelRoot() + "/recommender");
  INFO(versions.status().ToString());
  REQUIRE(versions.ok());
  REQUIRE(!versions->empty());
  return *versions;
}

nlohmann::json ReadGolden(int64_t version) {
  const std::string path = VersionDir(version) + "/golden.json";
  std::ifstream in(path);
  INFO(path);
  REQUIRE(in.good());
  std::ostringstream text;
  text << in.rdbuf();
  nlohmann::json golden = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  REQUIRE(!golden.is_discarded());
  REQUIRE(golden.at("format").get<int>() == 1);
  return golden;
}

struct Ranked {
  std::string id;
  double score = 0;
};

// golden.json's [[item_id, score], ...].
std::vector<Ranked> GoldenRanking(const nlohmann::json& pairs) {
  std::vector<Ranked> out;
  for (const nlohmann::json& pair : pairs) {
    out.push_back({pair.at(0).get<std::string>(), pair.at(1).get<double>()});
  }
  return out;
}

// The engine's answer as item ids, mapped back by the catalog as the service does.
std::vector<Ranked> ServerRanking(const Catalog& catalog, const EngineResult& result) {
  std::vector<Ranked> out;
  for (const EngineItem& item : result.items) {
    const CatalogItem* c = catalog.ItemAt(item.index);
    out.push_back({c != nullptr ? c->item_id : "<index " + std::to_string(item.index) + ">",
                   static_cast<double>(item.score)});
  }
  return out;
}

// Same length; rank by rank the same score; the same id at each rank except where the
// server's item and the golden one score within kSwapTolerance (by the golden score of
// the server's item, or by its own score when the golden top lacks it: it then tied the
// item it displaced at the boundary). Every shared item also keeps its golden score.
void CheckRanking(const std::vector<Ranked>& want, const std::vector<Ranked>& got) {
  CHECK(got.size() == want.size());
  std::map<std::string, double> golden;
  for (const Ranked& r : want) golden[r.id] = r.score;
  for (size_t j = 0; j < std::min(want.size(), got.size()); ++j) {
    INFO("rank " << j << ": golden " << want[j].id << " (" << want[j].score << "), server "
                 << got[j].id << " (" << got[j].score << ")");
    CHECK(std::abs(got[j].score - want[j].score) <= kScoreTolerance);
    if (got[j].id == want[j].id) continue;
    auto it = golden.find(got[j].id);
    const double got_golden = it != golden.end() ? it->second : got[j].score;
    CHECK(std::abs(got_golden - want[j].score) <= kSwapTolerance);
  }
  for (const Ranked& r : got) {
    auto it = golden.find(r.id);
    if (it == golden.end()) continue;
    INFO("item " << r.id << ": golden " << it->second << ", server " << r.score);
    CHECK(std::abs(r.score - it->second) <= kScoreTolerance);
  }
}

// One version served as the binary serves it: pinned in a repository (which verifies
// metadata.json's checksums, golden.json's included), behind the dynamic batcher.
struct ServedVersion {
  prometheus::Registry registry;
  InferenceMetrics metrics{registry, "recommender"};
  std::unique_ptr<ModelRepository> repository;
  std::unique_ptr<BatchedModel> model;
  std::unique_ptr<Catalog> catalog;
  torch::Tensor embeddings;

  explicit ServedVersion(int64_t version) {
    ModelRepositoryOptions options = testing::RepositoryOptions(ModelRoot(), "recommender");
    options.pinned_version = version;
    auto repo = ModelRepository::Create(options, &metrics);
    INFO(repo.status().ToString());
    REQUIRE(repo.ok());
    repository = *std::move(repo);
    auto batched = BatchedModel::Create(repository.get(), BatcherOptions{}, &metrics);
    REQUIRE(batched.ok());
    model = *std::move(batched);
    auto table = repository->Current()->Attribute("item_embeddings");
    REQUIRE(table.ok());
    embeddings = *table;
    // Every vocabulary item, in stock and unfiltered, so the ranking is the model's alone
    // (the Python side has no stock or shipping); the ids are the server's mapping
    // (CatalogIndex): the canonical decimal of each index.
    const int64_t items = embeddings.size(0) - 1;
    std::vector<CatalogItem> all;
    for (int64_t i = 1; i <= items; ++i) {
      CatalogItem item;
      item.item_id = std::to_string(i);
      item.in_stock = true;
      all.push_back(std::move(item));
    }
    auto cat = Catalog::FromItems(std::move(all), items);
    REQUIRE(cat.ok());
    catalog = *std::move(cat);
  }

  // "fp32", or "auto" as the binary runs by default (bf16 candidates re-scored in fp32 on
  // CPUs with AVX512-BF16).
  std::unique_ptr<RecommendationEngine> Engine(const std::string& precision) {
    EngineOptions options;
    options.scoring_precision = precision;
    auto engine = RecommendationEngine::Create(model.get(), catalog.get(), options);
    INFO(engine.status().ToString());
    REQUIRE(engine.ok());
    return *std::move(engine);
  }
};

TEST_CASE("every recommender model version carries a golden.json", "[golden]") {
  for (int64_t version : Versions()) {
    INFO(VersionDir(version) << " lacks golden.json: run services/recommender/training/golden.py"
                             << " on it (export.py writes it)");
    CHECK(std::filesystem::is_regular_file(VersionDir(version) + "/golden.json"));
  }
}

TEST_CASE("the server builds golden.json's model inputs and ranks its top 10 with its scores",
          "[golden]") {
  for (int64_t version : Versions()) {
    INFO("version " << version);
    const nlohmann::json golden = ReadGolden(version);
    ServedVersion served(version);
    const Catalog& catalog = *served.catalog;
    CHECK(golden.at("model_version").get<int64_t>() == version);
    CHECK(golden.at("num_items").get<int64_t>() == catalog.num_items());
    const std::shared_ptr<const TorchModel> current = served.repository->Current();
    REQUIRE(golden.at("recommend").size() >= 1);

    for (const char* precision : {"fp32", "auto"}) {
      std::unique_ptr<RecommendationEngine> engine = served.Engine(precision);
      const int64_t max_len = engine->max_len();
      INFO("scoring " << engine->scoring_precision());
      CHECK(golden.at("max_len").get<int64_t>() == max_len);

      for (const nlohmann::json& c : golden.at("recommend")) {
        INFO("case \"" << c.at("name").get<std::string>() << "\"");
        const std::vector<std::string> history = c.at("history").get<std::vector<std::string>>();
        const std::vector<int64_t> want_ids = c.at("input_ids").get<std::vector<int64_t>>();
        const int want_unknown = c.at("unknown").get<int>();
        REQUIRE(static_cast<int64_t>(want_ids.size()) == max_len);

        // Input ids, 1: the server's id mapping (Catalog::IndexOf) gives golden's indices.
        // The engine keeps its input tensor to itself, so the last max_len and the padding
        // are spelled out here; check 2 covers the tensor the engine really feeds.
        std::vector<int64_t> known;
        for (const std::string& id : history) {
          if (std::optional<int64_t> index = catalog.IndexOf(id)) known.push_back(*index);
        }
        const size_t kept = std::min(known.size(), static_cast<size_t>(max_len));
        std::vector<int64_t> mapped(static_cast<size_t>(max_len) - kept, 0);
        mapped.insert(mapped.end(), known.end() - static_cast<std::ptrdiff_t>(kept), known.end());
        CHECK(mapped == want_ids);
        CHECK(static_cast<int>(history.size() - known.size()) == want_unknown);

        // As the service calls it: the history is both the input and excluded.
        RecommendInput input;
        input.history = history;
        input.excluded = history;
        input.k = kTopK;
        absl::StatusOr<EngineResult> result = engine->Recommend(input);
        INFO(result.status().ToString());
        REQUIRE(result.ok());
        CHECK(result->fallback == v1::FALLBACK_NONE);
        CHECK(result->model_version == version);
        CHECK(result->unknown_items == want_unknown);
        CHECK(result->history_used ==
              std::count_if(want_ids.begin(), want_ids.end(), [](int64_t i) { return i != 0; }));

        // Input ids, 2: the user vector of golden's input ids (the model as the batcher
        // runs it, one int64 [1, max_len] row) reproduces every score the engine returned,
        // so the engine fed exactly that input.
        const torch::Tensor ids =
            torch::tensor(want_ids, torch::dtype(torch::kInt64)).reshape({1, max_len});
        absl::StatusOr<std::vector<torch::Tensor>> user = current->Forward({ids});
        REQUIRE(user.ok());
        const torch::Tensor u = (*user)[0].reshape({-1});
        for (const EngineItem& item : result->items) {
          const double expected = torch::dot(served.embeddings[item.index], u).item<float>();
          INFO("item index " << item.index << ": engine " << item.score
                             << ", forward of golden input_ids " << expected);
          CHECK(std::abs(item.score - expected) <= kSameInputTolerance);
        }

        // The top 10 and their scores.
        CheckRanking(GoldenRanking(c.at("top")), ServerRanking(catalog, *result));
      }

      for (const nlohmann::json& c : golden.at("similar")) {
        const std::string item = c.at("item").get<std::string>();
        INFO("similar items of " << item);
        absl::StatusOr<EngineResult> result = engine->SimilarItems(item, {}, "", "", kTopK);
        INFO(result.status().ToString());
        REQUIRE(result.ok());
        CheckRanking(GoldenRanking(c.at("top")), ServerRanking(catalog, *result));
      }
    }
  }
}

}  // namespace
}  // namespace shop::recommender
