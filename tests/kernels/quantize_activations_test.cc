// Activation quantization: the layouts' invariants, and SIMD quantizers byte-identical to the
// scalar ones (every kernel variant must see the same int16 activations).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernel_test_util.h"
#include "kernels/cpu/kernel_table.h"
#include "kernels/cpu/quantize_activations.h"
#include "kernels/cpu/weight_blocks.h"

namespace tessera::kernels {
namespace {

// Rows with the awkward values: zeros, a zero block, outliers, exact ties after scaling and, when
// `non_finite`, NaN and infinity (garbage in, but defined bytes out).
std::vector<float> awkward_row(uint32_t seed, int64_t n, bool non_finite) {
  std::vector<float> x = testing::activations(seed, 1, n);
  for (int64_t i = 0; i < 32 && i < n; ++i) x[i] = 0.0f;  // first block all zero
  if (n >= 64) {
    // Block 1: max 32767 makes d = 1, so k + 0.5 are ties (rounded to even).
    for (int64_t i = 32; i < 64; ++i) x[i] = static_cast<float>(i - 48) + 0.5f;
    x[32] = 32767.0f;
  }
  if (non_finite && n >= 128) {
    x[70] = std::numeric_limits<float>::quiet_NaN();
    x[100] = std::numeric_limits<float>::infinity();
    x[101] = -std::numeric_limits<float>::infinity();
  }
  return x;
}

TEST(KernelQuantizeTest, Act32RowsShareOneScaleAndRoundTripWithinHalfAStep) {
  const int64_t n = 512;
  const std::vector<float> x = awkward_row(1, n, false);
  std::vector<ActBlock32> q(n / 32);
  quantize_row_act32(x.data(), q.data(), n);
  float amax = 0;
  for (float v : x) amax = std::fmax(amax, std::fabs(v));
  ASSERT_EQ(amax, 32767.0f);  // block 1's outlier sets the row's scale: d = 1
  for (int64_t b = 0; b < n / 32; ++b) {
    EXPECT_EQ(q[b].d, amax / 32767.0f) << "block " << b << " must carry the row's scale";
    for (int i = 0; i < 32; ++i) {
      const float v = x[b * 32 + i];
      EXPECT_GE(q[b].qs[i], -32767);
      EXPECT_NEAR(q[b].qs[i] * q[b].d, v, q[b].d / 2 * 1.0001f) << b << " " << i;
    }
  }
  for (int i = 0; i < 32; ++i) EXPECT_EQ(q[0].qs[i], 0);
  // Ties round to even: 2.5 → 2, -0.5 → 0, 3.5 → 4.
  EXPECT_EQ(q[1].qs[50 - 32], 2);
  EXPECT_EQ(q[1].qs[47 - 32], 0);
  EXPECT_EQ(q[1].qs[51 - 32], 4);

  const std::vector<float> zeros(64, 0.0f);
  std::vector<ActBlock32> qz(2);
  quantize_row_act32(zeros.data(), qz.data(), 64);
  for (const ActBlock32& block : qz) {
    EXPECT_EQ(block.d, 0.0f);
    for (int16_t v : block.qs) EXPECT_EQ(v, 0);
  }
}

TEST(KernelQuantizeTest, Act256SumsCoverRunsOfThirtyTwo) {
  const int64_t n = 768;
  const std::vector<float> x = awkward_row(2, n, false);
  std::vector<ActBlock256> q(n / 256);
  quantize_row_act256(x.data(), q.data(), n);
  for (int64_t b = 0; b < n / 256; ++b) {
    for (int run = 0; run < kActRuns; ++run) {
      int32_t sum = 0;
      for (int i = 0; i < 32; ++i) sum += q[b].qs[run * 32 + i];
      EXPECT_EQ(q[b].sums[run], sum);
    }
    for (int i = 0; i < 256; ++i) {
      EXPECT_NEAR(q[b].qs[i] * q[b].d, x[b * 256 + i], q[b].d / 2 * 1.0001f);
    }
  }
}

TEST(KernelQuantizeTest, Act8BlocksStayWithinInt8AndSumRunsOfSixteen) {
  const int64_t n = 768;
  for (bool non_finite : {false, true}) {
    const std::vector<float> x = awkward_row(3, n, non_finite);
    std::vector<ActBlock8> q(n / 256);
    quantize_row_act8(x.data(), q.data(), n);
    for (int64_t b = 0; b < n / 256; ++b) {
      for (int run = 0; run < kAct8Runs; ++run) {
        int32_t sum = 0;
        for (int i = 0; i < 16; ++i) sum += q[b].qs[run * 16 + i];
        EXPECT_EQ(q[b].sums[run], sum) << "block " << b << " run " << run;
      }
      for (int i = 0; i < 256; ++i) {
        EXPECT_GE(q[b].qs[i], -127);  // -128 never appears, so |q| fits the bounds note
        EXPECT_LE(q[b].qs[i], 127);
        if (non_finite) continue;
        EXPECT_NEAR(q[b].qs[i] * q[b].d, x[b * 256 + i], q[b].d / 2 * 1.0001f) << b << " " << i;
      }
    }
  }
  // The block's largest magnitude maps to ±127 exactly; an all-zero block gets d = 0.
  std::vector<float> row(256, 0.0f);
  std::vector<ActBlock8> zero(1);
  quantize_row_act8(row.data(), zero.data(), 256);
  EXPECT_EQ(zero[0].d, 0.0f);
  for (int8_t v : zero[0].qs) EXPECT_EQ(v, 0);
  row[7] = -127.0f;  // d = 1: the halves below are exact ties, rounded to even
  row[9] = 63.5f;
  row[10] = 62.5f;
  std::vector<ActBlock8> one(1);
  quantize_row_act8(row.data(), one.data(), 256);
  EXPECT_EQ(one[0].d, 1.0f);
  EXPECT_EQ(one[0].qs[7], -127);
  EXPECT_EQ(one[0].qs[9], 64);
  EXPECT_EQ(one[0].qs[10], 62);
}

TEST(KernelQuantizeTest, SimdQuantizersProduceTheScalarBytes) {
  for (KernelIsa isa : testing::kFastIsas) {
    if (isa == KernelIsa::kScalar || !isa_supported(isa)) continue;
    const KernelTable* table = kernel_table(isa);
    ASSERT_NE(table, nullptr);
    for (bool non_finite : {false, true}) {
      for (uint32_t seed = 0; seed < 20; ++seed) {
        const int64_t n = 1024;
        const std::vector<float> x = awkward_row(seed, n, non_finite);
        std::vector<ActBlock32> want32(n / 32), got32(n / 32);
        quantize_row_act32(x.data(), want32.data(), n);
        table->quantize_act32(x.data(), got32.data(), n);
        EXPECT_EQ(std::memcmp(want32.data(), got32.data(), sizeof(ActBlock32) * want32.size()), 0)
            << isa_name(isa) << " seed " << seed;
        std::vector<ActBlock256> want256(n / 256), got256(n / 256);
        quantize_row_act256(x.data(), want256.data(), n);
        table->quantize_act256(x.data(), got256.data(), n);
        EXPECT_EQ(std::memcmp(want256.data(), got256.data(), sizeof(ActBlock256) * want256.size()),
                  0)
            << isa_name(isa) << " seed " << seed;
        std::vector<ActBlock8> want8(n / 256), got8(n / 256);
        quantize_row_act8(x.data(), want8.data(), n);
        table->quantize_act8(x.data(), got8.data(), n);
        EXPECT_EQ(std::memcmp(want8.data(), got8.data(), sizeof(ActBlock8) * want8.size()), 0)
            << isa_name(isa) << " act8 seed " << seed;
      }
    }
  }
}

TEST(KernelQuantizeTest, Q4KScaleUnpackingOnWordsMatchesBytes) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 10000; ++trial) {
    uint8_t packed[12];
    for (uint8_t& b : packed) b = static_cast<uint8_t>(rng());
    uint8_t sc[8], m[8];
    unpack_q4_k_scales(packed, sc, m);
    const Q4KScalesMins words = unpack_q4_k_scales_words(packed);
    uint8_t sc_words[8], m_words[8];
    std::memcpy(sc_words, &words.sc, 8);
    std::memcpy(m_words, &words.m, 8);
    ASSERT_EQ(std::memcmp(sc, sc_words, 8), 0) << trial;
    ASSERT_EQ(std::memcmp(m, m_words, 8), 0) << trial;
  }
}

}  // namespace
}  // namespace tessera::kernels
