// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/beam_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "services/translator/direct_decoder.h"

namespace shop::translator {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// A complete hypothesis: its rank score and what the confidence is computed from.
struct FinishedHypothesis {
  float normalised;  // log_prob / (length + 1)^alpha
  float log_prob;    // sum over its tokens and EOS
  std::vector<int> tokens;
};

// Search state of one sentence; its k live hypotheses occupy k consecutive rows.
struct Sentence {
  const DecodeJob* job = nullptr;
  int k = 1;
  std::vector<std::vector<int>> hyps;  // live hypotheses' tokens
  std::vector<float> scores;           // their log-probabilities
  std::vector<FinishedHypothesis> finished;
  absl::Status status;
  bool done = false;
};

float Normalise(float score, size_t length_with_eos, float alpha) {
  return score / std::pow(static_cast<float>(length_with_eos), alpha);
}

// Picks up to k continuations of `s` from the top-2k candidates over its rows; finished
// candidates (EOS or length limit) go to s.finished. Returns the continuations as
// (score, old row, tokens, new token).
struct Continuation {
  float score;
  int64_t row;
  std::vector<int> tokens;
  int token;
};

std::vector<Continuation> Expand(Sentence& s, int64_t first_row, const torch::Tensor& logp,
                                 int step, int eos) {
  const int64_t vocab = logp.size(1);
  torch::Tensor block =
      logp.narrow(0, first_row, s.k) + torch::tensor(s.scores, torch::kFloat32).unsqueeze(1);
  const int64_t want = std::min<int64_t>(2 * s.k, block.numel());
  auto [top_s, top_i] = block.view(-1).topk(want);
  auto ts = top_s.accessor<float, 1>();
  auto ti = top_i.accessor<int64_t, 1>();
  std::vector<Continuation> next;
  const DecodeJob& job = *s.job;
  for (int64_t c = 0; c < want && static_cast<int>(next.size()) < s.k; ++c) {
    const float score = ts[c];
    if (score == kNegInf) break;
    const int beam = static_cast<int>(ti[c] / vocab);
    const int token = static_cast<int>(ti[c] % vocab);
    std::vector<int> tokens = s.hyps[beam];
    if (token == eos || step + 1 >= job.max_output_tokens) {
      if (token != eos) tokens.push_back(token);
      const float normalised = Normalise(score, tokens.size() + 1, job.length_penalty);
      s.finished.push_back({normalised, score, std::move(tokens)});
      continue;
    }
    tokens.push_back(token);
    next.push_back({score, first_row + beam, std::move(tokens), token});
  }
  return next;
}

bool Finished(const Sentence& s, const std::vector<Continuation>& next, int step) {
  if (next.empty() || static_cast<int>(s.finished.size()) >= s.k) return true;
  if (s.finished.empty() || s.job->length_penalty > 1.0f) return false;
  // With alpha <= 1 a live hypothesis only loses score as it grows (up to the
  // normaliser), so a finished one at least as good as the best live one wins.
  float best = kNegInf;
  for (const auto& f : s.finished) best = std::max(best, f.normalised);
  return best >= Normalise(next[0].score, step + 2, s.job->length_penalty);
}

// The decoder state of all rows and how a step advances it: the direct decoder's cache
// that grows in place, or the [rows, layers, 2, heads, steps, head_dim] tensor that the
// TorchScript step() takes and returns whole.
class Stepper {
 public:
  Stepper(const TranslationModel& model, StepPath path, int64_t rows)
      : model_(model), direct_(path == StepPath::kDirect ? model.direct_decoder() : nullptr) {
    const DecoderSpec& spec = model.spec();
    if (direct_ != nullptr) {
      cache_ = direct_->NewCache(rows);
    } else {
      self_kv_ = torch::zeros({rows, spec.layers, 2, spec.heads, 0, spec.head_dim});
    }
  }

