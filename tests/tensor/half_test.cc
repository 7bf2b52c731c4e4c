// binary16 and bfloat16 conversions: exact values at the edges (subnormals, ties, overflow,
// inf, NaN) and a check of f32 -> f16 rounding against an independent arithmetic reference.
#include "tensor/half.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "tensor_test_util.h"

namespace tessera {
namespace {

float from_bits(uint32_t bits) { return std::bit_cast<float>(bits); }
uint32_t to_bits(float f) { return std::bit_cast<uint32_t>(f); }

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kQuietNaN = std::numeric_limits<float>::quiet_NaN();

bool is_f16_nan(uint16_t h) { return (h & 0x7c00) == 0x7c00 && (h & 0x03ff) != 0; }

TEST(HalfTest, F16KnownValues) {
  EXPECT_EQ(f32_to_f16(0.0f), 0x0000);
  EXPECT_EQ(f32_to_f16(-0.0f), 0x8000);
  EXPECT_EQ(f32_to_f16(1.0f), 0x3c00);
  EXPECT_EQ(f32_to_f16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_f16(0.5f), 0x3800);
  EXPECT_EQ(f32_to_f16(65504.0f), 0x7bff);                  // largest finite
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -14)), 0x0400);     // smallest normal
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -24)), 0x0001);     // smallest subnormal
  EXPECT_EQ(f32_to_f16(std::ldexp(1023.0f, -24)), 0x03ff);  // largest subnormal

  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16_to_f32(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));
  EXPECT_EQ(to_bits(f16_to_f32(0x8000)), 0x80000000u);  // -0 keeps its sign
  EXPECT_EQ(f16_to_f32(0x3555), 0.333251953125f);
}

TEST(HalfTest, F16RoundsTiesToEven) {
  const float one_ulp = std::ldexp(1.0f, -10);            // f16 spacing in [1, 2)
  EXPECT_EQ(f32_to_f16(1.0f + one_ulp / 2), 0x3c00);      // tie, 0x3c00 is even
  EXPECT_EQ(f32_to_f16(1.0f + 3 * one_ulp / 2), 0x3c02);  // tie, rounds up to even
  EXPECT_EQ(f32_to_f16(std::nextafter(1.0f + one_ulp / 2, 2.0f)), 0x3c01);  // just above
  EXPECT_EQ(f32_to_f16(std::nextafter(1.0f + one_ulp / 2, 0.0f)), 0x3c00);  // just below
  // Subnormal ties: 2^-25 is half the smallest subnormal, 3 * 2^-25 halfway between 1 and 2.
  EXPECT_EQ(f32_to_f16(std::ldexp(1.0f, -25)), 0x0000);
  EXPECT_EQ(f32_to_f16(std::nextafter(std::ldexp(1.0f, -25), 1.0f)), 0x0001);
  EXPECT_EQ(f32_to_f16(std::ldexp(3.0f, -25)), 0x0002);
  EXPECT_EQ(f32_to_f16(-std::ldexp(5.0f, -25)), 0x8002);
  // The largest subnormal plus half a step rounds (to even) into the smallest normal.
  EXPECT_EQ(f32_to_f16(std::ldexp(1023.5f, -24)), 0x0400);
  // Far below the subnormal range: zero, sign kept; f32 subnormals too.
  EXPECT_EQ(f32_to_f16(1e-30f), 0x0000);
  EXPECT_EQ(f32_to_f16(-from_bits(0x00000001)), 0x8000);
}

TEST(HalfTest, F16OverflowInfAndNaN) {
  EXPECT_EQ(f32_to_f16(65519.0f), 0x7bff);  // below the midpoint to the next (virtual) step
  EXPECT_EQ(f32_to_f16(65520.0f), 0x7c00);  // the tie rounds to even, which is inf
  EXPECT_EQ(f32_to_f16(-1e6f), 0xfc00);
  EXPECT_EQ(f32_to_f16(std::numeric_limits<float>::max()), 0x7c00);
  EXPECT_EQ(f32_to_f16(kInf), 0x7c00);
  EXPECT_EQ(f32_to_f16(-kInf), 0xfc00);
  EXPECT_EQ(f16_to_f32(0x7c00), kInf);
  EXPECT_EQ(f16_to_f32(0xfc00), -kInf);

  EXPECT_EQ(f32_to_f16(kQuietNaN), 0x7e00);
  EXPECT_EQ(f32_to_f16(-kQuietNaN), 0xfe00);
  // A NaN whose payload lives only in the low bits must not collapse to inf.
  EXPECT_TRUE(is_f16_nan(f32_to_f16(from_bits(0x7f800001))));
  EXPECT_EQ(f32_to_f16(from_bits(0x7fa00000)), 0x7f00);  // top payload bit kept, quiet set
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7c01)));
  EXPECT_EQ(to_bits(f16_to_f32(0xfe00)), 0xffc00000u);  // sign and payload kept
}

