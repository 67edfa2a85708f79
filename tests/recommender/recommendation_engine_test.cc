// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The engine over a tiny model with known behaviour (tests/recommender/make_test_model.py:
// user vector = mean of the history's embeddings), so every expected ranking is computed
// here from the same embedding table.
#include "services/recommender/recommendation_engine.h"

#include <algorithm>
#include <numeric>
#include <random>

#include "tests/catch.h"
#include "tests/common/test_models.h"

namespace shop::recommender {
namespace {

constexpr int kItems = 20;

// Items 1..20; category "even"/"odd"; item 5 out of stock; items 1..10 ship to DE and US,
// the rest to US only; popularity = 10 * id.
std::vector<CatalogItem> TestItems() {
  std::vector<CatalogItem> items;
  for (int i = 1; i <= kItems; ++i) {
    CatalogItem item;
    item.item_id = std::to_string(i);
    item.categories = {i % 2 == 0 ? "even" : "odd", "all"};
    item.in_stock = i != 5;
    item.ship_to = i <= 10 ? std::vector<std::string>{"DE", "US"} : std::vector<std::string>{"US"};
    item.popularity = 10 * i;
    items.push_back(item);
  }
  return items;
}

struct Fixture {
  prometheus::Registry registry;
  InferenceMetrics metrics{registry, "recommender"};
  std::unique_ptr<ModelRepository> repository;
  std::unique_ptr<BatchedModel> model;
  std::unique_ptr<Catalog> catalog;
  std::unique_ptr<RecommendationEngine> engine;
  torch::Tensor embeddings;

  explicit Fixture(const std::string& index = "exact", const std::string& precision = "auto") {
    const ModelRepositoryOptions ro =
        testing::RepositoryOptions(testing::TestModelsDir() + "/recsys", "recommender");
    auto repo = ModelRepository::Create(ro, &metrics);
    REQUIRE(repo.ok());
    repository = *std::move(repo);
    auto batched = BatchedModel::Create(repository.get(), BatcherOptions{}, &metrics);
    REQUIRE(batched.ok());
    model = *std::move(batched);
    auto cat = Catalog::FromItems(TestItems(), kItems);
    REQUIRE(cat.ok());
    catalog = *std::move(cat);
    EngineOptions eo;
    eo.index = index;
    eo.scoring_precision = precision;
    auto eng = RecommendationEngine::Create(model.get(), catalog.get(), eo);
    REQUIRE(eng.ok());
    engine = *std::move(eng);
    embeddings = *repository->Current()->Attribute("item_embeddings");
  }

  // The ranking the engine must produce: score = E . mean(E[history]) over eligible items.
  std::vector<int64_t> Expected(const std::vector<int64_t>& history, std::vector<bool> eligible,
                                int k) const {
    torch::Tensor user = embeddings.index_select(0, torch::tensor(history)).mean(0);
    torch::Tensor scores = torch::mv(embeddings, user);
    std::vector<int64_t> order;
    for (int i = 1; i <= kItems; ++i) {
      if (eligible[static_cast<size_t>(i)]) order.push_back(i);
    }
    std::sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
      return scores[a].item<float>() > scores[b].item<float>();
    });
    if (static_cast<int>(order.size()) > k) order.resize(static_cast<size_t>(k));
    return order;
  }
};

std::vector<std::string> Ids(const std::vector<int64_t>& v) {
  std::vector<std::string> out;
  for (int64_t i : v) out.push_back(std::to_string(i));
  return out;
}

std::vector<int64_t> Indices(const EngineResult& r) {
  std::vector<int64_t> out;
  for (const auto& item : r.items) out.push_back(item.index);
  return out;
}

std::vector<bool> Eligible(std::function<bool(int)> keep) {
  std::vector<bool> e(kItems + 1, false);
  for (int i = 1; i <= kItems; ++i) e[static_cast<size_t>(i)] = keep(i);
  return e;
}

