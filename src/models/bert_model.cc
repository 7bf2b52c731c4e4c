#include "models/bert_model.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "kernels/cpu/matmul.h"

// The element-wise loops below are written so GCC vectorizes them; an AVX2 clone is picked at load
// time where the CPU has it (the build targets baseline x86-64). Floating-point contraction stays
// off (see CMakeLists.txt), so both clones compute the same values.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TESSERA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TESSERA_VECTOR_CLONES
#endif

namespace tessera {
namespace bert_kernels {
namespace {

constexpr int kLanes = 8;  // partial sums per reduction: one AVX2 register of floats

// exp(x) for the softmax's x = score - max <= 0: Cody-Waite reduction x = n·ln2 + r, a degree-6
// Taylor polynomial for e^r on |r| <= ln2/2 (relative error < 2e-7) and 2^n built from its bits.
// Arguments below -87 are clamped there (e^-87 ~ 1.6e-38, negligible beside the maximum's 1).
TESSERA_VECTOR_CLONES
void exp_shifted(float* s, int64_t n, float max, float& sum) {
  constexpr uint32_t kMinus87Bits = 0xC2AE0000u;  // -87.0f; negative floats order by their bits
  constexpr float kLog2e = 1.44269504088896341f;
  constexpr float kLn2Hi = 0.693359375f, kLn2Lo = -2.12194440e-4f;
  constexpr float kRound = 12582912.0f;  // 1.5·2^23: adding it rounds to an integer
  for (int64_t i = 0; i < n; ++i) {
    const float x =
        std::bit_cast<float>(std::min(std::bit_cast<uint32_t>(s[i] - max), kMinus87Bits));
    const float k = (x * kLog2e + kRound) - kRound;
    const float r = (x - k * kLn2Hi) - k * kLn2Lo;
    float p = 1.0f / 720.0f;
    p = p * r + 1.0f / 120.0f;
    p = p * r + 1.0f / 24.0f;
    p = p * r + 1.0f / 6.0f;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    const int32_t bits = (static_cast<int32_t>(k) + 127) << 23;
    s[i] = p * std::bit_cast<float>(bits);
  }
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += s[i + l];
  }
  float tail = 0.0f;
  for (; i < n; ++i) tail += s[i];
  sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail;
}

// Attention works on blocks of kQueries queries against kLanes keys (or value dimensions) at a
// time, so each loaded key or value vector serves several queries from registers.
constexpr int kQueries = 4;

// Eight floats in one value: a GCC/Clang vector extension, one register in the AVX2 clone, two in
// the baseline one. Loaded and stored through memcpy (unaligned, no aliasing questions); never
// passed to or returned from functions, whose ABI for it differs between the clones.
typedef float Float8 __attribute__((vector_size(kLanes * sizeof(float))));

// s[qi][j] = q_qi · k_j for the kQueries queries in qs [kQueries][head_dim] (already scaled) and
// the keys stored transposed, kt [head_dim][padded] with padded a multiple of kLanes.
TESSERA_VECTOR_CLONES
void block_scores(const float* qs, const float* kt, int64_t padded, int64_t head_dim, float* s) {
  for (int64_t jb = 0; jb < padded; jb += kLanes) {
    Float8 acc[kQueries] = {};
    for (int64_t d = 0; d < head_dim; ++d) {
      Float8 kd;
      std::memcpy(&kd, kt + d * padded + jb, sizeof kd);
      for (int qi = 0; qi < kQueries; ++qi) acc[qi] += qs[qi * head_dim + d] * kd;
    }
    for (int qi = 0; qi < kQueries; ++qi) {
      std::memcpy(s + qi * padded + jb, &acc[qi], sizeof acc[qi]);
    }
  }
}

// out[qi][d] = Σ_j w[qi][j] · v_j[d] for d < head_dim (a multiple of kLanes); w rows are `padded`
// apart, v rows `stride` apart, out rows head_dim apart.
TESSERA_VECTOR_CLONES
void block_values(const float* w, int64_t padded, const float* v, int64_t len, int64_t stride,
                  int64_t head_dim, float* out) {
  for (int64_t db = 0; db < head_dim; db += kLanes) {
    Float8 acc[kQueries] = {};
    for (int64_t j = 0; j < len; ++j) {
      Float8 vj;
      std::memcpy(&vj, v + j * stride + db, sizeof vj);
      for (int qi = 0; qi < kQueries; ++qi) acc[qi] += w[qi * padded + j] * vj;
    }
    for (int qi = 0; qi < kQueries; ++qi) {
      std::memcpy(out + qi * head_dim + db, &acc[qi], sizeof acc[qi]);
    }
  }
}

// Largest of n >= 1 floats, in kLanes running maxima.
TESSERA_VECTOR_CLONES
float max_of(const float* x, int64_t n) {
  float m[kLanes];
  for (int l = 0; l < kLanes; ++l) m[l] = x[0];
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) m[l] = x[i + l] > m[l] ? x[i + l] : m[l];
  }
  for (; i < n; ++i) m[0] = x[i] > m[0] ? x[i] : m[0];
  float best = m[0];
  for (int l = 1; l < kLanes; ++l) best = m[l] > best ? m[l] : best;
  return best;
}

