// The encoder's (BERT) element-wise, normalization and attention kernels. Two variants each: the
// fast one (loops GCC vectorizes, an AVX2 clone picked at load time, a polynomial exp and erf)
// and the reference one (plain loops over std::exp / std::erf and the f64 layer norm of ops.h).
// The `_rows` entry points follow selected_isa(): TESSERA_KERNELS=reference runs the reference
// variants, every other choice the fast ones.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace tessera::kernels {

// x = gelu(x + b) per row of n; the fast erf has absolute error below 1e-6.
void bias_gelu_rows(float* x, const float* b, int64_t rows, int64_t n, ThreadPool& pool);
void bias_gelu_row_fast(float* x, const float* b, int64_t n);
void bias_gelu_row_reference(float* x, const float* b, int64_t n);

// x = layer_norm(x + y + b) · w + beta per row of n; y and b null: layer_norm(x); b null alone:
// layer_norm(x + y).
void layer_norm_rows(float* x, const float* y, const float* b, const float* w, const float* beta,
                     int64_t rows, int64_t n, float eps, ThreadPool& pool);
void layer_norm_row_fast(float* x, const float* y, const float* b, const float* w,
                         const float* beta, int64_t n, float eps);
void layer_norm_row_reference(float* x, const float* y, const float* b, const float* w,
                              const float* beta, int64_t n, float eps);

// x[r] += b per row of n (the same sums in every variant).
void add_bias_rows(float* x, const float* b, int64_t rows, int64_t n, ThreadPool& pool);

// Floats of scratch one lane of packed_attention needs for sequences up to max_len tokens.
int64_t packed_attention_lane_floats(int64_t max_len, int64_t head_dim);

// Bidirectional attention within each sequence: q, k, v and out are [tokens][n_heads·head_dim];
// sequence s owns rows offsets[s] .. offsets[s+1]. `scratch` holds pool.size() lanes of
// packed_attention_lane_floats(longest, head_dim).
void packed_attention(const float* q, const float* k, const float* v, float* out,
                      const int64_t* offsets, int64_t n_seqs, int64_t n_heads, int64_t head_dim,
                      float* scratch, ThreadPool& pool);
// The same with a chosen variant (tests compare them).
void packed_attention_with(bool reference, const float* q, const float* k, const float* v,
                           float* out, const int64_t* offsets, int64_t n_seqs, int64_t n_heads,
                           int64_t head_dim, float* scratch, ThreadPool& pool);

}  // namespace tessera::kernels