TEST_CASE("a history is ranked by the model's user vector under the filters", "[engine]") {
  Fixture f;
  RecommendInput in;
  in.history = Ids({3, 7, 12});
  in.country = "DE";
  in.k = 5;
  auto r = f.engine->Recommend(in);
  REQUIRE(r.ok());
  CHECK(r->fallback == v1::FALLBACK_NONE);
  CHECK(r->model_version == 1);
  CHECK(r->history_used == 3);
  CHECK(Indices(*r) ==
        f.Expected({3, 7, 12}, Eligible([](int i) { return i <= 10 && i != 5; }), 5));
  for (size_t j = 1; j < r->items.size(); ++j) CHECK(r->items[j - 1].score >= r->items[j].score);
  // Each reason is the history item whose embedding is closest by cosine.
  torch::Tensor unit = f.embeddings / f.embeddings.norm(2, {1}, true).clamp_min(1e-12);
  for (const auto& item : r->items) {
    CHECK(item.reason == v1::REASON_TYPE_RELATED_TO_HISTORY);
    int64_t closest = 0;
    float best = -2;
    for (int64_t h : {3, 7, 12}) {
      const float cosine = torch::dot(unit[item.index], unit[h]).item<float>();
      if (cosine > best) {
        best = cosine;
        closest = h;
      }
    }
    INFO("item " << item.index);
    CHECK(item.related_index == closest);
  }
}

TEST_CASE("k items come back whenever k eligible items exist, fewer only when fewer exist",
          "[engine]") {
  Fixture f;
  RecommendInput in;
  in.history = Ids({1, 2});
  in.country = "DE";
  in.category = "even";  // eligible: 2, 4, 6, 8, 10
  in.k = 3;
  auto three = f.engine->Recommend(in);
  REQUIRE(three.ok());
  CHECK(three->items.size() == 3);
  in.k = 10;
  auto all = f.engine->Recommend(in);
  REQUIRE(all.ok());
  std::vector<int64_t> got = Indices(*all);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<int64_t>{2, 4, 6, 8, 10});
  in.category = "no-such-category";
  auto none = f.engine->Recommend(in);
  REQUIRE(none.ok());
  CHECK(none->items.empty());
}

TEST_CASE("excluded and out-of-stock items are never returned and are counted", "[engine]") {
  Fixture f;
  RecommendInput in;
  in.history = Ids({4});
  in.k = 3;
  auto unfiltered = f.engine->Recommend(in);
  REQUIRE(unfiltered.ok());
  const int64_t best = unfiltered->items[0].index;
  in.excluded = Ids({best});
  auto filtered = f.engine->Recommend(in);
  REQUIRE(filtered.ok());
  for (const auto& item : filtered->items) {
    CHECK(item.index != best);
    CHECK(item.index != 5);
  }
  CHECK(filtered->items.size() == 3);
  CHECK(filtered->filtered_out >= 1);
}

TEST_CASE("cold start returns popular items under the same filters", "[engine]") {
  Fixture f;
  RecommendInput in;
  in.country = "DE";
  in.k = 5;
  auto r = f.engine->Recommend(in);
  REQUIRE(r.ok());
  CHECK(r->fallback == v1::FALLBACK_COLD_START);
  CHECK(r->model_version == 0);
  CHECK(Indices(*r) == std::vector<int64_t>{10, 9, 8, 7, 6});  // 5 is out of stock
  // The 5 most popular overall (20..16) do not ship to DE.
  CHECK(r->filtered_out == 5);
  for (const auto& item : r->items) CHECK(item.reason == v1::REASON_TYPE_POPULAR_IN_COUNTRY);
  in.country.clear();
  auto anywhere = f.engine->Recommend(in);
  REQUIRE(anywhere.ok());
  CHECK(Indices(*anywhere) == std::vector<int64_t>{20, 19, 18, 17, 16});
  CHECK(anywhere->items[0].reason == v1::REASON_TYPE_POPULAR);
}

