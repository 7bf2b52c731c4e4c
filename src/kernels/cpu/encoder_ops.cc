#include "kernels/cpu/encoder_ops.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "kernels/cpu/cpu_features.h"
#include "kernels/cpu/ops.h"

// The element-wise loops below are written so GCC vectorizes them; an AVX2 clone is picked at load
// time where the CPU has it (the build targets baseline x86-64). Floating-point contraction stays
// off (see CMakeLists.txt), so both clones compute the same values.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define TESSERA_VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define TESSERA_VECTOR_CLONES
#endif

namespace tessera::kernels {
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

// One lane's scratch for attend_head, carved from the caller's floats (op_scratch.h's contract:
// head_dim · padded + kQueries · padded + 2 · kQueries · head_dim).
struct AttentionScratch {
  float* kt;      // [head_dim][padded] keys, transposed, zero beyond len
  float* qs;      // [kQueries][head_dim] scaled queries
  float* scores;  // [kQueries][padded]
  float* out;     // [kQueries][head_dim]
};

AttentionScratch carve(float* base, int64_t padded, int64_t head_dim) {
  AttentionScratch s;
  s.kt = base;
  s.qs = s.kt + head_dim * padded;
  s.scores = s.qs + kQueries * head_dim;
  s.out = s.scores + kQueries * padded;
  return s;
}

// One (sequence, head): q, k, v, out point at the head's first element of the sequence's first
// token; rows are `stride` floats apart. head_dim must be a multiple of kLanes.
void attend_head(const float* q, const float* k, const float* v, float* out, int64_t len,
                 int64_t stride, int64_t head_dim, float* lane_scratch) {
  const int64_t padded = (len + kLanes - 1) / kLanes * kLanes;
  const AttentionScratch scratch = carve(lane_scratch, padded, head_dim);
  std::fill(scratch.kt, scratch.kt + head_dim * padded, 0.0f);
  float* kt = scratch.kt;
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
    block_scores(scratch.qs, kt, padded, head_dim, scratch.scores);
    float sums[kQueries];
    for (int qi = 0; qi < kQueries; ++qi) {
      float* s = scratch.scores + qi * padded;
      exp_shifted(s, len, max_of(s, len), sums[qi]);
    }
    block_values(scratch.scores, padded, v, len, stride, head_dim, scratch.out);
    for (int64_t qi = 0; qi < n_q; ++qi) {  // the softmax's normalization, applied once per output
      const float inv = 1.0f / sums[qi];
      const float* o = scratch.out + qi * head_dim;
      float* dst = out + (i0 + qi) * stride;
      for (int64_t d = 0; d < head_dim; ++d) dst[d] = o[d] * inv;
    }
  }
}

// The plain version for head sizes that are not a multiple of kLanes: one query at a time.
void attend_head_plain(const float* q, const float* k, const float* v, float* out, int64_t len,
                       int64_t stride, int64_t head_dim, float* lane_scratch) {
  float* s = lane_scratch;
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
  if (y != nullptr && b != nullptr) {
    for (int64_t i = 0; i < n; ++i) x[i] += y[i] + b[i];
  } else if (y != nullptr) {
    for (int64_t i = 0; i < n; ++i) x[i] += y[i];
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

// The reference head: one query at a time, std::exp softmax, the plain f32 dot.
void attend_head_reference(const float* q, const float* k, const float* v, float* out, int64_t len,
                           int64_t stride, int64_t head_dim, float* s) {
  const float scale = 1.0f / std::sqrt(static_cast<float>(head_dim));
  for (int64_t i = 0; i < len; ++i) {
    for (int64_t j = 0; j < len; ++j)
      s[j] = dot_f32(q + i * stride, k + j * stride, head_dim) * scale;
    softmax(s, len);
    float* o = out + i * stride;
    for (int64_t d = 0; d < head_dim; ++d) o[d] = 0.0f;
    for (int64_t j = 0; j < len; ++j) {
      for (int64_t d = 0; d < head_dim; ++d) o[d] += s[j] * v[j * stride + d];
    }
  }
}

bool reference_selected() { return selected_isa() == KernelIsa::kReference; }

}  // namespace

void bias_gelu_row_fast(float* x, const float* b, int64_t n) { bias_gelu_row(x, b, n); }

void bias_gelu_row_reference(float* x, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] += b[i];
  gelu_erf(x, n);
}

