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

BlockScale block_scale(const float* x, int64_t n, float max_code = kActMaxCode) {
  float amax = 0.0f;
  for (int64_t i = 0; i < n; ++i) {
    const float a = x[i] < 0.0f ? -x[i] : x[i];
    amax = a > amax ? a : amax;  // NaN never wins, as with (v)maxps
  }
  const float d = amax / max_code;
  return {d, d != 0.0f ? 1.0f / d : 0.0f};
}

int16_t quantize_value(float x, float inv_d, float max_code = kActMaxCode) {
  float v = x * inv_d;
  // Clamping keeps NaN and out-of-range values (only possible for non-finite input) away from an
  // undefined float-to-int conversion; finite input is already within ±max_code. The ternaries
  // are (v)minps/(v)maxps exactly, NaN handling included.
  v = v < max_code ? v : max_code;
  v = v > -max_code ? v : -max_code;
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

void quantize_row_act8(const float* x, ActBlock8* out, int64_t n) {
  for (int64_t b = 0; b < n / kActBlock256Elements; ++b) {
    const float* xb = x + b * kActBlock256Elements;
    const BlockScale scale = block_scale(xb, kActBlock256Elements, kAct8MaxCode);
    ActBlock8& block = out[b];
    block.d = scale.d;
    for (int run = 0; run < kAct8Runs; ++run) {
      int sum = 0;
      for (int i = run * kAct8RunElements; i < (run + 1) * kAct8RunElements; ++i) {
        const int16_t q = quantize_value(xb[i], scale.inv_d, kAct8MaxCode);
        block.qs[i] = static_cast<int8_t>(q);
        sum += q;
      }
      block.sums[run] = static_cast<int16_t>(sum);
    }
  }
}

}  // namespace tessera::kernels