TEST_CASE("a history of only unknown items is a cold start, and the unknown are counted",
          "[engine]") {
  Fixture f;
  RecommendInput in;
  in.history = {"999", "not-an-item"};
  in.k = 2;
  auto r = f.engine->Recommend(in);
  REQUIRE(r.ok());
  CHECK(r->fallback == v1::FALLBACK_COLD_START);
  CHECK(r->unknown_items == 2);
  CHECK(r->history_used == 0);
  in.history = {"999", "3"};
  auto mixed = f.engine->Recommend(in);
  REQUIRE(mixed.ok());
  CHECK(mixed->fallback == v1::FALLBACK_NONE);
  CHECK(mixed->unknown_items == 1);
  CHECK(Indices(*mixed) == f.Expected({3}, Eligible([](int i) { return i != 5; }), 2));
}

TEST_CASE("a history longer than the model window uses its most recent items", "[engine]") {
  Fixture f;
  REQUIRE(f.engine->max_len() == 8);
  RecommendInput long_history;
  long_history.history = Ids({11, 12, 13, 14, 1, 2, 3, 4, 6, 7, 8, 9});
  long_history.k = 5;
  RecommendInput recent = long_history;
  recent.history = Ids({1, 2, 3, 4, 6, 7, 8, 9});
  auto a = f.engine->Recommend(long_history);
  auto b = f.engine->Recommend(recent);
  REQUIRE((a.ok() && b.ok()));
  CHECK(a->history_used == 8);
  CHECK(Indices(*a) == Indices(*b));
}

TEST_CASE("recorded purchases lift an item in its country's cold-start ranking", "[engine]") {
  Fixture f;
  f.engine->RecordPopularity("1", "DE", 1000.f);
  RecommendInput in;
  in.country = "DE";
  in.k = 1;
  auto de = f.engine->Recommend(in);
  REQUIRE(de.ok());
  CHECK(Indices(*de) == std::vector<int64_t>{1});
  in.country = "US";
  auto us = f.engine->Recommend(in);
  REQUIRE(us.ok());
  CHECK(Indices(*us) == std::vector<int64_t>{20});
  // Ties go to the lower index, so cold starts rank the same on every call: item 1 now has
  // 10 + 190 in the US, as many as item 20.
  f.engine->RecordPopularity("1", "US", 190.f);
  in.k = 3;
  auto tied = f.engine->Recommend(in);
  REQUIRE(tied.ok());
  CHECK(Indices(*tied) == std::vector<int64_t>{1, 20, 19});
}

TEST_CASE("similar items are nearest by cosine, never the item itself", "[engine]") {
  Fixture f;
  auto r = f.engine->SimilarItems("3", {}, "", "", 4);
  REQUIRE(r.ok());
  REQUIRE(r->items.size() == 4);
  torch::Tensor normalized = f.embeddings / f.embeddings.norm(2, {1}, true).clamp_min(1e-12);
  torch::Tensor cos = torch::mv(normalized, normalized[3]);
  std::vector<int64_t> order;
  for (int i = 1; i <= kItems; ++i) {
    if (i != 3 && i != 5) order.push_back(i);
  }
  std::sort(order.begin(), order.end(),
            [&](int64_t a, int64_t b) { return cos[a].item<float>() > cos[b].item<float>(); });
  order.resize(4);
  CHECK(Indices(*r) == order);
  for (const auto& item : r->items) {
    CHECK(item.reason == v1::REASON_TYPE_SIMILAR_ITEM);
    CHECK(item.related_index == 3);
  }
  CHECK(absl::IsNotFound(f.engine->SimilarItems("999", {}, "", "", 4).status()));
}

TEST_CASE("the HNSW index gives the same answers on a small catalog", "[engine]") {
  Fixture exact;
  Fixture hnsw("hnsw");
  RecommendInput in;
  in.history = Ids({2, 9});
  in.country = "DE";
  in.k = 4;
  auto a = exact.engine->Recommend(in);
  auto b = hnsw.engine->Recommend(in);
  REQUIRE((a.ok() && b.ok()));
  CHECK(Indices(*a) == Indices(*b));
}

