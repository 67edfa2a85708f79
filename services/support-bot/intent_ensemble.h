// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The intent ensemble (services/support-bot/training/model.py: IntentEnsemble of IntentModel
// and LinearMember) computed directly from the weights of its TorchScript module, in plain
// loops over one message's feature ids.
//
// Why: the network is tiny (embedding look-ups, three 64-wide means, two small dense
// layers per member), so through the TorchScript interpreter a message cost 0.3-0.46 ms of
// which almost all is per-op dispatch, slower per message than the Python path it was
// meant to beat (issue 20). Here it is arithmetic only, and needs no batching.
//
// The weights stay in the module's tensors (shared, float16 tables included); nothing is
// copied but the two dense layers, transposed so their loops vectorise. The outputs equal
// the TorchScript forward's to float rounding (tests/support-bot/intent_classifier_test.cc
// compares both on every shipped model).
#ifndef SHOP_SERVICES_SUPPORT_BOT_INTENT_ENSEMBLE_H_
#define SHOP_SERVICES_SUPPORT_BOT_INTENT_ENSEMBLE_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "torch/script.h"

namespace shop::supportbot {

class IntentEnsemble {
 public:
  // Reads the members of `module` (an exported IntentEnsemble). UNIMPLEMENTED when a
  // member is of a kind this class does not know (the caller then runs the module),
  // INVALID_ARGUMENT when the weights do not fit together.
  static absl::StatusOr<IntentEnsemble> FromModule(const torch::jit::Module& module);

  // Writes the num_labels() probabilities of one message (its feature ids, no padding)
  // to `out`: the mean of the members' softmax, as IntentEnsemble.forward. Thread-safe.
  void Probabilities(absl::Span<const int64_t> ids, float* out) const;

  int num_labels() const { return num_labels_; }
  int num_members() const { return static_cast<int>(order_.size()); }

 private:
  // A dense layer y = W x + b, W kept transposed ([in][out]) for the loops.
  struct Dense {
    int in = 0;
    int out = 0;
    std::vector<float> weight_t;
    std::vector<float> bias;
    void Apply(const float* x, float* y) const;
  };
  // model.IntentModel: per-kind means of an embedding table (+ projected pretrained
  // word vectors), LayerNorm, Linear, GELU, Linear.
  struct Mlp {
    torch::Tensor embedding;   // [vocab, dim] float16
    torch::Tensor pretrained;  // [pwords, pdim] float16, when has_pretrained
    int64_t vocab = 0, pwords = 0;
    int dim = 0, pretrained_dim = 0;
    bool has_pretrained = false;
    int64_t pword_lo = 0, word_lo = 0, word_hi = 0, bigram_lo = 0, bigram_hi = 0, char_lo = 0,
            char_hi = 0, unk_word = 0, unk_bigram = 0, unk_char = 0;
    Dense project, hidden, output;
    std::vector<float> norm_weight, norm_bias;
    float norm_eps = 1e-5f;
  };
  // model.LinearMember: idf-weighted, per-kind L2-normalised features times a
  // [vocab, classes] table.
  struct Linear {
    torch::Tensor weight;  // [limit, classes] float16
    torch::Tensor idf;     // [>= limit] float32
    int64_t limit = 0, word_hi = 0, bigram_hi = 0;
    std::vector<float> bias;
  };

  static absl::StatusOr<Mlp> ReadMlp(const torch::jit::Module& m, int num_labels);
  static absl::StatusOr<Linear> ReadLinear(const torch::jit::Module& m, int num_labels);
  void MlpLogits(const Mlp& m, absl::Span<const int64_t> ids, float* logits) const;
  void LinearLogits(const Linear& m, absl::Span<const int64_t> ids, float* logits) const;

  int num_labels_ = 0;
  std::vector<Mlp> mlps_;
  std::vector<Linear> linears_;
  // The members in the module's order (is an Mlp, index in mlps_ or linears_): the mean
  // adds them up in that order, as the module does.
  std::vector<std::pair<bool, size_t>> order_;
};

}  // namespace shop::supportbot

#endif  // SHOP_SERVICES_SUPPORT_BOT_INTENT_ENSEMBLE_H_
