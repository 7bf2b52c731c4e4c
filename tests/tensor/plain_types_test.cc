// F32, F16 and BF16 through the traits table: exact bytes on disk, exact decoding.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "tensor/dtype.h"
#include "tensor/half.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

TEST(TensorPlainTypesTest, F32IsACopy) {
  const std::vector<float> x = {1.5f, -0.0f, 3.4028235e38f, 1e-45f};
  const std::vector<uint8_t> bytes = testing::encode(DType::kF32, x);
  ASSERT_EQ(bytes.size(), 16u);
  EXPECT_EQ(std::memcmp(bytes.data(), x.data(), bytes.size()), 0);
  const std::vector<float> y = testing::decode(DType::kF32, bytes, 4);
  EXPECT_EQ(std::memcmp(y.data(), x.data(), bytes.size()), 0);
}

TEST(TensorPlainTypesTest, F16BytesAreLittleEndian) {
  // 1.0 = 0x3c00, -2.0 = 0xc000, 65504 = 0x7bff, 2^-24 = 0x0001.
  const std::vector<uint8_t> bytes = {0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00};
  const std::vector<float> y = testing::decode(DType::kF16, bytes, 4);
  EXPECT_EQ(y, (std::vector<float>{1.0f, -2.0f, 65504.0f, 5.9604644775390625e-8f}));
  EXPECT_EQ(testing::encode(DType::kF16, y), bytes);
}

TEST(TensorPlainTypesTest, Bf16BytesAreLittleEndian) {
  // 1.0 = 0x3f80, -2.0 = 0xc000, 3.140625 = 0x4049.
  const std::vector<uint8_t> bytes = {0x80, 0x3f, 0x00, 0xc0, 0x49, 0x40};
  const std::vector<float> y = testing::decode(DType::kBF16, bytes, 3);
  EXPECT_EQ(y, (std::vector<float>{1.0f, -2.0f, 3.140625f}));
  EXPECT_EQ(testing::encode(DType::kBF16, y), bytes);
}

TEST(TensorPlainTypesTest, RoundTripMatchesScalarConversions) {
  const std::vector<float> x = testing::gaussian_vector(7, 1000, 100.0);
  const std::vector<float> y16 = testing::round_trip(DType::kF16, x);
  const std::vector<float> ybf = testing::round_trip(DType::kBF16, x);
  for (size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(y16[i], f16_to_f32(f32_to_f16(x[i])));
    EXPECT_EQ(ybf[i], bf16_to_f32(f32_to_bf16(x[i])));
    // Relative error bounded by half an ulp: 2^-11 for f16 (normal range), 2^-8 for bf16.
    EXPECT_LE(std::fabs(y16[i] - x[i]), std::fabs(x[i]) * 0x1p-11f + 0x1p-25f);
    EXPECT_LE(std::fabs(ybf[i] - x[i]), std::fabs(x[i]) * 0x1p-8f);
  }
}

}  // namespace
}  // namespace tessera
