// Element-wise and per-row operations of transformer forward passes, written plainly: the reference
// the rest of the engine is checked against. Names follow the math (see ../shared/STYLE.md).
#pragma once

#include <cstdint>

namespace tessera::kernels {

// y = x / sqrt(mean(x²) + eps) * w
void rms_norm(const float* x, const float* w, float* y, int64_t n, float eps);

// y = (x - mean) / sqrt(var + eps) * w + b
void layer_norm(const float* x, const float* w, const float* b, float* y, int64_t n, float eps);

// Which elements RoPE rotates together: llama's GGUF converter permutes Q/K so adjacent pairs
// (x[2i], x[2i+1]) rotate; NEOX models (qwen2) rotate (x[i], x[i + n_rot/2]).
enum class RopeLayout { kAdjacentPairs, kNeox };

struct RopeParams {
  int64_t n_rot;            // rotated dimensions per head (≤ head_dim)
  float freq_base;          // theta_i = pos * freq_base^(-2i/n_rot)
  float freq_scale = 1.0f;  // linear scaling: positions are multiplied by this
  RopeLayout layout = RopeLayout::kAdjacentPairs;
};

// Rotates each of n_heads vectors of head_dim floats in place for position `pos`.
void rope(float* x, int64_t n_heads, int64_t head_dim, int64_t pos, const RopeParams& params);

void softmax(float* x, int64_t n);
void silu(float* x, int64_t n);
void gelu_erf(float* x, int64_t n);             // exact GELU: x/2 · (1 + erf(x/√2))
void add(float* y, const float* x, int64_t n);  // y += x
void mul(float* y, const float* x, int64_t n);  // y *= x
float dot_f32(const float* a, const float* b, int64_t n);

}  // namespace tessera::kernels
