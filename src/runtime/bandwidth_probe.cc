#include "runtime/bandwidth_probe.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

namespace tessera {

double measure_read_bandwidth_gb_s(ThreadPool& pool, int64_t bytes, int repeats) {
  const int64_t words = bytes / static_cast<int64_t>(sizeof(uint64_t));
  std::vector<uint64_t> buffer(static_cast<size_t>(words));
  for (int64_t i = 0; i < words; ++i) buffer[static_cast<size_t>(i)] = static_cast<uint64_t>(i);
  std::atomic<uint64_t> sink{0};
  double best = 0.0;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    pool.parallel_for(words, [&](int64_t begin, int64_t end) {
      // Four independent sums so the loop is limited by loads, not by an add chain.
      uint64_t s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      int64_t i = begin;
      for (; i + 4 <= end; i += 4) {
        s0 += buffer[static_cast<size_t>(i)];
        s1 += buffer[static_cast<size_t>(i + 1)];
        s2 += buffer[static_cast<size_t>(i + 2)];
        s3 += buffer[static_cast<size_t>(i + 3)];
      }
      for (; i < end; ++i) s0 += buffer[static_cast<size_t>(i)];
      sink += s0 + s1 + s2 + s3;
    });
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    best = std::max(best, static_cast<double>(words * sizeof(uint64_t)) / seconds / 1e9);
  }
  return sink.load() == 1 ? best + 0.0 : best;  // keep the sums observable
}

}  // namespace tessera
