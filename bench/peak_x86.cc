// The arithmetic ceiling of one core, for reading the matmul numbers against: how many int16
// multiply-adds (vpmaddwd + vpaddd, what the quantized kernels issue) and f32 FMAs (the float
// kernels) one core completes per second when nothing else limits it. Twelve independent
// accumulator chains cover the latency × throughput of both instructions on current x86 cores.
// Compiled with -mavx2 -mfma (bench/CMakeLists.txt); only called when the CPU has AVX2.
#include "peak_x86.h"

#include <immintrin.h>

#include <chrono>

namespace tessera::bench {
namespace {

constexpr int kChains = 12;

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

double int16_madd_macs_per_second(int64_t iterations) {
  __m256i a = _mm256_set1_epi16(3), b = _mm256_set1_epi16(5);
  __m256i acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_epi32(i);
  const auto start = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < iterations; ++n) {
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_add_epi32(acc[i], _mm256_madd_epi16(a, b));
    __asm__("" : "+x"(a), "+x"(b));  // keeps the products from being hoisted out of the loop
  }
  const double s = seconds_since(start);
  int sink = 0;
  for (int i = 0; i < kChains; ++i) sink += _mm256_extract_epi32(acc[i], 0);
  __asm__("" : : "r"(sink));
  return static_cast<double>(iterations) * kChains * 16 / s;  // 16 int16 products per vpmaddwd
}

double f32_fma_macs_per_second(int64_t iterations) {
  __m256 x = _mm256_set1_ps(0.999f), y = _mm256_set1_ps(1e-3f);
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(static_cast<float>(i));
  const auto start = std::chrono::steady_clock::now();
  for (int64_t n = 0; n < iterations; ++n) {
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], x, y);
    __asm__("" : "+x"(x), "+x"(y));
  }
  const double s = seconds_since(start);
  float sink = 0;
  for (int i = 0; i < kChains; ++i) sink += _mm256_cvtss_f32(acc[i]);
  __asm__("" : : "x"(sink));
  return static_cast<double>(iterations) * kChains * 8 / s;  // 8 lanes per FMA
}

}  // namespace tessera::bench
