// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/translator/direct_decoder.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace shop::translator {
namespace {

using torch::jit::script::Module;

absl::StatusOr<Module> Child(const Module& m, const std::string& name) {
  if (!m.hasattr(name) || !m.attr(name).isModule()) {
    return absl::FailedPreconditionError(absl::StrCat("translator module has no submodule ", name));
  }
  return m.attr(name).toModule();
}

absl::StatusOr<torch::Tensor> FloatTensor(const Module& m, const std::string& name, int64_t dims) {
  if (!m.hasattr(name) || !m.attr(name).isTensor()) {
    return absl::FailedPreconditionError(absl::StrCat("translator module has no tensor ", name));
  }
  torch::Tensor t = m.attr(name).toTensor();
  if (t.scalar_type() != torch::kFloat32 || t.dim() != dims) {
    return absl::FailedPreconditionError(
        absl::StrCat("translator tensor ", name, " is ", t.toString(), " of ", t.dim(), " dims"));
  }
  return t.detach().contiguous();
}

}  // namespace

absl::StatusOr<std::unique_ptr<const DirectDecoder>> DirectDecoder::FromModule(
    const Module& module, const DecoderSpec& spec) {
  // model_int8.pt projects with its own quantized `out` layer, not the tied embedding.
  if (module.hasattr("out")) {
    return absl::FailedPreconditionError("the module has its own output layer (int8 variant)");
  }
  std::unique_ptr<DirectDecoder> d(new DirectDecoder());
  ASSIGN_OR_RETURN(const Module m, Child(module, "m"));
  if (!m.hasattr("d") || !m.attr("d").isInt()) {
    return absl::FailedPreconditionError("translator module has no int d");
  }
  const int64_t width = m.attr("d").toInt();
  d->embed_scale_ = std::sqrt(static_cast<double>(width));  // model.py Transformer.embed
  d->heads_ = spec.heads;
  d->head_dim_ = spec.head_dim;
  if (spec.heads * spec.head_dim != width) {
    return absl::FailedPreconditionError(absl::StrCat("metadata.json decoder heads x head_dim (",
                                                      spec.heads, " x ", spec.head_dim,
                                                      ") is not the model width ", width));
  }
  ASSIGN_OR_RETURN(const Module emb, Child(m, "emb"));
  ASSIGN_OR_RETURN(d->embedding_, FloatTensor(emb, "weight", 2));
  ASSIGN_OR_RETURN(d->positions_, FloatTensor(m, "pos", 2));
  d->max_positions_ = d->positions_.size(0);
  if (d->embedding_.size(1) != width || d->positions_.size(1) != width) {
    return absl::FailedPreconditionError("embedding or position table width is not d");
  }

  auto norm = [](const Module& parent, const std::string& name) -> absl::StatusOr<Norm> {
    ASSIGN_OR_RETURN(const Module n, Child(parent, name));
    Norm out;
    ASSIGN_OR_RETURN(out.weight, FloatTensor(n, "weight", 1));
    ASSIGN_OR_RETURN(out.bias, FloatTensor(n, "bias", 1));
    if (n.hasattr("eps") && n.attr("eps").isDouble()) out.eps = n.attr("eps").toDouble();
    return out;
  };
  // (weight, bias) of an nn.Linear, checked against the widths the step needs.
  using Weights = std::pair<torch::Tensor, torch::Tensor>;
  auto linear = [](const Module& parent, const std::string& name, int64_t out,
                   int64_t in) -> absl::StatusOr<Weights> {
    ASSIGN_OR_RETURN(const Module l, Child(parent, name));
    Weights w;
    ASSIGN_OR_RETURN(w.first, FloatTensor(l, "weight", 2));
    ASSIGN_OR_RETURN(w.second, FloatTensor(l, "bias", 1));
    if ((out >= 0 && w.first.size(0) != out) || w.first.size(1) != in ||
        w.second.size(0) != w.first.size(0)) {
      return absl::FailedPreconditionError(
          absl::StrCat("decoder layer ", name, " is not ", out, " x ", in));
    }
    return w;
  };
  ASSIGN_OR_RETURN(const Module dec, Child(m, "dec"));
  for (int i = 0; i < spec.layers; ++i) {
    ASSIGN_OR_RETURN(const Module layer, Child(dec, std::to_string(i)));
    ASSIGN_OR_RETURN(const Module self_attn, Child(layer, "self_attn"));
    ASSIGN_OR_RETURN(const Module cross_attn, Child(layer, "cross_attn"));
    ASSIGN_OR_RETURN(const Module ff, Child(layer, "ff"));
    Layer l;
    ASSIGN_OR_RETURN(l.ln1, norm(layer, "ln1"));
    ASSIGN_OR_RETURN(l.ln2, norm(layer, "ln2"));
    ASSIGN_OR_RETURN(l.ln3, norm(layer, "ln3"));
    ASSIGN_OR_RETURN(const Weights q, linear(self_attn, "q", width, width));
    ASSIGN_OR_RETURN(const Weights kv, linear(self_attn, "kv", 2 * width, width));
    l.self_qkv = PackedLinear(torch::cat({q.first, kv.first}), torch::cat({q.second, kv.second}));
    ASSIGN_OR_RETURN(const Weights o, linear(self_attn, "o", width, width));
    l.self_o = PackedLinear(o.first, o.second);
    ASSIGN_OR_RETURN(const Weights cq, linear(cross_attn, "q", width, width));
    l.cross_q = PackedLinear(cq.first, cq.second);
    ASSIGN_OR_RETURN(const Weights co, linear(cross_attn, "o", width, width));
    l.cross_o = PackedLinear(co.first, co.second);
    ASSIGN_OR_RETURN(const Weights w1, linear(ff, "w1", -1, width));
    l.ff1 = PackedLinear(w1.first, w1.second);
    ASSIGN_OR_RETURN(const Weights w2, linear(ff, "w2", width, w1.first.size(0)));
    l.ff2 = PackedLinear(w2.first, w2.second);
    d->layers_.push_back(std::move(l));
  }
  if (dec.hasattr(std::to_string(spec.layers))) {
    return absl::FailedPreconditionError(
        absl::StrCat("the module has more decoder layers than metadata.json's ", spec.layers));
  }
  ASSIGN_OR_RETURN(d->final_norm_, norm(m, "dec_ln"));
  d->output_ = PackedLinear(d->embedding_, torch::Tensor());
  return std::unique_ptr<const DirectDecoder>(std::move(d));
}

