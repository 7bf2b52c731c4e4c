// Q8_0: blocks of 32 elements, one f16 scale and 32 signed bytes; value = qs[i] * d.
// Layout and quantizer follow ggml's block_q8_0 / quantize_row_q8_0_ref so files round-trip.
#include <cmath>
#include <cstring>

#include "tensor/codecs.h"

namespace tessera::codecs {
namespace {

constexpr int kQ8_0Max = 127;  // largest |q|; the int8 range is used symmetrically

struct BlockQ8_0 {
  uint8_t d[2];                     // f16 scale
  int8_t qs[kLegacyBlockElements];  // quants
};
static_assert(sizeof(BlockQ8_0) == kQ8_0BlockBytes, "Q8_0 block must match ggml's on-disk size");

}  // namespace

// Evaluation order, relied on by the NumPy oracle for bit-exact agreement:
//   d = f16_to_f32(block.d);  y[i] = (float)qs[i] * d   (one rounding, float32)
void q8_0_to_float(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kLegacyBlockElements; ++b) {
    const BlockQ8_0& block = blocks[b];
    const float d = load_f16(block.d);
    float* y = dst + b * kLegacyBlockElements;
    for (int64_t i = 0; i < kLegacyBlockElements; ++i) y[i] = static_cast<float>(block.qs[i]) * d;
  }
}

// d = amax / 127 so the largest magnitude maps to +-127; q = round-half-away(x * (1/d)),
// multiplying by the float reciprocal exactly as ggml does. An all-zero block gets d = 0, q = 0.
void q8_0_from_float(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kLegacyBlockElements; ++b) {
    const float* x = src + b * kLegacyBlockElements;
    float amax = 0.0f;
    for (int64_t i = 0; i < kLegacyBlockElements; ++i) amax = std::fmax(amax, std::fabs(x[i]));
    const float d = amax / kQ8_0Max;
    const float inv_d = d != 0.0f ? 1.0f / d : 0.0f;
    BlockQ8_0& block = blocks[b];
    store_f16(block.d, d);
    for (int64_t i = 0; i < kLegacyBlockElements; ++i) {
      block.qs[i] = static_cast<int8_t>(std::lround(x[i] * inv_d));
    }
  }
}

double q8_0_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(q8_0_to_float, kLegacyBlockElements, kQ8_0BlockBytes, encoded, x, n);
}

}  // namespace tessera::codecs
