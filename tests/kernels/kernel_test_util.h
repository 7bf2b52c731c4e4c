// Test inputs for the CPU kernels: weight matrices of every type (quantized from Gaussian floats,
// or raw random blocks that reach every code and scale the format allows) and activations.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <vector>

#include "kernels/cpu/cpu_features.h"
#include "tensor/dtype.h"
#include "tensor/half.h"

namespace tessera::kernels::testing {

inline constexpr DType kAllTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ8_0,
                                      DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};

// Every variant after the f32 reference, whether or not this CPU runs it.
inline constexpr KernelIsa kFastIsas[] = {KernelIsa::kScalar, KernelIsa::kAvx2, KernelIsa::kAvxVnni,
                                          KernelIsa::kAvx512, KernelIsa::kAvx512Vnni};

inline std::vector<float> gaussian(uint32_t seed, int64_t n, float stddev = 1.0f) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> dist(0.0f, stddev);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& f : v) f = dist(rng);
  return v;
}

// Activations like a transformer's: Gaussian with a few large outliers, and one all-zero row
// (row 1, when there is one) to exercise the d = 0 blocks.
inline std::vector<float> activations(uint32_t seed, int64_t n_tokens, int64_t in) {
  std::vector<float> x = gaussian(seed, n_tokens * in);
  std::mt19937 rng(seed + 1);
  for (int64_t k = 0; k < n_tokens * in / 64; ++k) x[rng() % x.size()] *= 20.0f;
  if (n_tokens > 1) std::fill(x.begin() + in, x.begin() + 2 * in, 0.0f);
  return x;
}

inline std::vector<uint8_t> encode(DType type, const std::vector<float>& values) {
  std::vector<uint8_t> out(
      static_cast<size_t>(dtype_bytes(type, static_cast<int64_t>(values.size()))));
  dtype_traits(type)->from_float(values.data(), out.data(), static_cast<int64_t>(values.size()));
  return out;
}

inline std::vector<float> decode(DType type, const std::vector<uint8_t>& encoded, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  dtype_traits(type)->to_float(encoded.data(), out.data(), n);
  return out;
}

inline void put_f16(uint8_t* p, float value) {
  const uint16_t bits = f32_to_f16(value);
  std::memcpy(p, &bits, sizeof bits);
}

// Random bytes for every field of every block, except the f16 scales, which get small positive
// values (a random f16 could be inf or NaN). Q8_0 codes then include -128, Q4_K 6-bit scales and
// mins reach 63, Q6_K codes 0 and scales -128: the extremes behind the kernels' int32 bounds.
// For float types: Gaussian values.
inline std::vector<uint8_t> random_blocks(DType type, int64_t rows, int64_t in, uint32_t seed) {
  const DTypeTraits* traits = dtype_traits(type);
  if (!traits->quantized) return encode(type, gaussian(seed, rows * in));
  std::vector<uint8_t> bytes(static_cast<size_t>(dtype_bytes(type, rows * in)));
  std::mt19937 rng(seed);
  for (uint8_t& b : bytes) b = static_cast<uint8_t>(rng());
  std::uniform_real_distribution<float> scale(0.001f, 0.01f);
  for (size_t at = 0; at < bytes.size(); at += static_cast<size_t>(traits->block_bytes)) {
    uint8_t* block = bytes.data() + at;
    switch (type) {
      case DType::kQ8_0:
      case DType::kQ4_0:
        put_f16(block, scale(rng));
        break;
      case DType::kQ4_K:
        put_f16(block, scale(rng));      // d
        put_f16(block + 2, scale(rng));  // dmin
        break;
      case DType::kQ6_K:
        put_f16(block + 208, scale(rng));
        break;
      default:
        break;
    }
  }
  return bytes;
}

// Weights whose decoded magnitudes bound the terms the kernels add up: Q4_K's d·sc·q and
// dmin·m can be much larger than their difference, so its dmin is negated to turn
// d·sc·q - dmin·m into d·sc·q + dmin·m (both scales are positive in these tests).
inline std::vector<float> term_magnitudes(DType type, std::vector<uint8_t> encoded, int64_t n) {
  if (type == DType::kQ4_K) {
    for (size_t at = 0; at < encoded.size(); at += 144) encoded[at + 3] ^= 0x80;  // f16 sign bit
  }
  std::vector<float> w = decode(type, encoded, n);
  for (float& v : w) v = std::fabs(v);
  return w;
}

}  // namespace tessera::kernels::testing