DirectDecoder::Cache DirectDecoder::NewCache(int64_t rows) const {
  // 32 positions hold most sentences (product titles, customer messages) without growing.
  constexpr int64_t kInitialCapacity = 32;
  Cache c;
  for (size_t l = 0; l < layers_.size(); ++l) {
    c.keys_.push_back(torch::empty({rows, heads_, kInitialCapacity, head_dim_}));
    c.values_.push_back(torch::empty({rows, heads_, kInitialCapacity, head_dim_}));
  }
  return c;
}

void DirectDecoder::Cache::Reserve() {
  if (keys_.empty() || length_ < keys_[0].size(2)) return;
  for (std::vector<torch::Tensor>* kind : {&keys_, &values_}) {
    for (torch::Tensor& t : *kind) {
      torch::Tensor grown = torch::empty({t.size(0), t.size(1), 2 * t.size(2), t.size(3)});
      grown.narrow(2, 0, length_).copy_(t);
      t = std::move(grown);
    }
  }
}

void DirectDecoder::Cache::Reorder(const std::vector<int64_t>& index) {
  const int64_t n = static_cast<int64_t>(index.size());
  bool identity = n == rows();
  for (int64_t i = 0; identity && i < n; ++i) identity = index[i] == i;
  if (identity || keys_.empty()) return;
  for (int64_t row : index) {
    TORCH_CHECK(row >= 0 && row < rows(), "cache row ", row, " out of range");
  }
  // Only the `length_` used positions of each (row, head) are copied, not the capacity.
  for (std::vector<torch::Tensor>* kind : {&keys_, &values_}) {
    for (torch::Tensor& t : *kind) {
      const int64_t heads = t.size(1), capacity = t.size(2), dh = t.size(3);
      torch::Tensor out = torch::empty({n, heads, capacity, dh});
      const float* src = t.data_ptr<float>();
      float* dst = out.data_ptr<float>();
      const int64_t row_stride = heads * capacity * dh;
      for (int64_t r = 0; r < n; ++r) {
        for (int64_t h = 0; h < heads; ++h) {
          std::memcpy(dst + r * row_stride + h * capacity * dh,
                      src + index[r] * row_stride + h * capacity * dh,
                      sizeof(float) * length_ * dh);
        }
      }
      t = std::move(out);
    }
  }
}