  // Log-probabilities [rows, vocab] of the next token after `tokens` at `step`.
  absl::StatusOr<torch::Tensor> Step(const std::vector<int64_t>& tokens, int step,
                                     const torch::Tensor& cross_kv, const torch::Tensor& src_bias) {
    torch::Tensor ids = torch::tensor(tokens, torch::kInt64);
    if (direct_ != nullptr) return direct_->Step(ids, cache_, cross_kv, src_bias);
    ASSIGN_OR_RETURN(
        std::vector<torch::Tensor> out,
        model_.torch_model().RunMethod("step", {ids, torch::tensor({int64_t{step}}, torch::kInt64),
                                                self_kv_, cross_kv, src_bias}));
    self_kv_ = out[1];
    return out[0];
  }

  // Keeps the state of rows `index`, in that order.
  void Reorder(const std::vector<int64_t>& index) {
    if (direct_ != nullptr) {
      cache_.Reorder(index);
    } else {
      self_kv_ = self_kv_.index_select(0, torch::tensor(index, torch::kInt64));
    }
  }

 private:
  const TranslationModel& model_;
  const DirectDecoder* direct_;
  DirectDecoder::Cache cache_;
  torch::Tensor self_kv_;
};

std::vector<absl::StatusOr<DecodeOutput>> BeamSearchImpl(const std::vector<const DecodeJob*>& jobs,
                                                         StepPath path);

}  // namespace

std::vector<absl::StatusOr<DecodeOutput>> BeamSearch(const std::vector<const DecodeJob*>& jobs,
                                                     StepPath path) {
  try {
    // Outputs of the model are inference tensors; everything here stays in that mode.
    c10::InferenceMode guard;
    return BeamSearchImpl(jobs, path);
  } catch (const std::exception& e) {
    std::string what = e.what();
    return std::vector<absl::StatusOr<DecodeOutput>>(
        jobs.size(),
        absl::InternalError(absl::StrCat("decoding failed: ", what.substr(0, what.find('\n')))));
  }
}

