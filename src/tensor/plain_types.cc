// Codecs for the unquantized float types F32, F16 and BF16: one element per "block".
#include <cstring>

#include "tensor/codecs.h"

namespace tessera::codecs {
namespace {

constexpr int64_t kF32Bytes = 4;
constexpr int64_t kHalfBytes = 2;

uint16_t load_u16(const uint8_t* p) {
  uint16_t bits;
  std::memcpy(&bits, p, sizeof bits);
  return bits;
}
void store_u16(uint8_t* p, uint16_t bits) { std::memcpy(p, &bits, sizeof bits); }

}  // namespace

void f32_to_float(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n * kF32Bytes));
}
void f32_from_float(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n * kF32Bytes));
}
double f32_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(f32_to_float, 1, kF32Bytes, encoded, x, n);
}

// Each element is converted exactly (binary16 -> binary32 is lossless).
void f16_to_float(const void* src, float* dst, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(load_u16(in + i * kHalfBytes));
}
void f16_from_float(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n; ++i) store_u16(out + i * kHalfBytes, f32_to_f16(src[i]));
}
double f16_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(f16_to_float, 1, kHalfBytes, encoded, x, n);
}

// Each element is converted exactly (bfloat16 -> binary32 is lossless).
void bf16_to_float(const void* src, float* dst, int64_t n) {
  const auto* in = static_cast<const uint8_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(load_u16(in + i * kHalfBytes));
}
void bf16_from_float(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<uint8_t*>(dst);
  for (int64_t i = 0; i < n; ++i) store_u16(out + i * kHalfBytes, f32_to_bf16(src[i]));
}
double bf16_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(bf16_to_float, 1, kHalfBytes, encoded, x, n);
}

}  // namespace tessera::codecs
