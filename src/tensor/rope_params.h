// What rotary position embedding needs to know: shared by the model configs, the Backend interface
// and the kernels that implement it.
#pragma once

#include <cstdint>

namespace tessera {

// Which elements RoPE rotates together: llama's GGUF converter permutes Q/K so adjacent pairs
// (x[2i], x[2i+1]) rotate; NEOX models (qwen2) rotate (x[i], x[i + n_rot/2]).
enum class RopeLayout { kAdjacentPairs, kNeox };

struct RopeParams {
  int64_t n_rot = 0;        // rotated dimensions per head (≤ head_dim)
  float freq_base = 1e4f;   // theta_i = pos * freq_base^(-2i/n_rot)
  float freq_scale = 1.0f;  // linear scaling: positions are multiplied by this
  RopeLayout layout = RopeLayout::kAdjacentPairs;
  // Per-pair frequency divisors (llama 3's rope_freqs tensor, phi3's rope_factors_long/short:
  // n_rot/2 floats, theta_i /= f[i]); null: none. Host memory on every backend: it is read when
  // the rotation table is built.
  const float* freq_factors = nullptr;
  // Multiplies cos and sin (rope.scaling.attn_factor: phi3's LongRoPE keeps attention's scale
  // across the stretched context, sqrt(1 + ln(scale) / ln(original context))).
  double attn_factor = 1.0;
};

}  // namespace tessera
