// Measures how fast this machine's threads can stream memory: the ceiling for batch-1 decode, which
// reads every weight once per token.
#pragma once

#include <cstdint>

#include "base/thread_pool.h"

namespace tessera {

// Reads a buffer of `bytes` (touched first, so pages are resident) with every pool thread, best of
// `repeats` passes; returns GB/s (1e9 bytes per second).
double measure_read_bandwidth_gb_s(ThreadPool& pool, int64_t bytes, int repeats);

}  // namespace tessera