namespace {

// Where one attention reads its keys and values: element [row, head, t, j] of each is at
// row * row_stride + head * head_stride + t * head_dim + j.
struct KeyValues {
  const float* keys;
  const float* values;
  int64_t row_stride;
  int64_t head_stride;
  int64_t length;  // positions attended to
};

// One query vector (head_dim floats) against `length` keys and values head_dim apart:
// softmax(q k^T * scale + bias) v into `out`. `weights` has room for `length` floats.
// Built for AVX-512, AVX2 and baseline x86-64, picked at load (target_clones): the loops
// over head_dim vectorize without reassociating sums (the dot product keeps 16 separate
// partial sums), and the baseline build would use 4-wide SSE.
__attribute__((target_clones("avx512f", "avx2", "default"))) void AttendHead(
    const float* q, const float* keys, const float* values, int64_t length, int head_dim,
    float scale, const float* bias, float* weights, float* out) {
  float top = -std::numeric_limits<float>::infinity();
  for (int64_t t = 0; t < length; ++t) {
    const float* k = keys + t * head_dim;
    float lanes[16] = {};
    int j = 0;
    for (; j + 16 <= head_dim; j += 16) {
      for (int c = 0; c < 16; ++c) lanes[c] += q[j + c] * k[j + c];
    }
    float dot = 0;
    for (int c = 0; c < 16; ++c) dot += lanes[c];
    for (; j < head_dim; ++j) dot += q[j] * k[j];
    float score = dot * scale;
    if (bias != nullptr) score += bias[t];
    weights[t] = score;
    top = std::max(top, score);
  }
  float total = 0;
  for (int64_t t = 0; t < length; ++t) total += weights[t] = std::exp(weights[t] - top);
  for (int j = 0; j < head_dim; ++j) out[j] = 0.0f;
  for (int64_t t = 0; t < length; ++t) {
    const float a = weights[t] / total;
    const float* v = values + t * head_dim;
    for (int j = 0; j < head_dim; ++j) out[j] += a * v[j];
  }
}

// model.py Attention.attend for one query position per row: for each row and head,
// softmax(q k^T / sqrt(head_dim) + bias) v. `q` and `out` are [rows, heads * head_dim];
// `bias` (null for none) is [rows, length], added to the scores (padding is -1e9).
void Attend(const float* q, int64_t rows, int heads, int head_dim, const KeyValues& kv,
            const float* bias, float* out) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  std::vector<float> weights(static_cast<size_t>(kv.length));
  const int64_t width = static_cast<int64_t>(heads) * head_dim;
  for (int64_t r = 0; r < rows; ++r) {
    for (int h = 0; h < heads; ++h) {
      const int64_t base = r * kv.row_stride + h * kv.head_stride;
      AttendHead(q + r * width + h * head_dim, kv.keys + base, kv.values + base, kv.length,
                 head_dim, scale, bias == nullptr ? nullptr : bias + r * kv.length, weights.data(),
                 out + r * width + h * head_dim);
    }
  }
}

}  // namespace

