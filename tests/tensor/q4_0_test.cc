// Q4_0: nibble order (low = elements 0..15, high = 16..31), value = (q - 8) * d, and ggml's
// quantizer (largest-magnitude element maps to code 0, i.e. -8 * d).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/dtype.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

constexpr size_t kBlockBytes = 18;
constexpr int kBlockElements = 32;

TEST(QuantQ4_0Test, DecodesHandBuiltBlock) {
  std::vector<uint8_t> bytes(kBlockBytes);
  bytes[0] = 0x00;  // 0.25 = f16 0x3400
  bytes[1] = 0x34;
  // Byte j: low nibble j (element j), high nibble 15 - j (element j + 16).
  for (int j = 0; j < 16; ++j) bytes[2 + j] = static_cast<uint8_t>(j | ((15 - j) << 4));
  const std::vector<float> y = testing::decode(DType::kQ4_0, bytes, kBlockElements);
  for (int j = 0; j < 16; ++j) {
    EXPECT_EQ(y[j], 0.25f * (j - 8)) << j;
    EXPECT_EQ(y[j + 16], 0.25f * (7 - j)) << j;
  }
  EXPECT_EQ(y[0], -2.0f);
  EXPECT_EQ(y[15], 1.75f);
  EXPECT_EQ(y[16], 1.75f);
}

TEST(QuantQ4_0Test, QuantizesLikeGgml) {
  // max = -8 (largest magnitude, negative) gives d = 1; codes are floor(x + 8.5) capped at 15.
  std::vector<float> x(kBlockElements, 0.0f);
  x[0] = -8.0f;   // code 0
  x[1] = 7.0f;    // code 15
  x[2] = 0.5f;    // 9.0 -> 9 (ggml's +8.5 then truncation rounds halves up)
  x[3] = -0.5f;   // 8.0 -> 8
  x[16] = 2.4f;   // 10.9 -> 10
  x[17] = -3.6f;  // 4.9 -> 4
  const std::vector<uint8_t> bytes = testing::encode(DType::kQ4_0, x);
  EXPECT_EQ(bytes[0], 0x00);  // d = 1.0 = 0x3c00
  EXPECT_EQ(bytes[1], 0x3c);
  EXPECT_EQ(bytes[2], 0x00 | (10 << 4));
  EXPECT_EQ(bytes[3], 15 | (4 << 4));
  EXPECT_EQ(bytes[4] & 0x0f, 9);
  EXPECT_EQ(bytes[5] & 0x0f, 8);
  EXPECT_EQ(bytes[6], 8 | (8 << 4));  // zeros

  // A positive maximum makes d negative: +8 maps to code 0, and -8 would need code 16 (capped).
  std::vector<float> pos(kBlockElements, 0.0f);
  pos[0] = 8.0f;
  pos[1] = -8.0f;
  const std::vector<float> y = testing::round_trip(DType::kQ4_0, pos);
  EXPECT_EQ(y[0], 8.0f);
  EXPECT_EQ(y[1], -7.0f);
}

TEST(QuantQ4_0Test, ZeroBlockDecodesToZero) {
  const std::vector<float> x(kBlockElements, 0.0f);
  const std::vector<float> y = testing::round_trip(DType::kQ4_0, x);
  for (float v : y) EXPECT_EQ(v, 0.0f);
}

TEST(QuantQ4_0Test, RoundTripErrorWithinOneStep) {
  const std::vector<float> x = testing::gaussian_vector(40, 64 * kBlockElements, 2.0);
  const std::vector<float> y = testing::round_trip(DType::kQ4_0, x);
  for (size_t b = 0; b < x.size() / kBlockElements; ++b) {
    float amax = 0.0f;
    for (int i = 0; i < kBlockElements; ++i)
      amax = std::max(amax, std::fabs(x[b * kBlockElements + i]));
    const float d = amax / 8.0f;
    // Half a step in general; a full step for the far end of the range, which the cap at code
    // 15 pulls in by one; plus 16 codes times the f16 rounding of d.
    const float bound = d * (1.0f + 16.0f * 0x1p-11f) * 1.0001f;
    for (int i = 0; i < kBlockElements; ++i) {
      const size_t e = b * kBlockElements + i;
      EXPECT_LE(std::fabs(y[e] - x[e]), bound) << e;
    }
  }
}

}  // namespace
}  // namespace tessera
