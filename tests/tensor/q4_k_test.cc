// Q4_K: the 12-byte scale/min packing (including the split 6-bit values of sub-blocks 4..7),
// the nibble order of qs, and the quality of the quantizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/dtype.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

constexpr size_t kBlockBytes = 144;
constexpr int kBlockElements = 256;
constexpr size_t kScalesOffset = 4;
constexpr size_t kQsOffset = 16;

// Sub-block scales and mins, chosen so sub-blocks 4..7 need their top 2 bits.
constexpr int kSc[8] = {1, 2, 3, 4, 33, 50, 17, 63};
constexpr int kM[8] = {5, 6, 7, 8, 40, 20, 63, 0};
// The same values packed by hand (ggml's get_scale_min_k4 layout):
//   bytes 0..3:  sc[j] | (sc[j+4] >> 4) << 6      33>>4=2, 50>>4=3, 17>>4=1, 63>>4=3
//   bytes 4..7:  m[j]  | (m[j+4]  >> 4) << 6      40>>4=2, 20>>4=1, 63>>4=3, 0>>4=0
//   bytes 8..11: (sc[j+4] & 15) | (m[j+4] & 15) << 4
constexpr uint8_t kPackedScales[12] = {0x81, 0xc2, 0x43, 0xc4, 0x85, 0x46,
                                       0xc7, 0x08, 0x81, 0x42, 0xf1, 0x0f};

std::vector<uint8_t> hand_built_block(float d, float dmin) {
  std::vector<uint8_t> bytes(kBlockBytes);
  testing::put_f16(bytes, 0, d);
  testing::put_f16(bytes, 2, dmin);
  for (size_t i = 0; i < 12; ++i) bytes[kScalesOffset + i] = kPackedScales[i];
  for (size_t i = 0; i < 128; ++i) bytes[kQsOffset + i] = static_cast<uint8_t>(i * 37 + 11);
  return bytes;
}

TEST(QuantQ4KTest, DecodesHandBuiltBlock) {
  const float d = 0.5f;
  const float dmin = 0.25f;
  const std::vector<uint8_t> bytes = hand_built_block(d, dmin);
  const std::vector<float> y = testing::decode(DType::kQ4_K, bytes, kBlockElements);
  // qs is 4 runs of 32 bytes; run c covers elements 64c..64c+31 (low nibbles, sub-block 2c)
  // and 64c+32..64c+63 (high nibbles, sub-block 2c+1).
  for (int e = 0; e < kBlockElements; ++e) {
    const int run = e / 64;
    const int within = e % 64;
    const uint8_t byte = bytes[kQsOffset + run * 32 + within % 32];
    const int q = within < 32 ? (byte & 0x0f) : (byte >> 4);
    const int sub = e / 32;
    const float expected = (d * kSc[sub]) * q - dmin * kM[sub];
    EXPECT_EQ(y[e], expected) << "element " << e;
  }
  // Spot checks worked out by hand. qs byte i is (37i + 11) mod 256.
  // Element 0: byte 0 = 0x0b, low nibble 11, sub-block 0 (sc 1, m 5): 0.5*1*11 - 0.25*5.
  EXPECT_EQ(y[0], 4.25f);
  // Element 128: byte 64 = 0x4b, low nibble 11, sub-block 4 (sc 33, m 40): 181.5 - 10.
  EXPECT_EQ(y[128], 171.5f);
  // Element 160: byte 64 = 0x4b, high nibble 4, sub-block 5 (sc 50, m 20): 100 - 5.
  EXPECT_EQ(y[160], 95.0f);
  // Element 224: byte 96 = 0xeb, high nibble 14, sub-block 7 (sc 63, m 0): 441 - 0.
  EXPECT_EQ(y[224], 441.0f);
}

TEST(QuantQ4KTest, RoundTripPreservesHandBuiltBlock) {
  // Re-quantizing a decoded block must reproduce it closely (the codes are on the grid).
  const std::vector<uint8_t> bytes = hand_built_block(0.5f, 0.25f);
  const std::vector<float> x = testing::decode(DType::kQ4_K, bytes, kBlockElements);
  const std::vector<float> y = testing::round_trip(DType::kQ4_K, x);
  EXPECT_LT(testing::rms_error(x, y), 0.02 * testing::rms(x));
}

TEST(QuantQ4KTest, ConstantAndZeroBlocks) {
  const std::vector<float> zeros(kBlockElements, 0.0f);
  for (float v : testing::round_trip(DType::kQ4_K, zeros)) EXPECT_EQ(v, 0.0f);
  // A constant negative block is represented entirely by the min.
  const std::vector<float> negative(kBlockElements, -1.5f);
  for (float v : testing::round_trip(DType::kQ4_K, negative))
    EXPECT_NEAR(v, -1.5f, 1.5f * 0x1p-10f);
  const std::vector<float> positive(kBlockElements, 2.0f);
  for (float v : testing::round_trip(DType::kQ4_K, positive)) EXPECT_NEAR(v, 2.0f, 2.0f * 0x1p-10f);
}

TEST(QuantQ4KTest, RoundTripErrorIsSmall) {
  const std::vector<float> x = testing::gaussian_vector(44, 32 * kBlockElements, 0.02);
  const std::vector<float> y = testing::round_trip(DType::kQ4_K, x);
  // 16 levels over roughly +-2.5 sigma per sub-block: uniform-rounding error alone would be
  // about 5 sigma / 15 / sqrt(12) ~= 0.096 sigma; the fitted scales do better.
  EXPECT_LT(testing::rms_error(x, y), 0.1 * testing::rms(x));
  // No element is off by more than a step of its sub-block's range.
  for (size_t s = 0; s < x.size() / 32; ++s) {
    float lo = 0.0f, hi = 0.0f;
    for (int i = 0; i < 32; ++i) {
      lo = std::min(lo, x[s * 32 + i]);
      hi = std::max(hi, x[s * 32 + i]);
    }
    for (int i = 0; i < 32; ++i) {
      const size_t e = s * 32 + i;
      EXPECT_LE(std::fabs(y[e] - x[e]), (hi - lo) / 15.0f) << e;
    }
  }
}

}  // namespace
}  // namespace tessera
