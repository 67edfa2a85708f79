// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// Batched beam search over an exported translation model (encoder forward() plus an
// incremental step() with a key/value cache). All hypotheses of all sentences of a
// batch run as rows of one step call; a sentence leaves the batch as soon as it is done,
// so short sentences do not pay for long ones. Beam size 1 is greedy decoding. Each
// sentence may have its own beam size, length penalty, length limit and deadline; the
// deadline and cancellation are checked before every step.
#ifndef SHOP_SERVICES_TRANSLATOR_BEAM_SEARCH_H_
#define SHOP_SERVICES_TRANSLATOR_BEAM_SEARCH_H_

#include <functional>
#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/translator/translation_model.h"

namespace shop::translator {

struct DecodeJob {
  // The version the source was tokenized with; the job is decoded with it.
  std::shared_ptr<const TranslationModel> model;
  // Source piece ids: target tag, pieces, EOS.
  std::vector<int> source;
  int target_tag = 0;
  int beam_size = 4;
  // Hypotheses are ranked by log-probability / (length + 1)^length_penalty.
  float length_penalty = 1.0f;
  int max_output_tokens = 128;
  absl::Time deadline = absl::InfiniteFuture();
  std::function<bool()> is_cancelled;
};

struct DecodeOutput {
  std::vector<int> tokens;  // without the start tag and EOS
  float score = 0;          // length-normalised log-probability (the job's length penalty)
  float log_prob = 0;       // log-probability of tokens + EOS, for the confidence score
  // The other finished hypotheses, best first (their own `alternatives` empty): the
  // engine falls back to one of them when the best is in the wrong language.
  std::vector<DecodeOutput> alternatives;
};

// How each decoding step is computed.
enum class StepPath {
  // The model's DirectDecoder when it has one (same log-probabilities, several times
  // faster), else its TorchScript step().
  kDirect,
  // Always the TorchScript step(): the reference the direct path is checked against.
  kInterpreted,
};

// Decodes `jobs` (all of the same model version) as one batch. Returns one result per
// job: DEADLINE_EXCEEDED or CANCELLED for a job whose caller gave up mid-decoding, an
// INTERNAL error for all of them if the model fails.
std::vector<absl::StatusOr<DecodeOutput>> BeamSearch(const std::vector<const DecodeJob*>& jobs,
                                                     StepPath path = StepPath::kDirect);

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_BEAM_SEARCH_H_
