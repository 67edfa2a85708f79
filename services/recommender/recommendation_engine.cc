// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/recommendation_engine.h"

#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace shop::recommender {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

}  // namespace

absl::StatusOr<std::unique_ptr<RecommendationEngine>> RecommendationEngine::Create(
    BatchedModel* model, const Catalog* catalog, EngineOptions options) {
  if (options.index != "exact" && options.index != "hnsw") {
    return absl::InvalidArgumentError(
        absl::StrCat("--item_index=", options.index, " is not one of exact, hnsw"));
  }
  std::unique_ptr<RecommendationEngine> engine(
      new RecommendationEngine(model, catalog, std::move(options)));
  std::shared_ptr<const TorchModel> current = model->repository()->Current();
  const ModelMetadata& meta = current->metadata();
  if (meta.inputs.size() != 1 || meta.inputs[0].shape.size() != 2 ||
      meta.inputs[0].shape[1] < 1 || meta.inputs[0].dtype != torch::kInt64) {
    return absl::FailedPreconditionError(
        "recommender model must take one int64 input [batch, max_len]");
  }
  engine->max_len_ = meta.inputs[0].shape[1];
  // Builds the first snapshot now, so a model without embeddings fails start-up.
  RETURN_IF_ERROR(engine->SnapshotFor(current).status());
  BatcherOptions batcher_options = model->batcher().options();
  batcher_options.name = "recommender scoring";
  ASSIGN_OR_RETURN(engine->batcher_,
                   ScoreBatcher::Create(
                       batcher_options,
                       [raw = engine.get()](std::vector<ScoreRequest>& requests) {
                         return raw->ScoreBatch(requests);
                       },
                       model->metrics()));
  return engine;
}

absl::StatusOr<std::shared_ptr<const RecommendationEngine::Snapshot>>
RecommendationEngine::SnapshotFor(std::shared_ptr<const TorchModel> model) {
  std::lock_guard<std::mutex> lock(mu_);
  if (snapshot_ != nullptr && snapshot_->version == model->version()) return snapshot_;
  ASSIGN_OR_RETURN(torch::Tensor embeddings, model->Attribute("item_embeddings"));
  if (embeddings.dim() != 2 || embeddings.size(0) != catalog_->num_items() + 1) {
    return absl::FailedPreconditionError(
        absl::StrCat("item_embeddings of model version ", model->version(), " has ",
                     embeddings.dim() == 2 ? embeddings.size(0) : -1, " rows; the catalog needs ",
                     catalog_->num_items() + 1));
  }
  auto snapshot = std::make_shared<Snapshot>();
  snapshot->version = model->version();
  snapshot->embeddings = embeddings.to(torch::kFloat32).contiguous();
  snapshot->normalized =
      (snapshot->embeddings /
       snapshot->embeddings.norm(2, /*dim=*/{1}, /*keepdim=*/true).clamp_min(1e-12))
          .contiguous();
  if (options_.index == "hnsw") {
    ASSIGN_OR_RETURN(snapshot->index, HnswItemIndex::Build(snapshot->embeddings, options_.hnsw));
    ASSIGN_OR_RETURN(snapshot->similar_index,
                     HnswItemIndex::Build(snapshot->normalized, options_.hnsw));
  } else {
    snapshot->index = std::make_unique<ExactItemIndex>(snapshot->embeddings);
    snapshot->similar_index = std::make_unique<ExactItemIndex>(snapshot->normalized);
  }
  snapshot_ = snapshot;
  return snapshot_;
}

torch::Tensor RecommendationEngine::FilterMask(const std::vector<std::string>& excluded,
                                               const std::string& country,
                                               const std::string& category) const {
  torch::Tensor mask = catalog_->EligibleMask(country).clone();
  if (!category.empty()) mask.logical_and_(catalog_->CategoryMask(category));
  auto m = mask.accessor<bool, 1>();
  for (const std::string& id : excluded) {
    if (auto index = catalog_->IndexOf(id)) m[*index] = false;
  }
  return mask;
}

int RecommendationEngine::FilteredOut(const torch::Tensor& scores, const torch::Tensor& eligible,
                                      int k) {
  const int64_t n = std::min<int64_t>(k, scores.size(0) - 1);
  // Row 0 (padding) never competes.
  torch::Tensor top = std::get<1>(scores.narrow(0, 1, scores.size(0) - 1).topk(n)) + 1;
  return static_cast<int>(n - eligible.index_select(0, top).sum().item<int64_t>());
}