torch::Tensor DirectDecoder::Step(const torch::Tensor& tokens, Cache& cache,
                                  const torch::Tensor& cross_kv,
                                  const torch::Tensor& src_bias) const {
  const int64_t rows = tokens.size(0);
  const int64_t position = cache.length_;
  TORCH_CHECK(position < max_positions_, "decoder position ", position, " beyond the model's ",
              max_positions_);
  TORCH_CHECK(cache.rows() == rows && cross_kv.size(0) == rows && src_bias.size(0) == rows,
              "tokens, cache and encoder outputs disagree on the number of rows");
  TORCH_CHECK(cross_kv.dim() == 6 && cross_kv.size(1) == static_cast<int64_t>(layers_.size()) &&
                  cross_kv.size(3) == heads_ && cross_kv.size(5) == head_dim_,
              "cross_kv is not [rows, layers, 2, heads, S, head_dim]");
  cache.Reserve();
  const int64_t width = heads_ * head_dim_;
  const torch::Tensor cross = cross_kv.contiguous();
  const torch::Tensor bias = src_bias.contiguous().view({rows, -1});
  const int64_t source_length = cross.size(4);
  TORCH_CHECK(bias.size(1) == source_length, "src_bias and cross_kv disagree on the source length");
  const int64_t capacity = cache.keys_[0].size(2);
  torch::Tensor attended = torch::empty({rows, width});

  torch::Tensor x =
      at::embedding(embedding_, tokens).mul(embed_scale_).add(positions_.narrow(0, position, 1));
  for (size_t i = 0; i < layers_.size(); ++i) {
    const Layer& layer = layers_[i];
    // Self-attention: project q, k, v at once; k and v go into the cache's new slot.
    torch::Tensor qkv =
        layer.self_qkv(at::layer_norm(x, {width}, layer.ln1.weight, layer.ln1.bias, layer.ln1.eps));
    float* keys = cache.keys_[i].data_ptr<float>();
    float* values = cache.values_[i].data_ptr<float>();
    const float* projected = qkv.data_ptr<float>();
    for (int64_t r = 0; r < rows; ++r) {
      for (int h = 0; h < heads_; ++h) {
        const int64_t slot = ((r * heads_ + h) * capacity + position) * head_dim_;
        std::memcpy(keys + slot, projected + r * 3 * width + width + h * head_dim_,
                    sizeof(float) * head_dim_);
        std::memcpy(values + slot, projected + r * 3 * width + 2 * width + h * head_dim_,
                    sizeof(float) * head_dim_);
      }
    }
    // q is the first `width` columns of each qkv row: copy it out contiguous.
    torch::Tensor q = qkv.narrow(1, 0, width).contiguous();
    Attend(q.data_ptr<float>(), rows, heads_, head_dim_,
           {keys, values, heads_ * capacity * head_dim_, capacity * head_dim_, position + 1},
           nullptr, attended.data_ptr<float>());
    x = x.add(layer.self_o(attended));

    // Cross-attention over the encoder's keys/values of layer i.
    q = layer.cross_q(at::layer_norm(x, {width}, layer.ln2.weight, layer.ln2.bias, layer.ln2.eps));
    const float* layer_kv = cross.data_ptr<float>() + i * 2 * width * source_length;
    const int64_t row_stride = cross.size(1) * 2 * width * source_length;
    Attend(q.data_ptr<float>(), rows, heads_, head_dim_,
           {layer_kv, layer_kv + width * source_length, row_stride, source_length * head_dim_,
            source_length},
           bias.data_ptr<float>(), attended.data_ptr<float>());
    x = x.add(layer.cross_o(attended));

    torch::Tensor h = at::relu(
        layer.ff1(at::layer_norm(x, {width}, layer.ln3.weight, layer.ln3.bias, layer.ln3.eps)));
    x = x.add(layer.ff2(h));
  }
  cache.length_ = position + 1;
  return at::log_softmax(
      output_(at::layer_norm(x, {width}, final_norm_.weight, final_norm_.bias, final_norm_.eps)),
      -1);
}

}  // namespace shop::translator
