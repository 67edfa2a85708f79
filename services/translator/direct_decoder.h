// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
//
// The translation model's decoder step computed from its weights, instead of through the
// TorchScript interpreter's step() (model.py ExportTranslator.step).
//
// Why: a beam-4 step of the 3-layer decoder is ~40 MFLOP, well under a millisecond of
// arithmetic, yet step() took ~2.3 ms. perf: most of it was OpenBLAS packing the weight
// matrices on every call (sgemm_incopy, 35 % of a translation; with 4-32 rows the pack
// is a full copy of each weight), then the key/value cache concatenated and stacked
// anew every step, then the interpreter. Here the weights are packed once
// (common/inference/packed_linear.h; the self-attention q and k/v projections fused into
// one), attention over the cache is a plain loop, and the cache has room to grow in
// place (one slot written per step; beam reordering copies only the used positions, and
// only when the order changed). Layer norms, residuals and the final log-softmax are the
// module's ATen ops.
//
// The sums run in another order than OpenBLAS's, so log-probabilities differ from
// step()'s by float rounding (largest 7.6e-6 over 40 steps of 6 rows; direct_decoder_test
// holds them to 1e-4 and whole beam searches, with every kernel twin, to the same tokens).
#ifndef SHOP_SERVICES_TRANSLATOR_DIRECT_DECODER_H_
#define SHOP_SERVICES_TRANSLATOR_DIRECT_DECODER_H_

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "common/inference/packed_linear.h"
#include "services/translator/translation_model.h"
#include "torch/script.h"

namespace shop::translator {

class DirectDecoder {
 public:
  // Reads the decoder weights of an ExportTranslator module (model.pt). FAILED_PRECONDITION
  // for a module it cannot compute (e.g. model_int8.pt, whose output layer is a quantized
  // linear): the caller then decodes through the module's step().
  static absl::StatusOr<std::unique_ptr<const DirectDecoder>> FromModule(
      const torch::jit::script::Module& module, const DecoderSpec& spec);

  // Self-attention keys and values of the positions decoded so far, one [rows, heads,
  // capacity, head_dim] tensor per layer and kind; the first `length` positions are used.
  class Cache {
   public:
    int64_t rows() const { return keys_.empty() ? 0 : keys_[0].size(0); }
    int64_t length() const { return length_; }
    // Keeps rows `index` (in that order; rows may repeat or drop out), as beam search
    // does with its hypotheses. Copies only when `index` is not 0, 1, ..., rows - 1.
    void Reorder(const std::vector<int64_t>& index);

   private:
    friend class DirectDecoder;
    // Makes room for one more position, doubling the capacity when full.
    void Reserve();
    std::vector<torch::Tensor> keys_, values_;
    int64_t length_ = 0;
  };

  Cache NewCache(int64_t rows) const;

  // One decoding step for cache.rows() hypotheses: `tokens` [rows] int64 at position
  // cache.length(); `cross_kv` [rows, layers, 2, heads, S, head_dim] and `src_bias`
  // [rows, 1, 1, S] as the model's forward() returned them (rows selected). Appends the
  // new position to the cache and returns log-probabilities [rows, vocab].
  // Throws c10::Error like the module would (callers catch).
  torch::Tensor Step(const torch::Tensor& tokens, Cache& cache, const torch::Tensor& cross_kv,
                     const torch::Tensor& src_bias) const;

  int64_t vocab_size() const { return embedding_.size(0); }

 private:
  struct Norm {
    torch::Tensor weight, bias;
    double eps = 1e-5;
  };
  struct Layer {
    Norm ln1, ln2, ln3;
    PackedLinear self_qkv;  // [q; k; v] of the self-attention, one matrix
    PackedLinear self_o, cross_q, cross_o, ff1, ff2;
  };

  DirectDecoder() = default;

  int heads_ = 0;
  int head_dim_ = 0;
  int64_t max_positions_ = 0;
  double embed_scale_ = 1.0;
  torch::Tensor embedding_;  // [vocab, d]
  PackedLinear output_;      // the same matrix (tied), as the output projection
  torch::Tensor positions_;  // [max_positions, d] sinusoid table
  std::vector<Layer> layers_;
  Norm final_norm_;
};

}  // namespace shop::translator

#endif  // SHOP_SERVICES_TRANSLATOR_DIRECT_DECODER_H_
