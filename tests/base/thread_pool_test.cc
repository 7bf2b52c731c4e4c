// The compute pool: every index is visited exactly once, chunks are contiguous and disjoint, and
// the hand-off survives many back-to-back jobs (the decode pattern) and idle gaps long enough for
// the workers to park.
#include "base/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace tessera {
namespace {

TEST(ThreadPoolTest, EveryIndexRunsExactlyOnce) {
  for (int threads : {1, 2, 3, 5}) {
    ThreadPool pool(threads);
    EXPECT_EQ(pool.size(), threads);
    for (int64_t n : {1, 2, 3, 7, 64, 1001}) {
      std::vector<std::atomic<int>> hits(static_cast<size_t>(n));
      pool.parallel_for(n, [&](int64_t begin, int64_t end) {
        EXPECT_LT(begin, end);
        for (int64_t i = begin; i < end; ++i) hits[static_cast<size_t>(i)]++;
      });
      for (int64_t i = 0; i < n; ++i) EXPECT_EQ(hits[static_cast<size_t>(i)], 1) << n << " " << i;
    }
  }
}

TEST(ThreadPoolTest, ManyShortJobsInARowAndAfterIdleGaps) {
  ThreadPool pool(3);
  std::atomic<int64_t> total{0};
  for (int job = 0; job < 5000; ++job) {
    pool.parallel_for(6, [&](int64_t begin, int64_t end) { total += end - begin; });
  }
  EXPECT_EQ(total.load(), 5000 * 6);
  // Long enough for the workers to stop spinning and park; they must wake for the next job.
  for (int gap = 0; gap < 3; ++gap) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
    std::atomic<int> seen{0};
    pool.parallel_for(3,
                      [&](int64_t begin, int64_t end) { seen += static_cast<int>(end - begin); });
    EXPECT_EQ(seen.load(), 3);
  }
}

TEST(ThreadPoolTest, EmptyRangeCallsNothing) {
  ThreadPool pool(2);
  bool called = false;
  pool.parallel_for(0, [&](int64_t, int64_t) { called = true; });
  EXPECT_FALSE(called);
}

}  // namespace
}  // namespace tessera
