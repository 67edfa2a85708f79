// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The recommender's logic, free of gRPC: turns a history into a ranked, filtered list.
//   1. history item ids -> model indices (unknown ids skipped and counted), last max_len;
//   2. the sequence model (through the common dynamic batcher) gives a user vector;
//   3. the item index ranks every eligible item by inner product with it; the business
//      filters are one mask (catalog stock + ship-to country, category, exclusions);
//   4. each item's reason is the history item whose embedding is closest to it.
// Without usable history (cold start), or if the model fails, popularity ranks the same
// eligible set instead: catalog popularity plus purchases recorded per country.
#ifndef SHOP_SERVICES_RECOMMENDER_RECOMMENDATION_ENGINE_H_
#define SHOP_SERVICES_RECOMMENDER_RECOMMENDATION_ENGINE_H_

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "common/inference/batched_model.h"
#include "services/recommender/catalog.h"
#include "services/recommender/item_index.h"
#include "shop/recommender/v1/recommender.pb.h"

namespace shop::recommender {

struct EngineOptions {
  // "exact" or "hnsw" (see item_index.h).
  std::string index = "exact";
  HnswOptions hnsw;
  // Exact index: precision of the all-items matrix product. "bf16" finds candidates with
  // a bfloat16 product (oneDNN's AVX-512-BF16/AMX kernels: at batch 16 several times
  // faster than fp32 on this machine's Xeon) and re-scores them in fp32, so returned
  // scores are exact;
  // "fp32" scores everything in fp32; "auto" takes bf16 where the CPU has AVX512-BF16
  // (elsewhere oneDNN would emulate it, slower than fp32).
  std::string scoring_precision = "auto";
};

struct RecommendInput {
  std::vector<std::string> history;   // item ids, oldest first
  std::vector<std::string> excluded;  // item ids never to return
  std::string country;                // normalized ISO code or empty
  std::string category;               // empty = any
  int k = 10;
  RequestContext context;
};

struct EngineItem {
  int64_t index = 0;
  float score = 0;
  v1::ReasonType reason = v1::REASON_TYPE_UNSPECIFIED;
  int64_t related_index = 0;  // 0 = none
};

struct EngineResult {
  std::vector<EngineItem> items;
  int64_t model_version = 0;
  v1::Fallback fallback = v1::FALLBACK_NONE;
  int history_used = 0;
  int unknown_items = 0;
  int filtered_out = 0;
};

class RecommendationEngine {
 public:
  // All pointers must outlive the engine. The model takes `items` int64 [B, max_len]
  // (left-padded with 0, most recent last) and returns `user` [B, d]; its module carries
  // `item_embeddings` [num_items + 1, d].
  static absl::StatusOr<std::unique_ptr<RecommendationEngine>> Create(BatchedModel* model,
                                                                      const Catalog* catalog,
                                                                      EngineOptions options);

  absl::StatusOr<EngineResult> Recommend(const RecommendInput& input);
  // Items closest to `item_id` by cosine similarity of embeddings. NOT_FOUND if unknown.
  absl::StatusOr<EngineResult> SimilarItems(const std::string& item_id,
                                            const std::vector<std::string>& excluded,
                                            const std::string& country, const std::string& category,
                                            int k);
  // Counts a purchase or cart event toward popularity in `country` (cold-start ranking).
  void RecordPopularity(const std::string& item_id, const std::string& country, float weight)
      ABSL_LOCKS_EXCLUDED(mu_);

  int64_t max_len() const { return max_len_; }
  // "fp32" or "bf16": the resolved EngineOptions::scoring_precision.
  std::string scoring_precision() const { return bf16_scoring_ ? "bf16" : "fp32"; }
  const Catalog& catalog() const { return *catalog_; }

 private:
  // Per model version: embeddings and the indexes built over them.
  struct Snapshot {
    int64_t version = 0;
    torch::Tensor embeddings;       // [N + 1, d]
    torch::Tensor embeddings_bf16;  // the same in bfloat16 (bf16 scoring only), else undefined
    torch::Tensor normalized;       // rows scaled to unit length, for similar items
    std::unique_ptr<ItemIndex> index;
    std::unique_ptr<ItemIndex> similar_index;
  };

  // One Recommend's model work: its sequence, its filter mask and k. Requests are batched
  // so that the forward pass, the scoring of every item (one matrix product for the whole
  // batch) and the top-k run once per batch instead of once per request.
  struct ScoreRequest {
    torch::Tensor items;     // int64 [1, max_len]
    torch::Tensor eligible;  // bool [num_items + 1]
    int k = 10;
  };
  struct ScoreResult {
    std::vector<ScoredItem> top;
    int filtered_out = 0;
    std::shared_ptr<const Snapshot> snapshot;
  };
  using ScoreBatcher = DynamicBatcher<ScoreRequest, ScoreResult>;

  RecommendationEngine(BatchedModel* model, const Catalog* catalog, EngineOptions options)
      : model_(model), catalog_(catalog), options_(std::move(options)) {}
  std::vector<absl::StatusOr<ScoreResult>> ScoreBatch(std::vector<ScoreRequest>& requests);
  absl::StatusOr<std::shared_ptr<const Snapshot>> SnapshotFor(
      std::shared_ptr<const TorchModel> model) ABSL_LOCKS_EXCLUDED(mu_);
  torch::Tensor FilterMask(const std::vector<std::string>& excluded, const std::string& country,
                           const std::string& category) const;
  // The k most popular eligible items (catalog counts plus those recorded for `country`),
  // and in filtered_out how many of the k most popular overall the filters removed.
  EngineResult Popular(const torch::Tensor& eligible, const std::string& country, int k) const
      ABSL_LOCKS_EXCLUDED(mu_);
  // Adds `weight` to item `index` in the counts recorded under `key` (a country or "").
  void AddPopularityLocked(const std::string& key, int64_t index, float weight)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Exact index: scores of every item for the batch's user vectors [b, d] -> [b, N + 1]
  // (bf16 scoring: approximate; ScoreBatch re-scores the kept ones in fp32).
  torch::Tensor ScoreAll(const Snapshot& snapshot, const torch::Tensor& users) const;

  BatchedModel* const model_;
  const Catalog* const catalog_;
  const EngineOptions options_;
  int64_t max_len_ = 50;
  bool bf16_scoring_ = false;  // EngineOptions::scoring_precision, "auto" resolved

  mutable absl::Mutex mu_;
  std::shared_ptr<const Snapshot> snapshot_ ABSL_GUARDED_BY(mu_);
  std::unordered_map<std::string, torch::Tensor> country_popularity_ ABSL_GUARDED_BY(mu_);

  // Declared last: stopped first, so the batches it drains on destruction still find mu_
  // and the snapshot.
  std::unique_ptr<ScoreBatcher> batcher_;
};

}  // namespace shop::recommender

#endif  // SHOP_SERVICES_RECOMMENDER_RECOMMENDATION_ENGINE_H_
