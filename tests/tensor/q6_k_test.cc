// Q6_K: the split of 6-bit codes into ql nibbles and qh bit pairs, the per-16 int8 scales, the
// trailing f16 d, and the quality of the quantizer.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/dtype.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

constexpr size_t kBlockBytes = 210;
constexpr int kBlockElements = 256;
constexpr size_t kQlOffset = 0;
constexpr size_t kQhOffset = 128;
constexpr size_t kScalesOffset = 192;
constexpr size_t kDOffset = 208;

std::vector<uint8_t> block_with_scales(float d) {
  std::vector<uint8_t> bytes(kBlockBytes);
  for (int j = 0; j < 16; ++j) {
    const int scale = (j % 2 == 0 ? 1 : -1) * (j + 1);  // 1, -2, 3, -4, ..., -16
    bytes[kScalesOffset + j] = static_cast<uint8_t>(static_cast<int8_t>(scale));
  }
  testing::put_f16(bytes, kDOffset, d);
  return bytes;
}

int scale_of(int sub_block) { return (sub_block % 2 == 0 ? 1 : -1) * (sub_block + 1); }

TEST(QuantQ6KTest, DecodesHandBuiltBitFields) {
  std::vector<uint8_t> bytes = block_with_scales(0.5f);
  // First half: ql[0] = 0x21 carries element 0 (low nibble 1) and element 64 (high nibble 2);
  // ql[32] = 0x43 carries element 32 (3) and element 96 (4); qh[0] = 0b11'10'01'00 gives
  // elements 0, 32, 64, 96 the high bit pairs 0, 1, 2, 3.
  bytes[kQlOffset + 0] = 0x21;
  bytes[kQlOffset + 32] = 0x43;
  bytes[kQhOffset + 0] = 0xe4;
  // Second half (ql from 64, qh from 32): ql[64 + 5] = 0xf0, qh[32 + 5] = 0b00'11'00'10 give
  // element 128+5 the code 0x0 | 2<<4 = 32 (zero) and element 128+64+5 the code 0xf | 3<<4 = 63.
  bytes[kQlOffset + 64 + 5] = 0xf0;
  bytes[kQhOffset + 32 + 5] = 0x32;

  const std::vector<float> y = testing::decode(DType::kQ6_K, bytes, kBlockElements);
  // value = (d * scale) * (q - 32); element e of a half uses scale index e / 16.
  EXPECT_EQ(y[0], (0.5f * 1) * (1 - 32));      // q = 1 | 0 << 4, sub-block 0
  EXPECT_EQ(y[32], (0.5f * 3) * (19 - 32));    // q = 3 | 1 << 4, sub-block 2
  EXPECT_EQ(y[64], (0.5f * 5) * (34 - 32));    // q = 2 | 2 << 4, sub-block 4
  EXPECT_EQ(y[96], (0.5f * 7) * (52 - 32));    // q = 4 | 3 << 4, sub-block 6
  EXPECT_EQ(y[133], 0.0f);                     // q = 32
  EXPECT_EQ(y[197], (0.5f * 13) * (63 - 32));  // sub-block 8 + 4 = 12, scale 13
  // Elements whose bytes are all zero decode to (d * scale) * -32.
  EXPECT_EQ(y[1], (0.5f * 1) * -32);
  EXPECT_EQ(y[255], (0.5f * -16) * -32);
}

TEST(QuantQ6KTest, DecodesEveryElementPosition) {
  std::vector<uint8_t> bytes = block_with_scales(0.25f);
  for (size_t i = 0; i < 192; ++i) bytes[i] = static_cast<uint8_t>(i * 73 + 5);  // ql and qh
  const std::vector<float> y = testing::decode(DType::kQ6_K, bytes, kBlockElements);
  for (int e = 0; e < kBlockElements; ++e) {
    const int half = e / 128;
    const int part = (e % 128) / 32;  // which of l, l+32, l+64, l+96
    const int l = e % 32;
    const uint8_t ql = bytes[kQlOffset + half * 64 + l + (part % 2) * 32];
    const uint8_t qh = bytes[kQhOffset + half * 32 + l];
    const int low = part < 2 ? (ql & 0x0f) : (ql >> 4);
    const int q = low | (((qh >> (2 * part)) & 3) << 4);
    EXPECT_EQ(y[e], (0.25f * scale_of(e / 16)) * (q - 32)) << "element " << e;
  }
}

TEST(QuantQ6KTest, ZeroBlockDecodesToZero) {
  const std::vector<float> zeros(kBlockElements, 0.0f);
  for (float v : testing::round_trip(DType::kQ6_K, zeros)) EXPECT_EQ(v, 0.0f);
}

TEST(QuantQ6KTest, RoundTripErrorIsSmall) {
  const std::vector<float> x = testing::gaussian_vector(66, 32 * kBlockElements, 0.02);
  const std::vector<float> y = testing::round_trip(DType::kQ6_K, x);
  // 64 levels over about +-2 sigma per 16 elements: uniform rounding alone gives about
  // 4 sigma / 63 / sqrt(12) ~= 0.018 sigma.
  EXPECT_LT(testing::rms_error(x, y), 0.025 * testing::rms(x));
  for (size_t s = 0; s < x.size() / 16; ++s) {
    float amax = 0.0f;
    for (int i = 0; i < 16; ++i) amax = std::max(amax, std::fabs(x[s * 16 + i]));
    for (int i = 0; i < 16; ++i) {
      const size_t e = s * 16 + i;
      EXPECT_LE(std::fabs(y[e] - x[e]), amax / 31.0f) << e;  // within one step of the grid
    }
  }
}

TEST(QuantQ6KTest, RepresentsGridValuesExactly) {
  // Values already on the 6-bit grid, with power-of-two sub-block scales (1, 1/2, 1/4) and each
  // sub-block's first element at code -32 (the end the quantizer anchors on), survive exactly.
  std::vector<float> x(kBlockElements);
  for (int e = 0; e < kBlockElements; ++e) {
    const int q = e % 16 == 0 ? -32 : (e * 7) % 63 - 31;
    x[e] = std::ldexp(static_cast<float>(q), -(e / 16 % 3));
  }
  const std::vector<float> y = testing::round_trip(DType::kQ6_K, x);
  for (int e = 0; e < kBlockElements; ++e) EXPECT_EQ(y[e], x[e]) << e;
}

}  // namespace
}  // namespace tessera
