// Internal to src/tensor/: the per-type codec functions that the traits table in dtype.cc points
// at, plus the little helpers they share. Nothing outside src/tensor/ (and its tests) should
// include this; everyone else goes through dtype_traits().
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

#include "tensor/half.h"

namespace tessera::codecs {

// GGUF is little-endian and the codecs read multi-byte fields with memcpy in host order.
static_assert(std::endian::native == std::endian::little, "codecs assume a little-endian host");

// Block geometry shared by the ggml formats (ggml's QK8_0, QK4_0 and QK_K).
inline constexpr int64_t kLegacyBlockElements = 32;
inline constexpr int64_t kSuperBlockElements = 256;

// Blocks are byte arrays (alignment 1), so fields are loaded and stored through memcpy: the data
// comes straight from a memory-mapped file and has no alignment guarantee beyond one byte.
inline float load_f16(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, sizeof bits);
  return f16_to_f32(bits);
}
inline void store_f16(uint8_t* p, float value) {
  const uint16_t bits = f32_to_f16(value);
  std::memcpy(p, &bits, sizeof bits);
}

// Round to nearest, ties to even (the default FP environment), like ggml's nearest_int.
int round_to_int(float value);

// Reference dot product shared by every type: decode one block at a time into floats and
// accumulate products in double. Slow on purpose; it is the yardstick for fast kernels.
using ToFloatFn = void (*)(const void* src, float* dst, int64_t n);
double dot_by_blocks(ToFloatFn to_float, int64_t block_elements, int64_t block_bytes,
                     const void* encoded, const float* x, int64_t n);

// F32, F16, BF16 (plain_types.cc).
void f32_to_float(const void* src, float* dst, int64_t n);
void f32_from_float(const float* src, void* dst, int64_t n);
double f32_dot_ref(const void* encoded, const float* x, int64_t n);
void f16_to_float(const void* src, float* dst, int64_t n);
void f16_from_float(const float* src, void* dst, int64_t n);
double f16_dot_ref(const void* encoded, const float* x, int64_t n);
void bf16_to_float(const void* src, float* dst, int64_t n);
void bf16_from_float(const float* src, void* dst, int64_t n);
double bf16_dot_ref(const void* encoded, const float* x, int64_t n);

// Q8_0 (q8_0.cc).
inline constexpr int64_t kQ8_0BlockBytes = 34;
void q8_0_to_float(const void* src, float* dst, int64_t n);
void q8_0_from_float(const float* src, void* dst, int64_t n);
double q8_0_dot_ref(const void* encoded, const float* x, int64_t n);

// Q4_0 (q4_0.cc).
inline constexpr int64_t kQ4_0BlockBytes = 18;
void q4_0_to_float(const void* src, float* dst, int64_t n);
void q4_0_from_float(const float* src, void* dst, int64_t n);
double q4_0_dot_ref(const void* encoded, const float* x, int64_t n);

// Q4_K (q4_k.cc).
inline constexpr int64_t kQ4_KBlockBytes = 144;
void q4_k_to_float(const void* src, float* dst, int64_t n);
void q4_k_from_float(const float* src, void* dst, int64_t n);
double q4_k_dot_ref(const void* encoded, const float* x, int64_t n);

// Q6_K (q6_k.cc).
inline constexpr int64_t kQ6_KBlockBytes = 210;
void q6_k_to_float(const void* src, float* dst, int64_t n);
void q6_k_from_float(const float* src, void* dst, int64_t n);
double q6_k_dot_ref(const void* encoded, const float* x, int64_t n);

}  // namespace tessera::codecs
