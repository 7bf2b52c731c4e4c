#include "kernels/cpu/quantize_activations.h"

namespace tessera::kernels {
namespace {

// Adding and subtracting 1.5·2^23 rounds a float of magnitude < 2^22 to the nearest integer, ties
// to even, in the default FP environment: the same result as the SIMD round instructions, with
// no libm call in the loop.
constexpr float kRoundMagic = 12582912.0f;

// Scale of a block or row: d = max|x| / 32767 and its reciprocal (0 for an all-zero block).
struct BlockScale {
  float d;
  float inv_d;
};

BlockScale block_scale(const float* x, int64_t n) {
  float amax = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float a = x[i] < 0.0f ? -x[i] : x[i];
    amax = a > amax ? a : amax;  // NaN never wins, as with (v)maxps
  }
  const float d = amax / kActMaxCode;
  return {d, d != 0.0f ? 1.0f / d : 0.0f};
}

int16_t quantize_value(float x, float inv_d) {
  float v = x * inv_d;
  // Clamping keeps NaN and out-of-range values (only possible for non-finite input) away from an
  // undefined float-to-int conversion; finite input is already within ±32767. The ternaries are
  // (v)minps/(v)maxps exactly, NaN handling included.
  v = v < kActMaxCode ? v : kActMaxCode;
  v = v > -kActMaxCode ? v : -kActMaxCode;
  // Without -ffast-math the compiler keeps (v + M) - M as two rounded operations.
  return static_cast<int16_t>(static_cast<int>((v + kRoundMagic) - kRoundMagic));
}

}  // namespace

void quantize_row_act32(const float* x, ActBlock32* out, int64_t n) {
  const BlockScale scale = block_scale(x, n);  // one scale for the row
  for (int64_t b = 0; b < n / kActBlock32Elements; ++b) {
    const float* xb = x + b * kActBlock32Elements;
    out[b].d = scale.d;
    for (int i = 0; i < kActBlock32Elements; ++i) out[b].qs[i] = quantize_value(xb[i], scale.inv_d);
  }
}

void quantize_row_act256(const float* x, ActBlock256* out, int64_t n) {
  for (int64_t b = 0; b < n / kActBlock256Elements; ++b) {
    const float* xb = x + b * kActBlock256Elements;
    const BlockScale scale = block_scale(xb, kActBlock256Elements);
    ActBlock256& block = out[b];
    block.d = scale.d;
    for (int run = 0; run < kActRuns; ++run) {
      int32_t sum = 0;
      for (int i = run * kActRunElements; i < (run + 1) * kActRunElements; ++i) {
        block.qs[i] = quantize_value(xb[i], scale.inv_d);
        sum += block.qs[i];
      }
      block.sums[run] = sum;
    }
  }
}

}  // namespace tessera::kernels
