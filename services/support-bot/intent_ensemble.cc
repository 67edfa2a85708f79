// Copyright 2026 The shop-ai authors. SPDX-License-Identifier: Apache-2.0
#include "services/support-bot/intent_ensemble.h"

#include <cpuid.h>
#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <string>

#include "absl/strings/str_cat.h"
#include "c10/util/Half.h"
#include "common/status_macros.h"

namespace shop::supportbot {
namespace {

absl::StatusOr<torch::Tensor> Tensor(const torch::jit::Module& m, const std::string& name,
                                     torch::ScalarType dtype, int64_t dims) {
  if (!m.hasattr(name) || !m.attr(name).isTensor()) {
    return absl::InvalidArgumentError(absl::StrCat("intent member has no tensor ", name));
  }
  torch::Tensor t = m.attr(name).toTensor();
  if (t.scalar_type() != dtype || t.dim() != dims) {
    return absl::InvalidArgumentError(absl::StrCat("intent member tensor ", name, " is ",
                                                   t.toString(), " of ", t.dim(), " dims"));
  }
  return t.contiguous();
}

absl::StatusOr<int64_t> Int(const torch::jit::Module& m, const std::string& name) {
  if (!m.hasattr(name) || !m.attr(name).isInt()) {
    return absl::InvalidArgumentError(absl::StrCat("intent member has no int ", name));
  }
  return m.attr(name).toInt();
}

absl::StatusOr<torch::jit::Module> Child(const torch::jit::Module& m, const std::string& name) {
  if (!m.hasattr(name) || !m.attr(name).isModule()) {
    return absl::InvalidArgumentError(absl::StrCat("intent member has no submodule ", name));
  }
  return m.attr(name).toModule();
}

std::vector<float> Floats(const torch::Tensor& t) {
  const torch::Tensor c = t.to(torch::kFloat32).contiguous();
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

// The loops below have an AVX2/FMA/F16C twin, picked at run time: the build targets
// baseline x86-64, where a float16 converts in software (bit twiddling per value), and
// those conversions were most of a message's time.
// F16C from CPUID (leaf 1, ECX bit 29): clang 14's __builtin_cpu_supports has no "f16c".
bool CpuHasF16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & bit_F16C) != 0;
}
const bool kAvx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && CpuHasF16c();

__attribute__((target("avx2,fma,f16c"))) void AddHalfRowAvx2(const c10::Half* r, int width,
                                                             float scale, float* acc) {
  const __m256 s = _mm256_set1_ps(scale);
  int i = 0;
  for (; i + 8 <= width; i += 8) {
    const __m256 v = _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(r + i)));
    _mm256_storeu_ps(acc + i, _mm256_fmadd_ps(s, v, _mm256_loadu_ps(acc + i)));
  }
  for (; i < width; ++i) acc[i] += scale * static_cast<float>(r[i]);
}

// Adds `scale` x row `row` of a float16 table to `acc`.
void AddRow(const torch::Tensor& table, int64_t row, int width, float scale, float* acc) {
  const c10::Half* r = table.data_ptr<c10::Half>() + row * width;
  if (kAvx2) return AddHalfRowAvx2(r, width, scale, acc);
  for (int i = 0; i < width; ++i) acc[i] += scale * static_cast<float>(r[i]);
}

// y += W^T x for W stored [in][out]; the compiler vectorises the inner loop.
__attribute__((target("avx2,fma"))) void MatVecAvx2(const float* weight_t, int in, int out,
                                                    const float* x, float* y) {
  for (int i = 0; i < in; ++i) {
    const float xi = x[i];
    const float* w = weight_t + static_cast<size_t>(i) * out;
    for (int o = 0; o < out; ++o) y[o] += w[o] * xi;
  }
}

void MatVec(const float* weight_t, int in, int out, const float* x, float* y) {
  if (kAvx2) return MatVecAvx2(weight_t, in, out, x, y);
  for (int i = 0; i < in; ++i) {
    const float xi = x[i];
    const float* w = weight_t + static_cast<size_t>(i) * out;
    for (int o = 0; o < out; ++o) y[o] += w[o] * xi;
  }
}

void Softmax(float* x, int n) {
  const float top = *std::max_element(x, x + n);
  float sum = 0;
  for (int i = 0; i < n; ++i) sum += (x[i] = std::exp(x[i] - top));
  for (int i = 0; i < n; ++i) x[i] /= sum;
}

}  // namespace

