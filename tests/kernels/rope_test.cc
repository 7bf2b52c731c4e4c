// RoPE: the rotation keeps each pair's length, the two pair layouts rotate the pairs they name,
// and per-pair frequency factors (llama 3's rope_freqs) divide each pair's angle.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "kernels/cpu/ops.h"

namespace tessera {
namespace {

std::vector<float> ramp(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = 0.25f * static_cast<float>(i + 1);
  return v;
}

TEST(Rope, PositionZeroIsTheIdentityAndLengthsAreKept) {
  const RopeParams params{.n_rot = 8, .freq_base = 10000.0f};
  std::vector<float> x = ramp(16), y = x;
  kernels::rope(y.data(), 2, 8, 0, params);
  EXPECT_EQ(x, y);
  kernels::rope(y.data(), 2, 8, 37, params);
  for (int64_t i = 0; i < 16; i += 2) {
    EXPECT_NEAR(std::hypot(x[i], x[i + 1]), std::hypot(y[i], y[i + 1]), 1e-5f) << i;
  }
}

TEST(Rope, NeoxRotatesHalvesAndAdjacentRotatesNeighbours) {
  RopeParams params{.n_rot = 4, .freq_base = 10000.0f};
  std::vector<float> adjacent = {1, 0, 0, 0};
  kernels::rope(adjacent.data(), 1, 4, 1, params);
  EXPECT_NE(adjacent[1], 0.0f);  // pair (0, 1)
  EXPECT_EQ(adjacent[2], 0.0f);
  params.layout = RopeLayout::kNeox;
  std::vector<float> neox = {1, 0, 0, 0};
  kernels::rope(neox.data(), 1, 4, 1, params);
  EXPECT_EQ(neox[1], 0.0f);
  EXPECT_NE(neox[2], 0.0f);  // pair (0, 2)
}

TEST(Rope, FrequencyFactorsDivideEachPairsAngle) {
  // Factor 2 on every pair at position 6 turns exactly as position 3 without factors; factor 1
  // changes nothing.
  const std::vector<float> twos(4, 2.0f), ones(4, 1.0f);
  RopeParams plain{.n_rot = 8, .freq_base = 10000.0f};
  RopeParams halved = plain, unit = plain;
  halved.freq_factors = twos.data();
  unit.freq_factors = ones.data();
  std::vector<float> a = ramp(8), b = ramp(8), c = ramp(8), d = ramp(8);
  kernels::rope(a.data(), 1, 8, 6, halved);
  kernels::rope(b.data(), 1, 8, 3, plain);
  EXPECT_EQ(a, b);
  kernels::rope(c.data(), 1, 8, 5, unit);
  kernels::rope(d.data(), 1, 8, 5, plain);
  EXPECT_EQ(c, d);
}

}  // namespace
}  // namespace tessera
