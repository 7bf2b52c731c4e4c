// Q6_K: super-blocks of 256 elements as 16 sub-blocks of 16, each with a signed 8-bit scale
// relative to the super-block's f16 d:  value = (d * scale) * (q - 32),  q in 0..63.
// On disk (ggml's block_q6_K, 210 bytes): {u8 ql[128]; u8 qh[64]; i8 scales[16]; f16 d}.
// The 6-bit codes are split into low nibbles (ql) and 2-bit high parts (qh); see pack_half().
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "tensor/codecs.h"

namespace tessera::codecs {
namespace {

constexpr int kSubBlockElements = 16;
constexpr int kSubBlocks = kSuperBlockElements / kSubBlockElements;  // 16
constexpr int kQ6Offset = 32;                                        // stored code = signed q + 32
constexpr int kQ6MinSigned = -32;
constexpr int kQ6MaxSigned = 31;
constexpr int kScaleMin = -128;  // int8 scale range
constexpr int kScaleMax = 127;
constexpr uint8_t kLowNibble = 0x0f;
constexpr uint8_t kTwoBitMask = 0x03;
constexpr int kNibbleBits = 4;

// Codes are laid out per 128-element half: ql advances 64 bytes, qh 32, scales 8 per half.
// Within a half, ql[l] carries elements l (low nibble) and l+64 (high nibble), ql[l+32] carries
// l+32 and l+96, and qh[l] carries the top 2 bits of l, l+32, l+64, l+96 at bits 0, 2, 4, 6.
constexpr int kHalfElements = 128;
constexpr int kQuarter = 32;  // elements per ql/qh run
constexpr int kQlBytesPerHalf = 64;
constexpr int kQhBytesPerHalf = 32;
constexpr int kScalesPerHalf = kHalfElements / kSubBlockElements;  // 8

// Scale search for one sub-block: the element of largest magnitude is mapped near -32 (the wide
// end of the signed range) by a trial reciprocal scale -(32 + step * kSearchStep) / max for step
// in [-kSearchSteps, kSearchSteps]; for each trial the scale is refitted by least squares.
constexpr int kSearchSteps = 9;
constexpr float kSearchStep = 0.1f;

struct BlockQ6_K {
  uint8_t ql[kSuperBlockElements / 2];  // low 4 bits of the codes
  uint8_t qh[kSuperBlockElements / 4];  // high 2 bits of the codes
  int8_t scales[kSubBlocks];            // per-sub-block scales
  uint8_t d[2];                         // f16 super-block scale
};
static_assert(sizeof(BlockQ6_K) == kQ6_KBlockBytes, "Q6_K block must match ggml's on-disk size");

int clamp_code(int q) { return std::clamp(q, kQ6MinSigned, kQ6MaxSigned); }

// Best least-squares scale for one sub-block: x ~= scale * q with q in -32..31.
float search_sub_block(const float* x) {
  float amax = 0.0f;
  float max = 0.0f;  // signed value of largest magnitude
  for (int i = 0; i < kSubBlockElements; ++i) {
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  }
  if (amax == 0.0f) return 0.0f;
  float best_scale = 0.0f;
  double best_err = std::numeric_limits<double>::infinity();
  for (int step = -kSearchSteps; step <= kSearchSteps; ++step) {
    const float inv_scale = -(kQ6Offset + step * kSearchStep) / max;
    double sum_qx = 0, sum_qq = 0;
    std::array<int, kSubBlockElements> q;
    for (int i = 0; i < kSubBlockElements; ++i) {
      q[i] = clamp_code(round_to_int(inv_scale * x[i]));
      sum_qx += q[i] * static_cast<double>(x[i]);
      sum_qq += q[i] * q[i];
    }
    if (sum_qq == 0) continue;
    const double scale = sum_qx / sum_qq;
    double err = 0;
    for (int i = 0; i < kSubBlockElements; ++i) {
      const double diff = scale * q[i] - x[i];
      err += diff * diff;
    }
    if (err < best_err) {
      best_err = err;
      best_scale = static_cast<float>(scale);
    }
  }
  return best_scale;
}

// Elements l, l+32, l+64, l+96 of a half are its four "parts" for byte index l.
constexpr int kParts = kHalfElements / kQuarter;  // 4
constexpr int kQhBitsPerPart = 2;

// Byte of ql holding the low nibble of part `part` at index l, and which nibble it is.
int ql_index(int l, int part) { return l + (part % 2) * kQuarter; }
int ql_shift(int part) { return part < kParts / 2 ? 0 : kNibbleBits; }

void pack_half(const uint8_t* codes, uint8_t* ql, uint8_t* qh) {
  std::fill(ql, ql + kQlBytesPerHalf, uint8_t{0});
  std::fill(qh, qh + kQhBytesPerHalf, uint8_t{0});
  for (int l = 0; l < kQuarter; ++l) {
    for (int part = 0; part < kParts; ++part) {
      const uint8_t code = codes[l + part * kQuarter];
      ql[ql_index(l, part)] |= static_cast<uint8_t>((code & kLowNibble) << ql_shift(part));
      qh[l] |= static_cast<uint8_t>((code >> kNibbleBits) << (part * kQhBitsPerPart));
    }
  }
}

void quantize_block(const float* x, BlockQ6_K* block) {
  std::array<float, kSubBlocks> scales;
  float amax = 0.0f;
  float max_scale = 0.0f;  // signed scale of largest magnitude
  for (int j = 0; j < kSubBlocks; ++j) {
    scales[j] = search_sub_block(x + j * kSubBlockElements);
    if (std::fabs(scales[j]) > amax) {
      amax = std::fabs(scales[j]);
      max_scale = scales[j];
    }
  }

  std::array<uint8_t, kSuperBlockElements> codes;
  codes.fill(static_cast<uint8_t>(kQ6Offset));  // decodes to zero
  if (amax == 0.0f) {
    std::fill(std::begin(block->scales), std::end(block->scales), int8_t{0});
    store_f16(block->d, 0.0f);
  } else {
    // The largest scale maps to -128, the wide end of int8, so d = -max_scale / 128.
    const float inv_d = static_cast<float>(kScaleMin) / max_scale;
    for (int j = 0; j < kSubBlocks; ++j) {
      block->scales[j] =
          static_cast<int8_t>(std::clamp(round_to_int(inv_d * scales[j]), kScaleMin, kScaleMax));
    }
    store_f16(block->d, 1.0f / inv_d);

    // Re-derive the codes from the scales as the decoder will see them (int8 and f16 rounded).
    const float d = load_f16(block->d);
    for (int j = 0; j < kSubBlocks; ++j) {
      const float step = d * block->scales[j];
      if (step == 0.0f) continue;
      for (int i = 0; i < kSubBlockElements; ++i) {
        const int e = j * kSubBlockElements + i;
        codes[e] = static_cast<uint8_t>(clamp_code(round_to_int(x[e] / step)) + kQ6Offset);
      }
    }
  }
  for (int half = 0; half < kSuperBlockElements / kHalfElements; ++half) {
    pack_half(codes.data() + half * kHalfElements, block->ql + half * kQlBytesPerHalf,
              block->qh + half * kQhBytesPerHalf);
  }
}

}  // namespace

// Evaluation order, relied on by the NumPy oracle (all float32, no fused multiply-add):
//   d = f16(block.d);  y = (d * (float)scale) * (float)(q - 32)
void q6_k_to_float(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlockElements; ++b) {
    const BlockQ6_K& block = blocks[b];
    const float d = load_f16(block.d);
    for (int half = 0; half < kSuperBlockElements / kHalfElements; ++half) {
      const uint8_t* ql = block.ql + half * kQlBytesPerHalf;
      const uint8_t* qh = block.qh + half * kQhBytesPerHalf;
      const int8_t* sc = block.scales + half * kScalesPerHalf;
      float* y = dst + b * kSuperBlockElements + half * kHalfElements;
      for (int l = 0; l < kQuarter; ++l) {
        for (int part = 0; part < kParts; ++part) {
          const int low = (ql[ql_index(l, part)] >> ql_shift(part)) & kLowNibble;
          const int high = (qh[l] >> (part * kQhBitsPerPart)) & kTwoBitMask;
          const int q = low | (high << kNibbleBits);
          const int e = l + part * kQuarter;
          const float scale = static_cast<float>(sc[e / kSubBlockElements]);
          y[e] = (d * scale) * static_cast<float>(q - kQ6Offset);
        }
      }
    }
  }
}

void q6_k_from_float(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ6_K*>(dst);
  for (int64_t b = 0; b < n / kSuperBlockElements; ++b) {
    quantize_block(src + b * kSuperBlockElements, &blocks[b]);
  }
}

double q6_k_dot_ref(const void* encoded, const float* x, int64_t n) {
  return dot_by_blocks(q6_k_to_float, kSuperBlockElements, kQ6_KBlockBytes, encoded, x, n);
}

}  // namespace tessera::codecs