void IntentEnsemble::Dense::Apply(const float* x, float* y) const {
  std::copy(bias.begin(), bias.end(), y);
  MatVec(weight_t.data(), in, out, x, y);
}

absl::StatusOr<IntentEnsemble> IntentEnsemble::FromModule(const torch::jit::Module& module) {
  IntentEnsemble e;
  ASSIGN_OR_RETURN(torch::jit::Module members, Child(module, "members"));
  for (const torch::jit::Module& m : members.children()) {
    // The number of labels: the bias of each member's output.
    int labels = 0;
    if (m.hasattr("embedding")) {
      ASSIGN_OR_RETURN(torch::jit::Module out, Child(m, "out"));
      ASSIGN_OR_RETURN(torch::Tensor bias, Tensor(out, "bias", torch::kFloat32, 1));
      labels = static_cast<int>(bias.size(0));
    } else if (m.hasattr("idf")) {
      ASSIGN_OR_RETURN(torch::Tensor bias, Tensor(m, "bias", torch::kFloat32, 1));
      labels = static_cast<int>(bias.size(0));
    } else {
      return absl::UnimplementedError("intent ensemble member of an unknown kind");
    }
    if (e.num_labels_ != 0 && labels != e.num_labels_) {
      return absl::InvalidArgumentError("intent ensemble members disagree on the labels");
    }
    e.num_labels_ = labels;
    if (m.hasattr("embedding")) {
      ASSIGN_OR_RETURN(Mlp mlp, ReadMlp(m, labels));
      e.order_.emplace_back(true, e.mlps_.size());
      e.mlps_.push_back(std::move(mlp));
    } else {
      ASSIGN_OR_RETURN(Linear linear, ReadLinear(m, labels));
      e.order_.emplace_back(false, e.linears_.size());
      e.linears_.push_back(std::move(linear));
    }
  }
  if (e.order_.empty()) return absl::InvalidArgumentError("intent ensemble without members");
  return e;
}

absl::StatusOr<IntentEnsemble::Mlp> IntentEnsemble::ReadMlp(const torch::jit::Module& m,
                                                            int num_labels) {
  Mlp p;
  ASSIGN_OR_RETURN(torch::jit::Module embedding, Child(m, "embedding"));
  ASSIGN_OR_RETURN(p.embedding, Tensor(embedding, "weight", torch::kFloat16, 2));
  p.vocab = p.embedding.size(0);
  p.dim = static_cast<int>(p.embedding.size(1));
  if (!m.hasattr("has_pretrained") || !m.attr("has_pretrained").isBool()) {
    return absl::InvalidArgumentError("intent member has no bool has_pretrained");
  }
  p.has_pretrained = m.attr("has_pretrained").toBool();
  for (auto [field, name] :
       std::initializer_list<std::pair<int64_t*, const char*>>{{&p.pword_lo, "pword_lo"},
                                                               {&p.word_lo, "word_lo"},
                                                               {&p.word_hi, "word_hi"},
                                                               {&p.bigram_lo, "bigram_lo"},
                                                               {&p.bigram_hi, "bigram_hi"},
                                                               {&p.char_lo, "char_lo"},
                                                               {&p.char_hi, "char_hi"},
                                                               {&p.unk_word, "unk_word"},
                                                               {&p.unk_bigram, "unk_bigram"},
                                                               {&p.unk_char, "unk_char"}}) {
    ASSIGN_OR_RETURN(*field, Int(m, name));
  }
  if (p.pword_lo != p.vocab) {
    return absl::InvalidArgumentError("intent member: pword_lo is not the embedding's size");
  }
  auto read_dense = [&](const std::string& name, int in, int out) -> absl::StatusOr<Dense> {
    ASSIGN_OR_RETURN(torch::jit::Module layer, Child(m, name));
    ASSIGN_OR_RETURN(torch::Tensor w, Tensor(layer, "weight", torch::kFloat32, 2));
    ASSIGN_OR_RETURN(torch::Tensor b, Tensor(layer, "bias", torch::kFloat32, 1));
    if (w.size(0) != out || w.size(1) != in || b.size(0) != out) {
      return absl::InvalidArgumentError(absl::StrCat("intent member layer ", name, " is ",
                                                     w.size(0), "x", w.size(1), ", expected ", out,
                                                     "x", in));
    }
    Dense d;
    d.in = in;
    d.out = out;
    d.weight_t = Floats(w.t());
    d.bias = Floats(b);
    return d;
  };
  const int kinds = p.has_pretrained ? 4 : 3;
  if (p.has_pretrained) {
    ASSIGN_OR_RETURN(torch::jit::Module pretrained, Child(m, "pretrained"));
    ASSIGN_OR_RETURN(p.pretrained, Tensor(pretrained, "weight", torch::kFloat16, 2));
    p.pwords = p.pretrained.size(0);
    p.pretrained_dim = static_cast<int>(p.pretrained.size(1));
    ASSIGN_OR_RETURN(p.project, read_dense("project", p.pretrained_dim, p.dim));
  }
  ASSIGN_OR_RETURN(torch::jit::Module norm, Child(m, "norm"));
  ASSIGN_OR_RETURN(torch::Tensor norm_w, Tensor(norm, "weight", torch::kFloat32, 1));
  ASSIGN_OR_RETURN(torch::Tensor norm_b, Tensor(norm, "bias", torch::kFloat32, 1));
  if (norm_w.size(0) != kinds * p.dim || norm_b.size(0) != kinds * p.dim) {
    return absl::InvalidArgumentError("intent member: LayerNorm width is not kinds x dim");
  }
  if (norm.hasattr("eps") && norm.attr("eps").isDouble()) {
    p.norm_eps = static_cast<float>(norm.attr("eps").toDouble());
  }
  p.norm_weight = Floats(norm_w);
  p.norm_bias = Floats(norm_b);
  ASSIGN_OR_RETURN(torch::jit::Module hidden, Child(m, "hidden"));
  ASSIGN_OR_RETURN(torch::Tensor hidden_w, Tensor(hidden, "weight", torch::kFloat32, 2));
  ASSIGN_OR_RETURN(p.hidden,
                   read_dense("hidden", kinds * p.dim, static_cast<int>(hidden_w.size(0))));
  ASSIGN_OR_RETURN(p.output, read_dense("out", p.hidden.out, num_labels));
  return p;
}

