// Q8_0: hand-built blocks decode to known values; the quantizer's error stays within half a step.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

constexpr size_t kBlockBytes = 34;
constexpr int kBlockElements = 32;

TEST(QuantQ8_0Test, DecodesHandBuiltBlocks) {
  // Two blocks: d = 0.5 with qs[i] = i - 16, then d = -0.125 with the int8 extremes.
  std::vector<uint8_t> bytes(2 * kBlockBytes);
  bytes[0] = 0x00;  // 0.5 = f16 0x3800, little-endian
  bytes[1] = 0x38;
  for (int i = 0; i < kBlockElements; ++i) bytes[2 + i] = static_cast<uint8_t>(i - 16);
  testing::put_f16(bytes, kBlockBytes, -0.125f);
  bytes[kBlockBytes + 2] = 0x80;  // -128
  bytes[kBlockBytes + 3] = 0x7f;  // 127
  bytes[kBlockBytes + 4] = 0xff;  // -1

  const std::vector<float> y = testing::decode(DType::kQ8_0, bytes, 2 * kBlockElements);
  for (int i = 0; i < kBlockElements; ++i) EXPECT_EQ(y[i], 0.5f * (i - 16)) << i;
  EXPECT_EQ(y[32], 16.0f);
  EXPECT_EQ(y[33], -15.875f);
  EXPECT_EQ(y[34], 0.125f);
  EXPECT_EQ(y[35], -0.0f);
}

TEST(QuantQ8_0Test, QuantizesLikeGgml) {
  // amax = 127 gives d = 1 exactly, so codes are the rounded inputs (half away from zero).
  std::vector<float> x(kBlockElements, 0.0f);
  x[0] = 127.0f;
  x[1] = -2.5f;
  x[2] = 2.5f;
  x[3] = 0.49f;
  x[4] = -127.0f;
  const std::vector<uint8_t> bytes = testing::encode(DType::kQ8_0, x);
  EXPECT_EQ(bytes[0], 0x00);  // d = 1.0 = 0x3c00
  EXPECT_EQ(bytes[1], 0x3c);
  EXPECT_EQ(static_cast<int8_t>(bytes[2]), 127);
  EXPECT_EQ(static_cast<int8_t>(bytes[3]), -3);
  EXPECT_EQ(static_cast<int8_t>(bytes[4]), 3);
  EXPECT_EQ(static_cast<int8_t>(bytes[5]), 0);
  EXPECT_EQ(static_cast<int8_t>(bytes[6]), -127);
}

TEST(QuantQ8_0Test, ZeroBlockStaysZero) {
  const std::vector<float> x(2 * kBlockElements, 0.0f);
  const std::vector<uint8_t> bytes = testing::encode(DType::kQ8_0, x);
  EXPECT_TRUE(std::all_of(bytes.begin(), bytes.end(), [](uint8_t b) { return b == 0; }));
  EXPECT_EQ(testing::decode(DType::kQ8_0, bytes, 2 * kBlockElements), x);
}

TEST(QuantQ8_0Test, RoundTripErrorWithinHalfStep) {
  const std::vector<float> x = testing::gaussian_vector(81, 64 * kBlockElements, 3.0);
  const std::vector<float> y = testing::round_trip(DType::kQ8_0, x);
  for (size_t b = 0; b < x.size() / kBlockElements; ++b) {
    float amax = 0.0f;
    for (int i = 0; i < kBlockElements; ++i)
      amax = std::max(amax, std::fabs(x[b * kBlockElements + i]));
    const float d = amax / 127.0f;
    // Half a step, plus up to 127 codes times the f16 rounding of d (relative 2^-11).
    const float bound = d * (0.5f + 127.0f * 0x1p-11f) * 1.0001f;
    for (int i = 0; i < kBlockElements; ++i) {
      const size_t e = b * kBlockElements + i;
      EXPECT_LE(std::fabs(y[e] - x[e]), bound) << e;
    }
  }
}

}  // namespace
}  // namespace tessera
