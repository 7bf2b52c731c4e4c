// What int8 products would give on this core (see peak_x86.cc). AVX2 CPUs only. The int16 and f32
// ceilings of the kernels themselves come from their KernelTable (peak_int16_macs, peak_f32_macs).
#pragma once

#include <cstdint>

namespace tessera::bench {

// int8 × int8 as AVX2 must do it: vpmaddubsw (32 products into int16 pairs), then vpmaddwd by
// ones to widen the pairs to int32 before they can be scaled or summed further. Multiply-
// accumulates per second of `iterations` rounds of kernels::kPeakChains independent chains.
double int8_maddubs_macs_per_second(int64_t iterations);

}  // namespace tessera::bench