EngineResult RecommendationEngine::Popular(const torch::Tensor& eligible,
                                           const std::string& country, int k) const {
  torch::Tensor scores = catalog_->popularity().clone();
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = country_popularity_.find(country);
    if (it != country_popularity_.end()) scores.add_(it->second);
  }
  EngineResult result;
  result.fallback = v1::FALLBACK_COLD_START;
  result.filtered_out = FilteredOut(scores, eligible, k);
  scores.masked_fill_(eligible.logical_not(), kNegInf);
  const int64_t n = std::min<int64_t>(k, eligible.sum().item<int64_t>());
  if (n <= 0) return result;
  auto [values, indices] = scores.topk(n);
  for (int64_t j = 0; j < n; ++j) {
    EngineItem item;
    item.index = indices[j].item<int64_t>();
    item.score = values[j].item<float>();
    item.reason = country.empty() ? v1::REASON_TYPE_POPULAR : v1::REASON_TYPE_POPULAR_IN_COUNTRY;
    result.items.push_back(item);
  }
  return result;
}

absl::StatusOr<EngineResult> RecommendationEngine::Recommend(const RecommendInput& input) {
  std::vector<int64_t> sequence;
  int unknown = 0;
  for (const std::string& id : input.history) {
    std::optional<int64_t> index = catalog_->IndexOf(id);
    if (index) {
      sequence.push_back(*index);
    } else {
      ++unknown;
    }
  }
  if (static_cast<int64_t>(sequence.size()) > max_len_) {
    sequence.erase(sequence.begin(), sequence.end() - max_len_);
  }
  const torch::Tensor eligible = FilterMask(input.excluded, input.country, input.category);

  if (sequence.empty()) {
    EngineResult result = Popular(eligible, input.country, input.k);
    result.unknown_items = unknown;
    return result;
  }

  // Left-padded, most recent item last: the layout the model was trained on.
  torch::Tensor items = torch::zeros({1, max_len_}, torch::kInt64);
  auto acc = items.accessor<int64_t, 2>();
  const int64_t offset = max_len_ - static_cast<int64_t>(sequence.size());
  for (size_t i = 0; i < sequence.size(); ++i) acc[0][offset + static_cast<int64_t>(i)] = sequence[i];

  // The batch validates the tensor against the serving version (BatchedModel::RunBatch).
  absl::StatusOr<ScoreResult> scored =
      batcher_->Run(ScoreRequest{items, eligible, input.k}, input.context);
  if (!scored.ok()) {
    // Overload and deadlines are the caller's to see; a failing model degrades to
    // popularity instead of failing the shop's page.
    if (absl::IsResourceExhausted(scored.status()) || absl::IsDeadlineExceeded(scored.status()) ||
        absl::IsCancelled(scored.status()) || absl::IsUnavailable(scored.status())) {
      return scored.status();
    }
    EngineResult result = Popular(eligible, input.country, input.k);
    result.fallback = v1::FALLBACK_MODEL_UNAVAILABLE;
    result.unknown_items = unknown;
    return result;
  }
  const std::shared_ptr<const Snapshot>& snapshot = scored->snapshot;
  const std::vector<ScoredItem>& top = scored->top;

  EngineResult result;
  result.model_version = snapshot->version;
  result.history_used = static_cast<int>(sequence.size());
  result.unknown_items = unknown;
  result.fallback = v1::FALLBACK_NONE;
  result.filtered_out = scored->filtered_out;

  // Reason: the history item most similar (cosine) to each recommended item.
  torch::Tensor history_index = torch::tensor(sequence, torch::kInt64);
  std::vector<int64_t> top_index;
  for (const ScoredItem& s : top) top_index.push_back(s.index);
  torch::Tensor related;
  if (!top.empty()) {
    c10::InferenceMode guard;
    torch::Tensor sim = torch::mm(snapshot->normalized.index_select(0, torch::tensor(top_index)),
                                  snapshot->normalized.index_select(0, history_index).t());
    related = history_index.index_select(0, sim.argmax(1));
  }
  for (size_t j = 0; j < top.size(); ++j) {
    EngineItem item;
    item.index = top[j].index;
    item.score = top[j].score;
    item.reason = v1::REASON_TYPE_RELATED_TO_HISTORY;
    item.related_index = related.accessor<int64_t, 1>()[static_cast<int64_t>(j)];
    result.items.push_back(item);
  }
  return result;
}