absl::StatusOr<IntentEnsemble::Linear> IntentEnsemble::ReadLinear(const torch::jit::Module& m,
                                                                  int num_labels) {
  Linear l;
  ASSIGN_OR_RETURN(torch::jit::Module weight, Child(m, "weight"));
  ASSIGN_OR_RETURN(l.weight, Tensor(weight, "weight", torch::kFloat16, 2));
  ASSIGN_OR_RETURN(l.idf, Tensor(m, "idf", torch::kFloat32, 1));
  ASSIGN_OR_RETURN(torch::Tensor bias, Tensor(m, "bias", torch::kFloat32, 1));
  ASSIGN_OR_RETURN(l.limit, Int(m, "limit"));
  ASSIGN_OR_RETURN(l.word_hi, Int(m, "word_hi"));
  ASSIGN_OR_RETURN(l.bigram_hi, Int(m, "bigram_hi"));
  if (l.weight.size(0) != l.limit || l.weight.size(1) != num_labels || l.idf.size(0) < l.limit) {
    return absl::InvalidArgumentError("intent linear member: table sizes do not fit its limit");
  }
  l.bias = Floats(bias);
  return l;
}

void IntentEnsemble::MlpLogits(const Mlp& m, absl::Span<const int64_t> ids, float* logits) const {
  const int dim = m.dim;
  const int kinds = m.has_pretrained ? 4 : 3;
  // Per-kind sums of embedding rows, then means (model.IntentModel.features); an id
  // outside every kind (padding) counts nowhere.
  std::vector<float> features(static_cast<size_t>(kinds) * dim, 0.0f);
  std::vector<float> pooled_pretrained(m.has_pretrained ? m.pretrained_dim : 0, 0.0f);
  int counts[3] = {0, 0, 0};
  int pretrained_count = 0;
  for (const int64_t id : ids) {
    if (id >= m.pword_lo) {
      const int64_t row = id - m.pword_lo;
      if (m.has_pretrained && row < m.pwords) {
        AddRow(m.pretrained, row, m.pretrained_dim, 1.0f, pooled_pretrained.data());
        ++pretrained_count;
      }
      continue;
    }
    if (id < 0) continue;
    int kind = -1;
    if ((id >= m.word_lo && id < m.word_hi) || id == m.unk_word) {
      kind = 0;
    } else if ((id >= m.bigram_lo && id < m.bigram_hi) || id == m.unk_bigram) {
      kind = 1;
    } else if ((id >= m.char_lo && id < m.char_hi) || id == m.unk_char) {
      kind = 2;
    }
    if (kind < 0) continue;
    AddRow(m.embedding, id, dim, 1.0f, features.data() + kind * dim);
    ++counts[kind];
  }
  for (int k = 0; k < 3; ++k) {
    const float n = static_cast<float>(std::max(counts[k], 1));
    for (int i = 0; i < dim; ++i) features[k * dim + i] /= n;
  }
  if (m.has_pretrained) {
    const float n = static_cast<float>(std::max(pretrained_count, 1));
    for (float& x : pooled_pretrained) x /= n;
    m.project.Apply(pooled_pretrained.data(), features.data() + 3 * dim);
  }
  // LayerNorm (biased variance, as torch), then the head; dropout is off at inference.
  const int width = kinds * dim;
  float mean = 0;
  for (int i = 0; i < width; ++i) mean += features[i];
  mean /= static_cast<float>(width);
  float var = 0;
  for (int i = 0; i < width; ++i) var += (features[i] - mean) * (features[i] - mean);
  var /= static_cast<float>(width);
  const float inv = 1.0f / std::sqrt(var + m.norm_eps);
  for (int i = 0; i < width; ++i) {
    features[i] = (features[i] - mean) * inv * m.norm_weight[i] + m.norm_bias[i];
  }
  std::vector<float> h(m.hidden.out);
  m.hidden.Apply(features.data(), h.data());
  for (float& x : h) x = 0.5f * x * (1.0f + std::erf(x * static_cast<float>(M_SQRT1_2)));
  m.output.Apply(h.data(), logits);
}