// Scratch of one thread for attend_head, grown as needed.
struct AttentionScratch {
  std::vector<float> kt;      // [head_dim][padded] keys, transposed, zero beyond len
  std::vector<float> qs;      // [kQueries][head_dim] scaled queries
  std::vector<float> scores;  // [kQueries][padded]
  std::vector<float> out;     // [kQueries][head_dim]
};

// One (sequence, head): q, k, v, out point at the head's first element of the sequence's first
// token; rows are `stride` floats apart. head_dim must be a multiple of kLanes.
void attend_head(const float* q, const float* k, const float* v, float* out, int64_t len,
                 int64_t stride, int64_t head_dim, AttentionScratch& scratch) {
  const int64_t padded = (len + kLanes - 1) / kLanes * kLanes;
  scratch.kt.assign(static_cast<size_t>(head_dim * padded), 0.0f);
  scratch.qs.resize(static_cast<size_t>(kQueries * head_dim));
  scratch.scores.resize(static_cast<size_t>(kQueries * padded));
  scratch.out.resize(static_cast<size_t>(kQueries * head_dim));
  float* kt = scratch.kt.data();
  for (int64_t j = 0; j < len; ++j) {
    for (int64_t d = 0; d < head_dim; ++d) kt[d * padded + j] = k[j * stride + d];
  }
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int64_t i0 = 0; i0 < len; i0 += kQueries) {
    const int64_t n_q = std::min<int64_t>(kQueries, len - i0);
    for (int qi = 0; qi < kQueries; ++qi) {  // a short last block repeats its last query
      const float* qrow = q + (i0 + std::min<int64_t>(qi, n_q - 1)) * stride;
      for (int64_t d = 0; d < head_dim; ++d) scratch.qs[qi * head_dim + d] = qrow[d] * scale;
    }
    block_scores(scratch.qs.data(), kt, padded, head_dim, scratch.scores.data());
    float sums[kQueries];
    for (int qi = 0; qi < kQueries; ++qi) {
      float* s = scratch.scores.data() + qi * padded;
      exp_shifted(s, len, max_of(s, len), sums[qi]);
    }
    block_values(scratch.scores.data(), padded, v, len, stride, head_dim, scratch.out.data());
    for (int64_t qi = 0; qi < n_q; ++qi) {  // the softmax's normalization, applied once per output
      const float inv = 1.0f / sums[qi];
      const float* o = scratch.out.data() + qi * head_dim;
      float* dst = out + (i0 + qi) * stride;
      for (int64_t d = 0; d < head_dim; ++d) dst[d] = o[d] * inv;
    }
  }
}

// The plain version for head sizes that are not a multiple of kLanes: one query at a time.
void attend_head_plain(const float* q, const float* k, const float* v, float* out, int64_t len,
                       int64_t stride, int64_t head_dim, AttentionScratch& scratch) {
  scratch.scores.resize(static_cast<size_t>(len));
  float* s = scratch.scores.data();
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int64_t i = 0; i < len; ++i) {
    for (int64_t j = 0; j < len; ++j) {
      float dot = 0.0f;
      for (int64_t d = 0; d < head_dim; ++d) dot += q[i * stride + d] * k[j * stride + d];
      s[j] = dot * scale;
    }
    float sum = 0.0f;
    exp_shifted(s, len, max_of(s, len), sum);
    float* o = out + i * stride;
    for (int64_t d = 0; d < head_dim; ++d) o[d] = 0.0f;
    for (int64_t j = 0; j < len; ++j) {
      const float w = s[j] / sum;
      for (int64_t d = 0; d < head_dim; ++d) o[d] += w * v[j * stride + d];
    }
  }
}