TEST(HalfTest, F16EveryValueRoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const float f = f16_to_f32(bits);
    if (is_f16_nan(bits)) {
      ASSERT_TRUE(std::isnan(f)) << h;
      ASSERT_TRUE(is_f16_nan(f32_to_f16(f))) << h;
    } else {
      ASSERT_EQ(f32_to_f16(f), bits) << h;
    }
  }
}

// Independent reference for finite inputs: find the f16 spacing at |x| and round |x| / spacing
// to the nearest integer (ties to even) in double, where that quotient is exact.
double reference_f16_value(float x) {
  const double ax = std::fabs(static_cast<double>(x));
  constexpr int kMinNormalExp = -14;
  constexpr int kMantissaBits = 10;
  constexpr double kOverflowAt = 65520.0;  // midpoint between 65504 and 2^16
  if (ax >= kOverflowAt) return std::copysign(std::numeric_limits<double>::infinity(), x);
  const int exp = ax == 0.0 ? kMinNormalExp : std::max(std::ilogb(ax), kMinNormalExp);
  const double spacing = std::ldexp(1.0, exp - kMantissaBits);
  return std::copysign(std::nearbyint(ax / spacing) * spacing, x);
}

TEST(HalfTest, F16MatchesArithmeticReferenceOnRandomBits) {
  testing::SplitMix64 rng(20240611);
  constexpr int kSamples = 200000;
  for (int i = 0; i < kSamples; ++i) {
    // Exponents concentrated around the f16 range so subnormals and overflow are exercised.
    const auto exp_bits = static_cast<uint32_t>(100 + rng.next() % 50) << 23;
    const uint32_t bits = (static_cast<uint32_t>(rng.next()) & 0x807fffffu) | exp_bits;
    const float x = from_bits(bits);
    const double expected = reference_f16_value(x);
    const double got = f16_to_f32(f32_to_f16(x));
    ASSERT_EQ(got, expected) << std::hexfloat << x;
    ASSERT_EQ(std::signbit(got), std::signbit(x)) << std::hexfloat << x;
  }
}

TEST(HalfTest, Bf16KnownValues) {
  EXPECT_EQ(f32_to_bf16(1.0f), 0x3f80);
  EXPECT_EQ(f32_to_bf16(-2.0f), 0xc000);
  EXPECT_EQ(f32_to_bf16(-0.0f), 0x8000);
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0x4049), 3.140625f);
  EXPECT_EQ(f32_to_bf16(from_bits(0x00010000)), 0x0001);  // subnormals are just truncated bits
  EXPECT_EQ(bf16_to_f32(0x0001), from_bits(0x00010000));
}

TEST(HalfTest, Bf16RoundsTiesToEven) {
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f808000)), 0x3f80);  // tie, even stays
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f818000)), 0x3f82);  // tie, odd rounds up
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f808001)), 0x3f81);  // above the tie
  EXPECT_EQ(f32_to_bf16(from_bits(0x3f807fff)), 0x3f80);  // below the tie
  EXPECT_EQ(f32_to_bf16(from_bits(0xbf818000)), 0xbf82);  // negative ties mirror
}

TEST(HalfTest, Bf16OverflowInfAndNaN) {
  EXPECT_EQ(f32_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds up to inf
  EXPECT_EQ(f32_to_bf16(from_bits(0x7f7f7fff)), 0x7f7f);              // largest that stays finite
  EXPECT_EQ(f32_to_bf16(kInf), 0x7f80);
  EXPECT_EQ(f32_to_bf16(-kInf), 0xff80);
  EXPECT_EQ(f32_to_bf16(kQuietNaN), 0x7fc0);
  // Payload only in the dropped low bits: truncation alone would give inf.
  EXPECT_EQ(f32_to_bf16(from_bits(0x7f800001)), 0x7fc0);
  EXPECT_EQ(f32_to_bf16(from_bits(0xff800001)), 0xffc0);
  // Rounding must not carry a NaN's payload into the sign or wrap it around.
  EXPECT_EQ(f32_to_bf16(from_bits(0x7fffffff)), 0x7fff);
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7fc0)));
  EXPECT_TRUE(std::isnan(bf16_to_f32(0x7f81)));
  EXPECT_EQ(bf16_to_f32(0xff80), -kInf);
}

TEST(HalfTest, Bf16EveryValueRoundTrips) {
  for (uint32_t h = 0; h <= 0xffff; ++h) {
    const auto bits = static_cast<uint16_t>(h);
    const float f = bf16_to_f32(bits);
    if (std::isnan(f)) {
      ASSERT_TRUE(std::isnan(bf16_to_f32(f32_to_bf16(f)))) << h;
    } else {
      ASSERT_EQ(f32_to_bf16(f), bits) << h;
    }
  }
}

}  // namespace
}  // namespace tessera
