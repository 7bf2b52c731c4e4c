// Latency statistics for the load generator: percentiles by the nearest-rank method (the value
// at rank ceil(p/100 * n) of the sorted sample, rank 1 for p = 0), so every reported percentile is
// a latency that some request really had; no interpolation.
#pragma once

#include <cstdint>
#include <vector>

namespace tessera::bench {

// Nearest-rank percentile of an ascending-sorted sample; 0 for an empty one. p in [0, 100].
double percentile_sorted(const std::vector<double>& sorted, double p);

struct Summary {
  int64_t count = 0;
  double mean = 0, min = 0, p50 = 0, p90 = 0, p95 = 0, p99 = 0, max = 0;
};

// Sorts `values` in place and summarises them (all zeros when empty).
Summary summarize(std::vector<double>& values);

}  // namespace tessera::bench