// erf for x >= 0 by Abramowitz & Stegun 7.1.28 (|error| <= 3e-7): 1 - 1/(1 + a1 x + ... + a6
// x^6)^16.
TESSERA_VECTOR_CLONES
void bias_gelu_row(float* x, const float* b, int64_t n) {
  constexpr float kInvSqrt2 = 0.70710678118654752f;
  constexpr float a1 = 0.0705230784f, a2 = 0.0422820123f, a3 = 0.0092705272f;
  constexpr float a4 = 0.0001520143f, a5 = 0.0002765672f, a6 = 0.0000430638f;
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] + b[i];
    const float z = std::fabs(v) * kInvSqrt2;
    float p = 1.0f + z * (a1 + z * (a2 + z * (a3 + z * (a4 + z * (a5 + z * a6)))));
    p *= p;
    p *= p;
    p *= p;
    p *= p;
    const float erf = 1.0f - 1.0f / p;  // p overflowing to inf gives erf = 1, as it should
    x[i] = 0.5f * v * (1.0f + std::copysign(erf, v));
  }
}

// x = (x + y + b - mean) / sqrt(var + eps) · w + beta; y and b may be null.
TESSERA_VECTOR_CLONES
void layer_norm_row(float* x, const float* y, const float* b, const float* w, const float* beta,
                    int64_t n, float eps) {
  if (y != nullptr) {
    for (int64_t i = 0; i < n; ++i) x[i] += y[i] + b[i];
  }
  float acc[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) acc[l] += x[i + l];
  }
  float tail = 0.0f;
  for (; i < n; ++i) tail += x[i];
  const float mean =
      (((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7])) + tail) /
      static_cast<float>(n);
  float sq[kLanes] = {};
  for (i = 0; i + kLanes <= n; i += kLanes) {
    for (int l = 0; l < kLanes; ++l) {
      const float d = x[i + l] - mean;
      sq[l] += d * d;
    }
  }
  tail = 0.0f;
  for (; i < n; ++i) tail += (x[i] - mean) * (x[i] - mean);
  const float var =
      (((sq[0] + sq[1]) + (sq[2] + sq[3])) + ((sq[4] + sq[5]) + (sq[6] + sq[7])) + tail) /
      static_cast<float>(n);
  const float inv = 1.0f / std::sqrt(var + eps);
  for (i = 0; i < n; ++i) x[i] = (x[i] - mean) * inv * w[i] + beta[i];
}

TESSERA_VECTOR_CLONES
void add_bias(float* x, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += b[i];
}

}  // namespace

void bias_gelu(float* x, const float* b, int64_t rows, int64_t n, ThreadPool& pool) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) bias_gelu_row(x + r * n, b, n);
  });
}

void residual_layer_norm(float* x, const float* y, const float* b, const float* w,
                         const float* beta, int64_t rows, int64_t n, float eps, ThreadPool& pool) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      layer_norm_row(x + r * n, y ? y + r * n : nullptr, b, w, beta, n, eps);
    }
  });
}

void packed_attention(const float* q, const float* k, const float* v, float* out,
                      std::span<const int64_t> offsets, int64_t n_heads, int64_t head_dim,
                      ThreadPool& pool) {
  const auto n_seqs = static_cast<int64_t>(offsets.size()) - 1;
  const int64_t stride = n_heads * head_dim;
  // Work costs len² per job, and long sequences may cluster; dealing jobs out round-robin keeps
  // the threads balanced where contiguous ranges would not.
  const int64_t n_jobs = n_seqs * n_heads;
  const int64_t n_workers = std::min<int64_t>(pool.size(), n_jobs);
  const bool blocked = head_dim % kLanes == 0;
  pool.parallel_for(n_workers, [&](int64_t begin, int64_t end) {
    AttentionScratch scratch;
    for (int64_t worker = begin; worker < end; ++worker) {
      for (int64_t job = worker; job < n_jobs; job += n_workers) {
        const int64_t s = job / n_heads, h = job % n_heads;
        const int64_t first = offsets[static_cast<size_t>(s)];
        const int64_t len = offsets[static_cast<size_t>(s) + 1] - first;
        const int64_t at = first * stride + h * head_dim;
        if (blocked) {
          attend_head(q + at, k + at, v + at, out + at, len, stride, head_dim, scratch);
        } else {
          attend_head_plain(q + at, k + at, v + at, out + at, len, stride, head_dim, scratch);
        }
      }
    }
  });
}

}  // namespace bert_kernels

namespace {

void add_bias_rows(float* x, const std::vector<float>& b, int64_t rows, ThreadPool& pool) {
  const auto n = static_cast<int64_t>(b.size());
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) bert_kernels::add_bias(x + r * n, b.data(), n);
  });
}

}  // namespace

