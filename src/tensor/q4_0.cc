// Q4_0: blocks of 32 elements, one f16 scale and 16 bytes of 4-bit quants; value = (q - 8) * d.
// Byte j holds element j in its low nibble and element j + 16 in its high nibble (ggml's
// block_q4_0). The quantizer reproduces ggml's quantize_row_q4_0_ref so files round-trip.
#include <cmath>

#include "tensor/codecs.h"

namespace tessera::codecs {
namespace {

constexpr int64_t kHalfBlock = kLegacyBlockElements / 2;  // elements per nibble plane
constexpr int kQ4Offset = 8;                              // stored q = signed q + 8
constexpr int kQ4MaxCode = 15;
constexpr uint8_t kLowNibble = 0x0f;
constexpr int kNibbleBits = 4;
// ggml maps the element of largest magnitude to -8 (the wide end of the signed range).
constexpr float kQ4ScaleDivisor = -8.0f;
// Added before truncation to int: + 8 re-centres, + 0.5 turns truncation into rounding.
constexpr float kQ4RoundingOffset = 8.5f;

struct BlockQ4_0 {
  uint8_t d[2];            // f16 scale
  uint8_t qs[kHalfBlock];  // nibbles, see above
};
static_assert(sizeof(BlockQ4_0) == kQ4_0BlockBytes, "Q4_0 block must match ggml's on-disk size");

// (int)(scaled + 8.5) capped at 15, as ggml computes it. For finite input the argument is at
// least 0.5, so truncation is a floor; the guards only keep NaN/inf input (meaningless as a
// weight) away from an undefined float-to-int conversion.
int q4_code(float scaled) {
  const float shifted = scaled + kQ4RoundingOffset;
  if (!(shifted < static_cast<float>(kQ4MaxCode))) return kQ4MaxCode;
  if (!(shifted > 0.0f)) return 0;
  return static_cast<int>(shifted);
}

}  // namespace

// Evaluation order, relied on by the NumPy oracle for bit-exact agreement:
//   d = f16_to_f32(block.d);  y = (float)(q - 8) * d   (int subtraction, one float rounding)
void q4_0_to_float(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kLegacyBlockElements; ++b) {
    const BlockQ4_0& block = blocks[b];
    const float d = load_f16(block.d);
    float* y = dst + b * kLegacyBlockElements;
    for (int64_t j = 0; j < kHalfBlock; ++j) {
      const int q_low = (block.qs[j] & kLowNibble) - kQ4Offset;
      const int q_high = (block.qs[j] >> kNibbleBits) - kQ4Offset;
      y[j] = static_cast<float>(q_low) * d;
      y[j + kHalfBlock] = static_cast<float>(q_high) * d;
    }
  }
}

// max = the element of largest magnitude with its sign (the first one on ties), d = max / -8,
// q = min(15, (int)(x * (1/d) + 8.5)). Multiplying by the float reciprocal matches ggml.
void q4_0_from_float(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_0*>(dst);
  for (int64_t b = 0; b < n / kLegacyBlockElements; ++b) {
    const float* x = src + b * kLegacyBlockElements;
    float amax = 0.0f;
    float max = 0.0f;
    for (int64_t i = 0; i < kLegacyBlockElements; ++i) {
      if (std::fabs(x[i]) > amax) {
        amax = std::fabs(x[i]);
        max = x[i];
      }
    }
    const float d = max / kQ4ScaleDivisor;
    const float inv_d = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ4_0& block = blocks[b];
    store_f16(block.d, d);
    for (int64_t j = 0; j < kHalfBlock; ++j) {
      const int q_low = q4_code(x[j] * inv_d);
      const int q_high = q4_code(x[j + kHalfBlock] * inv_d);
      block.qs[j] = static_cast<uint8_t>(q_low | (q_high << kNibbleBits));
    }
  }
}

double q4_0_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(q4_0_to_float, kLegacyBlockElements, kQ4_0BlockBytes, encoded, x, n);
}

}  // namespace tessera::codecs
