// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// ExactItemIndex (top-k by inner product under an eligibility mask) and HnswItemIndex
// (recall against exact, and the exact fallback when the mask leaves too few candidates).
#include "services/recommender/item_index.h"

#include <algorithm>
#include <set>
#include <vector>

#include "tests/catch.h"
#include "torch/torch.h"

namespace shop::recommender {
namespace {

std::vector<int64_t> Indices(const std::vector<ScoredItem>& items) {
  std::vector<int64_t> out;
  for (const ScoredItem& s : items) out.push_back(s.index);
  return out;
}

std::vector<float> Scores(const std::vector<ScoredItem>& items) {
  std::vector<float> out;
  for (const ScoredItem& s : items) out.push_back(s.score);
  return out;
}

// A mask over rows 0..n-1 with the given rows true.
torch::Tensor MaskOf(int64_t n, const std::vector<int64_t>& rows) {
  torch::Tensor mask = torch::zeros({n}, torch::kBool);
  for (int64_t r : rows) mask[r] = true;
  return mask;
}

// The catalog's convention: every real item eligible, row 0 (padding) not.
torch::Tensor AllItems(int64_t n) {
  torch::Tensor mask = torch::ones({n}, torch::kBool);
  mask[0] = false;
  return mask;
}

// Six rows of d=2; against the query (1, 0) the items score 1, 3, 2, 5, 4 and the padding
// row 0 would beat them all.
struct Toy {
  torch::Tensor embeddings =
      torch::tensor({100.f, 100.f, 1.f, 0.f, 3.f, 0.f, 2.f, 0.f, 5.f, 0.f, 4.f, 0.f})
          .reshape({6, 2});
  torch::Tensor query = torch::tensor({1.f, 0.f});
};

TEST_CASE("exact index: returns the top k by inner product, best first, never the padding row",
          "[index]") {
  Toy toy;
  ExactItemIndex index(toy.embeddings);
  const std::vector<ScoredItem> top = index.Search(toy.query, AllItems(6), 3);
  CHECK(Indices(top) == std::vector<int64_t>{4, 5, 2});
  CHECK(Scores(top) == std::vector<float>{5.f, 4.f, 3.f});
  CHECK(Indices(index.Search(toy.query, AllItems(6), 5)) == std::vector<int64_t>{4, 5, 2, 3, 1});
  CHECK(index.name() == "exact");
}

TEST_CASE("exact index: respects the eligibility mask", "[index]") {
  Toy toy;
  ExactItemIndex index(toy.embeddings);
  CHECK(Indices(index.Search(toy.query, MaskOf(6, {1, 2, 3, 5}), 3)) ==
        std::vector<int64_t>{5, 2, 3});
  CHECK(Indices(index.Search(toy.query, MaskOf(6, {1, 4}), 1)) == std::vector<int64_t>{4});
  // The query direction matters, not just the norm: (-1, 0) reverses the order.
  CHECK(Indices(index.Search(-toy.query, AllItems(6), 2)) == std::vector<int64_t>{1, 3});
}

TEST_CASE("exact index: returns fewer than k only when fewer items are eligible", "[index]") {
  Toy toy;
  ExactItemIndex index(toy.embeddings);
  CHECK(Indices(index.Search(toy.query, MaskOf(6, {1, 3}), 5)) == std::vector<int64_t>{3, 1});
  CHECK(index.Search(toy.query, MaskOf(6, {}), 5).empty());
  CHECK(index.Search(toy.query, AllItems(6), 0).empty());
  CHECK(index.Search(toy.query, AllItems(6), 100).size() == 5);
}

// The header promises "row 0 (padding) is never returned", whatever the mask says (the
// catalog's masks have row 0 false, but callers may pass any mask).
TEST_CASE("exact index: never returns row 0 even when the mask lets it through", "[index]") {
  Toy toy;
  ExactItemIndex index(toy.embeddings);
  const torch::Tensor everything = torch::ones({6}, torch::kBool);
  CHECK(Indices(index.Search(toy.query, everything, 3)) == std::vector<int64_t>{4, 5, 2});
  // Row 0 does not count as eligible either: only five items can come back.
  CHECK(index.Search(toy.query, everything, 10).size() == 5);
  CHECK(index.Search(toy.query, MaskOf(6, {0}), 3).empty());
  // The mask passed in is left as it was.
  CHECK(everything.all().item<bool>());
}

// ---------------------------------------------------------------------------------------
// HNSW on clustered random vectors, like learned item embeddings.

struct Clustered {
  static constexpr int64_t kItems = 3000;
  static constexpr int64_t kDim = 32;
  static constexpr int64_t kClusters = 30;
  torch::Tensor embeddings;  // [kItems + 1, kDim]
  torch::Tensor queries;     // [kQueries, kDim]