namespace {

std::vector<absl::StatusOr<DecodeOutput>> BeamSearchImpl(const std::vector<const DecodeJob*>& jobs,
                                                         StepPath path) {
  std::vector<absl::StatusOr<DecodeOutput>> results(jobs.size(), absl::UnknownError("not decoded"));
  if (jobs.empty()) return results;
  const TranslationModel& model = *jobs[0]->model;
  const DecoderSpec& spec = model.spec();
  const TorchModel& torch_model = model.torch_model();
  auto fail_all = [&](const absl::Status& st) {
    for (auto& r : results) r = st;
    return results;
  };

  // Encode all sources at once.
  size_t max_src = 0;
  for (const DecodeJob* j : jobs) max_src = std::max(max_src, j->source.size());
  torch::Tensor src =
      torch::full({static_cast<int64_t>(jobs.size()), static_cast<int64_t>(max_src)}, spec.pad_id,
                  torch::kInt64);
  auto src_a = src.accessor<int64_t, 2>();
  for (size_t i = 0; i < jobs.size(); ++i) {
    for (size_t t = 0; t < jobs[i]->source.size(); ++t) src_a[i][t] = jobs[i]->source[t];
  }
  absl::StatusOr<std::vector<torch::Tensor>> enc = torch_model.Forward({src});
  if (!enc.ok()) return fail_all(enc.status());
  torch::Tensor cross_kv = (*enc)[0];
  torch::Tensor src_bias = (*enc)[1];

  // Rows: sentence-major, k rows per sentence. Step 0: only beam 0 of each is live (the
  // others start at -inf), since all beams would otherwise be identical.
  std::vector<Sentence> sentences(jobs.size());
  std::vector<int64_t> row_source;
  std::vector<int64_t> tokens;
  for (size_t i = 0; i < jobs.size(); ++i) {
    Sentence& s = sentences[i];
    s.job = jobs[i];
    s.k = std::max(1, jobs[i]->beam_size);
    s.hyps.assign(s.k, {});
    s.scores.assign(s.k, kNegInf);
    s.scores[0] = 0;
    for (int b = 0; b < s.k; ++b) {
      row_source.push_back(static_cast<int64_t>(i));
      tokens.push_back(jobs[i]->target_tag);
    }
  }
  torch::Tensor rows = torch::tensor(row_source, torch::kInt64);
  cross_kv = cross_kv.index_select(0, rows);
  src_bias = src_bias.index_select(0, rows);
  Stepper stepper(model, path, rows.size(0));
  torch::Tensor banned = torch::tensor(spec.banned_ids, torch::kInt64);
  std::vector<int> live(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) live[i] = static_cast<int>(i);

  for (int step = 0; !live.empty(); ++step) {
    const absl::Time now = absl::Now();
    absl::StatusOr<torch::Tensor> out = stepper.Step(tokens, step, cross_kv, src_bias);
    if (!out.ok()) return fail_all(out.status());
    torch::Tensor logp = *out;
    logp.index_fill_(1, banned, kNegInf);

    std::vector<int> next_live;
    std::vector<int64_t> next_rows;
    std::vector<int64_t> next_tokens;
    int64_t first_row = 0;
    for (int i : live) {
      Sentence& s = sentences[i];
      const int64_t row0 = first_row;
      first_row += s.k;
      if (s.job->deadline <= now) {
        s.status = absl::DeadlineExceededError("deadline passed while translating");
        s.done = true;
        continue;
      }
      if (s.job->is_cancelled && s.job->is_cancelled()) {
        s.status = absl::CancelledError("caller cancelled");
        s.done = true;
        continue;
      }
      std::vector<Continuation> next = Expand(s, row0, logp, step, spec.eos_id);
      if (Finished(s, next, step)) {
        s.done = true;
        continue;
      }
      // Fewer than k continuations (tiny vocabularies): pad with dead copies.
      while (static_cast<int>(next.size()) < s.k) {
        next.push_back({kNegInf, next[0].row, next[0].tokens, next[0].token});
      }
      for (int b = 0; b < s.k; ++b) {
        s.hyps[b] = std::move(next[b].tokens);
        s.scores[b] = next[b].score;
        next_rows.push_back(next[b].row);
        next_tokens.push_back(next[b].token);
      }
      next_live.push_back(i);
    }
    live = std::move(next_live);
    if (live.empty()) break;
    stepper.Reorder(next_rows);
    // A sentence's rows share its cross-attention inputs, so they only need selecting
    // again when a sentence left the batch.
    if (static_cast<int64_t>(next_rows.size()) != cross_kv.size(0)) {
      torch::Tensor idx = torch::tensor(next_rows, torch::kInt64);
      cross_kv = cross_kv.index_select(0, idx);
      src_bias = src_bias.index_select(0, idx);
    }
    tokens = std::move(next_tokens);
  }

  for (size_t i = 0; i < jobs.size(); ++i) {
    Sentence& s = sentences[i];
    if (!s.status.ok()) {
      results[i] = s.status;
      continue;
    }
    // Best first; ties keep the order they finished in (as translate.py's sort does).
    std::stable_sort(s.finished.begin(), s.finished.end(),
                     [](const FinishedHypothesis& a, const FinishedHypothesis& b) {
                       return a.normalised > b.normalised;
                     });
    DecodeOutput best;
    best.score = kNegInf;
    for (size_t h = 0; h < s.finished.size(); ++h) {
      FinishedHypothesis& f = s.finished[h];
      DecodeOutput& out = h == 0 ? best : best.alternatives.emplace_back();
      out.score = f.normalised;
      out.log_prob = f.log_prob;
      out.tokens = std::move(f.tokens);
    }
    results[i] = std::move(best);
  }
  return results;
}

}  // namespace
}  // namespace shop::translator
