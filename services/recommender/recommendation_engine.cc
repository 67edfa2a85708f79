// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/recommender/recommendation_engine.h"

#include <algorithm>
#include <limits>
#include <queue>

#include "absl/strings/str_cat.h"
#include "common/server/error_details.h"
#include "common/status_macros.h"

namespace shop::recommender {
namespace {

// bf16 scoring keeps this many candidates beyond k for the fp32 re-scoring. bf16 rounds
// each input to 8 significant bits, so an item can only swap places with items whose
// scores are within ~1% of its own; 64 spare places cover such near-ties many times over.
constexpr int64_t kRescoreSpare = 64;

// The `capacity` best (score, index) pairs pushed, kept in a min-heap whose top is the
// worst kept score: one comparison rejects almost every item of a large catalog. It
// replaced ATen's topk + masked_fill over [batch, items], which perf showed as the largest
// cost of a batch once the product ran in bf16.
class TopK {
 public:
  explicit TopK(int64_t capacity) : capacity_(capacity) {}

  // Scores at or below this can never enter (-inf until full). Callers pushing items in
  // ascending index order may skip them without calling Push: a tie with the worst kept
  // item loses to it on index.
  float threshold() const { return threshold_; }

  void Push(float score, int64_t index) {
    if (static_cast<int64_t>(heap_.size()) < capacity_) {
      heap_.push({index, score});
    } else if (capacity_ > 0 && Better({index, score}, heap_.top())) {
      heap_.pop();
      heap_.push({index, score});
    } else {
      return;
    }
    if (static_cast<int64_t>(heap_.size()) == capacity_) threshold_ = heap_.top().score;
  }
  // Best first; ties go to the lower index, so rankings are deterministic.
  std::vector<ScoredItem> Sorted() {
    std::vector<ScoredItem> out;
    out.reserve(heap_.size());
    while (!heap_.empty()) {
      out.push_back(heap_.top());
      heap_.pop();
    }
    std::reverse(out.begin(), out.end());
    return out;
  }

