// Quantization quality across types on the same Gaussian data: more bits, less error. Prints the
// table so regressions in a quantizer show up as numbers, not only as a failed ordering.
#include <gtest/gtest.h>

#include <cstdio>
#include <vector>

#include "tensor/dtype.h"
#include "tensor_test_util.h"

namespace tessera {
namespace {

constexpr uint64_t kSeed = 0x7e55e7a;
constexpr int64_t kElements = 65536;

TEST(QuantErrorTest, QuantErrorOrder) {
  const std::vector<float> x = testing::gaussian_vector(kSeed, kElements);
  const double x_rms = testing::rms(x);
  auto rms_for = [&](DType type) { return testing::rms_error(x, testing::round_trip(type, x)); };

  const DType types[] = {DType::kBF16, DType::kF16,  DType::kQ8_0,
                         DType::kQ6_K, DType::kQ4_K, DType::kQ4_0};
  std::printf("%-6s %14s %14s\n", "type", "rms error", "relative rms");
  for (DType type : types) {
    const double err = rms_for(type);
    std::printf("%-6s %14.6e %14.6e\n", dtype_name(type), err, err / x_rms);
  }

  const double q8_0 = rms_for(DType::kQ8_0);
  const double q6_k = rms_for(DType::kQ6_K);
  const double q4_k = rms_for(DType::kQ4_K);
  const double q4_0 = rms_for(DType::kQ4_0);
  EXPECT_LT(q8_0, q6_k);
  EXPECT_LT(q6_k, q4_k);
  EXPECT_LT(q6_k, q4_0);
  EXPECT_GT(q4_k / q4_0, 0.5);
  EXPECT_LT(q4_k / q4_0, 2.0);
  EXPECT_EQ(rms_for(DType::kF32), 0.0);
}

}  // namespace
}  // namespace tessera