TEST_CASE("both scoring precisions rank the tiny catalog as the model does", "[engine]") {
  for (const std::string precision : {"fp32", "bf16"}) {
    Fixture f("exact", precision);
    CHECK(f.engine->scoring_precision() == precision);
    RecommendInput in;
    in.history = Ids({3, 8, 11});
    in.k = 6;
    auto r = f.engine->Recommend(in);
    REQUIRE(r.ok());
    CHECK(Indices(*r) == f.Expected({3, 8, 11}, Eligible([](int i) { return i != 5; }), 6));
  }
}

TEST_CASE("an unknown scoring precision is refused at start", "[engine]") {
  prometheus::Registry registry;
  InferenceMetrics metrics{registry, "recommender"};
  auto repo = ModelRepository::Create(
      testing::RepositoryOptions(testing::TestModelsDir() + "/recsys", "recommender"), &metrics);
  REQUIRE(repo.ok());
  auto model = BatchedModel::Create(repo->get(), BatcherOptions{}, &metrics);
  REQUIRE(model.ok());
  auto catalog = Catalog::FromItems(TestItems(), kItems);
  REQUIRE(catalog.ok());
  EngineOptions eo;
  eo.scoring_precision = "fp16";
  auto engine = RecommendationEngine::Create(model->get(), catalog->get(), eo);
  REQUIRE(absl::IsInvalidArgument(engine.status()));
  CHECK_THAT(std::string(engine.status().message()), Catch::Contains("fp16"));
}

// The shipped model (models/recommender) over its 12,101-item demo catalog.
struct ShippedModel {
  prometheus::Registry registry;
  InferenceMetrics metrics{registry, "recommender"};
  std::unique_ptr<ModelRepository> repository;
  std::unique_ptr<BatchedModel> model;
  std::unique_ptr<Catalog> catalog;
  torch::Tensor embeddings;

  ShippedModel() {
    auto repo = ModelRepository::Create(
        testing::RepositoryOptions(std::string(SHOP_REPO_DIR) + "/models", "recommender"),
        &metrics);
    REQUIRE(repo.ok());
    repository = *std::move(repo);
    auto batched = BatchedModel::Create(repository.get(), BatcherOptions{}, &metrics);
    REQUIRE(batched.ok());
    model = *std::move(batched);
    auto table = repository->Current()->Attribute("item_embeddings");
    REQUIRE(table.ok());
    embeddings = *table;
    auto cat =
        Catalog::Load(std::string(SHOP_REPO_DIR) + "/services/recommender/demo/catalog.jsonl",
                      embeddings.size(0) - 1);
    REQUIRE(cat.ok());
    catalog = *std::move(cat);
  }

  std::unique_ptr<RecommendationEngine> Engine(const std::string& precision) {
    EngineOptions eo;
    eo.scoring_precision = precision;
    auto engine = RecommendationEngine::Create(model.get(), catalog.get(), eo);
    REQUIRE(engine.ok());
    return *std::move(engine);
  }
};

