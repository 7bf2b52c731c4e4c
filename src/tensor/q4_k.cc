// Q4_K: super-blocks of 256 elements as 8 sub-blocks of 32. Each sub-block has a 6-bit scale sc
// and a 6-bit min m, themselves scaled by the super-block's f16 d and dmin:
//   value = (d * sc) * q - (dmin * m),  q in 0..15.
// On disk (ggml's block_q4_K, 144 bytes): {f16 d; f16 dmin; u8 scales[12]; u8 qs[128]}.
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "tensor/codecs.h"

namespace tessera::codecs {
namespace {

constexpr int kSubBlockElements = 32;
constexpr int kSubBlocks = kSuperBlockElements / kSubBlockElements;  // 8
constexpr int kPackedScaleBytes = 12;  // 8 scales + 8 mins, 6 bits each
constexpr int kQ4MaxCode = 15;
constexpr int kSixBitMax = 63;
constexpr uint8_t kLowNibble = 0x0f;
constexpr uint8_t kSixBitMask = 0x3f;
constexpr int kNibbleBits = 4;
constexpr int kSixBitLowPartBits = 6;  // where the 2 spare bits of a packed byte start
// One 32-byte run of qs holds two sub-blocks (64 elements): low nibbles then high nibbles.
constexpr int kChunkElements = 2 * kSubBlockElements;
constexpr int kChunkBytes = kSubBlockElements;
// Sub-blocks 0..3 store sc/m whole in the low 6 bits of bytes j and j+4; sub-blocks 4..7 store
// their low 4 bits in byte j+4 and their top 2 bits in the spare bits of bytes j-4 and j.
constexpr int kDirectScales = 4;

// Scale search for one sub-block: the codes are chosen with a trial reciprocal scale
// (kQ4MaxCode + step * kSearchStep) / range for step in [-kSearchSteps, kSearchSteps], and each
// trial's scale and min are then fitted by least squares. The best fit wins.
constexpr int kSearchSteps = 10;
constexpr float kSearchStep = 0.1f;
constexpr int kRefineRounds = 4;

struct BlockQ4_K {
  uint8_t d[2];                         // f16 super-block scale for the 6-bit scales
  uint8_t dmin[2];                      // f16 super-block scale for the 6-bit mins
  uint8_t scales[kPackedScaleBytes];    // packed 6-bit scales and mins, see above
  uint8_t qs[kSuperBlockElements / 2];  // 4-bit quants, see kChunkElements
};
static_assert(sizeof(BlockQ4_K) == kQ4_KBlockBytes, "Q4_K block must match ggml's on-disk size");

struct ScaleMin {
  uint8_t sc;
  uint8_t m;
};

// ggml's get_scale_min_k4 packing (see kDirectScales).
ScaleMin unpack_scale_min(const uint8_t* scales, int j) {
  if (j < kDirectScales) {
    return {static_cast<uint8_t>(scales[j] & kSixBitMask),
            static_cast<uint8_t>(scales[j + kDirectScales] & kSixBitMask)};
  }
  const uint8_t sc =
      static_cast<uint8_t>((scales[j + kDirectScales] & kLowNibble) |
                           ((scales[j - kDirectScales] >> kSixBitLowPartBits) << kNibbleBits));
  const uint8_t m = static_cast<uint8_t>((scales[j + kDirectScales] >> kNibbleBits) |
                                         ((scales[j] >> kSixBitLowPartBits) << kNibbleBits));
  return {sc, m};
}

void pack_scale_min(uint8_t* scales, int j, int sc, int m) {
  if (j < kDirectScales) {
    scales[j] = static_cast<uint8_t>((scales[j] & ~kSixBitMask) | sc);
    scales[j + kDirectScales] =
        static_cast<uint8_t>((scales[j + kDirectScales] & ~kSixBitMask) | m);
    return;
  }
  scales[j + kDirectScales] =
      static_cast<uint8_t>((sc & kLowNibble) | ((m & kLowNibble) << kNibbleBits));
  scales[j - kDirectScales] |= static_cast<uint8_t>((sc >> kNibbleBits) << kSixBitLowPartBits);
  scales[j] |= static_cast<uint8_t>((m >> kNibbleBits) << kSixBitLowPartBits);
}

// A sub-block fit x ~= scale * q - min with scale >= 0, min >= 0 (the offset never goes above
// zero, so q = 0 always represents a value <= 0, as in ggml).
struct SubBlockFit {
  float scale = 0.0f;
  float min = 0.0f;
};

// Least-squares scale/min for fixed codes q; returns the squared error of the fit.
float fit_scale_min(const float* x, const uint8_t* q, SubBlockFit* fit) {
  double sum_q = 0, sum_qq = 0, sum_x = 0, sum_qx = 0;
  for (int i = 0; i < kSubBlockElements; ++i) {
    sum_q += q[i];
    sum_qq += q[i] * q[i];
    sum_x += x[i];
    sum_qx += q[i] * static_cast<double>(x[i]);
  }
  const double count = kSubBlockElements;
  const double det = count * sum_qq - sum_q * sum_q;
  double scale = 0, offset = 0;  // x ~= scale * q + offset
  if (det > 0) {
    scale = (count * sum_qx - sum_q * sum_x) / det;
    offset = (sum_qq * sum_x - sum_q * sum_qx) / det;
  }
  if (det <= 0 || offset > 0 || scale < 0) {
    // All codes equal (no unique 2-parameter fit), or the free optimum breaks a constraint: the
    // constrained optimum then lies on offset = 0.
    offset = 0;
    scale = sum_qq > 0 ? std::max(0.0, sum_qx / sum_qq) : 0.0;
  }
  fit->scale = static_cast<float>(scale);
  fit->min = static_cast<float>(-offset);
  double err = 0;
  for (int i = 0; i < kSubBlockElements; ++i) {
    const double diff = scale * q[i] + offset - x[i];
    err += diff * diff;
  }
  return static_cast<float>(err);
}

SubBlockFit search_sub_block(const float* x) {
  float lo = 0.0f;  // the offset is <= 0, so the range always includes zero
  float hi = x[0];
  for (int i = 0; i < kSubBlockElements; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  SubBlockFit best;
  if (!(hi > lo)) {  // constant block at or below zero: all of it is the min
    best.min = -lo;
    return best;
  }
  float best_err = std::numeric_limits<float>::infinity();
  std::array<uint8_t, kSubBlockElements> q;
  for (int step = -kSearchSteps; step <= kSearchSteps; ++step) {
    const float inv_scale = (kQ4MaxCode + step * kSearchStep) / (hi - lo);
    for (int i = 0; i < kSubBlockElements; ++i) {
      q[i] = static_cast<uint8_t>(std::clamp(round_to_int(inv_scale * (x[i] - lo)), 0, kQ4MaxCode));
    }
    SubBlockFit fit;
    const float err = fit_scale_min(x, q.data(), &fit);
    if (err < best_err) {
      best_err = err;
      best = fit;
    }
  }
  // Alternate "codes for this fit" and "fit for these codes" while it helps (each half-step can
  // only lower the error, so this converges; a few rounds capture nearly all of the gain).
  for (int round = 0; round < kRefineRounds && best.scale > 0; ++round) {
    for (int i = 0; i < kSubBlockElements; ++i) {
      q[i] = static_cast<uint8_t>(
          std::clamp(round_to_int((x[i] + best.min) / best.scale), 0, kQ4MaxCode));
    }
    SubBlockFit fit;
    const float err = fit_scale_min(x, q.data(), &fit);
    if (!(err < best_err)) break;
    best_err = err;
    best = fit;
  }
  return best;
}

int to_six_bits(float value, float inv_step) {
  return std::clamp(round_to_int(value * inv_step), 0, kSixBitMax);
}

void quantize_block(const float* x, BlockQ4_K* block) {
  std::array<SubBlockFit, kSubBlocks> fits;
  float max_scale = 0.0f;
  float max_min = 0.0f;
  for (int j = 0; j < kSubBlocks; ++j) {
    fits[j] = search_sub_block(x + j * kSubBlockElements);
    max_scale = std::max(max_scale, fits[j].scale);
    max_min = std::max(max_min, fits[j].min);
  }

  // Scales and mins become 6-bit multiples of d = max_scale / 63 and dmin = max_min / 63.
  const float inv_d = max_scale > 0 ? kSixBitMax / max_scale : 0.0f;
  const float inv_dmin = max_min > 0 ? kSixBitMax / max_min : 0.0f;
  std::fill(std::begin(block->scales), std::end(block->scales), uint8_t{0});
  for (int j = 0; j < kSubBlocks; ++j) {
    pack_scale_min(block->scales, j, to_six_bits(fits[j].scale, inv_d),
                   to_six_bits(fits[j].min, inv_dmin));
  }
  store_f16(block->d, max_scale / kSixBitMax);
  store_f16(block->dmin, max_min / kSixBitMax);

  // Re-derive the codes from the scales as the decoder will see them (after 6-bit and f16
  // rounding), so the rounding of the scales does not compound with stale codes.
  const float d = load_f16(block->d);
  const float dmin = load_f16(block->dmin);
  std::array<uint8_t, kSuperBlockElements> codes{};
  for (int j = 0; j < kSubBlocks; ++j) {
    const ScaleMin sm = unpack_scale_min(block->scales, j);
    const float step = d * sm.sc;
    if (step == 0.0f) continue;  // every element decodes to -min; code 0
    const float min = dmin * sm.m;
    for (int i = 0; i < kSubBlockElements; ++i) {
      const int e = j * kSubBlockElements + i;
      codes[e] = static_cast<uint8_t>(std::clamp(round_to_int((x[e] + min) / step), 0, kQ4MaxCode));
    }
  }
  for (int chunk = 0; chunk < kSuperBlockElements / kChunkElements; ++chunk) {
    const uint8_t* c = codes.data() + chunk * kChunkElements;
    uint8_t* qs = block->qs + chunk * kChunkBytes;
    for (int l = 0; l < kChunkBytes; ++l) {
      qs[l] = static_cast<uint8_t>(c[l] | (c[l + kSubBlockElements] << kNibbleBits));
    }
  }
}

}  // namespace

// Evaluation order, relied on by the NumPy oracle (all float32, no fused multiply-add):
//   d = f16(block.d); dmin = f16(block.dmin);
//   d1 = d * (float)sc; m1 = dmin * (float)m;  y = (d1 * (float)q) - m1
void q4_k_to_float(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlockElements; ++b) {
    const BlockQ4_K& block = blocks[b];
    const float d = load_f16(block.d);
    const float dmin = load_f16(block.dmin);
    float* y = dst + b * kSuperBlockElements;
    for (int chunk = 0; chunk < kSuperBlockElements / kChunkElements; ++chunk) {
      const uint8_t* qs = block.qs + chunk * kChunkBytes;
      const ScaleMin lo = unpack_scale_min(block.scales, 2 * chunk);
      const ScaleMin hi = unpack_scale_min(block.scales, 2 * chunk + 1);
      const float d1 = d * lo.sc;
      const float m1 = dmin * lo.m;
      const float d2 = d * hi.sc;
      const float m2 = dmin * hi.m;
      float* out = y + chunk * kChunkElements;
      for (int l = 0; l < kChunkBytes; ++l) {
        out[l] = d1 * static_cast<float>(qs[l] & kLowNibble) - m1;
        out[l + kSubBlockElements] = d2 * static_cast<float>(qs[l] >> kNibbleBits) - m2;
      }
    }
  }
}

void q4_k_from_float(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ4_K*>(dst);
  for (int64_t b = 0; b < n / kSuperBlockElements; ++b) {
    quantize_block(src + b * kSuperBlockElements, &blocks[b]);
  }
}

double q4_k_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(q4_k_to_float, kSuperBlockElements, kQ4_KBlockBytes, encoded, x, n);
}

}  // namespace tessera::codecs
