// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/item_index.h"

#include <faiss/IndexHNSW.h>

#include <limits>

#include "absl/strings/str_cat.h"

namespace shop::recommender {

std::vector<ScoredItem> ExactItemIndex::Search(const torch::Tensor& query,
                                               const torch::Tensor& eligible, int k,
                                               SearchStats* stats, int64_t skip) const {
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  c10::InferenceMode guard;
  if (k <= 0) return {};
  torch::Tensor scores = torch::mv(embeddings_, query);
  // Row 0 is padding and `skip` is excluded by the caller: never candidates.
  auto score = scores.accessor<float, 1>();
  score[0] = kNegInf;
  if (skip > 0) score[skip] = kNegInf;
  const int64_t rows = scores.size(0) - 1 - (skip > 0 ? 1 : 0);
  if (stats != nullptr) {
    auto ok = eligible.accessor<bool, 1>();
    torch::Tensor top = std::get<1>(scores.topk(std::min<int64_t>(k, rows)));
    auto t = top.accessor<int64_t, 1>();
    stats->filtered_out = 0;
    for (int64_t j = 0; j < top.size(0); ++j) stats->filtered_out += ok[t[j]] ? 0 : 1;
  }
  scores.masked_fill_(eligible.logical_not(), kNegInf);
  int64_t eligible_count = eligible.sum().item<int64_t>();
  if (eligible.accessor<bool, 1>()[0]) --eligible_count;
  if (skip > 0 && eligible.accessor<bool, 1>()[skip]) --eligible_count;
  const int64_t n = std::min<int64_t>(k, eligible_count);
  std::vector<ScoredItem> out;
  if (n <= 0) return out;
  auto [values, indices] = scores.topk(n);
  auto v = values.accessor<float, 1>();
  auto i = indices.accessor<int64_t, 1>();
  out.reserve(static_cast<size_t>(n));
  for (int64_t j = 0; j < n; ++j) out.push_back({i[j], v[j]});
  return out;
}

HnswItemIndex::HnswItemIndex(torch::Tensor embeddings, HnswOptions options)
    : embeddings_(std::move(embeddings)), options_(options), exact_(embeddings_) {}

HnswItemIndex::~HnswItemIndex() = default;

absl::StatusOr<std::unique_ptr<HnswItemIndex>> HnswItemIndex::Build(torch::Tensor embeddings,
                                                                    HnswOptions options) {
  if (embeddings.dim() != 2 || embeddings.scalar_type() != torch::kFloat32) {
    return absl::InvalidArgumentError("embeddings must be float32 [items, d]");
  }
  embeddings = embeddings.contiguous();
  std::unique_ptr<HnswItemIndex> index(new HnswItemIndex(embeddings, options));
  const int d = static_cast<int>(embeddings.size(1));
  index->index_ = std::make_unique<faiss::IndexHNSWFlat>(d, options.m, faiss::METRIC_INNER_PRODUCT);
  index->index_->hnsw.efConstruction = options.ef_construction;
  index->index_->hnsw.efSearch = options.ef_search;
  try {
    // Row 0 is padding: indexed too (ids are row numbers), and filtered out by the mask.
    index->index_->add(embeddings.size(0), embeddings.data_ptr<float>());
  } catch (const std::exception& e) {
    return absl::InternalError(absl::StrCat("faiss HNSW build failed: ", e.what()));
  }
  return index;
}

void HnswItemIndex::set_ef_search(int ef_search) {
  options_.ef_search = ef_search;
  index_->hnsw.efSearch = ef_search;
}

std::vector<ScoredItem> HnswItemIndex::Search(const torch::Tensor& query,
                                              const torch::Tensor& eligible, int k,
                                              SearchStats* stats, int64_t skip) const {
  if (k <= 0) return {};
  const int64_t fetch =
      std::min<int64_t>(static_cast<int64_t>(k) * options_.oversample, index_->ntotal);
  std::vector<float> distances(static_cast<size_t>(fetch));
  std::vector<faiss::Index::idx_t> labels(static_cast<size_t>(fetch));
  torch::Tensor q = query.contiguous();
  index_->search(1, q.data_ptr<float>(), fetch, distances.data(), labels.data());
  auto ok = eligible.accessor<bool, 1>();
  std::vector<ScoredItem> out;
  int seen = 0;
  int removed = 0;
  for (int64_t j = 0; j < fetch && static_cast<int>(out.size()) < k; ++j) {
    const faiss::Index::idx_t id = labels[static_cast<size_t>(j)];
    if (id <= 0 || id == skip) continue;
    const bool keep = ok[id];
    if (seen++ < k && !keep) ++removed;
    if (keep) out.push_back({id, distances[static_cast<size_t>(j)]});
  }
  if (static_cast<int>(out.size()) < k) {
    // Filters removed too many of the approximate candidates: scan exactly instead.
    return exact_.Search(query, eligible, k, stats, skip);
  }
  if (stats != nullptr) stats->filtered_out = removed;
  return out;
}

}  // namespace shop::recommender
