// What tests that run models outside a slice need: a CPU backend (one per thread count, shared by
// the tests of the binary) and an arena without a quota to charge.
#pragma once

#include <gtest/gtest.h>

#include <climits>
#include <map>
#include <memory>
#include <utility>

#include "backend/arena.h"
#include "backend/cpu/cpu_backend.h"
#include "base/status.h"

namespace tessera::testing {

inline CpuBackend& cpu_backend(int threads = 2) {
  static std::map<int, std::unique_ptr<CpuBackend>> backends;
  std::unique_ptr<CpuBackend>& backend = backends[threads];
  if (!backend) backend = std::make_unique<CpuBackend>(threads);
  return *backend;
}

inline Arena& unlimited_arena() {
  static Arena arena("test", UINT64_MAX);
  return arena;
}

// The value of a Result the test needs; a failed one fails the test where it is used.
template <typename T>
T must(Result<T> result) {
  EXPECT_TRUE(result.ok()) << result.status().to_string();
  return std::move(result).value();
}

}  // namespace tessera::testing