std::vector<absl::StatusOr<RecommendationEngine::ScoreResult>> RecommendationEngine::ScoreBatch(
    std::vector<ScoreRequest>& requests) {
  const size_t n = requests.size();
  std::vector<absl::StatusOr<ScoreResult>> results(n);
  // One version for the whole batch: user vectors and embeddings always match.
  std::shared_ptr<const TorchModel> current = model_->repository()->Current();
  absl::StatusOr<std::shared_ptr<const Snapshot>> snapshot = SnapshotFor(current);
  if (!snapshot.ok()) {
    for (auto& r : results) r = snapshot.status();
    return results;
  }
  std::vector<std::vector<torch::Tensor>> inputs;
  inputs.reserve(n);
  for (const ScoreRequest& r : requests) inputs.push_back({r.items});
  std::vector<absl::StatusOr<InferenceOutput>> users = BatchedModel::RunBatch(*current, inputs);

  std::vector<size_t> ok;
  std::vector<torch::Tensor> user_rows;
  for (size_t i = 0; i < n; ++i) {
    if (users[i].ok()) {
      ok.push_back(i);
      user_rows.push_back(users[i]->outputs[0]);
    } else {
      results[i] = users[i].status();
    }
  }
  if (ok.empty()) return results;

  c10::InferenceMode guard;
  if ((*snapshot)->index->name() != "exact") {
    for (size_t j = 0; j < ok.size(); ++j) {
      ScoreRequest& r = requests[ok[j]];
      ScoreResult out;
      SearchStats stats;
      out.top = (*snapshot)->index->Search(user_rows[j].reshape({-1}), r.eligible, r.k, &stats);
      out.filtered_out = stats.filtered_out;
      out.snapshot = *snapshot;
      results[ok[j]] = std::move(out);
    }
    return results;
  }

  // Exact: every item scored for the whole batch in one matrix product, then one top-k
  // before and one after the filters.
  constexpr float kNegInf = -std::numeric_limits<float>::infinity();
  const torch::Tensor& embeddings = (*snapshot)->embeddings;
  torch::Tensor scores = torch::mm(torch::cat(user_rows, 0), embeddings.t());  // [b, N + 1]
  scores.select(1, 0).fill_(kNegInf);  // padding row
  int k_max = 0;
  std::vector<torch::Tensor> masks;
  for (size_t i : ok) {
    k_max = std::max(k_max, requests[i].k);
    masks.push_back(requests[i].eligible);
  }
  const int64_t columns = std::min<int64_t>(k_max, scores.size(1) - 1);
  torch::Tensor eligible = torch::stack(masks);  // [b, N + 1]
  eligible.select(1, 0).fill_(false);
  torch::Tensor unfiltered = std::get<1>(scores.topk(columns, 1));
  scores.masked_fill_(eligible.logical_not(), kNegInf);
  auto [values, indices] = scores.topk(columns, 1);
  torch::Tensor counts = eligible.sum(1);
  auto e = eligible.accessor<bool, 2>();
  auto u = unfiltered.accessor<int64_t, 2>();
  auto v = values.accessor<float, 2>();
  auto x = indices.accessor<int64_t, 2>();
  auto c = counts.accessor<int64_t, 1>();
  for (size_t j = 0; j < ok.size(); ++j) {
    const int64_t row = static_cast<int64_t>(j);
    const int64_t k = std::min<int64_t>(requests[ok[j]].k, columns);
    ScoreResult out;
    out.snapshot = *snapshot;
    for (int64_t t = 0; t < k; ++t) out.filtered_out += e[row][u[row][t]] ? 0 : 1;
    const int64_t take = std::min<int64_t>(k, c[row]);
    out.top.reserve(static_cast<size_t>(take));
    for (int64_t t = 0; t < take; ++t) out.top.push_back({x[row][t], v[row][t]});
    results[ok[j]] = std::move(out);
  }
  return results;
}

absl::StatusOr<EngineResult> RecommendationEngine::SimilarItems(
    const std::string& item_id, const std::vector<std::string>& excluded,
    const std::string& country, const std::string& category, int k) {
  std::optional<int64_t> index = catalog_->IndexOf(item_id);
  if (!index) {
    return absl::NotFoundError(absl::StrCat("item \"", item_id, "\" is not in the catalog"));
  }
  ASSIGN_OR_RETURN(std::shared_ptr<const Snapshot> snapshot,
                   SnapshotFor(model_->repository()->Current()));
  const torch::Tensor eligible = FilterMask(excluded, country, category);
  const torch::Tensor query = snapshot->normalized[*index];
  EngineResult result;
  result.model_version = snapshot->version;
  // skip: the query item itself is never a candidate.
  SearchStats stats;
  const std::vector<ScoredItem> top =
      snapshot->similar_index->Search(query, eligible, k, &stats, /*skip=*/*index);
  result.filtered_out = stats.filtered_out;
  for (const ScoredItem& s : top) {
    result.items.push_back({s.index, s.score, v1::REASON_TYPE_SIMILAR_ITEM, *index});
  }
  return result;
}

void RecommendationEngine::RecordPopularity(const std::string& item_id, const std::string& country,
                                            float weight) {
  std::optional<int64_t> index = catalog_->IndexOf(item_id);
  if (!index) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto add = [&](const std::string& key) {
    auto [it, inserted] = country_popularity_.try_emplace(key);
    if (inserted) it->second = torch::zeros({catalog_->num_items() + 1}, torch::kFloat32);
    it->second[*index] += weight;
  };
  if (!country.empty()) add(country);
  add("");  // overall: ranks cold starts that name no country
}

}  // namespace shop::recommender