void bias_gelu_rows(float* x, const float* b, int64_t rows, int64_t n, ThreadPool& pool) {
  const auto row_fn = reference_selected() ? bias_gelu_row_reference : bias_gelu_row_fast;
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) row_fn(x + r * n, b, n);
  });
}

void layer_norm_row_fast(float* x, const float* y, const float* b, const float* w,
                         const float* beta, int64_t n, float eps) {
  layer_norm_row(x, y, b, w, beta, n, eps);
}

void layer_norm_row_reference(float* x, const float* y, const float* b, const float* w,
                              const float* beta, int64_t n, float eps) {
  if (y != nullptr && b != nullptr) {
    for (int64_t i = 0; i < n; ++i) x[i] += y[i] + b[i];
  } else if (y != nullptr) {
    for (int64_t i = 0; i < n; ++i) x[i] += y[i];
  }
  layer_norm(x, w, beta, x, n, eps);
}

void layer_norm_rows(float* x, const float* y, const float* b, const float* w, const float* beta,
                     int64_t rows, int64_t n, float eps, ThreadPool& pool) {
  const auto row_fn = reference_selected() ? layer_norm_row_reference : layer_norm_row_fast;
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      row_fn(x + r * n, y ? y + r * n : nullptr, b, w, beta, n, eps);
  });
}

void add_bias_rows(float* x, const float* b, int64_t rows, int64_t n, ThreadPool& pool) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) add_bias(x + r * n, b, n);
  });
}

int64_t packed_attention_lane_floats(int64_t max_len, int64_t head_dim) {
  const int64_t padded = (max_len + kLanes - 1) / kLanes * kLanes;
  return head_dim * padded + kQueries * padded + 2 * kQueries * head_dim;
}

void packed_attention(const float* q, const float* k, const float* v, float* out,
                      const int64_t* offsets, int64_t n_seqs, int64_t n_heads, int64_t head_dim,
                      float* scratch, ThreadPool& pool) {
  packed_attention_with(reference_selected(), q, k, v, out, offsets, n_seqs, n_heads, head_dim,
                        scratch, pool);
}

void packed_attention_with(bool reference, const float* q, const float* k, const float* v,
                           float* out, const int64_t* offsets, int64_t n_seqs, int64_t n_heads,
                           int64_t head_dim, float* scratch, ThreadPool& pool) {
  const int64_t stride = n_heads * head_dim;
  int64_t longest = 0;
  for (int64_t s = 0; s < n_seqs; ++s) longest = std::max(longest, offsets[s + 1] - offsets[s]);
  const int64_t lane_floats = packed_attention_lane_floats(longest, head_dim);
  // Work costs len² per job, and long sequences may cluster; dealing jobs out round-robin keeps
  // the threads balanced where contiguous ranges would not.
  const int64_t n_jobs = n_seqs * n_heads;
  const int64_t n_workers = std::min<int64_t>(pool.size(), n_jobs);
  const bool blocked = head_dim % kLanes == 0;
  pool.parallel_for(n_workers, [&](int64_t begin, int64_t end) {
    for (int64_t worker = begin; worker < end; ++worker) {
      float* lane = scratch + worker * lane_floats;
      for (int64_t job = worker; job < n_jobs; job += n_workers) {
        const int64_t s = job / n_heads, h = job % n_heads;
        const int64_t first = offsets[s];
        const int64_t len = offsets[s + 1] - first;
        const int64_t at = first * stride + h * head_dim;
        if (reference) {
          attend_head_reference(q + at, k + at, v + at, out + at, len, stride, head_dim, lane);
        } else if (blocked) {
          attend_head(q + at, k + at, v + at, out + at, len, stride, head_dim, lane);
        } else {
          attend_head_plain(q + at, k + at, v + at, out + at, len, stride, head_dim, lane);
        }
      }
    }
  });
}

}  // namespace tessera::kernels
