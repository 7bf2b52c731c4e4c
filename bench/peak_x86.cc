// The ceiling of int8 activations on an AVX2 core, for weighing them against the kernels' int16
// ones (which keep logits within the NumPy oracle's bounds, see quantize_activations.h): the
// product instruction and the widening one that must follow it, in twelve independent chains.
// Compiled with -mavx2 (bench/CMakeLists.txt); only called when the CPU has AVX2.
#include "peak_x86.h"

#include <immintrin.h>

#include <chrono>

namespace tessera::bench {
namespace {

constexpr int kChains = 12;

}  // namespace

double int8_maddubs_macs_per_second(int64_t iterations) {
  __m256i a = _mm256_set1_epi8(3), b = _mm256_set1_epi8(5);
  const __m256i ones = _mm256_set1_epi16(1);
  __m256i acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_epi32(i);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < iterations; ++n) {
    for (int i = 0; i < kChains; ++i) {
      const __m256i pairs = _mm256_maddubs_epi16(a, b);
      acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(pairs, ones));
    }
    __asm__("" : "+x"(a), "+x"(b));  // keeps the products from being hoisted out of the loop
  }
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int sink = 0;
  for (int i = 0; i < kChains; ++i) sink += _mm256_extract_epi32(acc[i], 0);
  __asm__("" : : "r"(sink));
  return static_cast<double>(iterations) * kChains * 32 / s;  // 32 int8 products per vpmaddubsw
}

}  // namespace tessera::bench