 private:
  static bool Better(const ScoredItem& a, const ScoredItem& b) {
    return a.score > b.score || (a.score == b.score && a.index < b.index);
  }
  struct Worse {
    bool operator()(const ScoredItem& a, const ScoredItem& b) const { return Better(a, b); }
  };
  int64_t capacity_;
  float threshold_ = -std::numeric_limits<float>::infinity();
  std::priority_queue<ScoredItem, std::vector<ScoredItem>, Worse> heap_;
};

// One pass over items 1..`items` of `scores` (index 0 is padding): `all` keeps the best
// items, `kept` the best eligible ones. The hot loop of a request: one comparison per item
// almost always rejects it.
void ScanBest(const float* scores, const bool* eligible, int64_t items, TopK* all, TopK* kept) {
  float all_min = all->threshold();
  float kept_min = kept->threshold();
  for (int64_t i = 1; i <= items; ++i) {
    const float v = scores[i];
    if (v > all_min) {
      all->Push(v, i);
      all_min = all->threshold();
    }
    if (v > kept_min && eligible[i]) {
      kept->Push(v, i);
      kept_min = kept->threshold();
    }
  }
}

// How many of the best items overall the filters removed (a metric).
int CountFilteredOut(const std::vector<ScoredItem>& best, const bool* eligible) {
  int n = 0;
  for (const ScoredItem& s : best) n += eligible[s.index] ? 0 : 1;
  return n;
}

// fp32 dot products of `user` with the candidates' embeddings, re-ranked best first.
std::vector<ScoredItem> Rescore(const std::vector<ScoredItem>& candidates, const float* user,
                                const torch::Tensor& embeddings, int64_t keep) {
  const int64_t d = embeddings.size(1);
  const float* table = embeddings.data_ptr<float>();
  TopK top(keep);
  for (const ScoredItem& c : candidates) {
    const float* row = table + c.index * d;
    float dot = 0;
    for (int64_t t = 0; t < d; ++t) dot += row[t] * user[t];
    top.Push(dot, c.index);
  }
  return top.Sorted();
}

bool CpuHasBf16() {
#if defined(__x86_64__) || defined(__i386__)
  return __builtin_cpu_supports("avx512bf16");
#else
  return false;
#endif
}

}  // namespace

absl::StatusOr<std::unique_ptr<RecommendationEngine>> RecommendationEngine::Create(
    BatchedModel* model, const Catalog* catalog, EngineOptions options) {
  if (options.index != "exact" && options.index != "hnsw") {
    return absl::InvalidArgumentError(
        absl::StrCat("--item_index=", options.index, " is not one of exact, hnsw"));
  }
  const std::string& precision = options.scoring_precision;
  if (precision != "auto" && precision != "fp32" && precision != "bf16") {
    return absl::InvalidArgumentError(
        absl::StrCat("--scoring_precision=", precision, " is not one of auto, fp32, bf16"));
  }
  const bool bf16 = precision == "bf16" || (precision == "auto" && CpuHasBf16());
  std::unique_ptr<RecommendationEngine> engine(
      new RecommendationEngine(model, catalog, std::move(options)));
  engine->bf16_scoring_ = bf16;
  std::shared_ptr<const TorchModel> current = model->repository()->Current();
  const ModelMetadata& meta = current->metadata();
  if (meta.inputs.size() != 1 || meta.inputs[0].shape.size() != 2 || meta.inputs[0].shape[1] < 1 ||
      meta.inputs[0].dtype != torch::kInt64) {
    return absl::FailedPreconditionError(
        "recommender model must take one int64 input [batch, max_len]");
  }
  engine->max_len_ = meta.inputs[0].shape[1];
  // Builds the first snapshot now, so a model without embeddings fails start-up.
  RETURN_IF_ERROR(engine->SnapshotFor(current).status());
  BatcherOptions batcher_options = model->batcher().options();
  batcher_options.name = "recommender scoring";
  ASSIGN_OR_RETURN(engine->batcher_, ScoreBatcher::Create(
                                         batcher_options,
                                         [raw = engine.get()](std::vector<ScoreRequest>& requests) {
                                           return raw->ScoreBatch(requests);
                                         },
                                         model->metrics()));
  return engine;
}

absl::StatusOr<std::shared_ptr<const RecommendationEngine::Snapshot>>
RecommendationEngine::SnapshotFor(std::shared_ptr<const TorchModel> model) {
  absl::MutexLock lock(&mu_);
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
  if (bf16_scoring_) {
    snapshot->embeddings_bf16 = snapshot->embeddings.to(torch::kBFloat16).contiguous();
  }
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

EngineResult RecommendationEngine::Popular(const torch::Tensor& eligible,
                                           const std::string& country, int k) const {
  EngineResult result;
  result.fallback = v1::FALLBACK_COLD_START;
  const torch::Tensor& counts = catalog_->popularity();  // [N + 1]; row 0 is padding
  const int64_t items = counts.size(0) - 1;
  const int64_t n = std::min<int64_t>(k, items);
  if (n <= 0) return result;
  // One pass over the catalog with plain loops, as in ScoreBatch. The tensor version (a
  // clone, an add, two topk, masked_fill, and an item() per returned element) was about
  // 40% of the server's CPU on cold starts (perf, c=16), more than gRPC itself.
  const float* base = counts.data_ptr<float>();
  std::vector<float> scores(base, base + items + 1);
  {
    // RecordPopularity adds to the country's counts in place.
    absl::MutexLock lock(&mu_);
    auto it = country_popularity_.find(country);
    if (it != country_popularity_.end()) {
      const float* extra = it->second.data_ptr<float>();
      for (int64_t i = 1; i <= items; ++i) scores[i] += extra[i];
    }
  }
  const bool* ok = eligible.data_ptr<bool>();
  TopK unfiltered(n);
  TopK filtered(n);
  ScanBest(scores.data(), ok, items, &unfiltered, &filtered);
  result.filtered_out = CountFilteredOut(unfiltered.Sorted(), ok);
  const v1::ReasonType reason =
      country.empty() ? v1::REASON_TYPE_POPULAR : v1::REASON_TYPE_POPULAR_IN_COUNTRY;
  for (const ScoredItem& s : filtered.Sorted()) {
    EngineItem item;
    item.index = s.index;
    item.score = s.score;
    item.reason = reason;
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
  for (size_t i = 0; i < sequence.size(); ++i)
    acc[0][offset + static_cast<int64_t>(i)] = sequence[i];

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

  // Reason: the history item most similar (cosine) to each recommended item; the first
  // (oldest) one on ties. At most k x 50 dot products of 64 floats: plain loops cost less
  // than the dispatch of the half-dozen tensor ops the same product takes in LibTorch.
  const float* unit = snapshot->normalized.data_ptr<float>();
  const int64_t d = snapshot->normalized.size(1);
  for (const ScoredItem& s : top) {
    const float* candidate = unit + s.index * d;
    int64_t related = sequence.front();
    float best = -std::numeric_limits<float>::infinity();
    for (int64_t h : sequence) {
      const float* seen = unit + h * d;
      float dot = 0;
      for (int64_t t = 0; t < d; ++t) dot += candidate[t] * seen[t];
      if (dot > best) {
        best = dot;
        related = h;
      }
    }
    EngineItem item;
    item.index = s.index;
    item.score = s.score;
    item.reason = v1::REASON_TYPE_RELATED_TO_HISTORY;
    item.related_index = related;
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

  // Exact: every item scored for the whole batch in one matrix product, then one pass per
  // row that keeps the best items before and after the filters.
  const Snapshot& snap = **snapshot;
  torch::Tensor user_matrix = torch::cat(user_rows, 0).contiguous();  // [b, d]
  torch::Tensor scores = ScoreAll(snap, user_matrix).contiguous();    // [b, N + 1]
  const bool rescore = snap.embeddings_bf16.defined();
  const int64_t items = scores.size(1) - 1;
  const int64_t d = user_matrix.size(1);
  for (size_t j = 0; j < ok.size(); ++j) {
    const ScoreRequest& r = requests[ok[j]];
    const int64_t k = std::min<int64_t>(r.k, items);
    // bf16 scores only propose candidates: the re-scoring in fp32 decides.
    const int64_t keep = rescore ? std::min<int64_t>(k + kRescoreSpare, items) : k;
    // The unfiltered ranking only counts what the filters removed (a metric), so it keeps
    // just k from the scores as they are, without the re-scoring.
    TopK unfiltered(k);
    TopK filtered(keep);
    const float* row = scores.data_ptr<float>() + static_cast<int64_t>(j) * (items + 1);
    const bool* eligible = r.eligible.data_ptr<bool>();
    ScanBest(row, eligible, items, &unfiltered, &filtered);
    std::vector<ScoredItem> top = filtered.Sorted();
    if (rescore) {
      const float* user = user_matrix.data_ptr<float>() + static_cast<int64_t>(j) * d;
      top = Rescore(top, user, snap.embeddings, k);
    }
    ScoreResult out;
    out.snapshot = *snapshot;
    // How many of the k best items overall the filters removed (with bf16 scoring, by the
    // approximate scores: near-ties at the k-th place may count one item more or less).
    out.filtered_out = CountFilteredOut(unfiltered.Sorted(), eligible);
    if (static_cast<int64_t>(top.size()) > k) top.resize(static_cast<size_t>(k));
    out.top = std::move(top);
    results[ok[j]] = std::move(out);
  }
  return results;
}

torch::Tensor RecommendationEngine::ScoreAll(const Snapshot& snapshot,
                                             const torch::Tensor& users) const {
  if (snapshot.embeddings_bf16.defined()) {
    return torch::mm(users.to(torch::kBFloat16), snapshot.embeddings_bf16.t()).to(torch::kFloat32);
  }
  return torch::mm(users, snapshot.embeddings.t());
}

absl::StatusOr<EngineResult> RecommendationEngine::SimilarItems(
    const std::string& item_id, const std::vector<std::string>& excluded,
    const std::string& country, const std::string& category, int k) {
  std::optional<int64_t> index = catalog_->IndexOf(item_id);
  if (!index) {
    return WithReason(
        absl::NotFoundError(absl::StrCat("item \"", item_id, "\" is not in the catalog")),
        "ITEM_NOT_IN_CATALOG");
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
  absl::MutexLock lock(&mu_);
  if (!country.empty()) AddPopularityLocked(country, *index, weight);
  AddPopularityLocked("", *index, weight);  // overall: ranks cold starts that name no country
}

void RecommendationEngine::AddPopularityLocked(const std::string& key, int64_t index,
                                               float weight) {
  auto [it, inserted] = country_popularity_.try_emplace(key);
  if (inserted) it->second = torch::zeros({catalog_->num_items() + 1}, torch::kFloat32);
  it->second[index] += weight;
}

}  // namespace shop::recommender