// bf16 only proposes candidates; the fp32 re-scoring must make the answer identical to
// fp32 scoring. A 20-item catalog cannot show that (every item is a candidate), so this
// runs the shipped model over its 12,101-item demo catalog.
TEST_CASE("bf16 scoring returns fp32's items and scores on the shipped model", "[engine]") {
  ShippedModel shipped;
  std::unique_ptr<RecommendationEngine> engines[2] = {shipped.Engine("fp32"),
                                                      shipped.Engine("bf16")};
  const Catalog* catalog = shipped.catalog.get();
  std::mt19937 rng(7);
  std::uniform_int_distribution<int64_t> item(1, catalog->num_items());
  std::uniform_int_distribution<int> length(1, 60);
  int compared = 0;
  for (int trial = 0; trial < 60; ++trial) {
    RecommendInput in;
    const int n = length(rng);
    for (int j = 0; j < n; ++j) {
      if (const CatalogItem* it = catalog->ItemAt(item(rng))) in.history.push_back(it->item_id);
    }
    in.k = 20;
    in.country = trial % 2 == 0 ? "DE" : "";
    auto a = engines[0]->Recommend(in);
    auto b = engines[1]->Recommend(in);
    REQUIRE((a.ok() && b.ok()));
    REQUIRE(a->items.size() == b->items.size());
    // fp32 sums in another order in the two paths (sgemm vs the re-scoring loop), so
    // near-ties may swap neighbours: the same items, and rank by rank the same score.
    std::vector<int64_t> ia = Indices(*a);
    std::vector<int64_t> ib = Indices(*b);
    std::sort(ia.begin(), ia.end());
    std::sort(ib.begin(), ib.end());
    INFO("trial " << trial);
    CHECK(ia == ib);
    for (size_t j = 0; j < a->items.size(); ++j) {
      INFO("rank " << j);
      CHECK(a->items[j].score == Approx(b->items[j].score).margin(1e-5));
      ++compared;
    }
  }
  CHECK(compared == 60 * 20);
}

// The exact path's one-pass top-k over the shipped model's 12,101 items must return what
// sorting the full fp32 product of the model's user vector gives, filters applied.
TEST_CASE("the exact scan returns the best eligible items of the full product", "[engine]") {
  ShippedModel shipped;
  std::unique_ptr<RecommendationEngine> engine = shipped.Engine("fp32");
  std::shared_ptr<const TorchModel> current = shipped.repository->Current();
  const torch::Tensor& embeddings = shipped.embeddings;
  const Catalog* catalog = shipped.catalog.get();
  const int64_t items = catalog->num_items();
  const int64_t max_len = current->metadata().inputs[0].shape[1];
  std::mt19937 rng(11);
  std::uniform_int_distribution<int64_t> item(1, items);
  std::uniform_int_distribution<int> length(1, 30);
  for (int trial = 0; trial < 30; ++trial) {
    RecommendInput in;
    std::vector<int64_t> history;
    for (int j = length(rng); j > 0; --j) history.push_back(item(rng));
    for (int64_t h : history) in.history.push_back(catalog->ItemAt(h)->item_id);
    in.country = trial % 3 == 0 ? "" : (trial % 3 == 1 ? "DE" : "JP");
    in.excluded = {in.history.back()};
    in.k = 1 + trial % 25;
    auto got = engine->Recommend(in);
    REQUIRE(got.ok());

    torch::Tensor input = torch::zeros({1, max_len}, torch::kInt64);
    for (size_t j = 0; j < history.size(); ++j) {
      input[0][max_len - static_cast<int64_t>(history.size()) + static_cast<int64_t>(j)] =
          history[j];
    }
    auto user = current->Forward({input});
    REQUIRE(user.ok());
    torch::Tensor scores = torch::mv(embeddings, (*user)[0].reshape({-1}));
    torch::Tensor eligible = catalog->EligibleMask(in.country).clone();
    eligible[history.back()] = false;
    std::vector<int64_t> order;
    for (int64_t i = 1; i <= items; ++i) {
      if (eligible[i].item<bool>()) order.push_back(i);
    }
    const float* s = scores.data_ptr<float>();
    std::partial_sort(order.begin(), order.begin() + in.k, order.end(),
                      [&](int64_t a, int64_t b) { return s[a] > s[b] || (s[a] == s[b] && a < b); });
    order.resize(static_cast<size_t>(in.k));
    // Summation order differs (sgemm over the batch vs mv here): compare as sets.
    std::vector<int64_t> want = order;
    std::vector<int64_t> have = Indices(*got);
    std::sort(want.begin(), want.end());
    std::sort(have.begin(), have.end());
    INFO("trial " << trial << " k " << in.k << " country '" << in.country << "'");
    CHECK(have == want);
  }
}

}  // namespace
}  // namespace shop::recommender
