#include "bench/stats.h"

#include <gtest/gtest.h>

namespace tessera::bench {
namespace {

TEST(BenchStats, NearestRankPercentilesOfOneToHundred) {
  std::vector<double> v;
  for (int i = 100; i >= 1; --i) v.push_back(i);
  const Summary s = summarize(v);
  EXPECT_EQ(s.count, 100);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.p50, 50);
  EXPECT_DOUBLE_EQ(s.p90, 90);
  EXPECT_DOUBLE_EQ(s.p95, 95);
  EXPECT_DOUBLE_EQ(s.p99, 99);
  EXPECT_DOUBLE_EQ(s.max, 100);
  EXPECT_DOUBLE_EQ(s.mean, 50.5);
}

TEST(BenchStats, NearestRankIsAnObservedValueNotAnInterpolation) {
  const std::vector<double> sorted = {10, 20, 30, 40};
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 0), 10);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 25), 10);  // rank ceil(1.0) = 1
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 26), 20);  // rank ceil(1.04) = 2
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 50), 20);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 99), 40);
  EXPECT_DOUBLE_EQ(percentile_sorted(sorted, 100), 40);
}

TEST(BenchStats, EmptyAndSingleSamples) {
  std::vector<double> empty;
  EXPECT_EQ(summarize(empty).count, 0);
  EXPECT_DOUBLE_EQ(summarize(empty).p99, 0);
  std::vector<double> one = {7};
  const Summary s = summarize(one);
  EXPECT_DOUBLE_EQ(s.p50, 7);
  EXPECT_DOUBLE_EQ(s.p99, 7);
  EXPECT_DOUBLE_EQ(s.max, 7);
}

}  // namespace
}  // namespace tessera::bench