Result<std::unique_ptr<BertModel>> BertModel::load(const std::string& path) {
  TESSERA_ASSIGN_OR_RETURN(gguf::File file, gguf::File::open(path));
  TESSERA_ASSIGN_OR_RETURN(BertConfig config, load_bert_config(file));
  TESSERA_ASSIGN_OR_RETURN(BertWeights weights, load_bert_weights(file, config));
  file.prefault_tensor_data();  // every weight is read by the first forward pass anyway
  return std::unique_ptr<BertModel>(
      new BertModel(std::move(file), std::move(config), std::move(weights)));
}

Status BertModel::check_batch(std::span<const EncoderSequence> batch, Pooling pooling) const {
  const BertConfig& c = config_;
  if (batch.empty()) return invalid_argument("encode: the batch has no sequences");
  if (pooling == Pooling::kRank && !c.rerank_head) {
    return invalid_argument(file_.name() +
                            " has no reranker head (cls.output): it cannot score pairs");
  }
  const int64_t n_types = std::max<int64_t>(c.token_types, 1);
  for (size_t s = 0; s < batch.size(); ++s) {
    const EncoderSequence& seq = batch[s];
    const std::string which = "sequence " + std::to_string(s);
    if (seq.tokens.empty()) return invalid_argument(which + " is empty");
    if (static_cast<int64_t>(seq.tokens.size()) > c.context) {
      return invalid_argument(which + " has " + std::to_string(seq.tokens.size()) +
                              " tokens, more than the model's context of " +
                              std::to_string(c.context));
    }
    if (!seq.token_types.empty() && seq.token_types.size() != seq.tokens.size()) {
      return invalid_argument(which + " has " + std::to_string(seq.token_types.size()) +
                              " token types for " + std::to_string(seq.tokens.size()) + " tokens");
    }
    for (size_t t = 0; t < seq.tokens.size(); ++t) {
      if (seq.tokens[t] < 0 || seq.tokens[t] >= c.vocab) {
        return invalid_argument(which + ": token id " + std::to_string(seq.tokens[t]) +
                                " at position " + std::to_string(t) +
                                " is outside the vocabulary (0.." + std::to_string(c.vocab - 1) +
                                ")");
      }
      if (!seq.token_types.empty() && (seq.token_types[t] < 0 || seq.token_types[t] >= n_types)) {
        return invalid_argument(which + ": token type " + std::to_string(seq.token_types[t]) +
                                " at position " + std::to_string(t) + " is not below the " +
                                std::to_string(n_types) + " types of " + file_.name());
      }
    }
  }
  return {};
}

// x = LayerNorm(token_embd[id] + token_types[type] + positions[pos]) for every packed token.
void BertModel::embed(std::span<const EncoderSequence> batch, std::span<const int64_t> offsets,
                      float* x, ThreadPool& pool) const {
  const int64_t dim = config_.dim;
  const BertWeights& w = weights_;
  pool.parallel_for(static_cast<int64_t>(batch.size()), [&](int64_t begin, int64_t end) {
    for (int64_t s = begin; s < end; ++s) {
      const EncoderSequence& seq = batch[static_cast<size_t>(s)];
      float* xs = x + offsets[static_cast<size_t>(s)] * dim;
      const auto len = static_cast<int64_t>(seq.tokens.size());
      kernels::get_rows(w.token_embd, seq.tokens.data(), len, xs);
      for (int64_t p = 0; p < len; ++p) {
        float* row = xs + p * dim;
        bert_kernels::add_bias(row, w.positions.data() + p * dim, dim);
        if (!w.token_types.empty()) {
          const int32_t type =
              seq.token_types.empty() ? 0 : seq.token_types[static_cast<size_t>(p)];
          bert_kernels::add_bias(row, w.token_types.data() + type * dim, dim);
        }
        bert_kernels::layer_norm_row(row, nullptr, nullptr, w.embd_norm_w.data(),
                                     w.embd_norm_b.data(), dim, config_.norm_eps);
      }
    }
  });
}

