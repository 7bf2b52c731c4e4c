// Element-wise and per-row operations of transformer forward passes, written plainly: the reference
// the rest of the engine is checked against. Names follow the math (see ../shared/STYLE.md).
#pragma once

#include <cstdint>

#include "tensor/rope_params.h"

namespace tessera::kernels {

// y = x / sqrt(mean(x²) + eps) * w
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);

// y = (x - mean) / sqrt(var + eps) * w + b
void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps);

using tessera::RopeLayout;
using tessera::RopeParams;

// Rotates each of n_heads vectors of head_dim floats in place for position `pos`; with
// params.freq_factors, pair i turns at theta_i / freq_factors[i].
void rope(float* x, int64_t n_heads, int64_t head_dim, int64_t pos, const RopeParams& params);

void softmax(float* x, int64_t n);
void silu(float* x, int64_t n);
void gelu_erf(float* x, int64_t n);  // exact GELU: x/2 · (1 + erf(x/√2))
// GELU's tanh form, x/2 · (1 + tanh(√(2/π) · (x + 0.044715 x³))): Gemma's GeGLU.
void gelu_tanh(float* x, int64_t n);
void scale(float* x, int64_t n, float s);       // x *= s
void soft_cap(float* x, int64_t n, float cap);  // x = cap · tanh(x / cap)
void add(float* y, const float* x, int64_t n);  // y += x
void mul(float* y, const float* x, int64_t n);  // y *= x
float dot_f32(const float* a, const float* b, int64_t n);

}  // namespace tessera::kernels