void IntentEnsemble::LinearLogits(const Linear& m, absl::Span<const int64_t> ids,
                                  float* logits) const {
  // model.LinearMember: w = idf[id] per occurrence, L2-normalised within its kind, over
  // sqrt(3); the logits are the weighted sum of the ids' rows plus the bias.
  const float* idf = m.idf.data_ptr<float>();
  std::vector<int64_t> clipped(ids.size());
  std::vector<float> w(ids.size());
  std::vector<int> kind(ids.size());
  float sq[3] = {0, 0, 0};
  for (size_t j = 0; j < ids.size(); ++j) {
    clipped[j] = ids[j] >= m.limit || ids[j] < 0 ? 0 : ids[j];
    w[j] = idf[clipped[j]];
    kind[j] = clipped[j] < m.word_hi ? 0 : clipped[j] < m.bigram_hi ? 1 : 2;
    sq[kind[j]] += w[j] * w[j];
  }
  float norm[3];
  for (int k = 0; k < 3; ++k) norm[k] = std::max(std::sqrt(sq[k]), 1e-6f);
  const float scale = 1.0f / std::sqrt(3.0f);
  const int n = num_labels_;
  std::copy(m.bias.begin(), m.bias.end(), logits);
  std::vector<float> acc(n, 0.0f);
  for (size_t j = 0; j < ids.size(); ++j) {
    const float x = w[j] / norm[kind[j]] * scale;
    if (x == 0.0f) continue;
    AddRow(m.weight, clipped[j], n, x, acc.data());
  }
  for (int c = 0; c < n; ++c) logits[c] += acc[c];
}

void IntentEnsemble::Probabilities(absl::Span<const int64_t> ids, float* out) const {
  const int n = num_labels_;
  std::fill(out, out + n, 0.0f);
  std::vector<float> logits(n);
  for (const auto& [is_mlp, index] : order_) {
    if (is_mlp) {
      MlpLogits(mlps_[index], ids, logits.data());
    } else {
      LinearLogits(linears_[index], ids, logits.data());
    }
    Softmax(logits.data(), n);
    for (int c = 0; c < n; ++c) out[c] += logits[c];
  }
  const float members = static_cast<float>(order_.size());
  for (int c = 0; c < n; ++c) out[c] /= members;
}

}  // namespace shop::supportbot
