// The ceiling of int8 activations on an AVX2 core, for weighing them against the kernels' int16
// ones (which keep logits within the NumPy oracle's bounds, see quantize_activations.h): the
// product instruction and the widening one that must follow it, timed by the kernels' own peak
// loop (tile_loops.h). Compiled with -mavx2 (bench/CMakeLists.txt); only called when the CPU has
// AVX2.
#include "peak_x86.h"

#include <immintrin.h>

#include "kernels/cpu/tile_loops.h"

namespace tessera::bench {
namespace {

// acc + the 32 products of a·b: vpmaddubsw into int16 pairs, vpmaddwd by ones into int32.
struct Int8Madd {
  static __m256i madd(__m256i acc, __m256i a, __m256i b) {
    const __m256i pairs = _mm256_maddubs_epi16(a, b);
    return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, _mm256_set1_epi16(1)));
  }
};

}  // namespace

double int8_maddubs_macs_per_second(int64_t iterations) {
  return kernels::peak_chains<__m256i, Int8Madd>(iterations, _mm256_set1_epi8(3),
                                                 _mm256_set1_epi8(5), 32);
}

}  // namespace tessera::bench
