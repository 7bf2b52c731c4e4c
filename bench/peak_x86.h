// Single-core arithmetic ceilings (see peak_x86.cc). AVX2 + FMA CPUs only.
#pragma once

#include <cstdint>

namespace tessera::bench {

// Multiply-accumulates per second of `iterations` rounds of 12 independent chains.
double int16_madd_macs_per_second(int64_t iterations);
double f32_fma_macs_per_second(int64_t iterations);

}  // namespace tessera::bench
