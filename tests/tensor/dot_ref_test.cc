// dot_ref for every type equals decoding the whole vector and taking the dot product in double.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tensor/dtype.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

constexpr DType kAllTypes[] = {DType::kF32,  DType::kF16,  DType::kBF16, DType::kQ8_0,
                               DType::kQ4_0, DType::kQ4_K, DType::kQ6_K};
constexpr int64_t kElements = 1024;  // a multiple of every block size

TEST(TensorDotRefTest, MatchesDequantizeThenDot) {
  const std::vector<float> w = testing::gaussian_vector(1, kElements);
  const std::vector<float> x = testing::gaussian_vector(2, kElements);
  for (DType type : kAllTypes) {
    const std::vector<uint8_t> encoded = testing::encode(type, w);
    const std::vector<float> decoded = testing::decode(type, encoded, kElements);
    double expected = 0.0;
    for (int64_t i = 0; i < kElements; ++i) {
      expected += static_cast<double>(decoded[i]) * static_cast<double>(x[i]);
    }
    // Same products, same order: identical, not merely close.
    EXPECT_EQ(dtype_traits(type)->dot_ref(encoded.data(), x.data(), kElements), expected)
        << dtype_name(type);
  }
}

TEST(TensorDotRefTest, F32DotIsExactForSmallIntegers) {
  const std::vector<float> w = {1, 2, 3, 4};
  const std::vector<float> x = {-1, 0.5f, 2, 0.25f};
  const std::vector<uint8_t> encoded = testing::encode(DType::kF32, w);
  EXPECT_EQ(dtype_traits(DType::kF32)->dot_ref(encoded.data(), x.data(), 4), 7.0);
}

TEST(TensorDotRefTest, QuantizedDotIsCloseToFloatDot) {
  const std::vector<float> w = testing::gaussian_vector(3, kElements);
  const std::vector<float> x = testing::gaussian_vector(4, kElements);
  double exact = 0.0;
  for (int64_t i = 0; i < kElements; ++i) exact += static_cast<double>(w[i]) * x[i];
  for (DType type : kAllTypes) {
    const std::vector<uint8_t> encoded = testing::encode(type, w);
    const double got = dtype_traits(type)->dot_ref(encoded.data(), x.data(), kElements);
    // The error is a sum of kElements roughly independent terms (quantization error times x),
    // so it scales with sqrt(n); 4-bit types have a relative RMS error near 0.1.
    EXPECT_NEAR(got, exact, 0.15 * std::sqrt(static_cast<double>(kElements)) * 3)
        << dtype_name(type);
  }
}

}  // namespace
}  // namespace tessera
