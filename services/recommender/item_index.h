// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Maximum-inner-product search over the item embedding table, with an eligibility mask
// (the business filters). Two implementations behind one interface:
//   ExactItemIndex  one matrix-vector product over every item (12k items: ~0.1 ms);
//   HnswItemIndex   faiss HNSW graph for catalogs too big for an exact scan. The graph
//                   cannot filter while searching, so it over-fetches, filters, and falls
//                   back to an exact scan of the eligible items when too few survive; k
//                   eligible items always come back when k exist.
#ifndef SHOP_SERVICES_RECOMMENDER_ITEM_INDEX_H_
#define SHOP_SERVICES_RECOMMENDER_ITEM_INDEX_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "torch/types.h"

namespace faiss {
struct IndexHNSWFlat;
}

namespace shop::recommender {

struct ScoredItem {
  int64_t index;
  float score;
};

// What a search saw beside its result, for metrics and responses.
struct SearchStats {
  // How many of the k best items before filtering the mask removed.
  int filtered_out = 0;
};

class ItemIndex {
 public:
  virtual ~ItemIndex() = default;
  // The `k` best items by inner product with `query` [d] among those where `eligible`
  // (bool [num_items + 1]) is true, best first. Fewer only when fewer are eligible.
  // With `stats`, also counts the filtered-out items among the unfiltered top k, from the
  // same scores (no second search); row `skip` (e.g. the query item; 0 = none) is not a
  // candidate at all and is not counted.
  virtual std::vector<ScoredItem> Search(const torch::Tensor& query, const torch::Tensor& eligible,
                                         int k, SearchStats* stats = nullptr,
                                         int64_t skip = 0) const = 0;
  virtual std::string name() const = 0;
};

// `embeddings`: float [num_items + 1, d]; row 0 (padding) is never returned.
class ExactItemIndex : public ItemIndex {
 public:
  explicit ExactItemIndex(torch::Tensor embeddings) : embeddings_(std::move(embeddings)) {}
  std::vector<ScoredItem> Search(const torch::Tensor& query, const torch::Tensor& eligible, int k,
                                 SearchStats* stats = nullptr, int64_t skip = 0) const override;
  std::string name() const override { return "exact"; }

 private:
  torch::Tensor embeddings_;
};

struct HnswOptions {
  int m = 32;                // graph degree
  int ef_construction = 80;  // build-time beam
  int ef_search = 128;       // query-time beam (recall vs latency)
  int oversample = 4;        // fetch k * oversample candidates before filtering
};

class HnswItemIndex : public ItemIndex {
 public:
  static absl::StatusOr<std::unique_ptr<HnswItemIndex>> Build(torch::Tensor embeddings,
                                                              HnswOptions options);
  ~HnswItemIndex() override;
  std::vector<ScoredItem> Search(const torch::Tensor& query, const torch::Tensor& eligible, int k,
                                 SearchStats* stats = nullptr, int64_t skip = 0) const override;
  std::string name() const override { return "hnsw"; }

  // Query-time beam width; not thread-safe against concurrent Search (set it before
  // serving, or between benchmark series).
  void set_ef_search(int ef_search);
  const faiss::IndexHNSWFlat& faiss_index() const { return *index_; }

 private:
  HnswItemIndex(torch::Tensor embeddings, HnswOptions options);
  torch::Tensor embeddings_;
  HnswOptions options_;
  ExactItemIndex exact_;
  std::unique_ptr<faiss::IndexHNSWFlat> index_;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_ITEM_INDEX_H_