  explicit Clustered(int64_t num_queries) {
    torch::manual_seed(20260101);
    const torch::Tensor centers = torch::randn({kClusters, kDim});
    const torch::Tensor assign = torch::randint(kClusters, {kItems + 1}, torch::kInt64);
    embeddings =
        (centers.index_select(0, assign) + 0.35 * torch::randn({kItems + 1, kDim})).contiguous();
    // Queries near random items, like a user vector near what the user looked at.
    const torch::Tensor near = torch::randint(1, kItems + 1, {num_queries}, torch::kInt64);
    queries =
        (embeddings.index_select(0, near) + 0.2 * torch::randn({num_queries, kDim})).contiguous();
  }
};

std::unique_ptr<HnswItemIndex> BuildHnsw(const torch::Tensor& embeddings,
                                         HnswOptions options = HnswOptions()) {
  absl::StatusOr<std::unique_ptr<HnswItemIndex>> index = HnswItemIndex::Build(embeddings, options);
  if (!index.ok()) FAIL("HnswItemIndex::Build: " << index.status());
  return *std::move(index);
}

TEST_CASE("hnsw index: recall@10 against exact is at least 0.9 on clustered vectors", "[index]") {
  constexpr int kQueries = 100;
  constexpr int k = 10;
  Clustered data(kQueries);
  ExactItemIndex exact(data.embeddings);
  auto hnsw = BuildHnsw(data.embeddings);
  CHECK(hnsw->name() == "hnsw");
  const torch::Tensor eligible = AllItems(Clustered::kItems + 1);
  int64_t found = 0;
  for (int q = 0; q < kQueries; ++q) {
    const torch::Tensor query = data.queries[q];
    const std::vector<ScoredItem> truth = exact.Search(query, eligible, k);
    const std::vector<ScoredItem> approx = hnsw->Search(query, eligible, k);
    REQUIRE(truth.size() == k);
    REQUIRE(approx.size() == k);
    const std::vector<int64_t> t = Indices(truth);
    const std::set<int64_t> truth_set(t.begin(), t.end());
    for (size_t j = 0; j < approx.size(); ++j) {
      const ScoredItem& s = approx[j];
      found += truth_set.count(s.index);
      CHECK(s.index > 0);
      // Scores are the real inner products (faiss negates them internally), best first.
      CHECK(s.score == Approx(data.embeddings[s.index].dot(query).item<float>()).epsilon(1e-4));
      if (j > 0) CHECK(s.score <= approx[j - 1].score);
    }
  }
  const double recall = static_cast<double>(found) / (kQueries * k);
  INFO("recall@10 = " << recall);
  CHECK(recall >= 0.9);
}

TEST_CASE(
    "hnsw index: with a mask keeping ~1% of items it still returns exactly k eligible "
    "items (exact fallback)",
    "[index]") {
  constexpr int kQueries = 20;
  constexpr int k = 10;
  Clustered data(kQueries);
  ExactItemIndex exact(data.embeddings);
  auto hnsw = BuildHnsw(data.embeddings);
  // 30 of 3000 items, chosen at random (row 0 excluded).
  const torch::Tensor keep = torch::randperm(Clustered::kItems, torch::kInt64).narrow(0, 0, 30) + 1;
  torch::Tensor eligible = torch::zeros({Clustered::kItems + 1}, torch::kBool);
  eligible.index_fill_(0, keep, true);
  REQUIRE(eligible.sum().item<int64_t>() == 30);
  auto ok = eligible.accessor<bool, 1>();
  for (int q = 0; q < kQueries; ++q) {
    const torch::Tensor query = data.queries[q];
    const std::vector<ScoredItem> approx = hnsw->Search(query, eligible, k);
    REQUIRE(approx.size() == k);
    for (const ScoredItem& s : approx) CHECK(ok[s.index]);
    // Too few graph candidates survive the mask, so the answer is the exact one.
    CHECK(Indices(approx) == Indices(exact.Search(query, eligible, k)));
  }
}

TEST_CASE("hnsw index: returns fewer than k only when fewer items are eligible", "[index]") {
  Clustered data(1);
  auto hnsw = BuildHnsw(data.embeddings);
  const torch::Tensor query = data.queries[0];
  const std::vector<ScoredItem> some =
      hnsw->Search(query, MaskOf(Clustered::kItems + 1, {7, 8, 9}), 10);
  std::vector<int64_t> got = Indices(some);
  std::sort(got.begin(), got.end());
  CHECK(got == std::vector<int64_t>{7, 8, 9});
  CHECK(hnsw->Search(query, MaskOf(Clustered::kItems + 1, {}), 10).empty());
  CHECK(hnsw->Search(query, AllItems(Clustered::kItems + 1), 10).size() == 10);
}

TEST_CASE("hnsw index: Build rejects embeddings that are not float32 [items, d]", "[index]") {
  CHECK(absl::IsInvalidArgument(
      HnswItemIndex::Build(torch::zeros({4, 2}, torch::kFloat64), HnswOptions()).status()));
  CHECK(absl::IsInvalidArgument(
      HnswItemIndex::Build(torch::zeros({8}, torch::kFloat32), HnswOptions()).status()));
}

}  // namespace
}  // namespace shop::recommender
