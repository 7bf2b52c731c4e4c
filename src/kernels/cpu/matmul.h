// Matrix products against weights kept in their on-disk encoding (no copy into F32).
// A weight matrix is stored as GGUF lays out a Linear [out, in]: `out` rows of `in` elements each.
//
// Two paths compute the same product:
//   fast       activations quantized to int16 blocks for the quantized weight types (see
//              quantize_activations.h), f32 activations for F32/F16/BF16; SIMD kernels chosen at
//              run time from the CPU's features (cpu_features.h, kernel_table.h);
//   reference  each weight row decoded to f32 and dotted in f32: the yardstick the fast path is
//              tested against (and what TESSERA_KERNELS=reference runs).
#pragma once

#include <cstdint>

#include "base/thread_pool.h"
#include "kernels/cpu/cpu_features.h"
#include "tensor/dtype.h"
#include "tensor/weight_matrix.h"

namespace tessera::kernels {

// The weight view is the tensor layer's; the name stays reachable here for kernel code.
using tessera::WeightMatrix;

// y[t][o] = Σ_i W[o][i] · x[t][i] for t < n_tokens. x is [n_tokens][in], y is [n_tokens][out].
// Runs the variant selected_isa() names. The pool's threads take tiles of rows (about 64 KiB of
// weights, so they stay in L2) one at a time; each tile meets every token in groups of four, so a
// batch reads the weights from memory once.
// The quantized activations go to `staging` (matmul_staging_need(n_tokens, in) bytes) or, when
// it is null, to a buffer kept per thread between calls.
void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            void* staging = nullptr);
int64_t matmul_staging_need(int64_t n_tokens, int64_t in);

// The same product with a chosen variant and K-quant activation precision; `isa` must be
// supported (isa_supported(isa)).
void matmul_with(KernelIsa isa, const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                 ThreadPool& pool, void* staging = nullptr);
void matmul_with(KernelIsa isa, ActivationPrecision precision, const WeightMatrix& w,
                 const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
                 void* staging = nullptr);

// The f32 reference: decodes one weight row at a time and reuses it for every token.
void matmul_reference(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y,
                      ThreadPool& pool);

// Gathers rows (an embedding lookup) decoded to F32: y[t] = W[ids[t]].
void get_rows(const WeightMatrix& w, const int32_t* ids, int64_t n, float* y);

}  // namespace tessera::kernels