void BertModel::pool_rows(std::span<const int64_t> offsets, const float* x, Pooling pooling,
                          EncoderOutput& out, ThreadPool& pool) const {
  const int64_t dim = config_.dim;
  const auto n_seqs = static_cast<int64_t>(offsets.size()) - 1;
  out.pooling = pooling;
  out.width = dim;
  if (pooling == Pooling::kNone) {
    out.rows.assign(x, x + offsets.back() * dim);
    out.row_begin.assign(offsets.begin(), offsets.end() - 1);
    return;
  }
  out.rows.assign(static_cast<size_t>(n_seqs * dim), 0.0f);
  out.row_begin.resize(static_cast<size_t>(n_seqs));
  for (int64_t s = 0; s < n_seqs; ++s) out.row_begin[static_cast<size_t>(s)] = s;
  for (int64_t s = 0; s < n_seqs; ++s) {
    const int64_t first = offsets[static_cast<size_t>(s)];
    const int64_t last = offsets[static_cast<size_t>(s) + 1] - 1;
    float* row = out.rows.data() + s * dim;
    if (pooling == Pooling::kMean) {
      std::vector<double> sum(static_cast<size_t>(dim), 0.0);
      for (int64_t t = first; t <= last; ++t) {
        for (int64_t i = 0; i < dim; ++i) sum[static_cast<size_t>(i)] += x[t * dim + i];
      }
      const double n = static_cast<double>(last - first + 1);
      for (int64_t i = 0; i < dim; ++i)
        row[i] = static_cast<float>(sum[static_cast<size_t>(i)] / n);
    } else {
      const int64_t t = pooling == Pooling::kLast ? last : first;  // kCls and kRank read [CLS]
      std::memcpy(row, x + t * dim, sizeof(float) * static_cast<size_t>(dim));
    }
  }
  if (pooling != Pooling::kRank) return;
  // Reranker head over the [CLS] states.
  const BertWeights& w = weights_;
  std::vector<float> hidden = std::move(out.rows);
  if (w.has_cls) {
    std::vector<float> projected(hidden.size());
    kernels::matmul(w.cls, hidden.data(), n_seqs, projected.data(), pool);
    for (int64_t s = 0; s < n_seqs; ++s) {
      float* row = projected.data() + s * dim;
      for (int64_t i = 0; i < dim; ++i)
        row[i] = std::tanh(row[i] + w.cls_b[static_cast<size_t>(i)]);
    }
    hidden = std::move(projected);
  }
  const int64_t n_out = config_.rerank_outputs;
  out.width = n_out;
  out.rows.assign(static_cast<size_t>(n_seqs * n_out), 0.0f);
  kernels::matmul(w.cls_out, hidden.data(), n_seqs, out.rows.data(), pool);
  add_bias_rows(out.rows.data(), w.cls_out_b, n_seqs, pool);
}

Result<EncoderOutput> BertModel::encode(std::span<const EncoderSequence> batch, Pooling pooling,
                                        ThreadPool& pool) const {
  TESSERA_RETURN_IF_ERROR(check_batch(batch, pooling));
  const BertConfig& c = config_;
  std::vector<int64_t> offsets(batch.size() + 1, 0);
  for (size_t s = 0; s < batch.size(); ++s) {
    offsets[s + 1] = offsets[s] + static_cast<int64_t>(batch[s].tokens.size());
  }
  const int64_t n = offsets.back(), dim = c.dim;
  const auto size = static_cast<size_t>(n * dim);
  std::vector<float> x(size), q(size), k(size), v(size), att(size);
  std::vector<float> hidden(static_cast<size_t>(n * c.ffn));
  embed(batch, offsets, x.data(), pool);

  for (const BertLayerWeights& L : weights_.layers) {
    kernels::matmul(L.wq, x.data(), n, q.data(), pool);
    kernels::matmul(L.wk, x.data(), n, k.data(), pool);
    kernels::matmul(L.wv, x.data(), n, v.data(), pool);
    add_bias_rows(q.data(), L.bq, n, pool);
    add_bias_rows(k.data(), L.bk, n, pool);
    add_bias_rows(v.data(), L.bv, n, pool);
    bert_kernels::packed_attention(q.data(), k.data(), v.data(), att.data(), offsets, c.n_heads,
                                   c.head_dim, pool);
    kernels::matmul(L.wo, att.data(), n, q.data(), pool);  // q is free again: attention output
    bert_kernels::residual_layer_norm(x.data(), q.data(), L.bo.data(), L.attn_norm_w.data(),
                                      L.attn_norm_b.data(), n, dim, c.norm_eps, pool);
    kernels::matmul(L.w_up, x.data(), n, hidden.data(), pool);
    bert_kernels::bias_gelu(hidden.data(), L.b_up.data(), n, c.ffn, pool);
    kernels::matmul(L.w_down, hidden.data(), n, q.data(), pool);
    bert_kernels::residual_layer_norm(x.data(), q.data(), L.b_down.data(), L.out_norm_w.data(),
                                      L.out_norm_b.data(), n, dim, c.norm_eps, pool);
  }
  EncoderOutput out;
  pool_rows(offsets, x.data(), pooling, out, pool);
  return out;
}

}  // namespace tessera
